"""The command line never destroys data: export paths, a busy database and clashing writers."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from hypothesis import settings

from assessments.cli import main
from assessments.errors import DatabaseBusyError
from assessments.store import db as db_module
from assessments.store import inventory as store
from assessments.store import risks as risk_store
from assessments.store.db import WRITE_BUSY_MESSAGE, Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def one_system(db_path: Path) -> Path:
    database = Database(db_path)
    store.create_system(database, "Ada", system_input())
    database.close()
    return db_path


def _system_count(db_path: Path) -> int:
    database = Database(db_path)
    try:
        return int(database.query_one("SELECT count(*) FROM ai_systems")[0])
    finally:
        database.close()


@pytest.mark.duckdb_only
def test_export_refuses_the_live_database_even_with_force(one_system: Path, capsys) -> None:
    before = one_system.read_bytes()
    for extra in ([], ["--force"]):
        code, out, err = run(capsys, "export", "inventory", "--out", str(one_system), *extra)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and "is the database (AIMS_DB)" in err
    assert one_system.read_bytes() == before
    assert _system_count(one_system) == 1


@pytest.mark.duckdb_only
def test_export_refuses_the_database_log_and_the_database_by_another_spelling(
    one_system: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    wal = one_system.with_name(one_system.name + ".wal")
    code, _, err = run(capsys, "export", "inventory", "--out", str(wal), "--force")
    assert code == 2 and "or its log" in err
    assert not wal.exists() or wal.read_bytes() != b"name"
    monkeypatch.chdir(one_system.parent)
    code, _, err = run(
        capsys, "export", "inventory", "--out", f"./../{one_system.parent.name}/aims.duckdb"
    )
    assert code == 2 and "is the database" in err
    assert _system_count(one_system) == 1


def test_export_never_replaces_another_database_file(
    one_system: Path, tmp_path: Path, capsys
) -> None:
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    before = other.read_bytes()
    code, _, err = run(capsys, "export", "inventory", "--out", str(other), "--force")
    assert code == 2 and "is a database file" in err
    assert other.read_bytes() == before


def test_export_keeps_an_existing_file_unless_forced(
    one_system: Path, tmp_path: Path, capsys
) -> None:
    target = tmp_path / "inventory.csv"
    target.write_text("keep me")
    code, _, err = run(capsys, "export", "inventory", "--out", str(target))
    assert code == 2 and "already exists" in err and "--force" in err
    assert target.read_text() == "keep me"
    code, _, err = run(capsys, "export", "inventory", "--out", str(target), "--force")
    assert code == 0 and target.read_text().startswith("id,name,")
    assert [path.name for path in tmp_path.iterdir() if path.name.endswith(".tmp")] == []


@pytest.mark.parametrize("kind", ["folder", "missing folder", "unwritable"])
def test_export_to_a_path_that_cannot_take_it_is_one_line_and_exit_2(
    one_system: Path, tmp_path: Path, capsys, kind: str
) -> None:
    target = {
        "folder": tmp_path,
        "missing folder": tmp_path / "no" / "such" / "inventory.csv",
        "unwritable": Path("/proc/aims-inventory.csv"),
    }[kind]
    code, out, err = run(capsys, "export", "inventory", "--out", str(target))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("Nothing was exported: ")
    assert "Traceback" not in err


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(
    one_system: Path, tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "inventory.csv"
    target.write_text("the old export")

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    code, _, err = run(capsys, "export", "inventory", "--out", str(target), "--force")
    assert code == 2 and "No space left on device" in err
    assert target.read_text() == "the old export"
    left = {path.name for path in tmp_path.iterdir()} - {"aims.duckdb", "aims.duckdb.wal"}
    assert left == {"inventory.csv"}


@pytest.mark.duckdb_only
def test_import_into_a_database_held_by_another_process_is_busy_exit_3(
    one_system: Path, tmp_path: Path, capsys
) -> None:
    db_path = one_system
    exported = tmp_path / "inventory.csv"
    assert run(capsys, "export", "inventory", "--out", str(exported))[0] == 0
    holder = Database(db_path)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "assessments", "import", "inventory", str(exported)],
            capture_output=True,
            text=True,
        )
    finally:
        holder.close()
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("The database is busy: ")
    assert "probably" not in result.stderr


def test_the_app_is_named_as_the_holder_only_when_it_is_the_app(db_path: Path) -> None:
    error = duckdb.IOException(
        f'Could not set lock on file "{db_path}": Conflicting lock is held in x (PID {os.getpid()})'
    )
    message = db_module.busy_message(db_path, error)
    assert message.startswith("The database is busy: ")
    assert f"another program (process {os.getpid()})" in message
    assert "running app" not in message


def test_a_conflict_that_outlasts_the_retries_is_the_apps_busy_error(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "WRITE_RETRY_SECONDS", 0.0)
    monkeypatch.setattr(db_module.time, "sleep", lambda _seconds: None)

    def always_clashes(transaction: db_module.Transaction) -> None:
        raise duckdb.TransactionException("TransactionContext Error: Conflict on update!")

    with pytest.raises(DatabaseBusyError) as raised:
        db.write("Ada", always_clashes)
    assert str(raised.value) == WRITE_BUSY_MESSAGE
    assert "Conflict" not in str(raised.value)


def test_a_key_clash_that_persists_is_raised_after_a_few_attempts(db: Database) -> None:
    attempts: list[int] = []

    def duplicate(transaction: db_module.Transaction) -> None:
        attempts.append(1)
        raise duckdb.ConstraintException("Constraint Error: duplicate key")

    with pytest.raises(duckdb.ConstraintException):
        db.write("Ada", duplicate)
    assert len(attempts) == db_module.KEY_CLASH_ATTEMPTS


def test_twenty_threads_rating_one_risk_never_see_a_raw_conflict(db: Database) -> None:
    system = store.create_system(db, "Ada", system_input())
    risk = risk_store.create_risk(db, "Ada", risk_input(system.id))
    outcomes: list[str] = []
    unexpected: list[BaseException] = []

    def rater(index: int) -> None:
        for round_no in range(10):
            try:
                risk_store.record_rating(
                    db,
                    f"Rater {index}",
                    rating_input(risk.id, likelihood=1 + (index + round_no) % 5),
                )
                outcomes.append("saved")
            except DatabaseBusyError:
                outcomes.append("busy")
            except BaseException as error:  # collected and asserted below
                unexpected.append(error)

    threads = [threading.Thread(target=rater, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    assert len(outcomes) == 200
    stored = db.query_one("SELECT count(*) FROM risk_ratings WHERE risk_id = ?", [risk.id])[0]
    assert stored == outcomes.count("saved")


def test_a_busy_write_reaches_the_form_as_a_message() -> None:
    from ui.common import attempt

    def busy() -> None:
        raise DatabaseBusyError(WRITE_BUSY_MESSAGE)

    assert attempt(busy) == (None, {"form": WRITE_BUSY_MESSAGE})


def test_property_tests_have_no_per_example_deadline() -> None:
    """A busy CI machine must not fail a property test for being slow (tests/conftest.py)."""
    assert settings.default.deadline is None


@pytest.mark.parametrize("command", [["export", "inventory"], ["check"]])
def test_a_mistyped_database_path_is_refused_not_created(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, command: list[str]
) -> None:
    mistyped = tmp_path / "aims.duckbd"
    monkeypatch.setenv("AIMS_DB", str(mistyped))
    code, out, err = run(capsys, *command)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"There is no database at {mistyped}" in err
    assert not mistyped.exists()
