"""Databases as they were before a migration, for tests of what the migration does to them."""

from __future__ import annotations

from assessments.store.db import Database, utc_now
from assessments.store.schema import available_migrations, current_version


def migrate_up_to(database: Database, last: int) -> None:
    """Apply the shipped migrations up to `last` only: a database as it was before the next."""
    current_version(database)
    for migration in available_migrations():
        if migration.version > last:
            break
        with database.cursor() as cursor:
            cursor.execute(migration.sql)
            cursor.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)",
                [migration.version, migration.name, utc_now()],
            )


def columns(database: Database, relation: str) -> list[str]:
    rows = database.query_rows(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?"
        " ORDER BY ordinal_position",
        [relation],
    )
    return [row[0] for row in rows]


def index_names(database: Database, table: str) -> list[str]:
    """The names of a table's indexes, from the store's own catalog."""
    sql = (
        "SELECT indexname FROM pg_indexes WHERE tablename = ?"
        if database.dialect.is_postgres
        else "SELECT index_name FROM duckdb_indexes() WHERE table_name = ?"
    )
    return [str(row[0]) for row in database.query_rows(sql, [table])]
