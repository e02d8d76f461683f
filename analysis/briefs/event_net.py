"""The event brief's local joint fit in words: the focus event net of the other events in its
windows and of attacks triggering attacks (:func:`analysis.briefs.event.event_brief`'s ``net_*``
fields). A check of the primary figure (:mod:`analysis.briefs.event_findings`), shown in the
explorer's effects table and the brief's methods note.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.briefs.wording import fmt_count, fmt_date, plural, ratio_words

__all__ = ["NET_DIRECTION", "EventNetViews"]

#: estimates this far from 1 (a factor of 1.1 either way) count as a direction in
#: :attr:`EventBriefViews.net_disagrees`; nearer to 1 they count as "no change"
NET_DIRECTION = 1.1


class EventNetViews:
    """The local joint fit's sentences and table cells, read from the brief's fields."""

    @property
    def net_disagrees(self) -> bool:
        """Whether the plain window comparison and the net figure disagree: both estimated and
        either pointing opposite ways (one above 1.1, the other below 1/1.1:
        :data:`NET_DIRECTION`) or only one of their 95% intervals excluding 1 (one finds a change
        unlikely to be chance, the other does not). The headline then gives both."""
        values = [self.window_rate_ratio, self.window_low, self.window_high]
        values += [self.net_rate_ratio, self.net_low, self.net_high]
        if self.window_before == 0 or not all(np.isfinite(values)) or self.net_at_bound:
            return False

        def direction(x: float) -> int:
            return 1 if x > NET_DIRECTION else (-1 if x < 1 / NET_DIRECTION else 0)

        opposite = direction(self.window_rate_ratio) * direction(self.net_rate_ratio) < 0
        clear_window = not self.window_low <= 1 <= self.window_high
        clear_net = not self.net_low <= 1 <= self.net_high
        return opposite or clear_window != clear_net

    def _label_of(self, event_id: str) -> str:
        rows = self.events[self.events["event_id"].astype(str) == event_id]
        return str(rows["label"].iloc[0]) if len(rows) else event_id

    def _date_of(self, event_id: str) -> pd.Timestamp:
        rows = self.events[self.events["event_id"].astype(str) == event_id]
        return pd.Timestamp(rows["date"].iloc[0]) if len(rows) else self.event_date

    def _net_others(self) -> list[str]:
        """The other events fitted with the focus (not its cluster's members), in words."""
        others = [e for e in self.net_events if e not in self.net_group]
        return [f"{self._label_of(e)} ({fmt_date(self._date_of(e))})" for e in others]

    def _net_others_phrase(self) -> str:
        others = self._net_others()
        if not others:
            return "the other events in the window (none)"
        return "the other events in the window (" + "; ".join(others) + ")"

    def _group_names(self) -> str:
        """The focus's cluster in words: "A, B and C"."""
        names = [self._label_of(e) for e in self.net_group]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def _net_subject(self) -> str:
        """What the net figure is of: the event, or its cluster's joint change."""
        if len(self.net_group) > 1:
            return f"joint change after {self._group_names()}"
        return "change at the event"

    def net_lines(self) -> list[str]:
        """The net-of-other-events sentences: which events were fitted together, the figure,
        clusters the data cannot separate, or why the figure is missing."""
        if self.attribution is None:
            return [f"Net of the other events in the window: not computed, as {self.net_missing}."]
        others = self._net_others()
        if others:
            lead = (
                "Net of the other events in the windows, fitted together with it ("
                + "; ".join(others)
                + "), and of attacks triggering attacks"
            )
        else:
            lead = "No other event falls in the windows; net of attacks triggering attacks"
        lines = []
        if len(self.net_group) > 1:
            partners = [e for e in self.net_group if e != self.event_id]
            names = "; ".join(
                f"{self._label_of(e)} ({fmt_date(self._date_of(e))})" for e in partners
            )
            why = self.net_cluster_reason
            if all(e in self.net_same_day for e in partners):
                why = "they fall on the same day"
            lines.append(
                f"The data cannot separate the {self.label} from {names}: {why}. Only their "
                "joint change is given, never a separate number for each."
            )
            said = ratio_words(self.net_rate_ratio, self.net_low, self.net_high, self.net_p)
            said = said.replace("the rate before", "the rate before the first")
            when = f"after all of them (from {fmt_date(self.net_excess_from)}) was {said}"
        else:
            when = (
                "from the event on was "
                f"{ratio_words(self.net_rate_ratio, self.net_low, self.net_high, self.net_p)}"
            )
        more = "more" if self.net_excess >= 0 else "fewer"
        text = (
            f"{lead}, the background rate {when}. "
            f"Over the {plural(self.window_days, 'day')} from {fmt_date(self.net_excess_from)} "
            f"that means about {fmt_count(abs(self.net_excess))} {more} attacks, follow-on "
            f"attacks included (95% interval {fmt_count(self.net_excess_low)} to "
            f"{fmt_count(self.net_excess_high)})."
        )
        lines.append(text)
        if self.net_at_bound:
            lines.append(
                "One of the joint model's estimates for these events sits at a limit of its "
                "search (for instance no attack at all after an event), so the interval is not "
                "reliable."
            )
        for e, k in self.net_same_day.items():
            if k not in self.net_group:
                lines.append(
                    f"The {self._label_of(e)} falls on the same day as the {self._label_of(k)} "
                    "and is fitted as one with it."
                )
        if self.net_left_out:
            names = "; ".join(
                f"{self._label_of(e)} ({fmt_date(self._date_of(e))})" for e in self.net_left_out
            )
            lines.append(
                f"Left out of the joint model, with no attack before them in the period: {names}."
            )
        return lines

    def _net_compared(self) -> dict[str, str]:
        """The "compared" cells of the two net rows: what was fitted, or why it is missing."""
        if self.attribution is None:
            missing = f"not computed: {self.net_missing}"
            return {"net_rate_ratio": missing, "net_excess": missing}
        n = len(self.net_events)
        fitted = f"{plural(n, 'event')} fitted together" if n > 1 else "no other event in window"
        if len(self.net_group) > 1:
            what = f"joint change after {self._group_names()} (the data cannot separate them)"
        else:
            what = "background rate from the event on vs before"
        return {
            "net_rate_ratio": f"{what}; {fitted}",
            "net_excess": (
                f"attacks it accounts for in the {self.window_days} days from "
                f"{fmt_date(self.net_excess_from)}, follow-on attacks included"
            ),
        }
