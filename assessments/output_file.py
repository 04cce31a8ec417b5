"""Writing an export to a file the person named, without ever destroying what is there.

An export must not replace the live database (or its write-ahead log, or any other DuckDB file),
must not overwrite an existing file unless asked to, and must never leave a half-written file: it
is written to a temporary file in the same folder and renamed over the target in one step.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# DuckDB files carry this magic at byte 8; no export ever replaces one.
_DUCKDB_MAGIC = b"DUCK"


class OutputPathError(Exception):
    """The path cannot take the export; the message is one line for the person."""


def _is_duckdb_file(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(12)[8:12] == _DUCKDB_MAGIC
    except OSError:
        return False


def _same_file(path: Path, other: Path) -> bool:
    if path.resolve() == other.resolve():
        return True
    try:
        return path.exists() and other.exists() and path.samefile(other)
    except OSError:
        return False


def check_output_path(target: Path, database: Path | None, *, force: bool) -> None:
    """Refuse a target that would lose data or cannot be written, before any work is done.
    `database` is the DuckDB file of the store (None for a PostgreSQL store)."""
    protected = [database, database.with_name(database.name + ".wal")] if database else []
    if any(_same_file(target, path) for path in protected):
        raise OutputPathError(
            f"{target} is the database (AIMS_DB) or its log: choose another file for the export."
        )
    if target.is_dir():
        raise OutputPathError(f"{target} is a folder: give a file name, e.g. {target}/export.csv.")
    folder = target.parent
    if not folder.is_dir():
        raise OutputPathError(f"{folder} does not exist: create the folder first.")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputPathError(f"{folder} is not writable: choose another folder.")
    if target.exists() or target.is_symlink():
        if _is_duckdb_file(target):
            raise OutputPathError(f"{target} is a database file: an export never replaces one.")
        if not force:
            raise OutputPathError(
                f"{target} already exists: choose another name, or add --force to replace it."
            )
        if not target.is_file():
            raise OutputPathError(f"{target} is not a regular file: choose another name.")


def write_atomically(target: Path, payload: bytes) -> None:
    """Write to a temporary file beside `target`, flush it to disk, then rename it over."""
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o644 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
