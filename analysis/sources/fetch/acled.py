"""Fetch ACLED events for one country and date range through ACLED's API, as one CSV export.

ACLED's API (since September 2025) authenticates with OAuth: the account's e-mail and password
are exchanged at ``<base>/oauth/token`` (``grant_type=password``, ``client_id=acled``) for a bearer
token, which then reads ``<base>/api/acled/read?_format=csv`` page by page (``limit`` rows per
page). Credentials come only from the environment (``ACLED_EMAIL``, ``ACLED_PASSWORD``) and
are never printed, logged or written to disk; nor is the token.

Each page is saved under ``<output>.parts-<limit>/`` as it arrives, so an interrupted run
re-reads only the missing pages; when the last page is in, the pages are joined (one header) into
``acled_<country>_<start>_<end>.csv`` via a temporary name and the parts are removed.
ACLED's terms forbid redistributing the data: the file stays in ``data/raw/`` (git-ignored).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from analysis.atomic import write_atomic
from analysis.errors import FetchError, ParameterError
from analysis.sources.fetch.http import DEFAULT_POLICY, DownloadError, Policy, get_bytes
from analysis.sources.fetch.progress import progress_bar

DEFAULT_BASE_URL = "https://acleddata.com/"
BASE_URL_ENV = "ESCALATION_ACLED_URL"
EMAIL_ENV = "ACLED_EMAIL"
PASSWORD_ENV = "ACLED_PASSWORD"
PAGE_SIZE = 5000


class CredentialsError(FetchError, RuntimeError):
    """ACLED credentials are missing from the environment or were refused.

    A :class:`~analysis.errors.FetchError`, and still a ``RuntimeError`` as before the family."""


@dataclass(frozen=True)
class AcledReport:
    """The file written, its data rows and pages, and how many pages this run fetched."""

    path: Path
    rows: int
    pages: int
    pages_fetched: int

    def text(self) -> str:
        return (
            f"{self.path}: {self.rows} events in {self.pages} page(s) "
            f"({self.pages_fetched} fetched now)"
        )


def credentials() -> tuple[str, str]:
    """(e-mail, password) from ``ACLED_EMAIL`` / ``ACLED_PASSWORD``; CredentialsError if unset."""
    email = os.environ.get(EMAIL_ENV, "").strip()
    password = os.environ.get(PASSWORD_ENV, "")
    if not email or not password:
        raise CredentialsError(
            f"set {EMAIL_ENV} and {PASSWORD_ENV} to your myACLED account's e-mail and password "
            "(see analysis/sources/README.md); they are read from the environment only"
        )
    return email, password


def token(base_url: str, policy: Policy) -> str:
    """An OAuth access token for the account in the environment (never logged)."""
    email, password = credentials()
    form = urllib.parse.urlencode(
        {"username": email, "password": password, "grant_type": "password", "client_id": "acled"}
    ).encode()
    try:
        body = get_bytes(
            base_url + "oauth/token",
            data=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            policy=policy,
        )
    except DownloadError as exc:
        if "HTTP 400" in str(exc) or "HTTP 401" in str(exc) or "HTTP 403" in str(exc):
            raise CredentialsError(
                f"ACLED refused the credentials in {EMAIL_ENV}/{PASSWORD_ENV} ({exc})"
            ) from None
        raise
    try:
        value = json.loads(body)["access_token"]
    except (ValueError, KeyError, TypeError):
        raise CredentialsError("ACLED's token endpoint answered without an access_token") from None
    return str(value)


def page_url(
    base_url: str, country: str, start: dt.date, end: dt.date, page: int, limit: int
) -> str:
    """The read URL of one page of CSV for a country and inclusive date range."""
    query = urllib.parse.urlencode(
        {
            "_format": "csv",
            "country": country,
            "event_date": f"{start:%Y-%m-%d}|{end:%Y-%m-%d}",
            "event_date_where": "BETWEEN",
            "limit": limit,
            "page": page,
        }
    )
    return f"{base_url}api/acled/read?{query}"


def _rows(text: str) -> tuple[list[str], list[list[str]]]:
    records = list(csv.reader(io.StringIO(text, newline="")))
    if not records:
        return [], []
    return records[0], [r for r in records[1:] if any(c.strip() for c in r)]


def fetch(
    country: str,
    start: dt.date,
    end: dt.date,
    out_dir: Path | str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    policy: Policy = DEFAULT_POLICY,
    limit: int = PAGE_SIZE,
    progress: bool | None = None,
) -> AcledReport:
    """Download every ACLED event of ``country`` from ``start`` to ``end`` into one CSV.

    Raises :class:`CredentialsError` without credentials, DownloadError on network failure
    (pages already saved are kept for the next run).
    """
    if end < start:
        raise ParameterError(f"--end {end} is before --start {start}")
    if not country.strip():
        raise ParameterError("--country is empty")
    if not base_url.endswith("/"):
        base_url += "/"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    slug = "_".join(country.split())
    final = out / f"acled_{slug}_{start:%Y-%m-%d}_{end:%Y-%m-%d}.csv"
    parts = final.with_name(f"{final.name}.parts-{limit}")  # pages depend on the page size
    parts.mkdir(exist_ok=True)
    bearer: str | None = None
    fetched = 0
    page = 1
    header: list[str] = []
    n_rows = 0
    joined = io.StringIO()  # the pages joined, one header: parsed once, as each page comes in
    writer = csv.writer(joined, lineterminator="\n")
    with progress_bar(None, "acled pages", progress) as bar:
        while True:
            part = parts / f"page-{page:05d}.csv"
            if part.exists():
                text = part.read_text(encoding="utf-8")
            else:
                if bearer is None:
                    bearer = token(base_url, policy)
                body = get_bytes(
                    page_url(base_url, country, start, end, page, limit),
                    headers={"Authorization": f"Bearer {bearer}"},
                    policy=policy,
                )
                text = body.decode("utf-8-sig")
                if text.lstrip().startswith("{"):
                    raise DownloadError(
                        f"ACLED answered page {page} with JSON, not CSV: {text[:200]}"
                    )
                write_atomic(part, text)
                fetched += 1
            bar.update(1)
            head, rows = _rows(text)
            if head and not header:
                header = head
                writer.writerow(header)
            if head and head != header:
                raise DownloadError(f"ACLED page {part.name} has different columns from page 1")
            writer.writerows(rows)
            n_rows += len(rows)
            if len(rows) < limit:
                break
            page += 1
    write_atomic(final, joined.getvalue())
    shutil.rmtree(parts)
    return AcledReport(final, n_rows, page, fetched)
