"""The AI system inventory: what a record holds and the rules it must satisfy.

An AI system is the unit of the AI management system's scope (ISO/IEC 42001 4.3) and the parent
of every risk, impact assessment and workshop.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assessments import vocab
from assessments.audit import field_changes
from assessments.dates import check_plausible, review_date_problem
from assessments.errors import field_messages
from assessments.text import echo

NAME_MAX = 120
PURPOSE_MAX = 2000
DESCRIPTION_MAX = 4000
PERSON_MAX = 120
LIST_ITEM_MAX = 200
LIST_MAX_ITEMS = 30

# Fields whose change makes an approved impact assessment or a screening out of date.
MATERIAL_FIELDS: tuple[str, ...] = (
    "purpose",
    "ai_technique",
    "personal_data",
    "special_category_data",
    "autonomy",
    "deployment_context",
    "stakeholders",
)

FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "purpose": "Purpose and intended use",
    "description": "Description",
    "owner": "Owner",
    "business_unit": "Business unit",
    "roles": "Our roles",
    "lifecycle_stage": "Lifecycle stage",
    "ai_technique": "AI technique",
    "autonomy": "Autonomy and human oversight",
    "stakeholders": "Affected stakeholders",
    "personal_data": "Personal data",
    "special_category_data": "Special-category data",
    "deployment_context": "Deployment context",
    "geography": "Geographic scope",
    "suppliers": "Third-party suppliers or models",
    "status": "Status",
    "next_review": "Next review",
}


def _one_of(vocabulary: dict[str, str], value: str) -> str:
    if value not in vocabulary:
        choices = ", ".join(f"'{key}' ({text})" for key, text in vocabulary.items())
        raise ValueError(f"{echo(value)} is not a known value; choose one of {choices}")
    return value


# Validation context key of a form or CLI edit: the next review date already saved (None for a
# new system) and today. With it, a newly set review date must be a real plan
# (assessments.dates.review_date_problem); stored rows and import files are validated without it.
REVIEW_PLANNING = "review_planning"
# Validation context key of an import file: dates must be plausible (assessments.dates), though
# a review already overdue in the source register is kept as it is.
PLAUSIBLE_DATES = "plausible_dates"


def review_planning(previous: date | None, today: date | None = None) -> dict[str, Any]:
    """The validation context under which a person's edit is checked:
    `AISystemInput.model_validate(values, context=review_planning(saved.next_review))`."""
    return {REVIEW_PLANNING: {"previous": previous, "today": today or date.today()}}


def _clean_list(values: list[str]) -> list[str]:
    """Trimmed, non-empty, first occurrence kept: lists are sets with a stable order."""
    seen: list[str] = []
    for value in values:
        item = value.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


class AISystemInput(BaseModel):
    """What a person (or an import file) provides for an AI system."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    name: str = Field(min_length=1, max_length=NAME_MAX)
    purpose: str = Field(min_length=1, max_length=PURPOSE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX)
    owner: str = Field(min_length=1, max_length=PERSON_MAX)
    business_unit: str = Field(min_length=1, max_length=PERSON_MAX)
    roles: list[str] = Field(min_length=1)
    lifecycle_stage: str
    ai_technique: str
    autonomy: str
    stakeholders: list[str] = Field(min_length=1)
    personal_data: bool
    special_category_data: bool = False
    deployment_context: str
    geography: list[str] = Field(default_factory=list, max_length=LIST_MAX_ITEMS)
    suppliers: list[str] = Field(default_factory=list, max_length=LIST_MAX_ITEMS)
    status: str = "active"
    next_review: date | None = None

    @field_validator("roles", "stakeholders", "geography", "suppliers", mode="before")
    @classmethod
    def _split_text_lists(cls, value: Any) -> Any:
        """Import files carry lists as `a;b`; forms carry Python lists."""
        if value is None:
            return []
        if isinstance(value, str):
            return value.split(";")
        return value

    @field_validator("roles", "stakeholders", "geography", "suppliers")
    @classmethod
    def _dedupe(cls, values: list[str]) -> list[str]:
        cleaned = _clean_list(values)
        for item in cleaned:
            if len(item) > LIST_ITEM_MAX:
                raise ValueError(f"'{item[:40]}…' is longer than {LIST_ITEM_MAX} characters")
        return cleaned

    @field_validator("roles")
    @classmethod
    def _known_roles(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("choose at least one role")
        for value in values:
            _one_of(vocab.ROLES, value)
        return values

    @field_validator("stakeholders")
    @classmethod
    def _known_stakeholders(cls, values: list[str]) -> list[str]:
        if not values:
            raise ValueError("name at least one group of people the system affects")
        for value in values:
            _one_of(vocab.STAKEHOLDERS, value)
        return values

    @field_validator("lifecycle_stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        return _one_of(vocab.LIFECYCLE_STAGES, value)

    @field_validator("ai_technique")
    @classmethod
    def _known_technique(cls, value: str) -> str:
        return _one_of(vocab.AI_TECHNIQUES, value)

    @field_validator("autonomy")
    @classmethod
    def _known_autonomy(cls, value: str) -> str:
        return _one_of(vocab.AUTONOMY, value)

    @field_validator("deployment_context")
    @classmethod
    def _known_context(cls, value: str) -> str:
        return _one_of(vocab.DEPLOYMENT_CONTEXTS, value)

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return _one_of(vocab.SYSTEM_STATUSES, value)

    @field_validator("next_review")
    @classmethod
    def _planned_review(cls, value: date | None, info: ValidationInfo) -> date | None:
        context = info.context or {}
        if value is not None and context.get(PLAUSIBLE_DATES):
            check_plausible(value)
        planning = context.get(REVIEW_PLANNING)
        if planning is not None:
            problem = review_date_problem(value, planning["previous"], planning["today"])
            if problem:
                raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> AISystemInput:
        problems = cross_field_problems(self.model_dump())
        if problems:
            field, message = next(iter(problems.items()))
            raise ValueError(f"{field}: {message}")
        return self


def _ticked(value: Any) -> bool:
    return value is True or str(value).strip().lower() in {"true", "yes", "1"}


def cross_field_problems(values: Mapping[str, Any]) -> dict[str, str]:
    """Rules between fields, checked on raw values too, so a form shows them together with
    the field errors instead of one round later."""
    problems: dict[str, str] = {}
    if _ticked(values.get("special_category_data")) and not _ticked(values.get("personal_data")):
        problems["special_category_data"] = (
            "special-category data is personal data; tick 'Personal data' as well"
        )
    retired_status = values.get("status", "active") == "retired"
    if retired_status != (values.get("lifecycle_stage") == "retired"):
        problems["status"] = (
            "a retired system has both status 'retired' and lifecycle stage 'retired'; "
            "set both or neither"
        )
    return problems


class AISystem(AISystemInput):
    """A stored AI system with its identity and bookkeeping."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    id: int
    revision: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    def as_input(self) -> AISystemInput:
        return AISystemInput(**self.model_dump(include=set(AISystemInput.model_fields)))


class SystemFilter(BaseModel):
    """What the inventory list can be narrowed by."""

    search: str = Field(default="", max_length=200)
    business_units: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    lifecycle_stages: list[str] = Field(default_factory=list)
    ai_techniques: list[str] = Field(default_factory=list)
    deployment_contexts: list[str] = Field(default_factory=list)
    personal_data: bool | None = None
    review_overdue: bool = False
    # EU AI Act classes of the current screening; "not_screened" selects systems never screened.
    eu_ai_act_classes: list[str] = Field(default_factory=list)


def field_errors(error: ValidationError, values: Mapping[str, Any] | None = None) -> dict[str, str]:
    """Validation errors of an AI system, one sentence per field; given the raw `values`, the
    rules between fields are reported in the same round."""
    messages = field_messages(error)
    for field, message in cross_field_problems(values or {}).items():
        messages.setdefault(field, message)
    return messages


@dataclass(frozen=True)
class RetirementEffects:
    """What is still under way for a system when it is retired (store.inventory.
    retirement_effects counts it), so the confirmation can say what happens to it."""

    open_risks: int
    open_workshops: int
    impact_in_progress: int


def _count(number: int, one: str, many: str) -> str:
    return f"{number} {one if number == 1 else many}"


def retirement_notice(effects: RetirementEffects) -> list[str]:
    """The sentences the retirement confirmation shows: what is under way and what becomes of
    it. Retiring changes only the system's status; nothing is closed or deleted."""
    lines = [
        "Retiring keeps the record and its whole history; it only leaves the active scope. "
        "You can reactivate it later by editing its status."
    ]
    if effects.open_risks:
        one = effects.open_risks == 1
        lines.append(
            f"It has {_count(effects.open_risks, 'open risk', 'open risks')}. "
            f"{'It stays as it is' if one else 'They stay as they are'}, with ratings, actions "
            f"and acceptances, but {'leaves' if one else 'leave'} the register, portfolio and "
            "trend figures (a filter that names this system still shows "
            f"{'it' if one else 'them'})."
        )
    if effects.impact_in_progress:
        one = effects.impact_in_progress == 1
        lines.append(
            "It has "
            f"{_count(effects.impact_in_progress, 'impact assessment', 'impact assessments')}"
            " in progress (draft, submitted or returned), which "
            f"{'stays as it is but leaves' if one else 'stay as they are but leave'} the impact "
            "assessment figures; no new assessment of a retired system can start."
        )
    if effects.open_workshops:
        one = effects.open_workshops == 1
        lines.append(
            f"{_count(effects.open_workshops, 'open workshop covers', 'open workshops cover')} "
            f"it. {'It carries' if one else 'They carry'} on until the facilitator closes "
            f"{'it' if one else 'them'}; a consensus recorded there still joins the risk's "
            "history."
        )
    if len(lines) == 1:
        lines.append("Nothing is under way for it: no open risk, workshop or impact assessment.")
    return lines


def changed_fields(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[str]:
    """Which fields differ between two snapshots (the change history shows these)."""
    return [name for name, _, _ in field_changes(before, after)]


def is_material_change(before: dict[str, Any], after: dict[str, Any]) -> bool:
    return any(field in MATERIAL_FIELDS for field in changed_fields(before, after))
