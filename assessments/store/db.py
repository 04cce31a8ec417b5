"""The one database object of a process, and the one write path.

DuckDB allows one process per file and one thread per connection object at a time, so the
process holds a single connection and every unit of work takes its own cursor. Writes go through
`Database.write`, which runs the work in one transaction together with its audit events and
retries the whole unit when DuckDB reports a transaction conflict.
"""

from __future__ import annotations

import json
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from assessments.errors import DatabaseBusyError, WorkbenchError

T = TypeVar("T")

WRITE_ATTEMPTS = 12
ACTOR_MAX_LENGTH = 120


def utc_now() -> datetime:
    """Naive UTC timestamp: DuckDB TIMESTAMP columns hold UTC throughout the store."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_json(value: Any) -> str | None:
    """Serialise a before/after snapshot for the audit trail (dates as ISO strings)."""
    if value is None:
        return None
    return json.dumps(value, default=_json_default, sort_keys=True, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    return str(value)


_WRITE_STATEMENT = re.compile(r"\s*(INSERT|UPDATE|DELETE)\b", re.I)


def _is_clash(error: Exception) -> bool:
    """A clash with a concurrent transaction: a write-write conflict, or a unique key another
    transaction took meanwhile. Running the whole unit again reads the winner's state, so it
    then succeeds or refuses with its own message (e.g. 'name already exists')."""
    return isinstance(
        error, duckdb.TransactionException | duckdb.ConstraintException
    ) or "Conflict on" in str(error)


def busy_message(path: Path, error: Exception) -> str:
    """One clear line for the DuckDB file lock held by another process (usually the app)."""
    pid = re.search(r"PID (\d+)", str(error))
    holder = f"process {pid.group(1)}" if pid else "another process"
    return (
        f"The database {path} is in use by {holder} (probably the running app). "
        "Stop the app, or point AIMS_DB at another file, and run this again."
    )


@dataclass
class Transaction:
    """A unit of work inside `Database.write`: a cursor, the acting user, the audit recorder."""

    cursor: duckdb.DuckDBPyConnection
    actor: str
    at: datetime
    audit_count: int = 0
    writes: int = 0
    after_commit: list[Callable[[], None]] = field(default_factory=list)

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        if _WRITE_STATEMENT.match(sql):
            self.writes += 1
        return self.cursor.execute(sql, params) if params is not None else self.cursor.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if _WRITE_STATEMENT.match(sql):
            self.writes += 1
        self.cursor.executemany(sql, rows)

    def fetchone(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def fetchall(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.execute(sql, params).fetchall()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: object,
        before: Any = None,
        after: Any = None,
        summary: str = "",
    ) -> None:
        """Record who did what to which record, with the state before and after, in this same
        transaction, so the trail can never miss a committed change."""
        self.execute(
            "INSERT INTO audit_events (occurred_at, actor, action, entity, entity_id, before_state,"
            " after_state, summary)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                self.at,
                self.actor,
                action,
                entity,
                str(entity_id),
                to_json(before),
                to_json(after),
                summary,
            ],
        )
        self.audit_count += 1


class Database:
    """Owns the DuckDB connection of this process; reads and writes go through it."""

    def __init__(self, path: str | Path, *, migrate: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._connection = duckdb.connect(str(self.path))
        except duckdb.IOException as error:
            if "lock" in str(error).lower():
                raise DatabaseBusyError(busy_message(self.path, error)) from error
            raise
        self._cursor_lock = threading.Lock()
        self.write_retries = 0
        if migrate:
            from assessments.store.schema import apply_migrations, seed

            apply_migrations(self)
            seed(self)

    def close(self) -> None:
        self._connection.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor per unit of work: cursors may run in parallel threads."""
        with self._cursor_lock:
            cursor = self._connection.cursor()
        try:
            yield cursor
        finally:
            cursor.close()

    def query_df(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        """Run a read query and return a pandas DataFrame."""
        with self.cursor() as cursor:
            result = cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return result.df()

    def query_rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        with self.cursor() as cursor:
            result = cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return result.fetchall()

    def query_one(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        with self.cursor() as cursor:
            result = cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            return result.fetchone()

    def query_records(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name (for building pydantic models)."""
        with self.cursor() as cursor:
            result = cursor.execute(sql, params) if params is not None else cursor.execute(sql)
            columns = [column[0] for column in result.description]
            return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]

    def _pause_before_retry(self, attempt: int) -> None:
        self.write_retries += 1
        time.sleep(random.uniform(0.002, 0.02) * attempt)

    def write(self, actor: str, work: Callable[[Transaction], T]) -> T:
        """Run `work` in one transaction with its audit events; retry on a transaction conflict.

        `work` must be safe to run again: it reads what it needs inside the transaction. A unit
        that writes anything must record at least one audit event, or nothing is committed.
        """
        actor = clean_actor(actor)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            with self.cursor() as cursor:
                transaction = Transaction(cursor=cursor, actor=actor, at=utc_now())
                cursor.execute("BEGIN TRANSACTION")
                try:
                    result = work(transaction)
                    if transaction.writes and transaction.audit_count == 0:
                        raise RuntimeError("A write must record an audit event; nothing was saved.")
                except Exception as error:
                    _rollback_quietly(cursor)
                    if _is_clash(error) and attempt < WRITE_ATTEMPTS:
                        self._pause_before_retry(attempt)
                        continue
                    raise
                try:
                    cursor.execute("COMMIT")
                except duckdb.Error as error:
                    _rollback_quietly(cursor)
                    if _is_clash(error) and attempt < WRITE_ATTEMPTS:
                        self._pause_before_retry(attempt)
                        continue
                    raise
                for callback in transaction.after_commit:
                    callback()
                return result
        raise AssertionError("unreachable: the loop either returns or raises")


def clean_actor(actor: str | None) -> str:
    """The acting user's name, required on every write (the audit trail's 'who')."""
    name = (actor or "").strip()
    if not name:
        raise WorkbenchError(
            "Give your name in the sidebar before saving: every change records who made it."
        )
    if len(name) > ACTOR_MAX_LENGTH:
        raise WorkbenchError(f"Your name is longer than {ACTOR_MAX_LENGTH} characters.")
    return name


def _rollback_quietly(cursor: duckdb.DuckDBPyConnection) -> None:
    """After a failed COMMIT DuckDB has already ended the transaction; ROLLBACK then raises."""
    with suppress(duckdb.Error):
        cursor.execute("ROLLBACK")
