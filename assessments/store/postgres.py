"""PostgreSQL connections shaped like DuckDB cursors, so the store's code runs on either.

A pool of connections (psycopg 3) serves the threads of the app; each unit of work takes one
connection for its duration. A connection the server dropped (a restart) is discarded when it
is handed back and the next unit of work gets a fresh one. Results come back as DuckDB's do:
lists for arrays, dates and timestamps as Python dates, whole numbers as int, and `df()` builds
the same pandas types DuckDB's `df()` gives.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
from psycopg.adapt import Loader
from psycopg_pool import ConnectionPool, PoolTimeout

from assessments.errors import DatabaseBusyError
from assessments.store.dialect import postgres_statement, server_name

POOL_SIZE = 8
CONNECT_SECONDS = 10.0

_DATE_TYPES = {"date", "timestamp", "timestamptz"}
_INTEGER_TYPES = {
    "int2": ("int32", "Int32"),
    "int4": ("int32", "Int32"),
    "int8": ("int64", "Int64"),
}


class DatabaseUnavailableError(DatabaseBusyError):
    """The PostgreSQL server cannot be reached or dropped the connection: nothing was saved."""


class _NumericLoader(Loader):
    """NUMERIC as DuckDB returns it: `sum` of integers is a whole number, `avg` a float."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


def unavailable(url: str, error: Exception) -> DatabaseUnavailableError:
    """One line naming the server and the reason, never the password."""
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    reason = reason.replace(url, server_name(url)).removeprefix("connection failed: ")
    return DatabaseUnavailableError(
        f"The database is unavailable: cannot reach PostgreSQL at {server_name(url)} ({reason})."
        " Nothing was read or saved; try again when the server is back."
    )


# Session settings for the leadership queries at scale L. Memory per sort or hash: they sort a
# few hundred thousand ratings, which PostgreSQL's default (4 MB) spills to disk. No nested
# loops: over CTEs PostgreSQL has no statistics, guesses one row and loops over thousands (a
# heatmap cell's list as of a past quarter took over 10 minutes at L, 0.9 s without them);
# the store's reads are analytic, and a point read by key still uses its index.
SESSION_SETTINGS = {"work_mem": "32MB", "enable_nestloop": "off"}


def _configure(connection: psycopg.Connection) -> None:
    connection.adapters.register_loader("numeric", _NumericLoader)
    for name, value in SESSION_SETTINGS.items():
        connection.execute(f"SET {name} = '{value}'")


class PostgresCursor:
    """The part of DuckDB's cursor the store uses, over one pooled connection."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self._cursor = psycopg.RawCursor(connection)

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None):
        text, values = postgres_statement(sql, params)
        self._cursor.execute(text, values)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        text, _ = postgres_statement(sql, rows[0])
        self._cursor.executemany(text, [postgres_statement(sql, row)[1] for row in rows])

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Bulk insert with COPY (the copy command's loader)."""
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall() if self._cursor.description else []

    def fetchmany(self, size: int) -> list[tuple]:
        return self._cursor.fetchmany(size) if self._cursor.description else []

    def fetchone(self) -> tuple | None:
        return self._cursor.fetchone() if self._cursor.description else None

    @property
    def description(self) -> list[tuple[str, Any]]:
        return [(column.name, column.type_display) for column in self._cursor.description or []]

    def df(self) -> pd.DataFrame:
        columns = self._cursor.description or []
        names = [column.name for column in columns]
        frame = pd.DataFrame.from_records(self.fetchall(), columns=names)
        for position, column in enumerate(columns):
            series = frame.iloc[:, position]
            kind = column.type_display
            if kind in _DATE_TYPES:
                converted = pd.to_datetime(series).astype("datetime64[us]")
            elif kind in _INTEGER_TYPES:
                plain, nullable = _INTEGER_TYPES[kind]
                converted = series.astype(nullable if series.isna().any() else plain)
            elif kind in {"float4", "float8", "numeric"}:
                converted = series.astype("float64")
            elif kind == "bool" and not series.isna().any():
                converted = series.astype(bool)
            else:
                continue
            frame.isetitem(position, converted)
        return frame

    def close(self) -> None:
        self._cursor.close()


class PostgresConnector:
    """The pool of one process."""

    def __init__(self, url: str) -> None:
        self.url = url
        # One plain connection first: a wrong URL or a stopped server is refused at once with
        # its reason, instead of after the pool's retries.
        try:
            psycopg.connect(url, connect_timeout=int(CONNECT_SECONDS)).close()
        except psycopg.Error as error:
            raise unavailable(url, error) from error
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"autocommit": True},
            configure=_configure,
            check=ConnectionPool.check_connection,
            open=False,
            name="aims",
        )
        try:
            self._pool.open(wait=True, timeout=CONNECT_SECONDS)
        except PoolTimeout as error:
            reason = _first_connect_error(url)
            self._pool.close()
            raise unavailable(url, reason or error) from error

    @contextmanager
    def cursor(self) -> Iterator[PostgresCursor]:
        try:
            with self._pool.connection(timeout=CONNECT_SECONDS) as connection:
                cursor = PostgresCursor(connection)
                try:
                    yield cursor
                except psycopg.OperationalError as error:
                    if connection.broken or connection.closed:
                        raise unavailable(self.url, error) from error
                    raise
                finally:
                    if not connection.closed:
                        cursor.close()
        except PoolTimeout as error:
            raise unavailable(self.url, _first_connect_error(self.url) or error) from error

    def close(self) -> None:
        self._pool.close()


def _first_connect_error(url: str) -> Exception | None:
    """Why a connection fails (the pool only says it timed out)."""
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as error:
        return error
    return None
