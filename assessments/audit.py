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
