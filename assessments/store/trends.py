"""The leadership view over time, from the append-only rating history: risks per level per
period, what moved since a day, one risk's or one system's path and the decisions on it, and
the limit (appetite or tolerance) a path is drawn against."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from assessments.analytics import (
    CURRENT_TIER,
    LIST_LIMIT,
    TREND_TIERS,
    PeriodEnd,
    PortfolioFilter,
    end_of_day,
)
from assessments.store import analytics_common as common
from assessments.store import risk_rules as rules
from assessments.store.analytics_common import TIER_ORDER, current_criteria_version
from assessments.store.db import Database
from assessments.store.snapshots import snapshot


def level_changes(
    database: Database,
    since: date,
    filters: PortfolioFilter | None = None,
    limit: int = LIST_LIMIT,
    until: date | None = None,
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Risks whose effective level (residual, else inherent) moved between the end of `since`
    and now, or the end of `until` (the risks in scope then: known by that day).

    Returns the moved risks (risk_id, system_name, title, owner, level_then, rank_then,
    level_now, rank_now, change: 'up', 'down' or 'new': rated for the first time, which includes
    risks identified after `since`), largest move first, and the counts
    {'up', 'down', 'new', 'same'} ('now' is `until` when given).
    """
    filters = filters or PortfolioFilter()
    if until is not None and until >= date.today():
        until = None

    def compute() -> tuple[pd.DataFrame, dict[str, int]]:
        params: dict[str, Any] = {
            "version": current_criteria_version(database),
            "limit": int(limit),
        }
        scope = common.scope_sql(filters, params, until)
        params["since_cutoff"] = end_of_day(since)
        # Only a risk with an inherent or residual rating dated after `since` can have moved:
        # for every other risk the rating in force then is the one in force now.
        then_source = common.source_sql(
            since, params, only="SELECT risk_id FROM rated_since", cutoff="then_cutoff"
        )
        # As of a day, every risk's ratings are placed and `compared` applies the scope:
        # PostgreSQL cannot estimate a placement over that history (a union), and a filter on
        # the scope after it was planned as a nested loop over every risk in scope (minutes).
        now_source = common.source_sql(until, params, cutoff="now_cutoff")
        in_scope = "" if until else " WHERE risk_id IN (SELECT risk_id FROM scoped)"
        sql = (
            f"WITH scoped AS ({scope}),"
            f" placed_now AS ({common.placed_sql(now_source)}{in_scope}),"
            " rated_since AS (SELECT DISTINCT risk_id FROM placed_now"
            "  WHERE tier IN ('residual', 'inherent') AND rated_at >= $since_cutoff),"
            f" placed_then AS ({common.placed_sql(then_source)}),"
            f" now_state AS ({common.effective('placed_now')}),"
            f" then_state AS ({common.effective('placed_then')}),"
            " compared AS (SELECT sc.risk_id, sc.system_id, sc.system_name, sc.title, sc.owner,"
            "  coalesce(t.level, CASE WHEN m.risk_id IS NULL THEN n.level END) AS level_then,"
            "  coalesce(t.level_rank, CASE WHEN m.risk_id IS NULL THEN n.level_rank END)"
            "   AS rank_then,"
            "  n.level AS level_now, n.level_rank AS rank_now,"
            "  CASE WHEN n.level_rank IS NULL THEN 'unrated'"
            "   WHEN m.risk_id IS NULL THEN 'same'"
            "   WHEN t.level_rank IS NULL THEN 'new'"
            "   WHEN n.level_rank > t.level_rank THEN 'up'"
            "   WHEN n.level_rank < t.level_rank THEN 'down' ELSE 'same' END AS change"
            "  FROM scoped sc LEFT JOIN now_state n ON n.risk_id = sc.risk_id"
            "  LEFT JOIN rated_since m ON m.risk_id = sc.risk_id"
            "  LEFT JOIN then_state t ON t.risk_id = sc.risk_id),"
            " summary AS (SELECT count(*) FILTER (WHERE change = 'up') AS n_up,"
            "  count(*) FILTER (WHERE change = 'down') AS n_down,"
            "  count(*) FILTER (WHERE change = 'new') AS n_new,"
            "  count(*) FILTER (WHERE change = 'same') AS n_same FROM compared),"
            " moved AS (SELECT * FROM compared WHERE change IN ('up', 'down', 'new')"
            "  ORDER BY abs(coalesce(rank_now, 0) - coalesce(rank_then, 0)) DESC,"
            "  rank_now DESC NULLS LAST, risk_id LIMIT $limit)"
            " SELECT summary.*, moved.* FROM summary LEFT JOIN moved ON TRUE"
            " ORDER BY abs(coalesce(moved.rank_now, 0) - coalesce(moved.rank_then, 0)) DESC,"
            " moved.rank_now DESC NULLS LAST, moved.risk_id"
        )
        frame = common.query(database, sql, params)
        counts = {key: int(frame[f"n_{key}"].iloc[0]) for key in ("up", "down", "new", "same")}
        moved = frame[frame["change"].notna()].drop(columns=["n_up", "n_down", "n_new", "n_same"])
        return moved.reset_index(drop=True), counts

    return snapshot(
        database,
        "changes",
        (since, until, filters.cache_key(), limit),
        compute,
        version=common.version_for(database, until),
    )


TREND_COLUMNS = [
    "period_start",
    "label",
    "cutoff",
    "level",
    "level_rank",
    "colour",
    "count",
    "above_appetite",
]


def level_trend(
    database: Database,
    periods: Sequence[PeriodEnd],
    tier: str = "residual",
    filters: PortfolioFilter | None = None,
) -> pd.DataFrame:
    """How many risks stood at each level at the end of each period (from the history), and
    how many of them were above the appetite.

    `tier` is 'inherent', 'residual', 'target' or CURRENT_TIER (where each risk stands: its
    residual rating, else its inherent one, as the register and the portfolio judge it; its
    latest period is then exactly the register's "Above appetite", accepted or not).
    A rating is in force from its `rated_at` until the next rating of the same risk and tier
    (for CURRENT_TIER: the next residual rating, or the next inherent one while there is no
    residual rating yet); every level of the current criteria is listed for every period (0
    when none). Levels are the cells the ratings are placed in on the current criteria;
    `above_appetite` judges each rating as the register does (store/risk_rules.py: under the
    version it was made under, against its harm category's tolerance; a closed risk or a risk
    of a retired system never counts) and is the period's total, the same on every row of that
    period. Columns: period_start, label, cutoff, level, level_rank, colour, count,
    above_appetite.
    """
    if tier not in (*TIER_ORDER, CURRENT_TIER):
        raise ValueError(f"'{tier}' is not a tier; use one of {', '.join(TREND_TIERS)}.")
    filters = filters or PortfolioFilter()
    if not periods:
        return pd.DataFrame(columns=TREND_COLUMNS)
    key = tuple((period.start, period.cutoff) for period in periods)
    months_per_period = 3 if period_kind(periods) == "quarter" else 1

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {
            "version": current_criteria_version(database),
            "tier": tier,
            "first_month": _month_number(periods[0].start),
            "step": months_per_period,
            "last_index": len(periods) - 1,
            "positions": list(range(len(periods))),
            "starts": [period.start for period in periods],
            "labels": [period.label for period in periods],
            "cutoffs": [period.cutoff for period in periods],
        }
        scope = common.scope_sql(filters, params)
        every_status = common.scope_sql(filters.model_copy(update={"include_closed": True}), params)
        named = common.named_systems(filters, params, "st.system_id")
        # A rating counts in the period holding its rated_at and in every later one until the
        # period holding the next rating of the same risk and tier: +1 / -1 events per period,
        # summed cumulatively (one window over the ratings of one tier, no range join). The
        # few risks whose status (or whose system's) ever changed are judged apart, period by
        # period, with the status they had at its end (store/risk_rules.py), so closing a
        # risk or retiring a system today never rewrites the past.
        index = (
            "greatest(0, CAST(floor(CAST(date_part('year', {0}) * 12 + date_part('month', {0})"
            " - 1 - $first_month AS DOUBLE PRECISION) / $step) AS INTEGER))"
        )
        status_then = (
            "SELECT sc.risk_id, sc.system_id, sc.harm_category, p.position,"
            " coalesce(rs.status, sc.status) AS status,"
            " coalesce(ss.status, sc.system_status) AS system_status"
            " FROM changed_scope sc CROSS JOIN periods p"
            " LEFT JOIN risk_status rs ON rs.record_id = sc.risk_id AND rs.position = p.position"
            " LEFT JOIN system_status ss ON ss.record_id = sc.system_id"
            "  AND ss.position = p.position"
        )
        in_scope_then = rules.in_scope(
            "st.status", filters.include_closed, "st.system_status", named
        )
        above_then = rules.above_appetite(
            "h.level_rank", "st.status", system_status="st.system_status"
        )
        changed_counts = (
            "SELECT l.position, h.placed_rank AS level_rank, count(*) AS count,"
            f" count(*) FILTER (WHERE {above_then}) AS above"
            " FROM (SELECT DISTINCT ON (p.position, h.risk_id) p.position, h.risk_id,"
            " h.id AS rating_id FROM tier_ratings h JOIN changed_scope sc ON sc.risk_id = h.risk_id"
            "  CROSS JOIN periods p WHERE h.rated_at < p.cutoff"
            "  ORDER BY p.position, h.risk_id, h.rated_at DESC, h.id DESC) l"
            f" JOIN ({rules.placed_on('$version', 'tier_ratings')}) h ON h.id = l.rating_id"
            " JOIN status_then st ON st.risk_id = l.risk_id AND st.position = l.position"
            f" {rules.appetite_joins('h.criteria_version', 'st.harm_category')}"
            f" WHERE {in_scope_then}"
            " GROUP BY l.position, h.placed_rank"
        )
        sql = (
            f"WITH changed AS ({rules.status_changed_risks()}),"
            f" scoped AS (SELECT * FROM ({scope}) unchanged WHERE risk_id NOT IN"
            "  (SELECT risk_id FROM changed)),"
            f" changed_scope AS (SELECT * FROM ({every_status}) every_risk WHERE risk_id IN"
            "  (SELECT risk_id FROM changed)),"
            " periods AS (SELECT unnest($starts::DATE[]) AS period_start,"
            "  unnest($labels::VARCHAR[]) AS label, unnest($cutoffs::TIMESTAMP[]) AS cutoff,"
            "  unnest($positions::INTEGER[]) AS position),"
            " risk_status AS ("
            + rules.status_at_each("risk", "periods", "SELECT risk_id FROM changed_scope")
            + "), system_status AS ("
            + rules.status_at_each("ai_system", "periods", "SELECT system_id FROM changed_scope")
            + f"), status_then AS ({status_then}),"
            f" tier_ratings AS ({_trend_ratings(tier)}),"
            f" changed_counts AS ({changed_counts}),"
            " history AS (SELECT h.likelihood, h.severity, h.criteria_version, h.rated_at,"
            "  h.level_rank AS own_rank, sc.status, sc.system_status, sc.harm_category, h.until"
            "  FROM tier_ratings h JOIN scoped sc ON sc.risk_id = h.risk_id),"
            " placed AS (SELECT h.rated_at, h.until, h.placed_rank AS level_rank,"
            f"  {rules.above_appetite('h.own_rank', 'h.status', system_status='h.system_status')}"
            f"   AS above FROM ({rules.placed_on('$version', 'history')}) h"
            f" {rules.appetite_joins('h.criteria_version', 'h.harm_category')}),"
            f" events AS (SELECT {index.format('rated_at')} AS position, level_rank, above,"
            "  1 AS change FROM placed"
            f"  UNION ALL SELECT {index.format('until')}, level_rank, above, -1 FROM placed"
            "  WHERE until IS NOT NULL),"
            " steps AS (SELECT position, level_rank, sum(change) AS change,"
            "  coalesce(sum(change) FILTER (WHERE above), 0) AS above_change FROM events"
            "  WHERE position <= $last_index GROUP BY position, level_rank),"
            " above_totals AS (SELECT p.position, sum(coalesce(a.change, 0)) OVER"
            "  (ORDER BY p.position ROWS UNBOUNDED PRECEDING)"
            "  + coalesce((SELECT sum(c.above) FROM changed_counts c"
            "   WHERE c.position = p.position), 0) AS above FROM periods p"
            "  LEFT JOIN (SELECT position, sum(above_change) AS change FROM steps"
            "   GROUP BY position) a ON a.position = p.position),"
            " grid AS (SELECT p.*, lv.name AS level, lv.level_rank, lv.colour FROM periods p"
            "  CROSS JOIN criteria_levels lv WHERE lv.version = $version)"
            " SELECT g.period_start, g.label, g.cutoff, g.level, g.level_rank, g.colour,"
            " (sum(coalesce(s.change, 0)) OVER (PARTITION BY g.level_rank ORDER BY g.position"
            "  ROWS UNBOUNDED PRECEDING) + coalesce(c.count, 0))::INTEGER AS count,"
            " t.above::INTEGER AS above_appetite"
            " FROM grid g LEFT JOIN steps s ON s.position = g.position"
            "  AND s.level_rank = g.level_rank"
            " LEFT JOIN changed_counts c ON c.position = g.position"
            "  AND c.level_rank = g.level_rank"
            " JOIN above_totals t ON t.position = g.position"
            " ORDER BY g.period_start, g.level_rank"
        )
        return common.query(database, sql, params)[TREND_COLUMNS]

    return snapshot(database, "trend", (tier, filters.cache_key(), key), compute)


def _month_number(day: date) -> int:
    """Months since year 0 (the period index of a rating is its month's number minus the
    first period's, divided by the months per period)."""
    return day.year * 12 + day.month - 1


def _trend_ratings(tier: str) -> str:
    """The ratings that make the history of `tier` (a relation over `risk_ratings`), each with
    `until`, when the next of them replaced it (NULL: still in force): the tier's own, or for
    CURRENT_TIER every residual rating and the inherent ratings made while the risk had no
    residual rating yet (so each starts where the risk then stood).

    One sort of the history serves both: an inherent rating kept is followed by the very next
    rating (an inherent one is kept too, as no residual came before it), a residual rating by
    the next residual one."""
    window = "OVER (PARTITION BY risk_id ORDER BY rated_at, id"
    if tier != CURRENT_TIER:
        return (
            f"SELECT {_TREND_RATING_COLUMNS}, lead(rated_at) {window}) AS until"
            " FROM risk_ratings WHERE tier = $tier"
        )
    return (
        f"SELECT {_TREND_RATING_COLUMNS}, until FROM (SELECT {_TREND_RATING_COLUMNS},"
        f" count(*) FILTER (WHERE tier = 'residual') {window} ROWS UNBOUNDED PRECEDING)"
        " AS residuals,"
        " CASE WHEN tier = 'residual' THEN min(rated_at) FILTER (WHERE tier = 'residual')"
        f" {window} ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
        f" ELSE lead(rated_at) {window}) END AS until"
        " FROM risk_ratings WHERE tier IN ('inherent', 'residual')) counted"
        " WHERE tier = 'residual' OR residuals = 0"
    )


# Only what a trend reads of a rating: the history is sorted and kept in memory, where the
# texts of a rating (rationale, rater) would only make it spill to disk on PostgreSQL.
_TREND_RATING_COLUMNS = (
    "id, risk_id, tier, rated_at, likelihood, severity, level_rank, criteria_version"
)


def period_kind(periods: Sequence[PeriodEnd]) -> str:
    """'quarter' when the periods start three months apart, else 'month'."""
    if len(periods) > 1:
        first, second = periods[0].start, periods[1].start
        if (second.year - first.year) * 12 + second.month - first.month == 3:
            return "quarter"
    elif periods and periods[0].label.startswith("Q"):
        return "quarter"
    return "month"


def risk_path(database: Database, risk_id: int) -> pd.DataFrame:
    """Every rating of one risk on the current criteria, oldest first.

    Columns: rating_id, tier, rated_at, likelihood, severity (mapped), level, level_rank,
    colour, method, workshop_id, rated_by, criteria_version, mapped.
    """

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {
            "version": current_criteria_version(database),
            "risk_id": int(risk_id),
        }
        sql = (
            "SELECT h.id AS rating_id, h.tier, h.rated_at, h.placed_likelihood AS likelihood,"
            " h.placed_severity AS severity, h.placed_level AS level,"
            " h.placed_rank AS level_rank, h.placed_colour AS colour,"
            " h.method, h.workshop_id, h.rated_by, h.criteria_version, h.mapped"
            f" FROM ({rules.placed_on('$version', 'risk_ratings')}) h"
            " WHERE h.risk_id = $risk_id ORDER BY h.rated_at, h.id"
        )
        return common.query(database, sql, params)

    return snapshot(database, "risk_path", (int(risk_id),), compute)


def system_path(
    database: Database, system_id: int, filters: PortfolioFilter | None = None
) -> pd.DataFrame:
    """One system's path: at each moment one of its ratings changed, the highest level per tier
    over its risks in scope (the system is as exposed as its worst risk).

    Columns: moment, tier, level_rank, level, colour, risks (how many risks had a rating of
    that tier then), above (how many of those were above the appetite, judged as the register
    judges it: store/risk_rules.py).
    """
    base = filters or PortfolioFilter()
    filters = base.model_copy(update={"system_ids": (int(system_id),)})

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {"version": current_criteria_version(database)}
        scope = common.scope_sql(filters, params)
        system_status = common.SYSTEM_STATUS
        sql = (
            f"WITH scoped AS ({scope}),"
            " history AS (SELECT h.risk_id, h.tier, h.rated_at, h.placed_rank AS level_rank,"
            "  lead(h.rated_at) OVER (PARTITION BY h.risk_id, h.tier ORDER BY h.rated_at, h.id)"
            "   AS until,"
            f"  {rules.above_appetite('h.level_rank', 'sc.status', system_status=system_status)}"
            "   AS above"
            f"  FROM ({rules.placed_on('$version', 'risk_ratings')}) h"
            "  JOIN scoped sc ON sc.risk_id = h.risk_id"
            f" {rules.appetite_joins('h.criteria_version', 'sc.harm_category')}),"
            " moments AS (SELECT DISTINCT rated_at AS moment FROM history),"
            " states AS (SELECT m.moment, h.tier, max(h.level_rank) AS level_rank,"
            "  count(*) AS risks, count(*) FILTER (WHERE h.above) AS above"
            "  FROM moments m JOIN history h ON h.rated_at <= m.moment"
            "   AND (h.until IS NULL OR h.until > m.moment) GROUP BY m.moment, h.tier)"
            " SELECT st.moment, st.tier, st.level_rank, lv.name AS level, lv.colour,"
            " st.risks::INTEGER AS risks, st.above::INTEGER AS above"
            " FROM states st JOIN criteria_levels lv ON lv.version = $version"
            "  AND lv.level_rank = st.level_rank"
            " ORDER BY st.moment, st.tier"
        )
        return common.query(database, sql, params)

    return snapshot(database, "system_path", (int(system_id), filters.cache_key()), compute)


def decisions(
    database: Database, *, risk_id: int | None = None, system_id: int | None = None
) -> pd.DataFrame:
    """The decisions to mark on a path: acceptances, workshop consensus ratings and treatment
    actions done, for one risk or one system's risks, oldest first.

    Columns: moment, kind ('acceptance', 'workshop', 'action_done'), risk_id, title, detail.
    """
    if (risk_id is None) == (system_id is None):
        raise ValueError("Give either a risk or a system.")

    def compute() -> pd.DataFrame:
        params: dict[str, Any] = {}
        if risk_id is not None:
            params["risk_id"] = int(risk_id)
            chosen = "SELECT id, title FROM risks WHERE id = $risk_id"
        else:
            params["system_id"] = int(system_id)
            chosen = "SELECT id, title FROM risks WHERE system_id = $system_id"
        sql = (
            f"WITH chosen AS ({chosen})"
            # An acceptance is dated by day; on a day that also holds the rating it accepts,
            # it is marked just after that rating, never before it.
            " SELECT greatest(CAST(a.approved_at AS TIMESTAMP), coalesce(accepted.rated_at"
            "  + INTERVAL '1 minute', CAST(a.approved_at AS TIMESTAMP))) AS moment,"
            " 'acceptance' AS kind, a.risk_id,"
            " c.title, 'Residual ' || a.level || ' accepted by ' || a.approved_by AS detail,"
            " a.valid_until, a.revoked_at"
            " FROM risk_acceptances a JOIN chosen c ON c.id = a.risk_id"
            " LEFT JOIN risk_ratings accepted ON accepted.id = a.rating_id"
            "  AND CAST(accepted.rated_at AS DATE) = a.approved_at"
            " UNION ALL"
            " SELECT h.rated_at, 'workshop', h.risk_id, c.title,"
            " 'Workshop consensus: ' || h.tier || ' ' || h.level"
            " || ' (L' || h.likelihood || ' x S' || h.severity || ')', NULL, NULL"
            " FROM risk_ratings h JOIN chosen c ON c.id = h.risk_id WHERE h.method = 'workshop'"
            " UNION ALL"
            " SELECT CAST(t.completed_at AS TIMESTAMP), 'action_done', t.risk_id, c.title,"
            " 'Treatment done: ' || t.title, NULL, NULL"
            " FROM risk_actions t JOIN chosen c ON c.id = t.risk_id"
            " WHERE t.status = 'done' AND t.completed_at IS NOT NULL"
            " ORDER BY moment, kind, risk_id"
        )
        frame = common.query(database, sql, params)
        return _with_acceptance_dates(frame).drop(columns=["valid_until", "revoked_at"])

    return snapshot(database, "decisions", (risk_id, system_id), compute)


def _with_acceptance_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The acceptances' details completed with their end and revocation days, written as
    people read them ("31 Dec 2026"), the same way on every store."""
    if frame.empty:
        return frame
    frame = frame.copy()
    accepted = frame["kind"] == "acceptance"
    until = pd.to_datetime(frame["valid_until"]).dt.strftime("%d %b %Y")
    revoked = pd.to_datetime(frame["revoked_at"]).dt.strftime("%d %b %Y")
    frame.loc[accepted, "detail"] = (
        frame.loc[accepted, "detail"]
        + " until "
        + until[accepted]
        + (" (revoked " + revoked[accepted] + ")").fillna("")
    )
    return frame


def history_span(database: Database) -> tuple[date, date] | None:
    """The first and last day any rating applies to (None without ratings)."""

    def compute() -> tuple[date, date] | None:
        row = database.query_one("SELECT min(rated_at), max(rated_at) FROM risk_ratings")
        if row is None or row[0] is None:
            return None
        return (row[0].date(), row[1].date())

    return snapshot(database, "span", (), compute)


def as_of_bounds(database: Database) -> tuple[date, date]:
    """The dates an "as of" view can be asked for: from the first rating to today."""
    span = history_span(database)
    today = date.today()
    if span is None:
        return (today - timedelta(days=365), today)
    return (min(span[0], today), today)


def acceptable_limit(
    database: Database, filters: PortfolioFilter | None = None, *, risk_id: int | None = None
) -> int:
    """The rank of the highest level acceptable on the current criteria: the one limit every
    appetite line and its label is drawn at.

    For one risk (`risk_id`): its harm category's tolerance, else the appetite (the register's
    rule, store/risk_rules.py). For the risks in scope of `filters` (one system: filters naming
    it; the portfolio): the strictest of their limits, so a line never shows a level as
    acceptable that the register counts above the appetite for one of them. Without risks:
    the general appetite (0 without criteria).
    """
    filters = filters or PortfolioFilter()

    def compute() -> int:
        params: dict[str, Any] = {"version": current_criteria_version(database)}
        if risk_id is not None:
            params["risk_id"] = int(risk_id)
            risks = "SELECT harm_category FROM risks WHERE id = $risk_id"
        else:
            risks = common.scope_sql(filters, params)
        sql = (
            f"SELECT coalesce((SELECT min({rules.acceptable_rank()}) FROM ({risks}) sc"
            f"{rules.appetite_joins('$version', 'sc.harm_category')}),"
            " (SELECT max_rank FROM criteria_appetite WHERE version = $version"
            " AND harm_category = ''), 0)"
        )
        return int(common.query(database, sql, params).iloc[0, 0])

    key = (filters.cache_key(), None if risk_id is None else int(risk_id))
    return snapshot(database, "limit", key, compute)


def risk_summary(database: Database, risk_id: int) -> dict[str, Any] | None:
    """What a path chart needs to know about one risk: title, system, harm category and the
    rank of the level acceptable for it (`acceptable_limit`)."""
    row = database.query_records(
        "SELECT r.id, r.title, r.harm_category, r.system_id, s.name AS system_name"
        " FROM risks r JOIN ai_systems s ON s.id = r.system_id WHERE r.id = $risk_id",
        {"risk_id": int(risk_id)},
    )
    if not row:
        return None
    return {**row[0], "appetite_rank": acceptable_limit(database, risk_id=int(risk_id))}
