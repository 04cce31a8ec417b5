"""Dates in the demo files count from the day of loading, so the demo never goes stale."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import yaml

from assessments.config import data_dir
from assessments.demo_dates import DemoDateError, relative_day, relative_moment

DAY = date(2030, 3, 1)


def test_relative_days_count_from_the_given_day() -> None:
    assert relative_day("in 30 days", DAY) == date(2030, 3, 31)
    assert relative_day("1 day ago", DAY) == date(2030, 2, 28)
    assert relative_day("in 1 day", DAY) == date(2030, 3, 2)
    assert relative_day(" today ", DAY) == DAY


def test_a_moment_is_a_relative_day_with_a_utc_time() -> None:
    assert relative_moment("12 days ago, 09:30", DAY) == datetime(2030, 2, 17, 9, 30)
    assert relative_moment("today, 00:05", DAY) == datetime(2030, 3, 1, 0, 5)


@pytest.mark.parametrize("text", ["2026-05-04", "in -3 days", "3 weeks ago", "yesterday", ""])
def test_anything_else_is_refused_with_the_forms_it_accepts(text: str) -> None:
    with pytest.raises(DemoDateError, match="N days ago"):
        relative_day(text, DAY)


def test_a_moment_needs_its_time() -> None:
    with pytest.raises(DemoDateError, match="12 days ago, 09:30"):
        relative_moment("12 days ago", DAY)
    with pytest.raises(DemoDateError):
        relative_moment("12 days ago, 9:30", DAY)


def test_the_demo_files_hold_no_fixed_review_or_workflow_date() -> None:
    """Every date that decides a state (due, overdue, stale) is relative in the demo files."""
    demo = data_dir() / "demo"
    systems = yaml.safe_load((demo / "systems.yaml").read_text(encoding="utf-8"))["systems"]
    for system in systems:
        relative_day(system["next_review"], DAY)
    impact = yaml.safe_load((demo / "impact_assessments.yaml").read_text(encoding="utf-8"))
    for assessment in impact["assessments"]:
        for version in assessment["versions"]:
            for key in ("started", "submitted", "decided"):
                if key in version:
                    relative_moment(version[key], DAY)
            answers = {**(version.get("answers") or {}), **(version.get("changes") or {})}
            if answers.get("scope_next_review"):
                relative_day(answers["scope_next_review"], DAY)
