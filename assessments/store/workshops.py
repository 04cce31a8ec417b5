"""Storage of committee workshops: setup, joining, blind votes, the facilitator's log, outcomes.

Nothing here is ever updated in place. Votes are appended rows (many phones submit at once and
inserts never conflict in DuckDB); the vote that counts is the latest row per participant, item
and round. The workshop's state (current item, open round, revealed, closed) is folded from the
append-only event log by `workshops.derive_state`. Recording a consensus writes the outcome and
a rating in the risk's history (`insert_rating`, method "workshop") in one transaction.

Access is checked here, inside every write, not by the pages: a vote needs an open workshop's
code and a participant token of that workshop; reveal, notes, consensus and closing need the
facilitator key. Tokens and the key are stored only as hashes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from assessments.criteria import RiskCriteria
from assessments.dates import export_timestamp
from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.references import risk_reference
from assessments.risks import RatingInput
from assessments.store.criteria import criteria_in_transaction, criteria_version, current_criteria
from assessments.store.db import Database, Transaction
from assessments.store.risks import insert_rating, insert_risk
from assessments.workshops import (
    EVENT_CLOSE,
    EVENT_FOCUS,
    EVENT_OPEN_ROUND,
    EVENT_RECORD,
    EVENT_REVEAL,
    STATUS_CLOSED,
    STATUS_OPEN,
    ConsensusInput,
    Event,
    ItemRecord,
    JoinInput,
    NoteInput,
    Outcome,
    Participant,
    RoundRecord,
    VoteInput,
    VoteRecord,
    Workshop,
    WorkshopAccessError,
    WorkshopInput,
    WorkshopItem,
    WorkshopRecord,
    WorkshopState,
    check_focus,
    check_new_round,
    check_note,
    check_record,
    check_reveal,
    consensus_problems,
    derive_state,
    is_well_formed_code,
    median_confidence,
    new_join_code,
    new_secret,
    normalise_code,
    scale_problems,
    secret_hash,
    secret_matches,
    shown_by_name,
    shown_names,
    vote_refusal,
    vote_stats,
)

ENTITY = "workshop"
PARTICIPANT_ENTITY = "workshop_participant"
VOTE_ENTITY = "workshop_vote"

BAD_CODE = "That join code does not match any open workshop. Check it on the projector."
CLOSED_CODE = "This workshop has closed, so its join code no longer works."
BAD_TOKEN = (
    "This link does not belong to a participant of this workshop: join again with your name."
)
NOT_FACILITATOR = "Only the facilitator can do this: the facilitator key is missing or wrong."

# The vote that counts: the latest submission per participant, item and round. Portable SQL
# (a max per group), so a PostgreSQL store can use it unchanged.
_COUNTED_VOTES = (
    "SELECT v.* FROM workshop_votes v WHERE v.id IN (SELECT max(id) FROM workshop_votes"
    " WHERE workshop_id = ? GROUP BY participant_id, risk_id, round)"
)


@dataclass(frozen=True)
class CreatedWorkshop:
    """A new workshop and its facilitator key: the only moment the key exists in clear."""

    workshop: Workshop
    facilitator_key: str


@dataclass(frozen=True)
class JoinedParticipant:
    participant: Participant
    token: str


Source = Transaction | Database


def _rows(source: Source, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows from inside a write's transaction or from a plain read: the checks run in both."""
    if isinstance(source, Transaction):
        return source.fetchall(sql, params)
    return source.query_rows(sql, params)


def _dicts(source: Source, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    if isinstance(source, Database):
        return source.query_records(sql, params)
    result = source.execute(sql, params)
    columns = [column[0] for column in result.description]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


# --- reading a workshop --------------------------------------------------------------------------

_WORKSHOP_COLUMNS = (
    "w.id, w.code, w.title, w.tier, w.anonymise_names, w.facilitator, w.expected_participants,"
    " w.created_at, w.created_by,"
    " (SELECT min(e.occurred_at) FROM workshop_events e WHERE e.workshop_id = w.id"
    " AND e.kind = 'close') AS closed_at,"
    " (SELECT coalesce(list(s.system_id ORDER BY s.system_id), []) FROM workshop_systems s"
    " WHERE s.workshop_id = w.id) AS system_ids,"
    " (SELECT coalesce(list(a.name ORDER BY a.name), []) FROM workshop_systems s"
    " JOIN ai_systems a ON a.id = s.system_id WHERE s.workshop_id = w.id) AS system_names"
)


def _to_workshop(row: dict[str, Any]) -> Workshop:
    status = STATUS_CLOSED if row["closed_at"] is not None else STATUS_OPEN
    return Workshop.model_validate({**row, "status": status})


def _fetch_workshop(source: Source, where: str, value: Any) -> Workshop | None:
    rows = _dicts(source, f"SELECT {_WORKSHOP_COLUMNS} FROM workshops w WHERE {where}", [value])
    return _to_workshop(rows[0]) if rows else None


def _require_workshop(source: Source, workshop_id: int) -> Workshop:
    workshop = _fetch_workshop(source, "w.id = ?", workshop_id)
    if workshop is None:
        raise NotFoundError(f"There is no workshop with id {workshop_id}.")
    return workshop


def get_workshop(database: Database, workshop_id: int) -> Workshop:
    return _require_workshop(database, workshop_id)


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
        " AS participants FROM workshops w)"
        f" ORDER BY (closed_at IS NULL) DESC, created_at DESC, id DESC{bounded}",
        [] if limit is None else [int(limit)],
    )


def workshop_count(database: Database) -> int:
    """How many workshops there are, open or closed."""
    row = database.query_one("SELECT count(*) FROM workshops")
    return int(row[0]) if row else 0


def find_workshop_by_title(transaction: Transaction, title: str) -> Workshop | None:
    """The workshop with this title (case-insensitive), for the idempotent demo loader."""
    return _fetch_workshop(transaction, "lower(w.title) = lower(?)", title)


# The text of an item as its latest opened round showed it (migration 011): an item whose
# rounds have opened reads from this snapshot, so a later edit of the risk never changes what
# the minutes, the console or the export say was rated; an item not yet opened reads the risk.
_LATEST_ROUND_TEXT = (
    "SELECT wr.risk_id, wr.title, wr.description FROM workshop_rounds wr"
    " WHERE wr.workshop_id = ? AND wr.round = (SELECT max(x.round) FROM workshop_rounds x"
    "  WHERE x.workshop_id = wr.workshop_id AND x.risk_id = wr.risk_id)"
)


def _items(source: Source, workshop_id: int) -> list[WorkshopItem]:
    rows = _rows(
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
    return _items(database, workshop_id)


def _participants(source: Source, workshop_id: int) -> list[Participant]:
    rows = _rows(
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
    return _participants(database, workshop_id)


def _state(source: Source, workshop_id: int) -> WorkshopState:
    item_ids = [
        row[0]
        for row in _rows(
            source,
            "SELECT risk_id FROM workshop_items WHERE workshop_id = ? ORDER BY position",
            [workshop_id],
        )
    ]
    events = [
        Event(kind=row[0], risk_id=row[1], round=row[2], occurred_at=row[3])
        for row in _rows(
            source,
            "SELECT kind, risk_id, round, occurred_at FROM workshop_events"
            " WHERE workshop_id = ? ORDER BY id",
            [workshop_id],
        )
    ]
    recorded = [
        row[0]
        for row in _rows(
            source, "SELECT risk_id FROM workshop_outcomes WHERE workshop_id = ?", [workshop_id]
        )
    ]
    return derive_state(item_ids, events, recorded)


def workshop_state(database: Database, workshop_id: int) -> WorkshopState:
    """Current item, rounds, revealed and recorded items, open or closed: read live, uncached."""
    return _state(database, workshop_id)


def state_version(database: Database, workshop_id: int) -> int:
    """A number that grows with every change a participant's screen shows: each facilitator
    action (focus, new round, reveal, record, close) appends an event. The one small query a
    participant's page polls; read it BEFORE the state it draws, so a change landing in
    between makes the next poll redraw instead of being missed."""
    row = database.query_one(
        "SELECT coalesce(max(id), 0) FROM workshop_events WHERE workshop_id = ?", [workshop_id]
    )
    return int(row[0]) if row else 0


# --- the criteria a round is rated under ---------------------------------------------------------


def _criteria_of_version(source: Source, version: int) -> RiskCriteria:
    """A saved criteria version (immutable): the process's parsed copy on a plain read, the
    stored definition (the export shape, which RiskCriteria accepts back) inside a write."""
    if isinstance(source, Database):
        return criteria_version(source, version)
    row = source.fetchone("SELECT definition FROM criteria_versions WHERE version = ?", [version])
    if row is None:
        raise NotFoundError(f"There is no criteria version {version}.")
    return RiskCriteria.model_validate({**json.loads(row[0]), "version": version})


def _criteria_lookup(source: Source) -> Callable[[int], RiskCriteria]:
    """Version -> criteria, each version read once per call."""
    found: dict[int, RiskCriteria] = {}

    def lookup(version: int) -> RiskCriteria:
        if version not in found:
            found[version] = _criteria_of_version(source, version)
        return found[version]

    return lookup


def _round_criteria(
    source: Source, workshop_id: int, risk_id: int, round_number: int
) -> RiskCriteria:
    rows = _rows(
        source,
        "SELECT criteria_version FROM workshop_rounds"
        " WHERE workshop_id = ? AND risk_id = ? AND round = ?",
        [workshop_id, risk_id, round_number],
    )
    if rows:
        return _criteria_of_version(source, int(rows[0][0]))
    # A round that has not opened yet would open under today's criteria.
    if isinstance(source, Transaction):
        return criteria_in_transaction(source)
    return current_criteria(source)


def round_criteria(
    database: Database, workshop_id: int, risk_id: int, round_number: int
) -> RiskCriteria:
    """The criteria a round's votes are cast, checked, levelled and charted under: the version
    that was current when the round opened. Criteria saved during the workshop apply from the
    next round on, so a scale never changes under the members' feet."""
    return _round_criteria(database, workshop_id, risk_id, round_number)


# --- access --------------------------------------------------------------------------------------


def _open_by_code(source: Source, code: str) -> Workshop:
    normalised = normalise_code(code)
    if not is_well_formed_code(normalised):
        raise WorkshopAccessError(BAD_CODE)
    workshop = _fetch_workshop(source, "w.code = ?", normalised)
    if workshop is None:
        raise WorkshopAccessError(BAD_CODE)
    if not workshop.is_open:
        raise WorkshopAccessError(CLOSED_CODE)
    return workshop


def _participant_by_token(source: Source, workshop_id: int, token: str | None) -> Participant:
    if not token:
        raise WorkshopAccessError(BAD_TOKEN)
    rows = _rows(
        source,
        "SELECT id, workshop_id, name, joined_at FROM workshop_participants"
        " WHERE token_hash = ? AND workshop_id = ?",
        [secret_hash(token), workshop_id],
    )
    if not rows:
        raise WorkshopAccessError(BAD_TOKEN)
    row = rows[0]
    return Participant(id=row[0], workshop_id=row[1], name=row[2], joined_at=row[3])


def _require_facilitator(source: Source, workshop_id: int, key: str | None) -> Workshop:
    rows = _rows(source, "SELECT facilitator_key_hash FROM workshops WHERE id = ?", [workshop_id])
    if not rows:
        raise NotFoundError(f"There is no workshop with id {workshop_id}.")
    if not secret_matches(key, rows[0][0]):
        raise WorkshopAccessError(NOT_FACILITATOR)
    return _require_workshop(source, workshop_id)


def workshop_for_code(database: Database, code: str) -> Workshop:
    """The open workshop a join code opens; WorkshopAccessError for a wrong or stale code."""
    return _open_by_code(database, code)


def participant_for(
    database: Database, code: str, token: str | None
) -> tuple[Workshop, Participant]:
    """The workshop and participant of a join code and token (the participant page's session)."""
    workshop = _open_by_code(database, code)
    return workshop, _participant_by_token(database, workshop.id, token)


def facilitator_workshop(database: Database, workshop_id: int, key: str | None) -> Workshop:
    """The workshop, if this key is its facilitator key (else WorkshopAccessError): what the
    console checks before drawing; every facilitator action checks again in its transaction."""
    return _require_facilitator(database, workshop_id, key)


def is_facilitator(database: Database, workshop_id: int, key: str | None) -> bool:
    """Whether this key is the workshop's facilitator key (pages decide what to draw; every
    facilitator action checks again itself)."""
    row = database.query_one(
        "SELECT facilitator_key_hash FROM workshops WHERE id = ?", [workshop_id]
    )
    return row is not None and secret_matches(key, row[0])


# --- creating and joining ------------------------------------------------------------------------


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
    workshop = _fetch_workshop(transaction, "w.id = ?", workshop_id)
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


def create_workshop(database: Database, actor: str, data: WorkshopInput) -> CreatedWorkshop:
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
        workshop = _open_by_code(transaction, code)
        return insert_participant(transaction, workshop, data)

    return database.write(data.name, work)


# --- votes ---------------------------------------------------------------------------------------


def insert_vote(
    transaction: Transaction,
    workshop: Workshop,
    participant: Participant,
    risk_id: int,
    round_number: int,
    vote: VoteInput,
    *,
    submitted_at: datetime | None = None,
) -> int:
    """Append one submission after checking the round is open and the values on the scales of
    the criteria version the round opened under (kept with the vote)."""
    refusal = vote_refusal(_state(transaction, workshop.id), risk_id, round_number)
    if refusal:
        raise ConflictError(refusal)
    criteria = _round_criteria(transaction, workshop.id, risk_id, round_number)
    problems = scale_problems(criteria, vote.likelihood, vote.severity)
    if problems:
        raise FieldErrors(problems)
    row = transaction.fetchone(
        "INSERT INTO workshop_votes (workshop_id, participant_id, risk_id, round, likelihood,"
        " severity, confidence, comment, criteria_version, submitted_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [
            workshop.id,
            participant.id,
            risk_id,
            round_number,
            vote.likelihood,
            vote.severity,
            vote.confidence,
            vote.comment,
            criteria.version,
            submitted_at or transaction.at,
        ],
    )
    assert row is not None
    vote_id = int(row[0])
    # The audit event says who voted where, not what: the audit log is readable by everyone,
    # and the vote row itself is immutable, so the values are kept there.
    transaction.audit(
        "create",
        VOTE_ENTITY,
        vote_id,
        None,
        {"workshop_id": workshop.id, "risk_id": risk_id, "round": round_number},
        f"{participant.name} voted on risk {risk_reference(risk_id)}, round {round_number}",
    )
    return vote_id


def submit_vote(
    database: Database,
    code: str,
    token: str,
    risk_id: int,
    round_number: int,
    vote: VoteInput,
) -> int:
    """The participant page's one write: a blind vote on the open round (a later submission in
    the same round replaces this one as the vote that counts; both are kept)."""
    _, participant = participant_for(database, code, token)

    def work(transaction: Transaction) -> int:
        workshop = _open_by_code(transaction, code)
        voter = _participant_by_token(transaction, workshop.id, token)
        return insert_vote(transaction, workshop, voter, risk_id, round_number, vote)

    return database.write(participant.name, work)


def own_vote(
    database: Database, participant_id: int, risk_id: int, round_number: int
) -> dict[str, Any] | None:
    """A participant's own counting vote in a round (to prefill their form after a reload),
    with its level under the criteria version it was cast under."""
    rows = database.query_records(
        "SELECT likelihood, severity, confidence, comment, submitted_at, criteria_version,"
        " count(*) OVER () AS submissions FROM workshop_votes"
        " WHERE participant_id = ? AND risk_id = ? AND round = ? ORDER BY id DESC LIMIT 1",
        [participant_id, risk_id, round_number],
    )
    if not rows:
        return None
    mine = rows[0]
    criteria = _criteria_of_version(database, int(mine["criteria_version"]))
    return {**mine, "level": _level_name(criteria, mine["likelihood"], mine["severity"])}


def voting_progress(
    database: Database, workshop_id: int, risk_id: int, round_number: int
) -> pd.DataFrame:
    """Who has voted in a round (never what): one row per participant and per expected person
    who has not joined yet. Columns: name, joined, voted, submitted_at."""
    return database.query_df(
        "WITH voted AS (SELECT participant_id, max(submitted_at) AS submitted_at"
        " FROM workshop_votes WHERE workshop_id = ? AND risk_id = ? AND round = ?"
        " GROUP BY participant_id)"
        " SELECT p.name, TRUE AS joined, v.participant_id IS NOT NULL AS voted, v.submitted_at,"
        " p.joined_at FROM workshop_participants p"
        " LEFT JOIN voted v ON v.participant_id = p.id WHERE p.workshop_id = ?"
        " UNION ALL SELECT e.name, FALSE, FALSE, NULL, NULL"
        " FROM (SELECT unnest(expected_participants) AS name FROM workshops WHERE id = ?) e"
        " WHERE lower(e.name) NOT IN (SELECT name_key FROM workshop_participants"
        " WHERE workshop_id = ?)"
        " ORDER BY joined DESC, voted, joined_at, name",
        [workshop_id, risk_id, round_number, workshop_id, workshop_id, workshop_id],
    ).drop(columns=["joined_at"])


def _counted_votes(
    source: Source, workshop_id: int, names: dict[int, str]
) -> dict[tuple[int, int], list[VoteRecord]]:
    """The votes that count, grouped by (risk id, round), in the order people joined; each
    vote's level comes from the criteria version it was cast under."""
    rows = _rows(
        source,
        "SELECT c.risk_id, c.round, c.participant_id, c.likelihood, c.severity, c.confidence,"
        " c.comment, c.submitted_at, (SELECT count(*) FROM workshop_votes a"
        " WHERE a.participant_id = c.participant_id AND a.risk_id = c.risk_id"
        f" AND a.round = c.round) AS submissions, c.criteria_version FROM ({_COUNTED_VOTES}) c"
        " ORDER BY c.risk_id, c.round, c.participant_id",
        [workshop_id],
    )
    criteria_of = _criteria_lookup(source)
    grouped: dict[tuple[int, int], list[VoteRecord]] = {}
    for row in rows:
        risk_id, round_number, pid, likelihood, severity, confidence, comment, at, count = row[:9]
        grouped.setdefault((risk_id, round_number), []).append(
            VoteRecord(
                participant_id=pid,
                participant=names.get(pid, f"participant {pid}"),
                likelihood=likelihood,
                severity=severity,
                level=_level_name(criteria_of(int(row[9])), likelihood, severity),
                confidence=confidence,
                comment=comment,
                submitted_at=at,
                submissions=count,
            )
        )
    return grouped


def _level_name(criteria: RiskCriteria, likelihood: int, severity: int) -> str:
    """The level of a vote under its own criteria version (a vote is checked against that
    version when cast, so 'off the scale' only shows for data written by hand)."""
    try:
        return criteria.level_for(likelihood, severity).name
    except ValueError:
        return f"off the scale of criteria version {criteria.version}"


def count_votes(database: Database, workshop_id: int, risk_id: int, round_number: int) -> int:
    """How many people have a vote in this round (what the facilitator's count shows)."""
    row = database.query_one(
        "SELECT count(DISTINCT participant_id) FROM workshop_votes"
        " WHERE workshop_id = ? AND risk_id = ? AND round = ?",
        [workshop_id, risk_id, round_number],
    )
    return int(row[0]) if row else 0


def revealed_votes(
    database: Database, workshop_id: int, risk_id: int, round_number: int
) -> list[VoteRecord]:
    """The counting votes of a revealed round, names shown per the workshop's setting.

    Refuses a round that has not been revealed: this is the blind, kept in the domain."""
    state = workshop_state(database, workshop_id)
    if round_number not in state.item(risk_id).revealed:
        raise ConflictError("The votes of this round have not been revealed yet.")
    workshop = get_workshop(database, workshop_id)
    people = participants(database, workshop_id)
    names = shown_names([(p.id, p.name) for p in people], workshop.anonymise_names)
    votes = _counted_votes(database, workshop_id, names)
    return votes.get((risk_id, round_number), [])


# --- the facilitator's actions -------------------------------------------------------------------


def _event(
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


def _open_round(
    transaction: Transaction,
    workshop: Workshop,
    risk_id: int,
    round_number: int,
    *,
    at: datetime | None = None,
) -> int:
    """Open a round, fix the criteria version it is rated under and keep the risk's title and
    description as they read now (what the round is about, whatever is edited later); returns
    the criteria version."""
    when = at or transaction.at
    _event(transaction, workshop.id, EVENT_OPEN_ROUND, risk_id, round_number, occurred_at=when)
    version = criteria_in_transaction(transaction).version
    transaction.execute(
        "INSERT INTO workshop_rounds (workshop_id, risk_id, round, criteria_version, opened_at,"
        " title, description)"
        " SELECT ?, ?, ?, ?, ?, r.title, r.description FROM risks r WHERE r.id = ?",
        [workshop.id, risk_id, round_number, version, when, risk_id],
    )
    return version


def insert_focus(
    transaction: Transaction, workshop: Workshop, risk_id: int, *, at: datetime | None = None
) -> None:
    """Put an item on everyone's screen; its first round opens the first time."""
    opens_round = check_focus(_state(transaction, workshop.id), risk_id)
    _event(transaction, workshop.id, EVENT_FOCUS, risk_id, occurred_at=at)
    version = _open_round(transaction, workshop, risk_id, 1, at=at) if opens_round else None
    transaction.audit(
        "focus",
        ENTITY,
        workshop.id,
        None,
        {
            "risk_id": risk_id,
            "round_opened": 1 if opens_round else None,
            "criteria_version": version,
        },
        f"Workshop '{workshop.title}': now on risk {risk_reference(risk_id)}",
    )


def insert_new_round(
    transaction: Transaction, workshop: Workshop, risk_id: int, *, at: datetime | None = None
) -> int:
    round_number = check_new_round(_state(transaction, workshop.id), risk_id)
    _event(transaction, workshop.id, EVENT_FOCUS, risk_id, occurred_at=at)
    version = _open_round(transaction, workshop, risk_id, round_number, at=at)
    transaction.audit(
        "open_round",
        ENTITY,
        workshop.id,
        None,
        {"risk_id": risk_id, "round": round_number, "criteria_version": version},
        f"Workshop '{workshop.title}': round {round_number} on risk {risk_reference(risk_id)}",
    )
    return round_number


def insert_reveal(
    transaction: Transaction, workshop: Workshop, risk_id: int, *, at: datetime | None = None
) -> int:
    state = _state(transaction, workshop.id)
    item = state.item(risk_id)
    row = transaction.fetchone(
        "SELECT count(DISTINCT participant_id) FROM workshop_votes"
        " WHERE workshop_id = ? AND risk_id = ? AND round = ?",
        [workshop.id, risk_id, item.rounds],
    )
    round_number = check_reveal(state, risk_id, int(row[0]) if row else 0)
    _event(transaction, workshop.id, EVENT_REVEAL, risk_id, round_number, occurred_at=at)
    transaction.audit(
        "reveal",
        ENTITY,
        workshop.id,
        None,
        {"risk_id": risk_id, "round": round_number, "votes": int(row[0]) if row else 0},
        f"Workshop '{workshop.title}': revealed round {round_number} on risk "
        f"{risk_reference(risk_id)}",
    )
    return round_number


def insert_note(
    transaction: Transaction,
    workshop: Workshop,
    risk_id: int,
    round_number: int,
    note: NoteInput,
    *,
    at: datetime | None = None,
) -> None:
    check_note(_state(transaction, workshop.id), risk_id, round_number)
    text = note.note
    transaction.execute(
        "INSERT INTO workshop_notes (workshop_id, risk_id, round, note, written_at, written_by)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [workshop.id, risk_id, round_number, text, at or transaction.at, transaction.actor],
    )
    transaction.audit(
        "note",
        ENTITY,
        workshop.id,
        None,
        {"risk_id": risk_id, "round": round_number, "note": text},
        f"Workshop '{workshop.title}': discussion note on risk {risk_reference(risk_id)}, "
        f"round {round_number}",
    )


def insert_consensus(
    transaction: Transaction,
    workshop: Workshop,
    risk_id: int,
    consensus: ConsensusInput,
    *,
    at: datetime | None = None,
) -> Outcome:
    """Record the committee's rating: the outcome row and a workshop rating in the risk's
    history, in this one transaction (both or neither)."""
    state = _state(transaction, workshop.id)
    round_number = check_record(state, risk_id)
    people = _participants(transaction, workshop.id)
    names = {p.id: p.name for p in people}
    # The consensus is a new rating in the risk's history, made now: under today's criteria
    # (as insert_rating computes its level), whichever version the rounds were voted under.
    criteria = criteria_in_transaction(transaction)
    votes = _counted_votes(transaction, workshop.id, names)
    final = votes.get((risk_id, round_number), [])
    stats = vote_stats(
        [(vote.likelihood, vote.severity) for vote in final],
        _round_criteria(transaction, workshop.id, risk_id, round_number),
    )
    median_cell = stats.median_cell if stats else None
    problems = {
        **scale_problems(criteria, consensus.likelihood, consensus.severity),
        **consensus_problems(consensus, median_cell, names.values()),
    }
    if problems:
        raise FieldErrors(problems)
    voters = {
        vote.participant_id
        for (item_id, _), group in votes.items()
        if item_id == risk_id
        for vote in group
    }
    rationale = consensus.rationale
    if consensus.dissent:
        rationale += f"\nDissent: {consensus.dissent}"
    rating = insert_rating(
        transaction,
        RatingInput(
            risk_id=risk_id,
            tier=workshop.tier,
            likelihood=consensus.likelihood,
            severity=consensus.severity,
            rationale=rationale,
            strength_of_knowledge=median_confidence([vote.confidence for vote in final]),
            method="workshop",
            workshop_id=workshop.id,
            participants=[p.name for p in people if p.id in voters],
            rated_at=at,
        ),
    )
    recorded_at = at or transaction.at
    median_likelihood, median_severity = median_cell or (consensus.likelihood, consensus.severity)
    transaction.execute(
        "INSERT INTO workshop_outcomes (workshop_id, risk_id, round, likelihood, severity, level,"
        " median_likelihood, median_severity, rationale, override_reason, dissent, dissenting,"
        " actions, rating_id, recorded_at, recorded_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            workshop.id,
            risk_id,
            round_number,
            consensus.likelihood,
            consensus.severity,
            rating["level"],
            median_likelihood,
            median_severity,
            consensus.rationale,
            consensus.override_reason,
            consensus.dissent,
            consensus.dissenting,
            consensus.actions,
            rating["id"],
            recorded_at,
            transaction.actor,
        ],
    )
    _event(transaction, workshop.id, EVENT_RECORD, risk_id, round_number, occurred_at=at)
    outcome = Outcome(
        risk_id=risk_id,
        round=round_number,
        likelihood=consensus.likelihood,
        severity=consensus.severity,
        level=rating["level"],
        median_likelihood=median_likelihood,
        median_severity=median_severity,
        rationale=consensus.rationale,
        override_reason=consensus.override_reason,
        dissent=consensus.dissent,
        dissenting=consensus.dissenting,
        actions=consensus.actions,
        rating_id=rating["id"],
        recorded_at=recorded_at,
        recorded_by=transaction.actor,
    )
    # Anyone can read the audit log: in an anonymised workshop it names the dissenting
    # members by the pseudonyms the console and the minutes use, never by name. (The rating's
    # participants list keeps real names: it says who attended and voted, not what anyone
    # voted, as the minutes' attendee list does.)
    shown = shown_by_name([(p.id, p.name) for p in people], workshop.anonymise_names)
    audited = outcome.model_dump(mode="json")
    audited["dissenting"] = [shown.get(name, name) for name in consensus.dissenting]
    transaction.audit(
        "record",
        ENTITY,
        workshop.id,
        None,
        audited,
        f"Workshop '{workshop.title}': consensus on risk {risk_reference(risk_id)} "
        f"L{consensus.likelihood} × "
        f"S{consensus.severity} = {rating['level']}",
    )
    return outcome


def insert_close(
    transaction: Transaction, workshop: Workshop, *, at: datetime | None = None
) -> None:
    if not workshop.is_open:
        raise ConflictError("This workshop is already closed.")
    _event(transaction, workshop.id, EVENT_CLOSE, occurred_at=at)
    transaction.audit(
        "close",
        ENTITY,
        workshop.id,
        {"status": STATUS_OPEN},
        {"status": STATUS_CLOSED},
        f"Workshop '{workshop.title}' closed; its join code no longer works",
    )


def _as_facilitator(
    database: Database,
    actor: str,
    workshop_id: int,
    key: str | None,
    action: Callable[[Transaction, Workshop], Any],
) -> Any:
    def work(transaction: Transaction) -> Any:
        workshop = _require_facilitator(transaction, workshop_id, key)
        return action(transaction, workshop)

    return database.write(actor, work)


def go_to_item(database: Database, actor: str, workshop_id: int, key: str, risk_id: int) -> None:
    """Show an item on every participant's screen (opening its first round the first time)."""
    _as_facilitator(database, actor, workshop_id, key, lambda t, w: insert_focus(t, w, risk_id))


def start_new_round(
    database: Database, actor: str, workshop_id: int, key: str, risk_id: int
) -> int:
    """Another blind round after a discussion; the earlier round's votes stay as they were."""
    return _as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_new_round(t, w, risk_id)
    )


def reveal_votes(database: Database, actor: str, workshop_id: int, key: str, risk_id: int) -> int:
    """End the open round of the current item and show its votes."""
    return _as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_reveal(t, w, risk_id)
    )


def save_note(
    database: Database,
    actor: str,
    workshop_id: int,
    key: str,
    risk_id: int,
    round_number: int,
    note: NoteInput,
) -> None:
    """Keep the discussion note of a round (a new row; the latest is the note)."""
    _as_facilitator(
        database,
        actor,
        workshop_id,
        key,
        lambda t, w: insert_note(t, w, risk_id, round_number, note),
    )


def record_consensus(
    database: Database,
    actor: str,
    workshop_id: int,
    key: str,
    risk_id: int,
    consensus: ConsensusInput,
) -> Outcome:
    """Record the committee's rating of an item; it enters the risk's rating history."""
    return _as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_consensus(t, w, risk_id, consensus)
    )


def close_workshop(database: Database, actor: str, workshop_id: int, key: str) -> None:
    """Close the workshop: no more votes, and its join code stops working."""
    _as_facilitator(database, actor, workshop_id, key, lambda t, w: insert_close(t, w))


# --- notes, outcomes and the full record ---------------------------------------------------------


def _notes(source: Source, workshop_id: int) -> dict[tuple[int, int], str]:
    rows = _rows(
        source,
        "SELECT risk_id, round, note FROM workshop_notes WHERE id IN (SELECT max(id)"
        " FROM workshop_notes WHERE workshop_id = ? GROUP BY risk_id, round)",
        [workshop_id],
    )
    return {(row[0], row[1]): row[2] for row in rows}


def note_for(database: Database, workshop_id: int, risk_id: int, round_number: int) -> str:
    return _notes(database, workshop_id).get((risk_id, round_number), "")


def _outcomes(source: Transaction | Database, workshop_id: int) -> dict[int, Outcome]:
    sql = "SELECT * FROM workshop_outcomes WHERE workshop_id = ? ORDER BY recorded_at"
    rows = _dicts(source, sql, [workshop_id])
    return {row["risk_id"]: Outcome.model_validate(row) for row in rows}


def outcomes(database: Database, workshop_id: int) -> dict[int, Outcome]:
    """The recorded consensus per risk id."""
    return _outcomes(database, workshop_id)


def workshop_record(database: Database, workshop_id: int) -> WorkshopRecord:
    """Everything the minutes and the export need, with unrevealed votes left out."""
    workshop = get_workshop(database, workshop_id)
    read = database
    criteria = current_criteria(database)
    people = _participants(read, workshop_id)
    shown = shown_names([(p.id, p.name) for p in people], workshop.anonymise_names)
    state = _state(read, workshop_id)
    votes = _counted_votes(read, workshop_id, shown)
    notes = _notes(read, workshop_id)
    recorded = _outcomes(database, workshop_id)
    items = []
    for item in _items(read, workshop_id):
        item_state = state.items[item.risk_id]
        rounds = [
            RoundRecord(
                number=number,
                revealed=number in item_state.revealed,
                criteria=_round_criteria(read, workshop_id, item.risk_id, number),
                votes=votes.get((item.risk_id, number), [])
                if number in item_state.revealed
                else [],
                note=notes.get((item.risk_id, number), ""),
            )
            for number in range(1, item_state.rounds + 1)
        ]
        items.append(ItemRecord(item=item, rounds=rounds, outcome=recorded.get(item.risk_id)))
    return WorkshopRecord(
        workshop=workshop, participants=people, items=items, criteria_name=criteria.name
    )


def export_records(database: Database) -> list[dict[str, Any]]:
    """`export workshops --format json`: each workshop with its participants, items, the
    counting votes of revealed rounds and the consensus per item."""
    ids = [row[0] for row in database.query_rows("SELECT id FROM workshops ORDER BY id")]
    exported = []
    for workshop_id in ids:
        record = workshop_record(database, workshop_id)
        workshop = record.workshop
        exported.append(
            {
                "id": workshop.id,
                "title": workshop.title,
                "status": workshop.status,
                "tier": workshop.tier,
                "facilitator": workshop.facilitator,
                "created_at": export_timestamp(workshop.created_at),
                "closed_at": export_timestamp(workshop.closed_at) if workshop.closed_at else None,
                "anonymise_names": workshop.anonymise_names,
                "systems": workshop.system_names,
                "participants": [p.name for p in record.participants],
                "items": [
                    {
                        "risk_id": entry.item.risk_id,
                        "position": entry.item.position,
                        "title": entry.item.title,
                        "system": entry.item.system_name,
                    }
                    for entry in record.items
                ],
                "votes": [
                    {
                        "participant": vote.participant,
                        "risk_id": entry.item.risk_id,
                        "round": round_record.number,
                        "likelihood": vote.likelihood,
                        "severity": vote.severity,
                        "confidence": vote.confidence,
                        "comment": vote.comment,
                        "submitted_at": export_timestamp(vote.submitted_at),
                    }
                    for entry in record.items
                    for round_record in entry.rounds
                    for vote in round_record.votes
                ],
                "consensus": [
                    {
                        "risk_id": entry.item.risk_id,
                        "likelihood": entry.outcome.likelihood,
                        "severity": entry.outcome.severity,
                        "level": entry.outcome.level,
                        "rationale": entry.outcome.rationale,
                        "dissent": entry.outcome.dissent,
                        "dissenting": [record.shown_name(n) for n in entry.outcome.dissenting],
                        "rating_id": entry.outcome.rating_id,
                    }
                    for entry in record.items
                    if entry.outcome is not None
                ],
            }
        )
    return exported


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
