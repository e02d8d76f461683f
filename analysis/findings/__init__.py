"""Findings: one pre-specified answer per event to "what did it do to the tempo of attacks?".

Every page that states an event's effect reads it from here, so the same event gets the same
figure, grade and sentence everywhere: :func:`evaluate` (one period, all its events fitted
jointly), :func:`campaign_findings` (every campaign, for the build), :func:`write_findings`,
:func:`sentence`. Modules: ``evaluation`` (the analysis), ``grades`` (verdicts and feasible
intervals), ``words`` (sentences), ``campaigns`` (the build's table and files),
``store`` (that table computed once per data and code version, read by every page: :func:`table`).
"""

from analysis.findings.campaigns import campaign_findings, method_constants, write_findings
from analysis.findings.evaluation import COLUMNS, FindingsResults, check_options, evaluate
from analysis.findings.grades import GRADES
from analysis.findings.store import FINDINGS_ENV, table
from analysis.findings.words import sentence

__all__ = [
    "COLUMNS",
    "GRADES",
    "FINDINGS_ENV",
    "FindingsResults",
    "campaign_findings",
    "check_options",
    "evaluate",
    "method_constants",
    "sentence",
    "table",
    "write_findings",
]
