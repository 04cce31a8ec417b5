"""Where things live: the store and the content folder, overridable by environment.

The store is `AIMS_DB` (a DuckDB file path, or a `postgresql://` URL for a shared PostgreSQL
database); without it, `database` in the `[aims]` section of `.streamlit/secrets.toml` (where a
URL with a password belongs, rather than in the environment); without either, the DuckDB file
`data/aims.duckdb` in the repository.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from assessments.store.dialect import is_postgres

REPO_ROOT = Path(__file__).resolve().parent.parent
# secrets.toml holds a few settings; a bigger file is not ours to read.
SECRETS_MAX_BYTES = 1_000_000


def data_dir() -> Path:
    """The content folder (YAML catalogs, questionnaires, demo portfolio, fonts)."""
    return Path(os.environ.get("AIMS_DATA_DIR", REPO_ROOT / "data"))


def _secrets_database() -> str | None:
    """`[aims] database` from the secrets file Streamlit reads (the working folder's, then the
    repository's), so the command line and the app open the same store."""
    for folder in dict.fromkeys([Path.cwd(), REPO_ROOT]):
        secrets = folder / ".streamlit" / "secrets.toml"
        try:
            if not secrets.is_file() or secrets.stat().st_size > SECRETS_MAX_BYTES:
                continue
            settings = tomllib.loads(secrets.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        aims = settings.get("aims")
        if isinstance(aims, dict) and isinstance(aims.get("database"), str):
            return aims["database"]
    return None


def database_target() -> str:
    """The store: `$AIMS_DB`, else `[aims] database` in secrets.toml, else data/aims.duckdb."""
    configured = os.environ.get("AIMS_DB") or _secrets_database()
    return configured if configured else str(REPO_ROOT / "data" / "aims.duckdb")


def database_path() -> Path | None:
    """The DuckDB file of the store, None when the store is a PostgreSQL database."""
    target = database_target()
    return None if is_postgres(target) else Path(target)
