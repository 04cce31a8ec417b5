"""The audit log page: labels and names in the detail, hidden older events, downloads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from assessments.store import inventory as inventory_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.support.apptest import no_exceptions
from tests.support.markdown import as_shown

AUDIT_LOG = "pages/audit_log.py"


def moved_into_operation(db_path: Path) -> int:
    database = Database(db_path)
    system = inventory_store.create_system(
        database, "Ada", system_input(name="Card *Fraud* Sentinel", lifecycle_stage="deployment")
    )
    inventory_store.update_system(
        database,
        "Bo",
        system.id,
        system_input(name="Card *Fraud* Sentinel", lifecycle_stage="operation_monitoring"),
        expected_revision=system.revision,
    )
    database.close()
    return system.id


def test_the_detail_names_the_record_and_labels_fields_and_values(app_test, db_path) -> None:
    moved_into_operation(db_path)
    at = app_test(AUDIT_LOG, actor=None)  # reading: no first-use event
    no_exceptions(at)
    table = at.dataframe[0].value
    assert table["record"].iloc[0] == "Card *Fraud* Sentinel"
    events = len(table)
    assert [button.proto.label for button in at.get("download_button")] == [
        f"All {events} (CSV)",
        f"All {events} (JSON)",
    ]
    at.session_state["aud_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    no_exceptions(at)
    heading = as_shown(at.subheader[0].value)
    assert heading.endswith("update · AI system · Card *Fraud* Sentinel")
    changes = at.dataframe[1].value
    assert changes.to_dict("records") == [
        {"Field": "Lifecycle stage", "Before": "Deployment", "After": "Operation and monitoring"}
    ]


def test_events_hidden_by_the_period_are_counted(app_test, db_path) -> None:
    moved_into_operation(db_path)
    at = app_test(AUDIT_LOG, actor=None)
    assert not any("hidden" in info.value for info in at.info)
    later = date.today() + timedelta(days=2)
    at.date_input(key="aud_period").set_value((later, later + timedelta(days=1))).run()
    no_exceptions(at)
    messages = [as_shown(info.value) for info in at.info]
    hidden = [message for message in messages if "hidden" in message]
    # Two system events and the criteria created with the database.
    assert hidden and hidden[0].startswith("3 older events are hidden by the period")
    assert "No event matches these filters." in messages
    at.selectbox(key="aud_actor").set_value("Bo").run()
    messages = [as_shown(info.value) for info in at.info]
    assert any(message.startswith("1 older event is hidden") for message in messages)
