"""Fetch a UCDP GED release (``ged<vv><r>-csv.zip``) or a monthly candidate file (CSV).

``--version 25.1`` downloads ``<base>ged/ged251-csv.zip`` (the yearly release); a three-part
version such as ``25.0.9`` downloads the candidate file ``<base>candidateged/GEDEvent_v25_0_9.csv``.
UCDP publishes no checksums: a zip is verified by reading its CSV whole (its CRC) within the
bounds of :mod:`analysis.sources.bounded` (a line, the file uncompressed: a zip bomb is
refused), a CSV by its Content-Length and the same bounds; a file failing the check is deleted
and reported, never kept (an earlier download that fails it is fetched again). GED is CC BY 4.0
(cite it).
"""

from __future__ import annotations

import re
from pathlib import Path

from analysis.errors import ParameterError
from analysis.sources.bounded import check_file
from analysis.sources.fetch.http import DEFAULT_POLICY, Outcome, Policy, download
from analysis.sources.fetch.progress import progress_bar

DEFAULT_BASE_URL = "https://ucdp.uu.se/downloads/"
BASE_URL_ENV = "ESCALATION_UCDP_URL"


def file_for(version: str) -> str:
    """Relative URL of a GED version: "25.1" -> "ged/ged251-csv.zip", "25.0.9" -> candidate."""
    v = version.strip()
    if m := re.fullmatch(r"(\d{2})\.(\d)", v):
        return f"ged/ged{m.group(1)}{m.group(2)}-csv.zip"
    if m := re.fullmatch(r"(\d{2})\.0\.(\d{1,2})", v):
        return f"candidateged/GEDEvent_v{m.group(1)}_0_{m.group(2)}.csv"
    raise ParameterError(
        f"UCDP version {version!r} is not like 25.1 (yearly release) or 25.0.9 (candidate)"
    )


def fetch(
    version: str,
    out_dir: Path | str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    policy: Policy = DEFAULT_POLICY,
    progress: bool | None = None,
) -> Outcome:
    """Download one GED release or candidate file into ``out_dir`` and check its integrity."""
    relative = file_for(version)
    if not base_url.endswith("/"):
        base_url += "/"
    dest = Path(out_dir) / relative.rsplit("/", 1)[-1]
    with progress_bar(None, "ucdp", progress) as bar:
        return download(
            base_url + relative, dest, policy=policy, on_bytes=bar.update, check=check_file
        )
