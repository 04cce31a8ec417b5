"""Reading audit snapshots: which fields changed between a before and an after."""

from __future__ import annotations

from typing import Any

BOOKKEEPING = {"revision", "updated_at", "updated_by", "created_at", "created_by", "id"}


def field_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None
) -> list[tuple[str, Any, Any]]:
    """(field, old, new) for each field that differs, bookkeeping columns left out."""
    before = before or {}
    after = after or {}
    keys = dict.fromkeys([*before, *after])
    return [
        (key, before.get(key), after.get(key))
        for key in keys
        if key not in BOOKKEEPING and before.get(key) != after.get(key)
    ]


def describe_value(value: Any) -> str:
    """A snapshot value as short plain text for the history table."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(str(item) for item in value)
    return str(value)


# The record types of the audit trail, as people call them (unknown types show their key).
ENTITY_LABELS: dict[str, str] = {
    "ai_system": "AI system",
    "criteria": "Risk criteria",
    "risk": "Risk",
    "risk_rating": "Risk ratings (generated)",
    "risk_action": "Treatment action",
    "risk_acceptance": "Risk acceptance",
    "impact_response": "Impact assessment",
    "impact_answer": "Impact assessment answer",
    "screening": "Regulatory screening",
    "obligation_update": "Regulatory obligation",
    "soa_control": "Statement of Applicability",
    "clause_readiness": "Clause readiness",
    "workshop": "Workshop",
    "workshop_participant": "Workshop participant",
    "workshop_vote": "Workshop vote",
}


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity)
