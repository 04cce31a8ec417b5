"""One placement rule and one limit (store/risk_rules.py `placed_on`, store/trends.py
`acceptable_limit`): the heatmaps, the top risks, the attention figures, the trends, the
register and a system's level counts place a rating made under older criteria on the same cell
of the current grid, and every appetite line is drawn at the limit the register judges by."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from assessments.analytics import CURRENT_TIER, PortfolioFilter, period_ends
from assessments.criteria import presets
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import heatmaps, risk_summary, snapshots, trends
from assessments.store import inventory as inventory_store
from assessments.store import register as register_store
from assessments.store import risks as risk_store
from assessments.store.db import Database
from tests.factories import system_input
from tests.leadership_fixtures import Portfolio, build_portfolio
from tests.risk_factories import rating_input, risk_input

STORE = Path(__file__).resolve().parents[2] / "assessments" / "store"
# The only modules that may name the mapping table: the one placement rule, and the criteria
# store that writes the table when a criteria version is saved.
MAY_NAME_THE_MAP = {"risk_rules.py", "criteria.py"}


def test_only_the_placement_rule_joins_the_cell_map() -> None:
    """A hand-written join of `criteria_cell_map` is a second placement rule waiting to drift
    from the first: every query places ratings through `risk_rules.placed_on`."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(STORE.rglob("*.py"))
        if path.name not in MAY_NAME_THE_MAP
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "criteria_cell_map" in line
    ]
    assert offenders == [], f"Use risk_rules.placed_on instead of joining the map: {offenders}"


def test_the_placement_rule_carries_the_stored_level_beside_the_cell(db: Database) -> None:
    """`placed_on` keeps the rating as stored and adds the cell of the grid it is placed on."""
    portfolio = build_portfolio(db)
    criteria_store.save_criteria(db, "Ada", presets()["preset_4x4"])
    sql = (
        "SELECT risk_id, level, level_rank, placed_likelihood, placed_severity, placed_level,"
        " placed_rank, placed_colour, mapped"
        f" FROM ({register_store.rules.placed_on('$version', 'risk_current_ratings')})"
        " WHERE tier = 'residual' AND risk_id = $risk_id"
    )
    row = db.query_records(sql, {"version": 2, "risk_id": portfolio.r2})[0]
    # R2's residual L4 S4 High under 5 x 5 lands on L3 S3 of the 4 x 4 grid, itself High.
    assert (row["level"], row["placed_likelihood"], row["placed_severity"]) == ("High", 3, 3)
    assert row["placed_level"] == "High" and row["mapped"] and row["placed_colour"]


def _per_level(frame, level: str = "level", count: str | None = "count") -> Counter[str]:
    totals: Counter[str] = Counter()
    for row in frame.itertuples(index=False):
        value = int(getattr(row, count)) if count else 1
        if value:
            totals[str(getattr(row, level))] += value
    return totals


@pytest.fixture
def older_criteria(db: Database) -> Portfolio:
    """The hand-worked portfolio rated under 5 x 5 criteria, then a 4 x 4 version with a
    tighter appetite (Low), and one risk re-rated under it: a mix of placed and native
    ratings."""
    snapshots.clear_snapshots()
    portfolio = build_portfolio(db)
    four = presets()["preset_4x4"]
    criteria_store.save_criteria(db, "Ada", four.model_copy(update={"appetite": "Low"}))
    risk_store.record_rating(
        db, "Ada", rating_input(portfolio.r3, "inherent", likelihood=2, severity=2)
    )
    return portfolio


def test_heatmaps_top_risks_attention_and_register_agree_under_older_criteria(
    db: Database, older_criteria: Portfolio
) -> None:
    version = criteria_store.current_criteria(db).version
    assert version == 2
    cells = heatmaps.heatmap_counts(db)
    assert int(cells["mapped_count"].sum()) > 0  # the older ratings really are placed
    # Per tier: the portfolio heatmap, the register's heatmap and, for the residual tier,
    # each system's level counts put every rating at the same level.
    for tier in ("inherent", "residual", "target"):
        ours = cells[cells["tier"] == tier]
        theirs = register_store.matrix_counts(db, tier)
        assert _per_level(ours) == _per_level(theirs), tier
    residual = Counter[str]()
    for system_id in {older_criteria.alpha, older_criteria.beta}:
        counts = risk_summary.residual_level_counts(db, system_id)
        counts = counts[counts["colour"].notna()]
        residual.update(_per_level(counts, count="risks"))
    assert residual == _per_level(cells[cells["tier"] == "residual"])

    # Where each risk stands (residual, else inherent): the top risks, the register's current
    # heatmap and the last period of the trend of the current tier.
    top = heatmaps.top_risks(db, limit=100)
    standing = register_store.matrix_counts(db, CURRENT_TIER)
    assert _per_level(top, count=None) == _per_level(standing)
    today = date.today()
    trend = trends.level_trend(db, period_ends(today, today, "month", today), CURRENT_TIER)
    last = trend[trend["period_start"] == trend["period_start"].max()]
    assert _per_level(last) == _per_level(standing)
    # Each risk's tier levels in the top list are the cells the heatmap lists it in.
    for row in top.itertuples(index=False):
        for tier in ("inherent", "residual"):
            likelihood = getattr(row, f"{tier}_likelihood")
            if pd.isna(likelihood):  # not rated
                continue
            listed, _ = heatmaps.risks_in_heatmap_cell(
                db, tier, int(likelihood), int(getattr(row, f"{tier}_severity"))
            )
            cell = listed.set_index("risk_id").loc[row.risk_id]
            assert cell["cell_level"] == getattr(row, f"{tier}_level")
        # and its own path ends on the same cell.
        path = trends.risk_path(db, int(row.risk_id))
        latest = path[path["tier"] == row.effective_tier].iloc[-1]
        assert latest["level"] == row.level

    # The attention figures count exactly the risks the top list and the register flag.
    counts = attention_store.attention_counts(db)
    assert counts["rated"] == int(standing["count"].sum()) == len(top)
    assert counts["mapped_ratings"] == int(cells["mapped_count"].sum())
    findings = register_store.consistency_checks(db)
    for key in ("above_current_appetite", "above_appetite_no_acceptance"):
        listed, total = attention_store.attention_list(db, key)
        assert total == counts[key]
    flagged, total = attention_store.attention_list(db, "above_current_appetite")
    assert total >= 1
    assert set(flagged["risk_id"]) == set(
        findings[findings["check"] == "above_current_appetite"]["risk_id"]
    )
    assert set(flagged["risk_id"]) == {
        row.risk_id
        for row in top.itertuples(index=False)
        if not row.above_appetite and row.level_rank > row.acceptable_rank
    } - {older_criteria.r3}  # re-rated under v2: simply above (or not) the appetite
    assert counts["above_appetite"] == int(register_store.register_summary(db)["above_appetite"])


# --- one limit for a risk, a system and the portfolio -------------------------------------------


def test_a_systems_path_is_drawn_at_its_strictest_limit(db: Database) -> None:
    """The Trends page drew a system whose only risk is a fairness risk (tolerance Low) against
    the general appetite (Medium), while the register and the portfolio judged that risk
    against Low: the system's line is now its risks' limit, the same as the risk's own."""
    snapshots.clear_snapshots()
    criteria = criteria_store.current_criteria(db)
    assert criteria.appetite == "Medium" and criteria.tolerances.get("fairness") == "Low"
    system = inventory_store.create_system(db, "Ada", system_input(name="Fair Lending")).id
    risk = risk_store.create_risk(db, "Ada", risk_input(system, harm_category="fairness")).id
    risk_store.record_rating(
        db, "Ada", rating_input(risk, "residual", likelihood=2, severity=3)
    )  # Medium: above Low
    names = [level.name for level in criteria.levels]
    low, medium = names.index("Low") + 1, names.index("Medium") + 1
    only_this = PortfolioFilter(system_ids=[system])
    assert trends.acceptable_limit(db, risk_id=risk) == low
    assert trends.acceptable_limit(db, only_this) == low
    assert trends.risk_summary(db, risk)["appetite_rank"] == low
    # The register agrees: the risk is above, against the Low tolerance.
    assert attention_store.attention_counts(db, only_this)["above_appetite"] == 1
    # Another system with a privacy risk only is drawn at the general appetite; the portfolio
    # line is the strictest of all.
    other = inventory_store.create_system(db, "Ada", system_input(name="Chat")).id
    risk_store.create_risk(db, "Ada", risk_input(other, harm_category="privacy"))
    assert trends.acceptable_limit(db, PortfolioFilter(system_ids=[other])) == medium
    assert trends.acceptable_limit(db) == low
    empty = inventory_store.create_system(db, "Ada", system_input(name="Empty")).id
    assert trends.acceptable_limit(db, PortfolioFilter(system_ids=[empty])) == medium
