"""Where the project's files live, resolved without importing anything heavy.

:func:`data_dir` is ``$ESCALATION_DATA_DIR`` when set (read at each call, not at import: a
kernel forked from a warm process that imported this module still reads its own brief's folder),
else ``data/`` at the project root. ``DATA_FILES`` are the curated tables every notebook reads
and the case file beside them; their hashes are part of each brief's build key.
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: the environment variable naming the data folder (the report runner sets it for each kernel)
DATA_DIR_ENV = "ESCALATION_DATA_DIR"


def data_dir() -> Path:
    """The data folder: ``$ESCALATION_DATA_DIR`` when set, else ``data/`` at the project root."""
    return Path(os.environ.get(DATA_DIR_ENV) or ROOT / "data")


#: the curated tables every notebook reads
TABLE_FILES = ("incidents.csv", "political_events.csv", "attack_counts_reported.csv")
#: the tables and the case file beside them (``case.yml``: vocabularies, areas, campaigns, ...)
CASE_FILE = "case.yml"
DATA_FILES = (*TABLE_FILES, CASE_FILE)
#: set by the report runner: a file to which each data file read is appended (one path a line),
#: so a brief's build key covers exactly the data files its notebook read
RECORD_READS_ENV = "ESCALATION_RECORD_READS"
#: the briefs config and the site folder the ``report``, ``run`` and ``runs`` commands default to
DEFAULT_CONFIG = ROOT / "reports" / "briefs.yml"
DEFAULT_SITE = ROOT / "reports" / "site"
#: set by the report runner: the site's folder of stored forecasts (``<site>/forecasts``), which
#: the outlook notebook scores earlier editions' forecasts from
FORECASTS_DIR_ENV = "ESCALATION_FORECASTS_DIR"
#: the site's page of the findings' method (``docs/findings_method.md``), which pages link
FINDINGS_METHOD_PAGE = "findings_method.html"
#: the site's codebook page (``data/README.md``) and its methods in plain words
#: (``docs/methods.md``; a term's section is ``methods.html#<term>``), which pages link
CODEBOOK_PAGE = "codebook.html"
METHODS_PAGE = "methods.html"
#: set by the runner for every kernel: the path of this build's findings table (findings.csv)
FINDINGS_ENV = "ESCALATION_FINDINGS"
