"""Demo SoA and clause readiness (data/demo/soa.yaml), written through the store's functions.

Runs after the demo risks: whichever controls their treatments use end up applicable and
tagged as treating an assessed risk, so the demo SoA is consistent whatever the risk demo holds.
A control or clause item that already has an entry is left alone (loading twice adds nothing).
The demo's AIMS manager keeps both, in the dated history and in the audit trail.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from assessments.config import data_dir
from assessments.demo_people import DEMO_AIMS_MANAGER, acting_as
from assessments.soa import ReadinessInput, SoAEntryInput, made_applicable
from assessments.store.db import Transaction
from assessments.store.soa import (
    entry_in_transaction,
    insert_entry,
    insert_rating,
    rating_in_transaction,
    sorted_controls,
    treated_by_in_transaction,
)
from assessments.yaml_io import safe_load

DEMO_FILE = "soa.yaml"
RECORDED_AT = time(9, 0)


def _read() -> dict[str, Any]:
    with (data_dir() / "demo" / DEMO_FILE).open(encoding="utf-8") as handle:
        return safe_load(handle)


def _moment(day: date) -> datetime:
    return datetime.combine(day, RECORDED_AT)


def _versions(raw: dict[str, Any], date_key: str) -> list[tuple[date, dict[str, Any]]]:
    """The dated versions of one demo entry, oldest first: each `earlier` version is the final
    one with its own differences on top; `date_key` names the field that dates a version."""
    final = {key: value for key, value in raw.items() if key != "earlier"}
    versions = [{**final, **entry} for entry in raw.get("earlier", [])]
    versions.append(final)
    return sorted(
        ((values[date_key], values) for values in versions), key=lambda version: version[0]
    )


def _entry_input(values: dict[str, Any], treated: bool) -> SoAEntryInput:
    reasons = [reason for reason in values.get("reasons", []) if reason != "risk_treatment"]
    if treated and values["applicable"]:
        reasons.append("risk_treatment")
    return SoAEntryInput(
        control_id=values["id"],
        applicable=values["applicable"],
        inclusion_reasons=reasons,
        justification=values.get("justification", ""),
        exclusion_reason=values.get("exclusion", ""),
        status=values["status"],
        owner=values.get("owner", ""),
        evidence=values.get("evidence", ""),
        last_reviewed=values.get("last_reviewed"),
    )


def load_soa(transaction: Transaction) -> int:
    """Add the demo SoA lines and readiness ratings that are missing; returns how many versions
    were written."""
    with acting_as(transaction, DEMO_AIMS_MANAGER):
        return _load_soa(transaction)


def _load_soa(transaction: Transaction) -> int:
    content = _read()
    treated = treated_by_in_transaction(transaction)
    added = 0
    loaded_now: set[str] = set()
    for raw in content["controls"]:
        control_id = raw["id"]
        if entry_in_transaction(transaction, control_id) is not None:
            continue
        for day, values in _versions(raw, "last_reviewed"):
            data = _entry_input(values, control_id in treated)
            if insert_entry(
                transaction, data, changed_at=_moment(day), changed_by=DEMO_AIMS_MANAGER
            ):
                added += 1
        loaded_now.add(control_id)
    for control_id in sorted_controls(treated):
        entry = entry_in_transaction(transaction, control_id)
        if entry is not None and (entry.applicable or control_id not in loaded_now):
            continue
        fix = made_applicable(entry, control_id)
        if insert_entry(
            transaction,
            fix,
            changed_by=DEMO_AIMS_MANAGER,
            summary=f"{control_id} made applicable: risk treatments use it",
        ):
            added += 1
    for raw in content.get("readiness", []):
        item_id = str(raw["item"])
        if rating_in_transaction(transaction, item_id) is not None:
            continue
        for day, values in _versions(raw, "recorded"):
            data = ReadinessInput(
                item_id=item_id,
                maturity=values["maturity"],
                evidence=values.get("evidence", ""),
                note=values.get("note", ""),
            )
            if insert_rating(
                transaction, data, changed_at=_moment(day), changed_by=DEMO_AIMS_MANAGER
            ):
                added += 1
    return added
