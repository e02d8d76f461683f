"""Build keys: what a brief's output depends on, hashed, so an unchanged brief is not re-run.

A key covers the notebook's content, the parameters it runs with, the hash of every data file, the
source of the whole ``analysis`` package (so an edit to an imported module re-runs the briefs that
use it, which ploomber misses) and the versions of the libraries that shape the numbers and the
HTML. :func:`why_changed` turns two sets of inputs into the reason a brief is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from analysis.paths import DATA_FILES

#: bump when the runner's output format changes, to rebuild every brief once
FORMAT_VERSION = 1
#: libraries whose versions are part of the key (numbers, charts, HTML)
KEY_PACKAGES = (
    "pandas",
    "numpy",
    "scipy",
    "statsmodels",
    "matplotlib",
    "nbconvert",
    "papermill",
)
PACKAGE_DIR = Path(__file__).resolve().parents[1]


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes, as hex."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def notebook_hash(path: Path) -> str:
    """SHA-256 of what a notebook computes: each cell's type, source and tags, in order.

    Cell ids, outputs and editor metadata (what JupyterLab changes on save) are left out, so
    opening and saving a notebook does not rebuild its briefs.
    """
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = [
        [
            c.get("cell_type"),
            "".join(c.get("source", "")) if isinstance(c.get("source"), list) else c.get("source"),
            sorted(c.get("metadata", {}).get("tags", [])),
        ]
        for c in nb.get("cells", [])
    ]
    return hashlib.sha256(json.dumps(cells).encode()).hexdigest()


def data_hashes(data_dir: Path, *, hashed: bool = True) -> dict[str, str]:
    """Hashes of the curated data files the notebooks read (a missing file hashes as 'missing');
    ``hashed=False``: only whether each is there ('present' or 'missing'), without reading it."""
    return {
        name: (file_hash(data_dir / name) if hashed else "present")
        if (data_dir / name).is_file()
        else "missing"
        for name in DATA_FILES
    }


#: the package's files whose bytes are its source, for :func:`source_hash`
SOURCE_SUFFIXES = (".py", ".j2", ".json")


def package_digests(package_dir: Path = PACKAGE_DIR) -> dict[str, bytes]:
    """SHA-256 (raw bytes) of every file of the ``analysis`` package but bytecode caches, by
    path relative to it: read once a run, for both :func:`source_hash` and the front pages' key
    (:func:`analysis.report.unchanged.sources_key`)."""
    out = {}
    for p in sorted(package_dir.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            with p.open("rb") as fh:
                digest = hashlib.file_digest(fh, "sha256").digest()
            out[p.relative_to(package_dir).as_posix()] = digest
    return out


def source_hash(package_dir: Path = PACKAGE_DIR, digests: Mapping[str, bytes] | None = None) -> str:
    """One hash over every ``.py``, template and data file of the ``analysis`` package (their
    paths and :func:`package_digests`, given or read from ``package_dir``)."""
    digests = package_digests(package_dir) if digests is None else digests
    h = hashlib.sha256()
    for rel in sorted(digests):
        if rel.endswith(SOURCE_SUFFIXES):
            h.update(rel.encode() + b"\0" + digests[rel])
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Installed versions of :data:`KEY_PACKAGES` and of the project itself."""
    out = {}
    for name in ("escalation", *KEY_PACKAGES):
        try:
            out[name] = _version(metadata.distribution(name))
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _version(dist: metadata.Distribution) -> str:
    """``dist.version``, read from its metadata's ``Version:`` header line: the same value
    without parsing the whole file as an e-mail message (pandas' holds its long description;
    the eight packages cost a no-change run 30 ms that way)."""
    text = dist.read_text("METADATA") or dist.read_text("PKG-INFO") or ""
    for line in text.splitlines():
        if not line:  # the end of the headers
            break
        if line.startswith("Version:"):
            return line.removeprefix("Version:").strip()
    return dist.version


def inputs_for(
    notebook: Path,
    parameters: Mapping[str, Any],
    data: Mapping[str, str],
    source: str,
    versions: Mapping[str, str],
) -> dict[str, Any]:
    """A brief's named inputs (:func:`build_key` hashes them, :func:`why_changed` diffs them)."""
    return {
        "format": FORMAT_VERSION,
        "notebook": notebook_hash(notebook),
        "parameters": json.loads(json.dumps(dict(parameters), sort_keys=True, default=str)),
        "data": dict(data),
        "analysis": source,
        "versions": dict(versions),
    }


def build_key(inputs: Mapping[str, Any]) -> str:
    """A short stable hash of a brief's inputs."""
    blob = json.dumps(inputs, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def why_changed(old: Mapping[str, Any] | None, new: Mapping[str, Any]) -> list[str]:
    """Plain reasons a brief must be rebuilt, e.g. ``["data changed: incidents.csv"]``."""
    if not old:
        return ["never built"]
    reasons = []
    if old.get("format") != new["format"]:
        reasons.append("output format changed")
    if old.get("notebook") != new["notebook"]:
        reasons.append("notebook changed")
    if old.get("parameters") != new["parameters"]:
        changed = sorted(
            k
            for k in set(old.get("parameters", {})) | set(new["parameters"])
            if old.get("parameters", {}).get(k) != new["parameters"].get(k)
        )
        reasons.append("parameters changed: " + ", ".join(changed))
    changed_data = sorted(
        k for k in new["data"] if old.get("data", {}).get(k) != new["data"].get(k)
    )
    if changed_data:
        reasons.append("data changed: " + ", ".join(changed_data))
    if old.get("analysis") != new["analysis"]:
        reasons.append("analysis code changed")
    if old.get("versions") != new["versions"]:
        changed = sorted(
            k for k in new["versions"] if old.get("versions", {}).get(k) != new["versions"][k]
        )
        reasons.append("package versions changed: " + ", ".join(changed))
    return reasons or ["inputs changed"]
