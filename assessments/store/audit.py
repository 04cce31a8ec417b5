"""Reading the audit trail: filters for the audit log page and each record's change history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from assessments.store.db import Database

AUDIT_COLUMNS = ["id", "at", "actor", "action", "entity", "entity_id", "summary"]


def list_events(
    database: Database,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int | None = 2000,
) -> pd.DataFrame:
    """Audit events newest first, narrowed in SQL; `end` is inclusive (the whole day). At most
    `limit` events (None: all of them, for a download)."""
    where, params = _event_conditions(
        entity=entity, entity_id=entity_id, actor=actor, start=start, end=end
    )
    bounded = " LIMIT ?" if limit is not None else ""
    if limit is not None:
        params.append(int(limit))
    return database.query_df(
        f"SELECT id, occurred_at AS at, actor, action, entity, entity_id, summary,"
        " before_state AS before, after_state AS after"
        f" FROM audit_events{where} ORDER BY id DESC{bounded}",
        params,
    )


def _event_conditions(
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    actor: str | None = None,
    start: date | None = None,
    end: date | None = None,
    before: date | None = None,
) -> tuple[str, list[Any]]:
    """The WHERE clause (with a leading space, or empty) and its parameters shared by the list
    and the count, so "the newest N of M" counts exactly what the list narrows to."""
    conditions: list[str] = []
    params: list[Any] = []
    if entity:
        conditions.append("entity = ?")
        params.append(entity)
    if entity_id is not None:
        conditions.append("entity_id = ?")
        params.append(str(entity_id))
    if actor:
        conditions.append("actor = ?")
        params.append(actor)
    if start:
        conditions.append("occurred_at >= ?")
        params.append(datetime.combine(start, time.min))
    if end:
        conditions.append("occurred_at < ?")
        params.append(datetime.combine(end + timedelta(days=1), time.min))
    if before:
        conditions.append("occurred_at < ?")
        params.append(datetime.combine(before, time.min))
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return where, params


def count_events(
    database: Database,
    *,
    entity: str | None = None,
    entity_id: object | None = None,
    actor: str | None = None,
    start: date | None = None,
    end: date | None = None,
    before: date | None = None,
) -> int:
    """How many events there are (of one record type or record, by one person, in a period
    with `end` inclusive, before a day): the M of "the newest N of M"."""
    where, params = _event_conditions(
        entity=entity, entity_id=entity_id, actor=actor, start=start, end=end, before=before
    )
    row = database.query_one(f"SELECT count(*) FROM audit_events{where}", params)
    return int(row[0]) if row else 0


def record_names(
    database: Database, wanted: Mapping[str, Iterable[int]]
) -> dict[str, dict[int, str]]:
    """The names of the systems, risks and workshops (id -> name, by kind) that a list of events
    refers to (`wanted` as from `audit_view.referenced_ids`)."""
    queries = {
        "systems": "SELECT id, name FROM ai_systems",
        "risks": "SELECT id, title FROM risks",
        "workshops": "SELECT id, title FROM workshops",
    }
    found: dict[str, dict[int, str]] = {}
    for kind, select in queries.items():
        ids = sorted(set(wanted.get(kind, ())))
        found[kind] = (
            dict(database.query_rows(f"{select} WHERE id = ANY(?::BIGINT[])", [ids])) if ids else {}
        )
    return found


def audit_facets(database: Database) -> dict[str, list[str]]:
    """The entities and actors that occur, for the filters."""
    rows = database.query_rows(
        "SELECT 'entity', entity FROM audit_events UNION SELECT 'actor', actor FROM audit_events"
    )
    found: dict[str, list[str]] = {"entity": [], "actor": []}
    for kind, value in rows:
        found[kind].append(value)
    return {kind: sorted(values) for kind, values in found.items()}


def entity_history(database: Database, entity: str, entity_id: object) -> list[dict[str, Any]]:
    """Every event of one record, oldest first, with before and after parsed."""
    records = database.query_records(
        "SELECT id, occurred_at AS at, actor, action, summary, before_state AS before,"
        " after_state AS after FROM audit_events"
        " WHERE entity = ? AND entity_id = ? ORDER BY id",
        [entity, str(entity_id)],
    )
    for record in records:
        record["before"] = json.loads(record["before"]) if record["before"] else None
        record["after"] = json.loads(record["after"]) if record["after"] else None
    return records
