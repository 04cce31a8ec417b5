"""The demo risk register: risks of the demo AI systems with a year of ratings, treatments,
actions and acceptances, from data/demo/risks.yaml.

Dates in the file are relative to the day of loading (`days_ago`, `due_in_days`), so the
portfolio always has recent history, one overdue action and one expired acceptance. A risk is
matched by its system's name and its title, so loading twice adds nothing. Each risk's owner
records it, its treatment, ratings and actions; its approver records each acceptance.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from assessments import catalog
from assessments.criteria import RiskCriteria, default_criteria, map_rating
from assessments.demo_people import acting_as
from assessments.risks import (
    AcceptanceInput,
    ActionInput,
    RatingInput,
    RiskInput,
    TreatmentInput,
)
from assessments.store.criteria import criteria_in_transaction
from assessments.store.db import Transaction
from assessments.store.inventory import system_id_by_name, system_in_transaction
from assessments.store.risks import (
    apply_treatment,
    insert_acceptance,
    insert_action,
    insert_rating,
    insert_risk,
    risk_id_by_title,
)

DEMO_FILE = "risks.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DemoRating(_Strict):
    tier: str
    days_ago: int = Field(ge=0)
    likelihood: int
    severity: int
    rationale: str
    knowledge: str = "medium"


class DemoAction(_Strict):
    title: str
    owner: str
    due_in_days: int
    status: str = "planned"
    done_days_ago: int | None = None


class DemoAcceptance(_Strict):
    approved_by: str
    days_ago: int = Field(ge=0)
    valid_days: int = Field(gt=0)
    rationale: str


class DemoTreatment(_Strict):
    option: str
    controls: list[str] = Field(default_factory=list)
    note: str = ""


class DemoRisk(_Strict):
    """One entry of risks.yaml; a `library` entry supplies the fields the entry leaves out."""

    system: str
    title: str
    library: str | None = None
    description: str | None = None
    harm_category: str | None = None
    risk_source: str | None = None
    affected_parties: list[str] | None = None
    lifecycle_stage: str | None = None
    owner: str
    status: str = "open"
    treatment: DemoTreatment | None = None
    ratings: list[DemoRating] = Field(default_factory=list)
    actions: list[DemoAction] = Field(default_factory=list)
    acceptances: list[DemoAcceptance] = Field(default_factory=list)

    def risk_input(self, system_id: int, system_stage: str) -> RiskInput:
        library = {entry.id: entry for entry in catalog.risk_library()}
        source = library[self.library] if self.library else None
        return RiskInput(
            system_id=system_id,
            title=self.title,
            description=self.description or (source.description if source else ""),
            harm_category=self.harm_category or (source.harm_category if source else ""),
            risk_source=self.risk_source or (source.risk_source if source else ""),
            affected_parties=self.affected_parties or (source.affected_parties if source else []),
            lifecycle_stage=self.lifecycle_stage or system_stage,
            owner=self.owner,
            status=self.status,
            library_id=self.library,
        )


def demo_risks() -> list[DemoRisk]:
    """The entries of data/demo/risks.yaml, validated."""
    from assessments.demo import read_demo_yaml

    return [DemoRisk.model_validate(entry) for entry in read_demo_yaml(DEMO_FILE)["risks"]]


def _on_scale(
    demo: RiskCriteria, current: RiskCriteria, likelihood: int, severity: int
) -> tuple[int, int]:
    """A 5 x 5 demo value placed on the workbench's own scales when they differ."""
    return map_rating(demo, current, likelihood, severity)


def _events(entry: DemoRisk) -> list[tuple[int, int, Any]]:
    """Ratings and acceptances oldest first (an acceptance accepts the residual rating of its
    day, so it comes after the ratings of the same day)."""
    events: list[tuple[int, int, Any]] = [(-r.days_ago, 0, r) for r in entry.ratings]
    events += [(-a.days_ago, 1, a) for a in entry.acceptances]
    return sorted(events, key=lambda event: (event[0], event[1]))


def _add_history(
    transaction: Transaction,
    entry: DemoRisk,
    risk_id: int,
    today: date,
    now: datetime,
    scales: tuple[RiskCriteria, RiskCriteria],
) -> int:
    added = 0
    for _, _, event in _events(entry):
        if isinstance(event, DemoRating):
            likelihood, severity = _on_scale(*scales, event.likelihood, event.severity)
            insert_rating(
                transaction,
                RatingInput(
                    risk_id=risk_id,
                    tier=event.tier,
                    likelihood=likelihood,
                    severity=severity,
                    rationale=event.rationale,
                    strength_of_knowledge=event.knowledge,
                    rated_at=now - timedelta(days=event.days_ago),
                ),
            )
        else:
            approved = today - timedelta(days=event.days_ago)
            with acting_as(transaction, event.approved_by):
                insert_acceptance(
                    transaction,
                    AcceptanceInput(
                        risk_id=risk_id,
                        approved_at=approved,
                        rationale=event.rationale,
                        valid_until=approved + timedelta(days=event.valid_days),
                    ),
                )
        added += 1
    for action in entry.actions:
        insert_action(
            transaction,
            risk_id,
            ActionInput(
                title=action.title,
                owner=action.owner,
                due_date=today + timedelta(days=action.due_in_days),
                status=action.status,
                completed_at=(
                    today - timedelta(days=action.done_days_ago)
                    if action.done_days_ago is not None
                    else None
                ),
            ),
        )
        added += 1
    return added


def load_risks(transaction: Transaction) -> int:
    """Add the demo risks that are missing, with their history; returns the records added."""
    scales = (default_criteria(), criteria_in_transaction(transaction))
    now = transaction.at
    added = 0
    for entry in demo_risks():
        system_id = system_id_by_name(transaction, entry.system)
        system = None if system_id is None else system_in_transaction(transaction, system_id)
        if system is None:
            continue
        stage = system.lifecycle_stage
        if risk_id_by_title(transaction, system_id, entry.title) is not None:
            continue
        with acting_as(transaction, entry.owner):
            added += _add_risk(transaction, entry, system_id, stage, now, scales)
    return added


def _add_risk(
    transaction: Transaction,
    entry: DemoRisk,
    system_id: int,
    stage: str,
    now: datetime,
    scales: tuple[RiskCriteria, RiskCriteria],
) -> int:
    """One demo risk with its treatment and history; returns the records added."""
    risk = insert_risk(transaction, entry.risk_input(system_id, stage))
    added = 1
    if entry.treatment is not None:
        apply_treatment(
            transaction,
            risk.id,
            TreatmentInput(
                option=entry.treatment.option,
                controls=entry.treatment.controls,
                note=entry.treatment.note,
            ),
        )
        added += 1
    return added + _add_history(transaction, entry, risk.id, now.date(), now, scales)
