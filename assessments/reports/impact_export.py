"""`export assessments --format json`: every impact assessment response with scores and answers."""

from __future__ import annotations

from assessments.reports.tabular import to_json
from assessments.store.db import Database
from assessments.store.impact import export_records

ASSESSMENT_FORMATS = ("json",)


def assessments_export(database: Database, fmt: str) -> bytes:
    """A JSON list of responses (see store.impact.EXPORT_FIELDS); answers nested per question."""
    if fmt != "json":
        raise ValueError(f"assessments export as json, not '{fmt}'")
    return to_json(export_records(database))
