"""What `python -m assessments export <what>` can write, and the pages' download buttons too."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assessments.compliance import export_readiness, export_soa
from assessments.reports.impact_export import ASSESSMENT_FORMATS, assessments_export
from assessments.reports.portfolio_pdf import portfolio_pdf
from assessments.reports.risk_register import (
    CRITERIA_FORMATS,
    RATING_FORMATS,
    RISK_FORMATS,
    criteria_export,
    ratings_export,
    risks_export,
)
from assessments.reports.tabular import encode
from assessments.reports.workshop_export import WORKSHOP_FORMATS, workshops_export
from assessments.store.db import Database
from assessments.store.inventory import export_frame as inventory_frame
from assessments.store.screenings import obligations_frame


@dataclass(frozen=True)
class Export:
    formats: tuple[str, ...]
    build: Callable[[Database, str], bytes]
    file_stem: str


def _inventory(database: Database, fmt: str) -> bytes:
    return encode(inventory_frame(database), fmt, sheet="AI systems")


# Each feature registers its exports here.
EXPORTS: dict[str, Export] = {
    "inventory": Export(("csv", "json", "xlsx"), _inventory, "ai-inventory"),
}
EXPORTS["criteria"] = Export(CRITERIA_FORMATS, criteria_export, "risk-criteria")
EXPORTS["risks"] = Export(RISK_FORMATS, risks_export, "risk-register")
EXPORTS["ratings"] = Export(RATING_FORMATS, ratings_export, "risk-ratings")
EXPORTS["assessments"] = Export(ASSESSMENT_FORMATS, assessments_export, "impact-assessments")
EXPORTS["soa"] = Export(("csv", "json", "xlsx"), export_soa, "statement-of-applicability")
EXPORTS["readiness"] = Export(("csv", "json", "xlsx"), export_readiness, "clause-readiness")
EXPORTS["workshops"] = Export(WORKSHOP_FORMATS, workshops_export, "workshops")
EXPORTS["obligations"] = Export(
    ("csv", "json", "xlsx"),
    lambda database, fmt: encode(obligations_frame(database), fmt, sheet="Obligations"),
    "regulatory-obligations",
)
EXPORTS["portfolio"] = Export(("pdf",), lambda database, fmt: portfolio_pdf(database), "portfolio")


def build_export(database: Database, what: str, fmt: str) -> bytes:
    export = EXPORTS.get(what)
    if export is None:
        raise ValueError(f"Unknown export '{what}'; choose one of {', '.join(EXPORTS)}")
    if fmt not in export.formats:
        raise ValueError(f"'{what}' exports as {', '.join(export.formats)}, not '{fmt}'")
    return export.build(database, fmt)
