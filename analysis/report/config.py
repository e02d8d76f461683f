"""The list of briefs to publish (``reports/briefs.yml``) and the checking of their parameters.

Every entry is checked before any kernel starts: the notebook is one of the project's, in
``notebooks/`` (resolved, symlinks followed); each parameter is one the notebook declares in its
``parameters`` cell and has the declared type (the annotation, else the type of the default);
text is one line of printable characters of bounded length; a parameter the notebook declares a
:class:`Check` for (in its ``parameters`` cell's metadata: a closed vocabulary, a largest size)
passes it, with the :mod:`analysis.params` message; dates parse; and every event id names an
event in the data. A vocabulary is the notebook's own, never looked up by the parameter's name
across notebooks (``model`` is ``ucm, sarima`` in one notebook, ``auto, nb, ...`` in another).
papermill alone only warns about unknown names; here they are errors that name the config
file, the brief and the parameter.

The file itself is read as plain YAML: at most :data:`MAX_CONFIG_BYTES`, UTF-8, and no anchors or
aliases (``&name``, ``*name``, ``<<: *name``), which would let a few hundred bytes expand to
gigabytes once the parameters are written out.

Format::

    briefs:
      - name: suleimani_strike            # file name of the brief: reports/site/<name>.html
        notebook: notebooks/brief.ipynb   # relative to the config file's project root
        parameters: {event_id: suleimani_strike}
    sweeps:                               # optional: one page per point of a parameter grid
      - name: windows_by_event            # the summary page: reports/site/<name>.html
        notebook: notebooks/brief.ipynb
        grid: {event_id: all, window_days: [14, 30, 60], confirmation: [confirmed, all]}
        pattern: "{event_id}-{window_days}d-{confirmation}"   # each point's page name
        values: [window_rate_ratio, window_p]   # glued numbers the summary tabulates
        parameters: {context_weeks: 26}   # optional: the same for every point

See :class:`Sweep`.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis import params, paths
from analysis.case import YAML_LOADER
from analysis.errors import ConfigError, ParameterError
from analysis.params import printable_line

#: parameters whose values are event ids (one, or a list) in political_events.csv
EVENT_PARAMETERS = {"event_id": "one", "event_ids": "list", "interventions": "list"}
#: parameters whose values are ISO dates; ``as_of`` may also be "latest"; a date or an
#: event id may be "auto" (resolved from the case by the notebook)
DATE_PARAMETERS = {"start", "end", "as_of", "pre_start", "post_end"}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}\Z")
#: names a brief or sweep may not take: the site's own pages, files and folders (``index.html``,
#: ``review.html``, ``findings.html`` and ``.csv``, ``findings_method.html``, ``categories.csv``,
#: ``feed.xml``, ``manifest.json``, ``runs.jsonl``, ``archive/``, ``forecasts/``) and the pages
#: the site adds for its codebook and methods; a brief so named would be overwritten by them.
#: tests/report/test_reliability_publish.py checks it against every file a run publishes.
RESERVED_NAMES = frozenset(
    {"index", "review", "findings", "findings_method", "categories", "feed", "manifest", "runs"}
    | {"archive", "forecasts", "codebook", "methods", "categories_sensitivity"}
)
ENTRY_KEYS = {"name", "notebook", "parameters", "title"}
#: the folder (under the project root) holding every notebook a config may run
NOTEBOOK_DIR = "notebooks"
#: the largest briefs config read (the shipped one is about 2 kB)
MAX_CONFIG_BYTES = 256 * 1024
#: the longest text a parameter (or a list item of one) or a title may hold
MAX_TEXT = 200
TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list": (list,),
    "dict": (dict,),
    "None": (type(None),),
}


@dataclass(frozen=True)
class Parameter:
    """A parameter a notebook declares: its name, accepted types, default and help comment."""

    name: str
    types: tuple[str, ...]
    default: Any
    help: str = ""
    #: what the notebook accepts beyond the type (a vocabulary, a largest size), or None
    check: Check | None = None


@dataclass(frozen=True)
class Brief:
    """One entry of the config: what to run (``notebook``) with which ``parameters``."""

    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    title: str | None = None
    #: the sweep this brief is a point of (:class:`Sweep`), or None
    sweep: str | None = None

    def resolved_parameters(self, declared: Mapping[str, Parameter]) -> dict[str, Any]:
        """The full parameter set the notebook runs with: its defaults, overridden by the config."""
        values = {name: p.default for name, p in declared.items()}
        values.update(self.parameters)
        return values


def _literal(source: str) -> Any:
    try:
        return ast.literal_eval(source)
    except (ValueError, SyntaxError):
        return None


def _type_names(annotation: str, default: Any) -> tuple[str, ...]:
    """Accepted type names from a ``str | list`` style annotation, else from the default value."""
    if annotation and annotation != "None":
        names = tuple(n.strip() for n in annotation.replace("Optional[", "").split("|"))
        names = tuple(n.split("[")[0].rstrip("]") for n in names)
        return tuple(n for n in names if n in TYPES) or ("any",)
    if default is None:
        return ("any",)
    return (type(default).__name__,) if type(default).__name__ in TYPES else ("any",)


def declared_parameters(notebook: Path) -> dict[str, Parameter]:
    """The parameters ``notebook`` declares in its cell tagged ``parameters`` (via papermill)."""
    import papermill as pm

    try:
        found = pm.inspect_notebook(str(notebook))
    except Exception as exc:  # nbformat's errors quote the file: name only the kind of error
        raise ConfigError(
            f"{notebook}: not a notebook that can be read ({type(exc).__name__})"
        ) from None
    checks = _declared_checks(notebook)
    unknown = sorted(set(checks) - set(found))
    if unknown:
        raise ConfigError(
            f"{notebook}: parameters cell: checks for undeclared parameter(s) {', '.join(unknown)}"
        )
    out: dict[str, Parameter] = {}
    for name, info in found.items():
        default = _literal(info.get("default") or "None")
        types = _type_names(info.get("inferred_type_name") or "", default)
        out[name] = Parameter(name, types, default, info.get("help") or "", checks.get(name))
    return out


class _AliasFound(ConfigError):
    """An anchor or alias on ``line`` (turned into a message naming the file by _read_yaml)."""

    def __init__(self, line: int):
        super().__init__(f"line {line}: YAML anchor or alias")
        self.line = line


def _load_plain(text: str) -> Any:
    """``text``'s YAML document, safely; an anchor or alias is refused from the parser's events,
    before anything is built from them (so a billion-laughs config costs one parse)."""
    for event in yaml.parse(text, Loader=YAML_LOADER):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AliasFound(event.start_mark.line + 1)
    return yaml.load(text, Loader=YAML_LOADER)  # a SafeLoader


def _read_yaml(path: Path) -> Any:
    """The YAML document in ``path``, read safely (see the module docstring)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_CONFIG_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, not a config file") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{path}: larger than {MAX_CONFIG_BYTES // 1024} KiB; a briefs config is a short list"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02X} is not UTF-8"
        ) from None
    try:
        return _load_plain(text)
    except _AliasFound as found:
        raise ConfigError(
            f"{path}: line {found.line}: YAML anchors and aliases (&name, *name, <<: *name) are "
            "not accepted in a briefs config; write each value out"
        ) from None
    except RecursionError:
        raise ConfigError(f"{path}: values nested too deeply to be a briefs config") from None
    except yaml.YAMLError as exc:
        if "maximum nesting depth" in str(exc):  # libyaml's limit, where Python's would recurse
            raise ConfigError(f"{path}: values nested too deeply to be a briefs config") from None
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def _plain(value: Any) -> Any:
    """YAML values as the notebook expects them: dates become ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def config_root(path: Path) -> Path:
    """The folder a config's notebook paths resolve against: the project the config belongs to
    when it has a ``notebooks/`` folder (``<root>`` for a config in ``<root>/reports/``, else the
    config's own folder), else the project root, wherever the config lives (a config kept
    beside a case's data, or in any ``reports/`` folder, runs the project's notebooks)."""
    above = [path.parent.parent] if path.parent.name == "reports" else []
    for candidate in (*above, path.parent):
        if (candidate / NOTEBOOK_DIR).is_dir():
            return candidate
    return paths.ROOT


def load_config(path: Path | str, root: Path | None = None) -> list[Brief]:
    """Read and structurally check a briefs config; notebooks resolve against ``root``.

    ``root`` defaults to :func:`config_root`. Parameter values are checked later by
    :func:`check_parameters`.
    """
    path = Path(path)
    if root is None:
        root = config_root(path)
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("briefs"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'briefs' list")
    unknown_top = set(doc) - {"briefs", "sweeps"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown_top))}")
    briefs: list[Brief] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["briefs"], start=1):
        name, where, nb_path = _entry_head(
            entry, f"{path}: brief", i, ENTRY_KEYS, seen, root, "name, notebook, parameters"
        )
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: 'parameters' must be a mapping of name: value")
        title = entry.get("title")
        if title is not None and not isinstance(title, str):
            raise ConfigError(f"{where}: 'title' must be text")
        if title is not None:
            _check_text(title, f"{where}: 'title'")
        params = {str(k): _plain(v) for k, v in params.items()}
        briefs.append(Brief(name, nb_path, params, title))
    return briefs


def _shown(text: str) -> str:
    """``text`` quoted for a message, cut to a readable length."""
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _json(value: Any) -> str:
    """``value`` as JSON for a message, cut to a readable length."""
    shown = json.dumps(value, default=str)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _notebook_path(notebook: str, root: Path, where: str) -> Path:
    """The resolved path of a config's ``notebook`` entry, which must be an ``.ipynb`` file inside
    ``root/notebooks/`` once resolved (symlinks followed). Only the entry as written is named in
    an error, never anything read from the file."""
    folder = (root / NOTEBOOK_DIR).resolve()
    if "\x00" in notebook:
        raise ConfigError(f"{where}: 'notebook' must be a path to an .ipynb file")
    nb_path = (root / notebook).resolve()
    if not nb_path.is_relative_to(folder) or nb_path.suffix != ".ipynb":
        raise ConfigError(
            f"{where}: notebook {_shown(notebook)} is not a notebook of the project: only .ipynb "
            f"files in {folder} run"
        )
    if not nb_path.is_file():
        raise ConfigError(f"{where}: notebook {notebook} not found (looked in {root})")
    return nb_path


def _entry_head(
    entry: Any, kind: str, i: int, keys: set[str], seen: set[str], root: Path, expected: str
) -> tuple[str, str, Path]:
    """The checks every config entry (a brief, a sweep) opens with: a mapping, a valid name used
    once (added to ``seen``), no unknown key, a notebook inside ``notebooks/``. Returns the name,
    the entry's place for messages ("<file>: brief 'name'") and the notebook's path."""
    where = f"{kind} #{i}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: expected a mapping with {expected}")
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(
            f"{where}: 'name' must be lower-case letters, digits, '-' or '_' (got {name!r})"
        )
    where = f"{kind} '{name}'"
    if name in RESERVED_NAMES:
        raise ConfigError(f"{where}: the name of one of the site's own pages; choose another")
    if name in seen:
        raise ConfigError(f"{where}: the name is used twice")
    seen.add(name)
    unknown = set(entry) - keys
    if unknown:
        raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
    notebook = entry.get("notebook")
    if not isinstance(notebook, str):
        raise ConfigError(f"{where}: 'notebook' must be a path to an .ipynb file")
    return name, where, _notebook_path(notebook, root, where)


def event_ids(data_dir: Path) -> set[str]:
    """The event ids in ``data_dir/political_events.csv`` (read without pandas, for speed)."""
    path = data_dir / "political_events.csv"
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return {row["event_id"] for row in csv.DictReader(fh)}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such data file (needed to check event ids)") from None


# --- what a notebook declares about its parameters beyond their types ------------------------


#: the key, in the metadata of a notebook's ``parameters`` cell, of its parameters' checks
CHECKS_KEY = "checks"
CHECK_KEYS = {"one_of", "also", "lists", "maximum", "dates"}
#: the largest whole number any parameter may hold without a declared ``maximum`` (exact as a
#: float, as JSON readers keep it)
MAX_WHOLE = 2**53
#: a reference to a constant of the package: ``analysis.module:NAME``
REFERENCE = re.compile(r"^analysis(\.[a-z_][a-z0-9_]*)+:[A-Za-z_][A-Za-z0-9_]*$")


def _resolve(value: Any) -> Any:
    """``value``, or the package constant it refers to (``"analysis.models.outlook:MODELS"``:
    the vocabulary of the function the parameter feeds, imported only when a config sets it)."""
    if not (isinstance(value, str) and REFERENCE.match(value)):
        return value
    import importlib

    module, name = value.split(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise ConfigError(f"no {name} in {module}") from None


@dataclass(frozen=True)
class Check:
    """How a notebook checks one of its parameters beyond its type, declared beside it: in the
    metadata of its ``parameters`` cell, ``"checks": {"model": {"one_of": "analysis.models.
    outlook:MODELS"}}``. ``one_of`` is a closed vocabulary (a list, or a reference
    ``analysis.module:NAME`` to the constant the function it feeds accepts); ``also`` further
    single values (``"all"``); ``lists``: a non-empty list of ``one_of`` values is accepted too;
    ``maximum``: the largest whole number (a size: ``"analysis.params:MAX_SAMPLES"``);
    ``dates``: an ISO date (YYYY-MM-DD), or a list of them (``baseline_breaks``)."""

    one_of: str | tuple[str, ...] | None = None
    also: tuple[str, ...] = ()
    lists: bool = False
    maximum: int | str | None = None
    dates: bool = False

    @classmethod
    def from_spec(cls, spec: Any, where: str) -> Check:
        """The check a notebook's metadata declares (``where`` names it in an error)."""
        if not isinstance(spec, dict) or not spec or set(spec) - CHECK_KEYS:
            raise ConfigError(
                f"{where}: a check is a mapping of {', '.join(sorted(CHECK_KEYS))}, got "
                f"{_json(spec)}"
            )
        one_of = spec.get("one_of")
        if isinstance(one_of, list):
            one_of = tuple(one_of)
        also, lists = tuple(spec.get("also", ())), bool(spec.get("lists"))
        return cls(one_of, also, lists, spec.get("maximum"), bool(spec.get("dates")))

    def spec(self) -> dict[str, Any]:
        """The check as the notebook's metadata writes it (JSON)."""
        out = {"one_of": list(self.one_of) if isinstance(self.one_of, tuple) else self.one_of}
        out |= {"also": list(self.also), "lists": self.lists, "maximum": self.maximum}
        out |= {"dates": self.dates}
        return {k: v for k, v in out.items() if v not in (None, [], False)}

    def values(self) -> tuple[str, ...]:
        """The closed vocabulary (empty when the parameter has none)."""
        return tuple(_resolve(self.one_of)) if self.one_of is not None else ()

    def apply(self, name: str, value: Any) -> None:
        """Raise :class:`~analysis.errors.ParameterError` (the :mod:`analysis.params` message)
        if ``value`` is not accepted; a value of another type is left to the type check."""
        if self.maximum is not None and isinstance(value, int) and not isinstance(value, bool):
            params.number(name, value, maximum=_resolve(self.maximum))
        if self.dates and isinstance(value, str | list):
            for i, day in enumerate(value if isinstance(value, list) else [value]):
                try:
                    dt.date.fromisoformat(day)
                except (TypeError, ValueError):
                    where = f"{name} item {i + 1}" if isinstance(value, list) else name
                    raise params.fail(where, "an ISO date (YYYY-MM-DD)", day) from None
        if self.one_of is None or not isinstance(value, str | list):
            return
        values = self.values()
        if not self.lists:
            if isinstance(value, str):
                params.one_of(name, value, (*values, *self.also))
            return
        try:  # one value, or a non-empty list of values: the message names both
            if isinstance(value, str):
                params.one_of(name, value, (*values, *self.also))
            else:
                params.list_of(name, value, lambda n, v: params.one_of(n, v, values), min_len=1)
        except ParameterError:
            raise params.fail(name, self.describe(), value) from None

    def describe(self) -> str:
        """What the vocabulary accepts, in words ("one of D, W-MON, MS")."""
        one = ", ".join([*self.values(), *self.also])
        return f"one of {one}" + (", or a list of " + ", ".join(self.values())) * self.lists


def _declared_checks(notebook: Path) -> dict[str, Check]:
    """The checks the metadata of ``notebook``'s ``parameters`` cell declares, by parameter."""
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
        cell = next(
            c for c in nb.get("cells", []) if "parameters" in c.get("metadata", {}).get("tags", [])
        )
    except (OSError, ValueError, AttributeError, StopIteration):
        return {}
    specs = cell["metadata"].get(CHECKS_KEY) or {}
    if not isinstance(specs, dict):
        raise ConfigError(f"{notebook}: parameters cell: '{CHECKS_KEY}' must map names to checks")
    return {
        str(n): Check.from_spec(s, f"{notebook}: parameters cell: check of '{n}'")
        for n, s in specs.items()
    }


def _check_text(value: str, what: str) -> None:
    """Text in a config: one line of printable characters, at most :data:`MAX_TEXT` long."""
    printable_line(what, value, max_length=MAX_TEXT, error=ConfigError)


def _texts(value: Any) -> Iterable[str]:
    """Every text in a parameter value (itself, or in its lists and mappings, keys included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _texts(v)
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _texts(k)
            yield from _texts(v)


def _type_ok(value: Any, types: Iterable[str]) -> bool:
    for t in types:
        if t == "any":
            return True
        if t == "float" and isinstance(value, bool):
            continue
        if t == "int" and isinstance(value, bool):
            continue
        if isinstance(value, TYPES[t]):
            return True
    return False


def check_parameters(
    brief: Brief, declared: Mapping[str, Parameter], events: set[str], *, config: Path | str = ""
) -> None:
    """Raise :class:`ConfigError` naming ``brief`` and the parameter if a value is not accepted."""
    where = f"{config}: brief '{brief.name}'" if config else f"brief '{brief.name}'"
    for name, value in brief.parameters.items():
        if name not in declared:
            takes = ", ".join(sorted(declared)) or "none"
            raise ConfigError(
                f"{where}: unknown parameter '{name}' for {brief.notebook.name} (it takes: {takes})"
            )
        param = declared[name]
        if not _type_ok(value, param.types):
            raise ConfigError(
                f"{where}: parameter '{name}' must be {' or '.join(param.types)}, "
                f"got {type(value).__name__} {_json(value)}"
            )
        for text in _texts(value):
            _check_text(text, f"{where}: parameter '{name}'")
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
            raise ConfigError(
                f"{where}: parameter '{name}' must be a whole number of at most {MAX_WHOLE:,} "
                f"in size, got {value:.3g}"
            )
        if param.check is not None:
            try:
                param.check.apply(f"parameter '{name}'", value)
            except (ParameterError, ConfigError) as exc:  # a bad reference is a ConfigError
                raise ConfigError(f"{where}: {exc}") from None
    values = brief.resolved_parameters(declared)
    for name, value in values.items():
        if value == params.AUTO and (name in DATE_PARAMETERS or EVENT_PARAMETERS.get(name)):
            continue  # the notebook resolves it from the case (analysis.briefs.defaults)
        if name in DATE_PARAMETERS and isinstance(value, str) and value:
            if name == "as_of" and value == "latest":
                continue
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise ConfigError(
                    f"{where}: parameter '{name}' must be an ISO date (YYYY-MM-DD), got {value!r}"
                ) from None
        kind = EVENT_PARAMETERS.get(name)
        if kind is None:
            continue
        ids = [value] if kind == "one" else value
        if not isinstance(ids, list) or not all(isinstance(v, str) for v in ids):
            raise ConfigError(f"{where}: parameter '{name}' must hold event ids (text)")
        unknown = [v for v in ids if v not in events]
        if unknown:
            raise ConfigError(
                f"{where}: parameter '{name}': unknown event_id {', '.join(map(repr, unknown))} "
                "(see data/political_events.csv)"
            )


# --- sweeps: one page per point of a parameter grid --------------------------------------------

SWEEP_KEYS = {"name", "notebook", "grid", "pattern", "values", "parameters", "title"}
#: the most pages one sweep may expand to (every event x 3 windows x 2 levels is about 330)
MAX_SWEEP_POINTS = 2000
#: a grid axis set to this word takes every event id of political_events.csv
ALL = "all"


@dataclass(frozen=True)
class Sweep:
    """A parameter grid over one notebook: each point is a page of its own (named by
    ``pattern``, built and keyed like any brief), and the sweep publishes one summary page of
    the glued ``values`` of every point (see :mod:`analysis.report.sweeps`)."""

    name: str
    notebook: Path
    #: parameter -> the values it takes, in order; ``"all"`` for an event parameter: every event
    grid: dict[str, list[Any] | str]
    pattern: str
    #: the glued names the summary page tabulates; the first is drawn as the heatmap
    values: tuple[str, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    title: str | None = None

    def axes(self, events: Iterable[str]) -> dict[str, list[Any]]:
        """Each grid parameter with its values (``all`` expanded to ``events``, sorted)."""
        return {k: (sorted(events) if v == ALL else list(v)) for k, v in self.grid.items()}

    def expand(self, events: Iterable[str], *, config: Path | str = "") -> list[Brief]:
        """One :class:`Brief` per grid point (the last parameter varying fastest); a name the
        pattern makes that is not a valid page name, or made twice, is a :class:`ConfigError`."""
        import itertools

        axes = self.axes(events)
        where = f"{config}: sweep '{self.name}'" if config else f"sweep '{self.name}'"
        check_grid_size(where, {k: len(v) for k, v in axes.items()})  # before any point is made
        out, seen = [], set()
        for combo in itertools.product(*axes.values()):
            point = dict(zip(axes, combo, strict=True))
            name = self.pattern.format(**{k: _name_part(v) for k, v in point.items()})
            if not NAME_PATTERN.match(name):
                raise ConfigError(
                    f"{where}: pattern {self.pattern!r} makes {name!r} for {_json(point)}, not a "
                    "page name (lower-case letters, digits, '-' or '_', at most 64)"
                )
            if name in RESERVED_NAMES:
                raise ConfigError(
                    f"{where}: pattern {self.pattern!r} makes {name!r}, the name of one of the "
                    "site's own pages"
                )
            if name in seen:
                raise ConfigError(
                    f"{where}: pattern {self.pattern!r} makes {name!r} twice; use every grid "
                    "parameter in it"
                )
            seen.add(name)
            out.append(Brief(name, self.notebook, {**self.parameters, **point}, None, self.name))
        return out


def check_grid_size(where: str, sizes: Mapping[str, int]) -> None:
    """A :class:`ConfigError` naming each axis's size when a grid of ``sizes`` (parameter ->
    number of values) has more than :data:`MAX_SWEEP_POINTS` points: checked on the product of
    the sizes, before a single point is made (a grid of millions costs nothing to refuse)."""
    import math

    size = math.prod(sizes.values())
    if size > MAX_SWEEP_POINTS:
        axes = " × ".join(f"{k} ({n:,})" for k, n in sizes.items())
        raise ConfigError(f"{where}: {size:,} grid points ({axes}); at most {MAX_SWEEP_POINTS:,}")


def _name_part(value: Any) -> str:
    """A grid value as it goes into a page name: text lower-cased, 0.5 as 0_5."""
    return str(value).lower().replace(".", "_").replace(" ", "_")


def load_sweeps(path: Path | str, root: Path | None = None) -> list[Sweep]:
    """The ``sweeps`` of a briefs config, structurally checked (values are checked per point
    by :func:`check_parameters`, as for briefs, once the grid is expanded)."""
    path = Path(path)
    if root is None:
        root = config_root(path)
    doc = _read_yaml(path)
    entries = doc.get("sweeps") if isinstance(doc, dict) else None
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise ConfigError(f"{path}: 'sweeps' must be a list of sweeps")
    sweeps, seen = [], set()
    for i, entry in enumerate(entries, start=1):
        name, where, nb_path = _entry_head(
            entry, f"{path}: sweep", i, SWEEP_KEYS, seen, root, "name, notebook, grid, pattern"
        )
        grid = entry.get("grid")
        if not isinstance(grid, dict) or not grid:
            raise ConfigError(f"{where}: 'grid' must map each parameter to a list of values")
        clean: dict[str, list[Any] | str] = {}
        for key, values in grid.items():
            key = str(key)
            if values == ALL:
                if EVENT_PARAMETERS.get(key) != "one":
                    raise ConfigError(
                        f"{where}: grid '{key}': 'all' is for an event parameter "
                        f"({', '.join(k for k, v in EVENT_PARAMETERS.items() if v == 'one')})"
                    )
                clean[key] = ALL  # the number of points is checked on expansion
                continue
            values = [_plain(v) for v in values] if isinstance(values, list) else values
            if not isinstance(values, list) or not values:
                raise ConfigError(f"{where}: grid '{key}' must be a non-empty list (or 'all')")
            bad = next((v for v in values if not isinstance(v, str | int | float | bool)), None)
            if bad is not None:
                raise ConfigError(
                    f"{where}: grid '{key}': each value must be text or a number, got {_json(bad)}"
                )
            if len(set(map(json.dumps, values))) != len(values):
                raise ConfigError(f"{where}: grid '{key}' lists a value twice")
            clean[key] = values
        pattern = entry.get("pattern")
        if not isinstance(pattern, str):
            raise ConfigError(f"{where}: 'pattern' must be text naming each point's page")
        fields = _pattern_fields(pattern, where)
        missing = sorted(set(clean) - fields)
        extra = sorted(fields - set(clean))
        if missing or extra:
            raise ConfigError(
                f"{where}: 'pattern' must name every grid parameter and nothing else, as "
                f"{{name}}: "
                + "; ".join(
                    [f"missing {', '.join(missing)}"] * bool(missing)
                    + [f"unknown {', '.join(extra)}"] * bool(extra)
                )
            )
        values = entry.get("values") or []
        if (
            not isinstance(values, list)
            or not all(isinstance(v, str) for v in values)
            or not values
        ):
            raise ConfigError(
                f"{where}: 'values' must list the glued numbers to compare (e.g. "
                "[window_rate_ratio, window_p])"
            )
        for v in values:
            _check_text(v, f"{where}: 'values'")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: 'parameters' must be a mapping of name: value")
        both = sorted(set(params) & set(clean))
        if both:
            raise ConfigError(f"{where}: {', '.join(both)} both in 'grid' and 'parameters'")
        title = entry.get("title")
        if title is not None:
            if not isinstance(title, str):
                raise ConfigError(f"{where}: 'title' must be text")
            _check_text(title, f"{where}: 'title'")
        sweep = Sweep(
            name,
            nb_path,
            clean,
            pattern,
            tuple(values),
            {str(k): _plain(v) for k, v in params.items()},
            title,
        )
        if ALL not in clean.values():
            check_grid_size(where, {k: len(v) for k, v in clean.items()})
        sweeps.append(sweep)
    return sweeps


def _pattern_fields(pattern: str, where: str) -> set[str]:
    """The ``{name}`` fields of a page-name pattern (no format specs or indexing)."""
    import string

    fields = set()
    try:
        parsed = list(string.Formatter().parse(pattern))
    except ValueError as exc:
        raise ConfigError(f"{where}: 'pattern' {pattern!r}: {exc}") from None
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        if not name.isidentifier() or spec or conv:
            raise ConfigError(f"{where}: 'pattern' field {{{name}}}: only plain {{parameter}}")
        fields.add(name)
    return fields


def expand_sweeps(
    sweeps: Sequence[Sweep], briefs: Sequence[Brief], events: set[str], *, config: Path | str
) -> list[Brief]:
    """Every point of every sweep as a :class:`Brief`; a page name used twice (by a brief, a
    sweep or two points) or more than :data:`MAX_SWEEP_POINTS` points is a :class:`ConfigError`."""
    taken = {b.name: f"brief '{b.name}'" for b in briefs}
    out: list[Brief] = []
    for sweep in sweeps:
        if sweep.name in taken:
            raise ConfigError(f"{config}: sweep '{sweep.name}': the name of {taken[sweep.name]}")
        taken[sweep.name] = f"sweep '{sweep.name}'"
        points = sweep.expand(events, config=config)
        if len(points) > MAX_SWEEP_POINTS:
            raise ConfigError(
                f"{config}: sweep '{sweep.name}': {len(points)} grid points; at most "
                f"{MAX_SWEEP_POINTS}"
            )
        for b in points:
            if b.name in taken:
                raise ConfigError(
                    f"{config}: sweep '{sweep.name}': point {b.name!r} has the name of "
                    f"{taken[b.name]}"
                )
            taken[b.name] = f"a point of sweep '{sweep.name}'"
        out += points
    return out
