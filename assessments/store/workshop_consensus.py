"""Workshop outcomes in the store: discussion notes, the consensus, the minutes' record, export.

Recording a consensus writes the outcome and a rating in the risk's history (`insert_rating`,
method "workshop") in one transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assessments.dates import export_timestamp
from assessments.errors import FieldErrors
from assessments.identity import Actor, Permission, requires
from assessments.references import risk_reference
from assessments.risks import RatingInput
from assessments.store.criteria import criteria_in_transaction, current_criteria
from assessments.store.db import Database, Transaction
from assessments.store.risks import insert_rating
from assessments.store.workshop_sessions import (
    ENTITY,
    Source,
    append_event,
    as_facilitator,
    get_workshop,
    read_dicts,
    read_items,
    read_participants,
    read_rows,
    read_state,
)
from assessments.store.workshop_votes import (
    counted_votes,
    read_round_criteria,
)
from assessments.workshops import (
    EVENT_RECORD,
    ConsensusInput,
    ItemRecord,
    NoteInput,
    Outcome,
    RoundRecord,
    Workshop,
    WorkshopRecord,
    check_note,
    check_record,
    consensus_problems,
    median_confidence,
    scale_problems,
    shown_by_name,
    shown_names,
    vote_stats,
)

# --- notes and the consensus ----------------------------------------------------------------------


def insert_note(
    transaction: Transaction,
    workshop: Workshop,
    risk_id: int,
    round_number: int,
    note: NoteInput,
    *,
    at: datetime | None = None,
) -> None:
    check_note(read_state(transaction, workshop.id), risk_id, round_number)
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
    state = read_state(transaction, workshop.id)
    round_number = check_record(state, risk_id)
    people = read_participants(transaction, workshop.id)
    names = {p.id: p.name for p in people}
    # The consensus is a new rating in the risk's history, made now: under today's criteria
    # (as insert_rating computes its level), whichever version the rounds were voted under.
    criteria = criteria_in_transaction(transaction)
    votes = counted_votes(transaction, workshop.id, names)
    final = votes.get((risk_id, round_number), [])
    stats = vote_stats(
        [(vote.likelihood, vote.severity) for vote in final],
        read_round_criteria(transaction, workshop.id, risk_id, round_number),
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
            rating.level,
            median_likelihood,
            median_severity,
            consensus.rationale,
            consensus.override_reason,
            consensus.dissent,
            consensus.dissenting,
            consensus.actions,
            rating.id,
            recorded_at,
            transaction.actor,
        ],
    )
    append_event(transaction, workshop.id, EVENT_RECORD, risk_id, round_number, occurred_at=at)
    outcome = Outcome(
        risk_id=risk_id,
        round=round_number,
        likelihood=consensus.likelihood,
        severity=consensus.severity,
        level=rating.level,
        median_likelihood=median_likelihood,
        median_severity=median_severity,
        rationale=consensus.rationale,
        override_reason=consensus.override_reason,
        dissent=consensus.dissent,
        dissenting=consensus.dissenting,
        actions=consensus.actions,
        rating_id=rating.id,
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
        f"S{consensus.severity} = {rating.level}",
    )
    return outcome


@requires(Permission.FACILITATE)
def save_note(
    database: Database,
    actor: Actor | str,
    workshop_id: int,
    key: str,
    risk_id: int,
    round_number: int,
    note: NoteInput,
) -> None:
    """Keep the discussion note of a round (a new row; the latest is the note)."""
    as_facilitator(
        database,
        actor,
        workshop_id,
        key,
        lambda t, w: insert_note(t, w, risk_id, round_number, note),
    )


@requires(Permission.FACILITATE)
def record_consensus(
    database: Database,
    actor: Actor | str,
    workshop_id: int,
    key: str,
    risk_id: int,
    consensus: ConsensusInput,
) -> Outcome:
    """Record the committee's rating of an item; it enters the risk's rating history."""
    return as_facilitator(
        database, actor, workshop_id, key, lambda t, w: insert_consensus(t, w, risk_id, consensus)
    )


# --- reading outcomes and the full record ---------------------------------------------------------


def _notes(source: Source, workshop_id: int) -> dict[tuple[int, int], str]:
    rows = read_rows(
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
    rows = read_dicts(source, sql, [workshop_id])
    return {row["risk_id"]: Outcome.model_validate(row) for row in rows}


def outcomes(database: Database, workshop_id: int) -> dict[int, Outcome]:
    """The recorded consensus per risk id."""
    return _outcomes(database, workshop_id)


def workshop_record(database: Database, workshop_id: int) -> WorkshopRecord:
    """Everything the minutes and the export need, with unrevealed votes left out."""
    workshop = get_workshop(database, workshop_id)
    read = database
    criteria = current_criteria(database)
    people = read_participants(read, workshop_id)
    shown = shown_names([(p.id, p.name) for p in people], workshop.anonymise_names)
    state = read_state(read, workshop_id)
    votes = counted_votes(read, workshop_id, shown)
    notes = _notes(read, workshop_id)
    recorded = _outcomes(database, workshop_id)
    items = []
    for item in read_items(read, workshop_id):
        item_state = state.items[item.risk_id]
        rounds = [
            RoundRecord(
                number=number,
                revealed=number in item_state.revealed,
                criteria=read_round_criteria(read, workshop_id, item.risk_id, number),
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
