"""Demo content of the regulatory screening: every demo system screened, some obligations
progressed, and one system changed after its screening so the demo shows a stale one.

Both steps add only what is missing (a system with any screening is left alone; a change already
made is not made again), so loading the demo twice adds nothing. Each system's owner
(data/demo/systems.yaml) screens it, progresses its obligations and makes the later change.
"""

from __future__ import annotations

from typing import Any

from assessments.config import data_dir
from assessments.demo_people import DEMO_ACTOR, acting_as, system_owners
from assessments.inventory import AISystemInput
from assessments.questionnaire.model import Questionnaire
from assessments.questionnaire.visibility import clean_answers
from assessments.regulatory import ObligationUpdate, evaluate, screening_questionnaire
from assessments.store.db import Transaction
from assessments.store.inventory import replace_system, system_id_by_name, system_in_transaction
from assessments.store.screenings import has_screening, insert_obligation_update, insert_screening
from assessments.yaml_io import safe_load


def _demo_screenings() -> dict[str, Any]:
    with (data_dir() / "demo" / "screenings.yaml").open(encoding="utf-8") as handle:
        return safe_load(handle)


def load_screenings(transaction: Transaction) -> int:
    """Screen each demo system that has no screening yet; returns screenings + checklist rows."""
    questionnaire = screening_questionnaire()
    owners = system_owners()
    added = 0
    for entry in _demo_screenings()["screenings"]:
        system_id = system_id_by_name(transaction, entry["system"])
        if system_id is None or has_screening(transaction, system_id):
            continue
        with acting_as(transaction, owners.get(entry["system"], DEMO_ACTOR)):
            added += _screen(transaction, system_id, entry, questionnaire)
    return added


def _screen(
    transaction: Transaction,
    system_id: int,
    entry: dict[str, Any],
    questionnaire: Questionnaire,
) -> int:
    """One demo system's screening and obligation progress; returns the records added."""
    outcome = evaluate(entry["answers"], questionnaire)
    kept, _ = clean_answers(questionnaire, entry["answers"])
    insert_screening(transaction, system_id, outcome, kept, entry.get("note", "").strip())
    added = 1
    for item in entry.get("obligations", []):
        update = ObligationUpdate.model_validate(
            {key: item.get(key, "") for key in ("status", "owner", "evidence")}
        )
        added += insert_obligation_update(transaction, system_id, item["id"], update)
    return added


def apply_changes_after_screening(transaction: Transaction) -> int:
    """Make the recorded post-screening edits that are not made yet (a stale screening)."""
    owners = system_owners()
    changed = 0
    for entry in _demo_screenings().get("changes_after_screening", []):
        system_id = system_id_by_name(transaction, entry["system"])
        if system_id is None or not has_screening(transaction, system_id):
            continue
        system = system_in_transaction(transaction, system_id)
        assert system is not None
        current = system.as_input()
        wanted = {key: value for key, value in entry.items() if key != "system"}
        changed_input = AISystemInput.model_validate({**current.model_dump(), **wanted})
        if changed_input == current:
            continue
        with acting_as(transaction, owners.get(entry["system"], DEMO_ACTOR)):
            replace_system(transaction, system_id, changed_input)
        changed += 1
    return changed
