"""Where things live: the database file and the content folder, overridable by environment."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The content folder (YAML catalogs, questionnaires, demo portfolio, fonts)."""
    return Path(os.environ.get("AIMS_DATA_DIR", REPO_ROOT / "data"))


def database_path() -> Path:
    """The DuckDB file: `$AIMS_DB`, or `data/aims.duckdb` in the repository."""
    configured = os.environ.get("AIMS_DB")
    return Path(configured) if configured else REPO_ROOT / "data" / "aims.duckdb"
