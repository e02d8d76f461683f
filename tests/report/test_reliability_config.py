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
    CHOICES,
    MAX_CONFIG_BYTES,
    ConfigError,
    check_parameters,
    declared_parameters,
    load_config,
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
    nb = write_notebook(p["root"] / "notebooks" / "v.ipynb", MARK, parameters=PARAMETERS)
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
    nb = write_notebook(p["root"] / "notebooks" / "v.ipynb", parameters=PARAMETERS)
    declared = declared_parameters(nb)
    for name, value in GOOD_VALUES:
        write_config(p["config"], {"v": (nb, {name: value})})
        (brief,) = load_config(p["config"])
        check_parameters(brief, declared, {"suleimani_strike"}, config=p["config"])


def test_the_vocabularies_are_the_packages_own():
    from analysis.models import changepoints, counterfactual, its

    assert tuple(CHOICES["freq"].values()) == tuple(dict.fromkeys(FREQ_ALIASES.values()))
    assert tuple(CHOICES["confirmation"].values()) == CONFIRMATIONS
    assert tuple(CHOICES["family"].values()) == its.FAMILIES
    assert tuple(CHOICES["penalty"].values()) == changepoints.PENALTY_NAMES
    assert tuple(CHOICES["locate"].values()) == changepoints.LOCATE_NAMES
    assert tuple(CHOICES["model"].values()) == counterfactual.MODELS


def test_the_shipped_config_passes(capsys):
    from analysis.paths import DEFAULT_CONFIG, data_dir
    from analysis.report.config import event_ids

    events = event_ids(data_dir())
    for brief in load_config(DEFAULT_CONFIG):
        check_parameters(brief, declared_parameters(brief.notebook), events, config=DEFAULT_CONFIG)
