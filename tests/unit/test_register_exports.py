"""Exports of the risk assessment (criteria, register, rating history) through the command line,
and the demo risk register: idempotent, and rich enough for trends and checks."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from assessments import catalog
from assessments.cli import main
from assessments.demo import DEMO_STEPS, load_systems
from assessments.risk_demo import demo_risks, load_risks
from assessments.risks import TreatmentInput
from assessments.store import inventory as inventory_store
from assessments.store import register
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

ISSUE_RISK_COLUMNS = [
    "system_id",
    "system_name",
    "risk_id",
    "title",
    "harm_category",
    "risk_source",
    "affected_parties",
    "owner",
    "status",
    "inherent_likelihood",
    "inherent_severity",
    "inherent_level",
    "residual_likelihood",
    "residual_severity",
    "residual_level",
    "target_likelihood",
    "target_severity",
    "target_level",
    "treatment_option",
    "controls",
    "above_appetite",
    "accepted_until",
    "last_rated_at",
]
ISSUE_RATING_COLUMNS = [
    "risk_id",
    "tier",
    "likelihood",
    "severity",
    "level",
    "rated_at",
    "rated_by",
    "method",
    "workshop_id",
    "criteria_version",
    "rationale",
    "strength_of_knowledge",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def filled(db_path: Path) -> dict[str, int]:
    """One treated and rated risk and one unrated risk, written then released for the CLI."""
    database = Database(db_path)
    system = inventory_store.create_system(database, "Ada", system_input()).id
    rated = store.create_risk(database, "Ada", risk_input(system)).id
    store.create_risk(database, "Ada", risk_input(system, title="Unrated, for now"))
    store.record_rating(database, "Ben", rating_input(rated, "inherent", likelihood=4, severity=4))
    store.record_rating(database, "Ben", rating_input(rated, "residual", likelihood=2, severity=2))
    store.set_treatment(
        database,
        "Ada",
        rated,
        TreatmentInput(option="change_likelihood", controls=["A.7.4", "A.5.4"]),
    )
    database.close()
    return {"system": system, "rated": rated}


def test_criteria_export_has_the_documented_shape(filled, capsys) -> None:
    code, out, _ = run(capsys, "export", "criteria", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["version"] == 1 and data["appetite"] == "Medium"
    assert [level["name"] for level in data["levels"]] == ["Low", "Medium", "High", "Critical"]
    assert all(set(level) >= {"name", "colour"} for level in data["levels"])
    for scale in ("likelihood", "severity"):
        assert [step["value"] for step in data[scale]] == [1, 2, 3, 4, 5]
        assert all(set(step) >= {"value", "label", "description"} for step in data[scale])
    assert len(data["grid"]) == 5 and all(len(row) == 5 for row in data["grid"])
    assert data["grid"][3][3] == "High"  # likelihood 4, severity 4
    assert data["grid"][0][4] == "High" and data["grid"][4][0] == "Medium"
    code, _, err = run(capsys, "export", "criteria", "--format", "csv")
    assert code == 2 and "json" in err


def test_risks_export_as_csv_json_and_xlsx(filled, capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "export", "risks", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    header = out.splitlines()[0].split(",")
    assert header[: len(ISSUE_RISK_COLUMNS)] == ISSUE_RISK_COLUMNS
    assert header == register.EXPORT_COLUMNS
    by_title = {row["title"]: row for row in rows}
    rated = by_title["Unequal error rates for older applicants"]
    assert rated["controls"] == "A.7.4;A.5.4" and rated["affected_parties"] == "individuals;groups"
    assert (rated["inherent_level"], rated["residual_level"], rated["target_level"]) == (
        "High",
        "Low",
        "",
    )
    assert rated["above_appetite"] == "false" and rated["accepted_until"] == ""
    assert rated["last_rated_at"].startswith(date.today().isoformat()[:4])
    unrated = by_title["Unrated, for now"]
    assert unrated["inherent_level"] == "" and unrated["last_rated_at"] == ""

    code, out, _ = run(capsys, "export", "risks", "--format", "json")
    records = json.loads(out)
    assert code == 0 and len(records) == 2
    assert list(records[0]) == register.EXPORT_COLUMNS
    assert {record["inherent_likelihood"] for record in records} == {4, None}

    target = tmp_path / "risks.xlsx"
    code, _, _ = run(capsys, "export", "risks", "--format", "xlsx", "--out", str(target))
    sheet = load_workbook(target, read_only=True).worksheets[0]
    header_row = next(sheet.iter_rows(values_only=True))
    assert code == 0 and list(header_row) == register.EXPORT_COLUMNS


def test_ratings_export_is_the_full_history(filled, capsys) -> None:
    code, out, _ = run(capsys, "export", "ratings", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.splitlines()[0].split(",") == ISSUE_RATING_COLUMNS
    assert [(row["tier"], row["level"]) for row in rows] == [
        ("inherent", "High"),
        ("residual", "Low"),
    ]
    assert rows[0]["rated_by"] == "Ben" and rows[0]["criteria_version"] == "1"
    assert rows[0]["workshop_id"] == "" and rows[0]["method"] == "individual"
    code, out, _ = run(capsys, "export", "ratings", "--format", "json")
    assert code == 0 and list(json.loads(out)[0]) == ISSUE_RATING_COLUMNS
    code, _, _ = run(capsys, "export", "ratings", "--format", "xlsx", "--out", "x.xlsx")
    assert code == 2


# --- the demo risk register ------------------------------------------------------------------


def test_demo_file_names_real_systems_and_library_entries() -> None:
    entries = demo_risks()
    systems = {entry["name"] for entry in _demo_systems()}
    library = {entry.id for entry in catalog.risk_library()}
    assert {entry.system for entry in entries} <= systems
    assert {entry.library for entry in entries if entry.library} <= library
    titles = [(entry.system, entry.title.casefold()) for entry in entries]
    assert len(titles) == len(set(titles))


def _demo_systems() -> list[dict]:
    from assessments.demo import read_demo_yaml

    return read_demo_yaml("systems.yaml")["systems"]


def test_the_risks_step_follows_the_systems_step() -> None:
    names = [name for name, _ in DEMO_STEPS]
    assert names.index("Risks") == names.index("AI systems") + 1


def test_demo_risks_load_once_with_a_year_of_history(db: Database) -> None:
    db.write("Demo loader", load_systems)
    added = db.write("Demo loader", load_risks)
    assert added > 0

    def again(transaction) -> int:
        count = load_risks(transaction)
        return count

    assert db.write("Demo loader", again) == 0

    frame = register.register_frame(db)
    assert len(frame) >= 60 and frame["system_id"].nunique() >= 10
    now = datetime.now()
    first, last = db.query_one("SELECT min(rated_at), max(rated_at) FROM risk_ratings")
    assert now - timedelta(days=400) < first < now - timedelta(days=300)
    assert now - timedelta(days=90) < last <= now
    # Inherent first: no risk has a residual rating older than its first inherent one.
    assert (
        db.query_one(
            "SELECT count(*) FROM (SELECT risk_id,"
            " min(rated_at) FILTER (WHERE tier = 'inherent') AS i,"
            " min(rated_at) FILTER (WHERE tier = 'residual') AS r FROM risk_ratings"
            " GROUP BY risk_id) WHERE r < i"
        )[0]
        == 0
    )
    improved = frame["residual_level_rank"] < frame["inherent_level_rank"]
    assert improved.fillna(False).sum() >= 20
    worse = db.query_one(
        "SELECT count(DISTINCT risk_id) FROM (SELECT risk_id, level_rank, lag(level_rank) OVER"
        " (PARTITION BY risk_id ORDER BY rated_at) AS before FROM risk_ratings"
        " WHERE tier = 'residual') WHERE level_rank > before"
    )[0]
    assert worse >= 2
    assert (frame["controls"].map(len) > 0).sum() >= 50
    assert frame["accepted_until"].notna().sum() >= 3
    checks = register.consistency_checks(db)
    counts = checks["check"].value_counts()
    assert counts.get("action_overdue") == 1
    assert counts.get("acceptance_expired") == 1
    for key in ("never_rated", "residual_above_inherent", "review_overdue"):
        assert counts.get(key, 0) >= 1, key
