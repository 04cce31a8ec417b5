"""Reaching a test's database file from outside the app under test."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from assessments.store.db import Database


def with_database(db_path: Path, work: Callable[[Database], Any]) -> Any:
    """Open the file, run `work` on it, close it (the app under test opens it again)."""
    database = Database(db_path)
    try:
        return work(database)
    finally:
        database.close()
