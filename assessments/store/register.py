"""The risk register, its heatmap counts and its consistency checks, as SQL queries written once
for both stores (DuckDB and PostgreSQL).

Everything reads `risk_current_ratings` (one row per risk and tier) rather than ranking the
whole rating history, so the register, the heatmaps and the checks stay fast with tens of
thousands of risks. Levels are never recomputed here: a rating keeps the level and the criteria
version it was made under; a rating made under an older version is *placed* on the current
matrix (`risk_rules.placed_on`, for totals and heatmaps), never rescaled. The rules (scope,
appetite, acceptance in force) are the SQL fragments of `store/risk_rules.py`, shared with the
leadership figures: closed risks are left out unless the filter includes them, appetite and
tolerances are judged under the version the rating was made under. Risks of retired AI systems
are out of scope like closed risks (unless included, or their system is chosen by name).

Public frames (column names are part of the interface; the leadership view depends on them):

- `register_frame`: one row per risk (see `REGISTER_COLUMNS`).
- `consistency_checks`: one row per finding (see `CHECK_COLUMNS`).
- `matrix_counts`: one row per cell of a criteria version (see `MATRIX_COLUMNS`).
- `risks_in_cell`: the register rows of the risks placed in one cell, plus `PLACEMENT_COLUMNS`.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd

from assessments.regulatory import NOT_SCREENED
from assessments.risk_checks import (
    CHECKS,
    NON_REDUCING_TREATMENTS,
    NOTE_CHECKS,
    OPEN_ACTION_STATUSES,
    PROBLEM_CHECKS,
)
from assessments.risks import TIERS, RiskFilter
from assessments.store import risk_rules as rules
from assessments.store.criteria import current_criteria, review_rules
from assessments.store.db import Database

RATING_FIELDS = ("likelihood", "severity", "level", "level_rank", "criteria_version", "rated_at")
# The tier a heatmap or a level filter reads: one of TIERS, or the residual rating where there
# is one and the inherent rating otherwise (where the risk stands today).
CURRENT_TIER = "residual_or_inherent"
MATRIX_TIERS = (*TIERS, CURRENT_TIER)
# The tiers a level filter can apply to, with the words people read.
LEVEL_TIER_LABELS: dict[str, str] = {
    CURRENT_TIER: "Current",
    "inherent": "Inherent",
    "residual": "Residual",
    "target": "Target",
}

REGISTER_COLUMNS = [
    "risk_id",
    "system_id",
    "system_name",
    "system_status",
    "business_unit",
    "eu_ai_act_class",
    "title",
    "description",
    "harm_category",
    "risk_source",
    "affected_parties",
    "lifecycle_stage",
    "owner",
    "status",
    "library_id",
    "treatment_option",
    "controls",
    *[f"{tier}_{field}" for tier in TIERS for field in RATING_FIELDS],
    "current_tier",
    "current_level",
    "current_level_rank",
    "current_criteria_version",
    "acceptable_level",
    "above_appetite",
    "accepted_until",
    "expired_on",
    "last_rated_at",
    "open_actions",
    "overdue_actions",
    "findings",
    "notes",
]
CHECK_COLUMNS = ["risk_id", "system_id", "system_name", "title", "check", "kind", "message"]
MATRIX_COLUMNS = [
    "likelihood",
    "severity",
    "level",
    "level_rank",
    "colour",
    "count",
    "mapped_count",
]
PLACEMENT_COLUMNS = [
    "rated_likelihood",
    "rated_severity",
    "rated_level",
    "rated_criteria_version",
    "placed_likelihood",
    "placed_severity",
    "mapped",
]


class _Params:
    """Named query parameters: DuckDB refuses a parameter the SQL does not use."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def add(self, name: str, value: Any) -> str:
        self.values[name] = value
        return f"${name}"


_sql_list = rules.sql_list
# The columns of `_current_pivot` besides risk_id, named in full (no `* EXCLUDE` in PostgreSQL).
_PIVOT_COLUMNS = (
    *[f"{tier}_{field}" for tier in TIERS for field in RATING_FIELDS],
    "residual_rating_id",
    "last_rated_at",
)


def _current_pivot() -> str:
    """The latest rating of each tier side by side: one row per rated risk."""
    columns = [
        f"any_value({field}) FILTER (WHERE tier = '{tier}') AS {tier}_{field}"
        for tier in TIERS
        for field in RATING_FIELDS
    ]
    return (
        f"SELECT risk_id, {', '.join(columns)},"
        " any_value(rating_id) FILTER (WHERE tier = 'residual') AS residual_rating_id,"
        " max(rated_at) AS last_rated_at"
        " FROM risk_current_ratings GROUP BY risk_id"
    )


def _register_ctes(params: _Params, as_of: date) -> str:
    """CTEs ending in `register`: every risk with its ratings, appetite, acceptance, actions
    (store/risk_rules.py decides what is above the appetite and which acceptance is in force)."""
    day = params.add("as_of", as_of)
    open_statuses = _sql_list(OPEN_ACTION_STATUSES)
    return f"""
WITH cur AS ({_current_pivot()}),
base AS (
    SELECT r.id AS risk_id, r.system_id, s.name AS system_name, s.status AS system_status,
        s.business_unit,
        coalesce(cs.risk_class, '{NOT_SCREENED}') AS eu_ai_act_class, r.title,
        r.description, r.harm_category, r.risk_source, r.affected_parties, r.lifecycle_stage,
        r.owner, r.status, r.library_id, r.treatment_option, r.controls,
        {", ".join(f"c.{column}" for column in _PIVOT_COLUMNS)},
        CASE WHEN c.residual_level IS NOT NULL THEN 'residual'
             WHEN c.inherent_level IS NOT NULL THEN 'inherent' END AS current_tier,
        coalesce(c.residual_level, c.inherent_level) AS current_level,
        coalesce(c.residual_level_rank, c.inherent_level_rank) AS current_level_rank,
        coalesce(c.residual_likelihood, c.inherent_likelihood) AS current_likelihood,
        coalesce(c.residual_severity, c.inherent_severity) AS current_severity,
        CASE WHEN c.residual_level IS NOT NULL THEN c.residual_criteria_version
             ELSE c.inherent_criteria_version END AS current_criteria_version
    FROM risks r
    JOIN ai_systems s ON s.id = r.system_id
    LEFT JOIN current_screenings cs ON cs.system_id = r.system_id
    LEFT JOIN cur c ON c.risk_id = r.id
),
judged AS (
    SELECT b.*,
        {rules.acceptable_rank()} AS acceptable_rank,
        {rules.has_tolerance()} AS has_tolerance,
        {
        rules.above_appetite("b.current_level_rank", "b.status", system_status="b.system_status")
    } AS above_appetite
    FROM base b{rules.appetite_joins("b.current_criteria_version", "b.harm_category")}
),
acceptance AS ({rules.accepted_until_sql(rules.CURRENT_RESIDUAL, day)}),
expired AS ({rules.expired_acceptance_sql(day)}),
action_totals AS (
    SELECT risk_id,
        count(*) FILTER (WHERE status IN ({open_statuses})) AS open_actions,
        count(*) FILTER (WHERE status IN ({open_statuses}) AND due_date < {day})
            AS overdue_actions
    FROM risk_actions GROUP BY risk_id
),
register AS (
    SELECT j.*,
        lv.name AS acceptable_level,
        acc.accepted_until,
        e.expired_on, e.expired_approver,
        coalesce(t.open_actions, 0) AS open_actions,
        coalesce(t.overdue_actions, 0) AS overdue_actions
    FROM judged j
    LEFT JOIN criteria_levels lv
        ON lv.version = j.current_criteria_version AND lv.level_rank = j.acceptable_rank
    LEFT JOIN acceptance acc ON acc.risk_id = j.risk_id
    LEFT JOIN expired e ON e.risk_id = j.risk_id
    LEFT JOIN action_totals t ON t.risk_id = j.risk_id
)"""


def _level_column(tier: str) -> str:
    if tier == CURRENT_TIER:
        return "current_level"
    if tier in TIERS:
        return f"{tier}_level"
    raise ValueError(f"'{tier}' is not a tier; use one of {', '.join(MATRIX_TIERS)}.")


def _any_of(placeholder: str, column: str, element: str) -> str:
    """SQL: `column` is one of the values of the list parameter (typed, so an empty or
    all-integer list means the same on both stores)."""
    return f"{column} = ANY(CAST({placeholder} AS {element}[]))"


def _filter_conditions(
    params: _Params, filters: RiskFilter, risk_ids: Iterable[int] | None
) -> list[str]:
    """WHERE conditions on `register` rows (findings are filtered separately)."""
    named = (
        _any_of(params.add("named_systems", list(filters.system_ids)), "system_id", "INTEGER")
        if filters.system_ids
        else "FALSE"
    )
    conditions: list[str] = [
        rules.in_scope("status", filters.includes_closed(), "system_status", named)
    ]
    if risk_ids is not None:
        ids = params.add("ids", [int(risk_id) for risk_id in risk_ids])
        conditions.append(f"risk_id IN (SELECT unnest(CAST({ids} AS INTEGER[])))")
    lists: list[tuple[str, str, list[Any]]] = [
        ("system_ids", "system_id", filters.system_ids),
        ("owners", "owner", filters.owners),
        ("statuses", "status", filters.statuses),
        ("harm_categories", "harm_category", filters.harm_categories),
        ("business_units", "business_unit", filters.business_units),
        ("eu_ai_act_classes", "eu_ai_act_class", filters.eu_ai_act_classes),
    ]
    if filters.levels:
        lists.append(("levels", _level_column(filters.level_tier), filters.levels))
    for name, column, values in lists:
        if values:
            element = "INTEGER" if name == "system_ids" else "VARCHAR"
            conditions.append(_any_of(params.add(name, list(values)), column, element))
    term = filters.search.strip().casefold()
    if term:
        placeholder = params.add("search", term)
        searched = " OR ".join(
            f"strpos(lower(coalesce({column}, '')), {placeholder}) > 0"
            for column in ("title", "description", "system_name", "owner")
        )
        identifier = term.removeprefix("r-").removeprefix("#")
        if identifier.isdigit():
            searched += f" OR risk_id = {params.add('search_id', int(identifier))}"
        conditions.append(f"({searched})")
    if filters.above_appetite_only:
        conditions.append("above_appetite")
    return conditions


def _selected_cte(
    params: _Params,
    as_of: date,
    filters: RiskFilter | None,
    risk_ids: Iterable[int] | None,
    rules: tuple[int, int],
) -> str:
    """CTEs ending in `selected`: the register rows the filters keep.

    `rules` is (current criteria version, review interval in months), which the consistency
    checks need when the filters keep only risks with findings. No filters: the defaults of
    `RiskFilter` (every risk but the closed ones).
    """
    filters = filters or RiskFilter()
    conditions = _filter_conditions(params, filters, risk_ids)
    where = f" WHERE {' AND '.join(conditions)}"
    ctes = _register_ctes(params, as_of)
    if not filters.with_findings_only:
        return f"{ctes},\nselected AS (SELECT * FROM register{where})"
    version, months = rules
    checks = _checks_sql(params, as_of, version, months, "candidates", "candidate_findings")
    problems = _sql_list(PROBLEM_CHECKS)
    return (
        f"{ctes},\ncandidates AS (SELECT * FROM register{where}),{checks},\n"
        "selected AS (SELECT * FROM candidates WHERE risk_id IN (SELECT risk_id FROM"
        f' candidate_findings WHERE "check" IN ({problems})))'
    )


def _rating_text(prefix: str) -> str:
    """SQL text such as 'High (L4 × S4)' for the rating columns with this prefix."""
    return f"({prefix}_level || ' (L' || {prefix}_likelihood || ' × S' || {prefix}_severity || ')')"


def _current_text(article: str) -> str:
    """SQL text such as 'the residual rating High (L4 × S4)' for the current rating; `article`
    is 'the' or 'The'."""
    return (
        f"(CASE current_tier WHEN 'residual' THEN '{article} residual rating '"
        f" ELSE '{article} inherent rating ' END || {_rating_text('current')})"
    )


def _months_before(day: date, months: int) -> date:
    """The same day `months` months earlier, on the month's last day when it is shorter (as
    date arithmetic with a month interval does)."""
    position = day.year * 12 + day.month - 1 - months
    year, month = divmod(position, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


# The columns of a register row the rating comparisons of the checks read, and all those the
# checks read. Register rows are wide; the checks scan their rows many times, which on
# PostgreSQL spilled them to disk when they were copied whole.
_COMPARED_COLUMNS = (
    "risk_id",
    "treatment_option",
    "controls",
    *[f"{tier}_{field}" for tier in TIERS for field in ("likelihood", "severity", "level")],
)
_CHECKED_COLUMNS = (
    *_COMPARED_COLUMNS,
    "status",
    "system_status",
    "harm_category",
    "last_rated_at",
    "above_appetite",
    "accepted_until",
    "expired_on",
    "expired_approver",
    "open_actions",
    "acceptable_level",
    "has_tolerance",
    *[f"current_{field}" for field in ("tier", "level", "likelihood", "severity")],
    "current_criteria_version",
)


def _checks_sql(
    params: _Params,
    as_of: date,
    current_version: int,
    review_months: int,
    source: str = "selected",
    name: str = "findings",
) -> str:
    """CTEs ending in `name`: one row (risk_id, check, message) per finding over `source`."""
    day = params.add("check_day", as_of)
    version = params.add("current_version", current_version)
    months = f"CAST({params.add('review_months', review_months)} AS INTEGER)"
    review_cutoff = params.add("review_cutoff", _months_before(as_of, review_months))
    non_reducing = _sql_list(NON_REDUCING_TREATMENTS)
    open_statuses = _sql_list(OPEN_ACTION_STATUSES)
    active = rules.is_active("status", "system_status")
    tolerance_text = "CASE WHEN has_tolerance THEN ' for this harm category' ELSE '' END"
    compared_columns = ", ".join(f"s.{column}" for column in _COMPARED_COLUMNS)
    return f"""
{name}_rows AS (SELECT {", ".join(_CHECKED_COLUMNS)} FROM {source}),
{name}_placed AS (
    SELECT c.risk_id, c.tier, c.placed_rank
    FROM ({rules.placed_on(version, "risk_current_ratings")}) c
    JOIN {name}_rows s ON s.risk_id = c.risk_id
    WHERE c.tier IN ('inherent', 'residual', 'target')
),
{name}_compared AS (
    SELECT {compared_columns},
        pi.placed_rank AS inherent_placed_rank, pr.placed_rank AS residual_placed_rank
    FROM {name}_rows s
    JOIN {name}_placed pi ON pi.risk_id = s.risk_id AND pi.tier = 'inherent'
    JOIN {name}_placed pr ON pr.risk_id = s.risk_id AND pr.tier = 'residual'
    WHERE {rules.is_active("s.status", "s.system_status")}
),
{name}_targets AS (
    SELECT {compared_columns},
        pr.placed_rank AS residual_placed_rank, pt.placed_rank AS target_placed_rank
    FROM {name}_rows s
    JOIN {name}_placed pr ON pr.risk_id = s.risk_id AND pr.tier = 'residual'
    JOIN {name}_placed pt ON pt.risk_id = s.risk_id AND pt.tier = 'target'
    WHERE {rules.is_active("s.status", "s.system_status")}
),
{name} AS (
    SELECT risk_id, 'never_rated' AS "check",
        'Rate the inherent risk (before controls) to start.' AS message
    FROM {name}_rows WHERE {active} AND last_rated_at IS NULL
    UNION ALL
    SELECT risk_id, 'residual_above_inherent',
        'The residual rating ' || {_rating_text("residual")} || ' is above the inherent rating '
            || {_rating_text("inherent")} || ': controls should not make a risk worse, '
            || 'so re-rate the inherent risk or explain why.'
    FROM {name}_compared WHERE residual_placed_rank > inherent_placed_rank
    UNION ALL
    SELECT risk_id, 'target_above_residual',
        'The target rating ' || {_rating_text("target")} || ' is above the residual rating '
            || {_rating_text("residual")} || ': the planned actions '
            || 'should not make the risk worse, so re-rate the target or explain why.'
    FROM {name}_targets WHERE target_placed_rank > residual_placed_rank
    UNION ALL
    SELECT risk_id, 'residual_lowered_without_treatment',
        'The residual rating ' || {_rating_text("residual")} || ' is below the inherent rating '
            || {_rating_text("inherent")} || ', but no Annex A control is linked and '
            || CASE WHEN treatment_option IS NULL THEN 'no treatment is chosen'
                 ELSE 'the treatment (' || treatment_option || ') does not reduce the risk' END
            || ': link the controls in place or re-rate the residual risk.'
    FROM {name}_compared
    WHERE residual_placed_rank < inherent_placed_rank AND cardinality(controls) = 0
        AND (treatment_option IS NULL OR treatment_option IN ({non_reducing}))
    UNION ALL
    SELECT risk_id, 'above_appetite_unaccepted',
        {_current_text("The")} || ' is above the appetite (at most ' || acceptable_level
            || ' is acceptable' || {tolerance_text} || '), '
            || CASE WHEN treatment_option = 'retain'
                 THEN 'and it is retained with no acceptance in force'
                 ELSE 'with no open treatment action and no acceptance in force' END
            || ': treat it further or record management''s acceptance with an expiry date.'
    FROM {name}_rows
    WHERE {active} AND above_appetite AND accepted_until IS NULL AND expired_on IS NULL
        AND (treatment_option = 'retain' OR open_actions = 0)
    UNION ALL
    SELECT risk_id, 'acceptance_expired',
        'The acceptance by ' || expired_approver || ' ran out on '
            || CAST(expired_on AS VARCHAR) || ', and ' || {_current_text("the")}
            || ' is still above the appetite: renew the acceptance or treat the risk further.'
    FROM {name}_rows
    WHERE {active} AND above_appetite AND accepted_until IS NULL AND expired_on IS NOT NULL
    UNION ALL
    SELECT a.risk_id, 'action_overdue',
        'The action "' || a.title || '" (owner ' || a.owner || ') was due on '
            || CAST(a.due_date AS VARCHAR) || ' and is '
            || CASE a.status WHEN 'planned' THEN 'still only planned' ELSE 'not done yet' END
            || '.'
    FROM risk_actions a JOIN {name}_rows s ON s.risk_id = a.risk_id
    WHERE {rules.is_active("s.status", "s.system_status")} AND a.status IN ({open_statuses})
        AND a.due_date < {day}
    UNION ALL
    SELECT risk_id, 'review_overdue',
        'Last rated on ' || CAST(CAST(last_rated_at AS DATE) AS VARCHAR) || ', more than '
            || {months} || ' months ago (the review interval of the '
            || 'criteria): look at the risk again and record a fresh rating.'
    FROM {name}_rows
    WHERE {active} AND last_rated_at IS NOT NULL
        AND CAST(last_rated_at AS DATE) < {review_cutoff}
    UNION ALL
    SELECT s.risk_id, 'above_current_appetite',
        {_current_text("The")} || ' was made under criteria version '
            || s.current_criteria_version || ' and is within that version''s '
            || 'appetite, but on the current criteria it sits at ' || s.placed_level
            || ', above today''s appetite (at most ' || today_level.name
            || CASE WHEN {rules.has_tolerance("today")} THEN ' for this harm category' ELSE '' END
            || '): re-rate it under the current criteria, then treat it further '
            || 'or record an acceptance.'
    FROM ({rules.placed_on(version, f"{name}_rows", prefix="current_")}) s
    {rules.appetite_joins(version, "s.harm_category", "today")}
    LEFT JOIN criteria_levels today_level ON today_level.version = {version}
        AND today_level.level_rank = {rules.acceptable_rank("today")}
    WHERE {rules.is_active("s.status", "s.system_status")}
        AND s.current_criteria_version < {version} AND NOT s.above_appetite
        AND s.placed_rank > {rules.acceptable_rank("today")}
    UNION ALL
    SELECT c.risk_id, 'older_criteria_version',
        'Rated under older criteria: '
            || string_agg(c.tier || ' (version ' || c.criteria_version || ')', ', '
                ORDER BY c.tier)
            || '; the current version is ' || CAST({version} AS INTEGER) || '. These ratings '
            || 'keep their values and are only placed on the current matrix for totals.'
    FROM risk_current_ratings c JOIN {name}_rows s ON s.risk_id = c.risk_id
    WHERE {rules.is_active("s.status", "s.system_status")} AND c.criteria_version < {version}
    GROUP BY c.risk_id
)"""


_CHECK_ORDER = (
    'CASE f."check" '
    + " ".join(f"WHEN '{key}' THEN {position}" for position, key in enumerate(CHECKS))
    + " END"
)
_CHECK_KIND = f"CASE WHEN f.\"check\" IN ({_sql_list(NOTE_CHECKS)}) THEN 'note' ELSE 'problem' END"


def consistency_checks(
    database: Database,
    *,
    risk_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    filters: RiskFilter | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """Every finding of the consistency checks, one row each (`CHECK_COLUMNS`).

    `kind` ('problem' or 'note') and `limit` keep only those findings, or the first ones, so a
    page listing a few hundred of many thousands fetches only what it shows.

    `check` is a stable key of `assessments.risk_checks.CHECKS`; `kind` is 'problem' or
    'note'; `message` is a plain sentence. `as_of` (default today) is the day due dates,
    expiries and the review interval are judged on. Closed risks are not checked. Restrict with
    `risk_ids` (one risk's page) and/or register `filters` (a portfolio view; by default
    every risk but the closed ones).
    """
    day = as_of or date.today()
    version, months = review_rules(database)
    params = _Params()
    sql = (
        _selected_cte(params, day, filters, risk_ids, (version, months))
        + ",\n"
        + _checks_sql(params, day, version, months).lstrip()
        + f"""
SELECT f.risk_id, s.system_id, s.system_name, s.title, f."check", {_CHECK_KIND} AS kind,
    f.message
FROM findings f JOIN selected s ON s.risk_id = f.risk_id"""
    )
    if kind is not None:
        if kind not in {"problem", "note"}:
            raise ValueError(f"kind is 'problem' or 'note', not '{kind}'")
        sql += f"\nWHERE {_CHECK_KIND} = {params.add('kind', kind)}"
    sql += f"\nORDER BY s.system_name, f.risk_id, {_CHECK_ORDER}, f.message"
    if limit is not None:
        sql += f"\nLIMIT {params.add('row_limit', int(limit))}"
    frame = database.query_df(sql, params.values)
    return frame[CHECK_COLUMNS]


def _with_finding_totals(
    database: Database,
    params: _Params,
    filters: RiskFilter | None,
    risk_ids: Iterable[int] | None,
    as_of: date | None,
    page: str | None = None,
) -> str:
    """The CTEs of the register rows the filters keep (`selected`), their findings and, per
    risk, how many problems and notes were found (`finding_totals`), ready for a SELECT.

    `page` (a SELECT over `selected`) becomes the CTE `page` and only its rows are checked:
    a list of the first rows needs no findings for the others."""
    day = as_of or date.today()
    version, months = review_rules(database)
    ctes = _selected_cte(params, day, filters, risk_ids, (version, months))
    source = "selected"
    if page is not None:
        ctes += f",\npage AS ({page})"
        source = "page"
    return (
        ctes
        + ",\n"
        + _checks_sql(params, day, version, months, source).lstrip()
        + f""",
finding_totals AS (
    SELECT f.risk_id,
        count(*) FILTER (WHERE {_CHECK_KIND} = 'problem') AS findings,
        count(*) FILTER (WHERE {_CHECK_KIND} = 'note') AS notes
    FROM findings f GROUP BY f.risk_id
)
"""
    )


def register_frame(
    database: Database,
    filters: RiskFilter | None = None,
    *,
    risk_ids: Iterable[int] | None = None,
    as_of: date | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """One row per risk (`REGISTER_COLUMNS`), worst first (the first `limit` rows if given):
    the risks the filters keep (by default every risk but the closed ones).

    Per tier: `<tier>_likelihood/_severity/_level/_level_rank/_criteria_version/_rated_at`
    (empty when that tier is not rated). `current_*` is the residual rating where there is one,
    else the inherent one; `above_appetite` compares it with the appetite, or with the harm
    category's tolerance, of the criteria version it was made under (`acceptable_level` names
    that level); a closed risk is never above it. `accepted_until` is the end of the acceptance
    in force that covers the current residual rating. `findings` counts the open problems of
    the consistency checks, `notes` the notes.
    """
    params = _Params()
    order = ("above_appetite DESC", "current_level_rank DESC NULLS LAST", "system_name", "risk_id")
    # The rows shown are chosen first (the order needs no findings), then only they are checked.
    page = "SELECT * FROM selected"
    if limit is not None:
        page += f" ORDER BY {', '.join(order)} LIMIT {params.add('row_limit', int(limit))}"
    sql = (
        _with_finding_totals(database, params, filters, risk_ids, as_of, page)
        + "SELECT s.*, coalesce(n.findings, 0) AS findings, coalesce(n.notes, 0) AS notes"
        " FROM page s LEFT JOIN finding_totals n ON n.risk_id = s.risk_id"
        f" ORDER BY {', '.join(f's.{term}' for term in order)}"
    )
    frame = database.query_df(sql, params.values)
    frame = frame[REGISTER_COLUMNS].copy()
    for column in ("affected_parties", "controls"):
        frame[column] = frame[column].map(list).astype(object)
    for column in ("findings", "notes", "open_actions", "overdue_actions"):
        frame[column] = frame[column].astype("int64")
    frame["above_appetite"] = frame["above_appetite"].astype(bool)
    return frame.reset_index(drop=True)


def register_summary(
    database: Database, filters: RiskFilter | None = None, *, as_of: date | None = None
) -> dict[str, int]:
    """Headline counts of the risks the filters keep, aggregated in DuckDB: risks, above
    appetite (all of them, accepted or not), with open findings, accepted (above the appetite
    and covered by an acceptance in force), not_accepted (above the appetite with no acceptance
    in force: the portfolio's "Above appetite, not accepted"; above_appetite = accepted +
    not_accepted), overdue actions, findings, notes."""
    params = _Params()
    sql = (
        _with_finding_totals(database, params, filters, None, as_of)
        + """SELECT count(*) AS risks,
    count(*) FILTER (WHERE s.above_appetite) AS above_appetite,
    count(*) FILTER (WHERE coalesce(n.findings, 0) > 0) AS with_findings,
    count(*) FILTER (WHERE s.above_appetite AND s.accepted_until IS NOT NULL) AS accepted,
    count(*) FILTER (WHERE s.above_appetite AND s.accepted_until IS NULL) AS not_accepted,
    coalesce(sum(s.overdue_actions), 0) AS overdue_actions,
    coalesce(sum(n.findings), 0) AS findings,
    coalesce(sum(n.notes), 0) AS notes
FROM selected s LEFT JOIN finding_totals n ON n.risk_id = s.risk_id"""
    )
    row = database.query_records(sql, params.values)[0]
    return {key: int(value or 0) for key, value in row.items()}


def _rated_rows(tier: str) -> str:
    """The current ratings a heatmap of `tier` reads (one per risk at most)."""
    if tier == CURRENT_TIER:
        return (
            "SELECT * FROM risk_current_ratings c WHERE c.tier = 'residual'"
            " OR (c.tier = 'inherent' AND NOT EXISTS (SELECT 1 FROM risk_current_ratings o"
            " WHERE o.risk_id = c.risk_id AND o.tier = 'residual'))"
        )
    if tier not in TIERS:
        raise ValueError(f"'{tier}' is not a tier; use one of {', '.join(MATRIX_TIERS)}.")
    return f"SELECT * FROM risk_current_ratings c WHERE c.tier = '{tier}'"


def _placement_sql(params: _Params, tier: str, version: int) -> str:
    """`placement`: each rating of the tier of the `selected` risks with the cell it occupies on
    `version`'s matrix. A rating made under a later version than `version` has no place and is
    left out.
    """
    target = params.add("target_version", version)
    scope = " JOIN selected s ON s.risk_id = c.risk_id"
    return f"""placement AS (
    SELECT c.risk_id, c.likelihood AS rated_likelihood, c.severity AS rated_severity,
        c.level AS rated_level, c.criteria_version AS rated_criteria_version,
        c.placed_likelihood, c.placed_severity, c.mapped
    FROM ({rules.placed_on(target, _rated_rows(tier))}) c{scope}
)"""


def _scoped_prefix(database: Database, params: _Params, filters: RiskFilter | None) -> str:
    """The CTE prefix a placement query needs: the register rows the filters keep."""
    review = review_rules(database)
    return _selected_cte(params, date.today(), filters, None, review) + ",\n"


def matrix_counts(
    database: Database,
    tier: str,
    filters: RiskFilter | None = None,
    criteria_version: int | None = None,
) -> pd.DataFrame:
    """How many risks sit in each cell of the matrix for one tier (`MATRIX_COLUMNS`).

    Every cell of the criteria version (default: the current one) is a row, zero counts
    included, likelihood-major, over the risks the filters keep (by default every risk but the
    closed ones). A rating made under another version is placed on this matrix
    (`risk_rules.placed_on`); `mapped_count` says how many of a cell's `count` were placed so.
    `tier` is 'inherent', 'residual', 'target' or 'residual_or_inherent'.
    """
    version = criteria_version or current_criteria(database).version
    params = _Params()
    prefix = _scoped_prefix(database, params, filters)
    cells_version = params.add("cells_version", version)
    sql = (
        prefix
        + _placement_sql(params, tier, version)
        + f"""
SELECT cc.likelihood, cc.severity, cc.level, cc.level_rank, cc.colour,
    count(p.risk_id) AS count,
    count(p.risk_id) FILTER (WHERE p.mapped) AS mapped_count
FROM criteria_cells cc
LEFT JOIN placement p
    ON p.placed_likelihood = cc.likelihood AND p.placed_severity = cc.severity
WHERE cc.version = {cells_version}
GROUP BY cc.likelihood, cc.severity, cc.level, cc.level_rank, cc.colour
ORDER BY cc.likelihood, cc.severity"""
    )
    frame = database.query_df(sql, params.values)
    for column in ("likelihood", "severity", "level_rank", "count", "mapped_count"):
        frame[column] = frame[column].astype("int64")
    return frame[MATRIX_COLUMNS]


def risks_in_cell(
    database: Database,
    tier: str,
    likelihood: int,
    severity: int,
    filters: RiskFilter | None = None,
    criteria_version: int | None = None,
) -> pd.DataFrame:
    """The register rows of the risks a heatmap of `tier` places in one cell.

    Columns: `REGISTER_COLUMNS` plus `PLACEMENT_COLUMNS` (the rating as made, the cell it is
    placed in, and `mapped` when it was made under another criteria version).
    """
    version = criteria_version or current_criteria(database).version
    params = _Params()
    prefix = _scoped_prefix(database, params, filters)
    cell_l = params.add("cell_likelihood", int(likelihood))
    cell_s = params.add("cell_severity", int(severity))
    placed = database.query_df(
        prefix
        + _placement_sql(params, tier, version)
        + f"\nSELECT * FROM placement WHERE placed_likelihood = {cell_l}"
        f" AND placed_severity = {cell_s}",
        params.values,
    )
    rows = register_frame(database, filters, risk_ids=placed["risk_id"].tolist())
    merged = rows.merge(placed, on="risk_id", how="inner")
    return merged[[*REGISTER_COLUMNS, *PLACEMENT_COLUMNS]].sort_values(
        ["system_name", "risk_id"], ignore_index=True
    )


def facets(database: Database) -> dict[str, list[str]]:
    """Values the register's filters can offer: owners and business units in use."""
    owners = database.query_rows("SELECT DISTINCT owner FROM risks ORDER BY owner")
    units = database.query_rows(
        "SELECT DISTINCT s.business_unit FROM risks r JOIN ai_systems s ON s.id = r.system_id"
        " ORDER BY 1"
    )
    return {
        "owner": [row[0] for row in owners],
        "business_unit": [row[0] for row in units],
    }


def risk_count(database: Database, system_id: int | None = None) -> int:
    """How many risks are identified (for one AI system, or in all)."""
    if system_id is None:
        row = database.query_one("SELECT count(*) FROM risks")
    else:
        row = database.query_one("SELECT count(*) FROM risks WHERE system_id = ?", [system_id])
    return int(row[0]) if row else 0


EXPORT_COLUMNS = [
    "system_id",
    "system_name",
    "risk_id",
    "title",
    "harm_category",
    "risk_source",
    "affected_parties",
    "owner",
    "status",
    "inherent_likelihood",
    "inherent_severity",
    "inherent_level",
    "residual_likelihood",
    "residual_severity",
    "residual_level",
    "target_likelihood",
    "target_severity",
    "target_level",
    "treatment_option",
    "controls",
    "above_appetite",
    "accepted_until",
    "last_rated_at",
    # Beyond the minimum: where the risk sits and which criteria each rating used.
    "business_unit",
    "lifecycle_stage",
    "description",
    "inherent_criteria_version",
    "residual_criteria_version",
    "target_criteria_version",
    "findings",
]


def register_export_frame(
    database: Database, filters: RiskFilter | None = None, *, as_of: date | None = None
) -> pd.DataFrame:
    """The register as `python -m assessments export risks` writes it (`EXPORT_COLUMNS`).

    Without filters every risk is exported, closed ones included (a record for auditors, not
    a figure). Lists (affected parties, Annex A control IDs) are joined with ';';
    `accepted_until` is a date; the order is by system and risk id so two exports compare line
    by line.
    """
    frame = register_frame(database, filters or RiskFilter(include_closed=True), as_of=as_of)
    frame = frame.sort_values(["system_name", "risk_id"], ignore_index=True)
    export = frame[EXPORT_COLUMNS].copy()
    for column in ("affected_parties", "controls"):
        export[column] = export[column].map(";".join)
    export["accepted_until"] = export["accepted_until"].map(
        lambda value: value.date() if isinstance(value, pd.Timestamp) else None
    )
    return _without_missing(export)


def _without_missing(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty cells as None, which every export format writes as empty (not '<NA>' or NaN)."""
    plain = frame.astype(object)
    return plain.where(frame.notna(), None)


RATING_EXPORT_COLUMNS = [
    "risk_id",
    "tier",
    "likelihood",
    "severity",
    "level",
    "rated_at",
    "rated_by",
    "method",
    "workshop_id",
    "criteria_version",
    "rationale",
    "strength_of_knowledge",
]


def ratings_export_frame(database: Database) -> pd.DataFrame:
    """Every rating ever made, oldest first per risk (the full history, `RATING_EXPORT_COLUMNS`)."""
    return _without_missing(
        database.query_df(
            f"SELECT {', '.join(RATING_EXPORT_COLUMNS)} FROM risk_ratings"
            " ORDER BY risk_id, rated_at, id"
        )
    )
