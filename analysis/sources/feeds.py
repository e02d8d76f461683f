"""The event feeds (ACLED, UCDP GED, GDELT): one record each, and what the case asks of them.

:data:`FEEDS` holds one :class:`Feed` per feed: its key (``acled``), the name pages show, the
module that loads its files and the module that fetches them, the names of its files under
``data/raw/<key>/``, how far back an unattended run fetches it, and the settings it reads from
the case file's ``feeds:`` block. ``sources.raw``, ``sources.cli``, ``report.unattended`` and the
tempo briefs read this list rather than each keeping their own.

Which rows of a feed are the case's comes from the case file, read at call time (never at
import: a kernel forked from a warm process reads its own ``$ESCALATION_DATA_DIR``):
:func:`settings` returns a feed's settings checked, and raises :class:`FeedNotConfigured` (a
``ParameterError`` naming the case file) for a feed the case does not configure, so no feed ever
falls back to Iraq. The module imports neither pandas nor the loaders, so the command line starts
fast.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import importlib
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from analysis import case as case_mod
from analysis.errors import ParameterError

__all__ = [
    "FEEDS",
    "KEYS",
    "UCDP_VERSION_ENV",
    "AcledSettings",
    "Feed",
    "FeedNotConfigured",
    "GdeltSettings",
    "UcdpSettings",
    "configured",
    "display_name",
    "feed",
    "settings",
]

#: the GED release an unattended run fetches, from the environment (default 25.1)
UCDP_VERSION_ENV = "ESCALATION_UCDP_VERSION"
DEFAULT_UCDP_VERSION = "25.1"


class FeedNotConfigured(ParameterError):
    """The case file has no settings for a feed: it is not read or fetched for this case."""


@dataclass(frozen=True)
class AcledSettings:
    """ACLED rows kept: those whose ``country`` is one of ``countries`` (ACLED's names)."""

    countries: tuple[str, ...]


@dataclass(frozen=True)
class UcdpSettings:
    """GED rows kept: ``country`` in ``countries`` or ``country_id`` in ``country_ids``."""

    countries: tuple[str, ...]
    country_ids: tuple[str, ...]


@dataclass(frozen=True)
class GdeltSettings:
    """GDELT rows kept: ``ActionGeo_CountryCode`` in ``countries`` (FIPS code -> the case's
    country, or None when not given); ``admin1``: FIPS admin-1 code -> area; ``target_actor``:
    a regular expression a row's target actor matches when it is the subject's (None: none)."""

    countries: Mapping[str, str | None]
    admin1: Mapping[str, str]
    target_actor: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """The FIPS country codes kept, in the case file's order."""
        return tuple(self.countries)


FetchResult = tuple[bool, str]


@dataclass(frozen=True)
class Feed:
    """One event feed: where its files are, what reads and fetches them, what it needs."""

    key: str
    name: str
    #: module with ``load(path)``: one file (ACLED, UCDP) or a list of files (GDELT)
    loader: str
    #: module under ``analysis.sources.fetch`` with ``fetch(...)``, ``DEFAULT_BASE_URL`` and
    #: ``BASE_URL_ENV``
    fetcher: str
    #: file names under ``data/raw/<key>/`` the loader reads (globs, any letter case)
    patterns: tuple[str, ...]
    #: days back from ``as_of`` an unattended run fetches (None: a release, not a window)
    fetch_days: int | None
    #: keys of the case file's ``feeds.<key>`` block it reads
    case_keys: tuple[str, ...]
    #: the command that fetches it, for messages
    fetch_hint: str
    #: fetch up to a day into a folder: (feed, as_of, out, base_url, progress, case settings)
    #: -> (ok, what it did)
    recent: Callable[[Feed, dt.date, Path, str, bool | None, Any], FetchResult]

    def load_module(self) -> ModuleType:
        """The loader module (imported now: it brings pandas)."""
        return importlib.import_module(self.loader)

    def fetch_module(self) -> ModuleType:
        """The fetcher module (imported now: it brings urllib)."""
        return importlib.import_module(self.fetcher)

    def matches(self, name: str) -> bool:
        """Whether a file called ``name`` is one of this feed's files."""
        low = name.lower()
        return any(fnmatch.fnmatchcase(low, p.lower()) for p in self.patterns)

    def files(self, folder: Path | str) -> list[Path]:
        """This feed's files in ``folder``, sorted by name (none when there is no folder)."""
        folder = Path(folder)
        if not folder.is_dir():
            return []
        return sorted(
            (p for p in folder.iterdir() if p.is_file() and self.matches(p.name)),
            key=lambda p: p.name,
        )

    def window(self, as_of: dt.date) -> tuple[dt.date, dt.date]:
        """The days an unattended run fetches: ``fetch_days`` days to ``as_of``, inclusive."""
        if self.fetch_days is None:
            raise ParameterError(f"{self.name} is fetched as a release, not a window of days")
        return as_of - dt.timedelta(days=self.fetch_days - 1), as_of

    def fetch_recent(
        self,
        as_of: dt.date,
        out: Path,
        *,
        base_url: str | None = None,
        progress: bool | None = False,
        case: case_mod.Case | None = None,
    ) -> FetchResult:
        """Fetch what an unattended run wants up to ``as_of`` into ``out``: (ok, what it did).
        The settings of ``case`` (default: the current case) are read now, so a feed the case
        leaves out is :class:`FeedNotConfigured` before any connection."""
        wanted = settings(self.key, case)
        if base_url is None:
            from analysis.sources.fetch.http import base_url as default_base

            base_url = default_base(self.fetch_module())
        return self.recent(self, as_of, out, base_url, progress, wanted)


def _recent_gdelt(feed: Feed, as_of: dt.date, out: Path, base: str, progress, _) -> FetchResult:
    first, last = feed.window(as_of)
    report = feed.fetch_module().fetch(first, last, out, base_url=base, progress=progress)
    return report.ok, report.text()


def _recent_acled(
    feed: Feed, as_of: dt.date, out: Path, base: str, progress, wanted: AcledSettings
) -> FetchResult:
    first, last = feed.window(as_of)
    fetcher = feed.fetch_module()
    texts = [
        fetcher.fetch(country, first, last, out, base_url=base, progress=progress).text()
        for country in wanted.countries
    ]
    return True, "; ".join(texts)


def _recent_ucdp(feed: Feed, as_of: dt.date, out: Path, base: str, progress, _) -> FetchResult:
    version = os.environ.get(UCDP_VERSION_ENV, DEFAULT_UCDP_VERSION)
    got = feed.fetch_module().fetch(version, out, base_url=base, progress=progress)
    return True, f"{got.path.name}: {got.status}"


#: every feed, in the order commands list them
FEEDS: tuple[Feed, ...] = (
    Feed(
        key="acled",
        name="ACLED",
        loader="analysis.sources.acled",
        fetcher="analysis.sources.fetch.acled",
        patterns=("*.csv", "*.csv.zip"),
        fetch_days=365,
        case_keys=("countries",),
        fetch_hint="escalation fetch acled --start YYYY-MM-DD --end YYYY-MM-DD",
        recent=_recent_acled,
    ),
    Feed(
        key="ucdp",
        name="UCDP GED",
        loader="analysis.sources.ucdp",
        fetcher="analysis.sources.fetch.ucdp",
        patterns=("*.csv", "*.zip"),
        fetch_days=None,
        case_keys=("countries", "country_ids"),
        fetch_hint="escalation fetch ucdp --version 25.1",
        recent=_recent_ucdp,
    ),
    Feed(
        key="gdelt",
        name="GDELT",
        loader="analysis.sources.gdelt",
        fetcher="analysis.sources.fetch.gdelt",
        patterns=("*.csv", "*.csv.zip", "*.zip"),
        fetch_days=7,
        case_keys=("countries", "admin1", "target_actor"),
        fetch_hint="escalation fetch gdelt --start YYYY-MM-DD --end YYYY-MM-DD",
        recent=_recent_gdelt,
    ),
)

#: the feeds' keys, in :data:`FEEDS` order
KEYS: tuple[str, ...] = tuple(f.key for f in FEEDS)
_BY_KEY = {f.key: f for f in FEEDS}


def feed(key: object) -> Feed:
    """The feed called ``key``; any other value is a :class:`ParameterError` listing the feeds."""
    if key not in _BY_KEY:
        raise ParameterError(f"feed must be one of {', '.join(KEYS)}, got {key!r}")
    return _BY_KEY[key]  # type: ignore[index]


def display_name(key: str) -> str:
    """The name pages give feed ``key`` ("ACLED", "UCDP GED", "GDELT"); other keys unchanged."""
    return _BY_KEY[key].name if key in _BY_KEY else key


def configured(key: str, case: case_mod.Case | None = None) -> bool:
    """Whether the case (default: the current one) has settings for feed ``key``."""
    feed(key)
    return key in (case or case_mod.current()).feeds


def settings(key: str, case: case_mod.Case | None = None) -> Any:
    """Feed ``key``'s settings in the case (default: :func:`analysis.case.current`, read now),
    checked: :class:`AcledSettings`, :class:`UcdpSettings` or :class:`GdeltSettings`.

    Raises :class:`FeedNotConfigured` when the case has none, and
    :class:`~analysis.case.CaseError` naming the file and key of a bad setting."""
    f = feed(key)
    case = case or case_mod.current()
    raw = case.feeds.get(key)
    if raw is None:
        raise FeedNotConfigured(
            f"the case {case.path} configures no {f.name} feed, so it is neither read nor "
            f"fetched; add feeds: {key}: to the case file to use it "
            "(analysis/sources/README.md, 'The case's feed settings')"
        )
    stray = sorted(str(k) for k in raw if k not in f.case_keys)
    if stray:
        raise case_mod.CaseError(
            f"{case.path}: unknown key feeds.{key}.{stray[0]} "
            f"({f.name} reads {', '.join(f.case_keys)})"
        )
    where = f"feeds.{key}."
    if key == "acled":
        return AcledSettings(_names(case, raw, "countries", where))
    if key == "ucdp":
        countries = _names(case, raw, "countries", where, required=False)
        ids = _names(case, raw, "country_ids", where, required=False)
        if not countries and not ids:
            raise _bad(case, f"{where}countries", "a list of GED country names", None)
        return UcdpSettings(countries, ids)
    return _gdelt(case, raw, where)


def _bad(case: case_mod.Case, key: str, what: str, got: object) -> case_mod.CaseError:
    return case_mod.CaseError(f"{case.path}: {key} must be {what}, got {got!r}"[:400])


def _names(
    case: case_mod.Case, raw: Mapping[str, Any], key: str, where: str, *, required: bool = True
) -> tuple[str, ...]:
    value = raw.get(key)
    if value is None and not required:
        return ()
    if isinstance(value, str | int):
        value = [value]
    if (
        not isinstance(value, list)
        or not value
        or any(isinstance(v, bool) or not isinstance(v, str | int) for v in value)
        or any(not str(v).strip() for v in value)
    ):
        raise _bad(case, f"{where}{key}", "a list of names or codes", value)
    return tuple(str(v).strip() for v in value)


_FIPS = re.compile(r"^[A-Z]{2}$")


def _gdelt(case: case_mod.Case, raw: Mapping[str, Any], where: str) -> GdeltSettings:
    value = raw.get("countries")
    if isinstance(value, list):
        value = dict.fromkeys(value)
    if not isinstance(value, dict) or not value:
        raise _bad(case, f"{where}countries", "a mapping FIPS country code -> country", value)
    countries: dict[str, str | None] = {}
    for code, country in value.items():
        if not isinstance(code, str) or not _FIPS.match(code):
            raise _bad(case, f"{where}countries", "keyed by two-letter FIPS codes (IZ)", code)
        if country is not None and country not in case.countries:
            raise _bad(case, f"{where}countries.{code}", "one of the case's countries", country)
        countries[code] = country
    admin1 = raw.get("admin1") or {}
    if not isinstance(admin1, dict):
        raise _bad(case, f"{where}admin1", "a mapping FIPS admin-1 code -> area", admin1)
    areas = set(case.area_names)
    for code, area in admin1.items():
        if not isinstance(code, str) or code[:2] not in countries:
            raise _bad(case, f"{where}admin1", "keyed by codes of its countries", code)
        if area not in areas:
            raise _bad(case, f"{where}admin1.{code}", "one of the case's areas", area)
    actor = raw.get("target_actor")
    if actor is not None:
        if not isinstance(actor, str):
            raise _bad(case, f"{where}target_actor", "a regular expression", actor)
        try:
            re.compile(actor)
        except re.error as exc:
            raise _bad(case, f"{where}target_actor", f"a regex ({exc})", actor) from None
    return GdeltSettings(countries, dict(admin1), actor)
