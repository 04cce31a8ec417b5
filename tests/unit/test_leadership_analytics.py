"""The leadership view's figures against a portfolio worked out by hand (tests/leadership_fixtures):
counts per cell, per level per month, as of a day, above the appetite, and agreement with the
register (one rule everywhere)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
import pytest

from assessments.analytics import (
    CURRENT_TIER,
    PortfolioFilter,
    acceptance_text,
    action_status,
    level_totals,
    movement_frame,
    next_period_start,
    period_ends,
    period_label,
    plural,
    previous_quarter_end,
    shown_attention_labels,
    treatment_status,
)
from assessments.criteria import presets
from assessments.risks import AcceptanceInput, ActionInput, RiskFilter
from assessments.store import analytics_common, heatmaps, snapshots, trends
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import db as db_module
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store import risks as risk_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.leadership_fixtures import Portfolio, at, build_portfolio, month_start
from tests.risk_factories import rating_input, risk_input


@pytest.fixture
def portfolio(db: Database) -> Portfolio:
    snapshots.clear_snapshots()
    return build_portfolio(db)


def cell_counts(frame: pd.DataFrame, tier: str) -> dict[tuple[int, int], int]:
    """{(likelihood, severity): count} of the non-empty cells of one tier."""
    rows = frame[(frame["tier"] == tier) & (frame["count"] > 0)]
    return {
        (int(row.likelihood), int(row.severity)): int(row.count)
        for row in rows.itertuples(index=False)
    }


def end_of_month(first_day: date) -> date:
    return next_period_start(first_day, "month") - timedelta(days=1)


# --- pure rules ----------------------------------------------------------------------------------


def test_periods_are_whole_months_or_quarters_read_at_their_end() -> None:
    today = date(2026, 5, 14)
    months = period_ends(date(2026, 2, 20), date(2026, 5, 14), "month", today)
    assert [period.label for period in months] == ["Feb 2026", "Mar 2026", "Apr 2026", "May 2026"]
    assert months[0].cutoff == datetime(2026, 3, 1)
    assert months[-1].cutoff == datetime(2026, 5, 15)  # the running month: at the end of today
    quarters = period_ends(date(2025, 11, 3), date(2026, 5, 14), "quarter", today)
    assert [period.label for period in quarters] == ["Q4 2025", "Q1 2026", "Q2 2026"]
    assert quarters[1].cutoff == datetime(2026, 4, 1)
    assert period_label(date(2026, 7, 1), "quarter") == "Q3 2026"
    assert period_ends(date(2026, 5, 1), date(2026, 4, 1), "month", today) == []


def test_previous_quarter_end() -> None:
    assert previous_quarter_end(date(2026, 5, 14)) == date(2026, 3, 31)
    assert previous_quarter_end(date(2026, 1, 1)) == date(2025, 12, 31)
    assert previous_quarter_end(date(2026, 12, 31)) == date(2026, 9, 30)


def test_filter_is_normalised_so_equal_choices_share_a_cache_key() -> None:
    one = PortfolioFilter(business_units=["B", "A", "A"], system_ids=[3, 1])
    two = PortfolioFilter(business_units=("A", "B"), system_ids=(1, 3))
    assert one == two and one.cache_key() == two.cache_key()
    assert PortfolioFilter().is_empty() and not one.is_empty()


def test_treatment_and_acceptance_words() -> None:
    labels = {"change_likelihood": "Reduce the likelihood"}
    assert (
        treatment_status("in_treatment", "change_likelihood", 2, 1, 3, labels)
        == "In treatment · Reduce the likelihood · actions: 2 open, 1 overdue, 3 done"
    )
    assert treatment_status("open", None, 0, 0, 0, labels) == "Open · no treatment chosen"
    assert action_status("in_treatment", 2, 1, 3) == "In treatment · 2 open, 1 overdue · 3 done"
    assert action_status("open", 0, 0, 0) == "Open · no action"
    assert plural(1, "risk") == "1 risk" and plural(1204, "risk") == "1,204 risks"
    assert plural(2, "action is", "actions are") == "2 actions are"
    assert acceptance_text("in_force", date(2027, 1, 31)) == "Accepted until 31 Jan 2027"
    assert acceptance_text("expired", date(2026, 1, 31)) == "Acceptance expired 31 Jan 2026"
    assert acceptance_text(None, None) == "Not accepted"


def test_movement_frame_lists_the_rated_tiers_of_each_risk_in_order() -> None:
    top = pd.DataFrame(
        {
            "risk_id": [7, 9],
            "title": ["A", "B"],
            "system_name": ["S", "S"],
            **{
                f"{tier}_{field}": values
                for tier, by_field in {
                    "inherent": {"likelihood": [4, 3], "severity": [4, 3], "rank": [3, 2]},
                    "residual": {"likelihood": [2, None], "severity": [3, None], "rank": [2, None]},
                    "target": {"likelihood": [1, None], "severity": [2, None], "rank": [1, None]},
                }.items()
                for field, values in by_field.items()
            },
            **{f"{tier}_level": ["X", "Y"] for tier in ("inherent", "residual", "target")},
            **{f"{tier}_colour": ["#000000"] * 2 for tier in ("inherent", "residual", "target")},
        }
    )
    moves = movement_frame(top)
    assert moves[["risk_id", "tier", "rank"]].values.tolist() == [
        [7, "inherent", 1],
        [7, "residual", 1],
        [7, "target", 1],
        [9, "inherent", 2],
    ]
    assert moves["likelihood"].tolist() == [4, 2, 1, 3]


# --- the heatmap ---------------------------------------------------------------------------------


def test_heatmap_counts_per_cell_and_tier(db: Database, portfolio: Portfolio) -> None:
    cells = heatmaps.heatmap_counts(db)
    assert len(cells) == 3 * 25  # every cell of every tier, empty ones included
    assert cell_counts(cells, "inherent") == {(4, 4): 1, (5, 4): 1, (2, 3): 1}
    assert cell_counts(cells, "residual") == {(2, 2): 1, (4, 4): 1}
    assert cell_counts(cells, "target") == {(1, 2): 1}
    residual = cells[cells["tier"] == "residual"].set_index(["likelihood", "severity"])
    assert residual.loc[(4, 4), "level"] == "High" and residual.loc[(2, 2), "level"] == "Low"
    assert cells["mapped_count"].sum() == 0
    closed_too = heatmaps.heatmap_counts(db, PortfolioFilter(include_closed=True))
    assert cell_counts(closed_too, "residual") == {(1, 1): 1, (2, 2): 1, (4, 4): 1}


def test_heatmap_agrees_with_the_register(db: Database, portfolio: Portfolio) -> None:
    """The peers' failure: a heatmap with a different rule from the register. Both leave the
    closed risk R5 out by default and take it in when asked."""
    for closed in (False, True):
        ours = heatmaps.heatmap_counts(db, PortfolioFilter(include_closed=closed))
        for tier in ("inherent", "residual", "target"):
            theirs = register_store.matrix_counts(db, tier, RiskFilter(include_closed=closed))
            mine = ours[ours["tier"] == tier].reset_index(drop=True)
            for column in ("likelihood", "severity", "level", "count", "mapped_count"):
                assert mine[column].tolist() == theirs[column].tolist(), (closed, tier, column)
    assert int(register_store.matrix_counts(db, "residual")["count"].sum()) == 2


def test_heatmap_filters(db: Database, portfolio: Portfolio) -> None:
    def inherent(**choices: object) -> dict[tuple[int, int], int]:
        return cell_counts(heatmaps.heatmap_counts(db, PortfolioFilter(**choices)), "inherent")

    assert inherent(business_units=["Lending"]) == {(4, 4): 1, (5, 4): 1}
    assert inherent(system_ids=[portfolio.beta]) == {(2, 3): 1}
    assert inherent(lifecycle_stages=["deployment"]) == {(5, 4): 1}
    assert inherent(harm_categories=["fairness", "safety"]) == {(4, 4): 1, (2, 3): 1}
    assert inherent(owners=["Ada Park"]) == {(4, 4): 1, (2, 3): 1}
    assert inherent(eu_ai_act_classes=["not_screened"]) == {(4, 4): 1, (5, 4): 1, (2, 3): 1}
    assert inherent(eu_ai_act_classes=["high_risk"]) == {}


def test_ratings_under_older_criteria_are_placed_and_counted(
    db: Database, portfolio: Portfolio
) -> None:
    criteria_store.save_criteria(db, "Ada", presets()["preset_4x4"])
    cells = heatmaps.heatmap_counts(db)
    assert len(cells) == 3 * 16
    # 5 -> 4 steps: 1, 2, 3, 4, 5 become 1, 2, 3, 3, 4
    assert cell_counts(cells, "inherent") == {(3, 3): 1, (4, 3): 1, (2, 3): 1}
    assert int(cells["mapped_count"].sum()) == 6  # every rating in force was made under v1
    theirs = register_store.matrix_counts(db, "inherent", RiskFilter(statuses=["open"]))
    mine = cells[cells["tier"] == "inherent"].reset_index(drop=True)
    assert mine["count"].tolist() == theirs["count"].tolist()
    rows, total = heatmaps.risks_in_heatmap_cell(db, "residual", 3, 3)
    assert total == 1 and rows["risk_id"].tolist() == [portfolio.r2]  # L4 S4 -> L3 S3
    assert rows["cell_mapped"].all() and rows.iloc[0]["cell_level"] == "High"
    assert attention_store.attention_counts(db)["mapped_ratings"] == 6


def test_a_cell_lists_exactly_its_risks(db: Database, portfolio: Portfolio) -> None:
    rows, total = heatmaps.risks_in_heatmap_cell(db, "residual", 4, 4)
    assert total == 1 and rows["risk_id"].tolist() == [portfolio.r2]
    row = rows.iloc[0]
    assert row["system_name"] == "Alpha Scoring" and row["owner"] == "Ben Okafor"
    assert row["level"] == "High" and bool(row["above_appetite"])
    assert int(row["actions_done"]) == 1 and int(row["actions_open"]) == 0
    empty, none = heatmaps.risks_in_heatmap_cell(db, "residual", 5, 5)
    assert empty.empty and none == 0
    first, counted = heatmaps.risks_in_heatmap_cell(db, "inherent", 4, 4, limit=0)
    assert first.empty and counted == 1


def test_a_new_rating_is_never_hidden_by_a_cached_result(
    db: Database, portfolio: Portfolio
) -> None:
    before = cell_counts(heatmaps.heatmap_counts(db), "residual")
    risk_store.record_rating(
        db, "Ada", rating_input(portfolio.r3, "residual", likelihood=1, severity=1)
    )
    after = cell_counts(heatmaps.heatmap_counts(db), "residual")
    assert before == {(2, 2): 1, (4, 4): 1}
    assert after == {(1, 1): 1, (2, 2): 1, (4, 4): 1}


# --- as of a day ---------------------------------------------------------------------------------


def test_heatmap_as_of_a_day(db: Database, portfolio: Portfolio) -> None:
    end_m9 = end_of_month(portfolio.m9)
    then = heatmaps.heatmap_counts(db, as_of=end_m9)
    assert cell_counts(then, "inherent") == {(4, 4): 1}
    assert cell_counts(then, "residual") == {(3, 3): 1}  # R1 before its re-rating in M7
    before_anything = heatmaps.heatmap_counts(db, as_of=portfolio.m9)
    assert int(before_anything["count"].sum()) == 0


def test_attention_figures_today(db: Database, portfolio: Portfolio) -> None:
    counts = attention_store.attention_counts(db)
    assert counts["risks"] == 4 and counts["rated"] == 3  # R5 is closed, R4 unrated
    assert counts["above_appetite"] == 1  # R2: residual High, appetite Medium
    assert counts["above_appetite_no_acceptance"] == 1  # its acceptance expired
    assert counts["acceptance_expired"] == 1 and counts["accepted"] == 0
    assert counts["action_overdue"] == 1 and counts["overdue_actions"] == 1  # R3's action
    assert counts["never_rated"] == 1 and counts["review_overdue"] == 0
    # Gamma has no risk at all: a system in scope with no rated risk, as its list says.
    assert counts["systems"] == 3 and counts["systems_without_rated_risk"] == 1
    listed, total = attention_store.systems_without_rated_risk(db)
    assert total == counts["systems_without_rated_risk"]
    assert listed["system_id"].tolist() == [portfolio.gamma]
    rows, total = attention_store.attention_list(db, "above_appetite_no_acceptance")
    assert total == 1 and rows["risk_id"].tolist() == [portfolio.r2]
    assert rows["expired_on"].notna().all()
    overdue, _ = attention_store.attention_list(db, "action_overdue")
    assert overdue["risk_id"].tolist() == [portfolio.r3]
    never, _ = attention_store.attention_list(db, "never_rated")
    assert never["risk_id"].tolist() == [portfolio.r4]


def test_attention_figures_match_the_register_checks(db: Database, portfolio: Portfolio) -> None:
    counts = attention_store.attention_counts(db)
    findings = register_store.consistency_checks(db)
    per_check = findings.groupby("check")["risk_id"].nunique().to_dict()
    for key in ("acceptance_expired", "action_overdue", "never_rated", "review_overdue"):
        assert counts[key] == per_check.get(key, 0), key
    register = register_store.register_frame(db, RiskFilter(statuses=["open"]))
    above = register[register["above_appetite"] & register["accepted_until"].isna()]
    assert counts["above_appetite_no_acceptance"] == len(above)


def test_attention_figures_as_of_a_day(
    db: Database, portfolio: Portfolio, monkeypatch: pytest.MonkeyPatch
) -> None:
    end_m9 = end_of_month(portfolio.m9)
    then = attention_store.attention_counts(db, as_of=end_m9)
    # Only R1 was rated: residual Medium is above the fairness tolerance (Low).
    assert then["rated"] == 1 and then["above_appetite"] == 1
    assert then["above_appetite_no_acceptance"] == 1
    end_m8 = end_of_month(portfolio.m8)
    later = attention_store.attention_counts(db, as_of=end_m8)
    # R1 (Medium, fairness) and R2 (High) above; R2's acceptance was in force then.
    assert later["above_appetite"] == 2 and later["accepted"] == 1
    assert later["above_appetite_no_acceptance"] == 1 and later["acceptance_expired"] == 0
    # R2's action was recorded today (the day it was planned is unknown): not open in M8.
    assert later["action_overdue"] == 0
    # One recorded back then, due in M8 and done only in M7, was overdue at the end of M8.
    monkeypatch.setattr(db_module, "utc_now", lambda: at(portfolio.m8, 2))
    risk_store.add_action(
        db,
        "Ada",
        portfolio.r2,
        ActionInput(
            title="Review the access log",
            owner="Ben Okafor",
            due_date=portfolio.m8 + timedelta(days=15),
            status="done",
            completed_at=portfolio.m7 + timedelta(days=10),
        ),
    )
    monkeypatch.undo()
    assert attention_store.attention_counts(db, as_of=end_m8)["action_overdue"] == 1
    listed, _ = attention_store.attention_list(db, "action_overdue", as_of=end_m8)
    assert listed["risk_id"].tolist() == [portfolio.r2]
    # today: only R3's is overdue
    assert attention_store.attention_counts(db)["action_overdue"] == 1


def test_as_of_counts_only_what_existed_then(db: Database) -> None:
    """A risk identified and rated today did not exist last quarter: the change since then is
    +1 risk in scope, not -1 never rated (the new user's first portfolio)."""
    system = inventory_store.create_system(db, "Ada", system_input(name="New Chat")).id
    risk = risk_store.create_risk(db, "Ada", risk_input(system, title="Wrong answers")).id
    risk_store.record_rating(db, "Ada", rating_input(risk, "inherent"))
    quarter_end = previous_quarter_end(date.today())
    now = attention_store.attention_counts(db)
    then = attention_store.attention_counts(db, as_of=quarter_end)
    assert (now["risks"], now["never_rated"], now["systems_without_rated_risk"]) == (1, 0, 0)
    assert (then["risks"], then["never_rated"], then["systems"]) == (0, 0, 0)
    assert then["systems_without_rated_risk"] == 0
    assert int(heatmaps.heatmap_counts(db, as_of=quarter_end)["count"].sum()) == 0
    assert heatmaps.top_risks(db, as_of=quarter_end).empty


def test_as_of_a_day_leaves_out_risks_identified_later(db: Database, portfolio: Portfolio) -> None:
    """R4 (never rated) was recorded today: it is not an unrated risk of M8. A risk whose
    history was entered later counts from its first rating (R1, R2, R3 by the end of M8)."""
    end_m8 = end_of_month(portfolio.m8)
    then = attention_store.attention_counts(db, as_of=end_m8)
    assert then["risks"] == 3 and then["rated"] == 3 and then["never_rated"] == 0
    never, total = attention_store.attention_list(db, "never_rated", as_of=end_m8)
    assert never.empty and total == 0
    # Alpha and Beta existed through their rated risks; Gamma was recorded today.
    assert then["systems"] == 2 and then["systems_without_rated_risk"] == 0
    # Today R4 is an unrated risk and Gamma a system with no rated risk.
    now = attention_store.attention_counts(db)
    assert now["never_rated"] == 1 and now["systems_without_rated_risk"] == 1
    # What moved from M9 to M8 counts R2 and R3 as new, R1 as unchanged (Medium both times).
    moved, counts = trends.level_changes(db, end_of_month(portfolio.m9), until=end_m8)
    assert counts == {"up": 0, "down": 0, "new": 2, "same": 1}
    assert set(moved["risk_id"]) == {portfolio.r2, portfolio.r3}
    # The movement chart as of M8 shows R1's residual Medium then, not its Low of today.
    moves = heatmaps.movement(db, system_id=portfolio.alpha, as_of=end_m8)
    r1 = moves[(moves["risk_id"] == portfolio.r1) & (moves["tier"] == "residual")]
    assert r1["level"].tolist() == ["Medium"]


def test_level_changes_since_a_day(db: Database, portfolio: Portfolio) -> None:
    moved, counts = trends.level_changes(db, end_of_month(portfolio.m8))
    assert counts == {"up": 0, "down": 1, "new": 0, "same": 2}
    assert moved["risk_id"].tolist() == [portfolio.r1]
    assert moved.iloc[0]["level_then"] == "Medium" and moved.iloc[0]["level_now"] == "Low"
    _, since_m9_start = trends.level_changes(db, portfolio.m9 - timedelta(days=1))
    assert since_m9_start["new"] == 3


def test_systems_without_a_rated_risk(db: Database, portfolio: Portfolio) -> None:
    rows, total = attention_store.systems_without_rated_risk(db)
    assert total == 1 and rows["name"].tolist() == ["Gamma Chat"]
    only_lending, none = attention_store.systems_without_rated_risk(
        db, PortfolioFilter(business_units=["Lending"])
    )
    assert only_lending.empty and none == 0


def test_top_risks_and_movement(db: Database, portfolio: Portfolio) -> None:
    top = heatmaps.top_risks(db)
    assert top["risk_id"].tolist() == [portfolio.r2, portfolio.r3, portfolio.r1]
    first = top.iloc[0]
    assert (first["inherent_level"], first["residual_level"]) == ("Critical", "High")
    assert pd.isna(first["target_level"])
    moves = heatmaps.movement(db, system_id=portfolio.alpha)
    r1 = moves[moves["risk_id"] == portfolio.r1]
    assert r1[["tier", "likelihood", "severity"]].values.tolist() == [
        ["inherent", 4, 4],
        ["residual", 2, 2],
        ["target", 1, 2],
    ]
    assert set(moves["risk_id"]) == {portfolio.r1, portfolio.r2}


def test_level_distribution_sums_the_cells(db: Database, portfolio: Portfolio) -> None:
    totals = heatmaps.level_distribution(db)
    residual = totals[totals["tier"] == "residual"].set_index("level")["count"].to_dict()
    assert residual == {"Low": 1, "Medium": 0, "High": 1, "Critical": 0}
    assert level_totals(pd.DataFrame()).empty


# --- trends from the history ---------------------------------------------------------------------


def test_risks_per_level_per_month(db: Database, portfolio: Portfolio) -> None:
    periods = period_ends(portfolio.m9, portfolio.m6, "month", date.today())
    trend = trends.level_trend(db, periods, "residual")
    trend["period_start"] = pd.to_datetime(trend["period_start"]).dt.date
    table = trend.pivot(index="period_start", columns="level", values="count")
    assert table.loc[portfolio.m9].to_dict() == {"Critical": 0, "High": 0, "Low": 0, "Medium": 1}
    assert table.loc[portfolio.m8].to_dict() == {"Critical": 0, "High": 1, "Low": 0, "Medium": 1}
    assert table.loc[portfolio.m7].to_dict() == {"Critical": 0, "High": 1, "Low": 1, "Medium": 0}
    assert table.loc[portfolio.m6].to_dict() == {"Critical": 0, "High": 1, "Low": 1, "Medium": 0}
    inherent = trends.level_trend(db, periods, "inherent", PortfolioFilter(owners=["Ada Park"]))
    inherent["period_start"] = pd.to_datetime(inherent["period_start"]).dt.date
    by_month = inherent.groupby("period_start")["count"].sum().to_dict()
    assert by_month == {portfolio.m9: 1, portfolio.m8: 2, portfolio.m7: 2, portfolio.m6: 2}


def test_risks_per_level_per_quarter_match_the_months_at_quarter_ends(
    db: Database, portfolio: Portfolio
) -> None:
    today = date.today()
    months = trends.level_trend(db, period_ends(portfolio.m9, today, "month", today))
    quarters = trends.level_trend(db, period_ends(portfolio.m9, today, "quarter", today))
    by_cutoff = months.set_index(["cutoff", "level"])["count"]
    for row in quarters.itertuples(index=False):
        assert by_cutoff[(row.cutoff, row.level)] == row.count


def test_a_risks_path_and_its_decisions(db: Database, portfolio: Portfolio) -> None:
    path = trends.risk_path(db, portfolio.r1)
    assert path[["tier", "level"]].values.tolist() == [
        ["inherent", "High"],
        ["residual", "Medium"],
        ["target", "Low"],
        ["residual", "Low"],
    ]
    decisions = trends.decisions(db, risk_id=portfolio.r2)
    assert decisions["kind"].tolist() == ["acceptance", "action_done"]
    assert "accepted by Chief Risk Officer" in decisions.iloc[0]["detail"]
    assert trends.risk_summary(db, portfolio.r1)["appetite_rank"] == 1  # fairness: Low
    assert trends.risk_summary(db, portfolio.r2)["appetite_rank"] == 2


def test_a_systems_path_is_its_worst_level_per_tier(db: Database, portfolio: Portfolio) -> None:
    path = trends.system_path(db, portfolio.alpha)
    residual = path[path["tier"] == "residual"]
    # One row per moment any rating of the system changed: R1 residual Medium (above the
    # fairness tolerance), R2's inherent rating, R2 residual High, R1 re-rated Low.
    assert residual["level"].tolist() == ["Medium", "Medium", "High", "High"]
    assert residual["above"].tolist() == [1, 1, 2, 1]
    last = path.sort_values("moment").groupby("tier").last()["level"].to_dict()
    assert last == {"inherent": "Critical", "residual": "High", "target": "Low"}


def test_workshop_consensus_ratings_are_decisions(db: Database, portfolio: Portfolio) -> None:
    def add_workshop_rating(transaction) -> None:  # a workshop writes ratings this way
        risk_store.insert_rating(
            transaction,
            rating_input(
                portfolio.r3,
                "residual",
                likelihood=2,
                severity=2,
                method="workshop",
                workshop_id=1,
            ),
        )

    db.write("Facilitator", add_workshop_rating)
    decisions = trends.decisions(db, system_id=portfolio.beta)
    assert decisions["kind"].tolist() == ["workshop"]
    assert decisions.iloc[0]["detail"].startswith("Workshop consensus: residual Low")


def test_history_span_and_bounds(db: Database, portfolio: Portfolio) -> None:
    first, last = trends.history_span(db)
    assert first == portfolio.m9 + timedelta(days=1)
    assert last == portfolio.m7 + timedelta(days=3)
    assert trends.as_of_bounds(db) == (first, date.today())


def test_an_empty_database_gives_empty_figures(db: Database) -> None:
    snapshots.clear_snapshots()
    assert int(heatmaps.heatmap_counts(db)["count"].sum()) == 0
    assert attention_store.attention_counts(db)["risks"] == 0
    assert heatmaps.top_risks(db).empty and heatmaps.movement(db).empty
    assert trends.history_span(db) is None
    assert analytics_common.filter_options(db)["systems"] == {}
    periods = period_ends(month_start(2), date.today(), "month", date.today())
    assert int(trends.level_trend(db, periods)["count"].sum()) == 0


def test_as_of_figures_follow_backdated_data_but_not_new_ratings(
    db: Database, portfolio: Portfolio
) -> None:
    """Last quarter's figures are reused when a rating dated today arrives (the common case on
    a cold page), and recomputed when anything dated up to that day changes."""
    end_m8 = end_of_month(portfolio.m8)
    before = attention_store.attention_counts(db, as_of=end_m8)
    token = analytics_common.history_version(db, end_m8)
    risk_store.record_rating(
        db, "Ada", rating_input(portfolio.r3, "residual", likelihood=5, severity=5)
    )
    assert analytics_common.history_version(db, end_m8) == token
    assert attention_store.attention_counts(db, as_of=end_m8) is before  # served from the cache
    assert attention_store.attention_counts(db)["above_appetite"] == 2  # today's figures did change

    risk_store.record_rating(
        db,
        "Ada",
        rating_input(
            portfolio.r3,
            "residual",
            likelihood=5,
            severity=5,
            rated_at=at(portfolio.m8, 12),
        ),
    )
    assert analytics_common.history_version(db, end_m8) != token
    after = attention_store.attention_counts(db, as_of=end_m8)
    assert after["above_appetite"] == before["above_appetite"] + 1

    token = analytics_common.history_version(db, end_m8)
    acceptances = risk_store.acceptances_for(db, portfolio.r2)
    risk_store.revoke_acceptance(db, "Ada", int(acceptances["id"].iloc[0]))
    assert analytics_common.history_version(db, end_m8) != token


def test_as_of_a_day_keeps_the_status_risks_and_systems_had_then(
    db: Database, portfolio: Portfolio
) -> None:
    """Retiring a system or closing a risk today changes today's figures, never a past day's:
    the status on a day comes from the audit trail (a figure already reported stays true)."""
    end_m8 = end_of_month(portfolio.m8)
    before = attention_store.attention_counts(db, as_of=end_m8)
    before_cells = int(heatmaps.heatmap_counts(db, as_of=end_m8)["count"].sum())
    assert (before["risks"], before["above_appetite"], before["systems"]) == (3, 2, 2)

    inventory_store.retire_system(db, "Ada", portfolio.alpha)
    r3 = risk_store.get_risk(db, portfolio.r3)
    risk_store.update_risk(db, "Ada", r3.id, r3.as_input().model_copy(update={"status": "closed"}))
    now = attention_store.attention_counts(db)
    assert (now["risks"], now["above_appetite"]) == (1, 0)  # only R4 is left today
    assert attention_store.attention_counts(db, as_of=end_m8) == before
    assert int(heatmaps.heatmap_counts(db, as_of=end_m8)["count"].sum()) == before_cells

    # Back in service today: today's figures count Alpha again, the past is unchanged.
    alpha = inventory_store.get_system(db, portfolio.alpha)
    inventory_store.update_system(
        db,
        "Ada",
        alpha.id,
        alpha.as_input().model_copy(
            update={"status": "active", "lifecycle_stage": "operation_monitoring"}
        ),
    )
    assert attention_store.attention_counts(db)["above_appetite"] == 1
    assert attention_store.attention_counts(db, as_of=end_m8) == before
    # R5 was recorded closed: it never counts, then or now.
    listed, _ = attention_store.attention_list(db, "never_rated", as_of=end_m8, limit=50)
    assert portfolio.r5 not in set(listed["risk_id"])


def test_a_tighter_appetite_flags_risks_to_re_rate(db: Database, portfolio: Portfolio) -> None:
    """Lowering the appetite rescales nothing: R3 (Medium, rated under v1, within v1's
    appetite) is not counted above the appetite, but the portfolio and the register both say
    it sits above today's appetite and needs re-rating; R2 was above already, R1 is Low."""
    untouched = attention_store.attention_counts(db)
    assert untouched["above_current_appetite"] == 0
    assert "above_current_appetite" not in shown_attention_labels(untouched, untouched)
    current = criteria_store.current_criteria(db)
    criteria_store.save_criteria(db, "Ada", current.model_copy(update={"appetite": "Low"}))
    counts = attention_store.attention_counts(db)
    assert counts["above_appetite"] == 1 and counts["above_current_appetite"] == 1
    assert "above_current_appetite" in shown_attention_labels(counts, untouched)
    listed, total = attention_store.attention_list(db, "above_current_appetite")
    assert total == 1 and listed["risk_id"].tolist() == [portfolio.r3]
    findings = register_store.consistency_checks(db)
    flagged = findings[findings["check"] == "above_current_appetite"]
    assert flagged["risk_id"].tolist() == [portfolio.r3]
    assert "sits at Medium, above today's appetite (at most Low)" in flagged.iloc[0]["message"]
    # Re-rated under the new criteria, it is simply above the appetite.
    risk_store.record_rating(
        db, "Ada", rating_input(portfolio.r3, "inherent", likelihood=2, severity=3)
    )
    counts = attention_store.attention_counts(db)
    assert counts["above_appetite"] == 2 and counts["above_current_appetite"] == 0


def test_an_acceptance_is_marked_after_the_rating_it_accepts(
    db: Database, portfolio: Portfolio
) -> None:
    """Acceptances carry a day; one approved on the day of its rating comes after it."""
    midnight = datetime.combine(date.today(), datetime.min.time())
    rated_at = max(midnight, db_module.utc_now().replace(microsecond=0) - timedelta(seconds=5))
    risk_store.record_rating(
        db,
        "Ada",
        rating_input(portfolio.r3, "residual", likelihood=4, severity=4, rated_at=rated_at),
    )
    risk_store.record_acceptance(
        db,
        "Chief Risk Officer",
        AcceptanceInput(
            risk_id=portfolio.r3,
            approved_at=date.today(),
            rationale="Retained until the clinician review step is live.",
            valid_until=date.today() + timedelta(days=90),
        ),
    )
    decisions = trends.decisions(db, risk_id=portfolio.r3)
    accepted = decisions[decisions["kind"] == "acceptance"].iloc[0]
    assert accepted["moment"] > rated_at


def test_trends_keep_the_status_risks_and_systems_had_then(
    db: Database, portfolio: Portfolio
) -> None:
    """Retiring a system today takes its risks out of today's bar only; the months before
    still count them (and agree with the portfolio as of their last day)."""
    today = date.today()
    periods = period_ends(portfolio.m9, today, "month", today)

    def by_month(trend: pd.DataFrame) -> dict[date, tuple[int, int]]:
        trend = trend.assign(period_start=pd.to_datetime(trend["period_start"]).dt.date)
        totals = trend.groupby("period_start").agg(
            count=("count", "sum"), above=("above_appetite", "max")
        )
        return {day: (int(row["count"]), int(row["above"])) for day, row in totals.iterrows()}

    before = by_month(trends.level_trend(db, periods, CURRENT_TIER))
    inventory_store.retire_system(db, "Ada", portfolio.alpha)
    after = by_month(trends.level_trend(db, periods, CURRENT_TIER))
    this_month = month_start(0)
    assert {day: value for day, value in after.items() if day != this_month} == {
        day: value for day, value in before.items() if day != this_month
    }
    assert after[this_month] == (1, 0)  # only R3 (Beta) today; R4 is unrated
    end_m8 = end_of_month(portfolio.m8)
    as_of = attention_store.attention_counts(db, as_of=end_m8)
    assert after[portfolio.m8] == (as_of["rated"], as_of["above_appetite"])
    # Included on request, the retired system's risks are back today, never above appetite.
    included = by_month(
        trends.level_trend(db, periods, CURRENT_TIER, PortfolioFilter(include_closed=True))
    )
    assert included[this_month][0] == 4 and included[this_month][1] == 0
