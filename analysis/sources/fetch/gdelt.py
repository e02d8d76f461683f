"""Fetch GDELT 2.0 event export files (one per 15 minutes) for a date range, verified by MD5.

GDELT publishes ``masterfilelist.txt``: one line per file, ``<size> <md5> <url>``. The fetcher
reads it (streamed, keeping only the export files in the range), saves that selection as
``manifest_<start>_<end>.txt`` beside the downloads, and downloads each ``YYYYMMDDHHMMSS.export.
CSV.zip`` into the output folder, checking size, MD5 and the bounds of
:mod:`analysis.sources.bounded` (a zip bomb is deleted, never kept). Files already present
and correct are skipped, so an interrupted run resumes where it stopped. Dates are GDELT's file
timestamps (UTC).

What the server sends is checked before anything is kept: an HTML page (a captive portal
answering 200), an empty answer, or a body whose lines are mostly not ``<size> <md5> <url>`` is
an :class:`~analysis.sources.fetch.http.UnexpectedContentError`, and no manifest is written. The
selection is cached only once the list covers the whole range (it names a file stamped after
``end``), so a run on a day GDELT is still publishing reads the list again next time instead of
keeping today's partial selection forever; a cached manifest that is empty or damaged is ignored.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.atomic import write_atomic
from analysis.errors import ParameterError
from analysis.sources.bounded import check_file
from analysis.sources.fetch.http import (
    DEFAULT_POLICY,
    DownloadError,
    Policy,
    UnexpectedContentError,
    download,
    fetch_with,
    one_line,
)
from analysis.sources.fetch.progress import progress_bar

DEFAULT_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
BASE_URL_ENV = "ESCALATION_GDELT_URL"
_EXPORT = re.compile(r"(\d{14})\.export\.CSV\.zip$")
#: a line of the master list: size, MD5, URL
_LINE = re.compile(r"(\d+) ([0-9a-fA-F]{32}) (\S+)")
#: the share of a list's lines that must be well formed (GDELT's has a few with a missing size)
MIN_WELL_FORMED = 0.5


@dataclass(frozen=True)
class ListedFile:
    """One export file of the master list: name, size in bytes, MD5 (hex), timestamp (UTC)."""

    name: str
    size: int
    md5: str
    stamp: dt.datetime


@dataclass
class FetchReport:
    """What a fetch did: files downloaded, resumed, skipped (already complete), and failures."""

    folder: Path
    downloaded: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: every file of the range as the master list gives it (name, size, MD5): what the Parquet
    #: cache keys files by (:mod:`analysis.sources.gdelt_cache`)
    listed: list[ListedFile] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        lines = [
            f"{self.folder}: {len(self.downloaded)} downloaded, {len(self.resumed)} resumed, "
            f"{len(self.skipped)} already complete, {len(self.failed)} failed"
        ]
        lines += [f"  failed {name}: {why}" for name, why in self.failed.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class MasterList:
    """What a master list held: the export files in the range asked for, how many non-blank
    lines it had and how many of them were well formed, the newest export stamp it names, and
    the first line that was not well formed (for the message when the list is refused)."""

    files: list[ListedFile]
    lines: int = 0
    well_formed: int = 0
    newest: dt.datetime | None = None
    first_bad: str = ""

    def problem(self) -> str | None:
        """Why this is not GDELT's master file list, or None when it is."""
        if self.lines == 0:
            return "the answer was empty"
        if self.well_formed < MIN_WELL_FORMED * self.lines:
            return (
                f"{self.lines - self.well_formed} of {self.lines} lines are not "
                f"'<size> <md5> <url>' (first: {self.first_bad[:80]!r})"
            )
        if self.newest is None:
            return "it names no export file"
        return None

    def covers(self, end: dt.date) -> bool:
        """True when the list names a file stamped after ``end``: the range is complete."""
        return self.newest is not None and self.newest.date() > end


def read_master_list(lines: Iterable[str], start: dt.date, end: dt.date) -> MasterList:
    """Read a master list (iterable of text lines): the export files stamped ``start`` .. ``end``
    in timestamp order, and what :meth:`MasterList.problem` needs to judge the list.

    Malformed lines are skipped and counted (GDELT's list has a few with a missing size).
    """
    out = MasterList([])
    for line in lines:
        text = line.strip()
        if not text:
            continue
        out.lines += 1
        m = _LINE.fullmatch(" ".join(text.split()))
        if not m:
            out.first_bad = out.first_bad or text
            continue
        out.well_formed += 1
        size, md5, url = m.groups()
        e = _EXPORT.search(url)
        if not e:
            continue
        try:
            stamp = dt.datetime.strptime(e.group(1), "%Y%m%d%H%M%S")
        except ValueError:
            continue
        if out.newest is None or stamp > out.newest:
            out.newest = stamp
        if start <= stamp.date() <= end:
            out.files.append(ListedFile(url.rsplit("/", 1)[-1], int(size), md5.lower(), stamp))
    out.files.sort(key=lambda f: f.stamp)
    return out


def parse_master_lines(lines, start: dt.date, end: dt.date) -> list[ListedFile]:
    """Export files of a master list (iterable of text lines) stamped from ``start`` to ``end``.

    Malformed lines are skipped (GDELT's list has a few with a missing size); returns files in
    timestamp order.
    """
    return read_master_list(lines, start, end).files


def _master_list(
    base_url: str,
    start: dt.date,
    end: dt.date,
    policy: Policy,
    sleep: Callable[[float], None] = time.sleep,
) -> MasterList:
    """The master list's selection for the range, checked: UnexpectedContentError when what came
    back is not GDELT's list, DownloadError (one line) when it could not be read."""
    url = base_url + "masterfilelist.txt"

    def read(response: Any) -> MasterList:
        lines = (raw.decode("utf-8", "replace") for raw in response)
        listing = read_master_list(lines, start, end)
        problem = listing.problem()
        if problem:
            raise UnexpectedContentError(
                f"{url}: not GDELT's master file list ({problem}); nothing was kept"
            )
        return listing

    try:
        return fetch_with(url, read, policy=policy, sleep=sleep)
    except DownloadError as exc:
        raise type(exc)(f"cannot read the master file list: {one_line(exc)}") from None


def _write_manifest(path: Path, files: list[ListedFile]) -> None:
    write_atomic(path, "".join(f"{f.size} {f.md5} {f.name}\n" for f in files))


def _read_manifest(path: Path) -> list[ListedFile] | None:
    """The cached selection, or None when there is none to trust (missing, empty, damaged)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    out = []
    for line in text.splitlines():
        parts = line.split()
        m = _EXPORT.search(parts[2]) if len(parts) == 3 else None
        if m is None or not parts[0].isdigit() or not re.fullmatch(r"[0-9a-f]{32}", parts[1]):
            return None
        stamp = dt.datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
        out.append(ListedFile(parts[2], int(parts[0]), parts[1], stamp))
    return out or None


def fetch(
    start: dt.date,
    end: dt.date,
    out_dir: Path | str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    policy: Policy = DEFAULT_POLICY,
    refresh_list: bool = False,
    progress: bool | None = None,
) -> FetchReport:
    """Download the GDELT 2.0 export files stamped ``start`` .. ``end`` (inclusive) to ``out_dir``.

    The master-list selection is cached as ``manifest_<start>_<end>.txt`` once the list covers
    the whole range (``refresh_list`` re-reads the list). A file that fails (network, truncation,
    wrong MD5) is reported in the returned :class:`FetchReport` and not kept; the others still
    download. A list that cannot be read, or is not GDELT's list, raises
    :class:`~analysis.sources.fetch.http.DownloadError` and caches nothing.
    """
    if end < start:
        raise ParameterError(f"--end {end} is before --start {start}")
    if not base_url.endswith("/"):
        base_url += "/"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / f"manifest_{start:%Y%m%d}_{end:%Y%m%d}.txt"
    report = FetchReport(out)
    files = None if refresh_list else _read_manifest(manifest)
    if files is None:
        listing = _master_list(base_url, start, end, policy)
        files = listing.files
        if listing.covers(end):
            _write_manifest(manifest, files)
        else:
            manifest.unlink(missing_ok=True)
            newest = f"{listing.newest:%Y-%m-%d %H:%M}" if listing.newest else "none"
            report.notes.append(
                f"the master list does not cover {end} yet (newest file {newest} UTC): its "
                "selection is not cached, the next fetch reads the list again"
            )
    report.listed = list(files)
    total = sum(f.size for f in files)
    with progress_bar(total, "gdelt", progress) as bar:
        for f in files:
            part = out / f"{f.name}.part"
            if part.exists() and part.stat().st_size <= f.size:
                bar.update(part.stat().st_size)
            try:
                result = download(
                    base_url + f.name,
                    out / f.name,
                    size=f.size,
                    md5=f.md5,
                    policy=policy,
                    on_bytes=bar.update,
                    check=check_file,
                )
            except DownloadError as exc:  # includes VerificationError (size, MD5)
                report.failed[f.name] = str(exc)
                continue
            if result.status == "skipped":
                bar.update(f.size)
            getattr(report, result.status).append(f.name)
    return report
