"""Committee workshops in the store: setting one up, joining it, reading it, access, closing.

Nothing here is ever updated in place. The workshop's state (current item, open round, revealed,
closed) is folded from the append-only event log by `workshops.derive_state`; every facilitator
action appends an event (`append_event`). Rounds and votes live in `workshop_votes`, notes, the
consensus and the minutes' record in `workshop_consensus`.

Access is checked here, inside every write, not by the pages: a vote needs an open workshop's
code and a participant token of that workshop; reveal, notes, consensus and closing need the
facilitator role, and, unless the person signed in through the identity provider (local mode,
the command line), the facilitator key too (`as_facilitator`). Tokens and the key are stored
only as hashes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.identity import Actor, Permission, requires
from assessments.references import risk_reference
from assessments.store.db import Database, Transaction
from assessments.store.risks import insert_risk
from assessments.workshops import (
    EVENT_CLOSE,
    STATUS_CLOSED,
    STATUS_OPEN,
    Event,
    JoinInput,
    Participant,
    Workshop,
    WorkshopAccessError,
    WorkshopInput,
    WorkshopItem,
    WorkshopState,
    derive_state,
    is_well_formed_code,
    new_join_code,
    new_secret,
    normalise_code,
    secret_hash,
    secret_matches,
)

ENTITY = "workshop"
PARTICIPANT_ENTITY = "workshop_participant"

BAD_CODE = "That join code does not match any open workshop. Check it on the projector."
CLOSED_CODE = "This workshop has closed, so its join code no longer works."
BAD_TOKEN = (
    "This link does not belong to a participant of this workshop: join again with your name."
)
NOT_FACILITATOR = "Only the facilitator can do this: the facilitator key is missing or wrong."


@dataclass(frozen=True)
class CreatedWorkshop:
    """A new workshop and its facilitator key: the only moment the key exists in clear."""

    workshop: Workshop
    facilitator_key: str


@dataclass(frozen=True)
class JoinedParticipant:
    participant: Participant
    token: str


# Where a read runs: a write's transaction or the database. The helpers below that take a
# Source are shared with workshop_votes and workshop_consensus: the checks run inside writes.
Source = Transaction | Database


def read_rows(source: Source, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows from inside a write's transaction or from a plain read: the checks run in both."""
    if isinstance(source, Transaction):
        return source.fetchall(sql, params)
    return source.query_rows(sql, params)


def read_dicts(source: Source, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    if isinstance(source, Database):
        return source.query_records(sql, params)
    result = source.execute(sql, params)
    columns = [column[0] for column in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


# --- reading a workshop ---------------------------------------------------------------------------

_WORKSHOP_COLUMNS = (
    "w.id, w.code, w.title, w.tier, w.anonymise_names, w.facilitator, w.expected_participants,"
    " w.created_at, w.created_by,"
    " (SELECT min(e.occurred_at) FROM workshop_events e WHERE e.workshop_id = w.id"
    " AND e.kind = 'close') AS closed_at,"
    " (SELECT coalesce(array_agg(s.system_id ORDER BY s.system_id), ARRAY[]::INTEGER[])"
    " FROM workshop_systems s WHERE s.workshop_id = w.id) AS system_ids,"
    " (SELECT coalesce(array_agg(a.name ORDER BY a.name), ARRAY[]::VARCHAR[])"
    " FROM workshop_systems s"
    " JOIN ai_systems a ON a.id = s.system_id WHERE s.workshop_id = w.id) AS system_names"
)


def _to_workshop(row: dict[str, Any]) -> Workshop:
    status = STATUS_CLOSED if row["closed_at"] is not None else STATUS_OPEN
    return Workshop.model_validate({**row, "status": status})


def fetch_workshop(source: Source, where: str, value: Any) -> Workshop | None:
    rows = read_dicts(source, f"SELECT {_WORKSHOP_COLUMNS} FROM workshops w WHERE {where}", [value])
    return _to_workshop(rows[0]) if rows else None


def require_workshop(source: Source, workshop_id: int) -> Workshop:
    workshop = fetch_workshop(source, "w.id = ?", workshop_id)
    if workshop is None:
        raise NotFoundError(f"There is no workshop with id {workshop_id}.")
    return workshop


def get_workshop(database: Database, workshop_id: int) -> Workshop:
    return require_workshop(database, workshop_id)


def list_workshops(database: Database, limit: int | None = None) -> pd.DataFrame:
    """Workshops with their counts, open ones first, then the newest: the first `limit` (None:
    every one; `workshop_count` says how many there are)."""
    bounded = " LIMIT ?" if limit is not None else ""
    return database.query_df(
        "SELECT *, CASE WHEN closed_at IS NULL THEN 'open' ELSE 'closed' END AS status"
        f" FROM (SELECT {_WORKSHOP_COLUMNS},"
        " (SELECT count(*) FROM workshop_items i WHERE i.workshop_id = w.id) AS items,"
        " (SELECT count(*) FROM workshop_outcomes o WHERE o.workshop_id = w.id) AS recorded,"
        " (SELECT count(*) FROM workshop_participants p WHERE p.workshop_id = w.id)"
        " AS participants FROM workshops w) listed"
        f" ORDER BY (closed_at IS NULL) DESC, created_at DESC, id DESC{bounded}",
        [] if limit is None else [int(limit)],
    )


def workshop_count(database: Database) -> int:
    """How many workshops there are, open or closed."""
    row = database.query_one("SELECT count(*) FROM workshops")
    return int(row[0]) if row else 0


def find_workshop_by_title(transaction: Transaction, title: str) -> Workshop | None:
    """The workshop with this title (case-insensitive), for the idempotent demo loader."""
    return fetch_workshop(transaction, "lower(w.title) = lower(?)", title)


# The text of an item as its latest opened round showed it (migration 011): an item whose
# rounds have opened reads from this snapshot, so a later edit of the risk never changes what
# the minutes, the console or the export say was rated; an item not yet opened reads the risk.
_LATEST_ROUND_TEXT = (
    "SELECT wr.risk_id, wr.title, wr.description FROM workshop_rounds wr"
    " WHERE wr.workshop_id = ? AND wr.round = (SELECT max(x.round) FROM workshop_rounds x"
    "  WHERE x.workshop_id = wr.workshop_id AND x.risk_id = wr.risk_id)"
)


def read_items(source: Source, workshop_id: int) -> list[WorkshopItem]:
    rows = read_rows(
        source,
        "SELECT i.risk_id, i.position, coalesce(snap.title, r.title),"
        " coalesce(snap.description, r.description), r.system_id, s.name,"
        " r.harm_category, r.status, s.status FROM workshop_items i"
        " JOIN risks r ON r.id = i.risk_id"
        " JOIN ai_systems s ON s.id = r.system_id"
        f" LEFT JOIN ({_LATEST_ROUND_TEXT}) snap ON snap.risk_id = i.risk_id"
        " WHERE i.workshop_id = ? ORDER BY i.position, i.risk_id",
        [workshop_id, workshop_id],
    )
    return [
        WorkshopItem(
            risk_id=row[0],
            position=row[1],
            title=row[2],
            description=row[3],
            system_id=row[4],
            system_name=row[5],
            harm_category=row[6],
            risk_status=row[7],
            system_status=row[8],
        )
        for row in rows
    ]


def workshop_items(database: Database, workshop_id: int) -> list[WorkshopItem]:
    """The agenda, in order; an item whose rounds have opened reads as its latest round showed
    it (the snapshot), whatever was edited in the risk since."""
    return read_items(database, workshop_id)


def read_participants(source: Source, workshop_id: int) -> list[Participant]:
    rows = read_rows(
        source,
        "SELECT id, workshop_id, name, joined_at FROM workshop_participants"
        " WHERE workshop_id = ? ORDER BY joined_at, id",
        [workshop_id],
    )
    return [
        Participant(id=row[0], workshop_id=row[1], name=row[2], joined_at=row[3]) for row in rows
    ]


def participants(database: Database, workshop_id: int) -> list[Participant]:
    """Who has joined, in the order they joined."""
    return read_participants(database, workshop_id)


def read_state(source: Source, workshop_id: int) -> WorkshopState:
    item_ids = [
        row[0]
        for row in read_rows(
            source,
            "SELECT risk_id FROM workshop_items WHERE workshop_id = ? ORDER BY position",
            [workshop_id],
        )
    ]
    events = [
        Event(kind=row[0], risk_id=row[1], round=row[2], occurred_at=row[3])
        for row in read_rows(
            source,
            "SELECT kind, risk_id, round, occurred_at FROM workshop_events"
            " WHERE workshop_id = ? ORDER BY id",
            [workshop_id],
        )
    ]
    recorded = [
        row[0]
        for row in read_rows(
            source, "SELECT risk_id FROM workshop_outcomes WHERE workshop_id = ?", [workshop_id]
        )
    ]
    return derive_state(item_ids, events, recorded)


def workshop_state(database: Database, workshop_id: int) -> WorkshopState:
    """Current item, rounds, revealed and recorded items, open or closed: read live, uncached."""
    return read_state(database, workshop_id)


def state_version(database: Database, workshop_id: int) -> int:
    """A number that grows with every change a participant's screen shows: each facilitator
    action (focus, new round, reveal, record, close) appends an event. The one small query a
    participant's page polls; read it BEFORE the state it draws, so a change landing in
    between makes the next poll redraw instead of being missed."""
    row = database.query_one(
        "SELECT coalesce(max(id), 0) FROM workshop_events WHERE workshop_id = ?", [workshop_id]
    )
    return int(row[0]) if row else 0


# --- access ---------------------------------------------------------------------------------------


def open_by_code(source: Source, code: str) -> Workshop:
    normalised = normalise_code(code)
    if not is_well_formed_code(normalised):
        raise WorkshopAccessError(BAD_CODE)
    workshop = fetch_workshop(source, "w.code = ?", normalised)
    if workshop is None:
        raise WorkshopAccessError(BAD_CODE)
    if not workshop.is_open:
        raise WorkshopAccessError(CLOSED_CODE)
    return workshop


def participant_by_token(source: Source, workshop_id: int, token: str | None) -> Participant:
    if not token:
        raise WorkshopAccessError(BAD_TOKEN)
    rows = read_rows(
        source,
        "SELECT id, workshop_id, name, joined_at FROM workshop_participants"
        " WHERE token_hash = ? AND workshop_id = ?",
        [secret_hash(token), workshop_id],
    )
    if not rows:
        raise WorkshopAccessError(BAD_TOKEN)
    row = rows[0]
    return Participant(id=row[0], workshop_id=row[1], name=row[2], joined_at=row[3])


def require_facilitator(source: Source, workshop_id: int, key: str | None) -> Workshop:
    rows = read_rows(
        source, "SELECT facilitator_key_hash FROM workshops WHERE id = ?", [workshop_id]
    )
    if not rows:
        raise NotFoundError(f"There is no workshop with id {workshop_id}.")
    if not secret_matches(key, rows[0][0]):
        raise WorkshopAccessError(NOT_FACILITATOR)
    return require_workshop(source, workshop_id)


def workshop_for_code(database: Database, code: str) -> Workshop:
    """The open workshop a join code opens; WorkshopAccessError for a wrong or stale code."""
    return open_by_code(database, code)


def participant_for(
    database: Database, code: str, token: str | None
) -> tuple[Workshop, Participant]:
    """The workshop and participant of a join code and token (the participant page's session)."""
    workshop = open_by_code(database, code)
    return workshop, participant_by_token(database, workshop.id, token)


def facilitator_workshop(database: Database, workshop_id: int, key: str | None) -> Workshop:
    """The workshop, if this key is its facilitator key (else WorkshopAccessError): what the
    console checks before drawing; every facilitator action checks again in its transaction."""
    return require_facilitator(database, workshop_id, key)


def is_facilitator(database: Database, workshop_id: int, key: str | None) -> bool:
    """Whether this key is the workshop's facilitator key (pages decide what to draw; every
    facilitator action checks again itself)."""
    row = database.query_one(
        "SELECT facilitator_key_hash FROM workshops WHERE id = ?", [workshop_id]
    )
    return row is not None and secret_matches(key, row[0])


# --- creating and joining -------------------------------------------------------------------------


def _unused_code(transaction: Transaction) -> str:
    """A new code no workshop has ever used, so an old link never opens a new workshop."""
    for _ in range(20):
        code = new_join_code()
        if transaction.fetchone("SELECT 1 FROM workshops WHERE code = ?", [code]) is None:
            return code
    raise ConflictError("Could not find an unused join code; try again.")


def insert_workshop(
    transaction: Transaction,
    data: WorkshopInput,
    *,
    facilitator_key: str | None = None,
    created_at: datetime | None = None,
) -> CreatedWorkshop:
    """Create a workshop (and its drafted risks) inside a caller's transaction."""
    errors: dict[str, str] = {}
    for system_id in data.system_ids:
        if transaction.fetchone("SELECT 1 FROM ai_systems WHERE id = ?", [system_id]) is None:
            errors["system_ids"] = f"There is no AI system with id {system_id}."
    risk_ids = list(data.risk_ids)
    for risk_id in risk_ids:
        row = transaction.fetchone("SELECT system_id FROM risks WHERE id = ?", [risk_id])
        if row is None:
            errors["risk_ids"] = f"There is no risk with id {risk_id}."
        elif row[0] not in data.system_ids:
            errors["risk_ids"] = (
                f"Risk {risk_reference(risk_id)} belongs to an AI system this workshop does not "
                "cover."
            )
    for draft in data.drafts:
        if draft.system_id not in data.system_ids:
            errors["drafts"] = f"The drafted risk '{draft.title}' belongs to another AI system."
    if errors:
        raise FieldErrors(errors)
    risk_ids += [insert_risk(transaction, draft).id for draft in data.drafts]
    key = facilitator_key or new_secret()
    at = created_at or transaction.at
    code = _unused_code(transaction)
    row = transaction.fetchone(
        "INSERT INTO workshops (code, title, tier, anonymise_names, facilitator,"
        " facilitator_key_hash, expected_participants, created_at, created_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            code,
            data.title,
            data.tier,
            data.anonymise_names,
            data.facilitator,
            secret_hash(key),
            data.expected_participants,
            at,
            transaction.actor,
        ],
    )
    assert row is not None
    workshop_id = int(row[0])
    transaction.executemany(
        "INSERT INTO workshop_systems VALUES (?, ?)",
        [[workshop_id, system_id] for system_id in data.system_ids],
    )
    transaction.executemany(
        "INSERT INTO workshop_items VALUES (?, ?, ?)",
        [[workshop_id, risk_id, position] for position, risk_id in enumerate(risk_ids, start=1)],
    )
    workshop = fetch_workshop(transaction, "w.id = ?", workshop_id)
    assert workshop is not None
    transaction.audit(
        "create",
        ENTITY,
        workshop_id,
        None,
        {
            **workshop.model_dump(mode="json", exclude={"code"}),
            "risk_ids": risk_ids,
        },
        f"Workshop '{data.title}' with {len(risk_ids)} risk(s)",
    )
    return CreatedWorkshop(workshop=workshop, facilitator_key=key)


@requires(Permission.FACILITATE)
def create_workshop(database: Database, actor: Actor | str, data: WorkshopInput) -> CreatedWorkshop:
    """Set up a workshop; the returned facilitator key is shown once and never stored in clear."""
    return database.write(actor, lambda transaction: insert_workshop(transaction, data))


def insert_participant(
    transaction: Transaction,
    workshop: Workshop,
    data: JoinInput,
    *,
    token: str | None = None,
    joined_at: datetime | None = None,
) -> JoinedParticipant:
    taken = transaction.fetchone(
        "SELECT 1 FROM workshop_participants WHERE workshop_id = ? AND name_key = ?",
        [workshop.id, data.name.casefold()],
    )
    if taken is not None:
        raise FieldErrors(
            {
                "name": f"Someone has already joined as '{data.name}'. Add an initial, or, if "
                "that was you, open the link on the device you joined from."
            }
        )
    token = token or new_secret()
    at = joined_at or transaction.at
    row = transaction.fetchone(
        "INSERT INTO workshop_participants (workshop_id, name, name_key, token_hash, joined_at)"
        " VALUES (?, ?, ?, ?, ?) RETURNING id",
        [workshop.id, data.name, data.name.casefold(), secret_hash(token), at],
    )
    assert row is not None
    participant = Participant(id=int(row[0]), workshop_id=workshop.id, name=data.name, joined_at=at)
    transaction.audit(
        "create",
        PARTICIPANT_ENTITY,
        participant.id,
        None,
        {"workshop_id": workshop.id, "name": data.name},
        f"{data.name} joined workshop '{workshop.title}'",
    )
    return JoinedParticipant(participant=participant, token=token)


def join_workshop(database: Database, code: str, data: JoinInput) -> JoinedParticipant:
    """A participant joins with the workshop's code and their name; late joiners are welcome.

    Two people pressing Join under one name at once both pass the check above; the unique
    (workshop, name) key fails the second COMMIT, `Database.write` runs it again, and the
    second run finds the first one's row and refuses with the message beside the name field.
    """

    def work(transaction: Transaction) -> JoinedParticipant:
        workshop = open_by_code(transaction, code)
        return insert_participant(transaction, workshop, data)

    return database.write(data.name, work)


# --- the facilitator's log and actions ------------------------------------------------------------


def append_event(
    transaction: Transaction,
    workshop_id: int,
    kind: str,
    risk_id: int | None = None,
    round_number: int | None = None,
    *,
    occurred_at: datetime | None = None,
) -> None:
    transaction.execute(
        "INSERT INTO workshop_events (workshop_id, kind, risk_id, round, occurred_at, actor)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [
            workshop_id,
            kind,
            risk_id,
            round_number,
            occurred_at or transaction.at,
            transaction.actor,
        ],
    )


def insert_close(
    transaction: Transaction, workshop: Workshop, *, at: datetime | None = None
) -> None:
    if not workshop.is_open:
        raise ConflictError("This workshop is already closed.")
    append_event(transaction, workshop.id, EVENT_CLOSE, occurred_at=at)
    transaction.audit(
        "close",
        ENTITY,
        workshop.id,
        {"status": STATUS_OPEN},
        {"status": STATUS_CLOSED},
        f"Workshop '{workshop.title}' closed; its join code no longer works",
    )


def signed_in(actor: object) -> bool:
    """A person the identity provider vouches for: their roles, not a key, decide what they may
    run. A typed name (local mode) or a process's own name proves nothing, so there the key
    decides."""
    return isinstance(actor, Actor) and actor.verified


def console_access(
    database: Database, actor: Actor | str | None, workshop_id: int, key: str | None
) -> bool:
    """Whether this person may run the workshop's console: a signed-in person by the
    facilitator role (any facilitator may run any workshop, which is also how a console is
    taken over when its facilitator is away; a key does not stand in for the role), anyone else
    by the workshop's facilitator key. Every console action checks again in its transaction."""
    if isinstance(actor, Actor) and signed_in(actor):
        exists = database.query_one("SELECT 1 FROM workshops WHERE id = ?", [workshop_id])
        return actor.may(Permission.FACILITATE) and exists is not None
    return is_facilitator(database, workshop_id, key)


@requires(Permission.FACILITATE)
def as_facilitator(
    database: Database,
    actor: Actor | str,
    workshop_id: int,
    key: str | None,
    action: Callable[[Transaction, Workshop], Any],
) -> Any:
    """Run a console action in one transaction, as `console_access` decides: a signed-in person
    needs the facilitator role and no key; a typed name or a process's own name needs the key."""
    by_role = signed_in(actor)

    def work(transaction: Transaction) -> Any:
        if by_role:
            workshop = require_workshop(transaction, workshop_id)
        else:
            workshop = require_facilitator(transaction, workshop_id, key)
        return action(transaction, workshop)

    return database.write(actor, work)


@requires(Permission.FACILITATE)
def close_workshop(database: Database, actor: Actor | str, workshop_id: int, key: str) -> None:
    """Close the workshop: no more votes, and its join code stops working."""
    as_facilitator(database, actor, workshop_id, key, lambda t, w: insert_close(t, w))


# --- planning -------------------------------------------------------------------------------------


def candidate_risks(
    database: Database, system_ids: Sequence[int], limit: int | None = None
) -> tuple[pd.DataFrame, int]:
    """Risks of these AI systems that a workshop can rate, with their current level (residual
    where rated, else inherent): the first `limit` by system and title (None: all), and how
    many there are in all. Columns: id, title, system_id, system_name, status, level."""
    if not system_ids:
        columns = ["id", "title", "system_id", "system_name", "status", "level"]
        return pd.DataFrame(columns=columns), 0
    placeholders = ", ".join("?" for _ in system_ids)
    where = f" WHERE r.system_id IN ({placeholders}) AND r.status <> 'closed'"
    bounded = " LIMIT ?" if limit is not None else ""
    frame = database.query_df(
        "SELECT r.id, r.title, r.system_id, s.name AS system_name, r.status,"
        " coalesce(res.level, inh.level) AS level FROM risks r"
        " JOIN ai_systems s ON s.id = r.system_id"
        " LEFT JOIN risk_current_ratings res ON res.risk_id = r.id AND res.tier = 'residual'"
        " LEFT JOIN risk_current_ratings inh ON inh.risk_id = r.id AND inh.tier = 'inherent'"
        f"{where} ORDER BY s.name, r.title, r.id{bounded}",
        list(system_ids) if limit is None else [*system_ids, int(limit)],
    )
    if limit is None or len(frame) < limit:
        return frame, len(frame)
    row = database.query_one(f"SELECT count(*) FROM risks r{where}", list(system_ids))
    return frame, int(row[0]) if row else 0
