"""Demo impact assessments (data/demo/impact_assessments.yaml): every workflow state.

Each version is written through the same store functions the app uses, with the demo's own
people, so the demo shows what real use would leave behind: answers, submissions, approvals, a
return with its comment, a re-assessment, and approvals gone stale. Its dates are relative to
the day of loading (assessments/demo_dates.py), so those states hold whenever it is loaded.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from assessments.config import data_dir
from assessments.demo_dates import relative_day, relative_moment
from assessments.demo_people import DEMO_ACTOR, acting_as, system_owners
from assessments.impact import get_questionnaire
from assessments.inventory import AISystemInput
from assessments.store.db import Transaction
from assessments.store.impact import (
    apply_transition,
    has_assessment,
    insert_response,
    write_answers,
)
from assessments.store.inventory import replace_system, system_id_by_name, system_in_transaction
from assessments.yaml_io import safe_load

DEMO_FILE = "impact_assessments.yaml"


def _read() -> dict[str, Any]:
    with (data_dir() / "demo" / DEMO_FILE).open(encoding="utf-8") as handle:
        return safe_load(handle)


def _dated_answers(questionnaire_id: str, answers: dict[str, Any], today: date) -> dict[str, Any]:
    """The answers with each date question's relative day ('in 30 days') as an ISO date."""
    dates = {
        question.id
        for question in get_questionnaire(questionnaire_id).questions
        if question.type == "date"
    }
    return {
        key: relative_day(value, today).isoformat() if key in dates and value else value
        for key, value in answers.items()
    }


def _write_version(
    transaction: Transaction,
    system_id: int,
    questionnaire_id: str,
    version: dict[str, Any],
    today: date,
) -> None:
    author = version["author"]
    started = relative_moment(version["started"], today)
    status = version["status"]
    with acting_as(transaction, author):
        response = insert_response(
            transaction, system_id, questionnaire_id, acting_as=author, at=started
        )
        given = dict(version.get("answers") or {}) | dict(version.get("changes") or {})
        write_answers(
            transaction,
            response.id,
            _dated_answers(questionnaire_id, given, today),
            acting_as=author,
            at=started,
            spacing=timedelta(minutes=3),
        )
        if status == "draft":
            return
        submitted = relative_moment(version["submitted"], today)
        apply_transition(transaction, response.id, "submit", acting_as=author, at=submitted)
    if status in ("approved", "returned"):
        reviewer = version["reviewer"]
        with acting_as(transaction, reviewer):
            apply_transition(
                transaction,
                response.id,
                "approve" if status == "approved" else "return",
                version.get("comment") or "",
                acting_as=reviewer,
                at=relative_moment(version["decided"], today),
            )


def load_impact_assessments(transaction: Transaction) -> int:
    """Add the demo assessments of systems that have none yet; returns the versions added.
    Their dates count from the day of loading."""
    content = _read()
    questionnaire_id = content["questionnaire"]
    day = transaction.at.date()
    owners = system_owners()
    added = 0
    for entry in content["assessments"]:
        system_id = system_id_by_name(transaction, entry["system"])
        if system_id is None or has_assessment(transaction, system_id, questionnaire_id):
            continue
        for version in entry["versions"]:
            _write_version(transaction, system_id, questionnaire_id, version, day)
            added += 1
        changes = entry.get("change_system_after")
        if changes:
            with acting_as(transaction, owners.get(entry["system"], DEMO_ACTOR)):
                _change_system(transaction, system_id, changes)
    return added


def _change_system(transaction: Transaction, system_id: int, changes: dict[str, Any]) -> None:
    """Edit the system after its approval, as its owner would (a material change)."""
    current = system_in_transaction(transaction, system_id)
    assert current is not None
    updated = AISystemInput.model_validate(current.as_input().model_dump() | changes)
    replace_system(transaction, system_id, updated)
