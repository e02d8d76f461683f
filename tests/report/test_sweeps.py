"""Sweeps: a parameter grid over one notebook, one page per point and one summary page."""

from __future__ import annotations

import base64
import json
import re
import struct

import pytest
from report_helpers import make_project, snapshot, write_notebook

from analysis.report import config as cfg
from analysis.report.html import page_head
from analysis.report.runner import plan, run

#: glues a number that depends on both grid parameters, so each cell of the summary differs
SWEEP_GLUE = (
    "from analysis.report.glue import glue\n"
    "glue('title', f'Point {x} {mode}')\n"
    "glue('headline', f'x is {x}, mode {mode}.')\n"
    "glue('ratio', x * (3 if mode == 'b' else 1) / 4)\n"
    "glue('label', '<b>not bold</b>')"
)


def _sweep_project(tmp_path, grid: str = "{x: [1, 2], mode: [a, b]}"):
    p = make_project(tmp_path)
    nb = write_notebook(
        tmp_path / "notebooks" / "point.ipynb",
        SWEEP_GLUE,
        parameters="x = 1  # a number\nmode = 'a'  # a mode",
    )
    p["config"].write_text(
        p["config"].read_text()
        + "sweeps:\n"
        + "  - name: grid\n"
        + f"    notebook: {nb}\n"
        + f"    grid: {grid}\n"
        + "    pattern: 'p{x}-{mode}'\n"
        + "    values: [ratio, label]\n",
        encoding="utf-8",
    )
    return p


def _write(tmp_path, body: str):
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    nb = tmp_path / "notebooks" / "brief.ipynb"
    if not nb.exists():
        write_notebook(nb, parameters="event_id = 'suleimani_strike'\nwindow_days = 30")
    path = tmp_path / "briefs.yml"
    path.write_text(body.replace("NB", str(nb)), encoding="utf-8")
    return path


def test_all_expands_to_every_event_and_names_follow_the_pattern(tmp_path, data_copy):
    config = _write(
        tmp_path,
        "briefs: []\nsweeps:\n  - name: by_event\n    notebook: NB\n"
        "    grid: {event_id: all, window_days: [14, 30, 60]}\n"
        "    pattern: '{event_id}-{window_days}d'\n    values: [window_rate_ratio]\n",
    )
    events = cfg.event_ids(data_copy)
    [sweep] = cfg.load_sweeps(config)
    points = sweep.expand(events)
    assert len(points) == 3 * len(events) and len(events) > 40
    first = sorted(events)[0]
    assert [b.name for b in points[:3]] == [f"{first}-{d}d" for d in (14, 30, 60)]
    assert points[0].parameters == {"event_id": first, "window_days": 14}
    assert {b.sweep for b in points} == {"by_event"}
    planned = plan(config, site=tmp_path / "site", data_dir=data_copy)
    assert len(planned.decisions) == 3 * len(events)
    assert all(d.build and d.reasons == ["never built"] for d in planned.decisions)
    # each point has its own key
    assert len({d.key for d in planned.decisions}) == len(planned.decisions)


@pytest.mark.parametrize(
    "sweep, message",
    [
        ("grid: {window_days: [14]}\n    pattern: 'w'", "must name every grid parameter"),
        ("grid: {window_days: [14]}\n    pattern: 'w{days}'", "unknown days"),
        ("grid: {window_days: all}\n    pattern: 'w{window_days}'", "'all' is for an event"),
        ("grid: {window_days: []}\n    pattern: 'w{window_days}'", "non-empty list"),
        ("grid: {window_days: [[1]]}\n    pattern: 'w{window_days}'", "text or a number"),
        ("grid: {window_days: [14, 14]}\n    pattern: 'w{window_days}'", "a value twice"),
        ("grid: {window_days: [14]}\n    pattern: 'W {window_days}'", "not a page name"),
        ("grid: {window_days: [14]}\n    pattern: 'a'\n    bogus: 1", "unknown key(s): bogus"),
        ("grid: {window_days: ['14']}\n    pattern: 'w{window_days}'", "must be int"),
        ("grid: {event_id: [nope]}\n    pattern: 'e{event_id}'", "unknown event_id 'nope'"),
    ],
)
def test_a_bad_sweep_is_named_before_anything_runs(tmp_path, data_copy, sweep, message):
    config = _write(
        tmp_path,
        "briefs: []\nsweeps:\n  - name: s\n    notebook: NB\n"
        f"    {sweep}\n    values: [window_rate_ratio]\n",
    )
    with pytest.raises(cfg.ConfigError, match=re.escape(message)) as err:
        plan(config, site=tmp_path / "site", data_dir=data_copy)
    assert str(config) in str(err.value)
    assert not (tmp_path / "site").exists()


def test_a_point_named_like_a_brief_is_refused(tmp_path, data_copy):
    config = _write(
        tmp_path,
        "briefs:\n  - name: w14\n    notebook: NB\nsweeps:\n  - name: s\n    notebook: NB\n"
        "    grid: {window_days: [14, 30]}\n    pattern: 'w{window_days}'\n"
        "    values: [window_rate_ratio]\n",
    )
    with pytest.raises(cfg.ConfigError, match="point 'w14' has the name of brief 'w14'"):
        plan(config, site=tmp_path / "site", data_dir=data_copy)


def _house_head(page: str) -> str:
    """A page's head with what each page sets on its own (title, description, feed link, its
    own style rules after the house stylesheet) blanked."""
    head = page[: page.index("</head>")]
    head = re.sub(r"<title>.*?</title>", "<title></title>", head, flags=re.S)
    head = re.sub(r'<meta name="description" content="[^"]*">', "<meta description>", head)
    head = re.sub(r'<link rel="alternate"[^>]*>\n', "", head)
    return head[: head.index("<style>")] + head[head.index("</style>") :]


def test_a_sweep_publishes_each_point_and_a_summary(tmp_path):
    p = _sweep_project(tmp_path)
    report = run(p["config"], site=p["site"], data_dir=p["data"], only=["grid"])
    names = ["p1-a", "p1-b", "p2-a", "p2-b"]
    assert sorted(report.built) == names, report.failed
    site = p["site"]
    manifest = json.loads((site / "manifest.json").read_text())
    assert manifest["briefs"]["p2-b"]["values"]["ratio"] == 1.5
    assert manifest["sweeps"]["grid"]["points"] == 4
    summary = (site / "grid.html").read_text()
    # the table: one row per point, its value, a link to its page; outside text escaped
    for name, ratio in zip(names, ["0.25", "0.75", "0.5", "1.5"], strict=True):
        row = rf'href="{name}.html"[^>]*>[^<]*</a></td>(<td>[^<]*</td>)*<td class="num">{ratio}<'
        assert re.search(row, summary), name
    assert "&lt;b&gt;not bold&lt;/b&gt;" in summary and "<b>not bold</b>" not in summary
    png = re.search(r'src="data:image/png;base64,([^"]+)" alt="([^"]+)"', summary)
    assert base64.b64decode(png.group(1)).startswith(b"\x89PNG")
    assert "Heatmap of ratio across 2 values of x" in png.group(2)
    # drawn at 2x, like every chart of the site, and sized to its CSS size
    natural = struct.unpack(">II", base64.b64decode(png.group(1)[:64])[16:24])
    tag = re.search(r"<img\b[^>]*>", summary)[0]
    css = (int(re.search(r'width="(\d+)"', tag)[1]), int(re.search(r'height="(\d+)"', tag)[1]))
    assert all(abs(n - 2 * c) <= 2 for n, c in zip(natural, css, strict=True)), (natural, css)
    index = (site / "index.html").read_text()
    assert 'href="grid.html"' in index and 'href="p1-a.html"' not in index
    assert "p1-a.html" not in (site / "feed.xml").read_text()  # points stay out of the feed
    # the summary, the index and the site's own pages have the one house head (page_head)
    house = _house_head(page_head("t", "d", style="s"))
    for page in ("grid.html", "index.html", "archive.html"):
        text = (site / page).read_text()
        assert _house_head(text) == house, page
        assert text.count("<head>") == 1 and text.index("<style>\n/* The one stylesheet") > 0
    assert all((site / f"{n}.html").is_file() for n in names)

    # incremental per point: nothing changed, nothing built; a new grid value builds its points
    again = run(p["config"], site=site, data_dir=p["data"], only=["grid"])
    assert again.built == []
    before = snapshot(site)
    p["config"].write_text(
        p["config"].read_text().replace("{x: [1, 2], mode: [a, b]}", "{x: [1, 2, 3], mode: [a]}")
    )
    third = run(p["config"], site=site, data_dir=p["data"], only=["grid"])
    assert sorted(third.built) == ["p3-a"]
    summary = (site / "grid.html").read_text()
    assert summary != before["grid.html"].decode()
    assert 'href="p3-a.html"' in summary and 'href="p1-b.html"' not in summary
