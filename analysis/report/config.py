"""The list of briefs to publish (``reports/briefs.yml``) and the checking of their parameters.

Every entry is checked before any kernel starts: the notebook exists, each parameter is one the
notebook declares in its ``parameters`` cell, has the declared type (the annotation, else the type
of the default), dates parse, and every event id names an event in the data. papermill alone only
warns about unknown names; here they are errors that name the config file, the brief and the
parameter.

Format::

    briefs:
      - name: suleimani_strike            # file name of the brief: reports/site/<name>.html
        notebook: notebooks/brief.ipynb   # relative to the config file's project root
        parameters: {event_id: suleimani_strike}
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from analysis.errors import ConfigError

#: parameters whose values are event ids (one, or a list) in political_events.csv
EVENT_PARAMETERS = {"event_id": "one", "event_ids": "list", "interventions": "list"}
#: parameters whose values are ISO dates; ``as_of`` may also be "latest"
DATE_PARAMETERS = {"start", "end", "as_of", "pre_start", "post_end"}
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
ENTRY_KEYS = {"name", "notebook", "parameters", "title"}
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


@dataclass(frozen=True)
class Brief:
    """One entry of the config: what to run (``notebook``) with which ``parameters``."""

    name: str
    notebook: Path
    parameters: dict[str, Any] = field(default_factory=dict)
    title: str | None = None

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

    found = pm.inspect_notebook(str(notebook))
    out: dict[str, Parameter] = {}
    for name, info in found.items():
        default = _literal(info.get("default") or "None")
        types = _type_names(info.get("inferred_type_name") or "", default)
        out[name] = Parameter(name, types, default, info.get("help") or "")
    return out


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def _plain(value: Any) -> Any:
    """YAML values as the notebook expects them: dates become ISO strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def load_config(path: Path | str, root: Path | None = None) -> list[Brief]:
    """Read and structurally check a briefs config; notebooks resolve against ``root``.

    ``root`` defaults to the project root when the config sits in ``<root>/reports/``, else the
    config's own folder. Parameter values are checked later by :func:`check_parameters`.
    """
    path = Path(path)
    if root is None:
        root = path.parent.parent if path.parent.name == "reports" else path.parent
    doc = _read_yaml(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("briefs"), list):
        raise ConfigError(f"{path}: expected a mapping with a 'briefs' list")
    unknown_top = set(doc) - {"briefs"}
    if unknown_top:
        raise ConfigError(f"{path}: unknown top-level key(s): {', '.join(sorted(unknown_top))}")
    briefs: list[Brief] = []
    seen: set[str] = set()
    for i, entry in enumerate(doc["briefs"], start=1):
        where = f"{path}: brief #{i}"
        if not isinstance(entry, dict):
            raise ConfigError(f"{where}: expected a mapping with name, notebook, parameters")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME_PATTERN.match(name):
            raise ConfigError(
                f"{where}: 'name' must be lower-case letters, digits, '-' or '_' (got {name!r})"
            )
        where = f"{path}: brief '{name}'"
        if name in seen:
            raise ConfigError(f"{where}: the name is used twice")
        seen.add(name)
        unknown = set(entry) - ENTRY_KEYS
        if unknown:
            raise ConfigError(f"{where}: unknown key(s): {', '.join(sorted(unknown))}")
        notebook = entry.get("notebook")
        if not isinstance(notebook, str):
            raise ConfigError(f"{where}: 'notebook' must be a path to an .ipynb file")
        nb_path = (root / notebook).resolve()
        if not nb_path.is_file():
            raise ConfigError(f"{where}: notebook {notebook} not found (looked in {root})")
        params = entry.get("parameters") or {}
        if not isinstance(params, dict):
            raise ConfigError(f"{where}: 'parameters' must be a mapping of name: value")
        title = entry.get("title")
        if title is not None and not isinstance(title, str):
            raise ConfigError(f"{where}: 'title' must be text")
        params = {str(k): _plain(v) for k, v in params.items()}
        briefs.append(Brief(name, nb_path, params, title))
    return briefs


def event_ids(data_dir: Path) -> set[str]:
    """The event ids in ``data_dir/political_events.csv`` (read without pandas, for speed)."""
    path = data_dir / "political_events.csv"
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            return {row["event_id"] for row in csv.DictReader(fh)}
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such data file (needed to check event ids)") from None


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
                f"got {type(value).__name__} {json.dumps(value, default=str)}"
            )
    values = brief.resolved_parameters(declared)
    for name, value in values.items():
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
