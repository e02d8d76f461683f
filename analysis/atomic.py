"""Writing files so that readers only ever see the old or the complete new content."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path | str, content: str | bytes) -> None:
    """Write ``content`` to ``path`` via a temporary file and a rename: never a half-written file.

    A ``str`` is written as UTF-8, its newlines untranslated. The temporary file sits in the same
    folder (so the rename is atomic) and is flushed to disk before the rename; on any error it is
    removed and ``path`` is left as it was.
    """
    path = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
