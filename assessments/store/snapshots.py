"""Results reused until the data changes: a process-wide cache keyed by the data version.

The data version is the audit chain's head (store/audit_chain.py): every committed write records
at least one audit event in its own transaction (Database.write refuses to commit otherwise) and
moves the head to its newest event, so any new rating, action or acceptance changes the key and
the next read recomputes. The head is read from the database on every use, so on a PostgreSQL
store shared by several app processes a write made by another process is seen at the next
rerun; repeated
reruns with no new data (the common case on a projector, or a click on a heatmap) reuse the
result. "Today" is part of the key too, because overdue actions and expiries depend on the date.
The leadership figures (store/heatmaps.py, attention.py, trends.py) and the register page use it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any, TypeVar

from assessments.store.db import Database

T = TypeVar("T")

_CACHE_SIZE = 256
_cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
_cache_lock = threading.Lock()


def data_version(database: Database) -> tuple[int, str]:
    """A token that changes with every committed write: the chain head (newest event id, hash).

    Writers take turns on the head (a concurrent one is retried), so each commit moves it to a
    new event; one row, read in well under a millisecond at any size of the trail.
    """
    row = database.query_one("SELECT last_id, last_hash FROM audit_chain_head")
    return (int(row[0]), str(row[1])) if row else (0, "")


def snapshot(
    database: Database,
    name: str,
    key: Sequence[Any],
    compute: Callable[[], T],
    *,
    version: tuple[Any, ...] | None = None,
) -> T:
    """`compute()`, reused while no write has happened since and the day is the same.

    `version` replaces the data version (a caller that read it once for several results, or a
    figure "as of" a past day with its own token). Callers must not mutate what they get back
    (frames are shared between sessions).
    """
    full_key = (
        database.location,
        version if version is not None else data_version(database),
        date.today(),
        name,
        *key,
    )
    with _cache_lock:
        if full_key in _cache:
            _cache.move_to_end(full_key)
            return _cache[full_key]
    value = compute()
    with _cache_lock:
        _cache[full_key] = value
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return value


def clear_snapshots() -> None:
    with _cache_lock:
        _cache.clear()
