"""The shipped schedulers: GitHub Actions workflow, systemd units, crontab line.

Each must name things that exist (official actions pinned to a major version, Makefile targets,
``escalation`` subcommands and options the real parser accepts, the site folder the runner
writes) and treat exit 5 (nothing to do) as success. The shell around ``escalation run`` is
executed for real against a stub ``escalation`` that records its arguments and exits as told.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

from analysis.cli import build_parser
from analysis.paths import DEFAULT_SITE
from analysis.report.publish import work_dir

WORKFLOW = ROOT / ".github" / "workflows" / "briefs.yml"
DEPLOY = ROOT / "reports" / "deploy"
SERVICE = DEPLOY / "escalation-briefs.service"
TIMER = DEPLOY / "escalation-briefs.timer"
CRONTAB = DEPLOY / "crontab"
SITE = DEFAULT_SITE.relative_to(ROOT).as_posix()  # "reports/site"

OFFICIAL = {
    "actions/checkout",
    "actions/setup-python",
    "actions/cache",
    "actions/configure-pages",
    "actions/upload-pages-artifact",
    "actions/deploy-pages",
}
# GitHub runs a `shell: bash` step as `bash --noprofile --norc -eo pipefail {0}`.
GITHUB_BASH = ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
STUB = """#!/bin/sh
for a in "$@"; do printf '%s\\0' "$a"; done > "$STUB_ARGS"
echo "stub escalation: $*"
exit "${STUB_EXIT:-0}"
"""


# --- helpers ---------------------------------------------------------------------------------


def _workflow() -> dict:
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def _triggers(wf: dict) -> dict:
    # YAML 1.1 (PyYAML) reads the bare key `on` as the boolean True.
    on = wf.get("on", wf.get(True))
    assert isinstance(on, dict), "the workflow's `on:` must be a mapping of triggers"
    return on


def _steps(wf: dict) -> list[dict]:
    return [step for job in wf["jobs"].values() for step in job.get("steps", [])]


def _escalation_step(wf: dict) -> dict:
    steps = [s for s in _steps(wf) if re.search(r"\bescalation\b", s.get("run", ""))]
    assert len(steps) == 1, "expected exactly one step that runs `escalation`"
    return steps[0]


def _parse(argv: list[str]):
    """Parse with the real ``escalation`` parser; fail the test (not exit) when it refuses."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit as exc:
        pytest.fail(f"`escalation {shlex.join(argv)}` is refused by the CLI parser (exit {exc})")


def _stub(folder: Path) -> Path:
    """``folder/.venv/bin/escalation``: records its arguments, exits with ``$STUB_EXIT``."""
    bin_dir = folder / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    exe = bin_dir / "escalation"
    exe.write_text(STUB, encoding="utf-8")
    exe.chmod(0o755)
    return exe


def _recorded(path: Path) -> list[str]:
    assert path.exists(), "the script never called escalation"
    return path.read_bytes().decode().split("\0")[:-1]


def _cron_fields_valid(fields: list[str]) -> bool:
    """Numeric five-field cron syntax: *, n, a-b, with /step, comma lists; ranges checked."""
    bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
    if len(fields) != 5:
        return False
    for text, (lo, hi) in zip(fields, bounds, strict=True):
        for part in text.split(","):
            m = re.fullmatch(r"(\*|(\d+)(?:-(\d+))?)(?:/(\d+))?", part)
            if m is None or (m.group(4) is not None and int(m.group(4)) == 0):
                return False
            if m.group(2) is not None:
                a, b = int(m.group(2)), int(m.group(3) or m.group(2))
                if not lo <= a <= b <= hi:
                    return False
    return True


def _weekly(fields: list[str]) -> bool:
    minute, hour, dom, month, dow = fields
    return minute.isdigit() and hour.isdigit() and dom == month == "*" and dow.isdigit()


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    return parser


def _crontab_line() -> str:
    lines = [
        line
        for line in CRONTAB.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) == 1, "reports/deploy/crontab must hold exactly one active line"
    return lines[0]


def _op(token: str) -> bool:
    return set(token) <= set("();<>|&{}") or token in {"do", "then", "else"}


def _escalation_argv(command: str) -> list[str]:
    """The arguments of the one ``.../escalation`` call in a shell command line."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    tokens = list(lexer)
    calls = [
        i
        for i, t in enumerate(tokens)
        if (t == "escalation" or t.endswith("/escalation")) and (i == 0 or _op(tokens[i - 1]))
    ]
    assert len(calls) == 1, f"expected one escalation call in {command!r}"
    argv = []
    for token in tokens[calls[0] + 1 :]:
        if _op(token):  # an operator or redirection ends the command
            break
        argv.append(token)
    return argv


# --- GitHub Actions --------------------------------------------------------------------------


def test_workflow_triggers_weekly_schedule_and_manual_dispatch():
    on = _triggers(_workflow())
    crons = [entry["cron"] for entry in on["schedule"]]
    assert crons
    for cron in crons:
        fields = cron.split()
        assert _cron_fields_valid(fields), f"not a valid 5-field cron: {cron!r}"
        assert _weekly(fields), f"not once a week: {cron!r}"
    assert "workflow_dispatch" in on
    as_of = on["workflow_dispatch"]["inputs"]["as_of"]
    assert as_of["required"] is False
    assert as_of.get("type", "string") == "string"


def test_workflow_uses_official_actions_pinned_to_a_major_version():
    uses = [step["uses"] for step in _steps(_workflow()) if "uses" in step]
    for ref in uses:
        m = re.fullmatch(r"([\w.-]+/[\w.-]+)@v(\d+)", ref)
        assert m is not None, f"{ref}: pin a major version, e.g. actions/checkout@v4"
        assert m.group(1) in OFFICIAL, f"{ref}: not one of the official actions {sorted(OFFICIAL)}"
    assert {ref.split("@")[0] for ref in uses} == OFFICIAL


def test_workflow_permissions_concurrency_and_pages_deployment():
    wf = _workflow()
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert wf["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    step_ids = {step.get("id") for step in deploy["steps"]}
    url = re.fullmatch(
        r"\$\{\{\s*steps\.([\w-]+)\.outputs\.page_url\s*\}\}", deploy["environment"]["url"]
    )
    assert url is not None and url.group(1) in step_ids


def test_workflow_sets_up_python_from_pyproject():
    steps = _steps(_workflow())
    setup = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    requires = re.search(
        r'requires-python\s*=\s*">=(\d+)\.(\d+)"', (ROOT / "pyproject.toml").read_text()
    )
    assert requires is not None
    version = tuple(int(x) for x in str(setup["with"]["python-version"]).split("."))
    assert version >= (int(requires.group(1)), int(requires.group(2)))
    assert setup["with"]["cache"] == "pip"
    assert (ROOT / setup["with"]["cache-dependency-path"]).is_file()


def test_workflow_make_targets_exist_in_the_makefile():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([\w.-]+):", makefile, flags=re.MULTILINE))
    used = [
        t for s in _steps(_workflow()) for t in re.findall(r"\bmake\s+([\w.-]+)", s.get("run", ""))
    ]
    assert "install" in used
    assert set(used) <= targets, f"unknown make targets: {set(used) - targets}"


def test_workflow_restores_and_uploads_the_site_folder():
    steps = _steps(_workflow())
    upload = next(
        s for s in steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    )
    assert upload["with"]["path"] == SITE == "reports/site"
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert SITE in cache["with"]["path"].split()
    # a fresh key each run (so the grown site is saved), restored from the newest by prefix
    assert "github.run_id" in cache["with"]["key"]
    assert cache["with"]["key"].startswith(cache["with"]["restore-keys"].strip())
    names = [s.get("uses", "").split("@")[0] for s in steps]
    run_at = next(i for i, s in enumerate(steps) if "escalation" in s.get("run", ""))
    assert names.index("actions/cache") < run_at < names.index("actions/upload-pages-artifact")


def test_workflow_scripts_take_inputs_through_env_only():
    wf = _workflow()
    # `${{ }}` inside a script is pasted into the shell before it runs (script injection)
    for step in _steps(wf):
        assert "${{" not in step.get("run", ""), f"pass expressions via env: {step.get('name')}"
    step = _escalation_step(wf)
    assert step["env"]["ACLED_EMAIL"] == "${{ secrets.ACLED_EMAIL }}"
    assert step["env"]["ACLED_PASSWORD"] == "${{ secrets.ACLED_PASSWORD }}"
    others = [s for s in _steps(wf) if s is not step]
    assert not any("secrets." in str(s) for s in others), "secrets only where escalation runs"
    assert "secrets." not in str({k: v for k, v in wf.items() if k != "jobs"})


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, ["run"]),
        ({"AS_OF": "2021-06-30"}, ["run", "--as-of", "2021-06-30"]),
        ({"FETCH": "gdelt ucdp"}, ["run", "--fetch", "gdelt", "ucdp"]),
        (
            {"AS_OF": "2021-06-30", "FETCH": "gdelt,acled,ucdp"},
            ["run", "--as-of", "2021-06-30", "--fetch", "gdelt", "acled", "ucdp"],
        ),
    ],
)
def test_workflow_run_step_passes_only_given_options(tmp_path, env, expected):
    step = _escalation_step(_workflow())
    assert step.get("shell") == "bash"
    script = tmp_path / "step.sh"
    script.write_text(step["run"], encoding="utf-8")
    _stub(tmp_path)
    args = tmp_path / "args"
    run_env = {"PATH": os.environ["PATH"], "AS_OF": "", "FETCH": "", "STUB_ARGS": str(args)}
    run_env.update(env)
    done = subprocess.run(
        [*GITHUB_BASH, str(script)], cwd=tmp_path, env=run_env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    argv = _recorded(args)
    assert argv == expected
    assert _parse(argv).command == "run"


@pytest.mark.parametrize(("code", "step_code"), [(0, 0), (5, 0), (1, 1), (3, 3), (4, 4)])
def test_workflow_run_step_treats_exit_5_as_success(tmp_path, code, step_code):
    script = tmp_path / "step.sh"
    script.write_text(_escalation_step(_workflow())["run"], encoding="utf-8")
    _stub(tmp_path)
    env = {"PATH": os.environ["PATH"], "STUB_ARGS": str(tmp_path / "args"), "STUB_EXIT": str(code)}
    done = subprocess.run([*GITHUB_BASH, str(script)], cwd=tmp_path, env=env, capture_output=True)
    assert done.returncode == step_code


# --- systemd ---------------------------------------------------------------------------------


def test_service_runs_escalation_run_with_exit_5_as_success():
    service = _unit(SERVICE)["Service"]
    assert service["Type"] == "oneshot"
    workdir = service["WorkingDirectory"]
    argv = shlex.split(service["ExecStart"])
    assert argv[0] == f"{workdir}/.venv/bin/escalation"  # the `make install` venv
    assert _parse(argv[1:]).command == "run"
    assert "5" in service["SuccessExitStatus"].split()
    # credentials from outside the checkout, optional
    env_file = service["EnvironmentFile"]
    assert env_file.startswith("-/etc/")
    assert not env_file.lstrip("-").startswith(workdir)


def test_service_sandbox_still_lets_the_run_write_what_it_writes():
    service = _unit(SERVICE)["Service"]
    workdir = Path(service["WorkingDirectory"])
    assert service["ProtectSystem"] == "strict"
    writable = [Path(p.lstrip("-")) for p in service["ReadWritePaths"].split()]
    # where the runner actually writes, mapped from this checkout to the deployed one
    needed = [
        DEFAULT_SITE,  # the site: pages, archive, feed, run log
        work_dir(DEFAULT_SITE) / "lock",  # lock, staging, journal, failed notebooks
        ROOT / "data" / "raw" / "gdelt",  # fetched feeds (escalation fetch's default folder)
    ]
    for path in needed:
        deployed = workdir / path.relative_to(ROOT)
        assert any(deployed.is_relative_to(w) for w in writable), f"{deployed} is read-only"
    assert workdir not in writable, "only the folders the run writes, not the whole checkout"


def test_timer_is_weekly_persistent_and_starts_the_service():
    unit = _unit(TIMER)
    timer = unit["Timer"]
    # Unit= names the service; without it a timer starts the service of its own name
    assert timer.get("Unit", f"{TIMER.stem}.service") == SERVICE.name
    assert timer["OnCalendar"].split()[0] in {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}
    assert timer["Persistent"] == "true"
    assert unit["Install"]["WantedBy"] == "timers.target"


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_units_pass_systemd_analyze_verify(tmp_path):
    exe = ROOT / ".venv" / "bin" / "escalation"
    if not exe.exists():
        pytest.skip("verify checks that ExecStart exists: needs `make install` in this checkout")
    workdir = _unit(SERVICE)["Service"]["WorkingDirectory"]
    for unit in (SERVICE, TIMER):  # point the placeholder path at this checkout
        text = unit.read_text(encoding="utf-8").replace(workdir, str(ROOT))
        (tmp_path / unit.name).write_text(text, encoding="utf-8")
    done = subprocess.run(
        ["systemd-analyze", "verify", SERVICE.name, TIMER.name],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    ours = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if SERVICE.stem in line or str(tmp_path) in line
    ]
    assert done.returncode == 0 and not ours, "\n".join(ours) or done.stderr
    on_calendar = _unit(TIMER)["Timer"]["OnCalendar"]
    calendar = subprocess.run(
        ["systemd-analyze", "calendar", on_calendar], capture_output=True, text=True, timeout=60
    )
    assert calendar.returncode == 0, calendar.stderr


# --- cron ------------------------------------------------------------------------------------


def test_crontab_line_is_weekly_and_calls_escalation_run():
    fields = _crontab_line().split(None, 5)
    assert _cron_fields_valid(fields[:5]) and _weekly(fields[:5]), fields[:5]
    command = fields[5]
    assert "%" not in command, "cron turns % into a newline"
    argv = _escalation_argv(command)
    assert _parse(argv).command == "run"
    assert "flock" not in command  # escalation run locks itself


@pytest.mark.parametrize(
    ("code", "line_code", "mails"), [(0, 0, False), (5, 0, False), (1, 1, True), (3, 3, True)]
)
def test_crontab_line_treats_exit_5_as_success_and_logs(tmp_path, code, line_code, mails):
    command = _crontab_line().split(None, 5)[5]
    workdir = re.search(r"\bcd\s+(\S+)", command).group(1)
    checkout = tmp_path / "checkout"
    _stub(checkout)
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "STUB_ARGS": str(tmp_path / "args"),
        "STUB_EXIT": str(code),
    }
    done = subprocess.run(
        ["/bin/sh", "-c", command.replace(workdir, str(checkout))],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == line_code
    assert bool(done.stdout.strip()) is mails  # cron mails any output
    logs = list(home.iterdir())  # output appended to a log in the user's home
    assert len(logs) == 1 and "stub escalation: run" in logs[0].read_text()
