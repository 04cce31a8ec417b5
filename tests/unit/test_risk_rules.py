"""One rule everywhere (store/risk_rules.py): the risk page, the register and the portfolio agree
on which acceptance is in force, what is above the appetite and which risks are in scope."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from assessments.analytics import PortfolioFilter, period_ends
from assessments.risk_workflow import AcceptanceNeed, acceptance_need
from assessments.risks import AcceptanceInput, RiskFilter
from assessments.store import analytics_common, heatmaps, register, risk_summary, snapshots, trends
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import inventory as inventory_store
from assessments.store import risks as store
from assessments.store.db import Database
from tests.factories import system_input
from tests.risk_factories import rating_input, risk_input

TODAY = date.today()


@pytest.fixture(autouse=True)
def fresh_snapshots() -> None:
    snapshots.clear_snapshots()


@pytest.fixture
def system_id(db: Database) -> int:
    return inventory_store.create_system(db, "Ada", system_input()).id


def add_risk(db: Database, system_id: int, **overrides: object) -> int:
    return store.create_risk(db, "Ada", risk_input(system_id, **overrides)).id


def rate(db: Database, risk_id: int, tier: str, likelihood: int, severity: int) -> None:
    store.record_rating(
        db, "Ben", rating_input(risk_id, tier, likelihood=likelihood, severity=severity)
    )


def accept(db: Database, risk_id: int, approved: date, valid_until: date) -> int:
    return store.record_acceptance(
        db,
        "Chief Risk Officer",
        AcceptanceInput(
            risk_id=risk_id,
            approved_at=approved,
            rationale="Benefit outweighs the remaining risk.",
            valid_until=valid_until,
        ),
    )


def page_view(db: Database, risk_id: int) -> AcceptanceNeed:
    """What the risk page says about the acceptance (pages/risk.py calls exactly this)."""
    risk = store.get_risk(db, risk_id)
    residual = store.current_ratings(db, risk_id).get("residual")
    criteria = criteria_store.criteria_version(db, residual.criteria_version)
    rows = store.acceptances_for(db, risk_id).to_dict("records")
    return acceptance_need(residual, criteria, risk.harm_category, rows)


def register_until(db: Database, risk_id: int) -> date | None:
    value = register.register_frame(db, risk_ids=[risk_id]).iloc[0]["accepted_until"]
    return None if pd.isna(value) else value.date()


def portfolio_until(db: Database, risk_id: int) -> date | None:
    """What the portfolio's drill-down says (the risks of the residual rating's cell)."""
    residual = store.current_ratings(db, risk_id)["residual"]
    rows, _ = heatmaps.risks_in_heatmap_cell(db, "residual", residual.likelihood, residual.severity)
    value = rows.set_index("risk_id").loc[risk_id, "accepted_until"]
    return None if pd.isna(value) else pd.Timestamp(value).date()


# --- acceptance in force ------------------------------------------------------------------------


def test_a_residual_re_rated_higher_is_no_longer_accepted_on_any_page(
    db: Database, system_id: int
) -> None:
    risk = add_risk(db, system_id, harm_category="robustness")
    rate(db, risk, "inherent", 5, 5)
    rate(db, risk, "residual", 3, 4)  # High, above the appetite (Medium)
    until = TODAY + timedelta(days=90)
    accept(db, risk, TODAY, until)
    assert page_view(db, risk).accepted_until == until
    assert register_until(db, risk) == until == portfolio_until(db, risk)
    assert attention_store.attention_counts(db)["accepted"] == 1

    rate(db, risk, "residual", 5, 5)  # Critical: worse than what was accepted
    acceptance = store.acceptances_for(db, risk).iloc[0]
    assert bool(acceptance["in_force"]) and not bool(acceptance["covers_current"])
    need = page_view(db, risk)
    assert need.needed and need.accepted_until is None
    assert "does not cover this one" in need.message
    assert register_until(db, risk) is None and portfolio_until(db, risk) is None
    counts = attention_store.attention_counts(db)
    assert counts["accepted"] == 0 and counts["above_appetite_no_acceptance"] == 1
    assert register.register_summary(db)["accepted"] == 0


def test_an_acceptance_approved_for_a_later_day_is_not_yet_in_force(
    db: Database, system_id: int
) -> None:
    risk = add_risk(db, system_id, harm_category="robustness")
    rate(db, risk, "residual", 3, 4)
    accept(db, risk, TODAY + timedelta(days=7), TODAY + timedelta(days=90))
    acceptance = store.acceptances_for(db, risk).iloc[0]
    assert not bool(acceptance["in_force"]) and acceptance["state"] == "pending"
    assert page_view(db, risk).accepted_until is None
    assert register_until(db, risk) is None and portfolio_until(db, risk) is None
    later = store.acceptances_for(db, risk, as_of=TODAY + timedelta(days=8)).iloc[0]
    assert bool(later["in_force"]) and later["state"] == "in_force"


# --- scope and appetite -------------------------------------------------------------------------


def test_a_closed_risk_gives_the_same_figures_on_the_register_and_the_portfolio(
    db: Database, system_id: int
) -> None:
    kept = add_risk(db, system_id, title="Open", harm_category="robustness")
    rate(db, kept, "inherent", 2, 2)
    closed = add_risk(db, system_id, title="Closed", harm_category="robustness", status="closed")
    rate(db, closed, "inherent", 5, 5)
    rate(db, closed, "residual", 5, 5)
    for include in (False, True):
        mine = register.register_summary(db, RiskFilter(include_closed=include))
        theirs = attention_store.attention_counts(db, PortfolioFilter(include_closed=include))
        assert mine["risks"] == theirs["risks"] == (2 if include else 1)
        assert mine["above_appetite"] == theirs["above_appetite"] == 0  # closed: never above
        assert mine["accepted"] == theirs["accepted"] == 0
        cells = heatmaps.heatmap_counts(db, PortfolioFilter(include_closed=include))
        for tier in ("inherent", "residual"):
            ours = register.matrix_counts(db, tier, RiskFilter(include_closed=include))
            portfolio = cells[cells["tier"] == tier].reset_index(drop=True)
            assert ours["count"].tolist() == portfolio["count"].tolist(), (include, tier)
        worst = ours.set_index(["likelihood", "severity"]).loc[(5, 5), "count"]
        assert worst == (1 if include else 0)
        assert not register.register_frame(db, RiskFilter(include_closed=include))[
            "above_appetite"
        ].any()
    counted = attention_store.attention_counts(db)["risks"]
    assert register.register_summary(db)["risks"] == counted == 1
    asked = register.register_frame(db, RiskFilter(statuses=["closed"]))
    assert asked["risk_id"].tolist() == [closed]  # choosing the status Closed asks for them
    exported = register.register_export_frame(db)
    assert set(exported["risk_id"]) == {kept, closed}  # the export is the whole record


def test_trend_and_path_judge_each_rating_under_its_own_version_and_tolerance(
    db: Database, system_id: int
) -> None:
    high = add_risk(db, system_id, title="High under v1", harm_category="robustness")
    rate(db, high, "residual", 3, 4)  # High under version 1 (appetite Medium): above
    fair = add_risk(db, system_id, title="Fairness", harm_category="fairness")
    rate(db, fair, "residual", 2, 3)  # Medium: within the appetite, above fairness's Low
    closed = add_risk(db, system_id, title="Closed", harm_category="robustness", status="closed")
    rate(db, closed, "residual", 5, 5)
    looser = criteria_store.current_criteria(db).model_copy(update={"appetite": "High"})
    criteria_store.save_criteria(db, "Ada", looser, "Looser appetite")
    both = PortfolioFilter(include_closed=True)
    trend = trends.level_trend(db, period_ends(TODAY, TODAY, "month", TODAY), "residual", both)
    assert int(trend["count"].sum()) == 3
    assert trend["above_appetite"].tolist() == [2] * len(trend)  # not the closed one
    path = trends.system_path(db, system_id, both)
    residual = path[path["tier"] == "residual"].sort_values("moment")
    assert int(residual["above"].iloc[-1]) == 2
    register_above = register.register_summary(db, RiskFilter(include_closed=True))
    assert register_above["above_appetite"] == 2


def test_a_retired_systems_risks_leave_every_figure_unless_included(
    db: Database, system_id: int
) -> None:
    kept = add_risk(db, system_id, title="Kept", harm_category="robustness")
    rate(db, kept, "inherent", 5, 5)
    other = inventory_store.create_system(db, "Ada", system_input(name="Old Chat")).id
    gone = add_risk(db, other, title="Gone", harm_category="robustness")
    rate(db, gone, "inherent", 5, 5)
    inventory_store.retire_system(db, "Ada", other)
    months = period_ends(TODAY, TODAY, "month", TODAY)
    for include in (False, True):
        mine = register.register_summary(db, RiskFilter(include_closed=include))
        theirs = attention_store.attention_counts(db, PortfolioFilter(include_closed=include))
        assert mine["risks"] == theirs["risks"] == (2 if include else 1), include
        assert mine["above_appetite"] == theirs["above_appetite"] == 1  # retired: no decision
        cells = heatmaps.heatmap_counts(db, PortfolioFilter(include_closed=include))
        assert int(cells[cells["tier"] == "inherent"]["count"].sum()) == (2 if include else 1)
        trend = trends.level_trend(
            db, months, "residual_or_inherent", PortfolioFilter(include_closed=include)
        )
        assert int(trend["count"].sum()) == (2 if include else 1)
        assert trend["above_appetite"].iloc[0] == 1
        assert theirs["systems"] == (2 if include else 1)
    named = attention_store.attention_counts(db, PortfolioFilter(system_ids=[other]))
    assert named["risks"] == 1 and named["above_appetite"] == 0  # chosen by name: shown
    options = analytics_common.filter_options(db)
    assert options["systems"] == {system_id: "Loan Advisor"}
    assert options["retired_systems"] == {other: "Old Chat"}


def test_the_current_trend_ends_on_the_registers_above_appetite_figure(
    db: Database, system_id: int
) -> None:
    """The trend's dashed line (where each risk stands) ends on the register's figure, accepted
    risks included; the residual-only line leaves out risks with an inherent rating only."""
    inherent_only = add_risk(db, system_id, title="Inherent only", harm_category="robustness")
    rate(db, inherent_only, "inherent", 5, 5)
    accepted = add_risk(db, system_id, title="Accepted", harm_category="robustness")
    rate(db, accepted, "inherent", 5, 5)
    rate(db, accepted, "residual", 3, 4)
    accept(db, accepted, TODAY, TODAY + timedelta(days=90))
    fair = add_risk(db, system_id, title="Fairness", harm_category="fairness")
    rate(db, fair, "inherent", 2, 3)  # Medium: above fairness's tolerance (Low)
    rate(db, fair, "residual", 1, 1)  # Low: within it now
    summary = register.register_summary(db)
    assert (summary["above_appetite"], summary["accepted"], summary["not_accepted"]) == (2, 1, 1)
    months = period_ends(TODAY, TODAY, "month", TODAY)
    current = trends.level_trend(db, months, "residual_or_inherent")
    assert int(current["count"].sum()) == 3
    assert int(current["above_appetite"].iloc[0]) == summary["above_appetite"]
    residual = trends.level_trend(db, months, "residual")
    assert int(residual["above_appetite"].iloc[0]) == 1  # only the accepted one has a residual
    portfolio = attention_store.attention_counts(db)
    assert portfolio["above_appetite_no_acceptance"] == summary["not_accepted"]


def test_system_level_counts_place_ratings_on_the_current_matrix(
    db: Database, system_id: int
) -> None:
    old = add_risk(db, system_id, title="Rated under version 1")
    rate(db, old, "residual", 4, 4)  # High under version 1
    closed = add_risk(db, system_id, title="Closed", status="closed")
    rate(db, closed, "residual", 1, 1)
    add_risk(db, system_id, title="Not rated")
    current = criteria_store.current_criteria(db)
    grid = [list(row) for row in current.grid]
    grid[3][3] = "Critical"  # version 2: the same cell is now Critical
    criteria_store.save_criteria(db, "Ada", current.model_copy(update={"grid": grid}), "Stricter")
    counts = risk_summary.residual_level_counts(db, system_id)
    assert counts["level"].tolist() == ["Critical", risk_summary.NOT_RATED]
    assert counts["risks"].tolist() == [1, 1] and counts["mapped"].tolist() == [1, 0]
    critical = next(level for level in current.levels if level.name == "Critical")
    assert counts["colour"].iloc[0] == critical.colour
