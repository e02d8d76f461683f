"""The event brief's checks in words: possible figures only, and agreement with the primary
figure by direction and overlapping intervals."""

from __future__ import annotations

import math

from analysis.briefs.event_findings import (
    agreement,
    excess_phrase,
    figure_attributes,
    ratio_phrase,
)
from analysis.findings import words as findings_words
from analysis.findings.words import estimate_repr

NAN = math.nan


def test_a_ratio_reads_as_a_figure_a_bound_or_not_at_all():
    of = "the rate before"
    assert (
        ratio_phrase(2.4, 0.79, 8.7, of) == "2.4 times the rate before (95% interval 0.79 to 8.7)"
    )
    # no attack after: only an upper bound
    assert (
        ratio_phrase(NAN, 0.0, 0.33, of)
        == "fewer than 0.33 times the rate before (95% upper bound)"
    )
    # an interval wider than a factor of 100 below 1 keeps only its informative end
    assert ratio_phrase(0.1, 0.0001, 0.5, of).startswith("fewer than 0.5 times")
    assert ratio_phrase(30.0, 2.0, 900.0, of).startswith("more than 2 times")
    # across 1 and too wide, or not finite: no number at all
    for fig in ((1.0, 0.001, 50.0), (math.inf, 2.0, math.inf), (0.0, 0.0, 3.0), (NAN, NAN, NAN)):
        assert ratio_phrase(*fig, of) == "cannot be pinned down", fig
    for fig in ((0.0, 0.0, 0.4), (math.inf, 1.0, math.inf), (1e-9, 1e-12, 1e-3)):
        text = ratio_phrase(*fig, of)
        assert "x0" not in text and "inf" not in text and "e-" not in text, text
        assert "than under" not in text and "than over" not in text, text


def test_excess_attacks_never_read_as_negative_counts():
    assert excess_phrase(-2.0, -4.7, 10.0) == (
        "about 2 fewer attacks than expected (95% interval 4.7 fewer to 10 more)"
    )
    assert excess_phrase(7.2, 0.96, 11.0) == (
        "about 7.2 more attacks than expected (95% interval 0.96 more to 11 more)"
    )
    assert "-" not in excess_phrase(-30.0, -111.0, -0.2)


def test_a_check_agrees_when_it_points_the_same_way_and_the_intervals_overlap():
    primary = (1.35, 0.11, 17.0)
    assert agreement(primary, (2.4, 0.79, 8.7)) == "agrees"
    assert agreement(primary, (0.96, 0.25, 3.6)) == "agrees"  # near 1: points no way
    assert agreement(primary, (0.74, 0.047, 12.0)) == (
        "differs: a fall here, a rise in the primary figure"
    )
    assert agreement((2.0, 1.5, 3.0), (1.2, 1.05, 1.4)) == (
        "differs: the two intervals do not overlap"
    )
    assert agreement((2.0, 1.5, 3.0), (0.3, 0.1, 0.5)) == (
        "differs: a fall here, a rise in the primary figure; the two intervals do not overlap"
    )
    # an upper bound (no attack after) is a fall, open below
    assert agreement((NAN, 0.0, 0.5), (0.3, 0.1, 0.6)) == "agrees"
    assert agreement((NAN, 0.0, 0.5), (3.0, 1.5, 6.0)).startswith("differs: a rise here")
    # excess attacks point around 0
    assert agreement((-3.5, -8.8, 7.0), (-28.0, -66.0, -4.5), centre=0.0) == "agrees"
    assert agreement(None, (2.4, 0.79, 8.7)) == "—" and agreement(primary, None) == "—"


def test_the_figures_attributes_spell_the_estimate_as_findings_csv_does():
    assert estimate_repr(1.3522986352129238) == "1.3522986352129238"
    assert estimate_repr(NAN) == "" and estimate_repr(None) == ""
    assert "data-estimate" not in findings_words.figure_attributes("iri_campaign_start", NAN)
    row = {"event_id": "a<b", "estimate": 0.5}
    assert figure_attributes(row) == ' data-event="a&lt;b" data-estimate="0.5"'
