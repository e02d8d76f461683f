"""Every results object has the one shape of :class:`analysis.results.Results`: a dataclass whose
fields are declared once, each with its type and a one-line meaning, built whole by the function
that computes it (no hand-written ``__init__``, nothing added after construction).

The classes are found, not listed: every module of the package is imported and every concrete
subclass of ``Results`` checked, so a results class added later is covered without editing
this file.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES

import analysis
from analysis.results import Results, attr

#: (class, check) pairs that fail because the class is still being converted elsewhere
#: (temporary: each entry goes when its module's rewrite lands; the test then passes for it)
PENDING: dict[tuple[str, str], str] = {}


def _import_everything() -> None:
    """Import every module of the package: analysis.models.*, analysis.sources.reconciliation and
    the rest, so the results classes defined anywhere are subclasses of Results by now."""
    for info in pkgutil.walk_packages(analysis.__path__, "analysis."):
        importlib.import_module(info.name)


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def _results_classes() -> list[type]:
    _import_everything()
    classes = {
        c
        for c in _subclasses(Results)
        if not inspect.isabstract(c) and c.__module__.startswith("analysis.")
    }
    return sorted(classes, key=_name)


def _name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


RESULTS_CLASSES = _results_classes()


def _params(check: str) -> list[object]:
    out = []
    for cls in RESULTS_CLASSES:
        reason = PENDING.get((_name(cls), check))
        marks = [pytest.mark.xfail(reason=reason)] if reason else []
        out.append(pytest.param(cls, id=_name(cls), marks=marks))
    return out


def test_the_package_has_results_classes() -> None:
    names = {_name(c) for c in RESULTS_CLASSES}
    assert {
        "analysis.models.its.ITSResults",
        "analysis.models.windows.WindowsResults",
        "analysis.models.changepoints.ChangepointResults",
        "analysis.models.hawkes.HawkesResults",
        "analysis.models.counterfactual.CounterfactualResults",
        "analysis.sources.reconciliation.ReconcileResults",
    } <= names


@pytest.mark.parametrize("cls", _params("fields"))
def test_results_class_is_a_dataclass_of_documented_fields(cls: type) -> None:
    # decorated itself (not merely inheriting the base's dataclass machinery)
    assert "__dataclass_params__" in vars(cls), f"{_name(cls)} is not a @dataclass"
    fields = dataclasses.fields(cls)
    assert fields, f"{_name(cls)} declares no fields"
    undocumented = [f.name for f in fields if not str(f.metadata.get("doc", "")).strip()]
    assert not undocumented, f"{_name(cls)}: fields without a meaning (attr(doc)): {undocumented}"
    multiline = [f.name for f in fields if "\n" in f.metadata["doc"]]
    assert not multiline, f"{_name(cls)}: meanings must be one line: {multiline}"
    described = cls.describe()
    assert list(described["field"]) == [f.name for f in fields]
    assert described["meaning"].str.len().gt(0).all()


@pytest.mark.parametrize("cls", _params("init"))
def test_results_class_has_only_the_dataclass_init(cls: type) -> None:
    for klass in cls.__mro__:
        init = vars(klass).get("__init__")
        if init is None or klass is object:
            continue
        generated = (
            "__dataclass_params__" in vars(klass)
            and vars(klass)["__dataclass_params__"].init
            and init.__code__.co_filename == "<string>"  # written by dataclasses, not by hand
            and init.__qualname__ == f"{klass.__qualname__}.__init__"
        )
        assert generated, f"{_name(klass)} defines __init__ by hand"
    init_fields = [f.name for f in dataclasses.fields(cls) if f.init]
    assert list(inspect.signature(cls).parameters) == init_fields


@pytest.mark.parametrize("cls", _params("plot"))
def test_plot_takes_the_axes_then_keyword_options(cls: type) -> None:
    """Every results object draws with ``plot(ax=None, *, ...)`` and returns an Axes (the one
    vocabulary of analysis/models/README.md)."""
    sig = inspect.signature(cls.plot)
    params = list(sig.parameters.values())[1:]
    assert params and params[0].name == "ax" and params[0].default is None, sig
    assert all(p.kind is p.KEYWORD_ONLY for p in params[1:]), sig


def test_a_results_class_without_to_frame_cannot_be_instantiated() -> None:
    @dataclasses.dataclass(repr=False, eq=False)
    class NoTable(Results):
        title = "No table"

        n: int = attr("a count, attacks")

        def summary(self) -> str:
            return "nothing"

        def plot(self, ax=None):
            return ax

    assert inspect.isabstract(NoTable)
    with pytest.raises(TypeError, match="to_frame"):
        NoTable(n=1)


# ------------------------------------------------------------------ built results hold their fields


def _examples() -> dict[str, object]:
    from analysis.models import (
        backtest,
        changepoints,
        counterfactual,
        hawkes,
        its,
        outlook,
        windows,
    )
    from analysis.sources import acled, reconcile

    rng = np.random.default_rng(7)
    daily_index = pd.date_range("2020-01-01", periods=280, freq="D")
    rate = np.where(daily_index < "2020-06-01", 0.5, 1.5)
    daily = pd.Series(rng.poisson(rate).astype(float), index=daily_index)
    weekly = daily.resample("W-MON", label="left", closed="left").sum()
    times = hawkes.simulate(0.5, 0.3, 1.0, start="2020-01-01", end="2020-04-01", seed=3)
    feed = acled.load(FIXTURES / "acled_iraq_sample.csv")
    return {
        "its": its.fit(weekly, events={"step": "2020-06-01"}),
        "windows": windows.compare(daily, events={"step": "2020-06-01"}, days=14),
        "changepoints": changepoints.detect(weekly, events={"step": "2020-06-01"}),
        "hawkes": hawkes.fit(times, start="2020-01-01", end="2020-04-01"),
        "counterfactual": counterfactual.fit(weekly, "2020-06-01", n_samples=100, param_draws=0),
        "outlook": outlook.forecast(weekly, model="nb", n_samples=100),
        "backtest": backtest.backtest(
            weekly, start=weekly.index[30], models=("nb", "climatology"), step=3, n_samples=100
        ),
        "reconcile": reconcile(feed.drop(columns=["source_dataset"]), feed),
    }


def test_model_frames_name_estimate_interval_and_p_value_alike() -> None:
    """``to_frame()`` calls a model's estimate, its 95% interval and p-value by one set of names."""
    frames = {name: r.to_frame() for name, r in _examples().items()}
    for name in ("its", "windows", "changepoints", "counterfactual"):
        assert {"estimate", "low", "high"} <= set(frames[name].columns), name
        for old in (
            "rate_ratio",
            "level_rr",
            "level_low",
            "rate_low",
            "effect_low",
            "p",
            "level_p",
        ):
            assert old not in frames[name].columns, (name, old)
    for name in ("its", "windows"):
        assert "p_value" in frames[name].columns, name


def test_built_results_hold_exactly_their_declared_fields() -> None:
    """Nothing is added to a results object after construction: its attributes are its fields."""
    for name, result in _examples().items():
        assert isinstance(result, Results), name
        declared = {f.name for f in dataclasses.fields(result)}
        assert set(vars(result)) == declared, (name, set(vars(result)) ^ declared)
        assert isinstance(result.to_frame(), pd.DataFrame), name
        assert result.summary() and str(result) == result.summary(), name
