"""Risks of an AI system, their ratings, treatment, actions and acceptance: the rules.

ISO/IEC 42001 6.1.2 and 6.1.3: identify risks, rate likelihood and severity on the
organisation's criteria, treat them with controls compared against Annex A, and have
management accept what remains above the appetite.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assessments import catalog, vocab
from assessments.dates import check_plausible
from assessments.risk_checks import INACTIVE_RISK_STATUSES
from assessments.text import echo

TITLE_MAX = 200
TEXT_MAX = 4000
PERSON_MAX = 120
# A rating's rationale must say something someone else can follow: the rating forms refuse a
# shorter one (workshop consensus records carry their own rules).
RATIONALE_MIN = 10
# The longest an acceptance of a residual risk may run before management decides again.
ACCEPTANCE_MAX_YEARS = 3

TIERS: dict[str, str] = {
    "inherent": "Inherent (before controls)",
    "residual": "Residual (controls in place)",
    "target": "Target (after planned actions)",
}
RISK_STATUSES: dict[str, str] = {
    "open": "Open",
    "in_treatment": "In treatment",
    "monitoring": "Monitoring",
    "closed": "Closed",
}
STRENGTH_OF_KNOWLEDGE: dict[str, str] = {
    "low": "Low: little evidence, mostly judgement",
    "medium": "Medium: some evidence or experience",
    "high": "High: solid evidence, tested or measured",
}
RATING_METHODS: dict[str, str] = {"individual": "Individual", "workshop": "Workshop"}
ACTION_STATUSES: dict[str, str] = {
    "planned": "Planned",
    "in_progress": "In progress",
    "done": "Done",
    "cancelled": "Cancelled",
}
AFFECTED_PARTIES_FALLBACK = ("individuals", "groups", "society", "organisation")


def _known(vocabulary: dict[str, str], value: str, what: str) -> str:
    if value not in vocabulary:
        raise ValueError(
            f"{echo(value)} is not a known {what}; choose one of {', '.join(vocabulary)}"
        )
    return value


class RiskInput(BaseModel):
    """What identifies a risk (its rating lives in separate, append-only rows)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    system_id: int = Field(title="AI system")
    title: str = Field(min_length=1, max_length=TITLE_MAX, title="Title")
    description: str = Field(default="", max_length=TEXT_MAX, title="Description")
    harm_category: str = Field(title="Harm category")
    risk_source: str = Field(title="Risk source")
    affected_parties: list[str] = Field(min_length=1, title="Affected parties")
    lifecycle_stage: str = Field(title="Lifecycle stage")
    owner: str = Field(min_length=1, max_length=PERSON_MAX, title="Owner")
    status: str = Field(default="open", title="Status")
    library_id: str | None = Field(default=None, title="Library risk")
    origin: str = Field(default="", max_length=200, title="Origin")

    @field_validator("harm_category")
    @classmethod
    def _known_harm(cls, value: str) -> str:
        return _known(catalog.taxonomy().harm_categories, value, "harm category")

    @field_validator("risk_source")
    @classmethod
    def _known_source(cls, value: str) -> str:
        return _known(catalog.taxonomy().risk_sources, value, "risk source")

    @field_validator("affected_parties")
    @classmethod
    def _known_parties(cls, values: list[str]) -> list[str]:
        parties = catalog.taxonomy().affected_parties
        cleaned = list(dict.fromkeys(value.strip() for value in values if value.strip()))
        for value in cleaned:
            _known(parties, value, "affected party")
        if not cleaned:
            raise ValueError("choose at least one")
        return cleaned

    @field_validator("lifecycle_stage")
    @classmethod
    def _known_stage(cls, value: str) -> str:
        return _known(vocab.LIFECYCLE_STAGES, value, "lifecycle stage")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return _known(RISK_STATUSES, value, "status")


class Risk(RiskInput):
    """A stored risk with its treatment and bookkeeping."""

    model_config = ConfigDict(extra="ignore")

    id: int
    treatment_option: str | None = Field(default=None, title="Treatment option")
    treatment_note: str = Field(default="", title="Treatment note")
    controls: list[str] = Field(default_factory=list, title="Annex A controls")
    revision: int
    created_at: datetime
    created_by: str
    updated_at: datetime
    updated_by: str

    def as_input(self) -> RiskInput:
        return RiskInput(**self.model_dump(include=set(RiskInput.model_fields)))


class RatingInput(BaseModel):
    """One rating of one tier. The level is never given: the criteria compute it."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    risk_id: int
    tier: str
    likelihood: int
    severity: int
    rationale: str = Field(min_length=1, max_length=TEXT_MAX)
    strength_of_knowledge: str = "medium"
    method: str = "individual"
    workshop_id: int | None = None
    participants: list[str] = Field(default_factory=list)
    rated_at: datetime | None = None

    @field_validator("tier")
    @classmethod
    def _known_tier(cls, value: str) -> str:
        return _known(TIERS, value, "tier")

    @field_validator("strength_of_knowledge")
    @classmethod
    def _known_knowledge(cls, value: str) -> str:
        return _known(STRENGTH_OF_KNOWLEDGE, value, "strength of knowledge")

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        return _known(RATING_METHODS, value, "rating method")

    @model_validator(mode="after")
    def _workshop_fields(self) -> RatingInput:
        if self.method == "workshop" and self.workshop_id is None:
            raise ValueError("workshop_id: a workshop rating names its workshop")
        if self.method == "individual" and self.workshop_id is not None:
            raise ValueError("workshop_id: only workshop ratings carry a workshop")
        return self


class Rating(BaseModel):
    """One stored rating of one tier of a risk: what `RatingInput` gave, the level and its rank
    the criteria computed, the criteria version it was made under, and who rated it when.

    Ratings are append-only: a stored one is never changed, so the model is frozen.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    id: int
    risk_id: int = Field(title="Risk")
    tier: str = Field(title="Rating")
    likelihood: int = Field(title="Likelihood")
    severity: int = Field(title="Severity")
    rationale: str = Field(title="Rationale")
    strength_of_knowledge: str = Field(default="medium", title="Strength of knowledge")
    method: str = Field(default="individual", title="How it was rated")
    workshop_id: int | None = Field(default=None, title="Workshop")
    participants: list[str] = Field(default_factory=list, title="Participants")
    level: str = Field(title="Level")
    level_rank: int
    criteria_version: int = Field(title="Criteria version")
    rated_at: datetime = Field(title="Rated at")
    rated_by: str = Field(title="Rated by")


class TreatmentInput(BaseModel):
    """How the organisation responds to a risk, and with which Annex A controls."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    option: str
    controls: list[str] = Field(default_factory=list)
    note: str = Field(default="", max_length=TEXT_MAX)

    @field_validator("option")
    @classmethod
    def _known_option(cls, value: str) -> str:
        return _known(catalog.taxonomy().treatment_options, value, "treatment option")

    @field_validator("controls")
    @classmethod
    def _known_controls(cls, values: list[str]) -> list[str]:
        known = catalog.control_ids()
        cleaned = list(dict.fromkeys(value.strip() for value in values if value.strip()))
        unknown = [value for value in cleaned if value not in known]
        if unknown:
            raise ValueError(
                f"unknown Annex A control {', '.join(unknown)}; controls run from A.2.2 to A.10.4"
            )
        return cleaned


class ActionInput(BaseModel):
    """A planned step of the treatment, with an owner and a due date (and, once done, the day
    it was completed)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    owner: str = Field(min_length=1, max_length=PERSON_MAX)
    due_date: date = Field(title="Due date")
    status: str = "planned"
    completed_at: date | None = Field(default=None, title="Completed on")

    @field_validator("status")
    @classmethod
    def _known_status(cls, value: str) -> str:
        return _known(ACTION_STATUSES, value, "action status")

    @field_validator("due_date")
    @classmethod
    def _plausible_due_date(cls, value: date) -> date:
        """A day already past is allowed (the page warns: overdue at once); a slip is not."""
        return check_plausible(value)

    @model_validator(mode="after")
    def _completion(self) -> ActionInput:
        """Only a done action has a completion date. A done action without one is dated by the
        store when it saves it: today when it becomes done, else the date it already has."""
        if self.status != "done" and self.completed_at is not None:
            raise ValueError("completed_at: only a done action has a completion date")
        return self


class AcceptanceInput(BaseModel):
    """Management's decision to retain the current residual risk until a date: after the day
    it was approved and at most ACCEPTANCE_MAX_YEARS later (a decision is taken again at least
    that often; the risk page also warns beyond the criteria's review interval)."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    risk_id: int
    approved_at: date = Field(title="Approved on")
    rationale: str = Field(min_length=1, max_length=TEXT_MAX)
    valid_until: date = Field(title="Valid until")

    @field_validator("approved_at")
    @classmethod
    def _plausible_approval(cls, value: date) -> date:
        return check_plausible(value)

    @model_validator(mode="after")
    def _dates(self) -> AcceptanceInput:
        if self.valid_until <= self.approved_at:
            raise ValueError("valid_until: the acceptance must end after the day it was approved")
        latest = latest_acceptance_end(self.approved_at)
        if self.valid_until > latest:
            raise ValueError(
                f"valid_until: an acceptance runs at most {ACCEPTANCE_MAX_YEARS} years, so until "
                f"{latest.isoformat()} at the latest; management decides again after that"
            )
        return self


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    for last in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable: every month has 28 days")


def latest_acceptance_end(approved_at: date) -> date:
    """The last day an acceptance approved on `approved_at` may run (ACCEPTANCE_MAX_YEARS)."""
    return add_months(approved_at, 12 * ACCEPTANCE_MAX_YEARS)


class RiskFilter(BaseModel):
    """What the register can be narrowed by (empty = every risk but the closed ones).

    A closed risk needs no decision, so it is left out of the register, its figures and its
    heatmaps unless `include_closed` is set or the status filter names a closed status (the
    same rule as the portfolio's `include_closed`).
    """

    system_ids: list[int] = Field(default_factory=list)
    levels: list[str] = Field(default_factory=list)
    level_tier: str = "residual_or_inherent"
    owners: list[str] = Field(default_factory=list)
    statuses: list[str] = Field(default_factory=list)
    harm_categories: list[str] = Field(default_factory=list)
    business_units: list[str] = Field(default_factory=list)
    search: str = ""
    # EU AI Act class of the risk's system (screening keys; "not_screened" for none yet).
    eu_ai_act_classes: list[str] = Field(default_factory=list)
    above_appetite_only: bool = False
    # Only risks with at least one open problem of the consistency checks (not notes).
    with_findings_only: bool = False
    include_closed: bool = False

    def cache_key(self) -> str:
        return self.model_dump_json()

    def includes_closed(self) -> bool:
        """Whether closed risks are in scope: asked for, or named by the status filter."""
        return self.include_closed or any(
            status in INACTIVE_RISK_STATUSES for status in self.statuses
        )


def _field_titles(*models: type[BaseModel]) -> dict[str, str]:
    """Each field's title as its model declares it, the first model naming a field winning."""
    labels: dict[str, str] = {}
    for model in models:
        for name, info in model.model_fields.items():
            if info.title:
                labels.setdefault(name, info.title)
    return labels


# What people read for each field of a risk, its ratings, actions and acceptances (the audit
# trail, the change history): declared on the models above. `acceptance_id` is the one key
# that only appears in an action's recorded state.
FIELD_LABELS: dict[str, str] = {
    **_field_titles(Risk, Rating, ActionInput, AcceptanceInput),
    "acceptance_id": "Acceptance",
}
