"""PDF reports of the Statement of Applicability and of clause readiness (fpdf2).

Text is set in the bundled DejaVu fonts: fpdf2's core fonts are Latin-1 only, and user text
(owners' names, evidence) can hold any character.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

import pandas as pd
from fpdf.fonts import FontFace

from assessments.reports.pdf_base import FONT, ReportPDF
from assessments.soa import (
    MATURITY_MAX,
    STAGE1_MATURITY,
    STAGE1_SECTIONS,
    ReadinessFigures,
    SoASummary,
    Stage1Summary,
    reason_labels,
    status_label,
)

HEADING_FILL = (220, 232, 230)
GROUP_FILL = (240, 244, 243)
STATUS_COLOURS: dict[str, tuple[int, int, int]] = {
    "implemented": (216, 239, 228),
    "partial": (252, 235, 200),
    "planned": (220, 232, 247),
    "not_started": (248, 217, 214),
    "not_applicable": (230, 230, 230),
}
BAR_READY = (46, 125, 107)
BAR_SHORT = (201, 128, 43)
BAR_OVERALL = (55, 71, 79)


def _subtitle(as_of: date | None, generated_at: datetime) -> str:
    state = f"As it stood at the end of {as_of.isoformat()}" if as_of else "Current state"
    return f"{state} · generated {generated_at:%Y-%m-%d %H:%M} UTC · ISO/IEC 42001"


def _text(value: object) -> str:
    if value is None or value is pd.NaT or value is pd.NA:
        return ""
    if isinstance(value, float) and value != value:
        return ""
    if isinstance(value, datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def soa_pdf(
    frame: pd.DataFrame,
    summary: SoASummary,
    *,
    as_of: date | None,
    generated_at: datetime,
) -> bytes:
    """The SoA on landscape A4: a summary line, then one table per Annex A group."""
    pdf = ReportPDF(
        "Statement of Applicability (ISO/IEC 42001 Annex A)",
        _subtitle(as_of, generated_at),
        orientation="landscape",
    )
    implemented = summary.by_status.get("implemented", 0)
    pdf.paragraph(
        f"{summary.total} controls: {summary.assessed} assessed, {summary.applicable} applicable,"
        f" {summary.excluded} excluded, {summary.not_assessed} not assessed;"
        f" {implemented} implemented."
    )
    widths = (46, 15, 60, 24, 26, 48, 12, 22, 20)  # 273 mm: landscape A4 inside the margins
    headings = (
        "Control",
        "Applies",
        "Justification or reason for exclusion",
        "Status",
        "Owner",
        "Evidence",
        "Risks",
        "Risk references",
        "Reviewed",
    )
    for group, rows in frame.groupby("group", sort=False):
        first = rows.iloc[0]
        pdf.section(f"{group} {first['group_title']}")
        pdf.set_font(FONT, "", 7.5)
        with pdf.table(
            col_widths=widths,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
            line_height=3.6,
            text_align="LEFT",
            v_align="TOP",
            padding=1,
        ) as table:
            table.row(headings)
            for row in rows.to_dict("records"):
                applicable = {"yes": "Yes", "no": "No"}.get(str(row["applicable"]), "—")
                if row["applicable"] == "no":
                    reasons = f"Excluded: {_text(row['exclusion_reason'])}"
                else:
                    labels = reason_labels(str(row["inclusion_reasons"]))
                    reasons = "\n".join(
                        part for part in (labels, _text(row["justification"])) if part
                    )
                status = str(row["status"])
                fill = STATUS_COLOURS.get(status)
                cells = table.row()
                cells.cell(f"{row['control_id']} {row['title']}")
                cells.cell(applicable)
                cells.cell(reasons)
                cells.cell(status_label(status), style=FontFace(fill_color=fill) if fill else None)
                cells.cell(_text(row["owner"]))
                cells.cell(_text(row["evidence"]))
                cells.cell(str(row["risks"]))
                cells.cell(_text(row["risk_references"]))
                cells.cell(_text(row["last_reviewed"]))
    return pdf.output_bytes()


def _bar(pdf: ReportPDF, label: str, percent: float, detail: str, colour: tuple[int, ...]) -> None:
    """One horizontal bar with its label and value, drawn with rectangles."""
    label_width, bar_width, height = 70, 90, 5.5
    x, y = pdf.l_margin, pdf.get_y()
    pdf.set_font(FONT, "", 8.5)
    pdf.set_xy(x, y)
    pdf.cell(label_width, height, label)
    pdf.set_fill_color(235, 235, 235)
    pdf.rect(x + label_width, y + 0.8, bar_width, height - 1.6, style="F")
    pdf.set_fill_color(*colour)
    pdf.rect(x + label_width, y + 0.8, bar_width * percent / 100, height - 1.6, style="F")
    threshold = x + label_width + bar_width * STAGE1_MATURITY / MATURITY_MAX
    pdf.set_draw_color(80, 80, 80)
    pdf.line(threshold, y, threshold, y + height)
    pdf.set_xy(x + label_width + bar_width + 2, y)
    pdf.cell(0, height, f"{percent:.0f}%  ({detail})")
    pdf.set_fill_color(255, 255, 255)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_xy(x, y + height + 0.6)


def readiness_pdf(
    frame: pd.DataFrame,
    figures: ReadinessFigures,
    stage1: Stage1Summary,
    *,
    as_of: date | None,
    generated_at: datetime,
) -> bytes:
    """Readiness on portrait A4: figures per clause as bars, the stage 1 summary, the items."""
    pdf = ReportPDF(
        "Readiness for ISO/IEC 42001 clauses 4 to 10",
        _subtitle(as_of, generated_at),
        orientation="portrait",
    )
    pdf.paragraph(
        f"Overall readiness {figures.percent:.0f}% (mean maturity {figures.mean_maturity:.1f}"
        f" of {MATURITY_MAX}); {figures.rated} of {figures.items} items rated.",
        size=10,
        bold=True,
    )
    pdf.paragraph(
        "Readiness is the mean maturity of the items divided by 5; an item not rated counts as"
        f" 0. The line in each bar marks maturity {STAGE1_MATURITY}, what a stage 1 audit expects.",
        size=8,
    )
    pdf.ln(2)
    for clause in figures.clauses:
        threshold = clause.percent >= STAGE1_MATURITY / MATURITY_MAX * 100
        _bar(
            pdf,
            f"{clause.clause} {clause.title}",
            clause.percent,
            f"{clause.rated}/{clause.items} rated",
            BAR_READY if threshold else BAR_SHORT,
        )
    _bar(pdf, "Overall", figures.percent, f"{figures.rated}/{figures.items} rated", BAR_OVERALL)

    pdf.section("Ready for a stage 1 audit?")
    pdf.paragraph(stage1.headline(), size=9, bold=True)
    for key, gaps in stage1.sections.items():
        if not gaps:
            continue
        pdf.ln(1)
        pdf.paragraph(f"{STAGE1_SECTIONS[key]} ({len(gaps)})", size=9, bold=True)
        for gap in gaps:
            pdf.paragraph(f"•  {gap.message}", size=8)

    pdf.section("Clause items")
    _items_table(pdf, frame.to_dict("records"))
    return pdf.output_bytes()


def _items_table(pdf: ReportPDF, rows: Sequence[dict[str, object]]) -> None:
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        col_widths=(12, 62, 16, 58, 38),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=3.6,
        text_align="LEFT",
        v_align="TOP",
        padding=1,
    ) as table:
        table.row(("Item", "Title", "Maturity", "Evidence", "Note"))
        for row in rows:
            maturity = _text(row["maturity"])
            cells = table.row()
            cells.cell(str(row["item_id"]))
            cells.cell(str(row["title"]))
            cells.cell(maturity if maturity else "not rated")
            cells.cell(_text(row["evidence"]))
            cells.cell(_text(row["note"]))
