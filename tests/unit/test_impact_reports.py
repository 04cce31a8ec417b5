"""The impact report (PDF text read back with pdftotext), the radar figure, the CLI and export."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from assessments.charts.impact import impact_radar
from assessments.cli import main
from assessments.impact import dimension_shares
from assessments.reports.impact_pdf import build_impact_pdf, radar_points
from assessments.store import impact as store
from assessments.store.db import Database
from assessments.store.inventory import create_system
from tests.factories import system_input
from tests.impact_data import complete_answers, grid, likelihoods

AUTHOR = "Zoë Ångström"
REVIEWER = "Nadia Okafor"


def pdf_text(payload: bytes, tmp_path: Path) -> str:
    target = tmp_path / "report.pdf"
    target.write_bytes(payload)
    result = subprocess.run(
        ["pdftotext", "-layout", str(target), "-"], capture_output=True, text=True, check=True
    )
    return " ".join(result.stdout.split())


def assessed(db: Database, *, approve: bool) -> int:
    system = create_system(
        db, "Ada", system_input(name="Łódź Triage — ünïcode", purpose="Sorts 💡 tickets.")
    )
    response = store.start_assessment(db, AUTHOR, system.id)
    answers = complete_answers(
        harm_grid=grid("low", society__discrimination="high"),
        harm_description="Slower help for speakers of Ukrainian: відповідь затримується.",
        failure_exposure="anyone_free_text",
        **likelihoods("possible", discrimination="occurring"),
    )
    db.write(AUTHOR, lambda transaction: store.write_answers(transaction, response.id, answers))
    if approve:
        store.submit(db, AUTHOR, response.id)
        store.approve(db, REVIEWER, response.id, "Signed off with conditions.")
    return response.id


def test_pdf_of_an_approved_assessment(db: Database, tmp_path: Path) -> None:
    response_id = assessed(db, approve=True)
    report = store.report_data(db, response_id)
    text = pdf_text(build_impact_pdf(report), tmp_path)
    level = report.result.level
    for expected in (
        "Łódź Triage — ünïcode",
        "AI SYSTEM IMPACT ASSESSMENT",
        f"Impact level {level.id}: {level.title}",
        level.requires[0],
        "Impact by dimension",
        "Rights and",
        "Score per section",
        "The AI system",
        "Purpose and intended use",
        "Risks suggested by the answers",
        "System manipulated through crafted inputs",
        "Answers",
        "Who is accountable for this system",
        "Ada Park, service desk lead",
        "відповідь затримується",
        "Sign-off",
        f"Prepared and submitted by {AUTHOR}",
        f"Approved by {REVIEWER}",
        "Signed off with conditions.",
        "Approver: signature",
        "Page 1 of",
    ):
        assert expected in text, expected
    assert "Not signed off" not in text
    # The answers say "rolled out" and "internal"; the inventory says otherwise: flagged in words.
    assert "Answers that differ from the inventory record above" in text
    assert (
        '"Where is the system in its life?" is answered "Being rolled out", but the inventory '
        'record says Lifecycle stage: "Operation and monitoring".'
    ) in text
    assert 'says Deployment context: "Customer-facing"' in text
    assert "starting rating (L x S)" in text


def test_pdf_of_a_draft_says_it_is_not_signed_off(db: Database, tmp_path: Path) -> None:
    response_id = assessed(db, approve=False)
    text = pdf_text(build_impact_pdf(store.report_data(db, response_id)), tmp_path)
    assert "Not signed off" in text
    assert "status: Draft" in text
    assert "Approved by —" in text


def test_radar_points_start_at_the_top_and_scale() -> None:
    top, right, bottom, left = radar_points([100, 50, 100, 0], (100, 100), 40)
    assert top == pytest.approx((100, 60))
    assert right == pytest.approx((120, 100))
    assert bottom == pytest.approx((100, 140))
    assert left == pytest.approx((100, 100))


def test_radar_figure_closes_the_outline_and_draws_the_previous_version() -> None:
    shares = dimension_shares(
        {
            "privacy": {"score": 5, "max": 10},
            "health_safety": {"score": 1, "max": 4},
            "environment": {"score": 0, "max": 2},
        }
    )
    figure = impact_radar(shares, previous={"Privacy": 20.0})
    previous, current = figure.data
    assert list(current.r) == [50.0, 25.0, 0.0, 50.0]
    assert current.theta[0] == current.theta[-1] == "Privacy"
    assert list(previous.r) == [20.0, 0.0, 0.0, 20.0]
    assert figure.layout.polar.radialaxis.range == (0, 100)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_checks_the_questionnaires(capsys, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "questionnaires", "check")
    assert code == 0 and out.startswith("OK:") and "ai_impact_assessment" in out
    (tmp_path / "broken.yaml").write_text("id: x\nversion: 1\n", encoding="utf-8")
    code, out, err = run(capsys, "questionnaires", "check", "--dir", str(tmp_path))
    assert code == 1
    assert "broken.yaml" in out and "1 problem found" in err


def test_cli_exports_assessments_from_aims_db(db_path: Path | str, capsys) -> None:
    database = Database(db_path)
    response_id = assessed(database, approve=True)
    database.close()
    code, out, _ = run(capsys, "export", "assessments", "--format", "json")
    assert code == 0
    records = json.loads(out)
    assert [record["id"] for record in records] == [response_id]
    record = records[0]
    assert record["status"] == "approved" and record["approved_by"] == REVIEWER
    assert isinstance(record["answers"], dict) and isinstance(record["dimension_scores"], dict)
    assert record["level_rank"] >= 1 and record["impact_max"] > 0
    code, _, err = run(capsys, "export", "assessments", "--format", "csv")
    assert code == 2 and "json" in err
