"""The tamper-evident audit trail: the hash chain over audit events, its head, the replay of the
audited tables, `check` naming the first break, and the export an auditor verifies alone."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from assessments.cli import main
from assessments.risks import TreatmentInput
from assessments.store import inventory as inventory_store
from assessments.store import risks as risk_store
from assessments.store.audit_chain import (
    GENESIS_HASH,
    chain_existing_events,
    chain_head,
    verify_chain,
)
from assessments.store.db import Database
from assessments.store.health import check
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input
from tests.support.migrations import migrate_up_to


@dataclass(frozen=True)
class Portfolio:
    """What the ordinary writes below made, for the tampering to aim at."""

    system_id: int
    risk_id: int
    inherent_rating_id: int
    imported_id: int


@pytest.fixture
def portfolio(db_path: Path) -> Portfolio:
    """A system created then edited, a risk treated and rated twice, and three systems imported
    (one `audit_many`), all through the store functions; the database is closed afterwards so the
    tests can open the store behind the app's back."""
    database = Database(db_path)
    try:
        system = inventory_store.create_system(database, "Ada", system_input())
        edited = system_input(owner="Ben Okoro")
        inventory_store.update_system(database, "Ada", system.id, edited, system.revision)
        risk = risk_store.create_risk(database, "Ada", risk_input(system.id))
        risk_store.set_treatment(
            database,
            "Ada",
            risk.id,
            TreatmentInput(option="change_likelihood", controls=["A.6.2.4"]),
        )
        inherent = risk_store.record_rating(database, "Ada", rating_input(risk.id))
        risk_store.record_rating(
            database, "Ada", rating_input(risk.id, "residual", likelihood=2, severity=3)
        )
        inventory_store.import_systems(
            database, "Ada", [system_input(name=f"Imported {n}") for n in range(3)]
        )
        imported = inventory_store.find_system_by_name(database, "Imported 1")
        assert imported is not None
        return Portfolio(system.id, risk.id, inherent.id, imported.id)
    finally:
        database.close()


def tamper(db_path: Path | str, *statements: str) -> None:
    """Edit the store as someone with the file (or the database login) and a SQL shell would:
    a raw cursor of the store, outside the app's write path, so no audit."""
    database = Database(db_path, migrate=False)
    try:
        with database.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    finally:
        database.close()


def scalar(db_path: Path | str, sql: str) -> int:
    database = Database(db_path, migrate=False)
    try:
        row = database.query_one(sql)
        assert row is not None
        return int(row[0])
    finally:
        database.close()


def checked(db_path: Path | str) -> tuple[bool, list[str]]:
    database = Database(db_path)
    try:
        report = check(database)
        return report.ok, [item.message for item in report.breaks]
    finally:
        database.close()


def recompute_chain(events: list[dict], head: dict) -> None:
    """The auditor's verification, written from the export's recipe alone (not the app's code)."""
    previous = "0" * 64
    for event in events:
        assert event["prev_hash"] == previous, f"link broken at #{event['id']}"
        hashed = {key: value for key, value in event.items() if key != "hash"}
        text = json.dumps(hashed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == event["hash"]
        previous = event["hash"]
    assert (events[-1]["id"], previous) == (head["last_id"], head["last_hash"])


# --- The chain after ordinary writes --------------------------------------------------------------


def test_ordinary_writes_leave_a_verified_chain_and_a_clean_replay(
    portfolio: Portfolio, db_path: Path
) -> None:
    ok, breaks = checked(db_path)
    assert (ok, breaks) == (True, [])
    database = Database(db_path)
    try:
        chain = verify_chain(database)
        last = database.query_one("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
        first = database.query_one("SELECT prev_hash FROM audit_events ORDER BY id LIMIT 1")
        count = database.query_one("SELECT count(*) FROM audit_events")[0]
    finally:
        database.close()
    assert chain.events == count and chain.breaks == []
    assert (chain.head_id, chain.head_hash) == (last[0], last[1])
    assert first[0] == GENESIS_HASH


def test_audit_many_chains_every_event_of_one_insert(db: Database) -> None:
    before = db.query_one("SELECT count(*) FROM audit_events")[0]
    inventory_store.import_systems(
        db, "Ada", [system_input(name=f"Bulk {n}") for n in range(2_000)]
    )
    rows = db.query_rows("SELECT prev_hash, hash FROM audit_events ORDER BY id")
    assert len(rows) == before + 2_000
    assert all(prev == rows[index - 1][1] for index, (prev, _) in enumerate(rows) if index)
    assert len({stored for _, stored in rows}) == len(rows)
    assert chain_head(db) == (db.query_one("SELECT max(id) FROM audit_events")[0], rows[-1][1])
    assert verify_chain(db).breaks == []


def test_the_migration_step_chains_events_written_before_the_chain(db: Database) -> None:
    risk_store.create_risk(
        db, "Ada", risk_input(inventory_store.create_system(db, "Ada", system_input()).id)
    )
    written = db.query_rows("SELECT id, prev_hash, hash FROM audit_events ORDER BY id")
    with db.cursor() as cursor:
        cursor.execute("UPDATE audit_events SET prev_hash = NULL, hash = NULL")
        cursor.execute("UPDATE audit_chain_head SET last_id = 0, last_hash = repeat('0', 64)")
        chain_existing_events(cursor)
    assert db.query_rows("SELECT id, prev_hash, hash FROM audit_events ORDER BY id") == written
    assert verify_chain(db).breaks == []


def test_a_database_from_before_the_chain_is_chained_when_it_migrates(
    empty_db_path: Path | str,
) -> None:
    path = empty_db_path
    old = Database(path, migrate=False)
    migrate_up_to(old, 11)
    system = inventory_store.create_system(old, "Ada", system_input())
    risk_store.create_risk(old, "Ada", risk_input(system.id))
    old.close()
    migrated = Database(path)
    try:
        report = check(migrated)
        hashes = migrated.query_rows("SELECT hash FROM audit_events WHERE hash IS NULL")
    finally:
        migrated.close()
    assert report.ok and report.breaks == [] and report.chain_events == 3
    assert hashes == []


# --- Tampering behind the app's back -----------------------------------------------------------


def _lower_likelihood(p: Portfolio) -> tuple[str, ...]:
    return (
        f"UPDATE risk_ratings SET likelihood = 1 WHERE id = {p.inherent_rating_id}",
        f"UPDATE risk_current_ratings SET likelihood = 1 WHERE rating_id = {p.inherent_rating_id}",
    )


def _rewrite_actor(p: Portfolio) -> tuple[str, ...]:
    return ("UPDATE audit_events SET actor = 'Someone else' WHERE id = 3",)


def _delete_middle(p: Portfolio) -> tuple[str, ...]:
    return ("DELETE FROM audit_events WHERE id = 3",)


def _delete_newest(p: Portfolio) -> tuple[str, ...]:
    return ("DELETE FROM audit_events WHERE id >= (SELECT max(id) - 1 FROM audit_events)",)


def _change_owner(p: Portfolio) -> tuple[str, ...]:
    return (f"UPDATE ai_systems SET owner = 'Mallory' WHERE id = {p.system_id}",)


def _delete_record(p: Portfolio) -> tuple[str, ...]:
    return (f"DELETE FROM ai_systems WHERE id = {p.imported_id}",)


def _add_event(p: Portfolio) -> tuple[str, ...]:
    return (
        "INSERT INTO audit_events (occurred_at, actor, action, entity, entity_id, summary)"
        " VALUES (now(), 'Ada', 'update', 'ai_system', '1', 'Backdated')",
    )


def _system_event(db_path: Path, p: Portfolio, action: str) -> int:
    return scalar(
        db_path,
        f"SELECT max(id) FROM audit_events WHERE entity = 'ai_system' AND action = '{action}'"
        f" AND entity_id = '{p.system_id}'",
    )


def _rating_event(db_path: Path, p: Portfolio) -> int:
    return scalar(
        db_path,
        "SELECT id FROM audit_events WHERE action = 'rate'"
        f" AND CAST(after_state AS JSON) ->> 'id' = '{p.inherent_rating_id}'",
    )


def _first_after(db_path: Path, event_id: int) -> int:
    return scalar(db_path, f"SELECT min(id) FROM audit_events WHERE id > {event_id}")


def _last(db_path: Path) -> int:
    return scalar(db_path, "SELECT max(id) FROM audit_events")


def _import_event(db_path: Path, p: Portfolio) -> int:
    return scalar(db_path, f"SELECT id FROM audit_events WHERE entity_id = '{p.imported_id}'")


# name -> (the tampering, the first break it must be reported as, given the file before it)
TAMPERING: dict[
    str, tuple[Callable[[Portfolio], tuple[str, ...]], Callable[[Path, Portfolio], str]]
] = {
    "lower a rating's likelihood": (
        _lower_likelihood,
        lambda path, p: (
            f"Inherent rating #{p.inherent_rating_id} of risk R-{p.risk_id}: Likelihood is 1 in"
            f" the table but 4 in its last audit event #{_rating_event(path, p)}"
        ),
    ),
    "rewrite an event's actor": (
        _rewrite_actor,
        lambda path, p: "audit event #3 was edited after it was written",
    ),
    "delete an event in the middle": (
        _delete_middle,
        lambda path, p: (
            f"audit events were deleted before #{_first_after(path, 3)} (or the event before it"
            " was rewritten)"
        ),
    ),
    "delete the newest events": (
        _delete_newest,
        lambda path, p: (
            f"the newest audit events after #{_last(path) - 2} were removed: the chain's head"
            f" names #{_last(path)}"
        ),
    ),
    "change an AI system's owner": (
        _change_owner,
        lambda path, p: (
            f"AI system 'Loan Advisor' (#{p.system_id}): Owner is 'Mallory' in the table but"
            f" 'Ben Okoro' in its last audit event #{_system_event(path, p, 'update')}"
        ),
    ),
    "delete a record": (
        _delete_record,
        lambda path, p: (
            f"AI system 'Imported 1' (#{p.imported_id}) was deleted from the table, but its last"
            f" audit event #{_import_event(path, p)} does not delete it"
        ),
    ),
    "add an event without the app": (
        _add_event,
        lambda path, p: f"audit event #{_last(path) + 1} was added outside the app",
    ),
}


@pytest.mark.parametrize("how", list(TAMPERING))
def test_check_names_the_first_break_of_each_kind_of_tampering(
    how: str, portfolio: Portfolio, db_path: Path
) -> None:
    statements, expected = TAMPERING[how]
    first_break = expected(db_path, portfolio)
    tamper(db_path, *statements(portfolio))
    ok, breaks = checked(db_path)
    assert not ok
    assert breaks[0] == first_break


def test_the_cli_check_exits_non_zero_naming_the_first_break_and_the_count(
    portfolio: Portfolio, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check"]) == 0
    assert "audit trail and audited records: as the app wrote them" in capsys.readouterr().out
    tamper(db_path, *_rewrite_actor(portfolio), *_change_owner(portfolio))
    code = main(["check"])
    out = capsys.readouterr().out
    assert code == 1
    assert "TAMPERING: 2 break(s); the first: audit event #3 was edited after it was written" in out
    assert "Owner is 'Mallory' in the table" in out
    assert out.rstrip().endswith("PROBLEMS FOUND")


def test_one_edited_event_is_one_break_not_a_cascade(portfolio: Portfolio, db_path: Path) -> None:
    tamper(db_path, "UPDATE audit_events SET summary = 'nothing to see' WHERE id = 2")
    _, breaks = checked(db_path)
    assert breaks == ["audit event #2 was edited after it was written"]


def test_the_demo_portfolio_replays_clean_and_shows_sign_off_soa_screening_acceptance_edits(
    demo_db_path: Path,
) -> None:
    assert checked(demo_db_path) == (True, [])
    approved = scalar(demo_db_path, "SELECT min(id) FROM impact_responses WHERE status='approved'")
    acceptance = scalar(demo_db_path, "SELECT min(id) FROM risk_acceptances")
    screening = scalar(demo_db_path, "SELECT min(id) FROM screenings WHERE risk_class <> 'minimal'")
    control = Database(demo_db_path, migrate=False)
    try:
        row = control.query_one("SELECT min(control_id) FROM soa_current")
    finally:
        control.close()
    assert row is not None
    tamper(
        demo_db_path,
        f"UPDATE impact_responses SET approved_by = 'Nobody' WHERE id = {approved}",
        f"DELETE FROM risk_acceptances WHERE id = {acceptance}",
        f"UPDATE screenings SET risk_class = 'minimal' WHERE id = {screening}",
        "UPDATE soa_entries SET owner = 'Nobody' WHERE id ="
        f" (SELECT entry_id FROM soa_current WHERE control_id = '{row[0]}')",
    )
    ok, breaks = checked(demo_db_path)
    assert not ok and len(breaks) == 4
    assert any(
        text.startswith(f"Regulatory screening #{screening} of AI system #")
        and "EU AI Act class is 'minimal' in the table" in text
        for text in breaks
    )
    assert any(
        text.startswith(f"Impact assessment #{approved}: Approved by is 'Nobody' in the table")
        for text in breaks
    )
    assert any(
        text.startswith(f"Risk acceptance #{acceptance} of risk R-") and "deleted" in text
        for text in breaks
    )
    assert any(
        text.startswith(f"The Statement of Applicability line of control {row[0]}: Owner is")
        for text in breaks
    )


# --- Export ------------------------------------------------------------------------------------


def test_the_json_export_carries_the_chain_and_verifies_outside_the_app(
    portfolio: Portfolio, db_path: Path, tmp_path: Path
) -> None:
    out = tmp_path / "audit.json"
    assert main(["export", "audit", "--format", "json", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    events, head = document["events"], document["head"]
    assert "sha-256" in document["how_to_verify"].lower()
    recompute_chain(events, head)
    tampered = [dict(event) for event in events]
    tampered[2]["actor"] = "Someone else"
    with pytest.raises(AssertionError):
        recompute_chain(tampered, head)


def test_the_csv_export_carries_every_hash_and_the_head(
    portfolio: Portfolio, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "audit", "--format", "json"]) == 0
    events = json.loads(capsys.readouterr().out)["events"]
    tamper(db_path, "UPDATE audit_events SET summary = '=HYPERLINK(1)' WHERE id = 1")
    out = tmp_path / "audit.csv"
    assert main(["export", "audit", "--format", "csv", "--out", str(out)]) == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert [(row["prev_hash"], row["hash"]) for row in rows] == [
        (event["prev_hash"], event["hash"]) for event in events
    ]
    assert {row["chain_head_hash"] for row in rows} == {events[-1]["hash"]}
    assert rows[0]["summary"] == "'=HYPERLINK(1)"


def test_the_audit_export_refuses_xlsx(portfolio: Portfolio, capsys) -> None:
    assert main(["export", "audit", "--format", "xlsx", "--out", "x.xlsx"]) == 2
    assert "csv, json" in capsys.readouterr().err
