"""The SoA and clause readiness read together, and their exports (CSV, JSON, XLSX, PDF).

The pages, the command line and the reports all start from `load_view`, so they show the same
figures, findings and stage 1 summary for the same date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from assessments.reports.soa_pdf import readiness_pdf, soa_pdf
from assessments.reports.soa_xlsx import readiness_xlsx, soa_xlsx
from assessments.reports.tabular import to_csv, to_json
from assessments.soa import (
    READINESS_COLUMNS,
    STATEMENT_COLUMNS,
    Finding,
    ReadinessFigures,
    ReadinessRating,
    SoAEntry,
    SoASummary,
    Stage1Summary,
    consistency_findings,
    readiness_figures,
    readiness_rows,
    soa_summary,
    stage1_summary,
    statement_rows,
)
from assessments.store import soa as soa_store
from assessments.store.db import Database, utc_now

SOA_FORMATS = ("csv", "json", "xlsx", "pdf")
READINESS_FORMATS = ("csv", "json", "xlsx", "pdf")
MIME_TYPES = {
    "csv": "text/csv",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@dataclass(frozen=True)
class ComplianceView:
    """Everything the SoA and readiness pages show, as of one date (None: now)."""

    as_of: date | None
    entries: dict[str, SoAEntry]
    treated_by: dict[str, list[int]]
    findings: list[Finding]
    summary: SoASummary
    ratings: dict[str, ReadinessRating]
    figures: ReadinessFigures
    stage1: Stage1Summary

    def statement(self) -> pd.DataFrame:
        """One row per Annex A control (the export columns)."""
        return pd.DataFrame(
            statement_rows(self.entries, self.treated_by), columns=STATEMENT_COLUMNS
        )

    def readiness(self) -> pd.DataFrame:
        frame = pd.DataFrame(readiness_rows(self.ratings), columns=READINESS_COLUMNS)
        frame["maturity"] = frame["maturity"].astype("Int64")
        return frame


def load_view(database: Database, as_of: date | None = None) -> ComplianceView:
    """Read the SoA and the readiness ratings (now, or at the end of `as_of`) and derive the
    findings, figures and the stage 1 summary.

    Risk treatments keep no history, so a dated view pairs that day's SoA with today's links.
    """
    entries = soa_store.current_entries(database, as_of)
    treated = soa_store.treated_by(database)
    findings = consistency_findings(entries, treated)
    ratings = soa_store.current_ratings(database, as_of)
    return ComplianceView(
        as_of=as_of,
        entries=entries,
        treated_by=treated,
        findings=findings,
        summary=soa_summary(entries),
        ratings=ratings,
        figures=readiness_figures({key: rating.maturity for key, rating in ratings.items()}),
        stage1=stage1_summary(ratings, entries, findings),
    )


def file_name(stem: str, fmt: str, as_of: date | None) -> str:
    """'statement-of-applicability-2026-06-30.xlsx' for a dated view, without a date for now."""
    return f"{stem}{'-' + as_of.isoformat() if as_of else ''}.{fmt}"


def soa_export(view: ComplianceView, fmt: str) -> bytes:
    """The SoA as CSV, JSON, a formatted XLSX or a PDF."""
    frame = view.statement()
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame)
    generated_at = utc_now()
    if fmt == "xlsx":
        return soa_xlsx(frame, view.summary, as_of=view.as_of, generated_at=generated_at)
    if fmt == "pdf":
        return soa_pdf(frame, view.summary, as_of=view.as_of, generated_at=generated_at)
    raise ValueError(f"The SoA exports as {', '.join(SOA_FORMATS)}, not '{fmt}'")


def readiness_export(view: ComplianceView, fmt: str) -> bytes:
    """Clause readiness as CSV, JSON, a formatted XLSX or a PDF."""
    frame = view.readiness()
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame)
    generated_at = utc_now()
    if fmt == "xlsx":
        return readiness_xlsx(
            frame, view.figures, view.stage1, as_of=view.as_of, generated_at=generated_at
        )
    if fmt == "pdf":
        return readiness_pdf(
            frame, view.figures, view.stage1, as_of=view.as_of, generated_at=generated_at
        )
    raise ValueError(f"Readiness exports as {', '.join(READINESS_FORMATS)}, not '{fmt}'")


def export_soa(database: Database, fmt: str) -> bytes:
    """The current SoA (the `export soa` command)."""
    return soa_export(load_view(database), fmt)


def export_readiness(database: Database, fmt: str) -> bytes:
    """The current clause readiness (the `export readiness` command)."""
    return readiness_export(load_view(database), fmt)
