"""The leadership pages through AppTest: empty states, filters, a seeded heatmap selection that
lists exactly that cell's risks, the 'as of' view, and the trend and path charts."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from assessments.store import inventory as inventory_store
from assessments.store import risks as risk_store
from assessments.store import snapshots
from assessments.store.db import Database
from tests.factories import system_input
from tests.leadership_fixtures import Portfolio, build_portfolio
from tests.risk_factories import rating_input, risk_input
from tests.support.apptest import no_exceptions

PORTFOLIO = "pages/portfolio.py"
TRENDS = "pages/trends.py"


def metrics(at) -> dict[str, str]:
    return {metric.label: metric.value for metric in at.metric}


def texts(at) -> str:
    return (
        " ".join(
            item.value
            for kind in (at.markdown, at.caption, at.info, at.success, at.subheader)
            for item in kind
        )
        .replace("\\", "")
        .replace("\u2060", "")
    )


def risk_tables(at) -> list:
    """The risk tables on the page, in page order: the selected cell's (when a cell is
    selected), the list behind a figure (when it has rows), then the top risks."""
    return [frame.value for frame in at.dataframe if "Treatment" in frame.value.columns]


@pytest.fixture
def portfolio(db_path: Path) -> Portfolio:
    snapshots.clear_snapshots()
    database = Database(db_path)
    built = build_portfolio(database)
    database.close()
    return built


def test_empty_database_says_what_to_do(app_test) -> None:
    at = app_test(PORTFOLIO)
    no_exceptions(at)
    assert "No risks yet" in at.info[0].value
    at.switch_page(TRENDS).run()
    no_exceptions(at)
    assert "No rating history yet" in at.info[0].value


def test_portfolio_figures_and_filters(app_test, portfolio: Portfolio) -> None:
    at = app_test(PORTFOLIO)
    no_exceptions(at)
    shown = metrics(at)
    assert shown["Risks in scope"] == "4"
    assert shown["Above appetite, not accepted"] == "1"
    assert shown["Acceptance expired"] == "1"
    assert shown["Risks with an overdue action"] == "1"
    assert shown["Never rated"] == "1"
    assert shown["Systems with no rated risk"] == "1"  # Gamma: no risk at all
    assert shown["Never assessed"] == "3"
    assert "Every rating shown was made under the current criteria" in texts(at)
    assert "1 risk = 1 not accepted + 0 covered by an acceptance in force" in texts(at)
    assert "Appetite: up to Medium (tolerance for Fairness: up to Low)." in texts(at)
    listed, top = risk_tables(at)
    assert listed["AI system"].tolist() == ["Alpha Scoring"]
    assert listed["Appetite"].tolist() == ["Above · expired"]
    assert listed["Acceptance"].tolist()[0].startswith("Acceptance expired")
    assert list(listed.columns[:7]) == [
        "Open",
        "Risk",
        "AI system",
        "Level",
        "Appetite",
        "Treatment",
        "Owner",
    ], "what a decision needs comes first"
    assert listed["Treatment"].tolist() == ["Open · 1 done"]
    assert listed["Option"].tolist() == ["none chosen"]
    assert top["Risk"].tolist() == [
        "Account data exposed through the model",
        "Unsafe advice in an edge case",
        "Older applicants scored lower",
    ]
    assert top["Open"].tolist()[0] == f"risk?id={portfolio.r2}#R-{portfolio.r2}"
    assert [button.proto.label for button in at.get("download_button")] == [
        "Management summary (PDF)"
    ]

    at.multiselect(key="pf_units").set_value(["People & HR"]).run()
    no_exceptions(at)
    assert metrics(at)["Risks in scope"] == "2"
    at.toggle(key="pf_closed").set_value(True).run()
    assert metrics(at)["Risks in scope"] == "3"
    at.multiselect(key="pf_owners").set_value(["Ben Okafor"]).run()  # he owns a Lending risk
    no_exceptions(at)
    assert "No risk matches these filters" in at.info[0].value


def test_a_heatmap_selection_lists_exactly_that_cells_risks(app_test, portfolio: Portfolio) -> None:
    at = app_test(PORTFOLIO)
    at.session_state["pf_map_residual_0"] = {
        "selection": {"points": [{"x": 4, "y": 4, "customdata": [4, 4]}]}
    }
    at.run()
    no_exceptions(at)
    assert "Residual · High: likelihood 4 (Likely) × severity 4 (Major)" in texts(at)
    listed = risk_tables(at)[0]
    assert listed["Risk"].tolist() == ["Account data exposed through the model"]
    assert listed["Owner"].tolist() == ["Ben Okafor"]
    assert listed["Level"].tolist() == ["High"]
    assert listed["Treatment"].tolist() == ["Open · 1 done"]
    assert listed["Option"].tolist() == ["none chosen"]

    at.segmented_control(key="pf_layout").set_value("inherent").run()
    at.session_state["pf_map_inherent_0"] = {
        "selection": {"points": [{"x": 3, "y": 2, "customdata": [2, 3]}]}
    }
    at.run()
    no_exceptions(at)
    assert risk_tables(at)[0]["Risk"].tolist() == ["Unsafe advice in an edge case"]


def test_as_of_shows_the_portfolio_as_it_stood(app_test, portfolio: Portfolio) -> None:
    at = app_test(PORTFOLIO)
    end_m9 = portfolio.m8 - timedelta(days=1)
    at.date_input(key="pf_as_of").set_value(end_m9).run()
    no_exceptions(at)
    assert f"As of {end_m9:%d %B %Y}" in at.info[0].value
    shown = metrics(at)
    assert shown["Above appetite, not accepted"] == "1"  # R1, Medium against Low
    # Only R1 was known then (rated in M9); the others were recorded later.
    assert shown["Risks in scope"] == "1" and shown["Never rated"] == "0"
    assert "Never assessed" not in shown  # impact figures: today only, and said so
    assert "Shown for today only" in texts(at)
    assert risk_tables(at)[0]["Risk"].tolist() == ["Older applicants scored lower"]
    headings = [header.value for header in at.subheader]
    day = f"{end_m9:%d %b %Y}"
    assert f"What needs attention on {day}" in headings
    assert f"Top risks on {day}" in headings and f"Heatmaps on {day}" in headings
    assert any(header.endswith(f"to {day}") for header in headings), "what moved, until then"
    legend = next(frame.value for frame in at.dataframe if "No." in frame.value.columns)
    assert legend["Residual"].tolist() == ["Medium"], "the movement as it stood (Low today)"


def test_as_of_any_past_day_is_accepted_with_an_empty_state(app_test, portfolio) -> None:
    at = app_test(PORTFOLIO)
    day = portfolio.m9 - timedelta(days=400)  # before anything was recorded
    at.date_input(key="pf_as_of").set_value(day).run()
    no_exceptions(at)
    assert at.date_input(key="pf_as_of").value == day
    assert any(f"was known by {day:%d %B %Y}" in item.value for item in at.info)


def test_a_retired_systems_risks_leave_the_portfolio(app_test, db_path, portfolio) -> None:
    database = Database(db_path)
    inventory_store.retire_system(database, "Ada", portfolio.beta)
    database.close()
    snapshots.clear_snapshots()
    at = app_test(PORTFOLIO)
    no_exceptions(at)
    assert metrics(at)["Risks in scope"] == "2"  # Alpha's two; Beta is retired
    assert at.multiselect(key="pf_systems").options == ["Alpha Scoring"]  # Gamma: no risk
    at.toggle(key="pf_closed").set_value(True).run()
    no_exceptions(at)
    assert metrics(at)["Risks in scope"] == "5"
    systems = at.multiselect(key="pf_systems")
    assert "Beta Screening (retired)" in systems.options
    at = app_test(TRENDS)
    no_exceptions(at)
    assert at.selectbox(key="tr_path_system").options == ["Alpha Scoring"]


def test_lists_behind_the_figures(app_test, portfolio: Portfolio) -> None:
    at = app_test(PORTFOLIO)
    at.selectbox(key="pf_list").set_value("systems_without_rated_risk").run()
    no_exceptions(at)
    unrated = next(frame.value for frame in at.dataframe if "name" in frame.value.columns)
    assert unrated["name"].tolist() == ["Gamma Chat"]
    at.selectbox(key="pf_list").set_value("impact").run()
    no_exceptions(at)
    at.selectbox(key="pf_list").set_value("review_overdue").run()
    no_exceptions(at)
    assert any("nothing to act on" in item.value for item in at.success)


def test_movement_for_one_system(app_test, portfolio: Portfolio) -> None:
    at = app_test(PORTFOLIO)
    at.selectbox(key="pf_movement").set_value(portfolio.alpha).run()
    no_exceptions(at)
    legend = next(frame.value for frame in at.dataframe if "No." in frame.value.columns)
    assert legend["Risk"].tolist() == [
        "Account data exposed through the model",
        "Older applicants scored lower",
    ]
    assert legend[["Inherent", "Residual", "Target"]].values.tolist() == [
        ["Critical", "High", "not rated"],
        ["High", "Low", "Low"],
    ]


def test_trends_page_and_paths(app_test, portfolio: Portfolio) -> None:
    at = app_test(TRENDS)
    no_exceptions(at)
    assert "Choose an AI system" in at.info[0].value
    at.segmented_control(key="tr_period").set_value("quarter").run()
    at.segmented_control(key="tr_tier").set_value("inherent").run()
    no_exceptions(at)

    at = app_test(TRENDS, system=str(portfolio.alpha))
    no_exceptions(at)
    assert at.selectbox(key="tr_path_system").value == portfolio.alpha
    assert "Each line is the highest level among the system's risks" in texts(at)
    decisions = next(frame.value for frame in at.dataframe if "Decision" in frame.value.columns)
    assert decisions["Decision"].tolist() == ["Acceptance", "Treatment done"]

    at = app_test(TRENDS, risk=str(portfolio.r1))
    no_exceptions(at)
    assert at.selectbox(key="tr_path_risk").value == portfolio.r1
    assert "appetite line is the level acceptable for its harm category" in texts(at)


def test_trends_of_a_filter_without_history(app_test, portfolio: Portfolio) -> None:
    at = app_test(TRENDS)
    at.multiselect(key="tr_owners").set_value(["Cy Lindqvist"]).run()
    no_exceptions(at)
    assert any("No rating of this kind" in item.value for item in at.info)


def appetite_labels(at) -> list[str]:
    """The texts of the appetite lines drawn on the page's plotly charts."""
    labels = []
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec).get("layout", {})
        labels += [
            str(note.get("text", ""))
            for note in layout.get("annotations", [])
            if "Appetite" in str(note.get("text", ""))
        ]
    return labels


def test_a_systems_path_is_drawn_at_its_risks_limit(app_test, db_path: Path) -> None:
    """The system's only risk is a fairness risk (tolerance Low; appetite Medium): the
    register counts it above at Medium, so its system's path says 'up to Low' too, as the
    risk's own path does (it used to say 'up to Medium')."""
    snapshots.clear_snapshots()
    database = Database(db_path)
    system = inventory_store.create_system(database, "Ada", system_input(name="Fair Lending")).id
    risk = risk_store.create_risk(database, "Ada", risk_input(system, harm_category="fairness")).id
    risk_store.record_rating(
        database, "Ada", rating_input(risk, "residual", likelihood=2, severity=3)
    )
    database.close()
    at = app_test(TRENDS, system=str(system))
    no_exceptions(at)
    assert at.selectbox(key="tr_path_system").value == system
    assert [label.split("</b>")[-1] for label in appetite_labels(at)] == [": up to Low"]
    at = app_test(TRENDS, risk=str(risk))
    no_exceptions(at)
    assert [label.split("</b>")[-1] for label in appetite_labels(at)] == [": up to Low"]
