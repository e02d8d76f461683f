"""Fetch GDELT 2.0 event export files (one per 15 minutes) for a date range, verified by MD5.

GDELT publishes ``masterfilelist.txt``: one line per file, ``<size> <md5> <url>``. The fetcher
reads it (streamed, keeping only the export files in the range), saves that selection as
``manifest_<start>_<end>.txt`` beside the downloads, and downloads each ``YYYYMMDDHHMMSS.export.
CSV.zip`` into the output folder, checking size and MD5. Files already present and correct are
skipped, so an interrupted run resumes where it stopped. Dates are GDELT's file timestamps (UTC).
"""

from __future__ import annotations

import datetime as dt
import re
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from analysis.atomic import write_atomic
from analysis.errors import ParameterError
from analysis.sources.fetch.http import (
    DEFAULT_POLICY,
    USER_AGENT,
    DownloadError,
    Policy,
    download,
    with_retries,
)
from analysis.sources.fetch.progress import progress_bar

DEFAULT_BASE_URL = "http://data.gdeltproject.org/gdeltv2/"
BASE_URL_ENV = "ESCALATION_GDELT_URL"
_EXPORT = re.compile(r"(\d{14})\.export\.CSV\.zip$")


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

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self) -> str:
        lines = [
            f"{self.folder}: {len(self.downloaded)} downloaded, {len(self.resumed)} resumed, "
            f"{len(self.skipped)} already complete, {len(self.failed)} failed"
        ]
        lines += [f"  failed {name}: {why}" for name, why in self.failed.items()]
        return "\n".join(lines)


def parse_master_lines(lines, start: dt.date, end: dt.date) -> list[ListedFile]:
    """Export files of a master list (iterable of text lines) stamped from ``start`` to ``end``.

    Malformed lines are skipped (GDELT's list has a few with a missing size); returns files in
    timestamp order.
    """
    out = []
    for line in lines:
        parts = line.split()
        if len(parts) != 3:
            continue
        size, md5, url = parts
        m = _EXPORT.search(url)
        if not m or not size.isdigit() or not re.fullmatch(r"[0-9a-fA-F]{32}", md5):
            continue
        stamp = dt.datetime.strptime(m.group(1), "%Y%m%d%H%M%S")
        if start <= stamp.date() <= end:
            out.append(ListedFile(url.rsplit("/", 1)[-1], int(size), md5.lower(), stamp))
    return sorted(out, key=lambda f: f.stamp)


def _master_list(
    base_url: str,
    start: dt.date,
    end: dt.date,
    policy: Policy,
    sleep: Callable[[float], None] = time.sleep,
) -> list[ListedFile]:
    url = base_url + "masterfilelist.txt"

    def read() -> list[ListedFile]:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        with urllib.request.urlopen(request, timeout=policy.timeout) as response:
            lines = (raw.decode("utf-8", "replace") for raw in response)
            return parse_master_lines(lines, start, end)

    try:
        return with_retries(read, url, policy, sleep)
    except DownloadError as exc:
        raise DownloadError(f"cannot read the master file list: {exc}") from None


def _write_manifest(path: Path, files: list[ListedFile]) -> None:
    write_atomic(path, "".join(f"{f.size} {f.md5} {f.name}\n" for f in files))


def _read_manifest(path: Path) -> list[ListedFile]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        size, md5, name = line.split()
        stamp = dt.datetime.strptime(_EXPORT.search(name).group(1), "%Y%m%d%H%M%S")
        out.append(ListedFile(name, int(size), md5, stamp))
    return out


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

    The master-list selection is cached as ``manifest_<start>_<end>.txt`` (``refresh_list``
    re-reads the list). A file that fails (network, truncation, wrong MD5) is reported in the
    returned :class:`FetchReport` and not kept; the others still download.
    """
    if end < start:
        raise ParameterError(f"--end {end} is before --start {start}")
    if not base_url.endswith("/"):
        base_url += "/"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = out / f"manifest_{start:%Y%m%d}_{end:%Y%m%d}.txt"
    if manifest.exists() and not refresh_list:
        files = _read_manifest(manifest)
    else:
        files = _master_list(base_url, start, end, policy)
        _write_manifest(manifest, files)
    report = FetchReport(out)
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
                )
            except DownloadError as exc:  # includes VerificationError (size, MD5)
                report.failed[f.name] = str(exc)
                continue
            if result.status == "skipped":
                bar.update(f.size)
            getattr(report, result.status).append(f.name)
    return report
