"""A small portfolio whose figures are worked out by hand, for the leadership view's tests.

Dates are relative to the month we are in (M9 = the first day of the month nine months ago),
so the figures do not drift as the calendar moves on. Default 5 x 5 criteria: appetite Medium,
fairness tolerance Low. What is in force now, per risk:

    R1 Alpha, fairness, Ada   inherent L4 S4 High, residual L2 S2 Low (was L3 S3 Medium until
                              M7+3), target L1 S2 Low
    R2 Alpha, privacy,  Ben   inherent L5 S4 Critical, residual L4 S4 High: above the appetite;
                              accepted M8+6 for 60 days (expired); one action done at M7+10
                              that was due at M8+20
    R3 Beta,  safety,   Ada   inherent L2 S3 Medium only; one planned action due 10 days ago
    R4 Beta,  security, Cy    never rated
    R5 Beta,  fairness, Ada   closed; inherent and residual L1 S1 Low
    Gamma                     an AI system with no risk
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from assessments.risks import AcceptanceInput, ActionInput
from assessments.store import inventory as inventory_store
from assessments.store import risks as risk_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

ACTOR = "Fixture Builder"


def month_start(months_ago: int, today: date | None = None) -> date:
    """The first day of the month `months_ago` months before the current one."""
    today = today or date.today()
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, 1)


def at(day: date, offset_days: int, hour: int = 10) -> datetime:
    return datetime.combine(day + timedelta(days=offset_days), time(hour))


@dataclass
class Portfolio:
    alpha: int
    beta: int
    gamma: int
    r1: int
    r2: int
    r3: int
    r4: int
    r5: int
    m9: date
    m8: date
    m7: date
    m6: date


def build_portfolio(db: Database) -> Portfolio:
    m9, m8, m7, m6 = (month_start(k) for k in (9, 8, 7, 6))
    alpha = inventory_store.create_system(
        db, ACTOR, system_input(name="Alpha Scoring", business_unit="Lending")
    ).id
    beta = inventory_store.create_system(
        db, ACTOR, system_input(name="Beta Screening", business_unit="People & HR")
    ).id
    gamma = inventory_store.create_system(
        db, ACTOR, system_input(name="Gamma Chat", business_unit="Customer Service")
    ).id

    def risk(system_id: int, title: str, **overrides: object) -> int:
        return risk_store.create_risk(db, ACTOR, risk_input(system_id, title=title, **overrides)).id

    def rate(risk_id: int, tier: str, likelihood: int, severity: int, when: datetime) -> None:
        risk_store.record_rating(
            db,
            ACTOR,
            rating_input(risk_id, tier, likelihood=likelihood, severity=severity, rated_at=when),
        )

    r1 = risk(alpha, "Older applicants scored lower", harm_category="fairness", owner="Ada Park")
    r2 = risk(
        alpha,
        "Account data exposed through the model",
        harm_category="privacy",
        owner="Ben Okafor",
        lifecycle_stage="deployment",
    )
    r3 = risk(
        beta,
        "Unsafe advice in an edge case",
        harm_category="safety",
        owner="Ada Park",
        lifecycle_stage="design_development",
    )
    r4 = risk(beta, "Prompt injection", harm_category="security", owner="Cy Lindqvist")
    r5 = risk(beta, "Retired shortcut", harm_category="fairness", owner="Ada Park", status="closed")

    rate(r1, "inherent", 4, 4, at(m9, 2))
    rate(r1, "residual", 3, 3, at(m9, 5))
    rate(r1, "target", 1, 2, at(m9, 5))
    rate(r1, "residual", 2, 2, at(m7, 3))
    rate(r2, "inherent", 5, 4, at(m8, 1))
    rate(r2, "residual", 4, 4, at(m8, 4))
    rate(r3, "inherent", 2, 3, at(m8, 10))
    rate(r5, "inherent", 1, 1, at(m9, 1))
    rate(r5, "residual", 1, 1, at(m9, 1))

    approved = m8 + timedelta(days=6)
    risk_store.record_acceptance(
        db,
        "Chief Risk Officer",
        AcceptanceInput(
            risk_id=r2,
            approved_at=approved,
            rationale="Retained while the access review runs.",
            valid_until=approved + timedelta(days=60),
        ),
    )
    risk_store.add_action(
        db,
        ACTOR,
        r2,
        ActionInput(
            title="Tighten access to the feature store",
            owner="Ben Okafor",
            due_date=m8 + timedelta(days=20),
            status="done",
            completed_at=m7 + timedelta(days=10),
        ),
    )
    risk_store.add_action(
        db,
        ACTOR,
        r3,
        ActionInput(
            title="Add a clinician review step",
            owner="Ada Park",
            due_date=date.today() - timedelta(days=10),
            status="planned",
        ),
    )
    return Portfolio(alpha, beta, gamma, r1, r2, r3, r4, r5, m9, m8, m7, m6)
