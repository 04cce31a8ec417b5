"""The demo portfolio is the fictional company's history, made by its own people: the person
who loads it is recorded once, for the load, and never on a back-dated rating, screening,
approval or vote. The columns are found from information_schema, so a future table is covered.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from assessments import demo
from assessments.cli import main
from assessments.config import data_dir
from assessments.demo import DemoReport, load_demo
from assessments.demo_people import DEMO_ACTOR
from assessments.store.db import Database, utc_now

LOADER = "Real Person"


@dataclass
class LoadedDemo:
    database: Database
    report: DemoReport
    started: datetime
    names_before: set[str]


def text_columns(database: Database) -> list[tuple[str, str]]:
    """(table, column) of every column of every table that can hold a name."""
    return database.query_rows(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c"
        " JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)"
        " WHERE t.table_type = 'BASE TABLE' AND c.table_schema = 'main'"
        " AND (c.data_type LIKE 'VARCHAR%' OR c.data_type IN ('JSON', 'TEXT'))"
        " ORDER BY 1, 2"
    )


def by_columns(database: Database) -> list[tuple[str, str]]:
    """The columns that say who did something: `*_by`, `actor`, `facilitator`, ... ."""
    who = ("actor", "author", "reviewer", "facilitator", "approver")
    return [
        (table, column)
        for table, column in text_columns(database)
        if column.endswith("_by") or column in who
    ]


def names_in(database: Database, columns: list[tuple[str, str]]) -> set[str]:
    return {
        value
        for table, column in columns
        for (value,) in database.query_rows(f'SELECT DISTINCT "{column}" FROM "{table}"')
        if value is not None
    }


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedDemo]:
    """The demo loaded once, by a person of this test module (a load takes seconds)."""
    database = Database(tmp_path_factory.mktemp("demo-attribution") / "demo.duckdb")
    names_before = names_in(database, by_columns(database))
    started = utc_now()
    report = load_demo(database, LOADER)
    yield LoadedDemo(database, report, started, names_before)
    database.close()


def test_the_loader_appears_exactly_once_in_the_whole_database(loaded: LoadedDemo) -> None:
    database = loaded.database
    found = [
        (table, column, count)
        for table, column in text_columns(database)
        if (
            count := database.query_one(
                f'SELECT count(*) FROM "{table}" WHERE CAST("{column}" AS VARCHAR) LIKE ?',
                [f"%{LOADER}%"],
            )[0]
        )
    ]
    assert found == [("audit_events", "actor", 1)]
    assert ("audit_events", "actor") in by_columns(database)
    assert len(by_columns(database)) >= 20, "the scan sees the who-columns of every feature"


def test_the_only_event_in_the_loaders_name_is_the_load_dated_now(loaded: LoadedDemo) -> None:
    rows = loaded.database.query_records(
        "SELECT occurred_at, entity, action, summary, after_state FROM audit_events"
        " WHERE actor = ?",
        [LOADER],
    )
    assert len(rows) == 1
    event = rows[0]
    assert (event["entity"], event["action"]) == ("demo_load", "load")
    assert loaded.started <= event["occurred_at"] <= utc_now()
    report = loaded.report
    assert report.added["AI systems"] == 14
    assert event["summary"].startswith(
        f"Loaded the demo portfolio: {report.total} records added (AI systems 14; Risks "
    )
    assert f'"records_added": {report.total}' in event["after_state"]


def test_every_who_column_names_a_person_of_the_demo(loaded: LoadedDemo) -> None:
    """Each record the demo adds names someone of the fictional company (the demo files), or
    "Demo loader" where the demo has nobody for it; the load event is the one exception."""
    demo_text = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted((data_dir() / "demo").glob("*.yaml"))
    )
    database = loaded.database
    added_names = names_in(database, by_columns(database)) - loaded.names_before - {LOADER}
    assert len(added_names) >= 20
    assert {name for name in added_names if name not in demo_text} <= {DEMO_ACTOR}
    rated_by = names_in(database, [("risk_ratings", "rated_by")])
    assert {"Priya Raman", "Helena Brandt"} <= rated_by
    approvers = names_in(database, [("risk_acceptances", "approved_by")])
    assert "Matthias Keller (Chief Risk Officer)" in approvers


def test_a_second_load_adds_nothing_and_records_who_loaded_it_again(loaded: LoadedDemo) -> None:
    database = loaded.database
    count = database.query_one("SELECT count(*) FROM audit_events")[0]
    again = load_demo(database, "Second Person")
    assert again.total == 0
    assert database.query_one("SELECT count(*) FROM audit_events")[0] == count + 1
    assert database.query_one(
        "SELECT actor, entity, summary FROM audit_events ORDER BY id DESC LIMIT 1"
    ) == (
        "Second Person",
        "demo_load",
        "Loaded the demo portfolio (nothing added: it was already there)",
    )


def test_the_command_line_loads_as_the_demo_loader(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m assessments demo` names no person: its load event is the demo loader's (the
    steps are left out here; the tests above cover what they write)."""
    monkeypatch.setattr(demo, "DEMO_STEPS", [])
    assert main(["demo"]) == 0
    assert "Demo portfolio loaded" in capsys.readouterr().out
    database = Database(db_path)
    try:
        events = database.query_rows(
            "SELECT actor, action FROM audit_events WHERE entity = 'demo_load'"
        )
    finally:
        database.close()
    assert events == [(DEMO_ACTOR, "load")]
