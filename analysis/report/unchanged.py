"""Whether the site's front pages (``index.html``, the review page) are as the last run left
them, decided from hashes alone, so a run with nothing to build imports no data stack.

The key hashes everything the two pages are rendered from (the manifest, the config's order of
briefs, the curated data files, the review queue's files, the package's files and version) and
the two pages as they are on disk; it is recorded in the site's work folder after every run that
wrote or checked them. Equal keys mean re-rendering would give the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from analysis import __version__
from analysis.atomic import write_atomic
from analysis.report.keys import PACKAGE_DIR, package_digests
from analysis.report.publish import work_dir
from analysis.report.site import ARCHIVE_PAGE, MANIFEST, REVIEW_PAGE

#: the record of the last front-page key, in the site's work folder
RECORD = "front-pages.json"
#: the pages the key covers (site paths); kept equal to what ``site.front_pages`` renders
PAGES = ("index.html", REVIEW_PAGE, ARCHIVE_PAGE)


def _update_with_file(h: Any, label: str, path: Path) -> None:
    """Feed ``label`` and the file's SHA-256 (or a marker when it cannot be read) into ``h``."""
    h.update(label.encode("utf-8") + b"\0")
    try:
        with path.open("rb") as fh:
            h.update(hashlib.file_digest(fh, "sha256").digest())
    except OSError:
        h.update(b"unreadable")
    h.update(b"\0")


def sources_key(
    order: Sequence[str],
    data_dir: Path | None,
    data: Mapping[str, str],
    package_dir: Path = PACKAGE_DIR,
    digests: Mapping[str, bytes] | None = None,
) -> str:
    """SHA-256 (hex) over what the front pages are rendered from, apart from the manifest:
    ``order`` (the config's briefs in order), ``data`` (the curated data files' hashes,
    :func:`analysis.report.keys.data_hashes`), ``data_dir``'s review queue (``review/`` and
    ``incidents.csv``; default: the project's data folder), every file of the package (code,
    templates, CSS: ``digests``, else read from ``package_dir``) and its version. Taken before
    the pages are rendered."""
    if data_dir is None:
        from analysis import paths

        data_dir = paths.data_dir()
    h = hashlib.sha256()
    h.update(json.dumps([__version__, list(order), dict(sorted(data.items()))]).encode("utf-8"))
    _update_with_file(h, "incidents", data_dir / "incidents.csv")
    review = data_dir / "review"
    queue = sorted(p for p in review.rglob("*") if p.is_file()) if review.is_dir() else []
    for p in queue:
        _update_with_file(h, f"review:{p.relative_to(review).as_posix()}", p)
    digests = package_digests(package_dir) if digests is None else digests
    for rel in sorted(digests):
        h.update(f"package:{rel}".encode() + b"\0" + digests[rel] + b"\0")
    return h.hexdigest()


def front_key(site: Path, sources: str) -> str:
    """SHA-256 (hex) over ``sources`` (:func:`sources_key`), ``site``'s manifest and its front
    pages as they are on disk: equal to the recorded key only when nothing they depend on, nor
    the pages themselves, changed since."""
    h = hashlib.sha256(sources.encode("ascii"))
    _update_with_file(h, "manifest", site / MANIFEST)
    for rel in PAGES:
        _update_with_file(h, f"page:{rel}", site / rel)
    return h.hexdigest()


def recorded(site: Path) -> str | None:
    """The key the last run recorded for ``site``'s front pages, or None."""
    try:
        doc = json.loads((work_dir(site) / RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("key") if isinstance(doc, dict) else None


def record(site: Path, key: str) -> None:
    """Record ``key`` as the front pages' current key (a failure only costs a re-render)."""
    try:
        write_atomic(work_dir(site) / RECORD, json.dumps({"key": key}) + "\n")
    except OSError:
        pass
