"""The guided path of one risk (steps, acceptance need, form parsing) and the per-system views."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from assessments.analytics import impact_text
from assessments.catalog import risk_library
from assessments.criteria import default_criteria, presets
from assessments.errors import FieldErrors
from assessments.identification import typical_rating
from assessments.risk_workflow import (
    StartingPoint,
    acceptance_need,
    acceptance_warnings,
    action_is_overdue,
    action_warnings,
    appetite_verdict,
    completed_steps,
    next_step,
    parse_acceptance,
    parse_action,
    parse_rating,
    starting_points,
    step_after_rating,
    tier_order_warning,
)
from assessments.risks import ACCEPTANCE_MAX_YEARS, RATIONALE_MIN, Rating, add_months
from assessments.store import inventory as inventory_store
from assessments.store import risk_summary
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


def rated(tier: str = "inherent", **fields: object) -> Rating:
    """A stored rating as store/risks returns it, with only what a test names set."""
    values: dict[str, object] = {
        "id": 1,
        "risk_id": 1,
        "tier": tier,
        "likelihood": 3,
        "severity": 3,
        "rationale": "Seen in the pilot.",
        "level": "Medium",
        "level_rank": 2,
        "criteria_version": 1,
        "rated_at": datetime(2026, 1, 1),
        "rated_by": "Ben",
    }
    return Rating.model_validate({**values, **fields})


def test_steps_run_inherent_treatment_residual_target() -> None:
    assert next_step(set()) == "inherent"
    done = completed_steps({"inherent": rated()}, None)
    assert done == {"inherent"} and next_step(done) == "treatment"
    done = completed_steps({"inherent": rated()}, "change_likelihood")
    assert next_step(done) == "residual"
    every = {tier: rated(tier) for tier in ("inherent", "residual", "target")}
    done = completed_steps(every, "retain")
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
        {
            "risk_id": 1,
            "tier": "inherent",
            "likelihood": 2,
            "severity": 3,
            "rationale": "Seen in two incidents.",
        }
    )
    assert rating.likelihood == 2


def test_an_acceptance_needs_an_expiry() -> None:
    with pytest.raises(FieldErrors) as caught:
        parse_acceptance(
            {
                "risk_id": 1,
                "approved_at": date(2026, 1, 1),
                "rationale": "Costs outweigh.",
                "valid_until": None,
            }
        )
    assert set(caught.value.errors) == {"valid_until"}
    assert caught.value.errors["valid_until"].startswith("Give the date until which")
    with pytest.raises(FieldErrors) as caught:
        parse_action({"title": "Retrain", "owner": "Ada", "due_date": None})
    assert caught.value.errors == {"due_date": "Give a due date."}


def test_acceptance_is_needed_only_above_the_appetite() -> None:
    criteria = default_criteria()  # appetite Medium
    high = rated("residual", level=criteria.level_for(5, 5).name)
    low = rated("residual", level=criteria.level_for(1, 1).name)
    assert not acceptance_need(None, None, "fairness", []).needed
    assert not acceptance_need(low, criteria, "privacy", []).needed
    need = acceptance_need(high, criteria, "privacy", [])
    assert need.needed and need.accepted_until is None
    assert "is above the appetite (Medium)" in need.message
    medium = rated("residual", level="Medium")
    assert not acceptance_need(medium, criteria, "privacy", []).needed
    strict = acceptance_need(medium, criteria, "fairness", [])  # tolerance Low for fairness
    assert strict.needed and "above the tolerance for Fairness (Low)" in strict.message
    until = date.today() + timedelta(days=90)
    accepted = acceptance_need(
        high,
        criteria,
        "privacy",
        [{"in_force": True, "covers_current": True, "level": "Critical", "valid_until": until}],
    )
    assert accepted.accepted_until == until
    expired = acceptance_need(
        high,
        criteria,
        "privacy",
        [{"in_force": False, "covers_current": True, "valid_until": date(2020, 1, 1)}],
    )
    assert expired.accepted_until is None


def test_per_system_views_count_residual_levels(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input())
    other = inventory_store.create_system(db, "Ada", system_input(name="Other"))
    rated = store.create_risk(db, "Ada", risk_input(system.id, library_id="LIB-001"))
    store.create_risk(db, "Ada", risk_input(system.id, title="Not rated"))
    inherent_only = store.create_risk(db, "Ada", risk_input(system.id, title="Inherent only"))
    store.create_risk(db, "Ada", risk_input(other.id))
    store.record_rating(db, "Ben", rating_input(rated.id, "residual", likelihood=5, severity=5))
    store.record_rating(db, "Ben", rating_input(inherent_only.id, "inherent"))
    counts = risk_summary.residual_level_counts(db, system.id)
    # A risk with an inherent rating is not "not rated": it has no residual rating yet.
    assert counts["level"].tolist() == [
        "Critical",
        risk_summary.NO_RESIDUAL,
        risk_summary.NOT_RATED,
    ]
    assert counts["risks"].tolist() == [1, 1, 1]
    assert counts["colour"].iloc[0].startswith("#")
    frame = risk_summary.risks_of_system(db, system.id)
    assert len(frame) == 3
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


def test_after_a_rating_the_path_moves_on_unless_the_residual_needs_acceptance() -> None:
    criteria = default_criteria()  # appetite Medium, fairness tolerance Low
    assert step_after_rating("inherent", "Critical", criteria, "privacy") == "treatment"
    assert step_after_rating("residual", "Medium", criteria, "privacy") == "target"
    assert step_after_rating("residual", "High", criteria, "privacy") == "residual"
    assert step_after_rating("residual", "Medium", criteria, "fairness") == "residual"
    assert step_after_rating("target", "Critical", criteria, "privacy") == "target"


def test_only_ratings_under_the_same_criteria_version_seed_a_new_rating() -> None:
    criteria = default_criteria().model_copy(update={"version": 2})
    entry = next(item for item in risk_library() if item.id == "LIB-001")
    current = {
        "inherent": rated("inherent", likelihood=4, severity=3, criteria_version=2),
        "residual": rated("residual", likelihood=2, severity=2, criteria_version=1),
    }
    typical = typical_rating(entry, criteria)
    assert starting_points("inherent", current, criteria, entry) == [
        StartingPoint("the library's typical rating", *typical),
        StartingPoint("the current inherent rating", 4, 3),
    ]
    # The residual rating was made under version 1: its numbers mean something else now.
    assert starting_points("residual", current, criteria) == [
        StartingPoint("the current inherent rating", 4, 3)
    ]
    assert starting_points("target", current, criteria) == []
    smaller = presets()["preset_3x3"].model_copy(update={"version": 2})
    assert starting_points("inherent", {}, smaller, entry)[0].likelihood <= 3


def test_appetite_verdict_names_the_limit_that_applies() -> None:
    criteria = default_criteria()
    assert appetite_verdict(criteria, "High", "privacy") == "above the appetite (Medium)"
    assert appetite_verdict(criteria, "Low", "fairness") == (
        "within the tolerance for Fairness (Low)"
    )


def test_an_acceptance_of_an_earlier_rating_does_not_retain_the_current_one() -> None:
    criteria = default_criteria()
    until = date.today() + timedelta(days=30)
    outgrown = {"in_force": True, "covers_current": False, "level": "High", "valid_until": until}
    need = acceptance_need(rated("residual", level="Critical"), criteria, "privacy", [outgrown])
    assert need.needed and need.accepted_until is None
    assert "accepted High, an earlier residual rating, and does not cover this one" in (
        need.message
    )


def test_impact_assessment_in_a_few_words() -> None:
    assert impact_text(None) == ""
    assert impact_text({"response_id": None, "status": None, "level": None}) == "None yet"
    approved = {"response_id": 4, "status": "approved", "level": 3, "stale": False}
    assert impact_text(approved) == "Approved, level 3"
    draft = {"response_id": 5, "status": "in_review", "level": float("nan"), "stale": True}
    assert impact_text(draft) == "In review (stale)"


def test_a_rating_needs_a_rationale_someone_can_follow() -> None:
    values = {"risk_id": 1, "tier": "inherent", "likelihood": 2, "severity": 3}
    with pytest.raises(FieldErrors) as short:
        parse_rating({**values, "rationale": "  ok  "})
    assert f"at least {RATIONALE_MIN} characters" in short.value.errors["rationale"]
    with pytest.raises(FieldErrors) as both:  # a short rationale and a missing choice together
        parse_rating({**values, "severity": None, "rationale": "ok"})
    assert set(both.value.errors) == {"rationale", "severity"}
    with pytest.raises(FieldErrors) as empty:
        parse_rating({**values, "rationale": ""})
    assert empty.value.errors["rationale"].startswith("Give the reason")
    assert parse_rating({**values, "rationale": "Seen twice in the last audit."}).likelihood == 2


def test_an_acceptance_runs_at_most_three_years_and_warns_past_the_review_interval() -> None:
    approved = date(2026, 11, 28)
    values = {
        "risk_id": 1,
        "approved_at": approved,
        "rationale": "Benefit outweighs the remaining risk.",
    }
    latest = add_months(approved, 12 * ACCEPTANCE_MAX_YEARS)
    assert latest == date(2029, 11, 28)
    assert parse_acceptance({**values, "valid_until": latest}).valid_until == latest
    with pytest.raises(FieldErrors) as ten_years:
        parse_acceptance({**values, "valid_until": date(2036, 1, 1)})
    assert "at most 3 years" in ten_years.value.errors["valid_until"]
    assert "2029-11-28" in ten_years.value.errors["valid_until"]
    # Within 12 months (the default review interval): no warning; beyond it: a warning.
    assert acceptance_warnings(approved, date(2027, 11, 28), 12) == {}
    warned = acceptance_warnings(approved, date(2028, 6, 1), 12)
    assert "review interval" in warned["valid_until"] and "2027-11-28" in warned["valid_until"]
    assert acceptance_warnings(approved, None, 12) == {}
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)


def test_a_due_date_in_the_past_is_warned_not_refused() -> None:
    today = date(2026, 11, 28)
    assert "already passed" in action_warnings(date(2026, 11, 1), "planned", today)["due_date"]
    assert action_warnings(date(2026, 11, 1), "done", today) == {}
    assert action_warnings(today, "planned", today) == {}
    assert action_warnings(None, None, today) == {}
    action = parse_action(
        {"title": "Review", "owner": "Ada", "due_date": date(2026, 11, 1), "status": "planned"}
    )
    assert action.due_date == date(2026, 11, 1)  # accepted: a warning only


def test_a_target_above_the_residual_is_warned_while_rating() -> None:
    criteria = default_criteria()
    residual = rated("residual", level="Medium", criteria_version=criteria.version)
    inherent = rated("inherent", level="High", criteria_version=criteria.version)
    current = {"residual": residual, "inherent": inherent}
    worse = criteria.level_for(5, 5).name
    warning = tier_order_warning("target", worse, current, criteria)
    assert warning is not None and "above the current residual rating (Medium)" in warning
    assert tier_order_warning("target", "Low", current, criteria) is None
    assert "inherent rating (High)" in tier_order_warning("residual", worse, current, criteria)
    assert tier_order_warning("inherent", worse, current, criteria) is None
    older = {"residual": residual.model_copy(update={"criteria_version": criteria.version + 1})}
    assert tier_order_warning("target", worse, older, criteria) is None
