"""Exports of the risk assessment: the criteria, the register and the full rating history.

Registered in `assessments/exports.py`, so `python -m assessments export criteria|risks|ratings`
and the register page's download buttons produce the same bytes.
"""

from __future__ import annotations

import json

from assessments.criteria import to_export_dict
from assessments.reports.tabular import encode
from assessments.risks import RiskFilter
from assessments.store.criteria import current_criteria
from assessments.store.db import Database
from assessments.store.register import ratings_export_frame, register_export_frame

CRITERIA_FORMATS = ("json",)
RISK_FORMATS = ("csv", "json", "xlsx")
RATING_FORMATS = ("csv", "json")


def criteria_export(database: Database, fmt: str) -> bytes:
    """The current criteria in the documented shape (levels lowest first, grid row = likelihood)."""
    if fmt != "json":
        raise ValueError(f"The criteria export as json, not '{fmt}'")
    definition = to_export_dict(current_criteria(database))
    return json.dumps(definition, ensure_ascii=False, indent=2).encode("utf-8")


def risks_export(database: Database, fmt: str, filters: RiskFilter | None = None) -> bytes:
    """The register, one row per risk (all risks, or those the filters keep)."""
    return encode(register_export_frame(database, filters), fmt, sheet="Risk register")


def ratings_export(database: Database, fmt: str) -> bytes:
    """Every rating ever recorded, with who, when, how and under which criteria version."""
    return encode(ratings_export_frame(database), fmt, sheet="Ratings")
