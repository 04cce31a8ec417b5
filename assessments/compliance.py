"""The SoA and clause readiness read together, and their exports (CSV, JSON, XLSX, PDF).

The pages, the command line and the reports all start from `load_view`, so they show the same
figures, findings and stage 1 summary for the same date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from assessments.reports.soa_pdf import readiness_pdf, soa_pdf
from assessments.reports.soa_xlsx import readiness_xlsx, soa_xlsx
from assessments.reports.tabular import to_csv, to_json
from assessments.soa import (
    READINESS_COLUMNS,
    STATEMENT_COLUMNS,
    TREATED_BUT_NOT_APPLICABLE,
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

    def linked_risk_count(self, control_id: str) -> int:
        """How many risks have a treatment that uses the control."""
        return len(self.treated_by.get(control_id, ()))

    def must_be_applicable(self, control_id: str) -> bool:
        """Whether risk treatments use the control while it is excluded or not assessed (the
        finding the one-click fix resolves)."""
        return any(
            finding.control_id == control_id and finding.kind == TREATED_BUT_NOT_APPLICABLE
            for finding in self.findings
        )


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


# The formatted reports: each takes the table, the figures it heads, as_of and generated_at.
_SOA_REPORTS: dict[str, Callable[..., bytes]] = {"xlsx": soa_xlsx, "pdf": soa_pdf}
_READINESS_REPORTS: dict[str, Callable[..., bytes]] = {
    "xlsx": readiness_xlsx,
    "pdf": readiness_pdf,
}


def _export(
    frame: pd.DataFrame,
    fmt: str,
    reports: Mapping[str, Callable[..., bytes]],
    figures: Sequence[object],
    as_of: date | None,
) -> bytes:
    """CSV and JSON straight from the table; XLSX and PDF from their formatted reports."""
    if fmt == "csv":
        return to_csv(frame)
    if fmt == "json":
        return to_json(frame)
    return reports[fmt](frame, *figures, as_of=as_of, generated_at=utc_now())


def soa_export(view: ComplianceView, fmt: str) -> bytes:
    """The SoA as CSV, JSON, a formatted XLSX or a PDF."""
    if fmt not in SOA_FORMATS:
        raise ValueError(f"The SoA exports as {', '.join(SOA_FORMATS)}, not '{fmt}'")
    return _export(view.statement(), fmt, _SOA_REPORTS, [view.summary], view.as_of)


def readiness_export(view: ComplianceView, fmt: str) -> bytes:
    """Clause readiness as CSV, JSON, a formatted XLSX or a PDF."""
    if fmt not in READINESS_FORMATS:
        raise ValueError(f"Readiness exports as {', '.join(READINESS_FORMATS)}, not '{fmt}'")
    return _export(
        view.readiness(), fmt, _READINESS_REPORTS, [view.figures, view.stage1], view.as_of
    )


def export_soa(database: Database, fmt: str) -> bytes:
    """The current SoA (the `export soa` command)."""
    return soa_export(load_view(database), fmt)


def export_readiness(database: Database, fmt: str) -> bytes:
    """The current clause readiness (the `export readiness` command)."""
    return readiness_export(load_view(database), fmt)
