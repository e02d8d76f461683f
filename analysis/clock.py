"""Which day it is where the data are dated: every date in the data is a local date in the case's
time zone (``timezone`` in ``case.yml``; Asia/Baghdad for the shipped Iraq case).

"Future" rows and the date of today's edition are judged by the date there, never by the
machine's time zone: a server in UTC+14 must not accept a row dated tomorrow where the data are
dated, nor head an edition with a date that has not come there.
"""

from __future__ import annotations

import datetime as dt

from analysis import case

__all__ = ["now_utc", "today_local"]


def now_utc() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def today_local(now: dt.datetime | None = None, where: case.Case | None = None) -> dt.date:
    """The date at ``now`` (aware; default: the current time) in the zone of case ``where``
    (default: the case of the data folder in use)."""
    return (where or case.current()).today(now or now_utc())
