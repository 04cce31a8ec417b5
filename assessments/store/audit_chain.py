"""The tamper-evident audit trail: a SHA-256 hash chain over `audit_events`, and a replay of the
audited tables against what their events say.

Every event stores `prev_hash` (the hash of the event before it; 64 zeros for the first) and
`hash`, the SHA-256 hex digest of its canonical form (`canonical_form`). A one-row head
(`audit_chain_head`) names the newest event and its hash; every append updates it in the same
transaction as the change, so appends are serialised and a truncation of the newest events shows.

How to verify the chain outside the app (from `python -m assessments export audit --format json`):

1. Start with `previous = "0" * 64`. Take the events in ascending `id` order.
2. For each event build the JSON object with exactly the keys id (a number), occurred_at,
   actor, action, entity, entity_id, before_state, after_state, summary (text, or null for a
   missing before/after state) and prev_hash, as exported. Serialise it with the keys sorted,
   separators "," and ":" and no spaces, non-ASCII characters as themselves and only the
   quote, the backslash and control characters escaped (Python:
   `json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)`), encode as
   UTF-8 and take the SHA-256 hex digest: it must equal the event's `hash`.
3. The event's `prev_hash` must equal `previous`; then `previous = hash`.
4. After the last event, `previous` must equal the head's `last_hash` and the last id the head's
   `last_id`. The head shows deletions of the newest events only if it is kept outside the
   database too: note it (the export prints it) in the management review record.

`occurred_at` is the ISO form `YYYY-MM-DDTHH:MM:SS.ffffff` (UTC, always six decimals).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from assessments.references import risk_reference
from assessments.store.db import Database, Transaction

GENESIS_HASH = "0" * 64
# The fields of an event that its hash covers, in the order the export lists them.
HASHED_FIELDS = (
    "id",
    "occurred_at",
    "actor",
    "action",
    "entity",
    "entity_id",
    "before_state",
    "after_state",
    "summary",
    "prev_hash",
)
_EVENT_COLUMNS = ", ".join(HASHED_FIELDS[:-1])
# The recipe the export carries, so an auditor can check it with any SHA-256 tool.
HOW_TO_VERIFY = (
    "Take the events in ascending id order, starting with previous = 64 zeros. For each event,"
    " its prev_hash must equal previous, and its hash must equal the SHA-256 hex digest of the"
    " UTF-8 JSON object of exactly its fields id (a number), occurred_at, actor, action, entity,"
    " entity_id, before_state, after_state, summary (text; null for a missing state) and"
    " prev_hash, with the keys sorted, no spaces (separators ',' and ':'), non-ASCII"
    " characters unescaped and only the quote, the backslash and control characters escaped"
    " (Python: json.dumps(event, sort_keys=True, separators=(',', ':'),"
    " ensure_ascii=False)); then previous = hash. After the last event, its id and hash must"
    " equal the head's last_id and last_hash; keep the head outside the database to prove later"
    " that no newest event was removed."
)
_BATCH = 10_000
# The migration that adds the chain: a database opened without migrations may be older.
CHAIN_MIGRATION = 12
# The insert's list parameters, in the order of a NewEvent.
_EVENT_LISTS = ("actions", "entities", "entity_ids", "befores", "afters", "summaries")

# One event to append: action, entity, entity id, before state (JSON text), after state, summary.
NewEvent = tuple[str, str, str, str | None, str | None, str]


def occurred_iso(value: datetime) -> str:
    """The timestamp as hashed: ISO with six decimals, so a verifier needs no rounding rule."""
    return value.isoformat(timespec="microseconds")


def canonical_form(event: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash covers: HASHED_FIELDS as sorted, compact UTF-8 JSON."""
    chosen = {name: event[name] for name in HASHED_FIELDS}
    return json.dumps(chosen, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(event: Mapping[str, Any]) -> str:
    """SHA-256 hex digest of the event's canonical form (its prev_hash included)."""
    return hashlib.sha256(canonical_form(event)).hexdigest()


def _hashed_row(row: Sequence[Any], prev_hash: str) -> dict[str, Any]:
    """An event row (HASHED_FIELDS without prev_hash, as selected) in its hashed form."""
    event = dict(zip(HASHED_FIELDS[:-1], row, strict=True))
    event["id"] = int(event["id"])
    event["occurred_at"] = occurred_iso(event["occurred_at"])
    event["prev_hash"] = prev_hash
    return event


# --- Appending ---------------------------------------------------------------------------------


def append(transaction: Transaction, events: Sequence[NewEvent]) -> None:
    """Chain and insert events in one statement inside the caller's transaction. The head is
    read on the transaction's first event and moved once, just before it commits: that update
    is what serialises writers (a concurrent append conflicts on it and `Database.write` runs
    the unit again on the new head)."""
    if not events:
        return
    ids = [
        int(row[0])
        for row in transaction.fetchall(
            "SELECT nextval('audit_event_id') FROM generate_series(1, ?)", [len(events)]
        )
    ]
    ids.sort()
    if transaction.chain_head is None:
        version = transaction.fetchone("SELECT max(version) FROM schema_version")
        if int((version or [0])[0] or 0) < CHAIN_MIGRATION:
            _insert(transaction, ids, events, None)
            return
        head = transaction.fetchone("SELECT last_id, last_hash FROM audit_chain_head")
        assert head is not None, "migration 012 writes the chain's head"
        transaction.chain_head = (int(head[0]), str(head[1]))
        transaction.before_commit.append(lambda: _move_head(transaction))
    occurred_at = occurred_iso(transaction.at)
    previous = transaction.chain_head[1]
    prev_hashes: list[str] = []
    hashes: list[str] = []
    for event_id, (action, entity, entity_id, before, after, summary) in zip(
        ids, events, strict=True
    ):
        prev_hashes.append(previous)
        previous = event_hash(
            {
                "id": event_id,
                "occurred_at": occurred_at,
                "actor": transaction.actor,
                "action": action,
                "entity": entity,
                "entity_id": entity_id,
                "before_state": before,
                "after_state": after,
                "summary": summary,
                "prev_hash": previous,
            }
        )
        hashes.append(previous)
    _insert(transaction, ids, events, (prev_hashes, hashes))
    transaction.chain_head = (ids[-1], hashes[-1])


def _move_head(transaction: Transaction) -> None:
    assert transaction.chain_head is not None
    transaction.execute(
        "UPDATE audit_chain_head SET last_id = ?, last_hash = ?", list(transaction.chain_head)
    )


def _insert(
    transaction: Transaction,
    ids: list[int],
    events: Sequence[NewEvent],
    chain: tuple[list[str], list[str]] | None,
) -> None:
    """One insert for all events, with their (prev_hash, hash) lists; `chain` None for a
    database opened without its migrations before 012 (only the tests of a migration do that):
    it has no chain yet, and 012 chains those events."""
    columns = ["id", "occurred_at", "actor", "action", "entity", "entity_id", "before_state"]
    columns += ["after_state", "summary"]
    values = ["unnest($ids::BIGINT[])", "$at", "$actor"]
    values += [f"unnest(${name}::VARCHAR[])" for name in _EVENT_LISTS]
    parameters: dict[str, Any] = {
        "ids": ids,
        "at": transaction.at,
        "actor": transaction.actor,
        **dict(zip(_EVENT_LISTS, map(list, zip(*events, strict=True)), strict=True)),
    }
    if chain is not None:
        columns += ["prev_hash", "hash"]
        values += ["unnest($prev_hashes::VARCHAR[])", "unnest($hashes::VARCHAR[])"]
        parameters.update(prev_hashes=chain[0], hashes=chain[1])
    transaction.execute(
        f"INSERT INTO audit_events ({', '.join(columns)}) SELECT {', '.join(values)}", parameters
    )


def chain_existing_events(cursor: duckdb.DuckDBPyConnection) -> None:
    """Migration 012's Python step: hash the events written before the chain existed, in id
    order, and point the head at the newest (SQL cannot carry a hash from row to row)."""
    result = cursor.execute(f"SELECT {_EVENT_COLUMNS} FROM audit_events ORDER BY id")
    ids: list[int] = []
    prev_hashes: list[str] = []
    hashes: list[str] = []
    previous = GENESIS_HASH
    while rows := result.fetchmany(_BATCH):
        for row in rows:
            event = _hashed_row(row, previous)
            ids.append(event["id"])
            prev_hashes.append(previous)
            previous = event_hash(event)
            hashes.append(previous)
    if not ids:
        return
    cursor.execute(
        "UPDATE audit_events SET prev_hash = chained.prev_hash, hash = chained.hash FROM"
        " (SELECT unnest(?::BIGINT[]) AS id, unnest(?::VARCHAR[]) AS prev_hash,"
        " unnest(?::VARCHAR[]) AS hash) chained WHERE audit_events.id = chained.id",
        [ids, prev_hashes, hashes],
    )
    cursor.execute("UPDATE audit_chain_head SET last_id = ?, last_hash = ?", [ids[-1], previous])


# --- Verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """One place where the trail or a table disagrees with what was written; `event_id` orders
    the breaks (the first one is what a person should look at first)."""

    event_id: int
    message: str


@dataclass
class ChainVerification:
    """The walk of the chain: how many events, the head, and every break found."""

    events: int = 0
    head_id: int = 0
    head_hash: str = GENESIS_HASH
    breaks: list[Break] = field(default_factory=list)


def chain_head(database: Database) -> tuple[int, str]:
    """(last_id, last_hash) of the chain's head, to note outside the database."""
    row = database.query_one("SELECT last_id, last_hash FROM audit_chain_head")
    return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)


def verify_chain(database: Database) -> ChainVerification:
    """Walk every event by id, recompute its hash and its link, then compare the last with the
    head. One edited event is one break (the walk follows the stored hashes, so the events
    after it still link)."""
    head_id, head_hash = chain_head(database)
    report = ChainVerification(head_id=head_id, head_hash=head_hash)
    previous, last_id = GENESIS_HASH, 0
    with database.cursor() as cursor:
        result = cursor.execute(
            f"SELECT {_EVENT_COLUMNS}, prev_hash, hash FROM audit_events ORDER BY id"
        )
        while rows := result.fetchmany(_BATCH):
            for row in rows:
                *fields, prev_hash, stored_hash = row
                event_id = int(fields[0])
                report.events += 1
                if stored_hash is None:
                    report.breaks.append(
                        Break(event_id, f"audit event #{event_id} was added outside the app")
                    )
                elif event_hash(_hashed_row(fields, str(prev_hash))) != stored_hash:
                    report.breaks.append(
                        Break(event_id, f"audit event #{event_id} was edited after it was written")
                    )
                elif prev_hash != previous:
                    report.breaks.append(
                        Break(
                            event_id,
                            f"audit events were deleted before #{event_id} (or the event before"
                            " it was rewritten)",
                        )
                    )
                previous, last_id = stored_hash or previous, event_id
    report.breaks += _head_breaks(head_id, head_hash, last_id, previous)
    return report


def _head_breaks(head_id: int, head_hash: str, last_id: int, last_hash: str) -> list[Break]:
    """The newest event against the head the last append left."""
    if head_id > last_id:
        after = f"after #{last_id}" if last_id else "(all of them)"
        return [
            Break(
                last_id,
                f"the newest audit events {after} were removed: the chain's head names #{head_id}",
            )
        ]
    if head_id < last_id:
        return [Break(head_id + 1, f"audit events after #{head_id} were added outside the app")]
    if head_hash != last_hash:
        return [Break(last_id, f"the newest audit event #{last_id} was rewritten")]
    return []


# --- Replaying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReplayRule:
    """One audited table whose events carry its rows' state: folding the after-states of a
    row's events, oldest first, gives what the row must hold now.

    `source` is a table or a query; `key_column` matches the event's entity id, or the value at
    `key_path` in its after-state. `fields` picks the compared fields from the replayed state
    (default: every one that is a column). `tracks_deletion`: a row missing although its last
    event is not one of `deleting_actions` is a break (off for tables that keep only some rows).
    """

    entity: str
    actions: frozenset[str]
    source: str
    key_column: str
    name: Callable[[str, Mapping[str, Any]], str]
    key_path: str | None = None
    fields: Callable[[Mapping[str, Any]], Iterable[str]] | None = None
    tracks_deletion: bool = True
    deleting_actions: frozenset[str] = frozenset({"delete"})


def _tier(state: Mapping[str, Any]) -> str:
    return str(state.get("tier", "")).capitalize() or "A"


# Impact assessments: the score fields follow every draft answer without an event of their own,
# so they are replayed only once the assessment is submitted or approved (then locked).
_IMPACT_LOCKED = frozenset({"submitted", "approved"})


def _impact_fields(state: Mapping[str, Any]) -> Iterable[str]:
    # Read where the events are written; imported on first use (a replay), not with the chain.
    from assessments.store.impact import SCORE_FIELDS, SIGN_OFF_FIELDS

    locked = state.get("status") in _IMPACT_LOCKED
    return SIGN_OFF_FIELDS + (SCORE_FIELDS if locked else ())


REPLAY_RULES: tuple[ReplayRule, ...] = (
    ReplayRule(
        "ai_system",
        frozenset({"create", "update", "retire", "import"}),
        "ai_systems",
        "id",
        lambda key, state: f"AI system '{state.get('name', '')}' (#{key})",
    ),
    ReplayRule(
        "risk",
        frozenset({"create", "update", "treat"}),
        "risks",
        "id",
        lambda key, state: f"Risk {risk_reference(key)} '{state.get('title', '')}'",
    ),
    ReplayRule(
        "risk",
        frozenset({"rate"}),
        "risk_ratings",
        "id",
        lambda key, state: (
            f"{_tier(state)} rating #{key} of risk {risk_reference(state.get('risk_id'))}"
        ),
        key_path="id",
    ),
    ReplayRule(
        "risk",
        frozenset({"rate"}),
        "risk_current_ratings",
        "rating_id",
        lambda key, state: (
            f"The current {_tier(state).lower()} rating of risk"
            f" {risk_reference(state.get('risk_id'))} (rating #{key})"
        ),
        key_path="id",
        fields=lambda state: (
            "risk_id",
            "tier",
            "likelihood",
            "severity",
            "level",
            "level_rank",
            "criteria_version",
            "rated_at",
        ),
        tracks_deletion=False,
    ),
    ReplayRule(
        "risk",
        frozenset({"accept", "revoke"}),
        "risk_acceptances",
        "id",
        lambda key, state: f"Risk acceptance #{key} of risk {risk_reference(state.get('risk_id'))}",
        key_path="acceptance_id",
    ),
    ReplayRule(
        "risk_action",
        frozenset({"create", "update"}),
        "risk_actions",
        "id",
        lambda key, state: (
            f"Treatment action '{state.get('title', '')}' (#{key}) of risk"
            f" {risk_reference(state.get('risk_id'))}"
        ),
    ),
    ReplayRule(
        "impact_response",
        frozenset({"create", "update", "submit", "approve", "return"}),
        "impact_responses",
        "id",
        lambda key, state: f"Impact assessment #{key}",
        fields=_impact_fields,
    ),
    ReplayRule(
        "screening",
        frozenset({"create"}),
        '(SELECT *, risk_class AS "class" FROM screenings)',
        "id",
        lambda key, state: f"Regulatory screening #{key} of AI system #{state.get('system_id')}",
        fields=lambda state: (
            "system_id",
            "class",
            "fria_required",
            "colorado_covered",
            "questionnaire_version",
            "law_version",
            "note",
        ),
    ),
    ReplayRule(
        "obligation_update",
        frozenset({"create"}),
        "obligation_updates",
        "id",
        lambda key, state: (
            f"Obligation {state.get('obligation_id', '')} of AI system"
            f" #{state.get('system_id')} (update #{key})"
        ),
        fields=lambda state: ("system_id", "obligation_id", "status", "owner", "evidence"),
    ),
    ReplayRule(
        "soa_control",
        frozenset({"create", "update"}),
        "(SELECT e.* FROM soa_current c JOIN soa_entries e ON e.id = c.entry_id)",
        "control_id",
        lambda key, state: f"The Statement of Applicability line of control {key}",
    ),
    ReplayRule(
        "clause_readiness",
        frozenset({"create", "update"}),
        "(SELECT r.* FROM readiness_current c JOIN readiness_ratings r ON r.id = c.rating_id)",
        "item_id",
        lambda key, state: f"The readiness rating of clause item {key}",
    ),
)


@dataclass
class _Replayed:
    """A row's state as its events build it, with the event that last set each field."""

    state: dict[str, Any] = field(default_factory=dict)
    set_by: dict[str, int] = field(default_factory=dict)
    last_event: int = 0
    deleted: bool = False


def replay(database: Database, rules: Sequence[ReplayRule] = REPLAY_RULES) -> list[Break]:
    """Every row of the replayed tables that differs from what its events say, or that is gone
    although no event deleted it, ordered by the event it contradicts."""
    found: list[Break] = []
    for rule in rules:
        found += _replay_rule(database, rule)
    return sorted(found, key=lambda item: item.event_id)


def _replay_rule(database: Database, rule: ReplayRule) -> list[Break]:
    replayed = _fold_events(database, rule)
    if not replayed:
        return []
    rows = _current_rows(database, rule, list(replayed))
    breaks: list[Break] = []
    for key, record in replayed.items():
        row = rows.get(key)
        name = rule.name(key, record.state)
        if record.deleted:
            if row is not None:
                breaks.append(
                    Break(
                        record.last_event,
                        f"{name} is in the table, but its last audit event"
                        f" #{record.last_event} deleted it",
                    )
                )
        elif row is None:
            if rule.tracks_deletion:
                breaks.append(
                    Break(
                        record.last_event,
                        f"{name} was deleted from the table, but its last audit event"
                        f" #{record.last_event} does not delete it",
                    )
                )
        elif (difference := _difference(rule, name, record, row)) is not None:
            breaks.append(difference)
    return breaks


def _fold_events(database: Database, rule: ReplayRule) -> dict[str, _Replayed]:
    actions = sorted(rule.actions | rule.deleting_actions)
    replayed: dict[str, _Replayed] = {}
    with database.cursor() as cursor:
        result = cursor.execute(
            "SELECT id, entity_id, action, after_state FROM audit_events"
            " WHERE entity = ? AND action IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
            [rule.entity, actions],
        )
        while rows := result.fetchmany(_BATCH):
            for event_id, entity_id, action, after_text in rows:
                after = _parsed(after_text)
                key = entity_id if rule.key_path is None else after.get(rule.key_path)
                if key is None:
                    continue
                record = replayed.setdefault(str(key), _Replayed())
                record.last_event = int(event_id)
                record.deleted = action in rule.deleting_actions
                record.state.update(after)
                record.set_by.update(dict.fromkeys(after, int(event_id)))
    return replayed


def _parsed(after_text: str | None) -> dict[str, Any]:
    try:
        after = json.loads(after_text) if after_text else {}
    except ValueError:
        return {}
    return after if isinstance(after, dict) else {}


def _current_rows(
    database: Database, rule: ReplayRule, keys: list[str]
) -> dict[str, dict[str, Any]]:
    """The current rows of the keys the events name, by key as text."""
    found: dict[str, dict[str, Any]] = {}
    with database.cursor() as cursor:
        result = cursor.execute(
            f"SELECT * FROM {rule.source} source"
            f" WHERE CAST(source.{rule.key_column} AS VARCHAR) IN (SELECT unnest(?::VARCHAR[]))",
            [keys],
        )
        columns = [column[0] for column in result.description]
        while rows := result.fetchmany(_BATCH):
            for row in rows:
                record = dict(zip(columns, row, strict=True))
                found[str(record[rule.key_column])] = record
    return found


def _difference(
    rule: ReplayRule, name: str, record: _Replayed, row: Mapping[str, Any]
) -> Break | None:
    """The first audited field whose value in the table is not the one its events left."""
    wanted = rule.fields(record.state) if rule.fields else record.state
    differing = [
        name_
        for name_ in wanted
        if name_ in row
        and name_ in record.state
        and _comparable(row[name_]) != _comparable(record.state[name_])
    ]
    if not differing:
        return None
    first = differing[0]
    event_id = record.set_by.get(first, record.last_event)
    more = f" (and {len(differing) - 1} more field(s))" if len(differing) > 1 else ""
    return Break(
        event_id,
        f"{name}: {_label(rule.entity, first)} is {_shown(row[first])} in the table but"
        f" {_shown(record.state[first])} in its last audit event #{event_id}{more}",
    )


def _label(entity: str, field_name: str) -> str:
    """The field as people call it ('Owner'), from the record type's labels."""
    from assessments.records import shown_record_type

    labels = shown_record_type(entity).fields
    return labels.get(field_name, field_name.replace("_", " ")) if labels else field_name


_ISO_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _comparable(value: Any) -> Any:
    """A table value and an event's JSON value in one form (timestamps, decimals, lists)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str) and _ISO_TIME.match(value):
        try:
            return datetime.fromisoformat(value).replace(tzinfo=None)
        except ValueError:
            return value
    if isinstance(value, list | tuple):
        return [_comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: _comparable(item) for key, item in value.items()}
    return value


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "empty"
    if isinstance(value, datetime):
        return f"'{value.isoformat(sep=' ')}'"
    if isinstance(value, list | tuple):
        return "'" + ", ".join(str(item) for item in value) + "'"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)


# --- Export ------------------------------------------------------------------------------------


def exported_events(database: Database) -> Iterator[dict[str, Any]]:
    """Every event in id order in its hashed form, with its stored prev_hash and hash."""
    with database.cursor() as cursor:
        result = cursor.execute(
            f"SELECT {_EVENT_COLUMNS}, prev_hash, hash FROM audit_events ORDER BY id"
        )
        while rows := result.fetchmany(_BATCH):
            for row in rows:
                *fields, prev_hash, stored_hash = row
                event = _hashed_row(fields, prev_hash)
                event["hash"] = stored_hash
                yield event
