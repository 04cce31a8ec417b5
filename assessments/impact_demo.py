"""Demo impact assessments (data/demo/impact_assessments.yaml): every workflow state.

Each version is written through the same store functions the app uses, with the demo's own
people and dates, so the demo shows what real use would leave behind: answers, submissions,
approvals, a return with its comment, a re-assessment, and approvals gone stale.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import yaml

from assessments.config import data_dir
from assessments.inventory import AISystem, AISystemInput
from assessments.store.db import Transaction
from assessments.store.impact import apply_transition, insert_response, write_answers
from assessments.store.inventory import replace_system

DEMO_FILE = "impact_assessments.yaml"


def _read() -> dict[str, Any]:
    with (data_dir() / "demo" / DEMO_FILE).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _system_id(transaction: Transaction, name: str) -> int | None:
    row = transaction.fetchone("SELECT id FROM ai_systems WHERE lower(name) = lower(?)", [name])
    return int(row[0]) if row else None


def _write_version(
    transaction: Transaction,
    system_id: int,
    questionnaire_id: str,
    version: dict[str, Any],
) -> None:
    author = version["author"]
    started: datetime = version["started"]
    response = insert_response(
        transaction, system_id, questionnaire_id, acting_as=author, at=started
    )
    given = dict(version.get("answers") or {}) | dict(version.get("changes") or {})
    write_answers(
        transaction,
        response.id,
        given,
        acting_as=author,
        at=started,
        spacing=timedelta(minutes=3),
    )
    status = version["status"]
    if status == "draft":
        return
    apply_transition(transaction, response.id, "submit", acting_as=author, at=version["submitted"])
    if status in ("approved", "returned"):
        apply_transition(
            transaction,
            response.id,
            "approve" if status == "approved" else "return",
            version.get("comment") or "",
            acting_as=version["reviewer"],
            at=version["decided"],
        )


def load_impact_assessments(transaction: Transaction) -> int:
    """Add the demo assessments of systems that have none yet; returns the versions added."""
    content = _read()
    questionnaire_id = content["questionnaire"]
    added = 0
    for entry in content["assessments"]:
        system_id = _system_id(transaction, entry["system"])
        if system_id is None:
            continue
        exists = transaction.fetchone(
            "SELECT 1 FROM impact_responses WHERE system_id = ? AND questionnaire_id = ?",
            [system_id, questionnaire_id],
        )
        if exists:
            continue
        for version in entry["versions"]:
            _write_version(transaction, system_id, questionnaire_id, version)
            added += 1
        changes = entry.get("change_system_after")
        if changes:
            _change_system(transaction, system_id, changes)
    return added


def _change_system(transaction: Transaction, system_id: int, changes: dict[str, Any]) -> None:
    """Edit the system after its approval, as its owner would (a material change)."""
    result = transaction.execute("SELECT * FROM ai_systems WHERE id = ?", [system_id])
    columns = [column[0] for column in result.description]
    current = AISystem.model_validate(dict(zip(columns, result.fetchone(), strict=True)))
    updated = AISystemInput.model_validate(current.as_input().model_dump() | changes)
    replace_system(transaction, system_id, updated)
