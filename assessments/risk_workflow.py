"""The guided path through one risk: inherent rating, treatment, residual rating, target rating,
and the acceptance that retaining a residual risk above the appetite needs.

Pages call these rules instead of deciding them: which step is done, which comes next (also
right after a rating is saved), which earlier ratings may seed a new one, whether an acceptance
is needed, and how the form values of a step become a validated input with a message per field
(a missing choice or rationale is refused before anything is written).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from assessments import catalog
from assessments.catalog import LibraryRisk
from assessments.criteria import RiskCriteria
from assessments.errors import FieldErrors, field_messages
from assessments.identification import typical_rating
from assessments.risk_checks import OPEN_ACTION_STATUSES
from assessments.risks import (
    RATIONALE_MIN,
    AcceptanceInput,
    ActionInput,
    Rating,
    RatingInput,
    add_months,
)

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
    """A rating from the form; its rationale needs at least RATIONALE_MIN characters."""
    errors: dict[str, str] = {}
    rationale = str(values.get("rationale") or "").strip()
    if 0 < len(rationale) < RATIONALE_MIN:
        errors["rationale"] = (
            f"Say a little more (at least {RATIONALE_MIN} characters): what you know, and what "
            "you assumed."
        )
    try:
        rating = parse_form(RatingInput, values, RATING_MESSAGES)
    except FieldErrors as error:
        raise FieldErrors({**errors, **error.errors}) from error
    if errors:
        raise FieldErrors(errors)
    return rating


def parse_acceptance(values: Mapping[str, Any]) -> AcceptanceInput:
    return parse_form(AcceptanceInput, values, ACCEPTANCE_MESSAGES)


def parse_action(values: Mapping[str, Any]) -> ActionInput:
    return parse_form(ActionInput, values, ACTION_MESSAGES)


def completed_steps(current: Mapping[str, Rating], treatment_option: str | None) -> set[str]:
    """Steps already done: a tier with a current rating, a treatment with a chosen option."""
    done = {tier for tier in RATED_STEPS if tier in current}
    if treatment_option:
        done.add("treatment")
    return done


def next_step(done: set[str]) -> str:
    """The first step not done yet, in the order of the guided path (the last when all are)."""
    return next((step for step in STEPS if step not in done), "target")


def step_after_rating(
    tier: str, level: str, criteria_of_rating: RiskCriteria, harm_category: str
) -> str:
    """The step to show once a rating of `tier` is saved: the next one on the path, except
    for a residual rating above the appetite (or the harm category's tolerance), which stays
    where management's acceptance is recorded."""
    if tier == "residual" and criteria_of_rating.is_above_appetite(level, harm_category):
        return "residual"
    order = list(STEPS)
    return order[min(order.index(tier) + 1, len(order) - 1)]


# Which rating of the risk may seed a new rating of each tier: the tier before it on the path,
# then the tier itself (a re-rating).
_SEED_TIERS: dict[str, tuple[str, ...]] = {
    "inherent": ("inherent",),
    "residual": ("inherent", "residual"),
    "target": ("residual", "target"),
}


@dataclass(frozen=True)
class StartingPoint:
    """A likelihood and severity a new rating can start from (filled in, never saved)."""

    label: str
    likelihood: int
    severity: int


def starting_points(
    tier: str,
    current: Mapping[str, Rating],
    criteria: RiskCriteria,
    entry: LibraryRisk | None = None,
    suggested: StartingPoint | None = None,
) -> list[StartingPoint]:
    """Where a new rating of `tier` under `criteria` may start: the library entry's typical
    rating or the rating an impact answer suggested (`suggested`, inherent only), then the
    current ratings of the tier before and of the tier itself.

    Only a rating made under the same criteria version may seed one: on other scales its
    numbers mean something else, and the rating keeps its own version anyway.
    """
    points: list[StartingPoint] = []
    if tier == "inherent" and entry is not None:
        likelihood, severity = typical_rating(entry, criteria)
        points.append(StartingPoint("the library's typical rating", likelihood, severity))
    if tier == "inherent" and suggested is not None:
        points.append(suggested)
    for source in _SEED_TIERS.get(tier, ()):
        rating = current.get(source)
        if rating is not None and rating.criteria_version == criteria.version:
            points.append(
                StartingPoint(f"the current {source} rating", rating.likelihood, rating.severity)
            )
    return points


def appetite_verdict(criteria: RiskCriteria, level: str, harm_category: str) -> str:
    """'above the appetite (Medium)' or 'within the tolerance for Fairness (Low)'."""
    limit = limit_phrase(criteria, harm_category)
    above = criteria.is_above_appetite(level, harm_category)
    return f"above {limit}" if above else f"within {limit}"


@dataclass(frozen=True)
class AcceptanceNeed:
    """Whether the residual risk needs management's acceptance, and why, in one sentence."""

    needed: bool
    accepted_until: date | None
    message: str


def acceptance_need(
    residual: Rating | None,
    criteria_of_rating: RiskCriteria | None,
    harm_category: str,
    acceptances: list[Mapping[str, Any]],
) -> AcceptanceNeed:
    """Judge the current residual rating against the appetite of the criteria it was made under.

    `acceptances` are rows of `acceptances_for` (with `in_force`, `covers_current`, `level` and
    `valid_until`). Retaining a residual risk above the appetite (or the harm category's
    tolerance) needs an acceptance in force that covers the current residual rating (the
    register's rule); one within the appetite needs none.
    """
    covering = [row for row in acceptances if row.get("in_force") and row.get("covers_current")]
    outgrown = [row for row in acceptances if row.get("in_force") and not row.get("covers_current")]
    until = max((_as_date(row["valid_until"]) for row in covering), default=None)
    if residual is None or criteria_of_rating is None:
        return AcceptanceNeed(
            False, until, "Rate the residual risk first: an acceptance accepts a residual rating."
        )
    level = residual.level
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
    if outgrown:
        accepted = ", ".join(sorted({str(row.get("level")) for row in outgrown}))
        return AcceptanceNeed(
            True,
            None,
            f"The residual level {level} is above {limit}. The acceptance in force accepted "
            f"{accepted}, an earlier residual rating, and does not cover this one. Treat it "
            "further, or record management's acceptance of the current rating.",
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


def acceptance_warnings(
    approved_at: date | None, valid_until: date | None, review_months: int
) -> dict[str, str]:
    """Warnings (not refusals) beside the acceptance form: an acceptance that runs past the
    criteria's review interval outlives the rating it accepts. The hard limit is
    `AcceptanceInput`'s (ACCEPTANCE_MAX_YEARS)."""
    if approved_at is None or valid_until is None or valid_until <= approved_at:
        return {}
    reviewed_by = add_months(approved_at, review_months)
    if valid_until <= reviewed_by:
        return {}
    return {
        "valid_until": f"This runs past the review interval of the criteria ({review_months} "
        f"months, {reviewed_by.isoformat()}): the rating it accepts is due for review before "
        "then. A shorter acceptance, renewed after the review, keeps the decision current."
    }


def action_warnings(
    due_date: date | None, status: str | None, today: date | None = None
) -> dict[str, str]:
    """Warnings (not refusals) beside an action form: a due date already past for an action
    still to do (it shows as overdue at once)."""
    if due_date is None or (status or "planned") not in OPEN_ACTION_STATUSES:
        return {}
    if due_date >= (today or date.today()):
        return {}
    return {
        "due_date": "This day has already passed: the action will show as overdue at once. "
        "Keep it if that is right, or give the day it is now due."
    }


# Which rating a tier should not be above: controls do not make a risk worse (residual), and
# the planned actions should not either (target).
TIER_BELOW: dict[str, str] = {"residual": "inherent", "target": "residual"}


def tier_order_warning(
    tier: str, level: str, current: Mapping[str, Rating], criteria: RiskCriteria
) -> str | None:
    """A warning while rating when the chosen level of `tier` is above the current rating of
    the tier before it (the register's checks 'residual_above_inherent' and
    'target_above_residual' would find it once saved). Only ratings under the same criteria
    version are compared, as their levels share one scale."""
    before = TIER_BELOW.get(tier)
    rating = current.get(before) if before else None
    if rating is None or rating.criteria_version != criteria.version:
        return None
    if criteria.level_rank(level) <= criteria.level_rank(rating.level):
        return None
    reason = (
        "controls should not make a risk worse"
        if tier == "residual"
        else "the planned actions should not make the risk worse"
    )
    return (
        f"{level} is above the current {before} rating ({rating.level}): {reason}. Check "
        "the choice, or explain in the rationale why; the register will list it as a finding."
    )


def action_is_overdue(status: str, due_date: Any, today: date | None = None) -> bool:
    """An action still to do whose due date has passed (the register's check uses the same
    open statuses)."""
    return status in OPEN_ACTION_STATUSES and _as_date(due_date) < (today or date.today())


def _as_date(value: Any) -> date:
    if hasattr(value, "date") and callable(value.date):
        return value.date()
    return value
