"""The audit trail for people: field and value labels, record names, and the export.

Snapshots in the trail keep stable keys (`lifecycle_stage: retired`); people read labels
("Lifecycle stage: Retired"). Every label, vocabulary and way of naming a record comes from the
registry of audited record types (assessments/records.py); this module only applies them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

from assessments.audit import describe_value, field_changes
from assessments.records import (
    RecordNames,
    RecordRef,
    as_int,
    entity_label,
    shown_record_type,
)
from assessments.references import risk_reference
from assessments.reports.tabular import encode

__all__ = [
    "AUDIT_EXPORT_FORMATS",
    "RecordNames",
    "audit_export",
    "entity_label",
    "field_label",
    "labelled_changes",
    "parse_state",
    "record_name",
    "referenced_ids",
    "snapshot_of",
    "value_text",
]

AUDIT_EXPORT_FORMATS = ("csv", "json")


def field_label(entity: str, name: str) -> str:
    """The label a field has on its own page, else its key in words ('risk_source' -> 'Risk
    source')."""
    labels = shown_record_type(entity).fields
    return labels.get(name) or name.replace("_", " ").capitalize()


def value_text(entity: str, name: str, value: Any) -> str:
    """A snapshot value as people read it: vocabulary keys as their labels, lists joined, and
    risks named as everywhere else (R-14)."""
    labels = shown_record_type(entity).values().get(name)
    if name in ("risk_id", "risk_ids") and value not in (None, "", []):
        ids = value if isinstance(value, list) else [value]
        return ", ".join(risk_reference(risk_id) for risk_id in ids)
    if labels is None:
        return describe_value(value)
    if isinstance(value, list):
        return describe_value([labels.get(item, item) for item in value]) if value else "—"
    if isinstance(value, bool | int | str) and value in labels:
        return labels[value]
    return describe_value(value)


def referenced_ids(events: Sequence[tuple[str, str, dict[str, Any]]]) -> dict[str, set[int]]:
    """Which systems, risks and workshops (entity, entity_id, snapshot) events name."""
    wanted: dict[str, set[int]] = {"systems": set(), "risks": set(), "workshops": set()}
    for entity, entity_id, snapshot in events:
        own = shown_record_type(entity).names_kind
        if own and (number := as_int(entity_id)) is not None:
            wanted[own].add(number)
        for key, kind in (
            ("system_id", "systems"),
            ("risk_id", "risks"),
            ("workshop_id", "workshops"),
        ):
            if (number := as_int(snapshot.get(key))) is not None:
                wanted[kind].add(number)
    return wanted


def labelled_changes(
    entity: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    names: RecordNames | None = None,
) -> list[dict[str, str]]:
    """The fields that changed, as rows of Field, Before and After in people's words (an AI
    system or workshop by its name when `names` knows it)."""

    def text(name: str, value: Any) -> str:
        named = {"system_id": names.systems, "workshop_id": names.workshops} if names else {}
        number = as_int(value)
        if name in named and number in named[name]:
            return named[name][number]
        return value_text(entity, name, value)

    return [
        {
            "Field": field_label(entity, name),
            "Before": text(name, old) if before else "",
            "After": text(name, new) if after is not None else "",
        }
        for name, old, new in field_changes(before, after)
    ]


def record_name(entity: str, entity_id: str, snapshot: dict[str, Any], names: RecordNames) -> str:
    """The record an event is about, as people know it ('Card Fraud Sentinel', 'R-14: Unequal
    error rates', 'A.6.2.4 AI system verification and validation')."""
    record = shown_record_type(entity)
    namer = record.name
    name = namer(RecordRef(entity_id, snapshot, names)).strip(" :") if namer else ""
    return name or f"{record.label} {entity_id}"


def snapshot_of(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The fields that name the record: the state after the event, else before it."""
    return {**(before or {}), **(after or {})}


def parse_state(text: object) -> dict[str, Any] | None:
    """A stored before or after state (JSON text or empty)."""
    if text is None or (isinstance(text, float) and text != text) or text == "":
        return None
    return json.loads(str(text))


def audit_export(events: pd.DataFrame, record_names: Sequence[str], fmt: str) -> bytes:
    """The events shown (newest first) with who, when, what, the record and the state before
    and after: CSV (formula characters neutralised) or JSON (before and after as objects)."""
    if fmt not in AUDIT_EXPORT_FORMATS:
        raise ValueError(f"The audit log exports as {', '.join(AUDIT_EXPORT_FORMATS)}, not {fmt}")
    frame = pd.DataFrame(
        {
            "event_id": events["id"].astype("Int64"),
            "occurred_at_utc": events["at"],
            "actor": events["actor"],
            "action": events["action"],
            "record_type": events["entity"].map(entity_label),
            "entity": events["entity"],
            "entity_id": events["entity_id"],
            "record": list(record_names),
            "summary": events["summary"],
            "before": events["before"],
            "after": events["after"],
        }
    )
    if fmt == "json":
        frame["before"] = frame["before"].map(parse_state)
        frame["after"] = frame["after"].map(parse_state)
    return encode(frame, fmt)
