"""Storage of the AI system inventory: the current record per system, each change audited.

The current state lives in `ai_systems` (one row per system, with a revision counter for
optimistic locking); its history is the audit trail, which holds every before and after.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from assessments.errors import ConflictError, NotFoundError
from assessments.identity import Actor, Permission, requires
from assessments.impact import OPEN_STATUSES as IMPACT_OPEN_STATUSES
from assessments.inventory import (
    AISystem,
    AISystemInput,
    FieldSpec,
    RetirementEffects,
    SystemFilter,
    changed_fields,
    filter_fields,
    system_fields,
)
from assessments.risk_checks import INACTIVE_RISK_STATUSES
from assessments.store.db import Database, Transaction
from assessments.store.reach import system_reach
from assessments.vocab import IN_SCOPE_STATUSES

ENTITY = "ai_system"

# Columns the export derives (the import ignores them): the record's id and the EU AI Act class
# of its current screening; between them every field the model declares for export.
EXPORT_ID, EXPORT_CLASS = "id", "eu_ai_act_class"


def export_columns() -> list[str]:
    """The export's header: id, the exported fields in model order, the EU AI Act class."""
    return [EXPORT_ID, *(spec.name for spec in system_fields() if spec.export), EXPORT_CLASS]


_INPUT_FIELDS = list(AISystemInput.model_fields)
_SELECT = "SELECT * FROM ai_systems"
# The EU AI Act class of each system's current screening (view of migration 004).
_WITH_SCREENING = (
    "LEFT JOIN (SELECT system_id, risk_class AS eu_ai_act_class FROM current_screenings)"
    " screening ON screening.system_id = ai_systems.id"
)


def _snapshot(system: AISystem) -> dict[str, Any]:
    return system.model_dump(mode="json")


def _row_to_system(row: dict[str, Any]) -> AISystem:
    return AISystem.model_validate(row)


def _fetch(transaction: Transaction, system_id: int) -> AISystem | None:
    result = transaction.execute(f"{_SELECT} WHERE id = ?", [system_id])
    columns = [column[0] for column in result.description]
    row = result.fetchone()
    return _row_to_system(dict(zip(columns, row, strict=True))) if row else None


def system_in_transaction(transaction: Transaction, system_id: int) -> AISystem | None:
    """One system read inside a caller's transaction (None when there is no such id)."""
    return _fetch(transaction, system_id)


def system_id_by_name(transaction: Transaction, name: str) -> int | None:
    """The id of the system with this name, case-insensitively (names are unique), or None."""
    row = transaction.fetchone(
        "SELECT id FROM ai_systems WHERE lower(name) = lower(?)", [name.strip()]
    )
    return int(row[0]) if row else None


def _namesake(transaction: Transaction, name: str, except_id: int | None = None) -> str | None:
    """The name, as stored, of another system whose name matches `name` in any spelling."""
    row = transaction.fetchone(
        "SELECT name FROM ai_systems WHERE lower(name) = lower(?) AND id IS DISTINCT FROM ?",
        [name, except_id],
    )
    return str(row[0]) if row else None


def _duplicate(existing_name: str) -> ConflictError:
    """Names the record that exists, as it is spelled, not the spelling just typed."""
    return ConflictError(
        f"An AI system called '{existing_name}' already exists; names are unique in the "
        "inventory (whatever the capitals), so choose another name or open that record.",
        field="name",
    )


def insert_system(transaction: Transaction, data: AISystemInput) -> AISystem:
    """Insert inside a caller's transaction (used by create, import and the demo loader)."""
    if (existing_name := _namesake(transaction, data.name)) is not None:
        raise _duplicate(existing_name)
    values = data.model_dump()
    row = transaction.fetchone(
        f"INSERT INTO ai_systems ({', '.join(_INPUT_FIELDS)}, revision, created_at, created_by,"
        f" updated_at, updated_by) VALUES ({', '.join('?' for _ in _INPUT_FIELDS)}, 1, ?, ?, ?, ?)"
        " RETURNING id",
        [values[name] for name in _INPUT_FIELDS]
        + [transaction.at, transaction.actor, transaction.at, transaction.actor],
    )
    assert row is not None
    created = _fetch(transaction, int(row[0]))
    assert created is not None
    transaction.audit("create", ENTITY, created.id, None, _snapshot(created), f"Added {data.name}")
    return created


def replace_system(
    transaction: Transaction,
    system_id: int,
    data: AISystemInput,
    expected_revision: int | None = None,
    action: str = "update",
) -> AISystem:
    """Update inside a caller's transaction; a no-op when nothing changed."""
    current = _fetch(transaction, system_id)
    if current is None:
        raise NotFoundError(f"There is no AI system with id {system_id}.")
    if expected_revision is not None and current.revision != expected_revision:
        raise ConflictError(
            f"{current.updated_by} changed '{current.name}' since you opened it "
            f"(revision {current.revision}, you edited {expected_revision}). "
            "Reload the page to see their change, then make yours again."
        )
    if data == current.as_input():
        return current
    if data.name.lower() != current.name.lower() and (
        existing_name := _namesake(transaction, data.name, system_id)
    ):
        raise _duplicate(existing_name)
    values = data.model_dump()
    assignments = ", ".join(f"{name} = ?" for name in _INPUT_FIELDS)
    transaction.execute(
        f"UPDATE ai_systems SET {assignments}, revision = revision + 1, updated_at = ?,"
        " updated_by = ? WHERE id = ?",
        [values[name] for name in _INPUT_FIELDS] + [transaction.at, transaction.actor, system_id],
    )
    updated = _fetch(transaction, system_id)
    assert updated is not None
    before, after = _snapshot(current), _snapshot(updated)
    changed = ", ".join(changed_fields(before, after))
    transaction.audit(action, ENTITY, system_id, before, after, f"Changed {changed}")
    return updated


@requires(Permission.EDIT_INVENTORY)
def create_system(database: Database, actor: Actor | str, data: AISystemInput) -> AISystem:
    """Add an AI system to the inventory."""
    return database.write(actor, lambda transaction: insert_system(transaction, data))


@requires(Permission.EDIT_INVENTORY, reach=system_reach)
def update_system(
    database: Database,
    actor: Actor | str,
    system_id: int,
    data: AISystemInput,
    expected_revision: int | None = None,
) -> AISystem:
    """Save an edit; refuses it when someone else saved in between (`expected_revision`)."""
    return database.write(
        actor,
        lambda transaction: replace_system(transaction, system_id, data, expected_revision),
    )


@requires(Permission.EDIT_INVENTORY, reach=system_reach)
def retire_system(
    database: Database, actor: Actor | str, system_id: int, expected_revision: int | None = None
) -> AISystem:
    """Retire a system: the record and its history stay; nothing is deleted."""

    def work(transaction: Transaction) -> AISystem:
        current = _fetch(transaction, system_id)
        if current is None:
            raise NotFoundError(f"There is no AI system with id {system_id}.")
        retired = current.as_input().model_copy(
            update={"status": "retired", "lifecycle_stage": "retired"}
        )
        return replace_system(transaction, system_id, retired, expected_revision, action="retire")

    return database.write(actor, work)


def retirement_effects(database: Database, system_id: int) -> RetirementEffects:
    """Counts, in one query, of the system's risks not closed, workshops not closed (through
    the system or one of its risks) and impact assessments not approved (draft, submitted or
    returned)."""
    statuses = {f"inactive{i}": value for i, value in enumerate(INACTIVE_RISK_STATUSES)}
    statuses |= {f"open{i}": value for i, value in enumerate(sorted(IMPACT_OPEN_STATUSES))}
    inactive = ", ".join(f"${name}" for name in statuses if name.startswith("inactive"))
    in_progress = ", ".join(f"${name}" for name in statuses if name.startswith("open"))
    row = database.query_one(
        "SELECT"
        f" (SELECT count(*) FROM risks WHERE system_id = $system AND status NOT IN ({inactive})),"
        " (SELECT count(DISTINCT workshop_id) FROM ("
        "   SELECT workshop_id FROM workshop_systems WHERE system_id = $system"
        "   UNION SELECT i.workshop_id FROM workshop_items i JOIN risks r ON r.id = i.risk_id"
        "   WHERE r.system_id = $system) linked"
        "  WHERE NOT EXISTS (SELECT 1 FROM workshop_events e"
        "   WHERE e.workshop_id = linked.workshop_id AND e.kind = 'close')),"
        " (SELECT count(*) FROM impact_responses WHERE system_id = $system"
        f"  AND status IN ({in_progress}))",
        {"system": system_id, **statuses},
    )
    return RetirementEffects(*(int(value) for value in row)) if row else RetirementEffects(0, 0, 0)


def get_system(database: Database, system_id: int) -> AISystem:
    rows = database.query_records(f"{_SELECT} WHERE id = ?", [system_id])
    if not rows:
        raise NotFoundError(f"There is no AI system with id {system_id}.")
    return _row_to_system(rows[0])


def find_system_by_name(database: Database, name: str) -> AISystem | None:
    rows = database.query_records(f"{_SELECT} WHERE lower(name) = lower(?)", [name.strip()])
    return _row_to_system(rows[0]) if rows else None


def all_systems(database: Database) -> list[AISystem]:
    return [_row_to_system(row) for row in database.query_records(f"{_SELECT} ORDER BY id")]


def system_names(database: Database, include_retired: bool = True) -> dict[int, str]:
    """id -> name, for pickers."""
    condition = "" if include_retired else "WHERE status <> 'retired'"
    rows = database.query_rows(f"SELECT id, name FROM ai_systems {condition} ORDER BY name")
    return {int(system_id): name for system_id, name in rows}


def _in_clause(column: str, values: Iterable[str], params: list[Any]) -> str:
    values = list(values)
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _as_text(spec: FieldSpec, separator: str = " ") -> str:
    """SQL: a field as one text (a list joined by `separator`)."""
    if spec.kind == "list":
        return f"array_to_string({spec.name}, '{separator}')"
    return spec.name


def _system_conditions(filters: SystemFilter | None) -> tuple[str, list[Any]]:
    """The WHERE clause (or "") and its parameters shared by the list, its count and the export,
    so "first N of M" and the download narrow to exactly the same systems."""
    filters = filters or SystemFilter()
    conditions: list[str] = []
    params: list[Any] = []
    if filters.search.strip():
        searched = [spec for spec in system_fields() if spec.search]
        conditions.append("(" + " OR ".join(f"{_as_text(spec)} ILIKE ?" for spec in searched) + ")")
        params.extend([f"%{filters.search.strip()}%"] * len(searched))
    for spec in filter_fields():
        chosen = filters.values.get(spec.name)
        if not chosen:
            continue
        if spec.kind == "list":
            conditions.append(f"{spec.name} && ?::VARCHAR[]")
            params.append(list(chosen))
        else:
            conditions.append(_in_clause(spec.name, chosen, params))
    if filters.review_overdue:
        conditions.append("next_review < ? AND status <> 'retired'")
        params.append(date.today())
    if filters.eu_ai_act_classes:
        conditions.append(
            _in_clause(
                "coalesce(eu_ai_act_class, 'not_screened')", filters.eu_ai_act_classes, params
            )
        )
    return (f"WHERE {' AND '.join(conditions)}" if conditions else ""), params


def list_systems(
    database: Database, filters: SystemFilter | None = None, *, limit: int | None = None
) -> pd.DataFrame:
    """The inventory list by name, narrowed in SQL by search text and facets: the id, the fields
    declared `listed` and the EU AI Act class; at most `limit` systems (None: all),
    `count_systems` counts them all."""
    where, params = _system_conditions(filters)
    bounded = ""
    if limit is not None:
        bounded = " LIMIT ?"
        params.append(int(limit))
    listed = ", ".join(spec.name for spec in system_fields() if spec.listed)
    return database.query_df(
        f"SELECT id, {listed}, {EXPORT_CLASS} FROM ai_systems {_WITH_SCREENING} {where}"
        f" ORDER BY lower(name), id{bounded}",
        params,
    )


def count_systems(database: Database, filters: SystemFilter | None = None) -> int:
    """How many systems the filters match: the M of "first N of M"."""
    where, params = _system_conditions(filters)
    row = database.query_one(f"SELECT count(*) FROM ai_systems {_WITH_SCREENING} {where}", params)
    return int(row[0]) if row else 0


def facets(database: Database) -> dict[str, list[str]]:
    """Distinct values of each filter field without a vocabulary (business units come from
    the data), by field name."""
    names = [spec.name for spec in filter_fields() if spec.vocabulary is None]
    if not names:
        return {}
    rows = database.query_rows(
        " UNION ".join(f"SELECT '{name}', {name}::VARCHAR FROM ai_systems" for name in names)
    )
    found: dict[str, list[str]] = {name: [] for name in names}
    for kind, value in rows:
        found[kind].append(value)
    return {kind: sorted(values) for kind, values in found.items()}


def counts(database: Database) -> dict[str, int]:
    """Headline figures for the home page, in one query; `in_scope` counts the systems of the
    AIMS scope (vocab.IN_SCOPE_STATUSES)."""
    in_scope = ", ".join("?" for _ in IN_SCOPE_STATUSES)
    row = database.query_one(
        "SELECT count(*),"
        f" count(*) FILTER (WHERE status IN ({in_scope})),"
        " count(*) FILTER (WHERE status = 'active'),"
        " count(*) FILTER (WHERE status = 'planned'),"
        " count(*) FILTER (WHERE status = 'retired'),"
        " count(*) FILTER (WHERE personal_data AND status <> 'retired'),"
        " count(*) FILTER (WHERE next_review < ? AND status <> 'retired'),"
        " count(DISTINCT business_unit) FILTER (WHERE status <> 'retired')"
        " FROM ai_systems",
        [*IN_SCOPE_STATUSES, date.today()],
    )
    keys = [
        "total",
        "in_scope",
        "active",
        "planned",
        "retired",
        "personal_data",
        "review_overdue",
        "business_units",
    ]
    return dict(zip(keys, (int(value) for value in row), strict=True)) if row else {}


def export_frame(database: Database, filters: SystemFilter | None = None) -> pd.DataFrame:
    """The inventory in the export layout: one row per system, lists joined with ';'; only the
    systems `filters` match (the inventory page's download of what it lists)."""
    where, params = _system_conditions(filters)
    columns = ", ".join(_exported(spec) for spec in system_fields() if spec.export)
    return database.query_df(
        f"SELECT {EXPORT_ID}, {columns}, coalesce({EXPORT_CLASS}, '') AS {EXPORT_CLASS}"
        f" FROM ai_systems {_WITH_SCREENING} {where} ORDER BY id",
        params,
    )


def _exported(spec: FieldSpec) -> str:
    """SQL: a field in the export layout (lists joined with ';', dates as YYYY-MM-DD)."""
    if spec.kind == "list":
        return f"{_as_text(spec, ';')} AS {spec.name}"
    if spec.kind == "date":
        return f"CAST({spec.name} AS VARCHAR) AS {spec.name}"
    return spec.name


@dataclass(frozen=True)
class ImportOutcome:
    created: list[str]
    updated: list[str]
    unchanged: list[str]


@requires(Permission.EDIT_INVENTORY)
def import_systems(
    database: Database, actor: Actor | str, systems: list[AISystemInput]
) -> ImportOutcome:
    """Create or update (matched by name, whatever the capitals) every system in one
    transaction: all or nothing, one audit event per created or changed system.

    The work is set-based (one read of the matching records, one insert, one update, one insert
    of audit events) because row by row took about 14 ms a row.
    """

    def work(transaction: Transaction) -> ImportOutcome:
        keys = _name_keys(transaction, [data.name for data in systems])
        _refuse_repeated_names(systems, keys)
        existing = _systems_by_key(transaction, keys)
        created: list[str] = []
        updated: list[str] = []
        unchanged: list[str] = []
        new: list[tuple[int, AISystemInput]] = []
        changed: list[tuple[int, AISystem, AISystemInput]] = []
        for position, (data, key) in enumerate(zip(systems, keys, strict=True)):
            current = existing.get(key)
            if current is None:
                new.append((position, data))
                created.append(data.name)
            elif current.as_input() == data:
                unchanged.append(data.name)
            else:
                changed.append((position, current, data))
                updated.append(data.name)
        events = _insert_imported(transaction, new) + _update_imported(transaction, changed)
        transaction.audit_many(ENTITY, [event for _, event in sorted(events, key=lambda e: e[0])])
        return ImportOutcome(created, updated, unchanged)

    return database.write(actor, work)


# One audit event: action, entity id, before, after, summary.
_AuditEvent = tuple[str, int, dict[str, Any] | None, dict[str, Any], str]
# SQL types of the kinds of single-valued field, for passing a whole column as one array.
_SQL_TYPES = {"text": "VARCHAR", "flag": "BOOLEAN", "date": "DATE"}


def _imported_rows(ids: list[int], systems: Sequence[AISystemInput]) -> tuple[str, dict[str, Any]]:
    """A relation of the systems (id and every input field) built from array parameters, and
    the parameters. Single-valued fields are unnested side by side. A list field cannot be an
    array of arrays (PostgreSQL has none, only flat multi-dimensional arrays), so it travels as
    (system id, item, order) triples and is gathered again per system; no items, an empty list.
    """
    kinds = {spec.name: spec.kind for spec in system_fields()}
    dumps = [data.model_dump() for data in systems]
    parameters: dict[str, Any] = {"ids": ids}
    unnested = ["unnest($ids::INTEGER[]) AS id"]
    selected = ["given.id"]
    joins: list[str] = []
    for name in _INPUT_FIELDS:
        if kinds[name] != "list":
            parameters[name] = [values[name] for values in dumps]
            unnested.append(f"unnest(${name}::{_SQL_TYPES[kinds[name]]}[]) AS {name}")
            selected.append(f"given.{name}")
            continue
        owners, items = [], []
        for system_id, values in zip(ids, dumps, strict=True):
            owners += [system_id] * len(values[name])
            items += values[name]
        parameters |= {
            f"{name}_owners": owners,
            f"{name}_items": items,
            f"{name}_order": list(range(len(items))),
        }
        selected.append(f"coalesce({name}_lists.items, ARRAY[]::VARCHAR[]) AS {name}")
        joins.append(
            "LEFT JOIN (SELECT owner, array_agg(item ORDER BY position) AS items FROM"
            f" (SELECT unnest(${name}_owners::INTEGER[]) AS owner,"
            f" unnest(${name}_items::VARCHAR[]) AS item,"
            f" unnest(${name}_order::INTEGER[]) AS position) flattened GROUP BY owner)"
            f" {name}_lists ON {name}_lists.owner = given.id"
        )
    relation = (
        f"SELECT {', '.join(selected)} FROM (SELECT {', '.join(unnested)}) given {' '.join(joins)}"
    )
    return relation, parameters


def _name_keys(transaction: Transaction, names: list[str]) -> list[str]:
    """Each name as the unique index compares it (the store's lower()), in the same order."""
    if not names:
        return []
    rows = transaction.fetchall(
        "SELECT lower(name) FROM unnest(?::VARCHAR[]) WITH ORDINALITY AS given(name, position)"
        " ORDER BY position",
        [names],
    )
    return [row[0] for row in rows]


def _refuse_repeated_names(systems: list[AISystemInput], keys: list[str]) -> None:
    """Two rows naming one system cannot both be applied (the file check refuses them first)."""
    first: dict[str, str] = {}
    for data, key in zip(systems, keys, strict=True):
        if key in first:
            raise ConflictError(
                f"'{first[key]}' and '{data.name}' name the same AI system (names are unique"
                " whatever the capitals); keep one of them.",
                field="name",
            )
        first[key] = data.name


def _systems_by_key(transaction: Transaction, keys: list[str]) -> dict[str, AISystem]:
    """The stored systems whose names match any of `keys`, by key."""
    if not keys:
        return {}
    result = transaction.execute(
        "SELECT lower(name) AS name_key, * FROM ai_systems"
        " WHERE lower(name) IN (SELECT unnest(?::VARCHAR[]))",
        [keys],
    )
    columns = [column[0] for column in result.description]
    found: dict[str, AISystem] = {}
    for row in result.fetchall():
        record = dict(zip(columns, row, strict=True))
        found[record.pop("name_key")] = _row_to_system(record)
    return found


def _insert_imported(
    transaction: Transaction, new: list[tuple[int, AISystemInput]]
) -> list[tuple[int, _AuditEvent]]:
    """Insert the new systems in one statement, numbered in file order; their 'create'
    events carry the record as stored, as insert_system's do (built here rather than read back:
    reading 10,000 records back and validating them again took longer than the insert)."""
    if not new:
        return []
    id_rows = transaction.fetchall(
        "SELECT nextval('ai_system_id') FROM generate_series(1, ?)", [len(new)]
    )
    ids = sorted(int(row[0]) for row in id_rows)
    relation, parameters = _imported_rows(ids, [data for _, data in new])
    parameters |= {"at": transaction.at, "actor": transaction.actor}
    transaction.execute(
        f"INSERT INTO ai_systems (id, {', '.join(_INPUT_FIELDS)}, revision, created_at,"
        " created_by, updated_at, updated_by)"
        f" SELECT id, {', '.join(_INPUT_FIELDS)}, 1, $at, $actor, $at, $actor FROM"
        f" ({relation}) imported ORDER BY id",
        parameters,
    )
    stamp = {
        "revision": 1,
        "created_at": transaction.at,
        "created_by": transaction.actor,
        "updated_at": transaction.at,
        "updated_by": transaction.actor,
    }
    events: list[tuple[int, _AuditEvent]] = []
    for (position, data), system_id in zip(new, ids, strict=True):
        stored = AISystem.model_construct(**data.model_dump(), id=system_id, **stamp)
        events.append(
            (position, ("create", system_id, None, _snapshot(stored), f"Added {data.name}"))
        )
    return events


def _update_imported(
    transaction: Transaction, changed: list[tuple[int, AISystem, AISystemInput]]
) -> list[tuple[int, _AuditEvent]]:
    """Update the changed systems in one statement; their 'import' events carry before and
    after (the record as stored) and name the changed fields, as replace_system's do."""
    if not changed:
        return []
    ids = [current.id for _, current, _ in changed]
    relation, parameters = _imported_rows(ids, [data for _, _, data in changed])
    parameters |= {"at": transaction.at, "actor": transaction.actor}
    assignments = ", ".join(f"{name} = imported.{name}" for name in _INPUT_FIELDS)
    transaction.execute(
        f"UPDATE ai_systems SET {assignments}, revision = ai_systems.revision + 1,"
        f" updated_at = $at, updated_by = $actor FROM ({relation}) imported"
        " WHERE ai_systems.id = imported.id",
        parameters,
    )
    events: list[tuple[int, _AuditEvent]] = []
    for position, current, data in changed:
        stored = current.model_copy(
            update={
                **data.model_dump(),
                "revision": current.revision + 1,
                "updated_at": transaction.at,
                "updated_by": transaction.actor,
            }
        )
        before, after = _snapshot(current), _snapshot(stored)
        summary = f"Changed {', '.join(changed_fields(before, after))}"
        events.append((position, ("import", current.id, before, after, summary)))
    return events


def last_changed(
    database: Database, fields: Sequence[str], system_id: int | None = None
) -> dict[int, datetime]:
    """When any of `fields` last changed, per system, read from the audit trail.

    Assessments and screenings compare this with their approval time to know they are stale.
    """
    unknown = [name for name in fields if name not in AISystemInput.model_fields]
    if unknown or not fields:
        raise ValueError(f"Not inventory fields: {unknown or 'none given'}")
    differs = " OR ".join(
        f"event.before_json ->> '{name}' IS DISTINCT FROM event.after_json ->> '{name}'"
        for name in fields
    )
    params: list[Any] = [ENTITY]
    only = ""
    if system_id is not None:
        only = " AND entity_id = ?"
        params.append(str(system_id))
    # Each state is parsed once per event, then read for every field.
    rows = database.query_rows(
        "SELECT CAST(event.entity_id AS INTEGER), max(event.occurred_at) FROM"
        " (SELECT entity_id, occurred_at, CAST(before_state AS JSON) AS before_json,"
        "  CAST(after_state AS JSON) AS after_json FROM audit_events"
        f"  WHERE entity = ? AND before_state IS NOT NULL{only}) event"
        f" WHERE {differs} GROUP BY 1",
        params,
    )
    return {int(system): changed for system, changed in rows}
