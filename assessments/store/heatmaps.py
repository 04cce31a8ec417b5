"""The portfolio heatmaps and the highest risks, every one a query over the risks in
scope and their ratings placed on the current criteria (store/analytics_common.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from assessments.analytics import (
    LIST_LIMIT,
    MOVEMENT_RISKS,
    TOP_RISKS,
    PortfolioFilter,
    level_totals,
    movement_frame,
)
from assessments.store import analytics_common as common
from assessments.store.analytics_common import TIER_ORDER, current_criteria_version
from assessments.store.db import Database
from assessments.store.snapshots import snapshot

# --- the portfolio heatmap -----------------------------------------------------------------------


def heatmap_counts(
    database: Database, filters: PortfolioFilter | None = None, as_of: date | None = None
) -> pd.DataFrame:
    """Every cell of the current matrix for each tier, with how many risks sit in it.

    Columns: tier, likelihood, severity, level, level_rank, colour, count, mapped_count (how
    many of those ratings were made under an older criteria version and placed on this grid),
    the shape of `store.register.matrix_counts` plus the tier. Empty cells are included with
    count 0, so a chart always shows the whole grid.
    """
    filters = filters or PortfolioFilter()

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {"version": current_criteria_version(database)}
        sql = (
            f"WITH scoped AS ({common.scope_sql(filters, params, as_of)}),"
            f" placed AS ({common.placed_ratings_sql(as_of, params)}),"
            " counts AS (SELECT p.tier, p.likelihood, p.severity, count(*) AS count,"
            "  count(*) FILTER (WHERE p.mapped) AS mapped_count"
            "  FROM placed p JOIN scoped USING (risk_id) GROUP BY p.tier, p.likelihood, p.severity)"
            " SELECT t.tier, cell.likelihood, cell.severity, cell.level, cell.level_rank,"
            " cell.colour, coalesce(c.count, 0)::INTEGER AS count,"
            " coalesce(c.mapped_count, 0)::INTEGER AS mapped_count"
            " FROM (SELECT unnest(ARRAY['inherent', 'residual', 'target']) AS tier) t"
            " CROSS JOIN criteria_cells cell"
            " LEFT JOIN counts c ON c.tier = t.tier AND c.likelihood = cell.likelihood"
            "  AND c.severity = cell.severity"
            " WHERE cell.version = $version"
            " ORDER BY t.tier, cell.likelihood, cell.severity"
        )
        return common.query(database, sql, params)

    return snapshot(
        database,
        "heatmap",
        (filters.cache_key(), as_of),
        compute,
        version=common.version_for(database, as_of),
    )


def risks_in_heatmap_cell(
    database: Database,
    tier: str,
    likelihood: int,
    severity: int,
    filters: PortfolioFilter | None = None,
    as_of: date | None = None,
    limit: int = LIST_LIMIT,
) -> tuple[pd.DataFrame, int]:
    """The risks whose `tier` rating sits in one cell of the current matrix, and how many.

    Columns: RISK_LIST_COLUMNS (level and colour are where the risk stands: residual, else
    inherent) plus cell_level, cell_likelihood, cell_severity, cell_rated_at, cell_mapped
    (the `tier` rating itself). Ordered by system, then risk; at most `limit` rows, the second
    value is the full count.
    """
    filters = filters or PortfolioFilter()

    def compute() -> tuple[pd.DataFrame, int]:
        params: dict[str, Any] = {
            "tier": tier,
            "likelihood": int(likelihood),
            "severity": int(severity),
            "limit": int(limit),
        }
        in_cell = (
            "SELECT risk_id FROM placed_all WHERE tier = $tier AND likelihood = $likelihood"
            " AND severity = $severity"
        )
        ctes = common.base_ctes(database, filters, as_of, params, restrict=in_cell)
        sql = (
            f"{ctes}, cell_risks AS (SELECT {common.risk_list_columns()}, p.level AS cell_level,"
            " p.likelihood AS cell_likelihood, p.severity AS cell_severity,"
            " p.rated_at AS cell_rated_at, p.mapped AS cell_mapped"
            " FROM placed p JOIN assessed a ON a.risk_id = p.risk_id"
            " LEFT JOIN actions act ON act.risk_id = p.risk_id"
            " WHERE p.tier = $tier AND p.likelihood = $likelihood AND p.severity = $severity)"
            f" {common.with_total('cell_risks', 'lower(system_name), lower(title), risk_id')}"
        )
        return common.split_total(common.query(database, sql, params))

    return snapshot(
        database,
        "cell",
        (tier, int(likelihood), int(severity), filters.cache_key(), as_of, limit),
        compute,
        version=common.version_for(database, as_of),
    )


def level_distribution(
    database: Database, filters: PortfolioFilter | None = None, as_of: date | None = None
) -> pd.DataFrame:
    """How many risks sit at each level per tier: tier, level, level_rank, colour, count.

    The heatmap's numbers summed per level (a small frame: cells, not risks), every level listed.
    """
    return level_totals(heatmap_counts(database, filters, as_of))


def _tier_columns() -> str:
    columns = []
    for tier in TIER_ORDER:
        columns.append(
            f" any_value(p.level) FILTER (WHERE p.tier = '{tier}') AS {tier}_level,"
            f" any_value(p.level_rank) FILTER (WHERE p.tier = '{tier}') AS {tier}_rank,"
            f" any_value(p.colour) FILTER (WHERE p.tier = '{tier}') AS {tier}_colour,"
            f" any_value(p.likelihood) FILTER (WHERE p.tier = '{tier}') AS {tier}_likelihood,"
            f" any_value(p.severity) FILTER (WHERE p.tier = '{tier}') AS {tier}_severity"
        )
    return ",".join(columns)


def _tier_names(alias: str) -> str:
    """The columns of `_tier_columns`, read from `alias`."""
    return ", ".join(
        f"{alias}.{tier}_{field}"
        for tier in TIER_ORDER
        for field in ("level", "rank", "colour", "likelihood", "severity")
    )


# Highest first: the level where the risk stands, then severity, then likelihood (all on the
# current matrix), then the oldest risk.
_TOP_ORDER = (
    "level_rank DESC NULLS LAST, severity DESC NULLS LAST, likelihood DESC NULLS LAST, risk_id"
)


def top_risks(
    database: Database,
    filters: PortfolioFilter | None = None,
    as_of: date | None = None,
    limit: int = TOP_RISKS,
) -> pd.DataFrame:
    """The highest rated risks: where they stand (residual, else inherent) highest first, then
    by severity and likelihood on the current matrix.

    Columns: RISK_LIST_COLUMNS, acceptable_rank, and per tier <tier>_level, <tier>_rank,
    <tier>_colour, <tier>_likelihood, <tier>_severity (placed on the current matrix).
    """
    filters = filters or PortfolioFilter()

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {"limit": int(limit)}
        highest = (
            f"SELECT risk_id FROM ({common.effective('placed_all')}) standing"
            f" ORDER BY {_TOP_ORDER} LIMIT $limit"
        )
        ctes = common.base_ctes(database, filters, as_of, params, restrict=highest)
        sql = (
            f"{ctes}, top AS (SELECT * FROM assessed WHERE level_rank IS NOT NULL),"
            f" tiers AS (SELECT p.risk_id, {_tier_columns()} FROM placed p"
            "  WHERE p.risk_id IN (SELECT risk_id FROM top) GROUP BY p.risk_id)"
            f" SELECT {common.risk_list_columns()}, a.acceptable_rank, a.severity, a.likelihood,"
            f" {_tier_names('tiers')}"
            " FROM top a LEFT JOIN tiers ON tiers.risk_id = a.risk_id"
            " LEFT JOIN actions act ON act.risk_id = a.risk_id"
            f" ORDER BY {_TOP_ORDER.replace('level_rank', 'a.level_rank')}"
        )
        return common.query(database, sql, params)

    return snapshot(
        database,
        "top",
        (filters.cache_key(), as_of, limit),
        compute,
        version=common.version_for(database, as_of),
    )


def movement(
    database: Database,
    filters: PortfolioFilter | None = None,
    *,
    system_id: int | None = None,
    limit: int = MOVEMENT_RISKS,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Each risk's place on the current matrix per tier: inherent -> residual -> target, today
    or as the ratings stood at the end of `as_of`.

    For one system (its highest risks in scope, up to `limit`) or the top risks of the
    portfolio. Long format, one row per risk and rated tier: risk_id, title, system_name,
    tier, likelihood, severity, level, level_rank, colour, rank (1 = the highest risk).
    """
    base = filters or PortfolioFilter()
    if system_id is not None:
        base = base.model_copy(update={"system_ids": (int(system_id),)})

    def compute() -> pd.DataFrame:
        chosen = limit if system_id is not None else max(limit, TOP_RISKS)
        return movement_frame(top_risks(database, base, as_of, limit=chosen).head(limit))

    return snapshot(
        database,
        "movement",
        (base.cache_key(), system_id, limit, as_of),
        compute,
        version=common.version_for(database, as_of),
    )
