"""`python -m assessments copy --from SOURCE --to TARGET`: move a whole store between a DuckDB
file and a PostgreSQL database (either way), history and audit trail included, ids kept.

The target must be empty: it is brought to the latest schema, then every table is copied in one
transaction (a failure leaves it empty), each sequence is moved past the copied ids, and the
result is verified: the same number of rows in every table, the same audit chain head, and
`check` passing on the target. The copy writes no audit event of its own: the trail it carries
is the source's, event for event, so its hashes still verify.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assessments.errors import WorkbenchError
from assessments.store.db import Database
from assessments.store.dialect import is_postgres, redact

# Rows read and written per batch: memory stays flat for a store of millions of rows.
BATCH_ROWS = 50_000
# Tables the migrations fill on their own (the schema's record, the chain's one-row head).
_SCHEMA_TABLES = {"schema_version", "audit_chain_head"}
_SEQUENCE_DEFAULT = re.compile(r"nextval\('\"?([A-Za-z0-9_]+)\"?'")


class CopyError(WorkbenchError):
    """The copy cannot start or did not verify; the message is one line for the person."""


@dataclass
class CopyReport:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    chain_head: tuple[int, str] = (0, "")

    def lines(self) -> list[str]:
        total = sum(self.rows.values())
        return [
            f"Copied {total:,} rows in {len(self.rows)} tables from {self.source} to"
            f" {self.target}; counts verified.",
            *(f"  {table}: {count:,}" for table, count in sorted(self.rows.items()) if count),
            f"Audit chain head on both: event #{self.chain_head[0]}, {self.chain_head[1]}.",
            "check passed on the target.",
        ]


def _tables(database: Database) -> list[str]:
    rows = database.query_rows(
        "SELECT table_name FROM information_schema.tables"
        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        " ORDER BY table_name"
    )
    return [str(row[0]) for row in rows]


def _columns(database: Database, table: str) -> list[tuple[str, str | None]]:
    """(name, default) of each column, in the table's order."""
    rows = database.query_rows(
        "SELECT column_name, column_default FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    )
    return [(str(name), default) for name, default in rows]


def _count(database: Database, table: str) -> int:
    row = database.query_one(f"SELECT count(*) FROM {table}")
    return int(row[0]) if row else 0


def _head(database: Database) -> tuple[int, str]:
    row = database.query_one("SELECT last_id, last_hash FROM audit_chain_head")
    return (int(row[0]), str(row[1])) if row else (0, "")


def _open_source(source: str) -> Database:
    if not is_postgres(source) and not Path(source).is_file():
        raise CopyError(f"There is no database at {source}: check the path.")
    return Database(source)


def _refuse_non_empty(target: Database, tables: list[str]) -> None:
    filled = {table: _count(target, table) for table in tables if table not in _SCHEMA_TABLES}
    filled = {table: count for table, count in filled.items() if count}
    if filled:
        table, count = next(iter(filled.items()))
        rows = f"{count:,} row{'' if count == 1 else 's'}"
        raise CopyError(
            f"{target.location} is not empty ({table} holds {rows}, and {len(filled) - 1} more"
            " tables hold data): copy into a new, empty database."
        )


def _batches(source: Database, table: str, columns: list[str]) -> Iterator[list[tuple]]:
    with source.cursor() as cursor:
        result = cursor.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY 1")
        while rows := result.fetchmany(BATCH_ROWS):
            yield rows


def _load(target: Database, cursor, table: str, columns: list[str], rows: list[tuple]) -> None:
    """Bulk insert: PostgreSQL's COPY, or DuckDB's scan of a pandas frame (one row at a time
    would take minutes for a store of a million rows)."""
    if target.dialect.is_postgres:
        cursor.copy_rows(table, columns, rows)
        return
    cursor.register("incoming_rows", pd.DataFrame.from_records(rows, columns=columns))
    try:
        names = ", ".join(columns)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming_rows")
    finally:
        cursor.unregister("incoming_rows")


def copy_store(source_target: str, target_target: str) -> CopyReport:
    """Copy everything from `source_target` to the empty `target_target` and verify it."""
    from assessments.store.health import check

    if source_target == target_target:
        raise CopyError("The source and the target are the same database.")
    source = _open_source(source_target)
    try:
        target = Database(target_target, seed=False)
        try:
            report = _copy(source, target)
            health = check(target)
            if not health.ok:
                problems = "; ".join(health.lines()[:3])
                raise CopyError(f"The copy in {target.location} does not pass check: {problems}")
            return report
        finally:
            target.close()
    finally:
        source.close()


def _copy(source: Database, target: Database) -> CopyReport:
    tables = _tables(source)
    missing = sorted(set(tables) - set(_tables(target)))
    if missing:
        raise CopyError(f"{target.location} has no table {missing[0]}: its schema is older.")
    _refuse_non_empty(target, tables)
    report = CopyReport(source=source.location, target=redact(target.location))
    with target.cursor() as cursor:
        cursor.execute(target.dialect.begin)
        try:
            for table in tables:
                if table == "schema_version":
                    continue
                columns = [name for name, _ in _columns(source, table)]
                if table == "audit_chain_head":
                    cursor.execute("DELETE FROM audit_chain_head")
                for rows in _batches(source, table, columns):
                    _load(target, cursor, table, columns, rows)
            for table in tables:
                for name, default in _columns(target, table):
                    sequence = _SEQUENCE_DEFAULT.search(default or "")
                    if sequence:
                        row = cursor.execute(f"SELECT coalesce(max({name}), 0) FROM {table}")
                        highest = int(row.fetchone()[0])
                        cursor.execute(
                            target.dialect.restart_sequence(sequence.group(1), highest + 1)
                        )
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
        # Fresh statistics: PostgreSQL plans the leadership queries from them, and its
        # autovacuum would only gather them some time after a bulk load.
        cursor.execute("ANALYZE")
    for table in tables:
        if table == "schema_version":
            continue
        expected, copied = _count(source, table), _count(target, table)
        if expected != copied:
            raise CopyError(f"{table}: {expected:,} rows in the source but {copied:,} copied.")
        report.rows[table] = copied
    report.chain_head = _head(target)
    if report.chain_head != _head(source):
        raise CopyError("The audit chain head of the copy differs from the source's.")
    return report
