"""The guided path of one risk (steps, acceptance need, form parsing) and the per-system views."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assessments.criteria import default_criteria
from assessments.errors import FieldErrors
from assessments.risk_workflow import (
    acceptance_need,
    action_is_overdue,
    completed_steps,
    next_step,
    parse_acceptance,
    parse_action,
    parse_rating,
)
from assessments.store import inventory as inventory_store
from assessments.store import risk_summary
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


def test_steps_run_inherent_treatment_residual_target() -> None:
    assert next_step(set()) == "inherent"
    done = completed_steps({"inherent": {}}, None)
    assert done == {"inherent"} and next_step(done) == "treatment"
    done = completed_steps({"inherent": {}}, "change_likelihood")
    assert next_step(done) == "residual"
    done = completed_steps({"inherent": {}, "residual": {}, "target": {}}, "retain")
    assert next_step(done) == "target"


def test_a_rating_without_choices_or_rationale_gets_a_sentence_per_field() -> None:
    with pytest.raises(FieldErrors) as caught:
        parse_rating(
            {"risk_id": 1, "tier": "inherent", "likelihood": None, "severity": 3, "rationale": " "}
        )
    assert caught.value.errors == {
        "likelihood": "Choose a likelihood step.",
        "rationale": "Give the reason for this rating: what you know, and what you assumed.",
    }
    rating = parse_rating(
        {"risk_id": 1, "tier": "inherent", "likelihood": 2, "severity": 3, "rationale": "Seen."}
    )
    assert rating.likelihood == 2


def test_an_acceptance_needs_an_approver_and_an_expiry() -> None:
    with pytest.raises(FieldErrors) as caught:
        parse_acceptance(
            {
                "risk_id": 1,
                "approved_by": "",
                "approved_at": date(2026, 1, 1),
                "rationale": "Costs outweigh.",
                "valid_until": None,
            }
        )
    assert set(caught.value.errors) == {"approved_by", "valid_until"}
    assert caught.value.errors["valid_until"].startswith("Give the date until which")
    with pytest.raises(FieldErrors) as caught:
        parse_action({"title": "Retrain", "owner": "Ada", "due_date": None})
    assert caught.value.errors == {"due_date": "Give a due date."}


def test_acceptance_is_needed_only_above_the_appetite() -> None:
    criteria = default_criteria()  # appetite Medium
    high = {"level": criteria.level_for(5, 5).name}
    low = {"level": criteria.level_for(1, 1).name}
    assert not acceptance_need(None, None, "fairness", []).needed
    assert not acceptance_need(low, criteria, "privacy", []).needed
    need = acceptance_need(high, criteria, "privacy", [])
    assert need.needed and need.accepted_until is None
    assert "is above the appetite (Medium)" in need.message
    medium = {"level": "Medium"}
    assert not acceptance_need(medium, criteria, "privacy", []).needed
    strict = acceptance_need(medium, criteria, "fairness", [])  # tolerance Low for fairness
    assert strict.needed and "above the tolerance for Fairness (Low)" in strict.message
    until = date.today() + timedelta(days=90)
    accepted = acceptance_need(
        high, criteria, "privacy", [{"in_force": True, "valid_until": until}]
    )
    assert accepted.accepted_until == until
    expired = acceptance_need(
        high, criteria, "privacy", [{"in_force": False, "valid_until": date(2020, 1, 1)}]
    )
    assert expired.accepted_until is None


def test_per_system_views_count_residual_levels(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input())
    other = inventory_store.create_system(db, "Ada", system_input(name="Other"))
    rated = store.create_risk(db, "Ada", risk_input(system.id, library_id="LIB-001"))
    store.create_risk(db, "Ada", risk_input(system.id, title="Not rated"))
    store.create_risk(db, "Ada", risk_input(other.id))
    store.record_rating(db, "Ben", rating_input(rated.id, "residual", likelihood=5, severity=5))
    counts = risk_summary.residual_level_counts(db, system.id)
    assert counts["level"].tolist() == ["Critical", risk_summary.NOT_RATED]
    assert counts["risks"].tolist() == [1, 1]
    assert counts["colour"].iloc[0].startswith("#")
    frame = risk_summary.risks_of_system(db, system.id)
    assert len(frame) == 2
    assert frame.set_index("id").loc[rated.id, "residual_level"] == "Critical"
    assert risk_summary.library_ids_of_system(db, system.id) == {"LIB-001"}
    assert risk_summary.library_ids_of_system(db, other.id) == set()
    assert risk_summary.risk_choices(db)[rated.id].endswith("(Loan Advisor)")


def test_only_open_actions_past_their_due_date_are_overdue() -> None:
    today = date(2026, 6, 1)
    assert action_is_overdue("planned", date(2026, 5, 31), today)
    assert action_is_overdue("in_progress", datetime(2026, 5, 1, 9, 0), today)
    assert not action_is_overdue("planned", today, today)
    assert not action_is_overdue("done", date(2026, 1, 1), today)
    assert not action_is_overdue("cancelled", date(2026, 1, 1), today)
