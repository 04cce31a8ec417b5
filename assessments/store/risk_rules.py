"""The register's rules as SQL fragments, one definition each, used by every query that judges a
risk: the register and its checks (store/register.py), the leadership figures
(store/heatmaps.py, store/attention.py, store/trends.py), the risk page's acceptances
(store/risks.py) and the level counts of a system (store/risk_summary.py). A figure on one
page therefore never contradicts another.

- Scope: a closed risk (`INACTIVE_RISK_STATUSES`) and every risk of a retired AI system need no
  decision. Figures, lists and heatmaps leave them out unless the filter includes them (the
  "include closed risks and retired systems" choice, or a filter naming a retired system), and
  they are never "above the appetite" nor checked.
- Existence on a day: a risk is known from the day it was recorded (`created_at`) or, when its
  history was entered later, from its first rating (`rated_at` is a business date and may be
  backdated); a system from its own `created_at` or its first known risk; an action from the day
  it was recorded, or done from its completion day. An "as of" figure counts nothing else.
- Status on a day: a risk's status (closed or not) and a system's (retired or not) as they
  stood then, from the audit trail, which records every record's state in the transaction that
  changed it: the state after the last change by the end of that day; for a day before the
  first recorded change (history entered later, with backdated ratings), the state before the
  first change after it (or, for the record's creation, the state it was created with).
- Placement: a rating keeps the level it was given under its own criteria version; for totals,
  heatmaps and paths it is placed on one grid (the current criteria's) through
  `criteria_cell_map`, and only `placed_on` here writes that join, so every figure places a
  rating on the same cell at the same level.
- Appetite: a rating is judged under the criteria version it was made under. The acceptable
  rank is the harm category's tolerance in that version, else that version's appetite; a rating
  is above the appetite when its own level rank is higher.
- Acceptance in force on a day: approved by then, not expired, not revoked by then. It covers a
  residual rating when it accepted that very rating, or a rating of the same criteria version at
  a level no higher than the one accepted (a re-rating at a higher level needs a new decision).

Aliases and placeholders are passed in, so each query keeps its own names and parameters; the
values inlined here are our own vocabulary keys, never user input.
"""

from __future__ import annotations

from collections.abc import Iterable

from assessments.risk_checks import INACTIVE_RISK_STATUSES, INACTIVE_SYSTEM_STATUSES

# The residual rating in force per risk, in the shape `accepted_until_sql` needs.
CURRENT_RESIDUAL = (
    "SELECT risk_id, rating_id, criteria_version, level_rank FROM risk_current_ratings"
    " WHERE tier = 'residual'"
)


def sql_list(values: Iterable[str]) -> str:
    """A constant list of our own vocabulary keys, inlined (never user input)."""
    return ", ".join(f"'{value}'" for value in values)


# --- scope ---------------------------------------------------------------------------------------


def system_active(system_status: str) -> str:
    """SQL: the AI system with this status is in the AIMS scope (not retired)."""
    return f"({system_status} NOT IN ({sql_list(INACTIVE_SYSTEM_STATUSES)}))"


def is_active(status: str, system_status: str | None = None) -> str:
    """SQL: the risk with this status still needs decisions: it is not closed and (when
    `system_status` is given) its AI system is not retired."""
    risk_open = f"({status} NOT IN ({sql_list(INACTIVE_RISK_STATUSES)}))"
    if system_status is None:
        return risk_open
    return f"({risk_open} AND {system_active(system_status)})"


def in_scope(
    status: str, include_closed: bool, system_status: str | None = None, named: str = "FALSE"
) -> str:
    """SQL: the risk belongs in a figure, list or heatmap. Closed risks and the risks of
    retired systems only when asked for; `named` is SQL that is true when the filter names the
    risk's system, which brings a retired system's open risks back."""
    if include_closed:
        return "TRUE"
    risk_open = is_active(status)
    if system_status is None:
        return risk_open
    return f"({risk_open} AND ({system_active(system_status)} OR {named}))"


def risk_known_by(risk: str, cutoff: str) -> str:
    """SQL: the risk (alias `risk` of `risks`) was known before `cutoff` (an instant): recorded
    by then, or rated by then (a history entered later keeps its business dates)."""
    return (
        f"({risk}.created_at < {cutoff} OR EXISTS (SELECT 1 FROM risk_ratings known"
        f" WHERE known.risk_id = {risk}.id AND known.rated_at < {cutoff}))"
    )


def system_known_by(system: str, cutoff: str) -> str:
    """SQL: the AI system (alias `system` of `ai_systems`) existed before `cutoff`: recorded by
    then, or one of its risks was known by then."""
    return (
        f"({system}.created_at < {cutoff} OR EXISTS (SELECT 1 FROM risks known_risk"
        f" WHERE known_risk.system_id = {system}.id AND {risk_known_by('known_risk', cutoff)}))"
    )


def _status_events(entity: str) -> str:
    """Every recorded change of a record's status (record_id, id, occurred_at, before_state,
    status_after) from the audit trail: the events whose record state carries a status. The
    entity ids of risks and AI systems are always their integer ids. The state before is left
    as text: parsing JSON is the costly part, and most readers need it for a few events only
    (`_status_before` reads it)."""
    if entity not in ("risk", "ai_system"):
        raise ValueError(f"No status history for '{entity}'.")
    # The LIKE only skips cheaply the events that cannot carry a status (ratings,
    # acceptances); the JSON decides.
    return (
        "SELECT * FROM (SELECT CAST(entity_id AS INTEGER) AS record_id, id, occurred_at,"
        " before_state, CAST(after_state AS JSON) ->> 'status' AS status_after"
        f" FROM audit_events WHERE entity = '{entity}' AND after_state LIKE '%\"status\"%')"
        " status_change WHERE status_after IS NOT NULL"
    )


def _status_before(event: str) -> str:
    """SQL: the status before the change of a `_status_events` row (alias `event`)."""
    return f"(CAST({event}.before_state AS JSON) ->> 'status')"


def _status_then(
    entity: str, cutoff: str, keys: tuple[str, ...], sources: str = "", where: str = ""
) -> str:
    """A relation (the columns `keys` name, status): the status at `cutoff` per group of `keys`
    over `_status_events` (alias `e`, joined to `sources`): the state after the last change
    before the cutoff, else the state before the first change after it. The deciding event is
    found by its id (max/min, cheap on both stores) and joined back, rather than aggregating
    the states themselves."""
    grouped = ", ".join(keys)
    picked = ", ".join(f"pick.{key.split('.')[-1]}" for key in keys)
    return (
        f"WITH status_events AS MATERIALIZED ({_status_events(entity)}),"
        f" status_picks AS (SELECT {grouped},"
        f" max(e.id) FILTER (WHERE e.occurred_at < {cutoff}) AS last_before,"
        f" min(e.id) FILTER (WHERE e.occurred_at >= {cutoff}) AS first_after"
        f" FROM status_events e{sources}{where} GROUP BY {grouped})"
        f" SELECT {picked},"
        " CASE WHEN pick.last_before IS NOT NULL THEN chosen.status_after"
        f" ELSE coalesce({_status_before('chosen')}, chosen.status_after) END AS status"
        " FROM status_picks pick JOIN status_events chosen"
        " ON chosen.id = coalesce(pick.last_before, pick.first_after)"
    )


def status_as_of(entity: str, cutoff: str) -> str:
    """A relation (record_id, status): the status of each record of audit `entity` ('risk',
    'ai_system') as it stood at `cutoff` (an instant), from the audit trail. Records with no
    status in the trail are absent (callers fall back to today's status)."""
    return _status_then(entity, cutoff, ("e.record_id",))


def status_at_each(entity: str, periods: str, records: str) -> str:
    """A relation (position, record_id, status): as `status_as_of`, at the `cutoff` of every
    row of `periods` (a relation with position and cutoff), for the records whose ids
    `records` (SQL) returns."""
    return _status_then(
        entity,
        "p.cutoff",
        ("p.position", "e.record_id"),
        f" CROSS JOIN {periods} p",
        f" WHERE e.record_id IN ({records})",
    )


def status_changed_risks() -> str:
    """A relation (risk_id): the risks whose own status or whose AI system's status has ever
    changed (a figure over time must judge them at each moment, not by today's status)."""

    def changed(entity: str) -> str:
        return (
            f"SELECT record_id FROM (SELECT e.record_id, e.status_after, {_status_before('e')}"
            f" AS status_before FROM ({_status_events(entity)}) e) change"
            " WHERE change.status_before IS NOT NULL"
            " AND change.status_before <> change.status_after"
        )

    return (
        f"SELECT id AS risk_id FROM risks WHERE id IN ({changed('risk')})"
        f" OR system_id IN ({changed('ai_system')})"
    )


# --- placement on a criteria grid ---------------------------------------------------------------


PLACED_COLUMNS = (
    "placed_likelihood",
    "placed_severity",
    "placed_level",
    "placed_rank",
    "placed_colour",
    "mapped",
)


def placed_on(version: str, source: str, *, left: bool = False, prefix: str = "") -> str:
    """A relation: every row of `source` (a table or CTE name, or a SELECT) with its rating
    placed on the grid of criteria `version` (SQL, e.g. '$version').

    The rating is read from the columns `{prefix}criteria_version`, `{prefix}likelihood` and
    `{prefix}severity` of `source`; its stored level (whatever `source` calls it, e.g. `level`
    and `level_rank`: the level it was given under its own version, which the appetite judges)
    stays beside the cell it lands on: `placed_likelihood`, `placed_severity`, `placed_level`,
    `placed_rank`, `placed_colour`, and `mapped` (made under another version than `version`).
    A rating made under a later version than `version` has no place: the row is left out, or
    with `left` kept with NULL placement (as is a row without a rating).
    """
    join = "LEFT JOIN" if left else "JOIN"
    relation = source.strip()
    if relation.split(None, 1)[0].upper() in ("SELECT", "WITH", "FROM"):
        relation = f"({relation})"
    return (
        "SELECT src.*, cell.likelihood AS placed_likelihood, cell.severity AS placed_severity,"
        " cell.level AS placed_level, cell.level_rank AS placed_rank,"
        " cell.colour AS placed_colour,"
        f" src.{prefix}criteria_version <> {version} AS mapped"
        f" FROM {relation} src"
        f" {join} criteria_cell_map placement_map"
        f" ON placement_map.from_version = src.{prefix}criteria_version"
        f" AND placement_map.to_version = {version}"
        f" AND placement_map.likelihood = src.{prefix}likelihood"
        f" AND placement_map.severity = src.{prefix}severity"
        f" {join} criteria_cells cell ON cell.version = placement_map.to_version"
        " AND cell.likelihood = placement_map.mapped_likelihood"
        " AND cell.severity = placement_map.mapped_severity"
    )


# --- appetite ------------------------------------------------------------------------------------


def appetite_joins(version: str, harm_category: str, alias: str = "appetite") -> str:
    """LEFT JOINs of the appetite and of the harm category's tolerance of criteria version
    `version` (the version the rating was made under), for `acceptable_rank(alias)`."""
    return (
        f" LEFT JOIN criteria_appetite {alias}_general ON {alias}_general.version = {version}"
        f" AND {alias}_general.harm_category = ''"
        f" LEFT JOIN criteria_appetite {alias}_tolerance"
        f" ON {alias}_tolerance.version = {version}"
        f" AND {alias}_tolerance.harm_category = {harm_category}"
    )


def acceptable_rank(alias: str = "appetite") -> str:
    """SQL: the highest acceptable level rank (needs `appetite_joins` with the same alias)."""
    return f"coalesce({alias}_tolerance.max_rank, {alias}_general.max_rank)"


def has_tolerance(alias: str = "appetite") -> str:
    """SQL: the harm category has a tolerance of its own in that version."""
    return f"({alias}_tolerance.max_rank IS NOT NULL)"


def above_appetite(
    own_rank: str, status: str, alias: str = "appetite", system_status: str | None = None
) -> str:
    """SQL boolean (never NULL): a rating of rank `own_rank` (under its own criteria version)
    of a risk with `status` is above what is acceptable. A closed risk (or, with
    `system_status`, a risk of a retired system) never is."""
    active = is_active(status, system_status)
    return f"coalesce({active} AND {own_rank} > {acceptable_rank(alias)}, FALSE)"


# --- acceptance ----------------------------------------------------------------------------------


def acceptance_live(acceptance: str, day: str) -> str:
    """SQL: the acceptance has not expired and was not revoked by `day` (it may still start
    later; levels it names stay in use)."""
    return (
        f"{acceptance}.valid_until >= {day} AND ({acceptance}.revoked_at IS NULL"
        f" OR CAST({acceptance}.revoked_at AS DATE) > {day})"
    )


def acceptance_in_force(acceptance: str, day: str) -> str:
    """SQL: the acceptance is in force on `day`."""
    return f"{acceptance}.approved_at <= {day} AND {acceptance_live(acceptance, day)}"


def acceptance_covers(acceptance: str, rating: str) -> str:
    """SQL: the acceptance covers the residual `rating` (a relation alias with rating_id,
    criteria_version and level_rank under its own version)."""
    return (
        f"({acceptance}.rating_id = {rating}.rating_id"
        f" OR ({acceptance}.criteria_version = {rating}.criteria_version"
        f" AND {acceptance}.level_rank >= {rating}.level_rank))"
    )


def accepted_until_sql(residual: str, day: str) -> str:
    """A relation: per risk (risk_id, accepted_until), the end of the latest acceptance in force
    on `day` that covers its residual rating. `residual` is SQL giving the residual rating in
    force per risk (risk_id, rating_id, criteria_version, level_rank), e.g. CURRENT_RESIDUAL."""
    return (
        "SELECT a.risk_id, max(a.valid_until) AS accepted_until FROM risk_acceptances a"
        f" JOIN ({residual}) res ON res.risk_id = a.risk_id"
        f" WHERE {acceptance_in_force('a', day)} AND {acceptance_covers('a', 'res')}"
        " GROUP BY a.risk_id"
    )


def expired_acceptance_sql(day: str) -> str:
    """A relation: per risk (risk_id, expired_on, expired_approver), the last day and approver
    of the latest acceptance that had run out by `day` (one revoked before it ran out is not
    an expiry)."""
    return (
        "SELECT DISTINCT ON (risk_id) risk_id, valid_until AS expired_on,"
        " approved_by AS expired_approver FROM risk_acceptances"
        f" WHERE valid_until < {day}"
        " AND (revoked_at IS NULL OR CAST(revoked_at AS DATE) > valid_until)"
        " ORDER BY risk_id, valid_until DESC, id DESC"
    )
