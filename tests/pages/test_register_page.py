"""The risk register page through AppTest: empty states, filters, a system preselected by the
link, and a heatmap selection (seeded in session state) listing that cell's risks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assessments.store import inventory as inventory_store
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

PAGE = "pages/register.py"


def no_exceptions(at) -> None:
    assert not at.exception, [item.value for item in at.exception]


def seed(db_path: Path) -> dict[str, int]:
    """Two systems; a High residual risk, a Low one, and an unrated one."""
    database = Database(db_path)
    lending = inventory_store.create_system(database, "Ada", system_input()).id
    hiring = inventory_store.create_system(
        database, "Ada", system_input(name="CV Ranker", business_unit="People")
    ).id
    limits = store.create_risk(
        database,
        "Ada",
        risk_input(lending, title="Wrong credit limits", harm_category="robustness"),
    ).id
    store.record_rating(database, "Ben", rating_input(limits, "inherent", likelihood=4, severity=4))
    store.record_rating(database, "Ben", rating_input(limits, "residual", likelihood=4, severity=3))
    slow = store.create_risk(
        database, "Ada", risk_input(lending, title="Slow answers", harm_category="robustness")
    ).id
    store.record_rating(database, "Ben", rating_input(slow, "inherent", likelihood=1, severity=1))
    gaps = store.create_risk(database, "Ada", risk_input(hiring, title="Career gaps")).id
    database.close()
    return {"lending": lending, "hiring": hiring, "limits": limits, "slow": slow, "gaps": gaps}


def register_table(at) -> pd.DataFrame:
    return next(frame.value for frame in at.dataframe if "Inherent" in frame.value.columns)


def test_empty_database_says_what_to_do(app_test) -> None:
    at = app_test(PAGE)
    no_exceptions(at)
    assert "add an AI system first" in at.info[0].value


def test_systems_without_risks_point_to_identification(app_test, db_path) -> None:
    database = Database(db_path)
    inventory_store.create_system(database, "Ada", system_input())
    database.close()
    at = app_test(PAGE)
    no_exceptions(at)
    assert "No risks are identified yet" in at.info[0].value


def test_register_lists_filters_and_counts(app_test, db_path) -> None:
    ids = seed(db_path)
    at = app_test(PAGE)
    no_exceptions(at)
    table = register_table(at)
    assert set(table["Title"]) == {"Wrong credit limits", "Slow answers", "Career gaps"}
    assert table.iloc[0]["Title"] == "Wrong credit limits"  # worst first
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Risks"] == "3" and metrics["Above appetite"] == "1"
    assert metrics["With open findings"] == "2"  # never rated; above appetite, untreated
    assert any("Consistency findings (2)" in header.value for header in at.subheader)

    at.text_input(key="reg_search").set_value("slow").run()
    no_exceptions(at)
    assert register_table(at)["Title"].tolist() == ["Slow answers"]
    at.text_input(key="reg_search").set_value("").run()

    at.toggle(key="reg_above").set_value(True).run()
    assert register_table(at)["Title"].tolist() == ["Wrong credit limits"]
    at.toggle(key="reg_above").set_value(False).run()

    at.multiselect(key="reg_levels").set_value(["High"]).run()
    at.selectbox(key="reg_level_tier").set_value("inherent").run()
    assert register_table(at)["Title"].tolist() == ["Wrong credit limits"]
    at.multiselect(key="reg_levels").set_value(["Low"]).run()
    assert register_table(at)["Title"].tolist() == ["Slow answers"]
    at.multiselect(key="reg_levels").set_value([]).run()

    at.toggle(key="reg_findings").set_value(True).run()
    assert register_table(at)["Title"].tolist() == ["Wrong credit limits", "Career gaps"]
    at.toggle(key="reg_findings").set_value(False).run()

    at.multiselect(key="reg_harm").set_value(["fairness"]).run()
    at.multiselect(key="reg_status").set_value(["closed"]).run()
    no_exceptions(at)
    assert "No risk matches these filters" in at.info[0].value
    assert ids["gaps"] > 0


def test_system_link_preselects_and_a_heatmap_click_lists_the_cell(app_test, db_path) -> None:
    ids = seed(db_path)
    at = app_test(PAGE, system=str(ids["lending"]))
    no_exceptions(at)
    assert at.selectbox(key="reg_system").value == ids["lending"]
    assert set(register_table(at)["Title"]) == {"Wrong credit limits", "Slow answers"}

    at.session_state["reg_map_residual"] = {
        "selection": {"points": [{"x": 3, "y": 4, "customdata": [4, 3]}]}
    }
    at.run()
    no_exceptions(at)
    assert any(
        "Residual High: likelihood 4 (Likely) × severity 3 (Moderate)" in header.value
        for header in at.subheader
    )
    listed = next(frame.value for frame in at.dataframe if "Rated" in frame.value.columns)
    assert listed["Title"].tolist() == ["Wrong credit limits"]
    assert listed["Rated"].tolist() == ["L4 × S3 High"]

    at.session_state["reg_map_inherent"] = {
        "selection": {"points": [{"x": 1, "y": 1, "customdata": [1, 1]}]}
    }
    at.run()
    listed = next(frame.value for frame in at.dataframe if "Rated" in frame.value.columns)
    assert listed["Title"].tolist() == ["Slow answers"]


def test_a_system_without_risks_offers_identification(app_test, db_path) -> None:
    database = Database(db_path)
    inventory_store.create_system(database, "Ada", system_input())
    empty = inventory_store.create_system(database, "Ada", system_input(name="Quiet")).id
    other = inventory_store.all_systems(database)[0].id
    store.create_risk(database, "Ada", risk_input(other))
    database.close()
    at = app_test(PAGE, system=str(empty))
    no_exceptions(at)
    assert "This AI system has no risks yet" in at.info[0].value


def test_open_a_risk_goes_to_its_workspace(app_test, db_path) -> None:
    ids = seed(db_path)
    at = app_test(PAGE)
    at.selectbox(key="reg_open").set_value(ids["limits"]).run()
    no_exceptions(at)
    assert at.query_params["id"] == str(ids["limits"])
    assert any("Wrong credit limits" in title.value for title in at.title)
