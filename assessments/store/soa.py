"""Storage of the Statement of Applicability and of clause readiness.

Both are append-only: every change to a control's SoA line (or to a clause item's rating) is a
new row with who and when, and a small current table points at the latest row, moved in the same
transaction. "The SoA as it stood on a date" is the latest row per control changed up to the end
of that day. Which risks a control treats is not stored here: it is derived from the risks'
treatments (`risks.controls`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from assessments.errors import ConflictError
from assessments.identity import Actor, Permission, requires
from assessments.soa import (
    ReadinessInput,
    ReadinessRating,
    SoAEntry,
    SoAEntryInput,
    consistency_findings,
    fixable_controls,
    made_applicable,
    same_entry,
)
from assessments.store.db import Database, Transaction

SOA_ENTITY = "soa_control"
READINESS_ENTITY = "clause_readiness"
# `expected_entry_id` / expected rating id for "the editor saw no line yet" (ids start at 1).
NO_ENTRY = 0

_ENTRY_FIELDS = list(SoAEntryInput.model_fields)
_RATING_FIELDS = list(ReadinessInput.model_fields)


def _records(result: Any) -> list[dict[str, Any]]:
    columns = [column[0] for column in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _end_of_day(day: date) -> datetime:
    """Changes up to and including `day` (timestamps are UTC) are before this instant."""
    return datetime.combine(day + timedelta(days=1), time.min)


@dataclass(frozen=True)
class _VersionTables:
    """An append-only history table and the current-state table pointing at its latest row."""

    history: str
    current: str
    key: str
    pointer: str


_SOA_TABLES = _VersionTables("soa_entries", "soa_current", "control_id", "entry_id")
_READINESS_TABLES = _VersionTables("readiness_ratings", "readiness_current", "item_id", "rating_id")


def _append_version(
    transaction: Transaction,
    tables: _VersionTables,
    fields: Sequence[str],
    values: dict[str, Any],
    key: str,
    when: datetime,
    who: str,
) -> int:
    """Append a version and point the current table at it; returns the new row's id.

    The pointer only moves forward in time: a back-dated version (the demo's history) never
    replaces a later one as the current version.
    """
    row = transaction.fetchone(
        f"INSERT INTO {tables.history} ({', '.join(fields)}, changed_at, changed_by)"
        f" VALUES ({', '.join('?' for _ in fields)}, ?, ?) RETURNING id",
        [values[name] for name in fields] + [when, who],
    )
    assert row is not None
    version_id = int(row[0])
    transaction.execute(
        f"INSERT INTO {tables.current} VALUES (?, ?, ?) ON CONFLICT ({tables.key}) DO UPDATE SET"
        f" {tables.pointer} = excluded.{tables.pointer}, changed_at = excluded.changed_at"
        f" WHERE excluded.changed_at >= {tables.current}.changed_at",
        [key, version_id, when],
    )
    return version_id


def _snapshot(entry: SoAEntry | None) -> dict[str, Any] | None:
    return entry.model_dump(mode="json", exclude={"changed_at", "changed_by"}) if entry else None


# SoA: reads


_CURRENT_ENTRIES = (
    "SELECT e.* FROM soa_current c JOIN soa_entries e ON e.id = c.entry_id ORDER BY e.control_id"
)


def _latest_as_of(table: str, key: str, fields: Iterable[str]) -> str:
    """The newest row per `key` of an append-only history `table` changed before the instant
    given as the one parameter. Standard SQL (a window in a subquery), so a PostgreSQL store
    can share it."""
    columns = ", ".join(["id", *fields, "changed_at", "changed_by"])
    return (
        f"SELECT {columns} FROM (SELECT {columns}, row_number() OVER (PARTITION BY {key}"
        f" ORDER BY changed_at DESC, id DESC) AS position FROM {table}"
        f" WHERE changed_at < ?) latest WHERE position = 1 ORDER BY {key}"
    )


_ENTRIES_AS_OF = _latest_as_of("soa_entries", "control_id", _ENTRY_FIELDS)


def current_entries(database: Database, as_of: date | None = None) -> dict[str, SoAEntry]:
    """The SoA line of every assessed control, now or as it stood at the end of `as_of`.

    A control missing from the result has not been assessed (yet, or by that date).
    """
    if as_of is None:
        rows = database.query_records(_CURRENT_ENTRIES)
    else:
        rows = database.query_records(_ENTRIES_AS_OF, [_end_of_day(as_of)])
    return {row["control_id"]: SoAEntry.model_validate(row) for row in rows}


def entry_in_transaction(transaction: Transaction, control_id: str) -> SoAEntry | None:
    rows = _records(
        transaction.execute(
            "SELECT e.* FROM soa_current c JOIN soa_entries e ON e.id = c.entry_id"
            " WHERE c.control_id = ?",
            [control_id],
        )
    )
    return SoAEntry.model_validate(rows[0]) if rows else None


def entry_history(database: Database, control_id: str) -> pd.DataFrame:
    """Every version of one control's line, newest first."""
    return database.query_df(
        "SELECT id, changed_at, changed_by, applicable, status, inclusion_reasons, justification,"
        " exclusion_reason, owner, evidence, last_reviewed FROM soa_entries"
        " WHERE control_id = ? ORDER BY changed_at DESC, id DESC",
        [control_id],
    )


def first_change(database: Database) -> date | None:
    """The day of the earliest SoA change (the as-of view starts there)."""
    row = database.query_one("SELECT min(changed_at) FROM soa_entries")
    return row[0].date() if row and row[0] is not None else None


# The two places that read the risks' VARCHAR[] of controls (unnest and `= ANY`, which both
# stores take).
_TREATED_BY = (
    "SELECT control_id, array_agg(id ORDER BY id) AS risk_ids"
    " FROM (SELECT id, unnest(controls) AS control_id FROM risks) treatments GROUP BY control_id"
)


def treated_by(database: Database) -> dict[str, list[int]]:
    """For each control that some risk treatment uses, the ids of those risks."""
    return {control: list(ids) for control, ids in database.query_rows(_TREATED_BY)}


def treated_by_in_transaction(transaction: Transaction) -> dict[str, list[int]]:
    return {control: list(ids) for control, ids in transaction.fetchall(_TREATED_BY)}


def risks_treated_by(database: Database, control_id: str, limit: int | None = None) -> pd.DataFrame:
    """The risks whose treatment uses one control, with their system, lowest id first: the
    first `limit` for the page's links (`treated_by` counts them all), or every one for the
    download."""
    bounded = " LIMIT ?" if limit is not None else ""
    return database.query_df(
        "SELECT r.id, r.title, s.name AS system, r.status, r.treatment_option"
        " FROM risks r LEFT JOIN ai_systems s ON s.id = r.system_id"
        f" WHERE CAST(? AS VARCHAR) = ANY(r.controls) ORDER BY r.id{bounded}",
        [control_id] if limit is None else [control_id, int(limit)],
    )


# SoA: writes


def insert_entry(
    transaction: Transaction,
    data: SoAEntryInput,
    *,
    changed_at: datetime | None = None,
    changed_by: str | None = None,
    summary: str = "",
) -> SoAEntry | None:
    """Append a new version of a control's line inside a caller's transaction.

    Returns None (and writes nothing) when the line would not change. `changed_at` and
    `changed_by` record the demo's dated history; they default to the transaction's time and
    actor (the audit event always names the transaction's actor).
    """
    current = entry_in_transaction(transaction, data.control_id)
    if same_entry(current, data):
        return None
    when = changed_at or transaction.at
    who = changed_by or transaction.actor
    values = data.model_dump()
    entry_id = _append_version(
        transaction, _SOA_TABLES, _ENTRY_FIELDS, values, data.control_id, when, who
    )
    saved = SoAEntry.model_validate(
        {**values, "id": entry_id, "changed_at": when, "changed_by": who}
    )
    state = "applicable" if data.applicable else "excluded"
    transaction.audit(
        "create" if current is None else "update",
        SOA_ENTITY,
        data.control_id,
        _snapshot(current),
        _snapshot(saved),
        summary or f"{data.control_id}: {state}, {data.status.replace('_', ' ')}",
    )
    return saved


@requires(Permission.EDIT_SOA)
def save_entry(
    database: Database,
    actor: Actor | str,
    data: SoAEntryInput,
    expected_entry_id: int | None = None,
) -> SoAEntry | None:
    """Save one control's line as a new version; None when nothing changed.

    `expected_entry_id` is the version the editor showed (NO_ENTRY when it showed none): if
    someone saved the control since, the save is refused instead of overwriting their change.
    """

    def work(transaction: Transaction) -> SoAEntry | None:
        current = entry_in_transaction(transaction, data.control_id)
        if expected_entry_id is not None:
            seen = current.id if current else NO_ENTRY
            if seen != expected_entry_id:
                who = f"{current.changed_by} changed" if current else "Someone changed"
                raise ConflictError(
                    f"{who} {data.control_id} since you opened it. Reload to see their"
                    " change, then make yours again."
                )
        saved = insert_entry(transaction, data)
        return saved

    return database.write(actor, work)


@requires(Permission.EDIT_SOA)
def make_treated_controls_applicable(
    database: Database, actor: Actor | str, control_ids: Iterable[str] | None = None
) -> list[str]:
    """The one-click fix: make every control that a risk treatment uses applicable.

    What needs fixing is worked out again inside the transaction, so a treatment changed in the
    meantime is taken into account; `control_ids` narrows the fix to some controls.
    """
    wanted = set(control_ids) if control_ids is not None else None

    def work(transaction: Transaction) -> list[str]:
        treated = treated_by_in_transaction(transaction)
        entries = {
            control_id: entry
            for control_id in treated
            if (entry := entry_in_transaction(transaction, control_id)) is not None
        }
        fixed: list[str] = []
        for control_id in fixable_controls(
            consistency_findings(entries, treated, controls=sorted_controls(treated))
        ):
            if wanted is not None and control_id not in wanted:
                continue
            fix = made_applicable(entries.get(control_id), control_id)
            if insert_entry(
                transaction,
                fix,
                summary=f"{control_id} made applicable: risk treatments use it",
            ):
                fixed.append(control_id)
        return fixed

    return database.write(actor, work)


def sorted_controls(control_ids: Iterable[str]) -> list[str]:
    """Control ids in the order of the standard (A.6.2.10 after A.6.2.9)."""
    return sorted(control_ids, key=lambda cid: [int(part) for part in cid[2:].split(".")])


# Readiness


_CURRENT_RATINGS = (
    "SELECT r.* FROM readiness_current c JOIN readiness_ratings r ON r.id = c.rating_id"
)
_RATINGS_AS_OF = _latest_as_of("readiness_ratings", "item_id", _RATING_FIELDS)


def current_ratings(database: Database, as_of: date | None = None) -> dict[str, ReadinessRating]:
    """The latest rating of every rated clause item, now or at the end of `as_of`."""
    if as_of is None:
        rows = database.query_records(_CURRENT_RATINGS)
    else:
        rows = database.query_records(_RATINGS_AS_OF, [_end_of_day(as_of)])
    return {row["item_id"]: ReadinessRating.model_validate(row) for row in rows}


def rating_history(database: Database, item_id: str) -> pd.DataFrame:
    """Every rating of one clause item, newest first."""
    return database.query_df(
        "SELECT id, changed_at, changed_by, maturity, evidence, note FROM readiness_ratings"
        " WHERE item_id = ? ORDER BY changed_at DESC, id DESC",
        [item_id],
    )


def rating_in_transaction(transaction: Transaction, item_id: str) -> ReadinessRating | None:
    rows = _records(
        transaction.execute(
            "SELECT r.* FROM readiness_current c JOIN readiness_ratings r ON r.id = c.rating_id"
            " WHERE c.item_id = ?",
            [item_id],
        )
    )
    return ReadinessRating.model_validate(rows[0]) if rows else None


def insert_rating(
    transaction: Transaction,
    data: ReadinessInput,
    *,
    changed_at: datetime | None = None,
    changed_by: str | None = None,
) -> ReadinessRating | None:
    """Append a rating of one clause item; None (nothing written) when nothing changed.

    `changed_at` and `changed_by` as for `insert_entry`.
    """
    current = rating_in_transaction(transaction, data.item_id)
    if current is not None and current.as_input() == data:
        return None
    when = changed_at or transaction.at
    who = changed_by or transaction.actor
    values = data.model_dump()
    rating_id = _append_version(
        transaction, _READINESS_TABLES, _RATING_FIELDS, values, data.item_id, when, who
    )
    saved = ReadinessRating.model_validate(
        {**values, "id": rating_id, "changed_at": when, "changed_by": who}
    )
    transaction.audit(
        "create" if current is None else "update",
        READINESS_ENTITY,
        data.item_id,
        current.as_input().model_dump() if current else None,
        data.model_dump(),
        f"{data.item_id}: maturity {data.maturity}",
    )
    return saved


@requires(Permission.EDIT_SOA)
def save_ratings(
    database: Database,
    actor: Actor | str,
    ratings: Sequence[ReadinessInput],
    expected: dict[str, int] | None = None,
) -> list[str]:
    """Save the ratings of several items in one transaction; returns the items that changed.

    `expected` maps an item to the rating id the editor showed (NO_ENTRY for none): a rating
    saved by someone else since is refused rather than overwritten.
    """

    def work(transaction: Transaction) -> list[str]:
        changed: list[str] = []
        for data in ratings:
            if expected is not None and data.item_id in expected:
                current = rating_in_transaction(transaction, data.item_id)
                seen = current.id if current else NO_ENTRY
                if seen != expected[data.item_id] and not (
                    current is not None and current.as_input() == data
                ):
                    who = current.changed_by if current else "Someone"
                    raise ConflictError(
                        f"{who} rated {data.item_id} since you opened this page. Reload to see"
                        " their rating, then make yours again."
                    )
            if insert_rating(transaction, data) is not None:
                changed.append(data.item_id)
        return changed

    return database.write(actor, work)
