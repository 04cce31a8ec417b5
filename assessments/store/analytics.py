"""The leadership view's aggregations, every one a DuckDB query.

Where things are read from, so the pages stay flat at 40,000 risks:
- "now" reads `risk_current_ratings` (one row per risk and tier, kept in the same transaction
  as the append-only history by store/risks.py), never ranks the history;
- "as of" a date and the trends read the history `risk_ratings` (about 400,000 rows at the
  largest scale): one window or aggregate pass in DuckDB, tens of milliseconds;
- every rating is placed on the CURRENT criteria through `criteria_cell_map` (identity for
  ratings under the current version) and gets the level of that cell from `criteria_cells`,
  so all figures use one grid;
- results come back as small frames (cells, counts, the first few hundred rows of a list).

Caching that cannot go stale: `snapshot(...)` (store/snapshots.py) keeps results keyed by the
database's data version, the count and highest id of `audit_events`. Every committed write
records at least one audit event in its own transaction (Database.write refuses to commit
otherwise), so any new rating, action or acceptance changes the key and the next read
recomputes; repeated reruns with no new data (the common case on a projector) reuse the result.
"Today" is part of the key too, because overdue actions and expiries depend on the date. A
figure "as of" a past day is keyed
instead by `history_version(day)`, which a rating dated after that day does not change, so last
quarter's figures survive today's new ratings but not a backdated one or an edit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pandas as pd

from assessments.analytics import (
    CURRENT_TIER,
    LIST_LIMIT,
    MOVEMENT_RISKS,
    TOP_RISKS,
    TREND_TIERS,
    PeriodEnd,
    PortfolioFilter,
    end_of_day,
    level_totals,
    movement_frame,
)
from assessments.regulatory import NOT_SCREENED
from assessments.risk_checks import OPEN_ACTION_STATUSES
from assessments.store import risk_rules as rules
from assessments.store.criteria import review_rules
from assessments.store.db import Database
from assessments.store.snapshots import clear_snapshots as clear_snapshots
from assessments.store.snapshots import data_version as data_version
from assessments.store.snapshots import snapshot

TIER_ORDER = ("inherent", "residual", "target")
_SYSTEM = "sc.system_status"  # the system status column of the `scoped` rows
_OPEN_ACTIONS = rules.sql_list(OPEN_ACTION_STATUSES)

# --- caching keyed by the data version (store/snapshots.py) ---------------------------------------


def history_version(database: Database, day: date) -> tuple[Any, ...]:
    """A token for everything an "as of `day`" figure reads, which (unlike `data_version`)
    does not change when a rating dated after that day is written.

    Ratings are append-only, so the number rated by the end of `day` grows with any backdated
    one. Risks, systems and actions are updated in place with a revision that only grows, so
    their count and revision sum change with any edit; acceptances change by being added or
    revoked; the criteria by a new version; screenings (the EU AI Act filter) are append-only.
    A figure that reads anything else must not use this token.
    """
    params: dict[str, Any] = {"cutoff": end_of_day(day)}
    row = database.query_one(
        "SELECT (SELECT count(*) FROM risk_ratings WHERE rated_at < $cutoff),"
        " (SELECT count(*) || '/' || coalesce(sum(revision), 0) FROM risks),"
        " (SELECT count(*) || '/' || coalesce(sum(revision), 0) FROM ai_systems),"
        " (SELECT count(*) || '/' || coalesce(sum(revision), 0) FROM risk_actions),"
        " (SELECT count(*) || '/' || count(revoked_at) FROM risk_acceptances),"
        " (SELECT coalesce(max(version), 0) FROM criteria_versions),"
        " (SELECT count(*) FROM screenings)",
        params,
    )
    return ("as of", day, *(row or ()))


def _version_for(database: Database, as_of: date | None) -> tuple[Any, ...] | None:
    """The cache token of a figure: the data version for "now", the history version for a
    past day (so a new rating today does not recompute last quarter's figures)."""
    if as_of is None or as_of >= date.today():
        return None
    return history_version(database, as_of)


# --- SQL building blocks -------------------------------------------------------------------------
#
# The rules are the register's, written once in store/risk_rules.py and used by both, so a
# figure here and the register never disagree: a rating is placed on the current matrix through
# criteria_cell_map; the appetite is judged on the level a rating was given under its own
# criteria version; an acceptance covers the residual rating it accepted (or a rating of that
# version no higher); closed risks are out of scope unless included, and never above the
# appetite. What this module adds: any day "as of" (the ratings, acceptances and actions as
# they stood then), risk-level filters (lifecycle stage) and the EU AI Act class.
#
# "As of" a day D reads the business dates, like the ratings' rated_at (when a rating applies,
# which may be backdated): the latest rating per risk and tier rated by the end of D; the
# acceptances approved by D, not yet expired and not revoked by D; an action is open on D when
# it was recorded by then and is open now or was completed after D, and overdue when also due
# before D. (A cancelled action carries no cancellation date, so it never counts as open.)
# Only the risks known by D count (recorded or rated by then, store/risk_rules.py), and only
# the AI systems that existed then, with the status each risk and system had then (closed,
# retired: from the audit trail, store/risk_rules.py). What is not dated stays today's: a risk's
# treatment option and the filters.


def current_criteria_version(database: Database) -> int:
    row = database.query_one("SELECT coalesce(max(version), 0) FROM criteria_versions")
    return int(row[0]) if row else 0


def _class_condition(column: str) -> str:
    """SQL: the EU AI Act class of the system `column` is one of $eu_classes."""
    system_class = (
        f"coalesce((SELECT cs.risk_class FROM current_screenings cs"
        f" WHERE cs.system_id = {column}), '{NOT_SCREENED}')"
    )
    return f"list_contains($eu_classes::VARCHAR[], {system_class})"


def _named_systems(filters: PortfolioFilter, params: dict[str, Any], column: str) -> str:
    """SQL: the filter names the system `column` (which brings a retired system back)."""
    if not filters.system_ids:
        return "FALSE"
    params["system_ids"] = list(filters.system_ids)
    return f"list_contains($system_ids::INTEGER[], {column})"


def _scope_sql(filters: PortfolioFilter, params: dict[str, Any], as_of: date | None = None) -> str:
    """The risks in scope, with what the lists show about them (a CTE body).

    Closed risks and the risks of retired systems only when the filter includes them (or
    names the retired system); "as of" a past day only the risks known by then
    (store/risk_rules.py: recorded or rated by the end of that day).
    """
    named = _named_systems(filters, params, "r.system_id")
    risk_status, system_status, status_joins = "r.status", "s.status", ""
    if as_of is not None:
        params["known_cutoff"] = end_of_day(as_of)
        risk_status, system_status = (
            "coalesce(rs.status, r.status)",
            "coalesce(ss.status, s.status)",
        )
        status_joins = (
            f" LEFT JOIN ({rules.status_as_of('risk', '$known_cutoff')}) rs ON rs.record_id = r.id"
            f" LEFT JOIN ({rules.status_as_of('ai_system', '$known_cutoff')}) ss"
            " ON ss.record_id = s.id"
        )
    conditions = [rules.in_scope(risk_status, filters.include_closed, system_status, named)]
    for field, column in (
        ("business_units", "s.business_unit"),
        ("lifecycle_stages", "r.lifecycle_stage"),
        ("harm_categories", "r.harm_category"),
        ("owners", "r.owner"),
    ):
        values = getattr(filters, field)
        if values:
            params[field] = list(values)
            conditions.append(f"list_contains(${field}::VARCHAR[], {column})")
    if filters.system_ids:
        conditions.append(named)
    if filters.eu_ai_act_classes:
        params["eu_classes"] = list(filters.eu_ai_act_classes)
        conditions.append(_class_condition("s.id"))
    if as_of is not None:
        conditions.append(rules.risk_known_by("r", "$known_cutoff"))
    return (
        "SELECT r.id AS risk_id, r.system_id, s.name AS system_name, s.business_unit, r.title,"
        f" r.owner, {risk_status} AS status, {system_status} AS system_status, r.harm_category,"
        " r.lifecycle_stage, r.treatment_option"
        f" FROM risks r JOIN ai_systems s ON s.id = r.system_id{status_joins}"
        f" WHERE {' AND '.join(conditions)}"
    )


# Orders ratings as `risk_current_ratings` does (latest rated_at, then the later id) in one
# exact number: microseconds since 1970 times 2^63 plus the id (a HUGEINT holds both).
def _latest_key(alias: str = "") -> str:
    prefix = f"{alias}." if alias else ""
    return f"epoch_us({prefix}rated_at)::HUGEINT * 9223372036854775808 + {prefix}id"


def _source_sql(
    as_of: date | None,
    params: dict[str, Any],
    only: str | None = None,
    cutoff: str = "as_of_cutoff",
) -> str:
    """The rating in force per risk and tier: the current table, or the history as of a day
    (the latest rating with rated_at before the end of that day; ties go to the later id,
    the rule store/risks.py keeps `risk_current_ratings` by). The as-of form finds the ids
    with one grouped pass and fetches those rows by key (a window over the whole history is
    several times slower)."""
    if as_of is None:
        return (
            "SELECT risk_id, tier, rating_id, likelihood, severity, level, level_rank,"
            " criteria_version, rated_at FROM risk_current_ratings"
        )
    params[cutoff] = end_of_day(as_of)
    return (
        "SELECT risk_id, tier, id AS rating_id, likelihood, severity, level, level_rank,"
        " criteria_version, rated_at FROM risk_ratings WHERE id IN ("
        f"SELECT arg_max(id, {_latest_key()}) FROM risk_ratings WHERE rated_at < ${cutoff}"
        + (f" AND risk_id IN ({only})" if only else "")
        + " GROUP BY risk_id, tier)"
    )


def _placed_sql(source: str) -> str:
    """Ratings placed on the current criteria ($version): the cell they occupy there and that
    cell's level (likelihood, severity, level, level_rank, colour), next to the rating as
    made (own_level, own_rank under `criteria_version`)."""
    return (
        "SELECT src.risk_id, src.tier, src.rating_id, src.criteria_version, src.rated_at,"
        " src.level AS own_level, src.level_rank AS own_rank,"
        " m.mapped_likelihood AS likelihood, m.mapped_severity AS severity, cell.level,"
        " cell.level_rank, cell.colour, src.criteria_version <> $version AS mapped"
        f" FROM ({source}) src"
        " JOIN criteria_cell_map m ON m.from_version = src.criteria_version"
        "  AND m.to_version = $version AND m.likelihood = src.likelihood"
        "  AND m.severity = src.severity"
        " JOIN criteria_cells cell ON cell.version = $version"
        "  AND cell.likelihood = m.mapped_likelihood AND cell.severity = m.mapped_severity"
    )


def _effective(relation: str) -> str:
    """Where a risk stands: its residual rating, else its inherent one (the register's
    current tier), from a relation of placed ratings."""
    return (
        f"SELECT * FROM {relation} WHERE tier IN ('residual', 'inherent')"
        " QUALIFY row_number() OVER (PARTITION BY risk_id ORDER BY tier = 'residual' DESC) = 1"
    )


# The residual rating in force per risk (on $day), in the shape risk_rules needs.
_PLACED_RESIDUAL = (
    "SELECT risk_id, rating_id, criteria_version, own_rank AS level_rank FROM placed"
    " WHERE tier = 'residual'"
)


def _actions_sql(scoped_only: bool = False) -> str:
    """Per risk on $day: open actions (recorded by then and planned or in progress then; a done
    action counts as open before its completion day), overdue ones among them, and those done
    by then (the completion day is a business date, like a rating's)."""
    open_then = (
        f"(created_at < $day_cutoff AND (status IN ({_OPEN_ACTIONS})"
        " OR (status = 'done' AND completed_at > $day)))"
    )
    return (
        "SELECT risk_id,"
        f" count(*) FILTER (WHERE {open_then}) AS actions_open,"
        f" count(*) FILTER (WHERE {open_then} AND due_date < $day) AS actions_overdue,"
        " count(*) FILTER (WHERE status = 'done' AND completed_at <= $day) AS actions_done"
        " FROM risk_actions"
        + (" WHERE risk_id IN (SELECT risk_id FROM scoped)" if scoped_only else "")
        + " GROUP BY risk_id"
    )


def _assessed_sql() -> str:
    """Per risk in scope: where it stands (effective rating placed on the current matrix), the
    appetite judged as the register judges it, acceptance, expiry and its last rating day."""
    return (
        "SELECT sc.*, e.tier AS effective_tier, e.level, e.level_rank, e.colour, e.likelihood,"
        " e.severity, e.rated_at, e.mapped, e.own_level, e.own_rank, e.criteria_version,"
        " latest.last_rated_at,"
        f" {rules.acceptable_rank()} AS acceptable_rank,"
        f" {rules.above_appetite('e.own_rank', 'sc.status', system_status='sc.system_status')}"
        " AS above_appetite,"
        f" {rules.is_active('sc.status', 'sc.system_status')} AS active,"
        f" {rules.acceptable_rank('today')} AS today_acceptable_rank,"
        " acc.accepted_until, exp.expired_on"
        " FROM scoped sc"
        f" LEFT JOIN ({_effective('placed')}) e ON e.risk_id = sc.risk_id"
        " LEFT JOIN (SELECT risk_id, max(rated_at) AS last_rated_at FROM placed"
        "  GROUP BY risk_id) latest ON latest.risk_id = sc.risk_id"
        f"{rules.appetite_joins('e.criteria_version', 'sc.harm_category')}"
        f"{rules.appetite_joins('$version', 'sc.harm_category', 'today')}"
        " LEFT JOIN acceptance acc ON acc.risk_id = sc.risk_id"
        " LEFT JOIN expired exp ON exp.risk_id = sc.risk_id"
    )


def _day_params(params: dict[str, Any], as_of: date | None) -> date:
    day = as_of or date.today()
    params["day"] = day
    params["day_cutoff"] = end_of_day(day)
    return day


def _with_total(relation: str, order: str) -> str:
    """The first $limit rows of a CTE in `order`, each with the CTE's full row count in `total`;
    a single row with only `total` = 0 when the CTE is empty (one pass, no window function)."""
    return (
        f"SELECT page.*, counted.total FROM (SELECT count(*) AS total FROM {relation}) counted"
        f" LEFT JOIN (SELECT * FROM {relation} ORDER BY {order} LIMIT $limit) page ON TRUE"
        f" ORDER BY {order}"
    )


def _split_total(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows and the total of a `_with_total` result (dropping the empty row it carries
    when the page is empty)."""
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    rows = frame.drop(columns="total")
    rows = rows[rows.iloc[:, 0].notna()] if len(rows.columns) else rows
    return rows.reset_index(drop=True), total


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters a statement mentions (DuckDB refuses the others)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def _query(database: Database, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return database.query_df(sql, _used(sql, params))


def _base_ctes(
    database: Database,
    filters: PortfolioFilter,
    as_of: date | None,
    params: dict[str, Any],
    restrict: str | None = None,
) -> str:
    """The CTEs every risk list and count builds on, ending in `assessed` and `actions`.

    `scope_all` and `placed_all` hold every risk in scope and its ratings in force; `restrict`
    (SQL over those two returning risk ids) narrows the rest to the few risks a list needs, so
    acceptances and actions are only judged where they are shown.
    """
    params["version"] = current_criteria_version(database)
    _day_params(params, as_of)
    narrowed = f" WHERE risk_id IN ({restrict})" if restrict else ""
    in_scope = " WHERE risk_id IN (SELECT risk_id FROM scoped)" if restrict else ""
    return (
        f"WITH scope_all AS ({_scope_sql(filters, params, as_of)}),"
        f" placed_all AS ({_placed_sql(_source_sql(as_of, params))}"
        "  WHERE src.risk_id IN (SELECT risk_id FROM scope_all)),"
        f" scoped AS (SELECT * FROM scope_all{narrowed}),"
        f" placed AS (SELECT * FROM placed_all{in_scope}),"
        f" acceptance AS ({rules.accepted_until_sql(_PLACED_RESIDUAL, '$day')}),"
        f" expired AS ({rules.expired_acceptance_sql('$day')}),"
        f" assessed AS ({_assessed_sql()}),"
        f" actions AS ({_actions_sql(bool(restrict))})"
    )


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
            f"WITH scoped AS ({_scope_sql(filters, params, as_of)}),"
            f" placed AS ({_placed_sql(_source_sql(as_of, params))}),"
            " counts AS (SELECT p.tier, p.likelihood, p.severity, count(*) AS count,"
            "  count(*) FILTER (WHERE p.mapped) AS mapped_count"
            "  FROM placed p JOIN scoped USING (risk_id) GROUP BY ALL)"
            " SELECT t.tier, cell.likelihood, cell.severity, cell.level, cell.level_rank,"
            " cell.colour, coalesce(c.count, 0)::INTEGER AS count,"
            " coalesce(c.mapped_count, 0)::INTEGER AS mapped_count"
            " FROM (SELECT unnest(['inherent', 'residual', 'target']) AS tier) t"
            " CROSS JOIN criteria_cells cell"
            " LEFT JOIN counts c ON c.tier = t.tier AND c.likelihood = cell.likelihood"
            "  AND c.severity = cell.severity"
            " WHERE cell.version = $version"
            " ORDER BY t.tier, cell.likelihood, cell.severity"
        )
        return _query(database, sql, params)

    return snapshot(
        database,
        "heatmap",
        (filters.cache_key(), as_of),
        compute,
        version=_version_for(database, as_of),
    )


RISK_LIST_COLUMNS = [
    "risk_id",
    "system_id",
    "system_name",
    "business_unit",
    "title",
    "owner",
    "status",
    "harm_category",
    "treatment_option",
    "actions_open",
    "actions_overdue",
    "actions_done",
    "effective_tier",
    "level",
    "level_rank",
    "colour",
    "above_appetite",
    "accepted_until",
    "expired_on",
    "last_rated_at",
]


def _risk_list_columns() -> str:
    """The columns every risk list carries (RISK_LIST_COLUMNS), from `assessed a` and
    `actions act`."""
    return (
        "a.risk_id, a.system_id, a.system_name, a.business_unit, a.title, a.owner, a.status,"
        " a.harm_category, a.treatment_option,"
        " coalesce(act.actions_open, 0)::INTEGER AS actions_open,"
        " coalesce(act.actions_overdue, 0)::INTEGER AS actions_overdue,"
        " coalesce(act.actions_done, 0)::INTEGER AS actions_done,"
        " a.effective_tier, a.level, a.level_rank, a.colour, a.above_appetite,"
        " a.accepted_until, a.expired_on, a.last_rated_at"
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
        ctes = _base_ctes(database, filters, as_of, params, restrict=in_cell)
        sql = (
            f"{ctes}, cell_risks AS (SELECT {_risk_list_columns()}, p.level AS cell_level,"
            " p.likelihood AS cell_likelihood, p.severity AS cell_severity,"
            " p.rated_at AS cell_rated_at, p.mapped AS cell_mapped"
            " FROM placed p JOIN assessed a ON a.risk_id = p.risk_id"
            " LEFT JOIN actions act ON act.risk_id = p.risk_id"
            " WHERE p.tier = $tier AND p.likelihood = $likelihood AND p.severity = $severity)"
            f" {_with_total('cell_risks', 'lower(system_name), lower(title), risk_id')}"
        )
        return _split_total(_query(database, sql, params))

    return snapshot(
        database,
        "cell",
        (tier, int(likelihood), int(severity), filters.cache_key(), as_of, limit),
        compute,
        version=_version_for(database, as_of),
    )


# --- top risks and movement ----------------------------------------------------------------------


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


# Highest first: the level where the risk stands, then severity, then likelihood (all on the
# current matrix), then the oldest risk.
_TOP_ORDER = "level_rank DESC, severity DESC, likelihood DESC, risk_id"


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
            f"SELECT risk_id FROM ({_effective('placed_all')}) ORDER BY {_TOP_ORDER} LIMIT $limit"
        )
        ctes = _base_ctes(database, filters, as_of, params, restrict=highest)
        sql = (
            f"{ctes}, top AS (SELECT * FROM assessed WHERE level_rank IS NOT NULL),"
            f" tiers AS (SELECT p.risk_id, {_tier_columns()} FROM placed p"
            "  WHERE p.risk_id IN (SELECT risk_id FROM top) GROUP BY p.risk_id)"
            f" SELECT {_risk_list_columns()}, a.acceptable_rank, a.severity, a.likelihood,"
            " tiers.* EXCLUDE (risk_id)"
            " FROM top a LEFT JOIN tiers ON tiers.risk_id = a.risk_id"
            " LEFT JOIN actions act ON act.risk_id = a.risk_id"
            f" ORDER BY {_TOP_ORDER.replace('level_rank', 'a.level_rank')}"
        )
        return _query(database, sql, params)

    return snapshot(
        database,
        "top",
        (filters.cache_key(), as_of, limit),
        compute,
        version=_version_for(database, as_of),
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
        version=_version_for(database, as_of),
    )


# --- what needs attention ------------------------------------------------------------------------

# The risks behind each attention figure, as conditions on `assessed a` / `actions act`. The
# keys shared with assessments.risk_checks.CHECKS mean exactly what the register's checks mean.
ATTENTION_CONDITIONS: dict[str, str] = {
    "above_appetite_no_acceptance": "a.active AND a.above_appetite AND a.accepted_until IS NULL",
    "acceptance_expired": "a.active AND a.above_appetite AND a.accepted_until IS NULL"
    " AND a.expired_on IS NOT NULL",
    "action_overdue": "a.active AND coalesce(act.actions_overdue, 0) > 0",
    "review_overdue": "a.active AND a.last_rated_at IS NOT NULL"
    " AND CAST(a.last_rated_at AS DATE) < $day - to_months($months)",
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
        params: dict[str, Any] = {"months": review_rules(database)[1], "limit": int(limit)}
        ctes = _base_ctes(database, filters, as_of, params) + _systems_ctes(filters, params, as_of)
        condition = ATTENTION_CONDITIONS[which] if which is not None else "FALSE"
        order = "level_rank DESC NULLS LAST, actions_overdue DESC, lower(system_name), risk_id"
        sql = (
            f"{ctes}, counts AS ({_counts_sql()}),"
            f" listed AS (SELECT {_risk_list_columns()} FROM assessed a"
            f" LEFT JOIN actions act ON act.risk_id = a.risk_id WHERE {condition}),"
            " page AS (SELECT * FROM listed ORDER BY"
            f" {order} LIMIT $limit)"
            " SELECT "
            + ", ".join(f"counts.{name} AS figure_{name}" for name in _COUNT_COLUMNS)
            + ", (SELECT count(*) FROM listed) AS total, page.*"
            f" FROM counts LEFT JOIN page ON TRUE ORDER BY {order}"
        )
        frame = _query(database, sql, params)
        figures = {name: int(frame[f"figure_{name}"].iloc[0]) for name in _COUNT_COLUMNS}
        rows, total = _split_total(
            frame.drop(columns=[f"figure_{name}" for name in _COUNT_COLUMNS])
        )
        return figures, rows, total

    return snapshot(
        database,
        "attention",
        (filters.cache_key(), as_of, which, limit),
        compute,
        version=_version_for(database, as_of),
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
) -> list[str]:
    """WHERE conditions on `ai_systems s` for the systems in scope: the system-level filters
    (business unit, AI system, EU AI Act class); not retired unless the filter includes retired
    systems or names one; "as of" a past day only those that existed by then."""
    named = _named_systems(filters, params, "s.id")
    conditions = []
    if not filters.include_closed:
        status = "s.status"
        if as_of is not None:
            params["known_cutoff"] = end_of_day(as_of)
            then = rules.status_as_of("ai_system", "$known_cutoff")
            status = (
                f"coalesce((SELECT ss.status FROM ({then}) ss WHERE ss.record_id = s.id), s.status)"
            )
        conditions.append(f"({rules.system_active(status)} OR {named})")
    if filters.business_units:
        params["business_units"] = list(filters.business_units)
        conditions.append("list_contains($business_units::VARCHAR[], s.business_unit)")
    if filters.system_ids:
        conditions.append(named)
    if filters.eu_ai_act_classes:
        params["eu_classes"] = list(filters.eu_ai_act_classes)
        conditions.append(_class_condition("s.id"))
    if as_of is not None:
        params["known_cutoff"] = end_of_day(as_of)
        conditions.append(rules.system_known_by("s", "$known_cutoff"))
    return conditions or ["TRUE"]


def _systems_ctes(filters: PortfolioFilter, params: dict[str, Any], as_of: date | None) -> str:
    """`systems_scope` (the AI systems in scope, with how many risks in scope each has) and
    `systems_unrated` (those none of whose risks in scope is rated: no risk at all, or only
    unrated ones), after the CTEs of `_base_ctes` (which judge the risks in scope)."""
    conditions = _systems_scope(filters, params, as_of)
    return (
        ", systems_scope AS (SELECT s.id AS system_id, s.name, s.business_unit, s.owner,"
        "  (SELECT count(*) FROM scope_all sa WHERE sa.system_id = s.id) AS risks"
        f"  FROM ai_systems s WHERE {' AND '.join(conditions)}),"
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
        ctes = _base_ctes(database, filters, as_of, params) + _systems_ctes(filters, params, as_of)
        sql = (
            f"{ctes}, listed AS (SELECT system_id, name, business_unit, owner,"
            "  risks::INTEGER AS risks FROM systems_unrated)"
            f" {_with_total('listed', 'lower(name), system_id')}"
        )
        return _split_total(_query(database, sql, params))

    return snapshot(
        database,
        "unrated_systems",
        (filters.cache_key(), as_of, limit),
        compute,
        version=_version_for(database, as_of),
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
        conditions = [*_systems_scope(filters, params), rules.system_active("s.status")]
        ids = _query(
            database, f"SELECT s.id FROM ai_systems s WHERE {' AND '.join(conditions)}", params
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


def level_distribution(
    database: Database, filters: PortfolioFilter | None = None, as_of: date | None = None
) -> pd.DataFrame:
    """How many risks sit at each level per tier: tier, level, level_rank, colour, count.

    The heatmap's numbers summed per level (a small frame: cells, not risks), every level listed.
    """
    return level_totals(heatmap_counts(database, filters, as_of))


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
        scope = _scope_sql(filters, params, until)
        in_scope = " WHERE src.risk_id IN (SELECT risk_id FROM scoped)"
        params["since_cutoff"] = end_of_day(since)
        # Only a risk with an inherent or residual rating dated after `since` can have moved:
        # for every other risk the rating in force then is the one in force now.
        then_source = _source_sql(
            since, params, only="SELECT risk_id FROM rated_since", cutoff="then_cutoff"
        )
        now_source = _source_sql(until, params, cutoff="now_cutoff")
        sql = (
            f"WITH scoped AS ({scope}),"
            f" placed_now AS ({_placed_sql(now_source)}{in_scope}),"
            " rated_since AS (SELECT DISTINCT risk_id FROM placed_now"
            "  WHERE tier IN ('residual', 'inherent') AND rated_at >= $since_cutoff),"
            f" placed_then AS ({_placed_sql(then_source)}),"
            f" now_state AS ({_effective('placed_now')}),"
            f" then_state AS ({_effective('placed_then')}),"
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
        frame = _query(database, sql, params)
        counts = {key: int(frame[f"n_{key}"].iloc[0]) for key in ("up", "down", "new", "same")}
        moved = frame[frame["change"].notna()].drop(columns=["n_up", "n_down", "n_new", "n_same"])
        return moved.reset_index(drop=True), counts

    return snapshot(
        database,
        "changes",
        (since, until, filters.cache_key(), limit),
        compute,
        version=_version_for(database, until),
    )


# --- trends from the history ---------------------------------------------------------------------

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
            "first": periods[0].start,
            "step": months_per_period,
            "last_index": len(periods) - 1,
            "starts": [period.start for period in periods],
            "labels": [period.label for period in periods],
            "cutoffs": [period.cutoff for period in periods],
        }
        scope = _scope_sql(filters, params)
        every_status = _scope_sql(filters.model_copy(update={"include_closed": True}), params)
        named = _named_systems(filters, params, "st.system_id")
        # A rating counts in the period holding its rated_at and in every later one until the
        # period holding the next rating of the same risk and tier: +1 / -1 events per period,
        # summed cumulatively (one window over the ratings of one tier, no range join). The
        # few risks whose status (or whose system's) ever changed are judged apart, period by
        # period, with the status they had at its end (store/risk_rules.py), so closing a
        # risk or retiring a system today never rewrites the past.
        index = "greatest(0, datediff('month', $first, date_trunc('month', {0})) // $step)"
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
            "SELECT l.position, cell.level_rank, count(*) AS count,"
            f" count(*) FILTER (WHERE {above_then}) AS above"
            f" FROM (SELECT p.position, h.risk_id, arg_max(h.id, {_latest_key('h')})"
            " AS rating_id FROM tier_ratings h JOIN changed_scope sc ON sc.risk_id = h.risk_id"
            "  CROSS JOIN periods p WHERE h.rated_at < p.cutoff GROUP BY ALL) l"
            " JOIN tier_ratings h ON h.id = l.rating_id"
            " JOIN status_then st ON st.risk_id = l.risk_id AND st.position = l.position"
            " JOIN criteria_cell_map m ON m.from_version = h.criteria_version"
            "  AND m.to_version = $version AND m.likelihood = h.likelihood"
            "  AND m.severity = h.severity"
            " JOIN criteria_cells cell ON cell.version = $version"
            "  AND cell.likelihood = m.mapped_likelihood AND cell.severity = m.mapped_severity"
            f" {rules.appetite_joins('h.criteria_version', 'st.harm_category')}"
            f" WHERE {in_scope_then}"
            " GROUP BY ALL"
        )
        sql = (
            f"WITH changed AS ({rules.status_changed_risks()}),"
            f" scoped AS (SELECT * FROM ({scope}) WHERE risk_id NOT IN"
            "  (SELECT risk_id FROM changed)),"
            f" changed_scope AS (SELECT * FROM ({every_status}) WHERE risk_id IN"
            "  (SELECT risk_id FROM changed)),"
            " periods AS (SELECT unnest($starts::DATE[]) AS period_start,"
            "  unnest($labels::VARCHAR[]) AS label, unnest($cutoffs::TIMESTAMP[]) AS cutoff,"
            "  unnest(range(len($starts::DATE[]))) AS position),"
            " risk_status AS ("
            + rules.status_at_each("risk", "periods", "SELECT risk_id FROM changed_scope")
            + "), system_status AS ("
            + rules.status_at_each("ai_system", "periods", "SELECT system_id FROM changed_scope")
            + f"), status_then AS ({status_then}),"
            f" tier_ratings AS ({_trend_ratings(tier)}),"
            f" changed_counts AS ({changed_counts}),"
            " history AS (SELECT h.likelihood, h.severity, h.criteria_version, h.rated_at,"
            "  h.level_rank AS own_rank, sc.status, sc.system_status, sc.harm_category,"
            "  lead(h.rated_at) OVER (PARTITION BY h.risk_id ORDER BY h.rated_at, h.id) AS until"
            "  FROM tier_ratings h JOIN scoped sc ON sc.risk_id = h.risk_id),"
            " placed AS (SELECT h.rated_at, h.until, cell.level_rank,"
            f"  {rules.above_appetite('h.own_rank', 'h.status', system_status='h.system_status')}"
            "   AS above FROM history h"
            "  JOIN criteria_cell_map m ON m.from_version = h.criteria_version"
            "   AND m.to_version = $version AND m.likelihood = h.likelihood"
            "   AND m.severity = h.severity"
            "  JOIN criteria_cells cell ON cell.version = $version"
            "   AND cell.likelihood = m.mapped_likelihood AND cell.severity = m.mapped_severity"
            f" {rules.appetite_joins('h.criteria_version', 'h.harm_category')}),"
            f" events AS (SELECT {index.format('rated_at')} AS position, level_rank, above,"
            "  1 AS change FROM placed"
            f"  UNION ALL SELECT {index.format('until')}, level_rank, above, -1 FROM placed"
            "  WHERE until IS NOT NULL),"
            " steps AS (SELECT position, level_rank, sum(change) AS change,"
            "  coalesce(sum(change) FILTER (WHERE above), 0) AS above_change FROM events"
            "  WHERE position <= $last_index GROUP BY ALL),"
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
        return _query(database, sql, params)[TREND_COLUMNS]

    return snapshot(database, "trend", (tier, filters.cache_key(), key), compute)


def _trend_ratings(tier: str) -> str:
    """The ratings that make the history of `tier` (a relation over `risk_ratings`): the
    tier's own, or for CURRENT_TIER every residual rating and the inherent ratings made while
    the risk had no residual rating yet (so each starts where the risk then stood)."""
    if tier != CURRENT_TIER:
        return "SELECT * FROM risk_ratings WHERE tier = $tier"
    return (
        "SELECT * FROM (SELECT *, count(*) FILTER (WHERE tier = 'residual') OVER"
        " (PARTITION BY risk_id ORDER BY rated_at, id ROWS UNBOUNDED PRECEDING) AS residuals"
        " FROM risk_ratings WHERE tier IN ('inherent', 'residual'))"
        " WHERE tier = 'residual' OR residuals = 0"
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
            "SELECT h.id AS rating_id, h.tier, h.rated_at, m.mapped_likelihood AS likelihood,"
            " m.mapped_severity AS severity, cell.level, cell.level_rank, cell.colour,"
            " h.method, h.workshop_id, h.rated_by, h.criteria_version,"
            " h.criteria_version <> $version AS mapped"
            " FROM risk_ratings h"
            " JOIN criteria_cell_map m ON m.from_version = h.criteria_version"
            "  AND m.to_version = $version AND m.likelihood = h.likelihood"
            "  AND m.severity = h.severity"
            " JOIN criteria_cells cell ON cell.version = $version"
            "  AND cell.likelihood = m.mapped_likelihood AND cell.severity = m.mapped_severity"
            " WHERE h.risk_id = $risk_id ORDER BY h.rated_at, h.id"
        )
        return _query(database, sql, params)

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
        scope = _scope_sql(filters, params)
        sql = (
            f"WITH scoped AS ({scope}),"
            " history AS (SELECT h.risk_id, h.tier, h.rated_at, cell.level_rank,"
            "  lead(h.rated_at) OVER (PARTITION BY h.risk_id, h.tier ORDER BY h.rated_at, h.id)"
            "   AS until,"
            f"  {rules.above_appetite('h.level_rank', 'sc.status', system_status=_SYSTEM)}"
            "   AS above"
            "  FROM risk_ratings h JOIN scoped sc ON sc.risk_id = h.risk_id"
            "  JOIN criteria_cell_map m ON m.from_version = h.criteria_version"
            "   AND m.to_version = $version AND m.likelihood = h.likelihood"
            "   AND m.severity = h.severity"
            "  JOIN criteria_cells cell ON cell.version = $version"
            "   AND cell.likelihood = m.mapped_likelihood AND cell.severity = m.mapped_severity"
            f" {rules.appetite_joins('h.criteria_version', 'sc.harm_category')}),"
            " moments AS (SELECT DISTINCT rated_at AS moment FROM history),"
            " states AS (SELECT m.moment, h.tier, max(h.level_rank) AS level_rank,"
            "  count(*) AS risks, count(*) FILTER (WHERE h.above) AS above"
            "  FROM moments m JOIN history h ON h.rated_at <= m.moment"
            "   AND (h.until IS NULL OR h.until > m.moment) GROUP BY ALL)"
            " SELECT st.moment, st.tier, st.level_rank, lv.name AS level, lv.colour,"
            " st.risks::INTEGER AS risks, st.above::INTEGER AS above"
            " FROM states st JOIN criteria_levels lv ON lv.version = $version"
            "  AND lv.level_rank = st.level_rank"
            " ORDER BY st.moment, st.tier"
        )
        return _query(database, sql, params)

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
            " SELECT greatest(a.approved_at::TIMESTAMP, coalesce(accepted.rated_at"
            "  + INTERVAL 1 MINUTE, a.approved_at::TIMESTAMP)) AS moment,"
            " 'acceptance' AS kind, a.risk_id,"
            " c.title, 'Residual ' || a.level || ' accepted by ' || a.approved_by || ' until '"
            " || strftime(a.valid_until, '%d %b %Y')"
            " || CASE WHEN a.revoked_at IS NOT NULL THEN ' (revoked '"
            "  || strftime(a.revoked_at, '%d %b %Y') || ')' ELSE '' END AS detail"
            " FROM risk_acceptances a JOIN chosen c ON c.id = a.risk_id"
            " LEFT JOIN risk_ratings accepted ON accepted.id = a.rating_id"
            "  AND CAST(accepted.rated_at AS DATE) = a.approved_at"
            " UNION ALL"
            " SELECT h.rated_at, 'workshop', h.risk_id, c.title,"
            " 'Workshop consensus: ' || h.tier || ' ' || h.level"
            " || ' (L' || h.likelihood || ' x S' || h.severity || ')'"
            " FROM risk_ratings h JOIN chosen c ON c.id = h.risk_id WHERE h.method = 'workshop'"
            " UNION ALL"
            " SELECT t.completed_at::TIMESTAMP, 'action_done', t.risk_id, c.title,"
            " 'Treatment done: ' || t.title"
            " FROM risk_actions t JOIN chosen c ON c.id = t.risk_id"
            " WHERE t.status = 'done' AND t.completed_at IS NOT NULL"
            " ORDER BY moment, kind, risk_id"
        )
        return _query(database, sql, params)

    return snapshot(database, "decisions", (risk_id, system_id), compute)


def history_span(database: Database) -> tuple[date, date] | None:
    """The first and last day any rating applies to (None without ratings)."""

    def compute() -> tuple[date, date] | None:
        row = database.query_one("SELECT min(rated_at), max(rated_at) FROM risk_ratings")
        if row is None or row[0] is None:
            return None
        return (row[0].date(), row[1].date())

    return snapshot(database, "span", (), compute)


# --- filter options and appetite -----------------------------------------------------------------


def filter_options(database: Database) -> dict[str, Any]:
    """What the filters offer: business units, systems with risks (id -> name; `systems` in
    scope, `retired_systems` the retired ones, offered only when retired systems are
    included), owners, lifecycle stages and harm categories that occur on risks, and the EU AI
    Act classes that occur in screenings."""

    def compute() -> dict[str, Any]:
        rows = database.query_rows(
            "SELECT 'unit', business_unit FROM (SELECT DISTINCT business_unit FROM ai_systems)"
            " UNION ALL SELECT 'owner', owner FROM (SELECT DISTINCT owner FROM risks)"
            " UNION ALL SELECT 'stage', lifecycle_stage"
            "  FROM (SELECT DISTINCT lifecycle_stage FROM risks)"
            " UNION ALL SELECT 'harm', harm_category"
            "  FROM (SELECT DISTINCT harm_category FROM risks)"
        )
        found: dict[str, list[str]] = {"unit": [], "owner": [], "stage": [], "harm": []}
        for kind, value in rows:
            found[kind].append(str(value))
        systems = database.query_rows(
            f"SELECT s.id, s.name, {rules.system_active('s.status')} FROM ai_systems s"
            " WHERE EXISTS (SELECT 1 FROM risks r WHERE r.system_id = s.id) ORDER BY lower(s.name)"
        )
        classes = [
            str(value)
            for (value,) in database.query_rows(
                "SELECT DISTINCT risk_class FROM current_screenings ORDER BY 1"
            )
        ]
        return {
            "business_units": sorted(found["unit"], key=str.lower),
            "owners": sorted(found["owner"], key=str.lower),
            "lifecycle_stages": sorted(found["stage"]),
            "harm_categories": sorted(found["harm"]),
            "systems": {int(system_id): str(name) for system_id, name, active in systems if active},
            "retired_systems": {
                int(system_id): str(name) for system_id, name, active in systems if not active
            },
            "eu_ai_act_classes": classes,
        }

    return snapshot(database, "options", (), compute)


def appetite_rank(database: Database) -> int:
    """The rank of the current criteria's appetite (the general line a path is drawn against)."""
    row = database.query_one(
        "SELECT max_rank FROM criteria_appetite WHERE harm_category = ''"
        " AND version = (SELECT max(version) FROM criteria_versions)"
    )
    return int(row[0]) if row and row[0] is not None else 0


def risk_summary(database: Database, risk_id: int) -> dict[str, Any] | None:
    """What a path chart needs to know about one risk: title, system, harm category and the
    rank of the level acceptable for it (its tolerance, else the appetite)."""
    row = database.query_records(
        "SELECT r.id, r.title, r.harm_category, r.system_id, s.name AS system_name,"
        f" {rules.acceptable_rank()} AS appetite_rank"
        " FROM risks r JOIN ai_systems s ON s.id = r.system_id"
        f"{rules.appetite_joins('$version', 'r.harm_category')}"
        " WHERE r.id = $risk_id",
        {"version": current_criteria_version(database), "risk_id": int(risk_id)},
    )
    return row[0] if row else None


def as_of_bounds(database: Database) -> tuple[date, date]:
    """The dates an "as of" view can be asked for: from the first rating to today."""
    span = history_span(database)
    today = date.today()
    if span is None:
        return (today - timedelta(days=365), today)
    return (min(span[0], today), today)
