"""Results reused until the data changes: a process-wide cache keyed by the data version.

The data version is the count and highest id of `audit_events`. Every committed write records
at least one audit event in its own transaction (Database.write refuses to commit otherwise),
so any new rating, action or acceptance changes the key and the next read recomputes; repeated
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


def data_version(database: Database) -> tuple[int, int]:
    """A token that changes with every committed write: (number of audit events, highest id).

    The count alone grows with each commit (the trail is append-only and every write adds an
    event); the id is kept for readability. Reading it costs well under a millisecond.
    """
    row = database.query_one("SELECT count(*), coalesce(max(id), 0) FROM audit_events")
    return (int(row[0]), int(row[1])) if row else (0, 0)


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
        str(database.path),
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
