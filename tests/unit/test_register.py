"""The risk register: one row per risk, its filters, appetite and acceptance, every consistency
check (found and not found), the heatmap counts with ratings placed from older criteria."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from assessments.criteria import presets
from assessments.risk_checks import CHECKS
from assessments.risks import AcceptanceInput, ActionInput, RiskFilter, TreatmentInput
from assessments.store import criteria as criteria_store
from assessments.store import inventory as inventory_store
from assessments.store import register
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

TODAY = date.today()


@pytest.fixture
def systems(db: Database) -> tuple[int, int]:
    lending = inventory_store.create_system(db, "Ada", system_input()).id
    hiring = inventory_store.create_system(
        db, "Ada", system_input(name="CV Ranker", business_unit="People")
    ).id
    return lending, hiring


def add_risk(db: Database, system_id: int, **overrides: object) -> int:
    return store.create_risk(db, "Ada", risk_input(system_id, **overrides)).id


def rate(
    db: Database,
    risk_id: int,
    tier: str,
    likelihood: int,
    severity: int,
    days_ago: int = 0,
) -> None:
    rated_at = datetime.now() - timedelta(days=days_ago) if days_ago else None
    store.record_rating(
        db,
        "Ben",
        rating_input(risk_id, tier, likelihood=likelihood, severity=severity, rated_at=rated_at),
    )


def accept(db: Database, risk_id: int, approved: date, valid_until: date) -> int:
    return store.record_acceptance(
        db,
        "Chief Risk Officer",
        AcceptanceInput(
            risk_id=risk_id,
            approved_at=approved,
            rationale="Benefit outweighs the remaining risk.",
            valid_until=valid_until,
        ),
    )


def treat(db: Database, risk_id: int, option: str, controls: list[str]) -> None:
    store.set_treatment(db, "Ada", risk_id, TreatmentInput(option=option, controls=controls))


def checks_of(db: Database, risk_id: int, as_of: date | None = None) -> set[str]:
    return set(register.consistency_checks(db, risk_ids=[risk_id], as_of=as_of)["check"])


def row(db: Database, risk_id: int, **kwargs: object) -> dict:
    frame = register.register_frame(db, risk_ids=[risk_id], **kwargs)
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


# --- the register frame --------------------------------------------------------------------


def test_one_row_per_risk_with_each_tier_side_by_side(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending)
    unrated = add_risk(db, lending, title="Not rated yet")
    rate(db, risk, "inherent", 4, 4, days_ago=30)
    rate(db, risk, "residual", 2, 3, days_ago=10)
    treat(db, risk, "change_likelihood", ["A.7.4", "A.6.2.4"])
    frame = register.register_frame(db)
    assert list(frame.columns) == register.REGISTER_COLUMNS
    assert sorted(frame["risk_id"]) == sorted([risk, unrated])
    rated = row(db, risk)
    assert (rated["inherent_likelihood"], rated["inherent_severity"]) == (4, 4)
    assert rated["inherent_level"] == "High" and rated["inherent_level_rank"] == 3
    assert (rated["residual_level"], rated["residual_criteria_version"]) == ("Medium", 1)
    assert rated["current_tier"] == "residual" and rated["current_level"] == "Medium"
    assert rated["controls"] == ["A.7.4", "A.6.2.4"]
    assert rated["treatment_option"] == "change_likelihood"
    assert rated["system_name"] == "Loan Advisor" and rated["business_unit"] == "Lending"
    assert rated["last_rated_at"].date() == TODAY - timedelta(days=10)
    blank = row(db, unrated)
    assert blank["current_tier"] is None and not blank["above_appetite"]
    assert blank["findings"] == 1  # never rated


def test_filters_narrow_the_register(db: Database, systems) -> None:
    lending, hiring = systems
    high = add_risk(db, lending, title="Wrong credit limits", owner="Ada Park")
    low = add_risk(db, lending, title="Slow answers", harm_category="robustness", owner="Bo Li")
    fair = add_risk(db, hiring, title="Career gaps count against women", status="in_treatment")
    rate(db, high, "inherent", 4, 4)
    rate(db, low, "inherent", 1, 1)
    rate(db, fair, "inherent", 4, 4)
    rate(db, fair, "residual", 2, 2)

    def ids(**filters: object) -> set[int]:
        return set(register.register_frame(db, RiskFilter(**filters))["risk_id"])

    assert ids() == {high, low, fair}
    assert ids(system_ids=[hiring]) == {fair}
    assert ids(business_units=["Lending"]) == {high, low}
    assert ids(owners=["Bo Li"]) == {low}
    assert ids(statuses=["in_treatment"]) == {fair}
    assert ids(harm_categories=["robustness"]) == {low}
    assert ids(levels=["High"]) == {high}  # current: fair's residual is Low
    assert ids(levels=["High"], level_tier="inherent") == {high, fair}
    assert ids(levels=["Low"], level_tier="residual") == {fair}
    assert ids(levels=["Low"], level_tier="target") == set()
    assert ids(search="CREDIT") == {high}
    assert ids(search="cv ranker") == {fair}
    assert ids(search=f"R-{low}") == {low}
    assert ids(above_appetite_only=True) == {high}
    with pytest.raises(ValueError, match="not a tier"):
        ids(levels=["High"], level_tier="planned")


def test_with_findings_only_keeps_risks_with_a_problem(db: Database, systems) -> None:
    lending, _ = systems
    fine = add_risk(db, lending, harm_category="robustness")
    rate(db, fine, "inherent", 1, 1)
    unrated = add_risk(db, lending, title="Unrated")
    only = RiskFilter(with_findings_only=True)
    assert register.register_frame(db, only)["risk_id"].tolist() == [unrated]
    assert register.consistency_checks(db, filters=only)["risk_id"].tolist() == [unrated]
    rate(db, unrated, "inherent", 2, 2)
    assert register.register_frame(db, only).empty
    rate(db, fine, "residual", 3, 3)  # now above the inherent rating: a problem
    assert register.matrix_counts(db, "residual", only)["count"].sum() == 1


def test_appetite_uses_the_residual_or_else_the_inherent_and_the_tolerance(
    db: Database, systems
) -> None:
    lending, _ = systems
    robustness = add_risk(db, lending, harm_category="robustness")
    rate(db, robustness, "inherent", 4, 4)  # High > appetite Medium
    assert row(db, robustness)["above_appetite"]
    rate(db, robustness, "residual", 3, 3)  # Medium: within the appetite
    assert not row(db, robustness)["above_appetite"]
    fairness = add_risk(db, lending, harm_category="fairness")
    rate(db, fairness, "inherent", 3, 3)  # Medium, but fairness tolerates only Low
    details = row(db, fairness)
    assert details["above_appetite"] and details["acceptable_level"] == "Low"


def test_appetite_is_judged_under_the_version_the_rating_was_made_under(
    db: Database, systems
) -> None:
    lending, _ = systems
    before = add_risk(db, lending, harm_category="robustness")
    rate(db, before, "inherent", 4, 4)  # High under version 1 (appetite Medium)
    looser = criteria_store.current_criteria(db).model_copy(update={"appetite": "High"})
    criteria_store.save_criteria(db, "Ada", looser)
    after = add_risk(db, lending, title="Rated later", harm_category="robustness")
    rate(db, after, "inherent", 4, 4)  # High under version 2 (appetite High)
    assert row(db, before)["above_appetite"] and row(db, before)["acceptable_level"] == "Medium"
    assert not row(db, after)["above_appetite"]


def test_accepted_until_is_the_acceptance_in_force_for_the_current_residual(
    db: Database, systems
) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 4, 4)
    rate(db, risk, "residual", 3, 4)  # High
    until = TODAY + timedelta(days=90)
    acceptance = accept(db, risk, TODAY, until)

    def accepted_until(as_of: date | None = None) -> date | None:
        value = row(db, risk, as_of=as_of)["accepted_until"]
        return None if pd.isna(value) else value.date()

    assert accepted_until() == until
    assert accepted_until(as_of=until + timedelta(days=1)) is None
    rate(db, risk, "residual", 5, 5)  # worse than what was accepted
    assert accepted_until() is None
    rate(db, risk, "residual", 3, 4)  # back to the accepted level
    assert accepted_until() == until
    store.revoke_acceptance(db, "Ada", acceptance)
    assert accepted_until() is None


# --- consistency checks, each found and not found --------------------------------------------


def test_check_keys_are_the_documented_ones(db: Database, systems) -> None:
    assert set(register.consistency_checks(db)["check"]) <= set(CHECKS)
    assert list(register.consistency_checks(db).columns) == register.CHECK_COLUMNS


def test_never_rated(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending)
    closed = add_risk(db, lending, title="Closed", status="closed")
    assert checks_of(db, risk) == {"never_rated"}
    assert checks_of(db, closed) == set()
    rate(db, risk, "inherent", 1, 1)
    assert "never_rated" not in checks_of(db, risk)


def test_residual_above_inherent(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 2, 2)
    rate(db, risk, "residual", 2, 2)
    assert "residual_above_inherent" not in checks_of(db, risk)
    rate(db, risk, "residual", 3, 3)
    found = register.consistency_checks(db, risk_ids=[risk])
    message = found.set_index("check").loc["residual_above_inherent", "message"]
    assert "Medium (L3 × S3)" in message and "Low (L2 × S2)" in message


def test_target_above_residual(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 4, 4)
    rate(db, risk, "residual", 2, 2)
    rate(db, risk, "target", 1, 2)
    treat(db, risk, "change_likelihood", ["A.6.2.4"])
    assert checks_of(db, risk) == set()
    rate(db, risk, "target", 5, 5)
    found = register.consistency_checks(db, risk_ids=[risk])
    message = found.set_index("check").loc["target_above_residual", "message"]
    assert "target rating Critical (L5 × S5)" in message and "Low (L2 × S2)" in message
    assert CHECKS["target_above_residual"].kind == "problem"
    assert row(db, risk)["findings"] == 1


def test_never_rated_message_does_not_repeat_its_label(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending)
    message = register.consistency_checks(db, risk_ids=[risk])["message"].iloc[0]
    assert message == "Rate the inherent risk (before controls) to start."
    assert CHECKS["never_rated"].label.lower() not in message.lower()


def test_risks_of_a_retired_system_are_out_of_scope_unless_included(db: Database, systems) -> None:
    lending, hiring = systems
    kept = add_risk(db, lending)
    rate(db, kept, "inherent", 5, 5)
    retired_risk = add_risk(db, hiring, title="Ranking drifts")
    rate(db, retired_risk, "inherent", 5, 5)
    assert register.register_summary(db)["risks"] == 2
    inventory_store.retire_system(db, "Ada", hiring)
    summary = register.register_summary(db)
    assert summary["risks"] == 1 and summary["above_appetite"] == 1
    assert register.register_frame(db)["risk_id"].tolist() == [kept]
    assert int(register.matrix_counts(db, "inherent")["count"].sum()) == 1
    everything = register.register_frame(db, RiskFilter(include_closed=True))
    assert set(everything["risk_id"]) == {kept, retired_risk}
    # Shown when included or when its system is chosen, but it needs no decision any more.
    named = register.register_frame(db, RiskFilter(system_ids=[hiring]))
    assert named["risk_id"].tolist() == [retired_risk]
    assert not named["above_appetite"].iloc[0] and named["findings"].iloc[0] == 0
    assert named["system_status"].iloc[0] == "retired"
    assert checks_of(db, retired_risk) == set()


def test_residual_lowered_without_treatment_or_control(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 4, 4)
    rate(db, risk, "residual", 2, 2)
    assert "residual_lowered_without_treatment" in checks_of(db, risk)
    treat(db, risk, "retain", [])
    assert "residual_lowered_without_treatment" in checks_of(db, risk)
    treat(db, risk, "avoid", [])  # stopping the activity lowers a risk without a control
    assert "residual_lowered_without_treatment" not in checks_of(db, risk)
    treat(db, risk, "retain", ["A.6.2.6"])
    assert "residual_lowered_without_treatment" not in checks_of(db, risk)


def test_above_appetite_with_no_acceptance(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 4, 4)
    rate(db, risk, "residual", 3, 4)  # High
    treat(db, risk, "change_likelihood", ["A.6.2.4"])
    assert "above_appetite_unaccepted" in checks_of(db, risk)  # no open action either
    action = store.add_action(
        db, "Ada", risk, ActionInput(title="Retrain", owner="Bo", due_date=TODAY + timedelta(9))
    )
    assert "above_appetite_unaccepted" not in checks_of(db, risk)  # being treated
    treat(db, risk, "retain", ["A.6.2.4"])
    assert "above_appetite_unaccepted" in checks_of(db, risk)  # retained: needs acceptance
    accept(db, risk, TODAY, TODAY + timedelta(days=30))
    assert "above_appetite_unaccepted" not in checks_of(db, risk)
    assert action > 0


def test_acceptance_expired(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 4, 4)
    rate(db, risk, "residual", 3, 4)
    treat(db, risk, "retain", ["A.6.2.4"])
    accept(db, risk, TODAY, TODAY + timedelta(days=30))
    assert checks_of(db, risk) == set()
    later = TODAY + timedelta(days=31)
    found = checks_of(db, risk, as_of=later)
    assert "acceptance_expired" in found and "above_appetite_unaccepted" not in found
    rate(db, risk, "residual", 2, 2)  # now within the appetite: nothing to renew
    assert "acceptance_expired" not in checks_of(db, risk, as_of=later)


def test_action_overdue(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 2, 2)
    store.add_action(
        db, "Ada", risk, ActionInput(title="Audit", owner="Bo", due_date=TODAY + timedelta(5))
    )
    store.add_action(
        db,
        "Ada",
        risk,
        ActionInput(title="Done early", owner="Bo", due_date=TODAY - timedelta(5), status="done"),
    )
    assert "action_overdue" not in checks_of(db, risk)
    overdue = register.consistency_checks(db, risk_ids=[risk], as_of=TODAY + timedelta(6))
    assert overdue["check"].tolist() == ["action_overdue"]
    assert '"Audit"' in overdue["message"].iloc[0]
    assert row(db, risk, as_of=TODAY + timedelta(6))["overdue_actions"] == 1


def test_rating_older_than_the_review_interval(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 2, 2, days_ago=300)
    assert "review_overdue" not in checks_of(db, risk)  # 12 months by default
    shorter = criteria_store.current_criteria(db).model_copy(update={"review_interval_months": 6})
    criteria_store.save_criteria(db, "Ada", shorter)
    found = register.consistency_checks(db, risk_ids=[risk])
    message = found.set_index("check").loc["review_overdue", "message"]
    assert "more than 6 months" in message


def test_rated_under_older_criteria_is_a_note(db: Database, systems) -> None:
    lending, _ = systems
    risk = add_risk(db, lending, harm_category="robustness")
    rate(db, risk, "inherent", 2, 2)
    assert "older_criteria_version" not in checks_of(db, risk)
    criteria_store.save_criteria(db, "Ada", presets()["preset_4x4"])
    found = register.consistency_checks(db, risk_ids=[risk])
    note = found[found["check"] == "older_criteria_version"].iloc[0]
    assert note["kind"] == "note" and "inherent (version 1)" in note["message"]
    details = row(db, risk)
    assert details["findings"] == 0 and details["notes"] == 1


def test_checks_can_be_filtered_like_the_register(db: Database, systems) -> None:
    lending, hiring = systems
    add_risk(db, lending)
    other = add_risk(db, hiring)
    found = register.consistency_checks(db, filters=RiskFilter(system_ids=[hiring]))
    assert found["risk_id"].tolist() == [other]


# --- heatmap counts --------------------------------------------------------------------------


def test_matrix_counts_cover_every_cell_with_zeros(db: Database, systems) -> None:
    lending, hiring = systems
    for system, cell in ((lending, (4, 4)), (lending, (4, 4)), (hiring, (1, 5))):
        risk = add_risk(db, system, title=f"Risk {cell} {system}")
        rate(db, risk, "inherent", *cell)
    counts = register.matrix_counts(db, "inherent")
    assert list(counts.columns) == register.MATRIX_COLUMNS and len(counts) == 25
    by_cell = counts.set_index(["likelihood", "severity"])
    assert by_cell.loc[(4, 4), "count"] == 2 and by_cell.loc[(1, 5), "count"] == 1
    assert counts["count"].sum() == 3 and counts["mapped_count"].sum() == 0
    assert by_cell.loc[(4, 4), "level"] == "High" and by_cell.loc[(4, 4), "colour"] == "#E0894F"
    assert register.matrix_counts(db, "residual")["count"].sum() == 0
    hiring_only = register.matrix_counts(db, "inherent", RiskFilter(system_ids=[hiring]))
    assert hiring_only.set_index(["likelihood", "severity"]).loc[(1, 5), "count"] == 1
    assert hiring_only["count"].sum() == 1


def test_ratings_under_older_criteria_are_placed_on_the_current_matrix(
    db: Database, systems
) -> None:
    lending, _ = systems
    old_high = add_risk(db, lending, title="Old worst case")
    old_mid = add_risk(db, lending, title="Old middle")
    rate(db, old_high, "inherent", 5, 5)
    rate(db, old_mid, "inherent", 3, 2)
    four = presets()["preset_4x4"]
    criteria_store.save_criteria(db, "Ada", four)
    new = add_risk(db, lending, title="New")
    rate(db, new, "inherent", 4, 4)
    counts = register.matrix_counts(db, "inherent")
    assert len(counts) == 16
    by_cell = counts.set_index(["likelihood", "severity"])
    # 5 steps -> 4 steps: 5 -> 4, 3 -> 3, 2 -> 2 (criteria.map_rating).
    assert by_cell.loc[(4, 4), "count"] == 2 and by_cell.loc[(4, 4), "mapped_count"] == 1
    assert by_cell.loc[(3, 2), "count"] == 1 and by_cell.loc[(3, 2), "mapped_count"] == 1
    assert by_cell.loc[(4, 4), "level"] == four.level_for(4, 4).name
    assert counts["count"].sum() == 3
    # On the older matrix the newer rating has no place: only what was rated under it counts.
    as_before = register.matrix_counts(db, "inherent", criteria_version=1)
    assert len(as_before) == 25 and as_before["count"].sum() == 2
    in_cell = register.risks_in_cell(db, "inherent", 4, 4)
    assert list(in_cell.columns) == [*register.REGISTER_COLUMNS, *register.PLACEMENT_COLUMNS]
    placed = in_cell.set_index("risk_id")
    assert set(placed.index) == {old_high, new}
    assert bool(placed.loc[old_high, "mapped"]) and not bool(placed.loc[new, "mapped"])
    assert (placed.loc[old_high, "rated_likelihood"], placed.loc[old_high, "rated_severity"]) == (
        5,
        5,
    )


def test_current_tier_heatmap_uses_residual_else_inherent(db: Database, systems) -> None:
    lending, _ = systems
    treated = add_risk(db, lending, title="Treated")
    rate(db, treated, "inherent", 4, 4)
    rate(db, treated, "residual", 2, 2)
    untreated = add_risk(db, lending, title="Untreated")
    rate(db, untreated, "inherent", 3, 3)
    counts = register.matrix_counts(db, register.CURRENT_TIER).set_index(["likelihood", "severity"])
    assert counts.loc[(2, 2), "count"] == 1 and counts.loc[(3, 3), "count"] == 1
    assert counts.loc[(4, 4), "count"] == 0
    assert register.risks_in_cell(db, "residual", 4, 4).empty
    with pytest.raises(ValueError, match="not a tier"):
        register.matrix_counts(db, "planned")


def test_summary_limit_and_finding_kinds_are_computed_in_sql(
    db: Database, systems: tuple[int, int]
) -> None:
    lending, hiring = systems
    above = add_risk(db, lending, title="Above")
    rate(db, above, "inherent", 5, 5)
    below = add_risk(db, hiring, title="Below")
    rate(db, below, "inherent", 1, 1)
    add_risk(db, hiring, title="Never rated")
    summary = register.register_summary(db)
    full = register.register_frame(db)
    assert summary["risks"] == len(full) == 3
    assert summary["above_appetite"] == int(full["above_appetite"].sum()) == 1
    assert summary["findings"] == int(full["findings"].sum())
    assert summary["with_findings"] == int((full["findings"] > 0).sum())
    first = register.register_frame(db, limit=1)
    assert first["title"].tolist() == ["Above"]
    problems = register.consistency_checks(db, kind="problem")
    assert set(problems["kind"]) == {"problem"} and len(problems) == summary["findings"]
    assert len(register.consistency_checks(db, kind="problem", limit=1)) == 1
    with pytest.raises(ValueError):
        register.consistency_checks(db, kind="other")


def test_filter_on_the_eu_ai_act_class_of_the_system(
    db: Database, systems: tuple[int, int]
) -> None:
    from assessments.store import screenings

    lending, hiring = systems
    add_risk(db, lending, title="Lending risk")
    add_risk(db, hiring, title="Hiring risk")
    screenings.record_screening(
        db,
        "Ada",
        hiring,
        {
            "ai_system": True,
            "eu_territorial_link": True,
            "roles": ["deployer"],
            "exclusions": [],
            "prohibited": [],
            "annex_i_product": False,
            "annex_iii_areas": ["employment"],
            "profiles_natural_persons": True,
            "already_on_market": False,
            "art50": [],
            "gpai_model_provider": False,
            "public_authority": False,
            "public_service_provider": False,
            "colorado_consumers": False,
        },
    )
    frame = register.register_frame(db)
    classes = dict(zip(frame["title"], frame["eu_ai_act_class"], strict=True))
    assert classes == {"Lending risk": "not_screened", "Hiring risk": "high_risk"}
    only_high = register.register_frame(db, RiskFilter(eu_ai_act_classes=["high_risk"]))
    assert only_high["title"].tolist() == ["Hiring risk"]
    unscreened = register.register_frame(db, RiskFilter(eu_ai_act_classes=["not_screened"]))
    assert unscreened["title"].tolist() == ["Lending risk"]
