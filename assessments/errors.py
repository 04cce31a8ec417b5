"""Errors the domain raises with a message a person can act on (shown as-is in the UI and CLI)."""

from __future__ import annotations

from pydantic import ValidationError


class WorkbenchError(Exception):
    """Base class: the message is written for the user, never a traceback."""


class DatabaseBusyError(WorkbenchError):
    """The database file is held by another process (DuckDB allows one process per file)."""


class NotFoundError(WorkbenchError):
    """The record asked for does not exist."""


class ConflictError(WorkbenchError):
    """The write clashes with the current state: a duplicate name, or a stale edit."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class FieldErrors(WorkbenchError):
    """Validation failed; `errors` maps each field to the sentence shown beside it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def field_messages(error: ValidationError) -> dict[str, str]:
    """Pydantic's errors as one plain sentence per field, for display beside the field.

    A model-level rule names its field as a 'field: message' prefix; anything without a
    field goes under 'form'.
    """
    messages: dict[str, str] = {}
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        message = item["msg"].removeprefix("Value error, ")
        if not field and ": " in message:
            field, message = message.split(": ", 1)
        kind = item["type"]
        if kind in {"string_too_short", "missing"}:
            message = "this field is required"
        elif kind == "string_too_long":
            message = f"at most {item['ctx']['max_length']} characters, please"
        elif kind == "too_short":
            message = "choose at least one"
        elif kind == "too_long":
            message = f"at most {item['ctx']['max_length']} entries"
        messages.setdefault(field or "form", message)
    return messages
