"""Workshop rounds and blind votes in the store.

Votes are appended rows (many phones submit at once and inserts never conflict in DuckDB); the
vote that counts is the latest row per participant, item and round. A round is rated under the
criteria version current when it opened, and keeps the risk's text as it read then. Revealing
a round is the facilitator's; before it, nobody reads the votes (`revealed_votes` refuses).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pandas as pd

from assessments.criteria import RiskCriteria
from assessments.errors import ConflictError, FieldErrors, NotFoundError
from assessments.identity import Actor, Permission, requires
from assessments.references import risk_reference
from assessments.store.criteria import criteria_in_transaction, criteria_version, current_criteria
from assessments.store.db import Database, Transaction
from assessments.store.workshop_sessions import (
    ENTITY,
    Source,
    append_event,
    as_facilitator,
    get_workshop,
    open_by_code,
    participant_by_token,
    participant_for,
    participants,
    read_rows,
    read_state,
    workshop_state,
)
from assessments.workshops import (
    EVENT_FOCUS,
    EVENT_OPEN_ROUND,
    EVENT_REVEAL,
    Participant,
    VoteInput,
    VoteRecord,
    Workshop,
    check_focus,
    check_new_round,
    check_reveal,
    scale_problems,
    shown_names,
    vote_refusal,
)

VOTE_ENTITY = "workshop_vote"

# The vote that counts: the latest submission per participant, item and round. Portable SQL
# (a max per group), so a PostgreSQL store can use it unchanged.
_COUNTED_VOTES = (
    "SELECT v.* FROM workshop_votes v WHERE v.id IN (SELECT max(id) FROM workshop_votes"
    " WHERE workshop_id = ? GROUP BY participant_id, risk_id, round)"
)


# --- the criteria a round is rated under ----------------------------------------------------------


def criteria_of_version(source: Source, version: int) -> RiskCriteria:
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
            found[version] = criteria_of_version(source, version)
        return found[version]

    return lookup


def read_round_criteria(
    source: Source, workshop_id: int, risk_id: int, round_number: int
) -> RiskCriteria:
    rows = read_rows(
        source,
        "SELECT criteria_version FROM workshop_rounds"
        " WHERE workshop_id = ? AND risk_id = ? AND round = ?",
        [workshop_id, risk_id, round_number],
    )
    if rows:
        return criteria_of_version(source, int(rows[0][0]))
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
    return read_round_criteria(database, workshop_id, risk_id, round_number)


# --- votes ----------------------------------------------------------------------------------------


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
    refusal = vote_refusal(read_state(transaction, workshop.id), risk_id, round_number)
    if refusal:
        raise ConflictError(refusal)
    criteria = read_round_criteria(transaction, workshop.id, risk_id, round_number)
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
        workshop = open_by_code(transaction, code)
        voter = participant_by_token(transaction, workshop.id, token)
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
    criteria = criteria_of_version(database, int(mine["criteria_version"]))
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


def counted_votes(
    source: Source, workshop_id: int, names: dict[int, str]
) -> dict[tuple[int, int], list[VoteRecord]]:
    """The votes that count, grouped by (risk id, round), in the order people joined; each
    vote's level comes from the criteria version it was cast under."""
    rows = read_rows(
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
    votes = counted_votes(database, workshop_id, names)
    return votes.get((risk_id, round_number), [])


# --- rounds: focus, a new round, the reveal -------------------------------------------------------


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
    append_event(
        transaction, workshop.id, EVENT_OPEN_ROUND, risk_id, round_number, occurred_at=when
    )
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
    opens_round = check_focus(read_state(transaction, workshop.id), risk_id)
    append_event(transaction, workshop.id, EVENT_FOCUS, risk_id, occurred_at=at)
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
    round_number = check_new_round(read_state(transaction, workshop.id), risk_id)
    append_event(transaction, workshop.id, EVENT_FOCUS, risk_id, occurred_at=at)
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
    state = read_state(transaction, workshop.id)
    item = state.item(risk_id)
    row = transaction.fetchone(
        "SELECT count(DISTINCT participant_id) FROM workshop_votes"
        " WHERE workshop_id = ? AND risk_id = ? AND round = ?",
        [workshop.id, risk_id, item.rounds],
    )
    round_number = check_reveal(state, risk_id, int(row[0]) if row else 0)
    append_event(transaction, workshop.id, EVENT_REVEAL, risk_id, round_number, occurred_at=at)
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


@requires(Permission.FACILITATE)
def go_to_item(
    database: Database, actor: Actor | str, workshop_id: int, key: str, risk_id: int
) -> None:
    """Show an item on every participant's screen (opening its first round the first time)."""
    as_facilitator(database, actor, workshop_id, key, lambda t, w: insert_focus(t, w, risk_id))


@requires(Permission.FACILITATE)
def start_new_round(
    database: Database, actor: Actor | str, workshop_id: int, key: str, risk_id: int
) -> int:
    """Another blind round after a discussion; the earlier round's votes stay as they were."""
    return as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_new_round(t, w, risk_id)
    )


@requires(Permission.FACILITATE)
def reveal_votes(
    database: Database, actor: Actor | str, workshop_id: int, key: str, risk_id: int
) -> int:
    """End the open round of the current item and show its votes."""
    return as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_reveal(t, w, risk_id)
    )
