"""Helpers live in the layer that owns them, and modules use one another's public names only."""

from __future__ import annotations

import ast

from conftest import ROOT


def test_the_build_and_the_feeds_apply_the_actor_rules_of_data_actors():
    from analysis.data import actors
    from analysis.sources import common

    assert actors.actor_for("claimed by kataib hezbollah") == "unknown"  # the build: case matters
    assert common.actor_from_text("claimed by kataib hezbollah") == "Kataib Hezbollah"  # feeds


def test_base_url_lives_in_the_fetch_layer_and_stays_importable_from_the_cli(monkeypatch):
    import subprocess
    import sys

    from analysis.sources import cli
    from analysis.sources.fetch import gdelt, http

    assert cli.base_url is http.base_url
    monkeypatch.setenv(gdelt.BASE_URL_ENV, "")
    assert http.base_url(gdelt) == gdelt.DEFAULT_BASE_URL
    assert http.base_url(gdelt, "http://localhost/") == "http://localhost/"
    code = "import sys, analysis.cli; print('urllib.request' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the CLI still starts without the HTTP machinery


def _underscore_imports(path):
    """``module.name`` for each underscore-prefixed name ``path`` takes from another module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules, found = {}, []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private:
                    found.append(f"{node.module}.{alias.name}")
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("analysis") and alias.asname:
                    modules[alias.asname] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
        ):
            found.append(f"{modules[node.value.id]}.{node.attr}")
    return found


def test_no_module_imports_another_module_s_private_names():
    offenders = {}
    for path in sorted((ROOT / "analysis").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if names := _underscore_imports(path):
            offenders[rel] = names
    assert not offenders, offenders
