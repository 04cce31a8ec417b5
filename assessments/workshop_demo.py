"""Demo committee workshops (data/demo/workshops.yaml): one closed, one still open.

Each workshop is replayed through the same store functions the pages use (join, vote, reveal,
note, second round, consensus, close) with the demo's people and times, so the demo holds what
a real workshop leaves behind, including the consensus ratings in the risks' histories.
Risks are found by AI system name and title; a risk the register does not hold yet is added
from the entry's `draft`. Loading twice adds nothing: a workshop is matched by its title.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from assessments.config import data_dir
from assessments.demo_people import acting_as
from assessments.risks import RiskInput
from assessments.store.db import Transaction
from assessments.store.inventory import system_id_by_name
from assessments.store.risks import insert_risk, risk_id_by_title
from assessments.store.workshop_consensus import insert_consensus, insert_note
from assessments.store.workshop_sessions import (
    find_workshop_by_title,
    insert_close,
    insert_participant,
    insert_workshop,
)
from assessments.store.workshop_votes import (
    insert_focus,
    insert_new_round,
    insert_reveal,
    insert_vote,
)
from assessments.workshops import (
    ConsensusInput,
    JoinInput,
    NoteInput,
    Participant,
    VoteInput,
    Workshop,
    WorkshopInput,
)
from assessments.yaml_io import safe_load

DEMO_FILE = "workshops.yaml"


def _read() -> dict[str, Any]:
    with (data_dir() / "demo" / DEMO_FILE).open(encoding="utf-8") as handle:
        return safe_load(handle)


def _system_id(transaction: Transaction, name: str) -> int:
    system_id = system_id_by_name(transaction, name)
    if system_id is None:
        raise ValueError(f"The demo workshops need the AI system '{name}'; load the systems first.")
    return system_id


def _risk_id(transaction: Transaction, entry: dict[str, Any]) -> tuple[int, bool]:
    """The register's risk for this item, or a new one from its draft, recorded by the draft's
    owner; True when added."""
    system_id = _system_id(transaction, entry["system"])
    existing = risk_id_by_title(transaction, system_id, entry["title"])
    if existing is not None:
        return existing, False
    draft = RiskInput.model_validate(
        {"system_id": system_id, "title": entry["title"], "origin": "demo workshop"}
        | entry["draft"]
    )
    with acting_as(transaction, draft.owner):
        return insert_risk(transaction, draft).id, True


def _start(transaction: Transaction, spec: dict[str, Any]) -> datetime:
    """When the workshop began, relative to the day the demo is loaded."""
    if "days_ago" in spec:
        hour, minute = (int(part) for part in str(spec.get("time", "09:30")).split(":"))
        day = transaction.at - timedelta(days=int(spec["days_ago"]))
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return transaction.at - timedelta(minutes=int(spec.get("minutes_ago", 30)))


def _load_one(transaction: Transaction, spec: dict[str, Any]) -> int:
    added = 0
    risk_ids = []
    for entry in spec["items"]:
        risk_id, new = _risk_id(transaction, entry)
        risk_ids.append(risk_id)
        added += int(new)
    start = _start(transaction, spec)
    clock = iter(min(start + timedelta(minutes=2 * step), transaction.at) for step in range(10_000))
    with acting_as(transaction, spec["facilitator"]):
        created = insert_workshop(
            transaction,
            WorkshopInput(
                title=spec["title"],
                facilitator=spec["facilitator"],
                system_ids=[_system_id(transaction, name) for name in spec["systems"]],
                risk_ids=risk_ids,
                tier=spec["tier"],
                anonymise_names=spec["anonymise_names"],
                expected_participants=spec.get("expected_participants", []),
            ),
            facilitator_key=spec.get("facilitator_key"),
            created_at=next(clock),
        )
    workshop = created.workshop
    added += 1
    people: dict[str, Participant] = {}
    for name in spec["participants"]:
        with acting_as(transaction, name):
            joined = insert_participant(
                transaction, workshop, JoinInput(name=name), joined_at=next(clock)
            )
        people[name] = joined.participant
        added += 1
    last_item = spec.get("current_item", len(spec["items"]))
    for position, (entry, risk_id) in enumerate(zip(spec["items"], risk_ids, strict=True), 1):
        if position > last_item:
            break
        added += _replay_item(transaction, workshop, people, spec, entry, risk_id, clock)
    if spec.get("closed"):
        with acting_as(transaction, spec["facilitator"]):
            insert_close(transaction, workshop, at=next(clock))
    return added


def _replay_item(
    transaction: Transaction,
    workshop: Workshop,
    people: dict[str, Participant],
    spec: dict[str, Any],
    entry: dict[str, Any],
    risk_id: int,
    clock: Iterator[datetime],
) -> int:
    added = 0
    facilitator = spec["facilitator"]
    for number, round_spec in enumerate(entry.get("rounds", []), start=1):
        with acting_as(transaction, facilitator):
            if number == 1:
                insert_focus(transaction, workshop, risk_id, at=next(clock))
            else:
                insert_new_round(transaction, workshop, risk_id, at=next(clock))
        for name, (likelihood, severity, confidence, comment) in round_spec["votes"].items():
            with acting_as(transaction, name):
                insert_vote(
                    transaction,
                    workshop,
                    people[name],
                    risk_id,
                    number,
                    VoteInput(
                        likelihood=likelihood,
                        severity=severity,
                        confidence=confidence,
                        comment=comment or "",
                    ),
                    submitted_at=next(clock),
                )
            added += 1
        if round_spec.get("open"):
            return added
        with acting_as(transaction, facilitator):
            insert_reveal(transaction, workshop, risk_id, at=next(clock))
            if round_spec.get("note"):
                insert_note(
                    transaction,
                    workshop,
                    risk_id,
                    number,
                    NoteInput(note=round_spec["note"]),
                    at=next(clock),
                )
    if entry.get("consensus"):
        with acting_as(transaction, facilitator):
            insert_consensus(
                transaction,
                workshop,
                risk_id,
                ConsensusInput.model_validate(entry["consensus"]),
                at=next(clock),
            )
        added += 1
    return added


def load_workshops(transaction: Transaction) -> int:
    """Add the demo workshops that are not there yet; returns how many records were added."""
    added = 0
    for spec in _read()["workshops"]:
        if find_workshop_by_title(transaction, spec["title"]) is None:
            added += _load_one(transaction, spec)
    return added
