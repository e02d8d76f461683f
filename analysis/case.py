"""A case: one conflict's data folder, described by the ``case.yml`` beside its tables.

Everything that belongs to one conflict and not to the method lives in the case file, never in
code: the phrase pages use for the subject, the time zone the data are dated in, the areas and
their tiles on the map, the vocabularies (target, attack, actor, event category, tally scope:
each a mapping code -> label in words), the official tally pages compare with, the campaigns and
the smallest plausible incidents table. The shipped ``data/`` folder is the Iraq case; ``--data
DIR`` or ``$ESCALATION_DATA_DIR`` points the suite at another (:func:`analysis.paths.data_dir`).

:func:`load` reads and checks a case file once per version of the file (cached by path, size and
modification time) and raises :class:`CaseError` naming the file and the key at fault;
:func:`current` is the case of the data folder in use. :func:`starter_yaml` is the case file
``escalation case new`` writes. The module imports no pandas, so it is cheap to import.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from analysis import paths
from analysis.errors import ConfigError

__all__ = [
    "CASE_FILE",
    "Area",
    "Campaign",
    "Case",
    "CaseError",
    "EventKind",
    "Scope",
    "YAML_LOADER",
    "current",
    "load",
    "starter_yaml",
]

#: the case file's name inside a data folder
CASE_FILE = paths.CASE_FILE
#: the place value of an incident the sources do not pin to one area (always allowed)
UNKNOWN = "unknown"
#: the largest case file read, in bytes (a case file is a page of text)
MAX_BYTES = 1_000_000
#: libyaml's parser when PyYAML was built with it (a case file in 5 ms, not 70: every page's
#: kernel reads the case), else PyYAML's own; both build the same safe Python values
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CODE = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


class CaseError(ConfigError):
    """A case file that cannot be used; the message names the file and the key. A
    :class:`~analysis.errors.ConfigError`: every command exits 2 on it, before anything runs."""


@dataclass(frozen=True)
class Area:
    """One area (a governorate, a sea area, a province): its tile at ``row``, ``col`` on its
    country's tile map (None: not drawn on the map), the shorter ``short`` name drawn on the tile
    (a space marks where it may break), and other spellings the feeds use (``aliases``)."""

    name: str
    country: str
    row: int | None = None
    col: int | None = None
    short: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def on_map(self) -> bool:
        """Whether the area has a tile."""
        return self.row is not None and self.col is not None


@dataclass(frozen=True)
class Scope:
    """A tally scope: its ``label`` in words and the ``countries`` it counts (none: a tally of
    this scope, e.g. "the region" or "one base", is never set beside the dataset's counts)."""

    code: str
    label: str
    countries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Campaign:
    """A campaign of the case: a span of days readers know by a name, and its countries."""

    key: str
    label: str
    start: dt.date
    end: dt.date
    countries: tuple[str, ...]
    why: str = ""


#: the grades a kind's ``verdicts`` may word (those of a pooled estimate but "too few events")
VERDICT_GRADES = (
    "clear_rise",
    "likely_rise",
    "clear_fall",
    "likely_fall",
    "no_change",
    "cannot_tell",
)


@dataclass(frozen=True)
class EventKind:
    """What the findings read from one event category (``event_kinds`` in the case file): its
    noun in words, whether its events are themselves attacks, whether it is a state's own strikes
    (matched in an incident's actor or attribution), and the question a page asks of it."""

    code: str
    one: str
    many: str
    is_attack: bool = False
    #: a regular expression an incident's ``actor`` or ``attributed_to`` matches when the
    #: incident is one of this state's strikes, kept apart from the attacks (None: not a state)
    state_pattern: str | None = None
    #: the question the findings page asks first ("Do US strikes deter or provoke?")
    question: str | None = None
    #: the question inside a sentence ("whether US strikes deter or provoke")
    asks: str | None = None
    #: grade -> what a pool of this kind graded so says ("on balance they deterred attacks")
    verdicts: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One conflict's case file, checked. Vocabularies map a code to its label in words."""

    path: Path
    name: str
    subject: str
    timezone: str
    area_word: str
    countries: tuple[str, ...]
    areas: tuple[Area, ...]
    unknown_tiles: Mapping[str, tuple[int, int]]
    target_types: Mapping[str, str]
    target_groups: Mapping[str, str]
    attack_types: Mapping[str, str]
    actors: Mapping[str, str]
    actor_rules: tuple[tuple[str, str], ...]
    event_categories: Mapping[str, str]
    tally_scopes: Mapping[str, Scope]
    comparable_scope: str | None
    official_tally: str | None
    official_pattern: str | None
    campaigns: tuple[Campaign, ...]
    min_incidents: int
    min_incidents_reason: str
    analysis_period: tuple[dt.date, dt.date] | None
    focus_event: str | None
    feeds: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    synthetic: bool = False
    #: ordered (pattern, target_type) rules naming a target in a feed's free text (any case)
    target_rules: tuple[tuple[str, str], ...] = ()
    #: what the findings read from event categories (:class:`EventKind`), by code
    event_kinds: Mapping[str, EventKind] = field(default_factory=dict)
    #: every event category, in the order a crowded chart labels its events (``label_priority``
    #: first, then the others in the file's order)
    label_priority: tuple[str, ...] = ()
    #: target type -> what an accepted feed row's target_name says when the reviewer gives none
    #: (``target_names``, else the type's label)
    target_names: Mapping[str, str] = field(default_factory=dict)

    def target_name(self, code: str) -> str:
        """An accepted feed row's target name for target type ``code`` (``other``'s for a code
        the case does not know)."""
        return self.target_names.get(code) or self.target_names.get("other") or "other"

    def kind(self, category: str) -> EventKind:
        """The :class:`EventKind` of ``category``; one the case file leaves out is named by its
        label ("political event", "political events") and is neither an attack nor a state's."""
        if category in self.event_kinds:
            return self.event_kinds[category]
        one = _noun(self.event_categories.get(category, category.replace("_", " ")))
        return EventKind(category, f"{one} event", f"{one} events")

    @property
    def attack_kind(self) -> str | None:
        """The category whose events are themselves attacks, or None."""
        return next((k.code for k in self.event_kinds.values() if k.is_attack), None)

    @property
    def state_kind(self) -> EventKind | None:
        """The category of a state's own strikes, kept apart from the attacks, or None."""
        return next((k for k in self.event_kinds.values() if k.state_pattern), None)

    @property
    def questions(self) -> tuple[str, ...]:
        """The categories the findings page asks a question of first, in the file's order."""
        return tuple(k.code for k in self.event_kinds.values() if k.question)

    @property
    def data_dir(self) -> Path:
        """The data folder the case file describes."""
        return self.path.parent

    @property
    def tz(self) -> ZoneInfo:
        """The zone every date of the data is a local date in."""
        return ZoneInfo(self.timezone)

    @property
    def area_names(self) -> tuple[str, ...]:
        """Every area's name, then ``unknown``: the place column's vocabulary."""
        return (*(a.name for a in self.areas), UNKNOWN)

    def areas_of(self, country: str) -> tuple[Area, ...]:
        """The areas of ``country``, in the case file's order."""
        return tuple(a for a in self.areas if a.country == country)

    def grid(self, country: str) -> dict[str, tuple[int, int]]:
        """``country``'s tile map: area name -> (row, column); empty when it has none."""
        return {a.name: (a.row, a.col) for a in self.areas_of(country) if a.on_map}  # type: ignore[misc]

    @property
    def has_map(self) -> bool:
        """Whether any area has a tile (else pages say there is no map)."""
        return any(a.on_map for a in self.areas)

    def country_of(self, area: str) -> str | None:
        """The country of area ``area``, or None when the case has no such area."""
        return next((a.country for a in self.areas if a.name == area), None)

    def where(self, countries: Sequence[str] | None = None) -> str:
        """Countries in words: "Iraq", "Iraq, Syria and Jordan" (default: the case's)."""
        *head, last = tuple(countries or self.countries) or ("",)
        return f"{', '.join(head)} and {last}" if head else last

    def subject_in(self, countries: Sequence[str] | None = None) -> str:
        """The subject for ``countries``: "attacks on US diplomatic and military sites in Iraq"
        (the subject's own list of the case's countries, at its end, replaced by theirs)."""
        whole = self.where()
        if countries is None or not whole or not self.subject.endswith(whole):
            return self.subject
        return self.subject[: -len(whole)] + self.where(countries)

    def labels(self, column: str) -> dict[str, str]:
        """code -> label for a vocabulary column: ``target_type``, ``attack_type``, ``actor``,
        ``category`` (event categories) or ``scope`` (tally scopes)."""
        if column == "scope":
            return {c: s.label for c, s in self.tally_scopes.items()}
        table = {
            "target_type": self.target_types,
            "attack_type": self.attack_types,
            "actor": self.actors,
            "category": self.event_categories,
        }
        if column not in table:
            raise KeyError(f"no vocabulary called {column!r} in a case")
        return dict(table[column])

    def scope_countries(self) -> dict[str, tuple[str, ...]]:
        """Tally scope -> the countries it counts, for scopes that count named countries."""
        return {c: s.countries for c, s in self.tally_scopes.items() if s.countries}

    def campaign_holding(self, day: dt.date) -> Campaign | None:
        """The campaign whose span holds ``day``, or None."""
        return next((c for c in self.campaigns if c.start <= day <= c.end), None)

    def today(self, now: dt.datetime | None = None) -> dt.date:
        """The date where the data are dated at ``now`` (aware; default: now)."""
        return (now or dt.datetime.now(dt.UTC)).astimezone(self.tz).date()


# --------------------------------------------------------------------------------------------
# reading and checking
# --------------------------------------------------------------------------------------------

_CACHE: dict[tuple[str, int, int], Case] = {}


def current() -> Case:
    """The case of the data folder in use (``$ESCALATION_DATA_DIR``, else ``data/``)."""
    return load(paths.data_dir())


def load(where: str | Path | None = None) -> Case:
    """The case in data folder ``where`` (or the case file itself), read and checked once per
    version of the file. Raises :class:`CaseError` naming the file and the key at fault."""
    path = Path(where) if where is not None else paths.data_dir()
    if path.suffix not in (".yml", ".yaml") or path.is_dir():
        path = path / CASE_FILE
    try:
        st = path.stat()
    except OSError:
        raise CaseError(
            f"{path}: no case file; a data folder needs a {CASE_FILE} beside its tables "
            f"(`escalation case new DIR` writes a starter)"
        ) from None
    _note_read(path)
    # an absolute path, not a resolved one: the cache is read hundreds of times a page
    key = (os.path.abspath(path), st.st_size, st.st_mtime_ns)
    if key not in _CACHE:
        if st.st_size > MAX_BYTES:
            raise CaseError(f"{path}: {st.st_size:,} bytes, more than a case file may hold")
        try:
            text = path.read_text(encoding="utf-8")
            raw = yaml.load(text, Loader=YAML_LOADER)
        except (UnicodeDecodeError, yaml.YAMLError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise CaseError(f"{path}: not readable YAML ({first})") from None
        _CACHE[key] = _build(path, raw)
    return _CACHE[key]


#: (record file, case file) pairs already noted in this process
_NOTED: set[tuple[str, str]] = set()


def _note_read(path: Path) -> None:
    """Append ``path`` to the runner's record of the files a brief read (once per record), so
    a brief's build key covers the case file and editing the case rebuilds its pages."""
    record = os.environ.get(paths.RECORD_READS_ENV)
    if not record or (record, str(path)) in _NOTED:
        return
    with open(record, "a", encoding="utf-8") as fh:
        fh.write(f"{path.resolve()}\n")
    _NOTED.add((record, str(path)))


class _Reader:
    """Typed reads of the case file's keys, each failure naming the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str, what: str, got: object = ...) -> CaseError:
        tail = "" if got is ... else f", got {_show(got)}"
        return CaseError(f"{self.path}: {key} must be {what}{tail}")

    def text(self, raw: Mapping[str, Any], key: str, where: str = "", *, required: bool = True):
        name = f"{where}{key}"
        value = raw.get(key)
        if value is None and not required:
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(name, "a line of text", value)
        value = str(value).strip()
        if not value or len(value) > 300 or any(ord(ch) < 32 for ch in value):
            raise self.fail(name, "a non-empty line of text (at most 300 characters)", value)
        return value

    def whole(self, raw: Mapping[str, Any], key: str, where: str = "", *, low: int = 0):
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise self.fail(f"{where}{key}", f"a whole number >= {low}", value)
        return value

    def day(self, raw: Mapping[str, Any], key: str, where: str = "") -> dt.date:
        value = raw.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise self.fail(f"{where}{key}", "a date in YYYY-MM-DD form", value) from None

    def vocabulary(self, raw: Mapping[str, Any], key: str, *, required: bool = True):
        """A mapping code -> label (a list of codes is read as code -> code)."""
        value = raw.get(key)
        if value is None and not required:
            return {}
        if isinstance(value, list):
            value = {v: v for v in value}
        if not isinstance(value, dict) or not value:
            raise self.fail(key, "a mapping of code -> label in words", value)
        out: dict[str, str] = {}
        for code, label in value.items():
            code = self.text({"v": code}, "v", f"{key}: a code ")
            out[code] = self.text({"v": label}, "v", f"{key}.{code}: its label ")
        return out


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _build(path: Path, raw: object) -> Case:
    r = _Reader(path)
    if not isinstance(raw, dict):
        raise CaseError(f"{path}: must be a mapping of keys (name, subject, timezone, ...)")
    known = {
        "name", "subject", "timezone", "area_word", "countries", "areas", "target_types",
        "target_groups", "attack_types", "actors", "actor_rules", "event_categories",
        "tally_scopes", "comparable_scope", "official_tally", "campaigns", "min_incidents",
        "analysis_period", "focus_event", "feeds", "synthetic", "target_rules", "event_kinds",
        "label_priority", "target_names",
    }  # fmt: skip
    unknown = sorted(str(k) for k in raw if k not in known)
    if unknown:
        raise CaseError(
            f"{path}: unknown key {unknown[0]!r} (a case file holds {', '.join(sorted(known))})"
        )
    timezone = r.text(raw, "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail("timezone", "an IANA time zone such as Asia/Baghdad", timezone) from None

    countries_raw = raw.get("countries")
    if not isinstance(countries_raw, list) or not countries_raw:
        raise r.fail("countries", "a list of the countries the incidents lie in", countries_raw)
    countries: list[str] = []
    unknown_tiles: dict[str, tuple[int, int]] = {}
    for i, c in enumerate(countries_raw):
        if isinstance(c, dict):
            name = r.text(c, "name", f"countries[{i}].")
            tile = c.get("unknown_tile")
            if tile is not None:
                if not (isinstance(tile, list) and len(tile) == 2):
                    raise r.fail(f"countries[{i}].unknown_tile", "[row, col]", tile)
                unknown_tiles[name] = (
                    r.whole({"v": tile[0]}, "v", f"countries[{i}].unknown_tile row "),
                    r.whole({"v": tile[1]}, "v", f"countries[{i}].unknown_tile col "),
                )
        else:
            name = r.text({"v": c}, "v", f"countries[{i}] ")
        if name in countries:
            raise r.fail(f"countries[{i}]", "listed once", name)
        countries.append(name)

    areas = _areas(r, raw.get("areas"), countries)
    target_types = r.vocabulary(raw, "target_types")
    groups = r.vocabulary(raw, "target_groups", required=False)
    stray = sorted(set(groups) - set(target_types))
    if stray:
        raise r.fail("target_groups", "keyed by target_types codes", stray[0])
    attack_types = r.vocabulary(raw, "attack_types")
    actors = r.vocabulary(raw, "actors")
    for vocab in (attack_types, actors):
        vocab.setdefault(UNKNOWN, "Unknown")
    rules = _actor_rules(r, raw.get("actor_rules"), actors)
    target_rules = _target_rules(r, raw.get("target_rules"), target_types)
    categories = r.vocabulary(raw, "event_categories")
    kinds = _event_kinds(r, raw.get("event_kinds"), categories)
    priority = _label_priority(r, raw.get("label_priority"), categories)
    names = r.vocabulary(raw, "target_names", required=False)
    stray = sorted(set(names) - set(target_types))
    if stray:
        raise r.fail("target_names", "keyed by target_types codes", stray[0])
    scopes = _scopes(r, raw.get("tally_scopes"), countries)
    comparable = raw.get("comparable_scope")
    if comparable is not None and comparable not in scopes:
        raise r.fail("comparable_scope", f"one of tally_scopes ({', '.join(scopes)})", comparable)
    official, pattern = _official(r, raw.get("official_tally"))
    campaigns = _campaigns(r, raw.get("campaigns"), countries)
    period = raw.get("analysis_period")
    if period is not None:
        if not isinstance(period, dict):
            raise r.fail("analysis_period", "a mapping with start and end", period)
        first = r.day(period, "start", "analysis_period.")
        last = r.day(period, "end", "analysis_period.")
        if last < first:
            raise r.fail("analysis_period.end", "on or after its start", str(last))
        period = (first, last)
    focus = raw.get("focus_event")
    if focus is not None and not (isinstance(focus, str) and _CODE.match(focus)):
        raise r.fail("focus_event", "an event_id (lowercase letters, digits, _)", focus)
    feeds = raw.get("feeds") or {}
    if not isinstance(feeds, dict) or any(not isinstance(v, dict) for v in feeds.values()):
        raise r.fail("feeds", "a mapping feed name -> its settings", feeds)
    synthetic = raw.get("synthetic", False)
    if not isinstance(synthetic, bool):
        raise r.fail("synthetic", "true or false", synthetic)
    min_raw = raw.get("min_incidents", 1)
    if isinstance(min_raw, dict):
        min_incidents = r.whole(min_raw, "rows", "min_incidents.", low=1)
        reason = r.text(min_raw, "why", "min_incidents.", required=False) or ""
    else:
        min_incidents = r.whole({"min_incidents": min_raw}, "min_incidents", low=1)
        reason = ""
    return Case(
        path=path,
        name=r.text(raw, "name"),
        subject=r.text(raw, "subject"),
        timezone=timezone,
        area_word=r.text(raw, "area_word", required=False) or "area",
        countries=tuple(countries),
        areas=areas,
        unknown_tiles=unknown_tiles,
        target_types=target_types,
        target_groups={c: groups.get(c, label) for c, label in target_types.items()},
        attack_types=attack_types,
        actors=actors,
        actor_rules=rules,
        event_categories=categories,
        tally_scopes=scopes,
        comparable_scope=comparable,
        official_tally=official,
        official_pattern=pattern,
        campaigns=campaigns,
        min_incidents=min_incidents,
        min_incidents_reason=reason,
        analysis_period=period,
        focus_event=focus,
        feeds=feeds,
        synthetic=synthetic,
        target_rules=target_rules,
        event_kinds=kinds,
        label_priority=priority,
        target_names={c: names.get(c, label) for c, label in target_types.items()},
    )


def _areas(r: _Reader, raw: object, countries: list[str]) -> tuple[Area, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise r.fail("areas", "a list of {name, country, row, col}", raw)
    out: list[Area] = []
    tiles: set[tuple[str, int, int]] = set()
    for i, a in enumerate(raw):
        where = f"areas[{i}]."
        if not isinstance(a, dict):
            raise r.fail(f"areas[{i}]", "a mapping {name, country, row, col}", a)
        name = r.text(a, "name", where)
        if name == UNKNOWN or any(x.name == name for x in out):
            raise r.fail(f"{where}name", f"a name used once (and not {UNKNOWN!r})", name)
        country = r.text(a, "country", where)
        if country not in countries:
            raise r.fail(f"{where}country", f"one of countries ({', '.join(countries)})", country)
        row = col = None
        if a.get("row") is not None or a.get("col") is not None:
            row, col = r.whole(a, "row", where), r.whole(a, "col", where)
            if (country, row, col) in tiles:
                raise r.fail(f"{where}row", f"a tile no other {country} area has", [row, col])
            tiles.add((country, row, col))
        aliases = a.get("aliases") or []
        if not isinstance(aliases, list):
            raise r.fail(f"{where}aliases", "a list of other spellings", aliases)
        out.append(
            Area(
                name=name,
                country=country,
                row=row,
                col=col,
                short=r.text(a, "short", where, required=False),
                aliases=tuple(r.text({"v": x}, "v", f"{where}aliases ") for x in aliases),
            )
        )
    return tuple(out)


def _actor_rules(r: _Reader, raw: object, actors: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """``actor_rules``: a list of {pattern, actor}; absent, each actor's own name."""
    if raw is None:
        return tuple((re.escape(a), a) for a in actors if a != UNKNOWN)
    return _rules(r, raw, "actor_rules", "actor", actors)


def _target_rules(
    r: _Reader, raw: object, target_types: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """``target_rules``: a list of {pattern, target_type}; absent, no feed row gets a target."""
    return () if raw is None else _rules(r, raw, "target_rules", "target_type", target_types)


def _rules(
    r: _Reader, raw: object, key: str, field: str, vocabulary: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """A list of {pattern, <field>} rules: each pattern a regular expression, each value one of
    ``vocabulary`` (the vocabulary named by ``field``)."""
    if not isinstance(raw, list):
        raise r.fail(key, f"a list of {{pattern, {field}}}", raw)
    out = []
    for i, rule in enumerate(raw):
        where = f"{key}[{i}]."
        if not isinstance(rule, dict):
            raise r.fail(f"{key}[{i}]", f"a mapping {{pattern, {field}}}", rule)
        pattern, value = r.text(rule, "pattern", where), r.text(rule, field, where)
        try:
            re.compile(pattern)
        except re.error as exc:
            raise r.fail(f"{where}pattern", f"a regular expression ({exc})", pattern) from None
        if value not in vocabulary:
            plural = "actors" if field == "actor" else f"{field}s"
            raise r.fail(f"{where}{field}", f"one of {plural}", value)
        out.append((pattern, value))
    return tuple(out)


def _event_kinds(r: _Reader, raw: object, categories: Mapping[str, str]) -> dict[str, EventKind]:
    """``event_kinds``: category -> {one, many, attack, state_pattern, question, asks, verdicts}
    (all optional; at most one kind of attack and one of state strikes)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise r.fail("event_kinds", "a mapping event category -> {one, many, ...}", raw)
    out: dict[str, EventKind] = {}
    for code, spec in raw.items():
        where = f"event_kinds.{code}."
        if code not in categories:
            raise r.fail(f"event_kinds.{code}", "keyed by event_categories codes", code)
        if not isinstance(spec, dict):
            raise r.fail(f"event_kinds.{code}", "a mapping {one, many, ...}", spec)
        stray = sorted(set(map(str, spec)) - {*_KIND_KEYS})
        if stray:
            raise r.fail(f"{where}{stray[0]}", f"one of the keys {', '.join(_KIND_KEYS)}")
        one = r.text(spec, "one", where, required=False) or f"{_noun(categories[code])} event"
        many = r.text(spec, "many", where, required=False) or f"{one}s"
        attack = spec.get("attack", False)
        if not isinstance(attack, bool):
            raise r.fail(f"{where}attack", "true or false", attack)
        pattern = r.text(spec, "state_pattern", where, required=False)
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise r.fail(f"{where}state_pattern", f"a regular expression ({exc})") from None
        question = r.text(spec, "question", where, required=False)
        asks = r.text(spec, "asks", where, required=False)
        if (question is None) != (asks is None):
            raise r.fail(f"{where}{'asks' if asks is None else 'question'}", "given with the other")
        verdicts = spec.get("verdicts") or {}
        if not isinstance(verdicts, dict) or not set(verdicts) <= set(VERDICT_GRADES):
            raise r.fail(f"{where}verdicts", f"a mapping of grades ({', '.join(VERDICT_GRADES)})")
        worded = {g: r.text(verdicts, g, f"{where}verdicts.") for g in verdicts}
        if worded and set(worded) != set(VERDICT_GRADES):
            missing = sorted(set(VERDICT_GRADES) - set(worded))
            raise r.fail(f"{where}verdicts", f"given for every grade (missing {missing[0]})")
        out[code] = EventKind(code, one, many, attack, pattern, question, asks, worded)
    for what, chosen in (
        ("attack: true", [k for k in out.values() if k.is_attack]),
        ("a state_pattern", [k for k in out.values() if k.state_pattern]),
    ):
        if len(chosen) > 1:
            raise r.fail("event_kinds", f"a mapping where at most one kind has {what}")
    return out


def _label_priority(r: _Reader, raw: object, categories: Mapping[str, str]) -> tuple[str, ...]:
    """``label_priority``: event_categories codes, each once, labelled first on a crowded chart;
    the categories it leaves out follow in the file's order."""
    if raw is None:
        return tuple(categories)
    if not isinstance(raw, list):
        raise r.fail("label_priority", "a list of event_categories codes", raw)
    for i, code in enumerate(raw):
        if not isinstance(code, str) or code not in categories:
            raise r.fail(f"label_priority[{i}]", "an event_categories code", code)
        if code in raw[:i]:
            raise r.fail(f"label_priority[{i}]", "listed once", code)
    return (*raw, *(c for c in categories if c not in raw))


def _noun(label: str) -> str:
    """A label inside a sentence: "Political" -> "political", "US strike" stays."""
    return label[:1].lower() + label[1:] if label[1:2].islower() or len(label) == 1 else label


_KIND_KEYS = ("one", "many", "attack", "state_pattern", "question", "asks", "verdicts")


def _scopes(r: _Reader, raw: object, countries: list[str]) -> dict[str, Scope]:
    if not isinstance(raw, dict) or not raw:
        raise r.fail("tally_scopes", "a mapping code -> label (or {label, countries})", raw)
    out: dict[str, Scope] = {}
    for code, spec in raw.items():
        code = r.text({"v": code}, "v", "tally_scopes: a code ")
        where = f"tally_scopes.{code}."
        if isinstance(spec, dict):
            label = r.text(spec, "label", where)
            counted = spec.get("countries") or []
            if not isinstance(counted, list) or any(c not in countries for c in counted):
                raise r.fail(f"{where}countries", "a list of the case's countries", counted)
            out[code] = Scope(code, label, tuple(counted))
        else:
            out[code] = Scope(code, r.text({"v": spec}, "v", f"tally_scopes.{code} "))
    return out


def _official(r: _Reader, raw: object) -> tuple[str | None, str | None]:
    if raw is None:
        return None, None
    if isinstance(raw, str):
        return r.text({"v": raw}, "v", "official_tally "), None
    if not isinstance(raw, dict):
        raise r.fail("official_tally", "a name, or {name, pattern}", raw)
    name = r.text(raw, "name", "official_tally.")
    pattern = r.text(raw, "pattern", "official_tally.", required=False)
    if pattern is not None:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise r.fail("official_tally.pattern", f"a regular expression ({exc})") from None
    return name, pattern


def _campaigns(r: _Reader, raw: object, countries: list[str]) -> tuple[Campaign, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise r.fail("campaigns", "a list of {key, name, start, end}", raw)
    out: list[Campaign] = []
    for i, c in enumerate(raw):
        where = f"campaigns[{i}]."
        if not isinstance(c, dict):
            raise r.fail(f"campaigns[{i}]", "a mapping {key, name, start, end}", c)
        key = r.text(c, "key", where)
        if not _KEY.match(key) or any(x.key == key for x in out):
            raise r.fail(f"{where}key", "a unique key of letters, digits, - and _", key)
        start, end = r.day(c, "start", where), r.day(c, "end", where)
        if end < start:
            raise r.fail(f"{where}end", "on or after its start", str(end))
        if out and start <= out[-1].end:
            raise r.fail(f"{where}start", "after the previous campaign's end", str(start))
        counted = c.get("countries") or list(countries)
        if not isinstance(counted, list) or any(x not in countries for x in counted):
            raise r.fail(f"{where}countries", "a list of the case's countries", counted)
        out.append(
            Campaign(
                key=key,
                label=r.text(c, "name", where),
                start=start,
                end=end,
                countries=tuple(counted),
                why=str(c.get("why") or "").strip(),
            )
        )
    return tuple(out)


# --------------------------------------------------------------------------------------------
# a starter case
# --------------------------------------------------------------------------------------------


def starter_yaml(name: str = "My conflict") -> str:
    """The text of a starter case file: every key, with a comment saying what it holds."""
    safe = yaml.safe_dump(name, default_style='"').strip()
    return f"""\
# The case file: everything about one conflict that the pages and checks need.
# Edit each key, then run `escalation validate DIR` (DIR = this folder).
name: {safe}
# the phrase pages use for what is counted
subject: "attacks on shipping in the Red Sea"
# the IANA zone every date in the tables is a local date in
timezone: "UTC"
# what an area is called on pages ("governorate", "province", "sea area")
area_word: "area"
# the countries (or seas) the incidents lie in; unknown_tile: where a map counts the
# attacks whose area is unknown (optional)
countries:
  - name: "Country A"
# the areas: a tile each on the country's map (row 0 at the top, col 0 at the left);
# leave out row and col for no map; aliases: other spellings the feeds use
areas:
  - {{name: "Area 1", country: "Country A", row: 0, col: 0}}
# vocabularies: code -> label in words (codes: lowercase letters, digits and _)
target_types:
  other: "Other"
attack_types:
  unknown: "Unknown"
actors:
  unknown: "Unknown"
event_categories:
  political: "Political"
# what the findings read from the kinds of event (optional): each kind's noun in words; attack:
# true for the kind whose events are themselves attacks; state_pattern for a state's own strikes,
# kept apart from the attacks (matched in an incident's actor or attributed_to); question and asks
# for the questions the findings page answers first, verdicts for what each grade answers
# event_kinds:
#   political: {{one: "political event", many: "political events"}}
#   naval_strike:
#     one: "naval strike"
#     many: "naval strikes"
#     question: "Do naval strikes deter or provoke?"
#     asks: "whether naval strikes deter or provoke"
# which event categories a crowded chart labels first (optional; the others follow in the order
# above)
# label_priority: [political]
# what an accepted feed row's target is called when the reviewer gives no name (optional; default:
# the target type's label)
# target_names:
#   other: "a ship or port"
# published tallies: where each counts (countries: the case countries it covers)
tally_scopes:
  all: {{label: "Country A", countries: ["Country A"]}}
# the scope whose tallies are compared like for like with the data
comparable_scope: all
# whose count is the reference (optional); pattern: a regular expression matched against a
# tally's what_counted text to find that source's tallies
# official_tally: {{name: "the ministry", pattern: "Ministry"}}
# campaigns (optional): spans of days readers know by a name
campaigns: []
# the fewest incident rows a complete table has (fewer: the table is taken as truncated)
min_incidents: 1
# feed text that names a target (optional): {{pattern, target_type}}, first match wins
# target_rules:
#   - {{pattern: "tanker|cargo ship", target_type: "other"}}
# the event feeds read for this case (optional; a feed left out is never read or fetched):
# feeds:
#   acled: {{countries: ["Yemen"]}}                # ACLED country names
#   ucdp: {{countries: ["Yemen (North Yemen)"]}}   # GED country names (or country_ids)
#   gdelt: {{countries: {{YM: "Country A"}}}}        # FIPS code -> a country; admin1: optional
"""
