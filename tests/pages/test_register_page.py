"""The risk register page through AppTest: empty states, filters, a system preselected by the
link, and a heatmap selection (seeded in session state) listing that cell's risks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store import risks as store
from assessments.store import snapshots
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input
from tests.support.apptest import no_exceptions

PAGE = "pages/register.py"


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
    assert metrics["Risks in scope"] == "3"
    assert metrics["Above appetite (incl. 0 accepted)"] == "1"
    assert metrics["Above appetite, not accepted"] == "1"
    assert metrics["With open findings"] == "2"  # never rated; above appetite, untreated
    assert table.set_index("Title").loc["Wrong credit limits", "Appetite"] == (
        "Above · not accepted"
    )
    assert list(table.columns) == [
        "Risk",
        "Title",
        "AI system",
        "Inherent",
        "Residual",
        "Target",
        "Appetite",
        "Findings",
    ], "the key columns, the rest on request"
    at.toggle(key="reg_all_columns").set_value(True).run()
    assert {"Owner", "EU AI Act", "Status", "Accepted until"} <= set(register_table(at).columns)
    at.toggle(key="reg_all_columns").set_value(False).run()
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


def test_a_rerun_without_new_data_reuses_the_register(app_test, db_path, monkeypatch) -> None:
    """The register's queries run once per data version: clicks and reruns that change nothing
    reuse them; a new rating recomputes."""
    ids = seed(db_path)
    snapshots.clear_snapshots()
    calls: list[str] = []
    for name in ("register_frame", "register_summary", "matrix_counts", "consistency_checks"):
        original = getattr(register_store, name)

        def counting(*args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(register_store, name, counting)
    at = app_test(PAGE)  # opens on the home page, which reads the summary too
    no_exceptions(at)
    assert {"register_frame", "register_summary", "matrix_counts", "consistency_checks"} <= set(
        calls
    )
    calls.clear()
    at.run()
    at.run()
    no_exceptions(at)
    assert calls == [], "a rerun with no new data ran the register's queries again"

    database = Database(db_path)
    store.record_rating(
        database, "Ben", rating_input(ids["gaps"], "inherent", likelihood=5, severity=5)
    )
    database.close()
    at.run()
    no_exceptions(at)
    assert sorted(calls) == [
        "consistency_checks",
        "consistency_checks",
        "matrix_counts",
        "matrix_counts",
        "register_frame",
        "register_summary",
    ], "a new rating must recompute every figure of the register"
    assert register_table(at).iloc[0]["Title"] == "Career gaps"  # now the worst


def test_closed_risks_are_left_out_unless_included(app_test, db_path) -> None:
    ids = seed(db_path)
    database = Database(db_path)
    closed = store.create_risk(
        database, "Ada", risk_input(ids["lending"], title="Retired feature", status="closed")
    ).id
    store.record_rating(database, "Ben", rating_input(closed, "inherent", likelihood=5, severity=5))
    database.close()
    at = app_test(PAGE)
    no_exceptions(at)
    assert "Retired feature" not in set(register_table(at)["Title"])
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Risks in scope"] == "3"
    assert metrics["Above appetite (incl. 0 accepted)"] == "1"
    at.toggle(key="reg_closed").set_value(True).run()
    no_exceptions(at)
    table = register_table(at).set_index("Title")
    assert table.loc["Retired feature", "Appetite"] == "Within"  # closed: never above
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Risks in scope"] == "4"
    assert metrics["Above appetite (incl. 0 accepted)"] == "1"


def test_a_retired_systems_risks_are_left_out_unless_included_or_chosen(app_test, db_path) -> None:
    ids = seed(db_path)
    database = Database(db_path)
    inventory_store.retire_system(database, "Ada", ids["hiring"])
    database.close()
    at = app_test(PAGE)
    no_exceptions(at)
    assert "Career gaps" not in set(register_table(at)["Title"])
    assert {metric.label: metric.value for metric in at.metric}["Risks in scope"] == "2"
    systems = at.selectbox(key="reg_system")
    assert "CV Ranker (retired)" in systems.options
    at.toggle(key="reg_closed").set_value(True).run()
    table = register_table(at).set_index("Title")
    assert table.loc["Career gaps", "AI system"] == "CV Ranker (retired)"
    assert table.loc["Career gaps", "Findings"] == 0  # a retired system's risk needs no decision
    at.toggle(key="reg_closed").set_value(False).run()
    at = app_test(PAGE, system=str(ids["hiring"]))  # the system page's link: shown
    no_exceptions(at)
    assert register_table(at)["Title"].tolist() == ["Career gaps"]


def test_each_consistency_finding_links_to_its_risk(app_test, db_path) -> None:
    """A finding is fixed on its risk's page: the reference it names opens that page."""
    ids = seed(db_path)
    at = app_test(PAGE)
    no_exceptions(at)
    findings = next(frame for frame in at.dataframe if "What was found" in frame.value.columns)
    listed = dict(zip(findings.value["Title"], findings.value["Risk"], strict=True))
    assert listed["Career gaps"] == f"risk?id={ids['gaps']}#R-{ids['gaps']}"
    assert listed["Wrong credit limits"] == f"risk?id={ids['limits']}#R-{ids['limits']}"
    risk_column = json.loads(findings.proto.columns)["Risk"]
    assert risk_column["type_config"]["type"] == "link"
    # The cell shows the reference its URL carries, never the URL (nor any user text).
    shown = re.search(risk_column["type_config"]["display_text"], listed["Career gaps"])
    assert shown is not None and shown.group(1) == f"R-{ids['gaps']}"
