"""`make lab` as a new user meets it: the `escalation (.venv)` kernel is registered by
`make install` and runs the project's own Python, and JupyterLab gets `--allow-root` only when
the user is root.

The kernelspec is checked in the environment the tests run in (`make test` runs them with
`.venv/bin/python`, so after `make install` in that checkout): a fresh clone's install takes
minutes, too slow for the suite. The Lab browser test (tests/report/test_lab.py) starts JupyterLab
through `make lab` itself.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import ROOT

#: the kernel every notebook is stored with and `make install` registers
PROJECT_KERNEL = {"name": "escalation", "display_name": "escalation (.venv)", "language": "python"}


def _lab_command(*, as_user: int | None = None) -> str:
    """The command `make -n lab` would run (dry run), as this user in the checkout, or as
    ``as_user`` on a copy of the Makefile in a folder that user can read: the checkout may sit
    in a private (0700) folder another user cannot enter."""
    if as_user is None:
        return _dry_run_lab(["make", "-n", "-s", "-C", str(ROOT), "lab"], ROOT)
    with tempfile.TemporaryDirectory(prefix="escalation-make-lab-") as tmp:
        folder = Path(tmp)
        shutil.copyfile(ROOT / "Makefile", folder / "Makefile")
        (folder / "pyproject.toml").touch()  # a prerequisite of the install stamp
        for path in (folder / "Makefile", folder / "pyproject.toml"):
            path.chmod(0o644)
        folder.chmod(0o755)
        switch = ["setpriv", f"--reuid={as_user}", f"--regid={as_user}", "--clear-groups"]
        return _dry_run_lab([*switch, "make", "-n", "-s", "-C", tmp, "lab"], folder)


def _dry_run_lab(command: list[str], cwd: Path) -> str:
    """The one `jupyter lab` line a dry run of ``command`` (run in ``cwd``) prints."""
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=30, check=False)
    lines = [line for line in done.stdout.splitlines() if "jupyter lab" in line]
    assert len(lines) == 1, (done.stdout, done.stderr)
    return lines[0]


def test_the_escalation_kernel_runs_this_environments_python():
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(PROJECT_KERNEL["name"])
    assert spec.display_name == PROJECT_KERNEL["display_name"]
    assert spec.language == PROJECT_KERNEL["language"]
    # registered with --sys-prefix: it lives in (and belongs to) this environment
    assert Path(spec.resource_dir).resolve().is_relative_to(Path(sys.prefix).resolve())
    python = Path(spec.argv[0])
    assert python == Path(sys.prefix) / "bin" / "python", spec.argv
    if (ROOT / ".venv").exists() and Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        assert python == ROOT / ".venv" / "bin" / "python"
    # and that Python imports this checkout's package
    found = subprocess.run(
        [str(python), "-c", "import analysis, sys; sys.stdout.write(analysis.__file__)"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert Path(found).resolve().is_relative_to(ROOT.resolve())


def test_every_notebook_is_stored_with_the_project_kernel():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        spec = json.loads(path.read_text(encoding="utf-8"))["metadata"].get("kernelspec")
        assert spec == PROJECT_KERNEL, f"{path.name}: kernelspec {spec}"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_lab_passes_allow_root_only_to_root():
    command = _lab_command()
    assert "--notebook-dir=notebooks" in command
    if os.geteuid() == 0:
        assert "--allow-root" in command.split()
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv is not installed: cannot try make lab as another user")
        other = _lab_command(as_user=65534)  # nobody
        assert "--allow-root" not in other.split(), other
        assert "jupyter lab --notebook-dir=notebooks" in other
    else:
        assert "--allow-root" not in command.split()


def test_make_lab_passes_extra_options_through():
    done = subprocess.run(
        ["make", "-n", "-s", "-C", str(ROOT), "lab", "LAB_ARGS=--no-browser --port=9"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    (line,) = [line for line in done.stdout.splitlines() if "jupyter lab" in line]
    assert line.split()[-2:] == ["--no-browser", "--port=9"], line
