"""axe-core for the browser tests: installed once from npm (a pinned version, cached under
``.venv/``), run on a page the harness loaded, its WCAG 2.1 A/AA violations returned.

The script is evaluated through DevTools (no ``<script>`` element is added, no network), so a
page stays script-free as far as its own markup is concerned.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from browser import ROOT, Browser, in_ci

#: the pinned axe-core release (npm); a new pin installs into a new cache folder
AXE_VERSION = "4.10.3"
#: the rule tags checked: WCAG 2.0 and 2.1, levels A and AA
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_source(cache: Path | None = None) -> str:
    """The text of ``axe.min.js``, installed with npm into ``cache`` (default
    ``.venv/axe-core-<pin>``) on first use; skips the caller without npm, fails it under CI."""
    import pytest

    folder = cache or ROOT / ".venv" / f"axe-core-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            message = "npm is not installed: axe-core cannot be fetched"
            if in_ci():
                pytest.fail(f"{message}, and CI must run the accessibility tests")
            pytest.skip(message)
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            [npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(folder)]
            + [f"axe-core@{AXE_VERSION}"],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "npm_config_update_notifier": "false"},
        )
        if done.returncode != 0 or not script.exists():
            pytest.fail(f"npm install axe-core@{AXE_VERSION} failed:\n{done.stderr[-2000:]}")
    return script.read_text(encoding="utf-8")


@dataclass(frozen=True)
class Violation:
    """One axe rule a page breaks: the rule, its impact, how many nodes, the first node."""

    rule: str
    impact: str
    nodes: int
    target: str
    html: str

    def __str__(self) -> str:
        return f"{self.rule} ({self.impact}, {self.nodes} nodes), first: {self.target} {self.html}"


RUN = """(async () => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: %s},
                                          resultTypes: ['violations']});
  return result.violations.map(v => ({rule: v.id, impact: v.impact || '', nodes: v.nodes.length,
    target: JSON.stringify(v.nodes[0].target), html: v.nodes[0].html.slice(0, 200)}));
})()"""


def set_width(browser: Browser, width: int, height: int = 900) -> None:
    """Lay pages out ``width`` CSS pixels wide (until :func:`reset_width`)."""
    browser.call(
        "Emulation.setDeviceMetricsOverride",
        width=width,
        height=height,
        deviceScaleFactor=1,
        mobile=False,
    )


def reset_width(browser: Browser) -> None:
    browser.call("Emulation.clearDeviceMetricsOverride")


def violations(browser: Browser, source: str) -> list[Violation]:
    """axe-core's WCAG 2.1 A/AA violations on the page ``browser`` shows."""
    browser.evaluate(source + "\n;0")
    found = browser.evaluate_async(RUN % WCAG_TAGS, timeout=120)
    return [Violation(**v) for v in found]
