"""Errors the domain raises with a message a person can act on (shown as-is in the UI and CLI)."""

from __future__ import annotations


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
