"""Screenings and the obligations checklist in the store: history, staleness, audit, exports."""

from __future__ import annotations

import csv
import io

import pytest

from assessments.demo import load_demo
from assessments.errors import FieldErrors, NotFoundError, WorkbenchError
from assessments.exports import build_export
from assessments.inventory import SystemFilter
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import screenings as store
from assessments.store.db import Database
from assessments.store.health import check
from tests.factories import system_input
from tests.support.screening_answers import HIGH_RISK, MINIMAL


@pytest.fixture
def system_id(db: Database) -> int:
    return inventory_store.create_system(db, "Ada", system_input()).id


def test_a_screening_is_stored_with_its_answers_result_and_audit_event(
    db: Database, system_id: int
) -> None:
    record = store.record_screening(db, "Ada", system_id, HIGH_RISK, note="Checked with legal")
    assert record.risk_class == "high_risk"
    assert record.screened_by == "Ada" and record.note == "Checked with legal"
    assert record.answers["annex_iii_areas"] == ["employment"]
    assert record.answers["profiles_natural_persons"] is True
    assert record.questionnaire_id == "eu_ai_act_screening"
    assert record.outcome.eu.reasons
    events = audit_store.entity_history(db, "screening", record.id)
    assert [event["action"] for event in events] == ["create"]
    assert events[0]["after"]["class"] == "high_risk"
    assert events[0]["before"] is None
    assert check(db).unaudited["screening"] == 0


def test_the_latest_screening_wins_and_the_history_keeps_both(db: Database, system_id: int) -> None:
    first = store.record_screening(db, "Ada", system_id, HIGH_RISK)
    second = store.record_screening(db, "Ben", system_id, MINIMAL)
    current = store.current_screening(db, system_id)
    assert current is not None and current.id == second.id
    assert current.risk_class == "minimal_risk"
    assert store.current_classes(db) == {system_id: "minimal_risk"}
    history = store.screening_history(db, system_id)
    assert history["id"].tolist() == [second.id, first.id]
    event = audit_store.entity_history(db, "screening", second.id)[0]
    assert event["before"]["class"] == "high_risk"
    assert "(was High risk)" in event["summary"]


def test_invalid_answers_save_nothing(db: Database, system_id: int) -> None:
    with pytest.raises(FieldErrors) as error:
        store.record_screening(db, "Ada", system_id, {"ai_system": "yes"})
    assert "roles" in error.value.errors
    with pytest.raises(FieldErrors) as long_note:
        store.record_screening(db, "Ada", system_id, MINIMAL, note="x" * 2001)
    assert "note" in long_note.value.errors
    assert store.current_screening(db, system_id) is None
    with pytest.raises(NotFoundError):
        store.record_screening(db, "Ada", 999, MINIMAL)
    with pytest.raises(WorkbenchError, match="name"):
        store.record_screening(db, "  ", system_id, MINIMAL)


def test_a_change_of_purpose_context_or_technique_makes_the_screening_stale(
    db: Database, system_id: int
) -> None:
    store.record_screening(db, "Ada", system_id, MINIMAL)
    current = inventory_store.get_system(db, system_id)
    inventory_store.update_system(
        db, "Ada", system_id, current.as_input().model_copy(update={"owner": "Someone Else"})
    )
    record = store.current_screening(db, system_id)
    assert record is not None and not record.stale
    changed = current.as_input().model_copy(update={"owner": "Someone Else"})
    inventory_store.update_system(
        db, "Ada", system_id, changed.model_copy(update={"deployment_context": "public_facing"})
    )
    record = store.current_screening(db, system_id)
    assert record is not None and record.stale and record.changed_at is not None
    assert store.overview(db)["stale"].tolist() == [True]
    store.record_screening(db, "Ada", system_id, MINIMAL)
    again = store.current_screening(db, system_id)
    assert again is not None and not again.stale


def test_checklist_lists_the_obligations_with_their_status(db: Database, system_id: int) -> None:
    assert store.checklist(db, system_id) == []
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    rows = store.checklist(db, system_id)
    assert [row.item.id for row in rows] == [
        "ai_literacy",
        "deployer_duties",
        "right_to_explanation",
    ]
    assert all(row.status == "to_do" and row.owner == "" for row in rows)


def test_a_checklist_update_is_appended_and_audited(db: Database, system_id: int) -> None:
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    assert store.update_obligation(db, "Ada", system_id, "ai_literacy", "in_progress", "Ben")
    assert store.update_obligation(
        db, "Cleo", system_id, "ai_literacy", "done", "Ben", "Training records 2026"
    )
    row = next(r for r in store.checklist(db, system_id) if r.item.id == "ai_literacy")
    assert (row.status, row.owner, row.evidence, row.updated_by) == (
        "done",
        "Ben",
        "Training records 2026",
        "Cleo",
    )
    history = store.obligation_history(db, system_id, "ai_literacy")
    assert history["status"].tolist() == ["done", "in_progress"]
    events = audit_store.list_events(db, entity="obligation_update")
    assert len(events) == 2
    assert "in_progress -> done" in events.iloc[0]["summary"]
    assert check(db).unaudited["obligation_update"] == 0


def test_an_unchanged_checklist_update_writes_nothing(db: Database, system_id: int) -> None:
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    assert not store.update_obligation(db, "Ada", system_id, "ai_literacy", "to_do")
    assert store.obligation_history(db, system_id, "ai_literacy").empty


def test_bad_checklist_updates_are_refused(db: Database, system_id: int) -> None:
    with pytest.raises(WorkbenchError, match="not been screened"):
        store.update_obligation(db, "Ada", system_id, "ai_literacy", "done", evidence="x")
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    with pytest.raises(FieldErrors) as no_evidence:
        store.update_obligation(db, "Ada", system_id, "ai_literacy", "done")
    assert "evidence" in no_evidence.value.errors
    with pytest.raises(FieldErrors) as bad_status:
        store.update_obligation(db, "Ada", system_id, "ai_literacy", "finished")
    assert "status" in bad_status.value.errors
    with pytest.raises(NotFoundError, match="not an obligation"):
        store.update_obligation(db, "Ada", system_id, "risk_management_system", "in_progress")
    assert audit_store.list_events(db, entity="obligation_update").empty


def test_overview_counts_closed_obligations_of_the_current_screening_only(
    db: Database, system_id: int
) -> None:
    other = inventory_store.create_system(db, "Ada", system_input(name="Unscreened")).id
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    store.update_obligation(db, "Ada", system_id, "ai_literacy", "done", evidence="Records")
    store.update_obligation(db, "Ada", system_id, "right_to_explanation", "not_applicable")
    frame = store.overview(db).set_index("system_id")
    assert frame.loc[system_id, "obligations_total"] == 3
    assert frame.loc[system_id, "obligations_closed"] == 2
    assert frame.loc[other, "risk_class"] == "not_screened"
    assert store.overview(db, ["not_screened"])["system_id"].tolist() == [other]
    assert store.overview(db, ["high_risk"])["system_id"].tolist() == [system_id]
    store.record_screening(db, "Ada", system_id, MINIMAL)
    frame = store.overview(db).set_index("system_id")
    assert frame.loc[system_id, "obligations_total"] == 1
    assert frame.loc[system_id, "obligations_closed"] == 1
    assert store.class_counts(db) == {"minimal_risk": 1, "not_screened": 1}


def test_overview_gives_progress_in_percent_and_filters_stale_and_fria(
    db: Database, system_id: int
) -> None:
    fria = inventory_store.create_system(db, "Ada", system_input(name="Public Benefits")).id
    inventory_store.create_system(db, "Ada", system_input(name="Unscreened"))
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    store.update_obligation(db, "Ada", system_id, "ai_literacy", "done", evidence="Records")
    store.record_screening(db, "Ada", fria, {**HIGH_RISK, "public_authority": "yes"})
    frame = store.overview(db).set_index("name")
    assert frame.loc["Loan Advisor", "progress"] == 33, "1 of 3 obligations closed"
    assert frame.loc["Public Benefits", "progress"] == 0
    assert frame["progress"].isna().tolist() == [False, False, True], "no obligations: empty"
    assert store.overview(db, fria_only=True)["name"].tolist() == ["Public Benefits"]
    assert store.overview(db, stale_only=True).empty
    current = inventory_store.get_system(db, system_id)
    inventory_store.update_system(
        db, "Ada", system_id, current.as_input().model_copy(update={"purpose": "A new purpose."})
    )
    assert store.overview(db, stale_only=True)["name"].tolist() == ["Loan Advisor"]
    assert store.overview(db, ["high_risk"], stale_only=True, fria_only=True).empty


def test_retired_systems_are_out_of_the_class_counts(db: Database, system_id: int) -> None:
    retired = system_input(name="Old Scorer", status="retired", lifecycle_stage="retired")
    inventory_store.create_system(db, "Ada", retired)
    store.record_screening(db, "Ada", system_id, MINIMAL)
    assert store.class_counts(db) == {"minimal_risk": 1}


def test_has_screening_sees_any_screening_of_the_system(db: Database, system_id: int) -> None:
    def screened(transaction) -> bool:
        return store.has_screening(transaction, system_id)

    assert db.write("Ada", screened) is False
    store.record_screening(db, "Ada", system_id, MINIMAL)
    assert db.write("Ada", screened) is True


def test_inventory_list_carries_and_filters_by_the_class(db: Database, system_id: int) -> None:
    other = inventory_store.create_system(db, "Ada", system_input(name="Unscreened")).id
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    frame = inventory_store.list_systems(db).set_index("id")
    assert frame.loc[system_id, "eu_ai_act_class"] == "high_risk"
    high = inventory_store.list_systems(db, SystemFilter(eu_ai_act_classes=["high_risk"]))
    assert high["id"].tolist() == [system_id]
    never = inventory_store.list_systems(db, SystemFilter(eu_ai_act_classes=["not_screened"]))
    assert never["id"].tolist() == [other]


def test_inventory_export_gains_the_class_as_its_last_column(db: Database, system_id: int) -> None:
    inventory_store.create_system(db, "Ada", system_input(name="Unscreened"))
    store.record_screening(db, "Ada", system_id, HIGH_RISK)
    rows = list(csv.DictReader(io.StringIO(build_export(db, "inventory", "csv").decode())))
    header = list(rows[0])
    assert header[-1] == "eu_ai_act_class"
    assert header[:-1] == inventory_store.export_columns()[:-1]
    by_name = {row["name"]: row["eu_ai_act_class"] for row in rows}
    assert by_name == {"Loan Advisor": "high_risk", "Unscreened": ""}


def test_demo_screens_every_system_covers_every_class_and_loads_once(db: Database) -> None:
    first = load_demo(db)
    assert first.added["Regulatory screenings"] > 14
    assert first.added["Changes after screening"] == 1
    classes = store.current_classes(db)
    systems = inventory_store.system_names(db)
    assert set(classes) == set(systems)
    assert set(classes.values()) == {
        "out_of_scope",
        "prohibited",
        "high_risk",
        "limited_risk",
        "minimal_risk",
    }
    frame = store.overview(db)
    assert frame["stale"].any()
    assert (frame["obligations_closed"] > 0).any()
    assert frame["fria_required"].fillna(False).astype(bool).any()
    assert frame["colorado_covered"].fillna(False).astype(bool).any()
    again = load_demo(db)
    assert again.added["Regulatory screenings"] == 0
    assert again.added["Changes after screening"] == 0
    assert check(db).ok
