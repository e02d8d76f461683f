"""Editing the briefs config: append one brief entry, checked like any, in one rename.

The explorer's "save as a brief" button (:mod:`analysis.explore`) and a script alike call
:func:`save_brief`; :func:`entry_text` writes one entry as YAML lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from analysis import paths
from analysis.atomic import lock_exclusive, write_atomic
from analysis.errors import ConfigError, LockedError
from analysis.report.config import (
    NAME_PATTERN,
    Brief,
    check_parameters,
    config_root,
    declared_parameters,
    event_ids,
    load_config,
)

__all__ = ["LOCK_WAIT", "config_lock", "entry_text", "save_brief"]

#: seconds a save waits for another process saving to the same config
LOCK_WAIT = 30.0


@contextlib.contextmanager
def config_lock(path: Path, wait: float = LOCK_WAIT) -> Iterator[None]:
    """Hold the lock of the briefs config ``path`` for the block (an ``flock`` on its folder,
    so no lock file is left beside it), so that two processes saving at once both land; a
    :class:`LockedError` after ``wait`` seconds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if not lock_exclusive(fd, wait):
            raise LockedError(f"{path}: another process is saving a brief; try again")
        yield
    finally:
        os.close(fd)  # releases the lock


def entry_text(name: str, notebook: str, parameters: Mapping[str, Any], indent: str) -> str:
    """One briefs-config entry as YAML lines (values in JSON, which YAML reads as written)."""
    inner = indent + "  "
    lines = [f"{indent}- name: {name}", f"{inner}notebook: {notebook}"]
    if parameters:
        lines.append(f"{inner}parameters:")
        lines += [f"{inner}  {k}: {json.dumps(v)}" for k, v in parameters.items()]
    return "\n".join(lines) + "\n"


def save_brief(
    config: Path | str,
    name: str,
    notebook: str,
    parameters: Mapping[str, Any],
    *,
    root: Path | None = None,
    data_dir: Path | None = None,
) -> Brief:
    """Append a brief entry to the briefs config ``config`` and return it (a
    :class:`analysis.report.config.Brief`).

    The entry is checked as ``escalation report`` checks every entry (name, notebook in the
    project's ``notebooks/``, each parameter declared by the notebook with its type, vocabulary,
    dates and event ids; :func:`analysis.report.config.check_parameters`), and refused with a
    ``ConfigError`` when the config already has a brief of that name or one running the same
    notebook with the same parameters. The new file is read back as a config before it replaces
    the old one in a single rename (:func:`analysis.atomic.write_atomic`): on any error the
    config is left as it was. Comments and the other entries are kept as written. A config that
    does not exist is created. Saves to one config from several processes take turns
    (:func:`config_lock`), so none is lost. ``root`` and ``data_dir`` default as for
    ``escalation report``.
    """
    path = Path(config)
    if root is None:
        root = config_root(path)
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        raise ConfigError(
            f"{path}: a brief's name must be lower-case letters, digits, '-' or '_' (at most 64, "
            f"starting with a letter or digit), got {name!r}"
        )
    bad = next((k for k in parameters if not (isinstance(k, str) and k.isidentifier())), None)
    if bad is not None:  # ``a: b`` would be YAML of another shape, not a parameter's name
        raise ConfigError(
            f"{path}: brief '{name}': a parameter's name must be a Python name, got {bad!r}"
        )
    with config_lock(path):  # read, check and write as one step: no save is lost
        return _save_locked(path, root, name, notebook, parameters, data_dir)


def _save_locked(
    path: Path,
    root: Path,
    name: str,
    notebook: str,
    parameters: Mapping[str, Any],
    data_dir: Path | None,
) -> Brief:
    """:func:`save_brief` with the config's lock held."""
    old_text = path.read_text(encoding="utf-8") if path.exists() else ""
    existing = load_config(path, root) if old_text.strip() else []
    with tempfile.TemporaryDirectory(prefix="escalation-save-") as tmp:
        # the new entry alone, checked like any entry of a config
        alone = Path(tmp) / "entry.yml"
        alone.write_text("briefs:\n" + entry_text(name, notebook, parameters, "  "), "utf-8")
        (new,) = load_config(alone, root)
        declared = declared_parameters(new.notebook)
        check_parameters(new, declared, event_ids(data_dir or paths.data_dir()), config=path)
        resolved = new.resolved_parameters(declared)
        for other in existing:
            if other.name == name:
                raise ConfigError(
                    f"{path}: there is already a brief named '{name}'; choose another name"
                )
            if other.notebook == new.notebook and other.resolved_parameters(declared) == resolved:
                raise ConfigError(
                    f"{path}: brief '{other.name}' already publishes this view ({notebook} with "
                    "the same parameters); nothing saved"
                )
        if existing:
            found = re.search(r"^([ \t]*)- ", old_text, re.M)
            indent = found.group(1) if found else "  "
            text = old_text if old_text.endswith("\n") else old_text + "\n"
            text += entry_text(name, notebook, parameters, indent)
        else:
            comments = "".join(
                line for line in old_text.splitlines(keepends=True) if line.startswith("#")
            )
            text = comments + "briefs:\n" + entry_text(name, notebook, parameters, "  ")
        candidate = Path(tmp) / "briefs.yml"
        candidate.write_text(text, encoding="utf-8")
        after = load_config(candidate, root)
        if after != [*existing, new]:
            raise ConfigError(
                f"{path}: the entry could not be appended as written (the file's layout is not "
                "a plain 'briefs:' list); add it by hand"
            )
    write_atomic(path, text)
    return new
