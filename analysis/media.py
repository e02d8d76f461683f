"""Media types that a brief's kernel and the page exporter agree on, importable without the
charting stack (a worker that only exports pages never imports matplotlib or pandas)."""

from __future__ import annotations

#: the MIME type under which a displayed chart carries the numbers it shows (a tidy CSV, from
#: :func:`analysis.charts.chart_data`) for the page's downloads; nbconvert renders no output of
#: this type
DATA_MIME = "application/vnd.escalation.chart-data+json"
