"""One error family: every error class of ``analysis`` is an EscalationError, and is still caught
by the ``except`` clauses (ValueError, RuntimeError) its callers wrote before the family."""

from __future__ import annotations

import importlib
import pkgutil

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
