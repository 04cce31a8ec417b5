"""Typed dates: the plausibility bounds, the next-review planning rule and the models that apply
them (inventory, risk actions and acceptances, impact date answers)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from assessments.dates import (
    EARLIEST_DAY,
    add_years,
    implausible_date,
    latest_plausible_day,
    review_date_problem,
)
from assessments.errors import FieldErrors
from assessments.inventory import AISystemInput, field_errors, review_planning
from assessments.risk_workflow import parse_acceptance, parse_action
from tests.factories import system_input

TODAY = date(2026, 11, 28)


def test_add_years_keeps_the_day_and_turns_29_february_into_28() -> None:
    assert add_years(date(2026, 11, 28), 5) == date(2031, 11, 28)
    assert add_years(date(2028, 2, 29), 1) == date(2029, 2, 28)


@pytest.mark.parametrize(
    ("day", "plausible"),
    [
        (date(1999, 12, 31), False),
        (EARLIEST_DAY, True),
        (TODAY, True),
        (date(2036, 11, 28), True),
        (date(2036, 11, 29), False),
        (date(2999, 12, 31), False),
    ],
)
def test_plausible_dates_run_from_2000_to_ten_years_ahead(day: date, plausible: bool) -> None:
    problem = implausible_date(day, TODAY)
    assert (problem is None) is plausible
    if problem:
        assert "2000-01-01 to 2036-11-28" in problem
    assert latest_plausible_day(TODAY) == date(2036, 11, 28)


@pytest.mark.parametrize(
    ("new", "previous", "says"),
    [
        (None, None, None),
        (TODAY, None, None),
        (date(2031, 11, 28), None, None),
        (date(1900, 1, 1), None, "cannot be planned in the past"),
        (date(2026, 11, 27), None, "cannot be planned in the past"),
        (date(2031, 11, 29), None, "at most 5 years ahead, by 2031-11-28"),
        (date(2999, 12, 31), date(2027, 1, 31), "too far off"),
        # An overdue date already saved stays; changing it to another past day does not.
        (date(2026, 9, 30), date(2026, 9, 30), None),
        (date(2026, 9, 1), date(2026, 9, 30), "cannot be planned in the past"),
    ],
)
def test_a_next_review_is_planned_from_today_up_to_five_years(
    new: date | None, previous: date | None, says: str | None
) -> None:
    problem = review_date_problem(new, previous, TODAY)
    if says is None:
        assert problem is None
    else:
        assert problem is not None and says in problem


def system_values(**overrides: Any) -> dict[str, Any]:
    return {**system_input().model_dump(), **overrides}


def test_a_form_edit_of_a_new_system_refuses_a_past_or_far_review_beside_the_field() -> None:
    for typed in ("1900-01-01", "2999-12-31"):
        values = system_values(next_review=typed, owner="")
        with pytest.raises(ValidationError) as caught:
            AISystemInput.model_validate(values, context=review_planning(None, TODAY))
        errors = field_errors(caught.value, values)
        assert set(errors) == {"next_review", "owner"}, errors


def test_an_overdue_review_already_saved_can_stay_when_other_fields_change() -> None:
    overdue = date(2026, 9, 30)
    values = system_values(next_review=overdue, owner="Grace Hopper")
    data = AISystemInput.model_validate(values, context=review_planning(overdue, TODAY))
    assert data.next_review == overdue


def test_without_a_planning_context_any_stored_or_imported_date_is_read() -> None:
    """Stored rows and import files carry facts (an overdue review), not a new plan."""
    assert system_input(next_review="2019-05-01").next_review == date(2019, 5, 1)


def action(**overrides: Any) -> dict[str, Any]:
    return {"title": "Retrain", "owner": "Ada", "due_date": TODAY, **overrides}


def test_an_action_due_date_must_be_plausible_but_may_be_past() -> None:
    assert parse_action(action(due_date=date(2026, 1, 5))).due_date == date(2026, 1, 5)
    for typed in (date(1999, 12, 31), date(2999, 12, 31)):
        with pytest.raises(FieldErrors) as caught:
            parse_action(action(due_date=typed))
        assert "not a plausible date" in caught.value.errors["due_date"]


def test_an_acceptance_approval_day_must_be_plausible() -> None:
    values = {
        "risk_id": 1,
        "rationale": "Retained until the vendor fix lands.",
        "approved_at": date(1900, 1, 1),
        "valid_until": date(1900, 6, 1),
    }
    with pytest.raises(FieldErrors) as caught:
        parse_acceptance(values)
    assert "not a plausible date" in caught.value.errors["approved_at"]
    with pytest.raises(FieldErrors) as caught:
        parse_acceptance({**values, "approved_at": date.today(), "valid_until": date(2999, 1, 1)})
    assert "at most 3 years" in caught.value.errors["valid_until"]
