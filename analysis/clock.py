"""Which day it is where the data are dated: every date in the data is a local date in Iraq.

"Future" rows and the date of today's edition are judged by the date in Iraq (UTC+3, no daylight
saving since 2008), never by the machine's time zone: a server in UTC+14 must not accept a row
dated tomorrow in Iraq, nor head an edition with a date that has not come there.
"""

from __future__ import annotations

import datetime as dt

__all__ = ["IRAQ", "now_utc", "today_in_iraq"]

#: the zone of every date in the data (Arabia Standard Time)
IRAQ = dt.timezone(dt.timedelta(hours=3), "AST")


def now_utc() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


def today_in_iraq(now: dt.datetime | None = None) -> dt.date:
    """The date in Iraq at ``now`` (aware; default: the current time)."""
    return (now or now_utc()).astimezone(IRAQ).date()
