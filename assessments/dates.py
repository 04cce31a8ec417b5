"""Which typed dates are plausible: the bounds every date a person enters is checked against.

Date widgets accept any day (a browser silently drops a day outside the widget's own bounds,
so the widgets are left wide open); these rules decide, and their messages say the bounds.
Nothing in an AI management system is dated before EARLIEST_DAY, and a plan more than
HORIZON_YEARS ahead is a typing slip, not a plan.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

EARLIEST_DAY = date(2000, 1, 1)
HORIZON_YEARS = 10
# A system's next review is planned at most this far ahead (reviews recur at planned intervals,
# usually yearly; five years is the most any review plan stretches to).
REVIEW_HORIZON_YEARS = 5


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def latest_plausible_day(today: date | None = None) -> date:
    """The last day a typed date may name: HORIZON_YEARS from today."""
    return add_years(today or date.today(), HORIZON_YEARS)


def implausible_date(day: date, today: date | None = None) -> str | None:
    """Why `day` cannot be meant (before EARLIEST_DAY or beyond the horizon), or None."""
    latest = latest_plausible_day(today)
    if EARLIEST_DAY <= day <= latest:
        return None
    return (
        f"{day.isoformat()} is not a plausible date: give a day from "
        f"{EARLIEST_DAY.isoformat()} to {latest.isoformat()} ({HORIZON_YEARS} years ahead)"
    )


def check_plausible(day: date, today: date | None = None) -> date:
    """For pydantic validators: the day itself, or ValueError with the reason."""
    problem = implausible_date(day, today)
    if problem:
        raise ValueError(problem)
    return day


def review_date_problem(
    new: date | None, previous: date | None, today: date | None = None
) -> str | None:
    """Why a newly set next-review date cannot be a plan, or None.

    A review is planned from today up to REVIEW_HORIZON_YEARS ahead. A date already saved and
    left unchanged is always kept, so a system whose review is overdue stays editable.
    """
    if new is None or new == previous:
        return None
    today = today or date.today()
    latest = add_years(today, REVIEW_HORIZON_YEARS)
    if new < today:
        return (
            f"a review cannot be planned in the past: give a day from today "
            f"({today.isoformat()}) to {latest.isoformat()}"
        )
    if new > latest:
        return (
            f"plan the next review at most {REVIEW_HORIZON_YEARS} years ahead, by "
            f"{latest.isoformat()}: {new.isoformat()} is too far off to be a plan"
        )
    return None


def export_timestamp(value: datetime) -> str:
    """The one timestamp format of every export: ISO 8601 in UTC with microseconds and a Z
    (the store keeps naive UTC), so every row parses the same way in any tool."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"
