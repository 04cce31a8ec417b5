"""What the leadership figures share: the risks in scope, the ratings in force placed on the
current criteria, how each risk is judged, and the cache tokens. The figures themselves are in
store/heatmaps.py (heatmaps, top risks, movement), store/attention.py (headline figures and
the lists behind them) and store/trends.py (the history: trends, paths, changes).

Where things are read from, so the pages stay flat at 40,000 risks:
- "now" reads `risk_current_ratings` (one row per risk and tier, kept in the same transaction
  as the append-only history by store/risks.py), never ranks the history;
- "as of" a date and the trends read the history `risk_ratings` (about 400,000 rows at the
  largest scale): one DISTINCT ON, window or aggregate pass, tens of milliseconds;
- every rating is placed on the CURRENT criteria by `risk_rules.placed_on` (the one placement
  rule, which the register uses too) and gets the level of that cell, so all figures use one
  grid;
- results come back as small frames (cells, counts, the first few hundred rows of a list).

Caching that cannot go stale: `snapshot(...)` (store/snapshots.py) keeps results keyed by the
database's data version, the count and highest id of `audit_events`. Every committed write
records at least one audit event in its own transaction (Database.write refuses to commit
otherwise), so any new rating, action or acceptance changes the key and the next read
recomputes; repeated reruns with no new data (the common case on a projector) reuse the result.
"Today" is part of the key too, because overdue actions and expiries depend on the date. A
figure "as of" a past day is keyed instead by `history_version(day)`, which a rating dated
after that day does not change, so last quarter's figures survive today's new ratings but not
a backdated one or an edit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from assessments.analytics import PortfolioFilter, end_of_day
from assessments.regulatory import NOT_SCREENED
from assessments.risk_checks import OPEN_ACTION_STATUSES
from assessments.store import risk_rules as rules
from assessments.store.db import Database
from assessments.store.snapshots import snapshot

TIER_ORDER = ("inherent", "residual", "target")
SYSTEM_STATUS = "sc.system_status"  # the system status column of the `scoped` rows
_OPEN_ACTIONS = rules.sql_list(OPEN_ACTION_STATUSES)


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


def version_for(database: Database, as_of: date | None) -> tuple[Any, ...] | None:
    """The cache token of a figure: the data version for "now", the history version for a
    past day (so a new rating today does not recompute last quarter's figures)."""
    if as_of is None or as_of >= date.today():
        return None
    return history_version(database, as_of)


# --- SQL building blocks -------------------------------------------------------------------------
#
# The rules are the register's, written once in store/risk_rules.py and used by both, so a
# figure here and the register never disagree: a rating is placed on the current matrix by
# risk_rules.placed_on; the appetite is judged on the level a rating was given under its own
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


def class_condition(column: str) -> str:
    """SQL: the EU AI Act class of the system `column` is one of $eu_classes."""
    system_class = (
        f"coalesce((SELECT cs.risk_class FROM current_screenings cs"
        f" WHERE cs.system_id = {column}), '{NOT_SCREENED}')"
    )
    return f"{system_class} = ANY($eu_classes::VARCHAR[])"


def named_systems(filters: PortfolioFilter, params: dict[str, Any], column: str) -> str:
    """SQL: the filter names the system `column` (which brings a retired system back)."""
    if not filters.system_ids:
        return "FALSE"
    params["system_ids"] = list(filters.system_ids)
    return f"{column} = ANY($system_ids::INTEGER[])"


def scope_sql(filters: PortfolioFilter, params: dict[str, Any], as_of: date | None = None) -> str:
    """The risks in scope, with what the lists show about them (a CTE body).

    Closed risks and the risks of retired systems only when the filter includes them (or
    names the retired system); "as of" a past day only the risks known by then
    (store/risk_rules.py: recorded or rated by the end of that day).
    """
    named = named_systems(filters, params, "r.system_id")
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
            conditions.append(f"{column} = ANY(${field}::VARCHAR[])")
    if filters.system_ids:
        conditions.append(named)
    if filters.eu_ai_act_classes:
        params["eu_classes"] = list(filters.eu_ai_act_classes)
        conditions.append(class_condition("s.id"))
    if as_of is not None:
        conditions.append(rules.risk_known_by("r", "$known_cutoff"))
    return (
        "SELECT r.id AS risk_id, r.system_id, s.name AS system_name, s.business_unit, r.title,"
        f" r.owner, {risk_status} AS status, {system_status} AS system_status, r.harm_category,"
        " r.lifecycle_stage, r.treatment_option"
        f" FROM risks r JOIN ai_systems s ON s.id = r.system_id{status_joins}"
        f" WHERE {' AND '.join(conditions)}"
    )


def _source_parts(
    as_of: date | None, params: dict[str, Any], only: str | None, cutoff: str
) -> list[str]:
    """The SELECTs whose union is `source_sql` (see there)."""
    columns = (
        "risk_id, tier, rating_id, likelihood, severity, level, level_rank, criteria_version,"
        " rated_at"
    )
    if as_of is None:
        return [
            f"SELECT {columns} FROM risk_current_ratings"
            + (f" WHERE risk_id IN ({only})" if only else "")
        ]
    params[cutoff] = end_of_day(as_of)
    return [
        f"SELECT {columns} FROM risk_current_ratings WHERE rated_at < ${cutoff}"
        + (f" AND risk_id IN ({only})" if only else ""),
        f"SELECT {columns} FROM (SELECT h.risk_id, h.tier, h.id AS rating_id,"
        " h.likelihood, h.severity, h.level, h.level_rank, h.criteria_version, h.rated_at,"
        " row_number() OVER (PARTITION BY h.risk_id, h.tier ORDER BY ROW(h.rated_at, h.id) DESC)"
        " AS newest FROM risk_ratings h JOIN risk_current_ratings later"
        " ON later.risk_id = h.risk_id AND later.tier = h.tier"
        f" WHERE later.rated_at >= ${cutoff} AND h.rated_at < ${cutoff}"
        + (f" AND h.risk_id IN ({only})" if only else "")
        + ") rated_since_cutoff WHERE newest = 1",
    ]


def source_sql(
    as_of: date | None,
    params: dict[str, Any],
    only: str | None = None,
    cutoff: str = "as_of_cutoff",
) -> str:
    """The rating in force per risk and tier: the current table, or the history as of a day
    (the latest rating with rated_at before the end of that day; ties go to the later id,
    the rule store/risks.py keeps `risk_current_ratings` by).

    As of a day, a current rating dated before the cutoff is also the one in force then (no
    later rating exists), so only the risks and tiers rated since are looked up in the history.
    Those are ranked by the pair (rated_at, id) as one key: a `row_number() = 1` over a single
    key is one grouped pass in DuckDB (an arg_max), where two keys would sort the history.
    `only` (SQL returning risk ids) narrows both parts to those risks."""
    return " UNION ALL ".join(_source_parts(as_of, params, only, cutoff))


def placed_sql(source: str) -> str:
    """Ratings placed on the current criteria ($version): the cell they occupy there and that
    cell's level (likelihood, severity, level, level_rank, colour), next to the rating as
    made (own_level, own_rank under `criteria_version`)."""
    return (
        "SELECT risk_id, tier, rating_id, criteria_version, rated_at,"
        " level AS own_level, level_rank AS own_rank,"
        " placed_likelihood AS likelihood, placed_severity AS severity, placed_level AS level,"
        " placed_rank AS level_rank, placed_colour AS colour, mapped"
        f" FROM ({rules.placed_on('$version', source)}) placed_rating"
    )


def placed_ratings_sql(
    as_of: date | None,
    params: dict[str, Any],
    only: str | None = None,
    cutoff: str = "as_of_cutoff",
) -> str:
    """`placed_sql(source_sql(...))` with the same rows, each part of the union placed on its
    own: PostgreSQL has no statistics for the columns of a union, so a placement joined over
    one is estimated at a single row and what follows is planned as nested loops; over the
    tables themselves the estimates hold."""
    return " UNION ALL ".join(
        placed_sql(part) for part in _source_parts(as_of, params, only, cutoff)
    )


def effective(relation: str) -> str:
    """Where a risk stands: its residual rating, else its inherent one (the register's
    current tier), from a relation of placed ratings."""
    return (
        "SELECT * FROM (SELECT *, row_number() OVER (PARTITION BY risk_id"
        " ORDER BY tier = 'residual' DESC) AS preference"
        f" FROM {relation} WHERE tier IN ('residual', 'inherent')) ranked WHERE preference = 1"
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
        f" LEFT JOIN ({effective('placed')}) e ON e.risk_id = sc.risk_id"
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


def with_total(relation: str, order: str) -> str:
    """The first $limit rows of a CTE in `order`, each with the CTE's full row count in `total`;
    a single row with only `total` = 0 when the CTE is empty (one pass, no window function)."""
    return (
        f"SELECT page.*, counted.total FROM (SELECT count(*) AS total FROM {relation}) counted"
        f" LEFT JOIN (SELECT * FROM {relation} ORDER BY {order} LIMIT $limit) page ON TRUE"
        f" ORDER BY {order}"
    )


def split_total(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The rows and the total of a `with_total` result (dropping the empty row it carries
    when the page is empty)."""
    total = int(frame["total"].iloc[0]) if len(frame) else 0
    rows = frame.drop(columns="total")
    rows = rows[rows.iloc[:, 0].notna()] if len(rows.columns) else rows
    return rows.reset_index(drop=True), total


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters a statement mentions (DuckDB refuses the others)."""
    return {name: value for name, value in params.items() if f"${name}" in sql}


def query(database: Database, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return database.query_df(sql, _used(sql, params))


def base_ctes(
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
    # Unrestricted, `scoped` and `placed` are inlined views of the first two (a copy of every
    # rating in force would cost PostgreSQL as much again); restricted, the few rows are kept.
    placed_all = placed_ratings_sql(as_of, params, only="SELECT risk_id FROM scope_all")
    inlined = "" if restrict else " NOT MATERIALIZED"
    return (
        f"WITH scope_all AS ({scope_sql(filters, params, as_of)}),"
        f" placed_all AS ({placed_all}),"
        f" scoped AS{inlined} (SELECT * FROM scope_all{narrowed}),"
        f" placed AS{inlined} (SELECT * FROM placed_all{in_scope}),"
        f" acceptance AS ({rules.accepted_until_sql(_PLACED_RESIDUAL, '$day')}),"
        f" expired AS ({rules.expired_acceptance_sql('$day')}),"
        f" assessed AS ({_assessed_sql()}),"
        f" actions AS ({_actions_sql(bool(restrict))})"
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


def risk_list_columns() -> str:
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


def filter_options(database: Database) -> dict[str, Any]:
    """What the filters offer: business units, systems with risks (id -> name; `systems` in
    scope, `retired_systems` the retired ones, offered only when retired systems are
    included), owners, lifecycle stages and harm categories that occur on risks, and the EU AI
    Act classes that occur in screenings."""

    def compute() -> dict[str, Any]:
        rows = database.query_rows(
            "SELECT 'unit', business_unit FROM (SELECT DISTINCT business_unit FROM ai_systems) u"
            " UNION ALL SELECT 'owner', owner FROM (SELECT DISTINCT owner FROM risks) o"
            " UNION ALL SELECT 'stage', lifecycle_stage"
            "  FROM (SELECT DISTINCT lifecycle_stage FROM risks) st"
            " UNION ALL SELECT 'harm', harm_category"
            "  FROM (SELECT DISTINCT harm_category FROM risks) h"
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
