"""Formatted workbooks for auditors: the Statement of Applicability and the clause readiness.

A workbook is for people: its headers and values are labels ("Implementation status",
"Partially implemented", "Best practice"), never the stable keys of the CSV and JSON exports
(which scripts read). It adds a frozen header and control column, filters, wrapped text, real
dates and a fill colour per implementation status; a last sheet says what the workbook is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import pandas as pd

from assessments.reports.tabular import WORKBOOK_OPTIONS
from assessments.soa import (
    IMPLEMENTATION_STATUSES,
    INCLUSION_REASONS,
    MATURITY_LEVELS,
    NOT_ASSESSED,
    NOT_ASSESSED_LABEL,
    STAGE1_MATURITY,
    STAGE1_SECTIONS,
    ReadinessFigures,
    SoASummary,
    Stage1Summary,
    reason_labels,
    status_label,
)

STATUS_FILLS: dict[str, str] = {
    "implemented": "#D8EFE4",
    "partial": "#FCEBC8",
    "planned": "#DCE8F7",
    "not_started": "#F8D9D6",
    "not_applicable": "#E6E6E6",
    NOT_ASSESSED: "#FFFFFF",
}
_WIDTHS: dict[str, float] = {
    "control_id": 10,
    "group": 7,
    "group_title": 22,
    "title": 34,
    "guidance": 48,
    "applicable": 11,
    "inclusion_reasons": 24,
    "justification": 44,
    "exclusion_reason": 40,
    "status": 15,
    "owner": 18,
    "evidence": 44,
    "risks": 7,
    "risk_references": 18,
    "last_reviewed": 13,
    "changed_at": 18,
    "changed_by": 16,
    "item_id": 8,
    "clause": 7,
    "clause_title": 26,
    "maturity": 9,
    "note": 40,
    "key_for_stage1": 10,
}
_WRAPPED = {
    "guidance",
    "justification",
    "exclusion_reason",
    "evidence",
    "note",
    "title",
    "risk_references",
}
# The headers people read, for the stable column names of the exports.
HEADERS: dict[str, str] = {
    "control_id": "Control",
    "group": "Group",
    "group_title": "Group title",
    "title": "Title",
    "guidance": "Our guidance",
    "applicable": "Applicable",
    "inclusion_reasons": "Reasons for inclusion",
    "justification": "Justification",
    "exclusion_reason": "Reason for exclusion",
    "status": "Implementation status",
    "owner": "Owner",
    "evidence": "Evidence",
    "risks": "Risks",
    "risk_references": "Risk references",
    "last_reviewed": "Last reviewed",
    "changed_at": "Last changed (UTC)",
    "changed_by": "Changed by",
    "item_id": "Item",
    "clause": "Clause",
    "clause_title": "Clause title",
    "maturity": "Maturity (0-5)",
    "note": "Note",
    "key_for_stage1": "Key for stage 1",
    "items": "Items",
    "rated": "Rated",
    "mean_maturity": "Mean maturity",
    "readiness_percent": "Readiness (%)",
    "section": "Section",
    "subject": "Subject",
    "what_is_missing": "What is missing",
}
_YES_NO = {"yes": "Yes", "no": "No", True: "Yes", False: "No"}


def _cell(value: Any) -> Any:
    """A frame value as something xlsxwriter writes natively (None for an empty cell)."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if isinstance(value, bool):
        return _YES_NO[value]
    if hasattr(value, "item") and not isinstance(value, str):
        return value.item()
    return value


class _Book:
    """One in-memory workbook with the shared formats."""

    def __init__(self, title: str) -> None:
        import xlsxwriter

        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, WORKBOOK_OPTIONS)
        self.workbook.set_properties({"title": title})
        add = self.workbook.add_format
        self.header = add(
            {"bold": True, "bg_color": "#DCE8E6", "border": 1, "text_wrap": True, "valign": "top"}
        )
        self.title = add({"bold": True, "font_size": 14})
        self.bold = add({"bold": True})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self._fills: dict[tuple[str, bool, str], Any] = {}

    def cell_format(self, fill: str, wrapped: bool, kind: str = "") -> Any:
        """A format with a fill colour, wrapping and a number format for dates."""
        key = (fill, wrapped, kind)
        if key not in self._fills:
            spec: dict[str, Any] = {"valign": "top", "border": 1, "border_color": "#BFBFBF"}
            if fill and fill != "#FFFFFF":
                spec["bg_color"] = fill
            if wrapped:
                spec["text_wrap"] = True
            if kind == "date":
                spec["num_format"] = "yyyy-mm-dd"
                spec["align"] = "left"
            elif kind == "datetime":
                spec["num_format"] = "yyyy-mm-dd hh:mm"
                spec["align"] = "left"
            self._fills[key] = self.workbook.add_format(spec)
        return self._fills[key]

    def table_sheet(
        self,
        name: str,
        frame: pd.DataFrame,
        fills: Sequence[str] | None = None,
        freeze_columns: int = 1,
    ) -> None:
        """One table: `frame` keeps the export's column names (for widths and wrapping) and
        holds the values people read; the header row shows HEADERS. `fills`: a fill colour
        per row."""
        sheet = self.workbook.add_worksheet(name[:31])
        columns = list(frame.columns)
        for index, column in enumerate(columns):
            sheet.write(0, index, HEADERS.get(column, column), self.header)
            sheet.set_column(index, index, _WIDTHS.get(column, 16))
        for row_index, row in enumerate(frame.to_dict("records"), start=1):
            fill = fills[row_index - 1] if fills else ""
            for index, column in enumerate(columns):
                value = _cell(row[column])
                kind = (
                    "datetime"
                    if isinstance(value, datetime)
                    else "date"
                    if isinstance(value, date)
                    else ""
                )
                style = self.cell_format(fill, column in _WRAPPED, kind)
                if value is None:
                    sheet.write_blank(row_index, index, None, style)
                elif kind:
                    sheet.write_datetime(row_index, index, value, style)
                else:
                    sheet.write(row_index, index, value, style)
        sheet.freeze_panes(1, freeze_columns)
        sheet.autofilter(0, 0, max(len(frame), 1), max(len(columns) - 1, 0))

    def about_sheet(self, name: str, lines: Sequence[tuple[str, str]], heading: str) -> None:
        sheet = self.workbook.add_worksheet(name[:31])
        sheet.set_column(0, 0, 30)
        sheet.set_column(1, 1, 90)
        sheet.write(0, 0, heading, self.title)
        for row, (label, text) in enumerate(lines, start=2):
            sheet.write(row, 0, label, self.bold)
            sheet.write(row, 1, text, self.wrap)

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


def _stamp(as_of: date | None, generated_at: datetime) -> list[tuple[str, str]]:
    return [
        (
            "State shown",
            f"as it stood at the end of {as_of.isoformat()}" if as_of else "current",
        ),
        ("Generated (UTC)", generated_at.strftime("%Y-%m-%d %H:%M")),
    ]


def soa_xlsx(
    frame: pd.DataFrame,
    summary: SoASummary,
    *,
    as_of: date | None,
    generated_at: datetime,
) -> bytes:
    """The SoA workbook: sheet 'Statement of Applicability' (one row per control) and 'About'."""
    book = _Book("Statement of Applicability (ISO/IEC 42001 Annex A)")
    book.table_sheet(
        "Statement of Applicability",
        statement_for_people(frame),
        fills=[STATUS_FILLS.get(str(status), "") for status in frame["status"]],
        freeze_columns=1,
    )
    statuses = ", ".join(
        [*IMPLEMENTATION_STATUSES.values(), NOT_ASSESSED_LABEL + " (nobody has assessed it yet)"]
    )
    reasons = ", ".join(INCLUSION_REASONS.values())
    lines = [
        *_stamp(as_of, generated_at),
        (
            "Controls",
            f"{summary.total} Annex A controls: {summary.assessed} assessed, "
            f"{summary.applicable} applicable, {summary.excluded} excluded, "
            f"{summary.not_assessed} not assessed",
        ),
        ("Applicable", "Yes, No, or empty when the control has not been assessed"),
        (HEADERS["status"], statuses),
        (HEADERS["inclusion_reasons"], reasons + " (several are separated by ';')"),
        (
            HEADERS["risks"],
            "how many risks have a treatment that uses the control (today's treatments, also"
            " in a dated view)",
        ),
        (
            HEADERS["risk_references"],
            "those risks, as the register names them (R-14), separated by ','",
        ),
        (
            HEADERS["last_reviewed"],
            "the day someone last checked the line against practice; empty when nobody has",
        ),
        (
            f"{HEADERS['changed_at']}, {HEADERS['changed_by']}",
            "when and by whom the line was last changed",
        ),
        (
            "Keys for scripts",
            "The CSV and JSON exports hold the same table with stable keys instead of labels.",
        ),
    ]
    book.about_sheet("About", lines, "Statement of Applicability")
    return book.close()


def readiness_xlsx(
    frame: pd.DataFrame,
    figures: ReadinessFigures,
    stage1: Stage1Summary,
    *,
    as_of: date | None,
    generated_at: datetime,
) -> bytes:
    """The readiness workbook: items, figures per clause, stage 1 gaps and the scale."""
    book = _Book("Readiness for clauses 4 to 10 (ISO/IEC 42001)")
    items = frame.assign(key_for_stage1=frame["key_for_stage1"].map(_YES_NO))
    book.table_sheet("Clause items", items, freeze_columns=1)
    clauses = pd.DataFrame(
        [
            {
                "clause": clause.clause,
                "title": clause.title,
                "items": clause.items,
                "rated": clause.rated,
                "mean_maturity": clause.mean_maturity,
                "readiness_percent": clause.percent,
            }
            for clause in figures.clauses
        ]
        + [
            {
                "clause": "All",
                "title": "Overall",
                "items": figures.items,
                "rated": figures.rated,
                "mean_maturity": figures.mean_maturity,
                "readiness_percent": figures.percent,
            }
        ]
    )
    book.table_sheet("Readiness by clause", clauses)
    gaps = pd.DataFrame(
        [
            {
                "section": STAGE1_SECTIONS[key],
                "subject": gap.subject,
                "what_is_missing": gap.message,
            }
            for key, section in stage1.sections.items()
            for gap in section
        ],
        columns=["section", "subject", "what_is_missing"],
    )
    book.table_sheet("Stage 1 gaps", gaps)
    lines = [
        *_stamp(as_of, generated_at),
        ("Ready for stage 1?", stage1.headline()),
        (
            "Readiness rule",
            "An item not rated counts as maturity 0. A clause's readiness is the mean maturity of"
            " its items divided by 5, as a percentage; the overall figure does the same over all"
            f" items. Stage 1 expects every item at maturity {STAGE1_MATURITY} or more.",
        ),
        *[
            (f"Maturity {level}", text.split(" · ", 1)[1])
            for level, text in MATURITY_LEVELS.items()
        ],
    ]
    book.about_sheet("About", lines, "Readiness for clauses 4 to 10")
    return book.close()


def statement_for_people(frame: pd.DataFrame) -> pd.DataFrame:
    """The statement's values as labels: Yes or No, status and reason labels."""
    return frame.assign(
        applicable=frame["applicable"].map(lambda value: _YES_NO.get(value, "")),
        inclusion_reasons=frame["inclusion_reasons"].map(lambda keys: reason_labels(str(keys))),
        status=frame["status"].map(lambda status: status_label(str(status))),
    )
