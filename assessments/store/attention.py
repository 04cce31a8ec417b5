"""What needs attention: the headline figures of the leadership view on a day and the risks
(or AI systems) behind each, judged as the register judges them (store/risk_rules.py), and the
impact assessments' overview."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from assessments.analytics import LIST_LIMIT, PortfolioFilter, end_of_day
from assessments.risks import add_months
from assessments.store import analytics_common as common
from assessments.store import risk_rules as rules
from assessments.store.criteria import review_rules
from assessments.store.db import Database
from assessments.store.snapshots import snapshot

# The risks behind each attention figure, as conditions on `assessed a` / `actions act`. The
# keys shared with assessments.risk_checks.CHECKS mean exactly what the register's checks mean.
ATTENTION_CONDITIONS: dict[str, str] = {
    "above_appetite_no_acceptance": "a.active AND a.above_appetite AND a.accepted_until IS NULL",
    "acceptance_expired": "a.active AND a.above_appetite AND a.accepted_until IS NULL"
    " AND a.expired_on IS NOT NULL",
    "action_overdue": "a.active AND coalesce(act.actions_overdue, 0) > 0",
    "review_overdue": "a.active AND a.last_rated_at IS NOT NULL"
    " AND CAST(a.last_rated_at AS DATE) < $review_before",
    "never_rated": "a.active AND a.last_rated_at IS NULL",
    "above_current_appetite": "a.active AND a.mapped AND NOT a.above_appetite"
    " AND a.level_rank > a.today_acceptable_rank",
}


_COUNT_COLUMNS = (
    "risks",
    "rated",
    "above_appetite",
    "accepted",
    *ATTENTION_CONDITIONS,
    "overdue_actions",
    "systems",
    "systems_without_rated_risk",
    "mapped_ratings",
)


def _counts_sql() -> str:
    """One row of headline figures over `assessed a` / `actions act` (the CTE `counts`)."""
    attention = ", ".join(
        f"count(*) FILTER (WHERE {condition})::INTEGER AS {key}"
        for key, condition in ATTENTION_CONDITIONS.items()
    )
    return (
        "SELECT count(*)::INTEGER AS risks,"
        " count(*) FILTER (WHERE a.level_rank IS NOT NULL)::INTEGER AS rated,"
        " count(*) FILTER (WHERE a.active AND a.above_appetite)::INTEGER AS above_appetite,"
        " count(*) FILTER (WHERE a.active AND a.above_appetite"
        "  AND a.accepted_until IS NOT NULL)::INTEGER AS accepted,"
        f" {attention},"
        " coalesce(sum(act.actions_overdue) FILTER (WHERE a.active), 0)::INTEGER"
        "  AS overdue_actions,"
        " (SELECT count(*) FROM systems_scope)::INTEGER AS systems,"
        " (SELECT count(*) FROM systems_unrated)::INTEGER AS systems_without_rated_risk,"
        " (SELECT count(*) FROM placed WHERE mapped)::INTEGER AS mapped_ratings"
        " FROM assessed a LEFT JOIN actions act ON act.risk_id = a.risk_id"
    )


def attention(
    database: Database,
    filters: PortfolioFilter | None = None,
    as_of: date | None = None,
    which: str | None = None,
    limit: int = LIST_LIMIT,
) -> tuple[dict[str, int], pd.DataFrame, int]:
    """The headline figures on a day (today unless `as_of`) for the risks in scope, and the
    risks behind one of them (`which`, a key of ATTENTION_CONDITIONS), in one pass.

    Figures: risks, rated, above_appetite, accepted (above appetite, covered by an acceptance
    in force), one per ATTENTION_CONDITIONS (how many risks), overdue_actions (how many
    actions), systems, systems_without_rated_risk, mapped_ratings (ratings in force made under
    older criteria). The list (RISK_LIST_COLUMNS, worst first, at most `limit` rows) and its
    full count are empty without `which`.
    """
    if which is not None and which not in ATTENTION_CONDITIONS:
        raise ValueError(f"Unknown attention list '{which}'.")
    filters = filters or PortfolioFilter()

    def compute() -> tuple[dict[str, int], pd.DataFrame, int]:
        params: dict[str, Any] = {"limit": int(limit)}
        ctes = common.base_ctes(database, filters, as_of, params) + _systems_ctes(
            filters, params, as_of
        )
        # Rated before this day: due for review on `day` (the register's rule, the months of
        # the current criteria counted back, the month's last day when it is shorter).
        params["review_before"] = add_months(params["day"], -review_rules(database)[1])
        condition = ATTENTION_CONDITIONS[which] if which is not None else "FALSE"
        order = "level_rank DESC NULLS LAST, actions_overdue DESC, lower(system_name), risk_id"
        sql = (
            f"{ctes}, counts AS ({_counts_sql()}),"
            f" listed AS (SELECT {common.risk_list_columns()} FROM assessed a"
            f" LEFT JOIN actions act ON act.risk_id = a.risk_id WHERE {condition}),"
            " page AS (SELECT * FROM listed ORDER BY"
            f" {order} LIMIT $limit)"
            " SELECT "
            + ", ".join(f"counts.{name} AS figure_{name}" for name in _COUNT_COLUMNS)
            + ", (SELECT count(*) FROM listed) AS total, page.*"
            f" FROM counts LEFT JOIN page ON TRUE ORDER BY {order}"
        )
        frame = common.query(database, sql, params)
        figures = {name: int(frame[f"figure_{name}"].iloc[0]) for name in _COUNT_COLUMNS}
        rows, total = common.split_total(
            frame.drop(columns=[f"figure_{name}" for name in _COUNT_COLUMNS])
        )
        return figures, rows, total

    return snapshot(
        database,
        "attention",
        (filters.cache_key(), as_of, which, limit),
        compute,
        version=common.version_for(database, as_of),
    )


def attention_counts(
    database: Database, filters: PortfolioFilter | None = None, as_of: date | None = None
) -> dict[str, int]:
    """The headline figures alone (see `attention`)."""
    return attention(database, filters, as_of)[0]


def attention_list(
    database: Database,
    which: str,
    filters: PortfolioFilter | None = None,
    as_of: date | None = None,
    limit: int = LIST_LIMIT,
) -> tuple[pd.DataFrame, int]:
    """The risks behind one attention figure, worst first, and how many (see `attention`)."""
    if which not in ATTENTION_CONDITIONS:
        raise ValueError(f"Unknown attention list '{which}'.")
    _, rows, total = attention(database, filters, as_of, which, limit)
    return rows, total


def _systems_scope(
    filters: PortfolioFilter, params: dict[str, Any], as_of: date | None = None
) -> tuple[str, list[str]]:
    """The joins and WHERE conditions on `ai_systems s` for the systems in scope: the
    system-level filters (business unit, AI system, EU AI Act class); not retired unless the
    filter includes retired systems or names one; "as of" a past day only those that existed by
    then. The status then is joined once (a subquery per system would rebuild the status
    history for each of them on PostgreSQL)."""
    named = common.named_systems(filters, params, "s.id")
    joins, conditions = "", []
    if not filters.include_closed:
        status = "s.status"
        if as_of is not None:
            params["known_cutoff"] = end_of_day(as_of)
            then = rules.status_as_of("ai_system", "$known_cutoff")
            joins = f" LEFT JOIN ({then}) status_then ON status_then.record_id = s.id"
            status = "coalesce(status_then.status, s.status)"
        conditions.append(f"({rules.system_active(status)} OR {named})")
    if filters.business_units:
        params["business_units"] = list(filters.business_units)
        conditions.append("s.business_unit = ANY($business_units::VARCHAR[])")
    if filters.system_ids:
        conditions.append(named)
    if filters.eu_ai_act_classes:
        params["eu_classes"] = list(filters.eu_ai_act_classes)
        conditions.append(common.class_condition("s.id"))
    if as_of is not None:
        params["known_cutoff"] = end_of_day(as_of)
        conditions.append(rules.system_known_by("s", "$known_cutoff"))
    return joins, conditions or ["TRUE"]


def _systems_ctes(filters: PortfolioFilter, params: dict[str, Any], as_of: date | None) -> str:
    """`systems_scope` (the AI systems in scope, with how many risks in scope each has) and
    `systems_unrated` (those none of whose risks in scope is rated: no risk at all, or only
    unrated ones), after the CTEs of `common.base_ctes` (which judge the risks in scope). The
    risks are counted in one grouped pass, not once per system."""
    joins, conditions = _systems_scope(filters, params, as_of)
    return (
        ", systems_scope AS (SELECT s.id AS system_id, s.name, s.business_unit, s.owner,"
        "  coalesce(per_system.risks, 0) AS risks FROM ai_systems s"
        "  LEFT JOIN (SELECT system_id, count(*) AS risks FROM scope_all GROUP BY system_id)"
        f"  per_system ON per_system.system_id = s.id{joins} WHERE {' AND '.join(conditions)}),"
        " systems_unrated AS (SELECT * FROM systems_scope ss WHERE NOT EXISTS"
        "  (SELECT 1 FROM placed_all p JOIN scope_all sa ON sa.risk_id = p.risk_id"
        "   WHERE sa.system_id = ss.system_id AND p.tier IN ('inherent', 'residual')))"
    )


def systems_without_rated_risk(
    database: Database,
    filters: PortfolioFilter | None = None,
    as_of: date | None = None,
    limit: int = LIST_LIMIT,
) -> tuple[pd.DataFrame, int]:
    """The AI systems behind the figure `systems_without_rated_risk` of `attention`: systems in
    scope (not retired unless included; the filters' business units, systems and EU AI Act
    classes; as of a day, those that existed then) none of whose risks in scope is rated, on
    that day. Columns: system_id, name, business_unit, owner, risks (how many risks in scope
    it has, all unrated)."""
    filters = filters or PortfolioFilter()

    def compute() -> tuple[pd.DataFrame, int]:
        params: dict[str, Any] = {"limit": int(limit)}
        ctes = common.base_ctes(database, filters, as_of, params) + _systems_ctes(
            filters, params, as_of
        )
        sql = (
            f"{ctes}, listed AS (SELECT system_id, name, business_unit, owner,"
            "  risks::INTEGER AS risks FROM systems_unrated)"
            f" {common.with_total('listed', 'lower(name), system_id')}"
        )
        return common.split_total(common.query(database, sql, params))

    return snapshot(
        database,
        "unrated_systems",
        (filters.cache_key(), as_of, limit),
        compute,
        version=common.version_for(database, as_of),
    )


def impact_overview(database: Database, filters: PortfolioFilter | None = None) -> dict[str, Any]:
    """Impact assessments of the AI systems in scope, today (from store.impact).

    Keys: systems, never_assessed, in_progress (a draft, submitted or returned version is the
    latest), stale (the approved assessment is due for review or its system changed since),
    levels (frame: level, level_rank, count of the latest approved impact level per system),
    attention (frame: system_id, name, reason; never assessed or stale, first LIST_LIMIT),
    attention_total (how many systems that list has in all).
    """
    from assessments.store import impact as impact_store

    filters = filters or PortfolioFilter()

    def compute() -> dict[str, Any]:
        params: dict[str, Any] = {}
        # Retired systems are never assessed again: out of these figures whatever the filter.
        joins, conditions = _systems_scope(filters, params)
        conditions = [*conditions, rules.system_active("s.status")]
        ids = common.query(
            database,
            f"SELECT s.id FROM ai_systems s{joins} WHERE {' AND '.join(conditions)}",
            params,
        )["id"]
        status = impact_store.assessment_status_by_system(database)
        status = status[status["system_id"].isin(ids)]
        never = status["response_id"].isna()
        stale = status["stale"].astype(bool)
        in_progress = status["status"].isin(["draft", "submitted", "returned"])
        approved = status[status["approved_level"].notna()]
        levels = (
            approved.groupby(["approved_level", "approved_level_rank"], as_index=False)
            .size()
            .rename(
                columns={
                    "approved_level": "level",
                    "approved_level_rank": "level_rank",
                    "size": "count",
                }
            )
            .sort_values("level_rank", ignore_index=True)
        )
        reasons = pd.Series("", index=status.index, dtype="string")
        reasons[never] = "Never assessed"
        reasons[stale] = "Due or stale: " + status.loc[stale, "stale_reason"].astype("string")
        flagged = status[never | stale].assign(reason=reasons[never | stale])
        attention = flagged[["system_id", "system_name", "reason"]].rename(
            columns={"system_name": "name"}
        )
        return {
            "systems": len(status),
            "never_assessed": int(never.sum()),
            "in_progress": int(in_progress.sum()),
            "stale": int(stale.sum()),
            "levels": levels,
            "attention": attention.head(LIST_LIMIT).reset_index(drop=True),
            "attention_total": len(attention),
        }

    return snapshot(database, "impact", (filters.cache_key(),), compute)
