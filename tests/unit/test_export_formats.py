"""Every export writes timestamps one way, and no cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from assessments.exports import EXPORTS, build_export
from assessments.reports.tabular import neutral_text, restore_text, to_csv
from assessments.store.db import Database

TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z")
LOOKS_LIKE_A_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


@pytest.fixture(scope="module")
def demo_db(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    demo_template: Path | str,
) -> Database:
    """One copy of the demo for the module's read-only exports (a DuckDB file, or with
    `--store postgres` a database copied from the demo template)."""
    if request.config.getoption("--store") == "postgres":
        server = request.getfixturevalue("postgres")
        url = server.create(template="demo_template")
        database = Database(url)
        yield database
        database.close()
        server.drop(url)
        return
    path = tmp_path_factory.mktemp("exports") / "demo.duckdb"
    shutil.copyfile(demo_template, path)
    database = Database(path)
    yield database
    database.close()


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _exported_values(database: Database, what: str, fmt: str) -> list[str]:
    payload = build_export(database, what, fmt)
    if fmt == "json":
        return _strings(json.loads(payload))
    rows = list(csv.reader(io.StringIO(payload.decode("utf-8"))))
    return [cell for row in rows[1:] for cell in row]


@pytest.mark.parametrize(
    ("what", "fmt"),
    [
        (what, fmt)
        for what, export in EXPORTS.items()
        for fmt in export.formats
        if fmt in {"csv", "json"}
    ],
)
def test_every_timestamp_in_every_export_has_one_format(
    demo_db: Database, what: str, fmt: str
) -> None:
    times = [
        value
        for value in _exported_values(demo_db, what, fmt)
        if LOOKS_LIKE_A_TIME.match(value) and len(value) < 40
    ]
    odd = [value for value in times if not TIMESTAMP.fullmatch(value)]
    assert odd == [], f"{what} as {fmt}: {odd[:5]}"


def test_the_rating_history_parses_with_pandas(demo_db: Database) -> None:
    """pandas 3 refuses a column that mixes timestamps with and without fractional seconds."""
    demo_db.write(
        "Ada",
        lambda transaction: (
            transaction.execute(
                "UPDATE risk_ratings SET rated_at = date_trunc('second', rated_at) WHERE id = 1"
            )
            and transaction.audit("fix", "risk", 1)
        ),
    )
    frame = pd.read_csv(io.BytesIO(build_export(demo_db, "ratings", "csv")))
    parsed = pd.to_datetime(frame["rated_at"])
    assert parsed.notna().all() and str(parsed.dt.tz) == "UTC"


@pytest.mark.parametrize(
    ("typed", "written"),
    [
        (
            '-1+HYPERLINK("http://evil.example","open")',
            '\'-1+HYPERLINK("http://evil.example","open")',
        ),
        ("=1+1", "'=1+1"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-", "'-"),
        ("'=1", "''=1"),
        ("-1", "-1"),
        ("-2.5", "-2.5"),
        ("plain", "plain"),
    ],
)
def test_csv_cells_that_would_run_are_neutralised_and_read_back_as_typed(
    typed: str, written: str
) -> None:
    assert neutral_text(typed) == written
    assert restore_text(written) == typed


def test_negative_numbers_stay_numbers_in_csv() -> None:
    frame = pd.DataFrame({"delta": [-1, -3], "rate": [-2.5, 0.5], "note": ["-1+1", "ok"]})
    rows = list(csv.reader(io.StringIO(to_csv(frame).decode("utf-8"))))
    assert rows[1] == ["-1", "-2.5", "'-1+1"] and rows[2] == ["-3", "0.5", "ok"]


def test_exported_csv_with_a_minus_formula_imports_back_as_typed(
    tmp_path: Path, db_path: Path
) -> None:
    from assessments.importing import parse_inventory
    from assessments.store import inventory as store
    from tests.factories import system_input

    database = Database(db_path)
    store.create_system(database, "Ada", system_input(owner='-1+HYPERLINK("http://x","y")'))
    exported = tmp_path / "inventory.csv"
    exported.write_bytes(build_export(database, "inventory", "csv"))
    database.close()
    row = next(csv.DictReader(exported.read_text(encoding="utf-8").splitlines()))
    assert row["owner"].startswith("'-1+")
    assert parse_inventory(exported)[0].owner == '-1+HYPERLINK("http://x","y")'
