"""`python -m assessments export workshops --format json`: every workshop with its record."""

from __future__ import annotations

from assessments.reports.tabular import to_json
from assessments.store.db import Database
from assessments.store.workshop_consensus import export_records

WORKSHOP_FORMATS = ("json",)


def workshops_export(database: Database, fmt: str) -> bytes:
    """Each workshop with id, title, status, participants, items, the counting votes of its
    revealed rounds (names or pseudonyms as the workshop chose) and the consensus per item.

    An item's title is the one its rounds were rated under (the snapshot kept when each round
    opened), so exporting again after a risk was renamed gives the same record."""
    if fmt not in WORKSHOP_FORMATS:
        raise ValueError(f"workshops export as {', '.join(WORKSHOP_FORMATS)}, not '{fmt}'")
    return to_json(export_records(database))
