"""One error family: every error class of ``analysis`` is an EscalationError, and is still caught
by the ``except`` clauses (ValueError, RuntimeError) its callers wrote before the family."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import analysis
from analysis.data.load import DataValidationError, Problem, UnreadableRow
from analysis.errors import (
    ConfigError,
    DataError,
    EscalationError,
    FetchError,
    LockedError,
    ModelInputError,
    ParameterError,
)
from analysis.report.publish import SiteLocked
from analysis.sources.fetch.acled import CredentialsError
from analysis.sources.fetch.http import DownloadError, Policy, VerificationError, with_retries


def _error_classes() -> set[type[BaseException]]:
    """Every exception class (warnings aside) defined in a module of ``analysis``."""
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        importlib.import_module(info.name)
    found, todo = set(), [BaseException]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] == "analysis" and not issubclass(cls, Warning):
            found.add(cls)
    return found


def test_every_error_class_of_the_package_is_an_escalation_error():
    classes = _error_classes()
    named = {
        DataValidationError,
        UnreadableRow,
        ConfigError,
        SiteLocked,
        CredentialsError,
        DownloadError,
        VerificationError,
    }
    assert named <= classes  # the walk finds the classes it must (and any added later)
    outside = sorted(f"{c.__module__}.{c.__qualname__}" for c in classes - {EscalationError}
                     if not issubclass(c, EscalationError))  # fmt: skip
    assert not outside, f"not in the EscalationError family: {outside}"


@pytest.mark.parametrize(
    ("cls", "family", "builtin"),
    [
        (DataValidationError, DataError, ValueError),
        (UnreadableRow, DataError, ValueError),
        (ConfigError, ParameterError, ValueError),
        (SiteLocked, LockedError, RuntimeError),
        (DownloadError, FetchError, RuntimeError),
        (VerificationError, DownloadError, RuntimeError),
        (CredentialsError, FetchError, RuntimeError),
    ],
)
def test_each_error_joins_its_family_and_keeps_its_old_builtin(cls, family, builtin):
    assert issubclass(cls, family) and issubclass(cls, EscalationError)
    assert issubclass(cls, builtin)


def test_the_old_names_are_the_family_classes_where_they_were():
    from analysis.data import DataValidationError as exported
    from analysis.report import config
    from analysis.sources import fetch

    assert config.ConfigError is ConfigError
    assert exported is DataValidationError
    assert fetch.DownloadError is DownloadError and fetch.VerificationError is VerificationError


def test_families_subclass_the_builtins_callers_catch():
    for family in (ParameterError, ConfigError, ModelInputError, DataError):
        assert issubclass(family, ValueError)
    assert issubclass(FetchError, OSError) and issubclass(LockedError, RuntimeError)


def test_old_except_clauses_still_catch_what_the_package_raises(tmp_path):
    import pandas as pd

    from analysis.data import read_table
    from analysis.series import counts
    from analysis.sources.fetch import ucdp

    bad = tmp_path / "bad.csv"
    bad.write_text("incident_id,date\nx,y\n", encoding="utf-8")
    raisers = [
        lambda: read_table(bad),  # DataValidationError
        lambda: counts(pd.DataFrame({"date": []}), "fortnight"),  # ParameterError
        lambda: Policy(retries=-1),  # ParameterError
        lambda: ucdp.file_for("latest"),  # ParameterError
    ]
    for raiser in raisers:
        try:
            raiser()
        except ValueError as exc:
            assert isinstance(exc, EscalationError)
        else:
            pytest.fail("no error raised")
    for exc in (DownloadError("x"), VerificationError("x"), CredentialsError("x"), SiteLocked("x")):
        try:
            raise exc
        except RuntimeError as caught:
            assert caught is exc and str(caught) == "x"


def test_data_errors_say_where():
    err = DataValidationError("t.csv", [Problem(7, "date", "bad"), Problem(3, "governorate", "no")])
    assert (err.path.name, err.line, err.field) == ("t.csv", 3, "governorate")
    assert str(err).startswith("t.csv: 2 problems")
    row = UnreadableRow(12, "unexpected end of data")
    assert (row.line, str(row)) == (12, "unexpected end of data")


def test_the_package_s_own_errors_are_not_retried_though_fetch_errors_are_oserrors():
    calls = []

    def call():
        calls.append(1)
        raise CredentialsError("refused")

    with pytest.raises(CredentialsError, match="refused"):
        with_retries(call, "http://x/", Policy(retries=3, backoff=0), sleep=lambda s: None)
    assert len(calls) == 1


# --- exit codes: one table per command, errors mapped by family ------------------------------

DOCUMENTED = [  # (command, error, code): the README's and the commands' exit-code tables
    ("validate", DataValidationError("x.csv", [Problem(2, "date", "bad")]), 1),
    ("validate", ParameterError("bad freq"), 1),  # counts --freq X: exit 1, as ever
    ("counts", ParameterError("bad freq"), 1),
    ("data", DataError("unused resolution"), 1),
    ("report", ConfigError("bad config"), 2),
    ("report", ParameterError("bad parameter"), 2),
    ("report", SiteLocked("held"), 3),
    ("report", DataError("bad data"), 1),
    ("report", OSError(28, "No space left on device"), 6),  # as for run: cannot write
    ("report", NotADirectoryError(20, "Not a directory"), 6),
    ("run", ConfigError("bad config"), 2),
    ("run", SiteLocked("held"), 3),
    ("run", DataError("bad data"), 4),
    ("run", OSError(28, "No space left on device"), 6),
    ("run", DownloadError("feed down"), 7),  # an OSError, but no failure to write the site
    ("run", ModelInputError("too short"), 1),
    ("fetch", DownloadError("down"), 1),
    ("fetch", VerificationError("bad MD5"), 1),
    ("fetch", CredentialsError("no credentials"), 1),
    ("fetch", ParameterError("--end before --start"), 1),
    ("review", LockedError("another review command holds the lock"), 3),
    ("review", ParameterError("--source-url 'ftp://x': not an http(s) URL"), 2),
    ("review", DataError("candidate refused, the row fails validation"), 1),
]


@pytest.mark.parametrize(("command", "exc", "code"), DOCUMENTED)
def test_each_family_exits_with_its_documented_code(command, exc, code):
    from analysis.errors import exit_code

    assert exit_code(exc, command) == code


def test_the_run_codes_are_declared_once_in_errors():
    from analysis import errors
    from analysis.errors import COMMANDS
    from analysis.report import unattended

    assert unattended.EXIT_CODES is COMMANDS["run"].meanings
    assert unattended.EXIT_CODES == {
        0: "published",
        1: "a brief failed",
        2: "bad config or parameter",
        3: "another run holds the lock",
        4: "data invalid",
        5: "nothing to do",
        6: "cannot write (disk full, permissions)",
        7: "a fetch failed",
    }
    names = ("PUBLISHED", "FAILED", "CONFIG", "LOCKED", "DATA_INVALID", "NOTHING", "IO_ERROR",
             "FETCH_FAILED")  # fmt: skip
    assert [getattr(errors, n) for n in names] == list(range(8))
    assert not hasattr(unattended, "CONFIG") and not hasattr(unattended, "LOCKED")


def test_the_readme_states_the_report_and_run_tables():
    from conftest import ROOT

    from analysis.errors import COMMANDS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    report = COMMANDS["report"].meanings
    assert "Exit codes: " + ", ".join(f"{c} {m}" for c, m in report.items()) + "." in readme
    run = readme[readme.index("Exit codes: **0** published") :].split("\n\n")[0]
    assert [int(c) for c in re.findall(r"\*\*(\d)\*\*", run)] == list(COMMANDS["run"].meanings)


def test_main_maps_what_a_command_stops_on(tmp_path, capsys, monkeypatch):
    from analysis.cli import main
    from analysis.report import runner

    assert main(["counts", "--freq", "fortnight"]) == 1
    assert "error: freq must be one of" in capsys.readouterr().err
    assert main(["report", "--config", str(tmp_path / "none.yml"), "--out", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'none.yml'}: no such config file\n"

    def locked(*args, **kwargs):
        raise SiteLocked("site: another run is publishing")

    monkeypatch.setattr(runner, "run", locked)
    assert main(["report", "--out", str(tmp_path / "site")]) == 3
    assert capsys.readouterr().err == "error: site: another run is publishing\n"
    assert main(["fetch", "ucdp", "--version", "latest", "--out", str(tmp_path)]) == 1
    assert "error: UCDP version 'latest' is not like 25.1" in capsys.readouterr().err

    from analysis.sources.fetch import gdelt

    def down(*args, **kwargs):
        raise DownloadError("cannot read the master file list: refused")

    monkeypatch.setattr(gdelt, "fetch", down)  # an error, not a traceback, and still exit 1
    day = ["--start", "2020-01-01", "--end", "2020-01-01"]
    assert main(["fetch", "gdelt", *day, "--out", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: cannot read the master file list: refused\n"


def test_a_run_logs_the_code_of_what_stopped_it(tmp_path, data_copy, capsys, monkeypatch):
    from analysis.cli import main
    from analysis.report import runner
    from analysis.report.unattended import read_log

    site = tmp_path / "site"
    for exc, code in ((ConfigError("bad entry"), 2), (SiteLocked("held"), 3)):

        def fail(*args, exc=exc, **kwargs):
            raise exc

        monkeypatch.setattr(runner, "run", fail)
        assert main(["run", "--out", str(site), "--data", str(data_copy)]) == code
        assert f"error: {exc}" in capsys.readouterr().err
        assert read_log(site)[-1]["exit_code"] == code
