"""What differs between the two stores, in one place.

Queries are written once, in the SQL that DuckDB and PostgreSQL both accept (see DESIGN.md,
"One SQL for both stores"). What cannot be written that way lives here: the placeholders
(`?` and `$name`, which DuckDB takes and PostgreSQL's wire protocol spells `$1`), how a write
transaction starts, how a sequence is moved past copied ids, which errors mean "run the unit
again", and how a connection URL is shown without its password.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def is_postgres(target: object) -> bool:
    """A `postgresql://` URL names a PostgreSQL database; anything else is a DuckDB file."""
    return str(target).startswith(POSTGRES_SCHEMES)


def redact(url: str) -> str:
    """The URL as it may be shown: user, host, port and database, never the password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[-1]
    user = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=f"{user}{netloc}").geturl()


def server_name(url: str) -> str:
    """Where the server is, in words: 'host:port/database' or the socket folder."""
    parts = urlsplit(url)
    database = parts.path.lstrip("/") or "postgres"
    if parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.hostname}{port}/{database}"
    socket = re.search(r"host=([^&]+)", parts.query)
    where = f"the socket in {socket.group(1)}" if socket else "the local socket"
    return f"{database} on {where}"


@dataclass(frozen=True)
class Dialect:
    name: str
    # Snapshot isolation on both: a concurrent write to the same row fails the later
    # transaction, which the write path runs again (DuckDB by default, PostgreSQL asked for).
    begin: str

    @property
    def is_postgres(self) -> bool:
        return self.name == "postgres"

    def restart_sequence(self, sequence: str, next_value: int) -> str:
        """A statement after which `nextval(sequence)` gives `next_value` (ids kept by a copy).
        Both stores take setval; `is_called` false makes the given value the next one."""
        return f"SELECT setval('{sequence}', {int(next_value)}, false)"


DUCKDB = Dialect(name="duckdb", begin="BEGIN TRANSACTION")
POSTGRES = Dialect(name="postgres", begin="BEGIN ISOLATION LEVEL REPEATABLE READ")

# Quoted strings, quoted names and comments are skipped; `::` is a cast, not a placeholder.
_TOKENS = re.compile(
    r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|::|\?|\$([A-Za-z_][A-Za-z0-9_]*)"
)


@lru_cache(maxsize=2048)
def _numbered(sql: str) -> tuple[str, tuple[str | int, ...]]:
    """`sql` with `?` and `$name` placeholders as `$1`, `$2`, ... and, for each number, the
    position or name of the value it takes."""
    order: list[str | int] = []
    names: dict[str, int] = {}
    positional = itertools.count()

    def number(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "?":
            order.append(next(positional))
            return f"${len(order)}"
        name = match.group(1)
        if name is None:
            return token
        if name not in names:
            order.append(name)
            names[name] = len(order)
        return f"${names[name]}"

    return _TOKENS.sub(number, sql), tuple(order)


def postgres_statement(
    sql: str, params: Sequence[Any] | Mapping[str, Any] | None
) -> tuple[str, list[Any] | None]:
    """The statement and values as PostgreSQL's protocol takes them (`$1` placeholders)."""
    if params is None:
        return sql, None
    text, order = _numbered(sql)
    if isinstance(params, Mapping):
        return text, [params[item] for item in order]
    values = list(params)
    return text, [values[item] for item in order]
