"""The command line: demo, export, import (all or nothing) and check, on AIMS_DB."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessments.cli import main
from assessments.store.db import Database

EXPORT_COLUMNS = [
    "id",
    "name",
    "purpose",
    "owner",
    "business_unit",
    "roles",
    "lifecycle_stage",
    "ai_technique",
    "autonomy",
    "stakeholders",
    "personal_data",
    "special_category_data",
    "deployment_context",
    "geography",
    "suppliers",
    "status",
    "next_review",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_demo_loads_once(db_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "AI systems: 14 records added" in out
    code, out, _ = run(capsys, "demo")
    assert code == 0 and "AI systems: 0 records added" in out
    database = Database(db_path)
    assert database.query_one("SELECT count(*) FROM ai_systems")[0] == 14
    database.close()


def test_export_formats_have_the_documented_columns(
    demo_db_path: Path, tmp_path: Path, capsys
) -> None:
    code, out, _ = run(capsys, "export", "inventory", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(out.splitlines()))
    assert len(rows) >= 10
    assert set(EXPORT_COLUMNS) <= set(rows[0])
    cv = next(row for row in rows if row["name"] == "Talent Match CV Screening")
    assert cv["roles"] == "ai_user" and ";" in cv["geography"]
    assert cv["personal_data"] == "true"

    code, out, _ = run(capsys, "export", "inventory", "--format", "json")
    records = json.loads(out)
    assert len(records) == len(rows) and set(EXPORT_COLUMNS) <= set(records[0])

    target = tmp_path / "inventory.xlsx"
    code, _, _ = run(capsys, "export", "inventory", "--format", "xlsx", "--out", str(target))
    sheet = load_workbook(target).active
    header = [cell.value for cell in sheet[1]]
    assert set(EXPORT_COLUMNS) <= set(header) and sheet.max_row == len(rows) + 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_into_an_empty_database_gives_the_same_inventory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, fmt: str, demo_template: Path
) -> None:
    shutil.copyfile(demo_template, tmp_path / "source.duckdb")
    monkeypatch.setenv("AIMS_DB", str(tmp_path / "source.duckdb"))
    exported = tmp_path / f"inventory.{fmt}"
    run(capsys, "export", "inventory", "--format", fmt, "--out", str(exported))
    _, before, _ = run(capsys, "export", "inventory", "--format", "json")

    monkeypatch.setenv("AIMS_DB", str(tmp_path / "target.duckdb"))
    code, out, _ = run(capsys, "import", "inventory", str(exported))
    assert code == 0 and "14 created" in out
    _, after, _ = run(capsys, "export", "inventory", "--format", "json")
    # The EU AI Act class comes from screenings, which an inventory import does not carry.
    derived = {"id", "eu_ai_act_class"}
    strip = lambda text: [  # noqa: E731
        {k: v for k, v in r.items() if k not in derived} for r in json.loads(text)
    ]
    assert strip(after) == strip(before)

    code, out, _ = run(capsys, "import", "inventory", str(exported))
    assert code == 0 and "0 created, 0 updated, 14 unchanged" in out


def test_a_file_with_bad_rows_writes_nothing_and_names_each(
    db_path: Path, tmp_path: Path, capsys
) -> None:
    header = ",".join(EXPORT_COLUMNS)
    good = (
        "1,Good one,Helps,Ada,Lending,ai_user,deployment,machine_learning,human_in_the_loop,"
        "customers,true,false,internal,EU,,active,2027-01-01"
    )
    bad_stage = good.replace("Good one", "Bad stage").replace("deployment", "prod")
    bad_flag = good.replace("Good one", "Bad flag").replace("true,false", "maybe,false")
    bad_date = good.replace("Good one", "Bad date").replace("2027-01-01", "2999-12-31")
    overdue = good.replace("Good one", "Overdue").replace("2027-01-01", "2021-03-01")
    malformed = tmp_path / "malformed.csv"
    malformed.write_text(
        "\n".join([header, good, bad_stage, bad_flag, good, bad_date, overdue]) + "\n"
    )

    code, _, err = run(capsys, "import", "inventory", str(malformed))
    assert code == 1
    assert "nothing was imported" in err
    assert "row 3, column lifecycle_stage: 'prod' is not a known value" in err
    assert "row 4, column personal_data: 'maybe' is not true or false" in err
    assert "row 5, column name: the same name is already on row 2" in err
    assert "row 6, column next_review: 2999-12-31 is not a plausible date" in err
    assert "row 7" not in err  # a review already overdue in the source register is kept
    database = Database(db_path)
    assert database.query_one("SELECT count(*) FROM ai_systems")[0] == 0
    assert (
        database.query_one("SELECT count(*) FROM audit_events WHERE entity = 'ai_system'")[0] == 0
    )
    database.close()


def test_import_refuses_missing_columns_and_unknown_files(tmp_path: Path, db_path, capsys) -> None:
    broken = tmp_path / "broken.csv"
    broken.write_text("name,purpose\nA,B\n")
    code, _, err = run(capsys, "import", "inventory", str(broken))
    assert code == 1 and "row 1, column owner: required column is missing" in err
    code, _, err = run(capsys, "import", "inventory", str(tmp_path / "missing.csv"))
    assert code == 2 and "no such file" in err
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    code, _, err = run(capsys, "import", "inventory", str(text))
    assert code == 1 and "reads .csv or .xlsx" in err


def test_check_of_the_demo(demo_db_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "check")
    assert code == 0 and "schema version" in out and "ai_systems: 14 rows" in out
    assert "audit completeness, ai_system: every record has its audit events" in out


@pytest.mark.duckdb_only
def test_check_of_a_busy_database(demo_db_path: Path) -> None:
    """The DuckDB file's lock: a second process cannot open it while this one holds it."""
    holder = Database(demo_db_path)
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "assessments", "check"], capture_output=True, text=True
    )
    holder.close()
    assert result.returncode == 3
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("The database is busy: ")


def test_exports_never_turn_user_text_into_formulas(db_path: Path, tmp_path: Path, capsys) -> None:
    from assessments.store import inventory as store
    from tests.factories import system_input

    database = Database(db_path)
    store.create_system(
        database, "Ada", system_input(name='=HYPERLINK("http://x","y")', owner="+1 owner")
    )
    database.close()
    _, out, _ = run(capsys, "export", "inventory", "--format", "csv")
    row = next(csv.DictReader(out.splitlines()))
    assert row["name"] == '\'=HYPERLINK("http://x","y")' and row["owner"] == "'+1 owner"
    target = tmp_path / "inventory.xlsx"
    run(capsys, "export", "inventory", "--format", "xlsx", "--out", str(target))
    cell = load_workbook(target).active["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("http://x","y")'
    exported = tmp_path / "inventory.csv"
    run(capsys, "export", "inventory", "--format", "csv", "--out", str(exported))
    from assessments.importing import parse_inventory

    assert parse_inventory(exported)[0].name == '=HYPERLINK("http://x","y")'
