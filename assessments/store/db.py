"""The one database object of a process, and the one write path.

The store is a DuckDB file (the embedded default) or a PostgreSQL database (`AIMS_DB` set to a
`postgresql://` URL, shared by several processes). DuckDB allows one process per file and one
thread per connection object at a time, so the process holds a single connection and every unit
of work takes its own cursor; on PostgreSQL each unit of work takes a pooled connection
(store/postgres.py). The SQL is the same for both; store/dialect.py holds what differs.
Writes go through `Database.write`, which runs the work in one transaction together with its
audit events. The writers of this process take turns; a conflict that still happens (another
process on PostgreSQL, or a unique key taken meanwhile) reruns the whole unit with back-off, and
one that outlasts the retries is the app's own "busy, try again" error.
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
from assessments.identity import Actor, actor_label
from assessments.store import dialect as dialects

T = TypeVar("T")

# The recorded 'who': a typed name (120 characters at most, assessments.identity) or a signed-in
# person's "Name <e-mail>" (a name of 120 and an address of up to 254).
ACTOR_MAX_LENGTH = 400


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


def _is_conflict(error: Exception) -> bool:
    """A write-write conflict with a concurrent transaction (on PostgreSQL also a deadlock):
    running the unit again succeeds once the other writer has committed."""
    if isinstance(error, duckdb.TransactionException) or "Conflict on" in str(error):
        return True
    from psycopg import errors

    return isinstance(error, errors.SerializationFailure | errors.DeadlockDetected)


def _is_key_clash(error: Exception) -> bool:
    """A unique key another transaction took meanwhile. Running the whole unit again reads the
    winner's state and refuses with its own message (e.g. 'name already exists'); a key clash
    that persists is a real error and is raised after a few attempts."""
    if isinstance(error, duckdb.ConstraintException):
        return True
    from psycopg import errors

    return isinstance(error, errors.UniqueViolation)


KEY_CLASH_ATTEMPTS = 4


BUSY = "The database is busy"
# How long a write keeps retrying a clash with concurrent writers before it gives up as busy.
WRITE_RETRY_SECONDS = 10.0
# How long a write waits for the other writers of this process (a demo load, an import).
WRITE_WAIT_SECONDS = 60.0
_RETRY_PAUSE_FIRST = 0.005
_RETRY_PAUSE_MOST = 0.4


def _lock_holder(error: Exception) -> str:
    """Who holds the file, in words: DuckDB names the process; its command line says whether
    that is the app or a command of ours."""
    pid = re.search(r"PID (\d+)", str(error))
    if not pid:
        return "another program"
    try:
        command = Path(f"/proc/{pid.group(1)}/cmdline").read_bytes().replace(b"\0", b" ")
    except OSError:
        command = b""
    if b"streamlit" in command:
        return f"the running app (process {pid.group(1)})"
    if b"assessments" in command:
        return f"a command-line run (process {pid.group(1)})"
    return f"another program (process {pid.group(1)})"


def busy_message(path: Path, error: Exception) -> str:
    """One line for the DuckDB file lock held by another process."""
    return (
        f"{BUSY}: {path} is held by {_lock_holder(error)}. Nothing was read or saved; try again"
        " when it has finished, or point AIMS_DB at another file."
    )


WRITE_BUSY_MESSAGE = (
    f"{BUSY}: others were saving changes to the same records at the same moment. Nothing was"
    " saved; try again."
)


def _require_registered(entity: str) -> None:
    """Refuse an audit entity the registry of record types does not declare. Imported on the
    first write, not with this module: the registry imports the domain models."""
    from assessments.records import require_registered

    require_registered(entity)


@dataclass
class Transaction:
    """A unit of work inside `Database.write`: a cursor, the acting user, the audit recorder."""

    cursor: duckdb.DuckDBPyConnection
    actor: str
    at: datetime
    # The person behind `actor` (None for the command line and other processes of the
    # operator): separation-of-duties rules read it inside the unit of work.
    identity: Actor | None = None
    audit_count: int = 0
    writes: int = 0
    after_commit: list[Callable[[], None]] = field(default_factory=list)
    # Run after `work`, before COMMIT: the audit chain moves its head there, once.
    before_commit: list[Callable[[], None]] = field(default_factory=list)
    # The audit chain's newest (id, hash) as this transaction sees it (None: no event yet).
    chain_head: tuple[int, str] | None = None

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None):
        if _WRITE_STATEMENT.match(sql):
            self.writes += 1
        return self.cursor.execute(sql, params) if params is not None else self.cursor.execute(sql)

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if _WRITE_STATEMENT.match(sql):
            self.writes += 1
        self.cursor.executemany(sql, rows)

    def fetchone(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> tuple | None:
        return self.execute(sql, params).fetchone()

    def fetchall(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> list[tuple]:
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
        transaction, so the trail can never miss a committed change. `entity` must be a record
        type of assessments/records.py (the audit log names it from there)."""
        _require_registered(entity)
        from assessments.store.audit_chain import append

        append(self, [(action, entity, str(entity_id), to_json(before), to_json(after), summary)])
        self.audit_count += 1

    def audit_many(self, entity: str, events: Sequence[tuple[str, object, Any, Any, str]]) -> None:
        """Many events of one record type in one insert (an import of thousands of rows): the
        rows `audit` would write one by one, (action, entity id, before, after, summary) each,
        chained in one pass."""
        if not events:
            return
        _require_registered(entity)
        from assessments.store.audit_chain import append

        append(
            self,
            [
                (action, entity, str(entity_id), to_json(before), to_json(after), summary)
                for action, entity_id, before, after, summary in events
            ],
        )
        self.audit_count += len(events)


class Database:
    """Owns the store's connection of this process; reads and writes go through it.

    `target` is a DuckDB file path or a `postgresql://` URL. `location` names it for people
    (a URL without its password) and keys what is cached per store.
    """

    def __init__(self, target: str | Path, *, migrate: bool = True, seed: bool = True) -> None:
        self._postgres = None
        self.path: Path | None = None
        if dialects.is_postgres(target):
            from assessments.store.postgres import PostgresConnector

            self.dialect = dialects.POSTGRES
            self.location = dialects.redact(str(target))
            self._postgres = PostgresConnector(str(target))
        else:
            if str(target).startswith(("postgresql:", "postgres:")):
                raise ValueError(f"{target} is a PostgreSQL URL mangled into a file path.")
            self.dialect = dialects.DUCKDB
            self.path = Path(target)
            self.location = str(self.path)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._connection = duckdb.connect(str(self.path))
            except duckdb.IOException as error:
                if "lock" in str(error).lower():
                    raise DatabaseBusyError(busy_message(self.path, error)) from error
                raise
        self._cursor_lock = threading.Lock()
        # Every writer of the file is in this process (DuckDB allows one), so taking turns here
        # avoids the conflicts optimistic concurrency would otherwise retry.
        self._write_lock = threading.RLock()
        self.write_retries = 0
        if migrate:
            from assessments.store.schema import apply_migrations
            from assessments.store.schema import seed as seed_content

            apply_migrations(self)
            if seed:
                seed_content(self)

    def close(self) -> None:
        if self._postgres is not None:
            self._postgres.close()
        else:
            self._connection.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A fresh cursor per unit of work: cursors may run in parallel threads. On PostgreSQL
        the cursor holds a pooled connection until the unit of work ends."""
        if self._postgres is not None:
            with self._postgres.cursor() as pooled:
                yield pooled
            return
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

    def _should_retry(self, error: Exception, attempt: int, started: float) -> bool:
        """Pause and say whether to run the unit again after `error`.

        Exponential back-off with jitter spreads clashing writers out instead of letting them
        collide again; a conflict that outlasts WRITE_RETRY_SECONDS becomes a DatabaseBusyError.
        """
        if _is_key_clash(error) and not _is_conflict(error):
            if attempt >= KEY_CLASH_ATTEMPTS:
                return False
        elif not _is_conflict(error):
            return False
        elif time.monotonic() - started > WRITE_RETRY_SECONDS:
            raise DatabaseBusyError(WRITE_BUSY_MESSAGE) from error
        self.write_retries += 1
        ceiling = min(_RETRY_PAUSE_MOST, _RETRY_PAUSE_FIRST * 2 ** min(attempt, 10))
        time.sleep(random.uniform(ceiling / 2, ceiling))
        return True

    def write(self, actor: Actor | str, work: Callable[[Transaction], T]) -> T:
        """Run `work` in one transaction with its audit events; retry on a transaction conflict.

        `work` must be safe to run again: it reads what it needs inside the transaction. A unit
        that writes anything must record at least one audit event, or nothing is committed. A
        clash that outlasts the retries is a DatabaseBusyError ("try again"), never DuckDB's own.
        """
        identity = actor if isinstance(actor, Actor) else None
        label = clean_actor(actor_label(actor))
        if not self._write_lock.acquire(timeout=WRITE_WAIT_SECONDS):
            raise DatabaseBusyError(WRITE_BUSY_MESSAGE)
        try:
            return self._write_with_retries(label, identity, work)
        finally:
            self._write_lock.release()

    def _write_with_retries(
        self, actor: str, identity: Actor | None, work: Callable[[Transaction], T]
    ) -> T:
        started = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            with self.cursor() as cursor:
                transaction = Transaction(
                    cursor=cursor, actor=actor, at=utc_now(), identity=identity
                )
                cursor.execute(self.dialect.begin)
                try:
                    result = work(transaction)
                    if transaction.writes and transaction.audit_count == 0:
                        raise RuntimeError("A write must record an audit event; nothing was saved.")
                    for callback in transaction.before_commit:
                        callback()
                except Exception as error:
                    _rollback_quietly(cursor)
                    if self._should_retry(error, attempt, started):
                        continue
                    raise
                try:
                    cursor.execute("COMMIT")
                except Exception as error:
                    _rollback_quietly(cursor)
                    if self._should_retry(error, attempt, started):
                        continue
                    raise
                for callback in transaction.after_commit:
                    callback()
                return result


def clean_actor(actor: str | None) -> str:
    """The acting user's name, required on every write (the audit trail's 'who')."""
    name = (actor or "").strip()
    if not name:
        raise WorkbenchError(
            "Give your name in the sidebar before saving: every change records who made it."
        )
    if len(name) > ACTOR_MAX_LENGTH:
        raise WorkbenchError(
            f"The name recorded for you is longer than {ACTOR_MAX_LENGTH} characters."
        )
    return name


def _rollback_quietly(cursor: duckdb.DuckDBPyConnection) -> None:
    """After a failed COMMIT DuckDB has already ended the transaction; ROLLBACK then raises.
    On PostgreSQL a dropped connection cannot roll back either: the server already has."""
    from psycopg import Error as PostgresError

    with suppress(duckdb.Error, PostgresError):
        cursor.execute("ROLLBACK")
