"""Briefs never see each other's state: two briefs run one after the other on one worker."""

from __future__ import annotations

import json

import pytest
from report_helpers import make_project, write_config, write_notebook

from analysis.report.runner import run

#: the first brief leaves a variable, a changed module attribute and an environment variable
LEAVE = (
    "secret = 'from the first brief'\n"
    "import os, analysis\n"
    "analysis._left_behind = True\n"
    "os.environ['ESCALATION_LEFT_BEHIND'] = '1'\n"
    "from analysis.report.glue import glue\n"
    "glue('title', 'first')\nglue('headline', 'left things behind')"
)
#: the second records what it can see of them
LOOK = (
    "import sys\nwarm = 'statsmodels.api' in sys.modules  # imported by a warm forge only\n"
    "import os, analysis\n"
    "from analysis.report.glue import glue\n"
    "glue('title', 'second')\nglue('headline', 'looked')\n"
    "glue('seen', ['secret' in globals(), hasattr(analysis, '_left_behind'),\n"
    "              'ESCALATION_LEFT_BEHIND' in os.environ])\n"
    "glue('warm', warm)"
)


@pytest.mark.parametrize("kernels", ["warm", "fresh"])
def test_two_briefs_on_one_worker_cannot_see_each_others_variables(tmp_path, kernels):
    """On warm kernels both are forked from one forge, in turn; on fresh ones each is a new
    Python. The second sees nothing of the first, and (warm) did not import what it uses."""
    p = make_project(tmp_path)
    first = write_notebook(p["root"] / "notebooks" / "first.ipynb", LEAVE)
    second = write_notebook(p["root"] / "notebooks" / "second.ipynb", LOOK)
    config = write_config(p["root"] / "iso.yml", {"first": (first, {}), "second": (second, {})})
    report = run(config, site=p["site"], data_dir=p["data"], jobs=1, kernels=kernels)
    assert sorted(report.built) == ["first", "second"], report.failed
    seen = report.outcomes["second"].glued["seen"]
    assert seen == [False, False, False]
    assert report.outcomes["second"].glued["warm"] == (kernels == "warm")
    manifest = json.loads((p["site"] / "manifest.json").read_text())
    assert manifest["briefs"]["second"]["headline"] == "looked"
