"""The portfolio PDF: its figures are the store's, its filters narrow it, and it works empty."""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path

from assessments.analytics import ATTENTION_LABELS, PortfolioFilter, previous_quarter_end
from assessments.reports.portfolio_pdf import portfolio_pdf
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import heatmaps as heatmaps_store
from assessments.store import inventory as inventory_store
from assessments.store import risks as risk_store
from assessments.store import trends as trends_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.leadership_fixtures import ACTOR, build_portfolio
from tests.risk_factories import rating_input, risk_input


def pdf_text(payload: bytes, tmp_path: Path, layout: bool = True) -> str:
    assert payload.startswith(b"%PDF")
    path = tmp_path / "portfolio.pdf"
    path.write_bytes(payload)
    command = ["pdftotext", *(["-layout"] if layout else []), str(path), "-"]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def figure_row(text: str, label: str) -> tuple[int, int]:
    """The 'now' and 'end of the last quarter' numbers of one headline row."""
    match = re.search(rf"^\s*{re.escape(label)}\s+([\d,]+)\s+([\d,]+)\s", text, re.MULTILINE)
    assert match, f"no headline row for {label!r}"
    return int(match[1].replace(",", "")), int(match[2].replace(",", ""))


def test_headline_figures_are_the_store_figures(db: Database, tmp_path: Path) -> None:
    build_portfolio(db)
    text = pdf_text(portfolio_pdf(db), tmp_path)
    now = attention_store.attention_counts(db)
    then = attention_store.attention_counts(db, None, previous_quarter_end(date.today()))
    assert now["risks"] == 4  # R5 is closed
    assert figure_row(text, "Risks in scope") == (now["risks"], then["risks"])
    shown = 0
    for key, label in ATTENTION_LABELS.items():
        if key == "above_current_appetite" and not (now[key] or then[key]):
            assert label not in text
            continue
        assert figure_row(text, label) == (now[key], then[key])
        shown += 1
    assert shown >= 5
    assert now["acceptance_expired"] == 1 and now["never_rated"] == 1
    assert "As it stands today" in text
    assert "The whole portfolio (no filter)" in text


def test_heatmaps_lists_movement_and_criteria(db: Database, tmp_path: Path) -> None:
    portfolio = build_portfolio(db)
    text = pdf_text(portfolio_pdf(db), tmp_path)
    cells = heatmaps_store.heatmap_counts(db)
    for tier, title in (("inherent", "Inherent"), ("residual", "Residual")):
        rated = int(cells[cells["tier"] == tier]["count"].sum())
        assert f"{title} ({rated} risk{'s' if rated != 1 else ''} rated)" in text
    criteria = criteria_store.current_criteria(db)
    assert all(f"{step.value} {step.label}" in text for step in criteria.likelihood)
    top_section = text.split("Top risks above the appetite")[1].split("What moved")[0]
    # Only R2 (residual High, its acceptance expired) is above the appetite.
    assert re.search(rf"\bR-{portfolio.r2}\b", top_section)
    assert "Acceptance expired" in top_section
    for other in (portfolio.r1, portfolio.r3, portfolio.r4, portfolio.r5):
        assert not re.search(rf"\bR-{other}\b", top_section)
    _, moved = trends_store.level_changes(db, previous_quarter_end(date.today()))
    assert (
        f"Risen a level or more: {moved['up']} · fallen a level or more: {moved['down']}"
        f" · rated for the first time: {moved['new']}"
    ) in " ".join(text.split())
    assert f"{criteria.name} (version {criteria.version})" in text
    assert f"Appetite: {criteria.appetite}" in text
    assert re.search(r"page 1 of \d", text)


def test_a_filter_narrows_the_report(db: Database, tmp_path: Path) -> None:
    portfolio = build_portfolio(db)
    filters = PortfolioFilter(business_units=["People & HR"], harm_categories=["safety"])
    text = pdf_text(portfolio_pdf(db, filters), tmp_path)
    counts = attention_store.attention_counts(db, filters)
    assert counts["risks"] == 1  # R3 only
    assert figure_row(text, "Risks in scope")[0] == 1
    assert "Business unit: People & HR; Harm category: Safety" in " ".join(text.split())
    assert not re.search(rf"\bR-{portfolio.r2}\b", text)
    assert "No risk in scope is above the appetite." in text

    by_system = PortfolioFilter(system_ids=[portfolio.alpha])
    narrowed = pdf_text(portfolio_pdf(db, by_system), tmp_path)
    assert "AI system: Alpha Scoring" in narrowed
    assert figure_row(narrowed, "Risks in scope")[0] == 2


def test_as_of_an_earlier_day(db: Database, tmp_path: Path) -> None:
    portfolio = build_portfolio(db)
    day = portfolio.m8 + timedelta(days=5)
    text = pdf_text(portfolio_pdf(db, as_of=day), tmp_path)
    counts = attention_store.attention_counts(db, None, day)
    assert f"As it stood at the end of {day:%d %B %Y}" in text
    assert figure_row(text, "Risks in scope")[0] == counts["risks"]
    label = ATTENTION_LABELS["above_appetite_no_acceptance"]
    # R1 (residual Medium, fairness tolerance Low) and R2 (residual High, accepted a day later)
    assert figure_row(text, label)[0] == counts["above_appetite_no_acceptance"] == 2


def test_an_empty_database_says_there_are_no_risks(db: Database, tmp_path: Path) -> None:
    text = pdf_text(portfolio_pdf(db), tmp_path)
    assert "There are no risks yet" in text
    assert "Headline figures" not in text
    assert criteria_store.current_criteria(db).name in text

    build_portfolio(db)
    nothing = PortfolioFilter(owners=["Nobody At All"])
    assert "No risk matches these filters." in pdf_text(portfolio_pdf(db, nothing), tmp_path)


def test_people_text_is_literal_wrapped_and_any_script(db: Database, tmp_path: Path) -> None:
    system = inventory_store.create_system(
        db, ACTOR, system_input(name="Σύστημα <b>Ωμέγα</b> Система", business_unit="Łódź & Co")
    ).id
    title = (
        "**Не** отмечено: the *model* refuses [claims](http://x) from applicants whose "
        "names are written in Greek letters such as Ελένη, again and again, all year"
    )
    risk_id = risk_store.create_risk(
        db, ACTOR, risk_input(system, title=title, harm_category="privacy")
    ).id
    risk_store.record_rating(db, ACTOR, rating_input(risk_id, "inherent", likelihood=5, severity=5))
    text = " ".join(pdf_text(portfolio_pdf(db), tmp_path, layout=False).split())
    assert title in text
    assert "Σύστημα <b>Ωμέγα</b> Система" in text
    assert f"R-{risk_id}" in text


def test_the_command_line_writes_the_summary_to_a_file(db_path, tmp_path, capsys) -> None:
    from assessments.cli import main

    database = Database(db_path)
    build_portfolio(database)
    database.close()
    assert main(["export", "portfolio"]) == 2  # a PDF is binary: it needs --out
    target = tmp_path / "portfolio.pdf"
    assert main(["export", "portfolio", "--format", "pdf", "--out", str(target)]) == 0
    assert target.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
