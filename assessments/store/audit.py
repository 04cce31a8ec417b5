"""Reading the audit trail: filters for the audit log page and each record's change history."""

from __future__ import annotations

import json
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
    limit: int = 2000,
) -> pd.DataFrame:
    """Audit events newest first, narrowed in SQL; `end` is inclusive (the whole day)."""
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
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    params.append(limit)
    return database.query_df(
        f"SELECT id, occurred_at AS at, actor, action, entity, entity_id, summary,"
        " before_state AS before, after_state AS after"
        f" FROM audit_events {where} ORDER BY id DESC LIMIT ?",
        params,
    )


def count_events(database: Database) -> int:
    row = database.query_one("SELECT count(*) FROM audit_events")
    return int(row[0]) if row else 0


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
