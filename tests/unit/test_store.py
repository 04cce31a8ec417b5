"""The store: migrations, the one write path, the audit trail and the inventory."""

from __future__ import annotations

import json
import os
import threading

import duckdb
import pytest

from assessments.errors import ConflictError, DatabaseBusyError, NotFoundError, WorkbenchError
from assessments.inventory import SystemFilter
from assessments.store import audit as audit_store
from assessments.store import inventory as store
from assessments.store.db import Database
from assessments.store.health import check
from assessments.store.schema import available_migrations, current_version, latest_version
from tests.factories import system_input
from tests.support.migrations import columns


def test_new_file_is_migrated_to_the_latest_version(db: Database) -> None:
    assert current_version(db) == latest_version() == available_migrations()[-1].version
    tables = {row[0] for row in db.query_rows("SELECT table_name FROM information_schema.tables")}
    assert {"schema_version", "audit_events", "ai_systems"} <= tables


def test_reopening_applies_nothing_twice(db_path) -> None:
    Database(db_path).close()
    again = Database(db_path)
    rows = again.query_rows("SELECT version, count(*) FROM schema_version GROUP BY version")
    assert all(count == 1 for _, count in rows)
    again.close()


@pytest.mark.duckdb_only
def test_second_process_gets_a_clear_busy_message(db: Database, db_path) -> None:
    import subprocess
    import sys

    code = (
        "from assessments.store.db import Database\n"
        "from assessments.errors import DatabaseBusyError\n"
        f"try:\n    Database({str(db_path)!r})\nexcept DatabaseBusyError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("The database is busy: ")
    assert f"is held by another program (process {os.getpid()})" in out.stdout
    assert "probably" not in out.stdout
    assert issubclass(DatabaseBusyError, WorkbenchError)


def test_create_records_an_audit_event_in_the_same_transaction(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    events = audit_store.entity_history(db, "ai_system", created.id)
    assert [event["action"] for event in events] == ["create"]
    assert events[0]["actor"] == "Ada"
    assert events[0]["before"] is None
    assert events[0]["after"]["name"] == "Loan Advisor"


def test_update_keeps_before_and_after(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    updated = store.update_system(
        db, "Ben", created.id, system_input(owner="Chris"), expected_revision=1
    )
    assert updated.revision == 2 and updated.updated_by == "Ben"
    last = audit_store.entity_history(db, "ai_system", created.id)[-1]
    assert last["action"] == "update"
    assert (last["before"]["owner"], last["after"]["owner"]) == ("Ada Park", "Chris")
    assert "owner" in last["summary"]


def test_unchanged_save_writes_nothing(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    store.update_system(db, "Ben", created.id, system_input())
    assert len(audit_store.entity_history(db, "ai_system", created.id)) == 1


def test_stale_edit_is_refused(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    store.update_system(db, "Ben", created.id, system_input(owner="Ben"), expected_revision=1)
    with pytest.raises(ConflictError, match="changed 'Loan Advisor' since you opened it"):
        store.update_system(db, "Cy", created.id, system_input(owner="Cy"), expected_revision=1)
    assert store.get_system(db, created.id).owner == "Ben"


def test_duplicate_name_is_refused_case_insensitively(db: Database) -> None:
    store.create_system(db, "Ada", system_input())
    with pytest.raises(ConflictError) as caught:
        store.create_system(db, "Ada", system_input(name="loan advisor"))
    assert caught.value.field == "name"
    other = store.create_system(db, "Ada", system_input(name="Other"))
    with pytest.raises(ConflictError):
        store.update_system(db, "Ada", other.id, system_input(name="LOAN ADVISOR"))
    assert store.counts(db)["total"] == 2


def test_write_needs_an_actor_and_an_audit_event(db: Database) -> None:
    with pytest.raises(WorkbenchError, match="Give your name"):
        store.create_system(db, "  ", system_input())

    def no_audit(transaction):
        transaction.execute("INSERT INTO schema_version VALUES (999, 'x', now())")

    with pytest.raises(RuntimeError, match="audit event"):
        db.write("Ada", no_audit)
    assert db.query_one("SELECT count(*) FROM schema_version WHERE version = 999")[0] == 0


def test_failed_write_leaves_nothing_half_written(db: Database) -> None:
    def half(transaction):
        store.insert_system(transaction, system_input(name="First"))
        raise ValueError("boom")

    with pytest.raises(ValueError):
        db.write("Ada", half)
    assert store.counts(db)["total"] == 0
    assert audit_store.list_events(db, entity="ai_system").empty


def test_transaction_conflict_is_retried(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    attempts = []

    def flaky(transaction):
        attempts.append(1)
        if len(attempts) == 1:
            raise duckdb.TransactionException("Conflict on update!")
        transaction.audit("touch", "ai_system", created.id)
        return len(attempts)

    assert db.write("Ada", flaky) == 2
    assert db.write_retries >= 1


def test_retire_keeps_record_and_history(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    retired = store.retire_system(db, "Ben", created.id)
    assert (retired.status, retired.lifecycle_stage) == ("retired", "retired")
    actions = [e["action"] for e in audit_store.entity_history(db, "ai_system", created.id)]
    assert actions == ["create", "retire"]
    with pytest.raises(NotFoundError):
        store.retire_system(db, "Ben", 999)


def test_the_scope_counts_active_and_planned_systems_not_retired_ones(db: Database) -> None:
    store.create_system(db, "Ada", system_input(name="Live", status="active"))
    store.create_system(db, "Ada", system_input(name="Next", status="planned"))
    retired = system_input(name="Gone", status="retired", lifecycle_stage="retired")
    store.create_system(db, "Ada", retired)
    counts = store.counts(db)
    assert (counts["in_scope"], counts["active"], counts["planned"], counts["total"]) == (
        2,
        1,
        1,
        3,
    )


def test_a_system_is_found_by_name_inside_a_transaction(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input(name="Loan Advisor"))

    def lookup(transaction) -> tuple:
        found = store.system_id_by_name(transaction, "  loan ADVISOR ")
        return (
            found,
            store.system_id_by_name(transaction, "Nobody"),
            store.system_in_transaction(transaction, created.id),
            store.system_in_transaction(transaction, created.id + 100),
        )

    assert db.write("Ada", lookup) == (created.id, None, created, None)


def test_list_filters_run_in_sql(db: Database) -> None:
    store.create_system(db, "Ada", system_input(name="Chat", ai_technique="generative_llm"))
    store.create_system(db, "Ada", system_input(name="Scorer", business_unit="Risk"))
    store.create_system(
        db, "Ada", system_input(name="Old", status="retired", lifecycle_stage="retired")
    )
    names = lambda **kw: store.list_systems(db, SystemFilter(**kw))["name"].tolist()  # noqa: E731
    assert names(search="chat") == ["Chat"]
    assert names(ai_techniques=["generative_llm"]) == ["Chat"]
    assert names(business_units=["Risk"]) == ["Scorer"]
    assert names(statuses=["retired"]) == ["Old"]
    assert names(search="ada park", statuses=["active"]) == ["Chat", "Scorer"]


def test_concurrent_creates_and_edits_are_all_recorded(db: Database) -> None:
    """20 threads create a system each and edit it three times, all at once."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            created = store.create_system(db, f"user {index}", system_input(name=f"S{index}"))
            for edit in range(3):
                store.update_system(
                    db,
                    f"user {index}",
                    created.id,
                    system_input(name=f"S{index}", owner=f"Owner {edit}"),
                    expected_revision=edit + 1,
                )
        except BaseException as error:  # collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    rows = db.query_rows("SELECT name, owner, revision FROM ai_systems ORDER BY id")
    assert len(rows) == 20
    assert all(owner == "Owner 2" and revision == 4 for _, owner, revision in rows)
    events = db.query_rows(
        "SELECT action, count(*) FROM audit_events WHERE entity = 'ai_system'"
        " GROUP BY action ORDER BY action"
    )
    assert dict(events) == {"create": 20, "update": 60}
    for event_after in db.query_rows(
        "SELECT after_state FROM audit_events WHERE entity = 'ai_system'"
    ):
        assert json.loads(event_after[0])["name"].startswith("S")
    assert check(db).ok


def test_check_reports_counts_and_audit_completeness(db: Database) -> None:
    store.create_system(db, "Ada", system_input())
    report = check(db)
    assert report.ok and report.row_counts["ai_systems"] == 1
    names = columns(db, "ai_systems")
    copied = ", ".join({"id": "99", "name": "'Ghost'"}.get(name, name) for name in names)
    db.query_rows(f"INSERT INTO ai_systems ({', '.join(names)}) SELECT {copied} FROM ai_systems")
    report = check(db)
    assert not report.ok and report.unaudited["ai_system"] == 1
    assert "PROBLEMS FOUND" in report.lines()


def test_audit_log_filters(db: Database) -> None:
    created = store.create_system(db, "Ada", system_input())
    store.update_system(db, "Ben", created.id, system_input(owner="Ben"))
    assert len(audit_store.list_events(db, entity="ai_system")) == 2
    assert audit_store.list_events(db, actor="Ben")["action"].tolist() == ["update"]
    assert len(audit_store.list_events(db, entity="ai_system", entity_id=str(created.id))) == 2
    from datetime import date, timedelta

    tomorrow = date.today() + timedelta(days=1)
    assert audit_store.list_events(db, start=tomorrow).empty
    assert len(audit_store.list_events(db, entity="ai_system", end=date.today())) == 2
    facets = audit_store.audit_facets(db)
    assert "ai_system" in facets["entity"] and {"Ada", "Ben"} <= set(facets["actor"])


def test_last_changed_reads_material_changes_from_the_audit_trail(db: Database) -> None:
    first = store.create_system(db, "Ada", system_input(name="A"))
    second = store.create_system(db, "Ada", system_input(name="B"))
    store.update_system(db, "Ada", first.id, system_input(name="A", owner="Someone"))
    assert store.last_changed(db, ["purpose", "ai_technique"]) == {}
    updated = store.update_system(
        db, "Ada", second.id, system_input(name="B", ai_technique="deep_learning")
    )
    changed = store.last_changed(db, ["purpose", "ai_technique"])
    assert list(changed) == [second.id] and changed[second.id] == updated.updated_at
    assert store.last_changed(db, ["owner"], system_id=first.id)
    with pytest.raises(ValueError):
        store.last_changed(db, ["colour"])


def test_concurrent_creates_of_the_same_name_end_in_one_system_and_a_clear_refusal(
    db: Database,
) -> None:
    """The unique name is only checked at COMMIT between concurrent transactions: the loser is
    run again, sees the winner's row and refuses with the duplicate-name message."""
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        try:
            store.create_system(db, "Ada", system_input(name="Same Name"))
            outcomes.append("created")
        except ConflictError as error:
            outcomes.append(error.field or "")

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["created"] + ["name"] * 7
    assert store.counts(db)["total"] == 1


def test_a_unit_that_writes_without_an_audit_event_is_refused_even_after_reads(
    db: Database,
) -> None:
    def read_then_write(transaction):
        transaction.fetchone("SELECT count(*) FROM ai_systems")
        transaction.execute("INSERT INTO schema_version VALUES (998, 'x', now())")

    with pytest.raises(RuntimeError, match="audit event"):
        db.write("Ada", read_then_write)
    assert db.write("Ada", lambda transaction: transaction.fetchone("SELECT 1")) == (1,)
