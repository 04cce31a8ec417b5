"""Numbered schema migrations, applied on start and recorded in `schema_version`.

Each file `migrations/NNN_name.sql` runs once, in order, in its own transaction. A migration
is never edited after it has landed: a change to the schema is a new file. A migration that must
compute what SQL cannot (a hash carried from row to row) names a Python step in `PYTHON_STEPS`,
run on the same cursor right after its SQL, in the same transaction.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assessments.store.db import Database, utc_now

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_FILE_PATTERN = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")
# Migration version -> "module:function" taking the migration's cursor.
PYTHON_STEPS: dict[int, str] = {12: "assessments.store.audit_chain:chain_existing_events"}


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """The migration files shipped with this version of the code, in order."""
    found: list[Migration] = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _FILE_PATTERN.match(path.name)
        if not match:
            raise ValueError(f"Migration file {path.name} is not named NNN_name.sql")
        found.append(Migration(int(match.group(1)), match.group(2), path.read_text()))
    versions = [migration.version for migration in found]
    if len(set(versions)) != len(versions):
        raise ValueError(f"Two migration files share a number: {versions}")
    return found


_SCHEMA_VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
)
# Several app processes may start at once on one PostgreSQL database: each migration runs under
# this advisory lock, and a process that waited finds the migration applied and skips it.
_MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(420010)"


def current_version(database: Database) -> int:
    """The highest applied migration, 0 for a new database."""
    with database.cursor() as cursor:
        cursor.execute("BEGIN TRANSACTION")
        try:
            if database.dialect.is_postgres:
                cursor.execute(_MIGRATION_LOCK)
            cursor.execute(_SCHEMA_VERSION_TABLE)
            cursor.execute("COMMIT")
        except Exception:
            cursor.execute("ROLLBACK")
            raise
        row = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def apply_migrations(database: Database) -> list[int]:
    """Bring the database up to the latest schema; returns the versions applied now."""
    applied: list[int] = []
    start = current_version(database)
    for migration in available_migrations():
        if migration.version <= start:
            continue
        with database.cursor() as cursor:
            cursor.execute("BEGIN TRANSACTION")
            try:
                if database.dialect.is_postgres:
                    cursor.execute(_MIGRATION_LOCK)
                    done = cursor.execute(
                        "SELECT count(*) FROM schema_version WHERE version = ?",
                        [migration.version],
                    ).fetchone()
                    if done and done[0]:
                        cursor.execute("ROLLBACK")
                        continue
                cursor.execute(migration.sql)
                if migration.version in PYTHON_STEPS:
                    _python_step(PYTHON_STEPS[migration.version])(cursor)
                cursor.execute(
                    "INSERT INTO schema_version VALUES (?, ?, ?)",
                    [migration.version, migration.name, utc_now()],
                )
                cursor.execute("COMMIT")
            except Exception:
                cursor.execute("ROLLBACK")
                raise
        applied.append(migration.version)
    return applied


def _python_step(target: str) -> Callable[[Any], None]:
    module, function = target.split(":")
    return getattr(importlib.import_module(module), function)


def seed(database: Database) -> None:
    """Content a new database starts with (written through the audited write path)."""
    from assessments.store.criteria import seed_default_criteria

    seed_default_criteria(database)


def latest_version() -> int:
    migrations = available_migrations()
    return migrations[-1].version if migrations else 0
