"""The audit trail in people's words: labels, record names, hidden events and the export."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta

from assessments.audit_view import (
    RecordNames,
    audit_export,
    labelled_changes,
    parse_state,
    record_name,
    referenced_ids,
    snapshot_of,
)
from assessments.soa import SoAEntryInput
from assessments.store import audit as audit_store
from assessments.store import inventory as inventory_store
from assessments.store import soa as soa_store
from assessments.store.db import Database
from tests.factories import system_input


def test_system_changes_show_field_and_value_labels() -> None:
    before = {"lifecycle_stage": "retired", "stakeholders": ["customers"], "revision": 1}
    after = {"lifecycle_stage": "operation_monitoring", "stakeholders": [], "revision": 2}
    assert labelled_changes("ai_system", before, after) == [
        {"Field": "Lifecycle stage", "Before": "Retired", "After": "Operation and monitoring"},
        {"Field": "Affected stakeholders", "Before": "Customers", "After": "—"},
    ]


def test_soa_risk_and_screening_values_are_labelled() -> None:
    soa = labelled_changes(
        "soa_control",
        {"status": "not_applicable", "inclusion_reasons": []},
        {"status": "not_started", "inclusion_reasons": ["risk_treatment"]},
    )
    assert soa == [
        {"Field": "Implementation status", "Before": "Not applicable", "After": "Not started"},
        {"Field": "Reasons for inclusion", "Before": "—", "After": "Treats an assessed risk"},
    ]
    risk = labelled_changes("risk", None, {"status": "in_treatment", "tier": "residual"})
    assert risk == [
        {"Field": "Status", "Before": "", "After": "In treatment"},
        {"Field": "Rating", "Before": "", "After": "Residual (controls in place)"},
    ]
    screening = labelled_changes("screening", None, {"class": "high_risk", "system_id": 7})
    assert screening[0] == {"Field": "EU AI Act class", "Before": "", "After": "High risk"}
    named = labelled_changes("screening", None, {"system_id": 7}, RecordNames(systems={7: "X"}))
    assert named == [{"Field": "AI system", "Before": "", "After": "X"}]
    vote = labelled_changes("workshop_vote", None, {"risk_id": 20, "unknown_key": "a_b"})
    assert vote == [
        {"Field": "Risk", "Before": "", "After": "R-20"},
        {"Field": "Unknown key", "Before": "", "After": "a_b"},
    ]


def test_records_are_named_as_people_know_them() -> None:
    names = RecordNames(systems={5: "Card Fraud Sentinel"}, risks={70: "Unequal error rates"})
    assert record_name("ai_system", "5", {}, names) == "Card Fraud Sentinel"
    assert record_name("risk", "70", {"tier": "residual"}, names) == "R-70: Unequal error rates"
    assert record_name("screening", "3", {"system_id": 5}, names) == "Card Fraud Sentinel"
    soa_name = record_name("soa_control", "A.6.2.4", {}, names)
    assert soa_name == "A.6.2.4 AI system verification and validation"
    assert record_name("risk_action", "2", {"title": "Retrain", "risk_id": 70}, names) == (
        "Retrain (R-70)"
    )
    # A record the trail cannot name any more still says what it was.
    assert record_name("ai_system", "9", {}, names) == "AI system 9"
    assert referenced_ids([("risk", "70", {"system_id": 5}), ("workshop_vote", "1", {})]) == {
        "systems": {5},
        "risks": {70},
        "workshops": set(),
    }


def test_the_store_counts_hidden_events_and_names_records(db: Database) -> None:
    system = inventory_store.create_system(db, "Ada", system_input(name="Loan Advisor"))
    inventory_store.create_system(db, "Bo", system_input(name="Other"))
    tomorrow = date.today() + timedelta(days=1)
    assert audit_store.count_events(db, entity="ai_system") == 2
    assert audit_store.count_events(db, actor="Ada", before=tomorrow) == 1
    assert audit_store.count_events(db, entity="risk", before=tomorrow) == 0
    assert audit_store.count_events(db, before=date.today()) == 0
    names = audit_store.record_names(db, {"systems": [system.id, 999], "risks": []})
    assert names["systems"] == {system.id: "Loan Advisor"} and names["risks"] == {}


def test_the_export_holds_before_and_after_and_is_safe_in_a_spreadsheet(db: Database) -> None:
    system = inventory_store.create_system(db, "=cmd|' /C calc'!A0", system_input())
    soa_store.save_entry(
        db,
        "Ada",
        SoAEntryInput(
            control_id="A.2.2",
            applicable=True,
            inclusion_reasons=["legal"],
            justification="@SUM(1+1)",
            status="planned",
        ),
    )
    events = audit_store.list_events(db).head(2)  # the SoA line, then the system
    snapshots = [
        snapshot_of(parse_state(old), parse_state(new))
        for old, new in zip(events["before"], events["after"], strict=True)
    ]
    names = RecordNames(systems={system.id: system.name})
    records = [
        record_name(kind, str(key), shot, names)
        for kind, key, shot in zip(events["entity"], events["entity_id"], snapshots, strict=True)
    ]
    rows = list(csv.DictReader(io.StringIO(audit_export(events, records, "csv").decode("utf-8"))))
    assert [row["record"] for row in rows] == ["A.2.2 AI policy", "Loan Advisor"]
    assert rows[1]["actor"] == "'=cmd|' /C calc'!A0", "a formula is shown, never run"
    assert rows[0]["record_type"] == "Statement of Applicability"
    assert json.loads(rows[1]["after"])["name"] == "Loan Advisor"
    assert rows[1]["before"] == ""
    assert not any(
        cell.startswith(("=", "+", "@")) for row in rows for cell in row.values() if cell
    )
    exported = json.loads(audit_export(events, records, "json"))
    assert exported[0]["after"]["justification"] == "@SUM(1+1)"
    assert exported[1]["before"] is None and exported[1]["actor"] == "=cmd|' /C calc'!A0"
