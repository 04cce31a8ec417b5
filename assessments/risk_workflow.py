"""The guided path through one risk: inherent rating, treatment, residual rating, target rating,
and the acceptance that retaining a residual risk above the appetite needs.

Pages call these rules instead of deciding them: which step is done, which comes next, whether
an acceptance is needed, and how the form values of a step become a validated input with a
message per field (a missing choice or rationale is refused before anything is written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assessments import catalog
from assessments.criteria import RiskCriteria
from assessments.errors import FieldErrors, field_messages
from assessments.risk_checks import OPEN_ACTION_STATUSES
from assessments.risks import AcceptanceInput, ActionInput, RatingInput

ModelT = TypeVar("ModelT", bound=BaseModel)

STEPS: dict[str, str] = {
    "inherent": "Inherent rating",
    "treatment": "Treatment",
    "residual": "Residual rating",
    "target": "Target rating",
}
RATED_STEPS = ("inherent", "residual", "target")

STEP_GUIDANCE: dict[str, str] = {
    "inherent": "How likely and how bad is the harm if nothing specific is done about it?",
    "treatment": "Choose how to respond, link the Annex A controls that treat the risk and "
    "plan the actions still to do.",
    "residual": "How likely and how bad is the harm now, with the controls that are in place "
    "today?",
    "target": "Where should the risk be once the planned actions are done?",
}

RATING_MESSAGES = {
    "likelihood": "Choose a likelihood step.",
    "severity": "Choose a severity step.",
    "rationale": "Give the reason for this rating: what you know, and what you assumed.",
}
ACCEPTANCE_MESSAGES = {
    "approved_by": "Name the person who approved retaining this risk.",
    "approved_at": "Give the date of the approval.",
    "rationale": "Say why the organisation retains this risk.",
    "valid_until": "Give the date until which the acceptance holds.",
}
ACTION_MESSAGES = {
    "title": "Say what is to be done.",
    "owner": "Name who does it.",
    "due_date": "Give a due date.",
}


def parse_form(
    model: type[ModelT], values: Mapping[str, Any], messages: Mapping[str, str]
) -> ModelT:
    """Validate form values; FieldErrors carries one sentence per field.

    Empty choices (None) count as missing, and a missing or empty required field gets the
    friendly sentence from `messages` instead of a generic one.
    """
    present = {name: value for name, value in values.items() if value is not None}
    try:
        return model.model_validate(present)
    except ValidationError as error:
        errors = field_messages(error)
        for name, message in list(errors.items()):
            if name in messages and message == "this field is required":
                errors[name] = messages[name]
        raise FieldErrors(errors) from error


def parse_rating(values: Mapping[str, Any]) -> RatingInput:
    return parse_form(RatingInput, values, RATING_MESSAGES)


def parse_acceptance(values: Mapping[str, Any]) -> AcceptanceInput:
    return parse_form(AcceptanceInput, values, ACCEPTANCE_MESSAGES)


def parse_action(values: Mapping[str, Any]) -> ActionInput:
    return parse_form(ActionInput, values, ACTION_MESSAGES)


def completed_steps(current: Mapping[str, Any], treatment_option: str | None) -> set[str]:
    """Steps already done: a tier with a current rating, a treatment with a chosen option."""
    done = {tier for tier in RATED_STEPS if tier in current}
    if treatment_option:
        done.add("treatment")
    return done


def next_step(done: set[str]) -> str:
    """The first step not done yet, in the order of the guided path (the last when all are)."""
    return next((step for step in STEPS if step not in done), "target")


@dataclass(frozen=True)
class AcceptanceNeed:
    """Whether the residual risk needs management's acceptance, and why, in one sentence."""

    needed: bool
    accepted_until: date | None
    message: str


def acceptance_need(
    residual: Mapping[str, Any] | None,
    criteria_of_rating: RiskCriteria | None,
    harm_category: str,
    acceptances: list[Mapping[str, Any]],
) -> AcceptanceNeed:
    """Judge the current residual rating against the appetite of the criteria it was made under.

    `acceptances` are rows of `acceptances_for` (with `in_force` and `valid_until`). Retaining a
    residual risk above the appetite (or the harm category's tolerance) needs an acceptance in
    force; one within the appetite needs none.
    """
    in_force = [row for row in acceptances if row.get("in_force")]
    until = max((_as_date(row["valid_until"]) for row in in_force), default=None)
    if residual is None or criteria_of_rating is None:
        return AcceptanceNeed(
            False, until, "Rate the residual risk first: an acceptance accepts a residual rating."
        )
    level = residual["level"]
    limit = limit_phrase(criteria_of_rating, harm_category)
    if not criteria_of_rating.is_above_appetite(level, harm_category):
        return AcceptanceNeed(
            False, until, f"The residual level {level} is within {limit}: no acceptance is needed."
        )
    if until is not None:
        return AcceptanceNeed(
            True,
            until,
            f"The residual level {level} is above {limit}; it is accepted until "
            f"{until.isoformat()}.",
        )
    return AcceptanceNeed(
        True,
        None,
        f"The residual level {level} is above {limit}. Treat it further, or record "
        "management's acceptance to retain it.",
    )


def limit_phrase(criteria: RiskCriteria, harm_category: str) -> str:
    """'the appetite (Medium)', or 'the tolerance for Fairness (Low)' where one is set."""
    acceptable = criteria.acceptable_level(harm_category)
    if harm_category in criteria.tolerances:
        label = catalog.taxonomy().harm_categories.get(harm_category, harm_category)
        return f"the tolerance for {label} ({acceptable})"
    return f"the appetite ({acceptable})"


def action_is_overdue(status: str, due_date: Any, today: date | None = None) -> bool:
    """An action still to do whose due date has passed (the register's check uses the same
    open statuses)."""
    return status in OPEN_ACTION_STATUSES and _as_date(due_date) < (today or date.today())


def _as_date(value: Any) -> date:
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value
