"""Bounded reading of a feed file: no line, and no file, larger than a feed ever holds.

Every feed read (ACLED, UCDP, GDELT; at load and, for a download, before it is kept) goes
through :func:`open_bounded`, which opens a plain file or the first member of a zip archive as a
binary stream that counts what it hands out. A physical line longer than :data:`MAX_LINE_BYTES`
or an uncompressed file larger than :data:`MAX_FILE_BYTES` stops the read at once with a
one-line :class:`~analysis.errors.DataError` naming the file (and the line), so a zip bomb of a
few MB holding one line of GBs is refused within the bound instead of filling memory. A CSV
field is bounded too: by the csv module's ``field_size_limit`` (128 KiB) for ACLED and UCDP,
by the line for GDELT's tab-separated lines.

The bounds: 64 MiB per line (real lines are a few KB: a GDELT row is about 1 KB, an ACLED row
with its notes a few KB, quoted line breaks count as line ends); 4 GiB per file uncompressed
(real exports and GED releases are well below it).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from analysis.errors import DataError

#: the longest physical line a feed file may hold, bytes
MAX_LINE_BYTES = 64 << 20
#: the largest a feed file may be uncompressed, bytes
MAX_FILE_BYTES = 4 << 30


def _mib(n: int) -> str:
    return f"{n / (1 << 20):g} MiB"


class BoundedStream(io.RawIOBase):
    """A read-only binary stream over ``raw`` that raises :class:`DataError` (naming ``path``)
    once a line runs past ``max_line`` bytes or the whole past ``max_bytes`` bytes."""

    def __init__(
        self, raw: io.RawIOBase | io.BufferedIOBase, path: Path, max_line: int, max_bytes: int
    ):
        super().__init__()
        self._raw = raw
        self.path = path
        self.max_line = max_line
        self.max_bytes = max_bytes
        self.total = 0  # bytes handed out
        self.lines = 0  # line ends handed out
        self.run = 0  # bytes since the last line end

    def _check(self, length: int) -> None:
        """Refuse line ``self.lines + 1`` if ``length`` (its bytes so far) is over the bound."""
        if length > self.max_line:
            raise DataError(
                f"{self.path}: line {self.lines + 1} is longer than {_mib(self.max_line)} "
                "(not a feed file, or a damaged one); refused",
                path=self.path,
                line=self.lines + 1,
            )

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        n = self._raw.readinto(view)
        if not n:
            return n or 0
        data = bytes(view[:n])  # a copy of one block: cheap next to the decompression
        self.total += n
        end = data.find(b"\n")
        if end < 0:
            self.run += n
        else:
            self._check(self.run + end)  # the line this block ends
            self.lines += 1
            if n - end - 1 > self.max_line:  # a block that could hold a whole long line
                start = end + 1
                while (end := data.find(b"\n", start)) >= 0:
                    self._check(end - start)
                    self.lines += 1
                    start = end + 1
            else:
                self.lines += data.count(b"\n", end + 1)
            self.run = n - data.rfind(b"\n") - 1
        self._check(self.run)
        if self.total > self.max_bytes:
            raise DataError(
                f"{self.path}: more than {_mib(self.max_bytes)} uncompressed "
                "(not a feed file, or a damaged one); refused",
                path=self.path,
            )
        return n


@contextmanager
def open_bounded(
    path: Path | str,
    *,
    member_suffix: str = "",
    max_line: int = MAX_LINE_BYTES,
    max_bytes: int = MAX_FILE_BYTES,
    label: Path | None = None,
) -> Iterator[BoundedStream]:
    """``path`` (or the first member of a zip archive whose name ends in ``member_suffix``,
    any case) as a :class:`BoundedStream`; errors name the file as ``label`` (default
    ``path``). A member that declares more than ``max_bytes`` is refused before any of it is
    read; an archive with no such member is a :class:`DataError`."""
    path = Path(path)
    name = Path(label or path)
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            infos = [
                i
                for i in zf.infolist()
                if not i.is_dir() and i.filename.lower().endswith(member_suffix.lower())
            ]
            if not infos:
                what = f"no {member_suffix} file" if member_suffix else "no file"
                raise DataError(f"{name}: zip archive holds {what}", path=name, line=1)
            if infos[0].file_size > max_bytes:
                raise DataError(
                    f"{name}: {infos[0].filename} is {_mib(infos[0].file_size)} uncompressed, "
                    f"more than {_mib(max_bytes)} (not a feed file); refused",
                    path=name,
                )
            with zf.open(infos[0]) as raw:
                yield BoundedStream(raw, name, max_line, max_bytes)
    else:
        with path.open("rb", buffering=0) as raw:
            yield BoundedStream(raw, name, max_line, max_bytes)


@contextmanager
def open_bounded_text(path: Path | str, *, member_suffix: str = "") -> Iterator[io.TextIOWrapper]:
    """:func:`open_bounded` as UTF-8 text (BOM stripped, ``newline=""`` for the csv module)."""
    with open_bounded(path, member_suffix=member_suffix) as stream:
        buffered = io.BufferedReader(stream, buffer_size=1 << 20)
        yield io.TextIOWrapper(buffered, encoding="utf-8-sig", newline="")


def check_file(path: Path | str, name: str | None = None) -> str | None:
    """None when ``path`` reads whole within the bounds (and, for a zip, its CRC is right),
    else what is wrong, in one line naming the file as ``name`` (default ``path``): the check
    a download passes before it is kept."""
    label = Path(name or path)
    try:
        with open_bounded(path, label=label) as stream:
            buf = bytearray(1 << 20)
            while stream.readinto(buf):
                pass
    except DataError as exc:
        return str(exc)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
        return f"{label}: damaged archive ({' '.join(str(exc).split())})"
    return None


__all__ = [
    "MAX_FILE_BYTES",
    "MAX_LINE_BYTES",
    "BoundedStream",
    "check_file",
    "open_bounded",
    "open_bounded_text",
]
