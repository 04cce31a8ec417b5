"""Dates in the demo files, written relative to the day the demo is loaded.

A demo with fixed dates goes stale as time passes: review dates fall due, "submitted last week"
becomes "submitted last year". The demo files therefore say "in 30 days", "12 days ago" or
"today" for a day, and add ", HH:MM" (UTC) for a moment; the loaders turn them into dates on
the day they run.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

_DAY = re.compile(r"(?:in (?P<ahead>\d+) days?|(?P<ago>\d+) days? ago|(?P<today>today))")
_MOMENT = re.compile(rf"(?P<day>{_DAY.pattern}), (?P<hour>\d\d):(?P<minute>\d\d)")


class DemoDateError(ValueError):
    """A demo file's date is not in one of the relative forms."""


def relative_day(text: object, today: date) -> date:
    """'in 30 days', '12 days ago' or 'today' as a date, counted from `today`."""
    match = _DAY.fullmatch(str(text).strip())
    if match is None:
        raise DemoDateError(
            f"'{text}' is not a demo date: write 'in N days', 'N days ago' or 'today'"
        )
    if match["ahead"]:
        return today + timedelta(days=int(match["ahead"]))
    if match["ago"]:
        return today - timedelta(days=int(match["ago"]))
    return today


def relative_moment(text: object, today: date) -> datetime:
    """'12 days ago, 09:30' as a datetime (UTC, naive like every timestamp in the store)."""
    match = _MOMENT.fullmatch(str(text).strip())
    if match is None:
        raise DemoDateError(
            f"'{text}' is not a demo moment: write for example '12 days ago, 09:30'"
        )
    clock = time(int(match["hour"]), int(match["minute"]))
    return datetime.combine(relative_day(match["day"], today), clock)
