"""Risk storage: identification, append-only ratings under versioned criteria, treatment,
actions and acceptance, each write audited."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest
from pydantic import ValidationError

from assessments.criteria import presets
from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.risks import AcceptanceInput, ActionInput, TreatmentInput
from assessments.store import audit as audit_store
from assessments.store import criteria as criteria_store
from assessments.store import health
from assessments.store import inventory as inventory_store
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


@pytest.fixture
def system_id(db: Database) -> int:
    return inventory_store.create_system(db, "Ada", system_input()).id


def test_a_new_database_starts_with_the_default_criteria(db: Database) -> None:
    criteria = criteria_store.current_criteria(db)
    assert criteria.version == 1 and len(criteria.likelihood) == 5
    assert audit_store.list_events(db, entity="criteria")["action"].tolist() == ["create"]
    cells = db.query_one("SELECT count(*) FROM criteria_cells WHERE version = 1")[0]
    assert cells == 25


def test_create_risk_is_audited_and_needs_a_known_system(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    assert risk.revision == 1 and risk.controls == []
    assert audit_store.entity_history(db, "risk", risk.id)[0]["action"] == "create"
    with pytest.raises(FieldErrors) as caught:
        store.create_risk(db, "Ada", risk_input(999))
    assert "system_id" in caught.value.errors


def test_unknown_taxonomy_values_are_refused() -> None:
    with pytest.raises(ValidationError, match="not a known harm category"):
        risk_input(1, harm_category="vibes")
    with pytest.raises(ValidationError, match="not a known affected party"):
        risk_input(1, affected_parties=["aliens"])


def test_rating_level_comes_from_the_criteria(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    rating = store.record_rating(db, "Ben", rating_input(risk.id, likelihood=4, severity=4))
    criteria = criteria_store.current_criteria(db)
    assert rating.level == criteria.level_for(4, 4).name
    assert rating.criteria_version == 1 and rating.rated_by == "Ben"
    current = store.current_ratings(db, risk.id)
    assert current["inherent"] == rating


def test_out_of_scale_and_missing_rationale_write_nothing(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    with pytest.raises(FieldErrors) as caught:
        store.record_rating(db, "Ben", rating_input(risk.id, likelihood=6))
    assert "likelihood" in caught.value.errors
    with pytest.raises(ValidationError):
        rating_input(risk.id, rationale="  ")
    assert store.rating_history(db, risk.id).empty
    assert db.query_one("SELECT count(*) FROM risk_current_ratings")[0] == 0


def test_ratings_are_appended_and_backfilled_ones_do_not_become_current(
    db: Database, system_id: int
) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    store.record_rating(db, "Ben", rating_input(risk.id, likelihood=3, severity=3))
    store.record_rating(
        db,
        "Ben",
        rating_input(
            risk.id, likelihood=5, severity=5, rated_at=datetime.now() - timedelta(days=90)
        ),
    )
    history = store.rating_history(db, risk.id)
    assert len(history) == 2 and history["likelihood"].tolist() == [5, 3]
    assert store.current_ratings(db, risk.id)["inherent"].likelihood == 3


def test_ratings_keep_the_criteria_version_they_were_made_under(
    db: Database, system_id: int
) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    store.record_rating(db, "Ben", rating_input(risk.id, likelihood=5, severity=5))
    smaller = presets()["preset_3x3"]
    with pytest.raises(ConflictError, match="still in use"):
        criteria_store.save_criteria(db, "Ada", smaller)
    criteria_store.save_criteria(db, "Ada", presets()["preset_4x4"])
    store.record_rating(db, "Ben", rating_input(risk.id, "residual", likelihood=2, severity=2))
    versions = store.rating_history(db, risk.id)["criteria_version"].tolist()
    assert versions == [1, 2]
    with pytest.raises(FieldErrors):
        store.record_rating(db, "Ben", rating_input(risk.id, "target", likelihood=5))


def test_saving_identical_criteria_is_refused(db: Database) -> None:
    with pytest.raises(ConflictError, match="Nothing changed"):
        criteria_store.save_criteria(db, "Ada", criteria_store.current_criteria(db))


def test_treatment_links_known_controls(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    treated = store.set_treatment(
        db, "Ada", risk.id, TreatmentInput(option="change_likelihood", controls=["A.7.4"])
    )
    assert treated.controls == ["A.7.4"] and treated.revision == 2
    with pytest.raises(ValidationError, match=r"unknown Annex A control A\.11\.1"):
        TreatmentInput(option="change_likelihood", controls=["A.11.1"])
    with pytest.raises(ConflictError):
        store.set_treatment(db, "Ada", risk.id, TreatmentInput(option="avoid"), expected_revision=1)


def test_actions_are_planned_and_completed(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    action_id = store.add_action(
        db, "Ada", risk.id, ActionInput(title="Retrain", owner="Ben", due_date=date(2027, 1, 1))
    )
    store.update_action(
        db,
        "Ben",
        action_id,
        ActionInput(title="Retrain", owner="Ben", due_date=date(2027, 1, 1), status="done"),
    )
    actions = store.actions_for(db, risk.id)
    assert actions["status"].tolist() == ["done"] and actions["completed_at"].notna().all()
    with pytest.raises(NotFoundError):
        store.update_action(
            db, "Ben", 999, ActionInput(title="x", owner="y", due_date=date(2027, 1, 1))
        )


def test_acceptance_needs_a_residual_rating_and_an_expiry_and_records_the_approver(
    db: Database, system_id: int
) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    acceptance = {
        "risk_id": risk.id,
        "approved_at": date.today(),
        "rationale": "Benefit outweighs; monitored monthly.",
        "valid_until": date.today() + timedelta(days=180),
    }
    with pytest.raises(FieldErrors, match="Rate the residual risk first"):
        store.record_acceptance(db, "Ada", AcceptanceInput(**acceptance))
    with pytest.raises(ValidationError):
        AcceptanceInput(**{**acceptance, "approved_by": "Someone typed"})
    with pytest.raises(ValidationError, match="must end after"):
        AcceptanceInput(**{**acceptance, "valid_until": date.today()})
    store.record_rating(db, "Ben", rating_input(risk.id, "residual"))
    acceptance_id = store.record_acceptance(db, "Ada", AcceptanceInput(**acceptance))
    table = store.acceptances_for(db, risk.id)
    assert table["in_force"].tolist() == [True]
    assert table["approved_by"].tolist() == ["Ada"]
    store.revoke_acceptance(db, "Ada", acceptance_id)
    assert store.acceptances_for(db, risk.id)["in_force"].tolist() == [False]
    with pytest.raises(ConflictError):
        store.revoke_acceptance(db, "Ada", acceptance_id)


def test_editing_a_done_action_keeps_its_completion_date(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    finished = date(2026, 1, 5)
    action_id = store.add_action(
        db,
        "Ada",
        risk.id,
        ActionInput(
            title="Retrain",
            owner="Ben",
            due_date=date(2026, 1, 9),
            status="done",
            completed_at=finished,
        ),
    )

    def stored() -> dict:
        return store.actions_for(db, risk.id).iloc[0].to_dict()

    edit = {"title": "Retrain on fresh data", "owner": "Cy", "due_date": date(2026, 1, 9)}
    store.update_action(
        db, "Ben", action_id, ActionInput(**edit, status="done"), expected_revision=1
    )
    assert stored()["title"] == "Retrain on fresh data" and stored()["revision"] == 2
    assert stored()["completed_at"].date() == finished  # not rewritten to today
    store.update_action(
        db, "Ben", action_id, ActionInput(**edit, status="in_progress"), expected_revision=2
    )
    assert pd.isna(stored()["completed_at"])
    store.update_action(
        db, "Ben", action_id, ActionInput(**edit, status="done"), expected_revision=3
    )
    assert stored()["completed_at"].date() == date.today()  # done again: dated today


def test_a_stale_action_edit_is_refused(db: Database, system_id: int) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    values = {"title": "Retrain", "owner": "Ben", "due_date": date(2027, 1, 1)}
    action_id = store.add_action(db, "Ada", risk.id, ActionInput(**values))
    store.update_action(
        db, "Ben", action_id, ActionInput(**{**values, "owner": "Cy"}), expected_revision=1
    )
    with pytest.raises(ConflictError, match="Ben changed this action since you opened it"):
        store.update_action(
            db, "Dee", action_id, ActionInput(**{**values, "owner": "Dee"}), expected_revision=1
        )
    assert store.actions_for(db, risk.id)["owner"].tolist() == ["Cy"]


def test_saving_criteria_started_from_an_older_version_is_refused(db: Database) -> None:
    base = criteria_store.current_criteria(db)
    looser = base.model_copy(update={"appetite": "High"})
    criteria_store.save_criteria(db, "Ada", looser, "Looser", expected_version=1)
    shorter = base.model_copy(update={"review_interval_months": 6})
    with pytest.raises(ConflictError, match="Ada saved version 2 of the criteria"):
        criteria_store.save_criteria(db, "Ben", shorter, "Shorter", expected_version=1)
    assert criteria_store.current_version(db) == 2
    saved = criteria_store.save_criteria(db, "Ben", shorter, "Shorter", expected_version=2)
    assert saved.version == 3


def test_an_acceptance_and_its_revocation_are_audited_on_the_risk(
    db: Database, system_id: int
) -> None:
    risk = store.create_risk(db, "Ada", risk_input(system_id))
    store.record_rating(db, "Ben", rating_input(risk.id, "residual"))
    acceptance_id = store.record_acceptance(
        db,
        "Chief Risk Officer",
        AcceptanceInput(
            risk_id=risk.id,
            approved_at=date.today(),
            rationale="Benefit outweighs; monitored monthly.",
            valid_until=date.today() + timedelta(days=180),
        ),
    )
    store.revoke_acceptance(db, "Cy", acceptance_id)
    events = {event["action"]: event for event in audit_store.entity_history(db, "risk", risk.id)}
    assert {"accept", "revoke"} <= set(events)
    assert events["accept"]["after"]["acceptance_id"] == acceptance_id
    revoked = events["revoke"]
    assert revoked["before"] == {
        "acceptance_id": acceptance_id,
        "revoked_at": None,
        "revoked_by": None,
    }
    assert revoked["after"]["acceptance_id"] == acceptance_id
    assert revoked["after"]["revoked_by"] == "Cy"
    assert audit_store.entity_history(db, "risk_acceptance", acceptance_id) == []
    report = health.check(db)
    assert report.unaudited["risk_acceptances"] == 0
