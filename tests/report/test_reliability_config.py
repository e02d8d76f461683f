"""A briefs config cannot blow up, reach outside the project or smuggle values into a kernel.

YAML anchors and aliases are refused at once (a billion-laughs config exits 2 in well under a
second); only notebooks inside the project's ``notebooks/`` run, and an error never shows a file's
content; parameters with a closed vocabulary and every text parameter are checked before any
kernel starts (exit 2, nothing written to the site).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from report_helpers import write_notebook

from analysis.cli import main
from analysis.data.vocabulary import CONFIRMATIONS
from analysis.report.config import (
    MAX_CONFIG_BYTES,
    RESERVED_NAMES,
    ConfigError,
    check_parameters,
    declared_parameters,
    event_ids,
    expand_sweeps,
    load_config,
    load_sweeps,
)
from analysis.series import FREQ_ALIASES

SECRET = "TOP-SECRET-CONTENT-4242"


def write_config(path: Path, entries: dict[str, tuple[Path, dict]]) -> Path:
    """A config with each value written as JSON (valid YAML), so control characters arrive as
    the characters themselves."""
    lines = ["briefs:"]
    for name, (notebook, params) in entries.items():
        lines += [f"  - name: {name}", f"    notebook: {json.dumps(str(notebook))}"]
        lines += ["    parameters:"] + [f"      {k}: {json.dumps(v)}" for k, v in params.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _report(p: dict, config: Path | None = None) -> int:
    config = config or p["config"]
    return main(["report", "--config", str(config), "--out", str(p["site"]),
                 "--data", str(p["data"])])  # fmt: skip


# --- YAML anchors and aliases --------------------------------------------------------------


def _laughs(levels: int = 9) -> str:
    """A billion laughs nested in a parameter: 9 ** 9 "lol"s from about 500 bytes."""
    rows = ["      - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        rows.append(f"      - &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "briefs:\n  - name: a\n    notebook: notebooks/a.ipynb\n    parameters:\n      x:\n" + (
        "\n".join(rows) + "\n"
    )


def test_a_billion_laughs_config_exits_2_at_once(project, capsys):
    p = project
    bomb = p["root"] / "bomb.yml"
    bomb.write_text(_laughs(), encoding="utf-8")
    assert len(bomb.read_bytes()) < 600
    start = time.perf_counter()
    code = _report(p, bomb)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert code == 2, err
    assert seconds < 5, seconds
    assert f"{bomb}: line 6: YAML anchors and aliases" in err
    assert not p["site"].exists()


def test_run_refuses_it_too_and_publishes_nothing(project, capsys):
    p = project
    bomb = p["root"] / "bomb.yml"
    bomb.write_text(_laughs(), encoding="utf-8")
    code = main(["run", "--config", str(bomb), "--out", str(p["site"]), "--data", str(p["data"])])
    assert code == 2
    assert "anchors and aliases" in capsys.readouterr().err
    assert sorted(f.name for f in p["site"].iterdir()) == ["runs.jsonl"]  # only the log line


@pytest.mark.parametrize(
    "text",
    [
        "briefs:\n  - &b {name: a, notebook: notebooks/a.ipynb}\n",  # an anchor alone
        "defaults: &d {x: 1}\nbriefs:\n  - {name: a, notebook: notebooks/a.ipynb, parameters: *d}",
        "briefs:\n  - name: a\n    notebook: notebooks/a.ipynb\n    parameters:\n"
        "      <<: {x: 1}\n      y: &y 2\n",
    ],
)
def test_any_anchor_or_alias_is_refused(project, text):
    path = project["root"] / "briefs.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match="anchors and aliases") as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_an_oversized_or_undecodable_config_is_a_config_error(project, capsys):
    p = project
    big = p["root"] / "big.yml"
    big.write_text("briefs: []\n" + "#" * MAX_CONFIG_BYTES + "\n", encoding="utf-8")
    assert _report(p, big) == 2
    assert f"{big}: larger than" in capsys.readouterr().err
    latin = p["root"] / "latin.yml"
    latin.write_bytes(b"briefs:\n  - name: a\n    title: caf\xe9\n")
    assert _report(p, latin) == 2
    assert f"{latin}: line 3: byte 0xE9 is not UTF-8" in capsys.readouterr().err
    deep = p["root"] / "deep.yml"
    nested = "[" * 50_000 + "]" * 50_000
    deep.write_text("briefs:\n  - {name: a, parameters: {x: " + nested + "}}\n", "utf-8")
    assert _report(p, deep) == 2
    assert f"{deep}: values nested too deeply" in capsys.readouterr().err
    assert not p["site"].exists()


# --- notebooks outside notebooks/ ----------------------------------------------------------


def _outside_cases(root: Path) -> dict[str, str]:
    """Notebook entries that must not run, by what they try (each file holds SECRET)."""
    outside = write_notebook(root / "outside.ipynb", f"print('{SECRET}')")
    (root / "notebooks" / "link.ipynb").symlink_to(outside)
    (root / "notebooks" / "notes.txt").write_text(SECRET, encoding="utf-8")
    (root / "notebooks" / "sub").mkdir()
    return {
        "absolute": str(outside),
        "dot-dot": "notebooks/../outside.ipynb",
        "passwd": "../../../../../../../../etc/passwd",
        "absolute passwd": "/etc/passwd",
        "symlink out": "notebooks/link.ipynb",
        "not a notebook": "notebooks/notes.txt",
        "dot-dot from a subfolder": "notebooks/sub/../../outside.ipynb",
    }


def test_only_notebooks_in_notebooks_run_and_nothing_is_echoed(project, capsys):
    p = project
    for what, entry in _outside_cases(p["root"]).items():
        p["config"].write_text(
            f"briefs:\n  - name: sneaky\n    notebook: {entry}\n", encoding="utf-8"
        )
        assert _report(p) == 2, what
        err = capsys.readouterr().err
        assert f"{p['config']}: brief 'sneaky': notebook" in err, what
        assert "only .ipynb files in" in err and str(p["root"] / "notebooks") in err, what
        assert SECRET not in err and "root:" not in err, what
        assert not p["site"].exists(), what


def test_a_notebook_inside_notebooks_still_runs_by_any_spelling(project):
    p = project
    for entry in ("notebooks/a.ipynb", "notebooks/sub/../a.ipynb", str(p["a"])):
        (p["root"] / "notebooks" / "sub").mkdir(exist_ok=True)
        p["config"].write_text(f"briefs:\n  - name: a\n    notebook: {entry}\n", "utf-8")
        assert load_config(p["config"])[0].notebook == p["a"].resolve()


def test_a_notebook_that_is_not_json_is_refused_without_its_content(project, capsys):
    p = project
    bad = p["root"] / "notebooks" / "broken.ipynb"
    bad.write_text(f"{SECRET}\nnot json at all", encoding="utf-8")
    p["config"].write_text("briefs:\n  - name: x\n    notebook: notebooks/broken.ipynb\n", "utf-8")
    assert _report(p) == 2
    err = capsys.readouterr().err
    assert f"{bad}: not a notebook that can be read" in err
    assert SECRET not in err
    with pytest.raises(ConfigError):
        declared_parameters(bad)


# --- parameter values ----------------------------------------------------------------------

PARAMETERS = """freq = "W-MON"
confirmation = "confirmed"  # type: str|list
family = "quasipoisson"
penalty = "bic"
locate = "mle"
model = "ucm"
label = "x"
event_ids = []
"""
#: the checks the notebook declares beside its parameters (in the parameters cell's metadata)
CHECKS = {
    "freq": {"one_of": "analysis.series:FREQS"},
    "confirmation": {
        "one_of": "analysis.data.vocabulary:CONFIRMATIONS",
        "also": ["all"],
        "lists": True,
    },
    "family": {"one_of": "analysis.models.its:FAMILIES"},
    "penalty": {"one_of": "analysis.models.changepoints:PENALTY_NAMES"},
    "locate": {"one_of": "analysis.models.changepoints:LOCATE_NAMES"},
    "model": {"one_of": ["ucm", "sarima"]},
}

#: a cell that proves a kernel ran: it writes a file next to the notebook
MARK = "from pathlib import Path\nPath('KERNEL_RAN').write_text('yes')"

BAD_VALUES = [
    ("freq", "W-MON\nimport os", "must be one line of printable text"),
    ("freq", "Q", "must be one of D, W-MON, MS"),
    ("freq", "week", "must be one of D, W-MON, MS"),
    ("confirmation", "confirmed'); import os; print('", "must be one of confirmed"),
    ("confirmation", ["confirmed", "rumoured"], "or a list of confirmed, claimed, disputed"),
    ("confirmation", [], "or a list of"),
    ("confirmation", ["all"], "or a list of"),
    ("family", "negbin2", "must be one of poisson, quasipoisson, negbin"),
    ("family", "poisson\x00", "U+0000"),
    ("penalty", "bic; rm -rf /", "must be one of bic, aic, mbic"),
    ("locate", "mean", "must be one of mle, median"),
    ("model", "arima", "must be one of ucm, sarima"),
    ("label", "red\x1b[31m", "U+001B"),
    ("label", "a\u2028b", "U+2028"),
    ("label", "x" * 201, "201 characters long; at most 200"),
    ("event_ids", ["suleimani_strike\nx"], "one line of printable text"),
]


@pytest.mark.parametrize("name, value, message", BAD_VALUES)
def test_a_bad_value_is_refused_before_any_kernel(project, capsys, name, value, message):
    p = project
    nb = write_notebook(
        p["root"] / "notebooks" / "v.ipynb", MARK, parameters=PARAMETERS, checks=CHECKS
    )
    write_config(p["config"], {"v": (nb, {name: value})})
    assert _report(p) == 2
    err = capsys.readouterr().err
    assert f"{p['config']}: brief 'v': parameter '{name}'" in err
    assert message in err
    assert not p["site"].exists()
    assert not any(p["root"].rglob("KERNEL_RAN"))


GOOD_VALUES = [
    ("freq", "D"),
    ("freq", "MS"),
    ("confirmation", "all"),
    ("confirmation", "disputed"),
    ("confirmation", ["confirmed", "claimed"]),
    ("family", "negbin"),
    ("penalty", "mbic"),
    ("locate", "median"),
    ("model", "sarima"),
    ("label", "Taji, 11 March 2020 — رشقة صواريخ"),
]


def test_accepted_values_pass(project):
    p = project
    nb = write_notebook(p["root"] / "notebooks" / "v.ipynb", parameters=PARAMETERS, checks=CHECKS)
    declared = declared_parameters(nb)
    for name, value in GOOD_VALUES:
        write_config(p["config"], {"v": (nb, {name: value})})
        (brief,) = load_config(p["config"])
        check_parameters(brief, declared, {"suleimani_strike"}, config=p["config"])


def test_the_vocabularies_are_the_packages_own():
    """Each shipped notebook declares its vocabularies beside its parameters, by reference to
    the constant of the function each feeds: the same parameter name can mean two things."""
    from analysis import params
    from analysis.models import changepoints, counterfactual, its, outlook
    from analysis.paths import ROOT
    from analysis.sources.raw import SOURCES

    nbs = ROOT / "notebooks"
    for nb in nbs.glob("*.ipynb"):
        declared = declared_parameters(nb)
        if "freq" in declared:
            assert declared["freq"].check.values() == tuple(dict.fromkeys(FREQ_ALIASES.values()))
        if "confirmation" in declared:
            assert declared["confirmation"].check.values() == CONFIRMATIONS
        if "source" in declared:
            assert declared["source"].check.values() == SOURCES
    one_of = {
        ("03_interrupted_time_series", "family"): its.FAMILIES,
        ("04_changepoints_and_escalation", "penalty"): changepoints.PENALTY_NAMES,
        ("04_changepoints_and_escalation", "locate"): changepoints.LOCATE_NAMES,
        ("05_counterfactual", "model"): counterfactual.MODELS,
        ("07_outlook", "model"): outlook.MODELS,
    }
    for (nb, name), values in one_of.items():
        assert declared_parameters(nbs / f"{nb}.ipynb")[name].check.values() == values
    outlook_nb = declared_parameters(nbs / "07_outlook.ipynb")
    assert outlook_nb["n_samples"].check.maximum == "analysis.params:MAX_SAMPLES"
    assert params.MAX_SAMPLES == 1_000_000


def _outlook_brief(p: dict, values: dict) -> tuple:
    from analysis.paths import ROOT

    nb = ROOT / "notebooks" / "07_outlook.ipynb"
    config = write_config(p["root"] / "outlook.yml", {"outlook": (nb, values)})
    (brief,) = load_config(config, root=ROOT)
    return brief, declared_parameters(nb), config


@pytest.mark.parametrize("model", ["nb", "auto", "hawkes", "zero"])
def test_the_outlook_takes_its_own_models(project, model):
    """07_outlook's ``model`` is the outlook's (auto, nb, hawkes, ...), not the counterfactual's
    ``ucm, sarima`` that a look-up by name across notebooks gave it."""
    brief, declared, config = _outlook_brief(project, {"model": model, "n_samples": 500})
    check_parameters(brief, declared, set(), config=config)


def test_the_outlook_refuses_another_notebooks_model_and_a_huge_sample(project):
    brief, declared, config = _outlook_brief(project, {"model": "ucm"})
    with pytest.raises(ConfigError) as err:
        check_parameters(brief, declared, set(), config=config)
    assert str(err.value) == (
        f"{config}: brief 'outlook': parameter 'model' must be one of auto, nb, hawkes, "
        "climatology, persistence, zero, got 'ucm'"
    )
    brief, declared, config = _outlook_brief(project, {"n_samples": 10**7})
    with pytest.raises(
        ConfigError, match=r"parameter 'n_samples' must be a finite number <= 1000000"
    ):
        check_parameters(brief, declared, set(), config=config)


def test_the_counterfactual_still_refuses_the_outlooks_model(project):
    from analysis.paths import ROOT

    nb = ROOT / "notebooks" / "05_counterfactual.ipynb"
    config = write_config(project["root"] / "cf.yml", {"cf": (nb, {"model": "nb"})})
    (brief,) = load_config(config, root=ROOT)
    with pytest.raises(
        ConfigError, match="brief 'cf': parameter 'model' must be one of ucm, sarima"
    ):
        check_parameters(brief, declared_parameters(nb), set(), config=config)


def test_a_check_is_read_from_the_notebook_not_by_name(project):
    """A notebook without a declared vocabulary takes any text for ``model`` (its kernel
    decides); a malformed or dangling declaration is a ConfigError naming the notebook."""
    p = project
    nb = write_notebook(p["root"] / "notebooks" / "free.ipynb", parameters='model = "ucm"')
    write_config(p["config"], {"f": (nb, {"model": "anything"})})
    (brief,) = load_config(p["config"])
    check_parameters(brief, declared_parameters(nb), set(), config=p["config"])
    bad = write_notebook(
        p["root"] / "notebooks" / "bad.ipynb", parameters='model = "ucm"', checks={"model": [1]}
    )
    with pytest.raises(ConfigError, match="bad.ipynb: parameters cell: check of 'model'"):
        declared_parameters(bad)
    stray = write_notebook(
        p["root"] / "notebooks" / "stray.ipynb", parameters="x = 1", checks={"y": {"maximum": 3}}
    )
    with pytest.raises(ConfigError, match="checks for undeclared parameter"):
        declared_parameters(stray)
    dangling = write_notebook(
        p["root"] / "notebooks" / "dangling.ipynb",
        parameters='model = "ucm"',
        checks={"model": {"one_of": "analysis.models.outlook:NO_SUCH"}},
    )
    write_config(p["config"], {"d": (dangling, {"model": "ucm"})})
    (brief,) = load_config(p["config"])
    with pytest.raises(ConfigError, match="brief 'd': no NO_SUCH in analysis.models.outlook"):
        check_parameters(brief, declared_parameters(dangling), set(), config=p["config"])


def test_the_shipped_config_passes(capsys):
    from analysis.paths import DEFAULT_CONFIG, data_dir
    from analysis.report.config import event_ids

    events = event_ids(data_dir())
    for brief in load_config(DEFAULT_CONFIG):
        check_parameters(brief, declared_parameters(brief.notebook), events, config=DEFAULT_CONFIG)


# --- sweeps: the grid's size is checked before it is expanded --------------------------------


def test_a_huge_sweep_is_refused_at_once_naming_its_sizes(project, capsys):
    """``event_id: all`` × 400 × 300 (millions of points) exits 2 in well under a second, from
    the product of the axes' sizes, without making a single point."""
    import resource

    p = project
    n_events = len(event_ids(p["data"]))
    config = p["root"] / "sweep.yml"
    config.write_text(
        "briefs: []\nsweeps:\n  - name: huge\n    notebook: notebooks/a.ipynb\n"
        "    grid: {event_id: all, window_days: " + json.dumps(list(range(1, 401)))
        + ", x: " + json.dumps(list(range(300))) + "}\n"
        "    pattern: '{event_id}-{window_days}-{x}'\n    values: [x]\n",
        encoding="utf-8",
    )  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    code = _report(p, config)
    seconds = time.perf_counter() - start
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    err = capsys.readouterr().err
    assert code == 2, err
    assert seconds < 5 and grown_mib < 100, (seconds, grown_mib)
    size = n_events * 400 * 300
    assert (
        f"{config}: sweep 'huge': {size:,} grid points (event_id ({n_events}) × "
        f"window_days (400) × x (300)); at most 2,000"
    ) in err
    assert not p["site"].exists()


# --- reserved names: the site's own pages ------------------------------------------------------


@pytest.mark.parametrize("name", ["index", "review", "findings", "findings_method", "archive"])
def test_a_brief_named_like_a_site_page_is_refused(project, capsys, name):
    p = project
    write_config(p["config"], {name: (p["a"], {})})
    assert _report(p) == 2
    err = capsys.readouterr().err
    assert f"brief '{name}': the name of one of the site's own pages" in err
    assert not p["site"].exists()


def test_a_sweep_point_named_like_a_site_page_is_refused(project):
    p = project
    p["config"].write_text(
        "sweeps:\n  - name: s\n    notebook: notebooks/a.ipynb\n    grid: {x: [index, other]}\n"
        "    pattern: '{x}'\n    values: [x]\n",
        encoding="utf-8",
    )
    sweeps = load_sweeps(p["config"])
    with pytest.raises(ConfigError, match="makes 'index', the name of one of the site's own"):
        expand_sweeps(sweeps, [], set(), config=p["config"])


def test_the_reserved_names_cover_every_file_a_run_publishes(project):
    """Derived from a run: every file or folder at the site's root that is not a brief's page
    is named in RESERVED_NAMES (so a brief cannot take its name)."""
    p = project
    assert _report(p) == 0
    briefs = {"a", "b"}
    own = {
        entry.name.split(".", 1)[0]
        for entry in p["site"].iterdir()
        if entry.name.split(".", 1)[0] not in briefs
    }
    assert own and own <= RESERVED_NAMES, own - RESERVED_NAMES


# --- checks before any kernel: dates in lists, sizes -------------------------------------------


@pytest.mark.parametrize(
    "value, message",
    [
        (["2020-13-45", "yesterday"], "'baseline_breaks' item 1 must be an ISO date (YYYY-MM-DD)"),
        (["2020-10-10", "yesterday"], "'baseline_breaks' item 2 must be an ISO date"),
        ("2020-02-30", "'baseline_breaks' must be an ISO date"),
    ],
)
def test_a_date_in_a_list_parameter_is_checked_before_any_kernel(project, capsys, value, message):
    p = project
    nb = write_notebook(
        p["root"] / "notebooks" / "cp.ipynb",
        MARK,
        parameters='baseline_breaks = ["2020-10-10"]  # type: list|str',
        checks={"baseline_breaks": {"dates": True}},
    )
    write_config(p["config"], {"cp": (nb, {"baseline_breaks": value})})
    assert _report(p) == 2
    err = capsys.readouterr().err
    assert f"brief 'cp': parameter {message}" in err
    assert not any(p["root"].rglob("KERNEL_RAN")) and not p["site"].exists()


def test_the_shipped_notebooks_declare_their_dates_and_spans():
    from analysis import params
    from analysis.paths import ROOT

    nbs = ROOT / "notebooks"
    assert declared_parameters(nbs / "04_changepoints_and_escalation.ipynb")[
        "baseline_breaks"
    ].check.dates
    brief = declared_parameters(nbs / "brief.ipynb")
    assert brief["window_days"].check.maximum == "analysis.params:MAX_DAYS"
    assert params.MAX_DAYS == 36_525 and brief["context_weeks"].check.maximum.endswith("MAX_WEEKS")


@pytest.mark.parametrize("value", [10**30, -(10**30)])
def test_a_huge_whole_number_is_refused_by_the_config_check(project, capsys, value):
    p = project
    nb = write_notebook(p["root"] / "notebooks" / "v.ipynb", MARK, parameters="x = 1  # a number")
    write_config(p["config"], {"v": (nb, {"x": value})})
    assert _report(p) == 2
    assert "parameter 'x' must be a whole number of at most 9,007,199,254,740,992" in (
        capsys.readouterr().err
    )
    assert not any(p["root"].rglob("KERNEL_RAN"))


# --- save_brief: the config's rules by the explorer's door ------------------------------------


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    from analysis.paths import ROOT

    (tmp_path / "reports").mkdir()
    (tmp_path / "notebooks").symlink_to(ROOT / "notebooks")
    path = tmp_path / "reports" / "briefs.yml"
    path.write_bytes((ROOT / "reports" / "briefs.yml").read_bytes())
    return path


@pytest.mark.parametrize(
    "name, parameters, message",
    [
        ("x1", {"event_id: suleimani_strike\n  y": 1}, "a parameter's name must be a Python name"),
        ("x2", {"event_id": "suleimani_strike", "a: b": 1}, "must be a Python name"),
        ("x3", {"event_id": "suleimani_strike", "window_days": 10**30}, "window_days"),
        ("x4", {"event_id": "suleimani_strike", "window_days": 40_000}, "<= 36525"),
        ("index", {"event_id": "taji_attack"}, "the name of one of the site's own pages"),
        ("review", {"event_id": "taji_attack"}, "the name of one of the site's own pages"),
        ("x5\n", {"event_id": "taji_attack"}, "lower-case"),
    ],
)
def test_save_brief_refuses_what_the_config_refuses(shipped_copy, name, parameters, message):
    from analysis.report.entries import save_brief

    before = shipped_copy.read_bytes()
    with pytest.raises(ConfigError, match=message):
        save_brief(shipped_copy, name, "notebooks/brief.ipynb", parameters)
    assert shipped_copy.read_bytes() == before


def test_two_processes_saving_at_once_both_land(shipped_copy):
    """Two processes each save 6 briefs to one config at the same time: all 12 are there."""
    import subprocess
    import sys

    from analysis.paths import ROOT

    code = (
        "import sys; from pathlib import Path; from analysis.report.entries import save_brief\n"
        "for i in range(6):\n"
        "    save_brief(Path(sys.argv[1]), f'p{sys.argv[2]}-{i}', 'notebooks/brief.ipynb',\n"
        "               {'event_id': 'suleimani_strike', 'window_days': 100 + 10 * i"
        " + int(sys.argv[2])})\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", code, str(shipped_copy), str(n)],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for n in (1, 2)
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read()
    names = {b.name for b in load_config(shipped_copy)}
    assert {f"p{n}-{i}" for n in (1, 2) for i in range(6)} <= names
    assert sorted(p.name for p in shipped_copy.parent.iterdir()) == ["briefs.yml"]
