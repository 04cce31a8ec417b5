"""The store shared by several processes: placeholders for PostgreSQL, the copy command, two
processes writing at once, a server restart, a killed writer, and a URL that cannot connect.

Tests that take `db_path` run on both stores (the PostgreSQL leg gives a fresh database each);
`postgres_only` ones need several processes on one store, which only PostgreSQL allows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assessments.store import snapshots
from assessments.store.copying import CopyError, copy_store
from assessments.store.db import Database
from assessments.store.dialect import postgres_statement, redact, server_name
from assessments.store.health import check
from assessments.store.register import register_frame
from tests.perf.bench import write_import_file

REPO = Path(__file__).resolve().parents[2]


def _run(*arguments: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "assessments", *arguments],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


# --- placeholders and URLs (no database) -------------------------------------------------------


def test_question_marks_become_numbered_placeholders_outside_quotes():
    sql = "SELECT '?', \"a?\" FROM t WHERE a = ? AND b::VARCHAR = ? -- ?\n AND c = ?"
    text, values = postgres_statement(sql, [1, 2, 3])
    assert text == "SELECT '?', \"a?\" FROM t WHERE a = $1 AND b::VARCHAR = $2 -- ?\n AND c = $3"
    assert values == [1, 2, 3]


def test_named_placeholders_are_numbered_once_each():
    sql = "SELECT $at, $actor, unnest($ids::BIGINT[]) WHERE x = $at AND j = '$.status'"
    text, values = postgres_statement(sql, {"ids": [1], "actor": "A", "at": "T"})
    assert text == "SELECT $1, $2, unnest($3::BIGINT[]) WHERE x = $1 AND j = '$.status'"
    assert values == ["T", "A", [1]]


def test_a_url_is_shown_without_its_password():
    url = "postgresql://alice:s3cret@db.example.org:5433/aims"
    assert redact(url) == "postgresql://alice@db.example.org:5433/aims"
    assert server_name(url) == "db.example.org:5433/aims"


def test_a_url_that_cannot_connect_gives_one_line_without_the_password_and_exit_3():
    finished = _run(
        "check", env={"AIMS_DB": "postgresql://alice:s3cret@127.0.0.1:1/aims", "AIMS_AUTH": ""}
    )
    assert finished.returncode == 3
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1, finished.stderr
    assert "127.0.0.1:1/aims" in lines[0] and "refused" in lines[0]
    assert "s3cret" not in finished.stderr + finished.stdout


# --- the copy command ----------------------------------------------------------------------------


@pytest.fixture
def demo_file(demo_template, tmp_path: Path) -> str:
    """The demo portfolio as a DuckDB file, on either leg (on PostgreSQL a copy of the demo
    database into a file, which the copy command itself makes)."""
    path = tmp_path / "demo.duckdb"
    if str(demo_template).startswith("postgresql://"):
        copy_store(str(demo_template), str(path))
    else:
        path.write_bytes(Path(demo_template).read_bytes())
    return str(path)


def _register(target: str):
    database = Database(target)
    try:
        frame = register_frame(database)
        return frame.sort_values("risk_id").reset_index(drop=True)
    finally:
        database.close()


def test_copy_round_trips_between_duckdb_and_postgres(postgres, demo_file: str, tmp_path: Path):
    there = postgres.create()
    back = str(tmp_path / "back.duckdb")
    first = _run("copy", "--from", demo_file, "--to", there, env={})
    assert first.returncode == 0, first.stderr
    assert "counts verified" in first.stdout and "check passed" in first.stdout
    second = _run("copy", "--from", there, "--to", back, env={})
    assert second.returncode == 0, second.stderr
    original, on_postgres, returned = _register(demo_file), _register(there), _register(back)
    assert len(original) > 50
    for frame in (on_postgres, returned):
        assert frame["risk_id"].tolist() == original["risk_id"].tolist()
        for column in ("title", "residual_level", "inherent_level", "status"):
            if column in original:
                assert frame[column].tolist() == original[column].tolist(), column
    database = Database(back)
    try:
        assert check(database).ok
        assert snapshots.data_version(database) == _head(demo_file)
    finally:
        database.close()


def _head(target: str) -> tuple[int, str]:
    database = Database(target)
    try:
        return snapshots.data_version(database)
    finally:
        database.close()


def test_copy_refuses_a_target_that_holds_data(db_path, demo_file: str):
    Database(db_path).close()
    finished = _run("copy", "--from", demo_file, "--to", str(db_path), env={})
    assert finished.returncode == 1
    assert "is not empty" in finished.stderr and "new, empty database" in finished.stderr


def test_copy_refuses_a_missing_source(tmp_path: Path):
    with pytest.raises(CopyError, match="There is no database"):
        copy_store(str(tmp_path / "missing.duckdb"), str(tmp_path / "new.duckdb"))
    assert not (tmp_path / "missing.duckdb").exists()


def test_ids_continue_after_a_copy(postgres, demo_file: str):
    """Sequences are moved past the copied ids: the next record does not clash."""
    from assessments.store.inventory import create_system
    from tests.factories import system_input

    there = postgres.create()
    copy_store(demo_file, there)
    database = Database(there)
    try:
        highest = database.query_one("SELECT max(id) FROM ai_systems")[0]
        created = create_system(database, "Tester", system_input(name="Added after the copy"))
        assert created.id == highest + 1
        assert check(database).ok
    finally:
        database.close()


# --- several processes ---------------------------------------------------------------------------


def _import_file(folder: Path, prefix: str, rows: int) -> Path:
    path = folder / f"{prefix.lower()}.csv"
    write_import_file(path, rows)
    path.write_text(path.read_text(encoding="utf-8").replace("Imported system", prefix))
    return path


@pytest.mark.postgres_only
def test_two_processes_import_at_once_and_both_land(db, db_path, tmp_path: Path):
    files = [_import_file(tmp_path, name, 400) for name in ("Alpha system", "Beta system")]
    environment = {**os.environ, "AIMS_DB": str(db_path)}
    running = [
        subprocess.Popen(
            [sys.executable, "-m", "assessments", "import", "inventory", str(path)],
            cwd=REPO,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in files
    ]
    outcomes = [process.communicate(timeout=300) for process in running]
    assert [process.returncode for process in running] == [0, 0], outcomes
    counts = db.query_one(
        "SELECT count(*) FILTER (WHERE name LIKE 'Alpha system%'),"
        " count(*) FILTER (WHERE name LIKE 'Beta system%') FROM ai_systems"
    )
    assert tuple(counts) == (400, 400)
    assert check(db).ok


@pytest.mark.postgres_only
def test_another_process_write_is_seen_at_the_next_read(db, db_path, tmp_path: Path):
    """The cache keyed by the data version notices a write made by another process."""

    def systems() -> int:
        return int(db.query_one("SELECT count(*) FROM ai_systems")[0])

    before = snapshots.snapshot(db, "systems", (), systems)
    finished = _run(
        "import", "inventory", str(_import_file(tmp_path, "Other", 3)), env={"AIMS_DB": db_path}
    )
    assert finished.returncode == 0, finished.stderr
    assert snapshots.snapshot(db, "systems", (), systems) == before + 3


_WRITER = textwrap.dedent(
    """
    import sys
    from assessments.store.db import Database
    from assessments.store.inventory import create_system
    from tests.factories import system_input

    database = Database(sys.argv[1])
    number = 0
    while True:
        number += 1
        system = create_system(database, "Writer", system_input(name=f"Crash {number}"))
        print(system.id, flush=True)
    """
)


def test_a_killed_writer_loses_nothing_it_acknowledged(db_path, tmp_path: Path):
    script = tmp_path / "writer.py"
    script.write_text(_WRITER)
    writer = subprocess.Popen(
        [sys.executable, str(script), str(db_path)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    acknowledged: list[int] = []
    assert writer.stdout is not None
    while len(acknowledged) < 25:
        line = writer.stdout.readline()
        if not line:
            pytest.fail(f"The writer stopped: {writer.stderr.read() if writer.stderr else ''}")
        acknowledged.append(int(line))
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    database = Database(db_path)
    try:
        stored = {row[0] for row in database.query_rows("SELECT id FROM ai_systems")}
        assert set(acknowledged) <= stored
        assert check(database).ok
    finally:
        database.close()


@pytest.mark.postgres_only
def test_a_server_restart_is_survived_and_a_write_during_an_outage_is_refused(
    postgres, db, monkeypatch: pytest.MonkeyPatch
):
    from assessments.inventory import AISystemInput
    from assessments.store import postgres as postgres_store
    from assessments.store.inventory import create_system
    from assessments.store.postgres import DatabaseUnavailableError
    from tests.factories import system_input

    def system(name: str) -> AISystemInput:
        return system_input(name=name)

    create_system(db, "Tester", system("Before the restart"))
    monkeypatch.setattr(postgres_store, "CONNECT_SECONDS", 2.0)
    postgres.stop_server()
    try:
        with pytest.raises(DatabaseUnavailableError, match="The database is unavailable"):
            create_system(db, "Tester", system("During the outage"))
    finally:
        postgres.start_server()
    create_system(db, "Tester", system("After the restart"))
    names = {row[0] for row in db.query_rows("SELECT name FROM ai_systems")}
    assert {"Before the restart", "After the restart"} <= names
    assert "During the outage" not in names
    assert check(db).ok


def test_every_export_and_the_audit_trail_are_the_same_on_both_stores(postgres, demo_file: str):
    """The same data (a copy, ids kept) gives byte-identical exports from either store: the
    register, ratings, assessments, workshops, SoA, readiness, obligations and the audit
    trail with its hashes."""
    from assessments.cli import audit_trail_export
    from assessments.exports import EXPORTS

    there = postgres.create()
    copy_store(demo_file, there)
    duck, pg = Database(demo_file), Database(there)
    try:
        for name, export in EXPORTS.items():
            formats = [fmt for fmt in export.formats if fmt in ("json", "csv")]
            for fmt in formats:
                assert export.build(duck, fmt) == export.build(pg, fmt), (name, fmt)
        assert audit_trail_export(duck, "json") == audit_trail_export(pg, "json")
    finally:
        duck.close()
        pg.close()
