"""The impact assessment as a PDF: system, result, radar chart, answers and a sign-off block.

Built with fpdf2 and the bundled DejaVu fonts (any language people type in), and the radar is
drawn with fpdf2's own lines and polygons, so making a report needs no browser.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from assessments.config import data_dir
from assessments.impact import (
    STATUSES,
    ImpactReport,
    describe_answer,
    dimension_shares,
    points,
)
from assessments.inventory import system_fields
from assessments.questionnaire.scoring import AppliedFloor
from assessments.questionnaire.terms import DIMENSIONS
from assessments.questionnaire.visibility import progress, visible_questions

FONT = "DejaVu"
TEAL = (31, 111, 104)
GREY = (110, 110, 110)
LIGHT = (230, 238, 237)
LEVEL_COLOURS = {1: (46, 125, 50), 2: (240, 180, 0), 3: (230, 110, 20), 4: (190, 30, 45)}


class _Document(FPDF):
    """A4 portrait with the DejaVu fonts, a running title and page numbers."""

    def __init__(self, running_title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        fonts = data_dir() / "fonts"
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.running_title = running_title
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.running_title, align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str) -> None:
    if pdf.get_y() > pdf.h - 45:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(FONT, "B", 12.5)
    pdf.set_text_color(*TEAL)
    pdf.cell(0, 8, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*TEAL)
    pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)


def _paragraph(pdf: FPDF, text: str, size: float = 9.5, style: str = "", gap: float = 1) -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(gap)


def _table(
    pdf: FPDF,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    size: float = 8.5,
) -> None:
    pdf.set_font(FONT, "", size)
    pdf.set_draw_color(200, 200, 200)
    pdf.set_fill_color(255, 255, 255)
    with pdf.table(
        col_widths=tuple(widths),
        cell_fill_color=(246, 249, 249),
        cell_fill_mode="ROWS",
        headings_style=_heading_style(),
        line_height=size * 0.55,
        padding=1.2,
        text_align="LEFT",
        first_row_as_headings=True,
    ) as table:
        heading = table.row()
        for text in header:
            heading.cell(text)
        for values in rows:
            row = table.row()
            for value in values:
                row.cell(value)
    pdf.ln(2)


def _heading_style() -> FontFace:
    return FontFace(family=FONT, emphasis="BOLD", fill_color=LIGHT)


def _label_lines(label: str, limit: int = 18) -> list[str]:
    """A dimension label broken into short lines for the radar."""
    lines: list[str] = []
    current = ""
    for word in label.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) > limit and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    return [*lines, current] if current else lines


def radar_points(
    values: Sequence[float], centre: tuple[float, float], radius: float
) -> list[tuple[float, float]]:
    """Polygon corners for values 0-100, the first axis straight up, then clockwise."""
    cx, cy = centre
    count = len(values)
    points = []
    for index, value in enumerate(values):
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * max(0.0, min(100.0, value)) / 100
        points.append((cx + distance * math.cos(angle), cy + distance * math.sin(angle)))
    return points


def _radar(pdf: FPDF, shares: dict[str, float], previous: dict[str, float] | None) -> None:
    """The radar chart: rings at 25/50/75/100 %, one spoke per dimension, the score polygon."""
    labels = list(shares)
    if len(labels) < 3:
        return
    radius = 34
    height = 2 * radius + 30
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    centre = (pdf.w / 2, pdf.get_y() + radius + 14)
    pdf.set_line_width(0.2)
    pdf.set_draw_color(190, 190, 190)
    for ring in (25, 50, 75, 100):
        pdf.polygon(radar_points([ring] * len(labels), centre, radius), style="D")
    for corner in radar_points([100] * len(labels), centre, radius):
        pdf.line(centre[0], centre[1], corner[0], corner[1])
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*GREY)
    for ring in (50, 100):
        pdf.text(centre[0] + 0.8, centre[1] - radius * ring / 100 + 2.6, f"{ring}%")
    if previous:
        pdf.set_draw_color(*GREY)
        pdf.set_dash_pattern(dash=1.2, gap=1)
        pdf.polygon(
            radar_points([previous.get(label, 0.0) for label in labels], centre, radius),
            style="D",
        )
        pdf.set_dash_pattern()
    pdf.set_draw_color(*TEAL)
    pdf.set_fill_color(*TEAL)
    pdf.set_line_width(0.6)
    points = radar_points([shares[label] for label in labels], centre, radius)
    with pdf.local_context(fill_opacity=0.25):
        pdf.polygon(points, style="F")
    pdf.polygon(points, style="D")
    pdf.set_line_width(0.2)
    pdf.set_font(FONT, "", 7.5)
    pdf.set_text_color(0, 0, 0)
    for label, (x, y) in zip(
        labels, radar_points([100] * len(labels), centre, radius + 4), strict=True
    ):
        lines = _label_lines(f"{label} ({shares[label]:.0f}%)")
        dx = x - centre[0]
        top = y - (len(lines) * 3.2) / 2 + 2.4
        if y < centre[1] - radius * 0.8:
            top = y - len(lines) * 3.2 + 1.6
        elif y > centre[1] + radius * 0.8:
            top = y + 2.8
        for number, line in enumerate(lines):
            width = pdf.get_string_width(line)
            if abs(dx) < 2:
                left = x - width / 2
            elif dx < 0:
                left = x - width
            else:
                left = x
            pdf.text(left, top + number * 3.2, line)
    pdf.set_y(centre[1] + radius + 14)


def _floors(pdf: FPDF, report: ImpactReport, floors: list[AppliedFloor]) -> None:
    """The minimum levels that hold, each with its reason and the answers behind it."""
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 6, "Minimum levels that apply (floors)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if report.level_explanation:
        _paragraph(pdf, report.level_explanation, size=9)
    for floor in floors:
        if floor.stop:
            pdf.set_text_color(170, 30, 30)
        _paragraph(pdf, floor.heading, size=9, style="B", gap=0.3)
        pdf.set_text_color(0, 0, 0)
        _paragraph(pdf, floor.rationale or floor.reason, size=8.5, gap=0.3)
        for line in floor.because:
            pdf.set_x(pdf.l_margin + 2)
            _paragraph(pdf, f"•  Answer: {line}", size=8, gap=0.2)
        pdf.ln(0.8)


def _benefits_and_harms(pdf: FPDF, report: ImpactReport) -> None:
    benefits, harms = report.benefits, report.harms
    if not benefits and not harms:
        return
    _heading(pdf, "Benefits and harms")
    if benefits:
        _paragraph(
            pdf,
            "Who gains from the system, beside the worst harm rated for them. Benefits are for "
            "the approver to weigh; they never lower the impact score or the level.",
            size=8.5,
        )
        _table(
            pdf,
            ("Who", "What they gain", "Worst harm rated"),
            [(line.who, line.benefit, line.worst_harm) for line in benefits],
            (50, 34, 90),
        )
    if harms:
        _paragraph(
            pdf,
            "Each kind of harm rated above none, with how likely it is (already happening is an "
            "actual impact; the others are foreseeable).",
            size=8.5,
        )
        _table(
            pdf,
            ("Kind of harm", "Worst rating", "For whom", "How likely"),
            [(line.kind, line.worst, line.who, line.likelihood) for line in harms],
            (52, 22, 56, 44),
        )


def _level_box(pdf: FPDF, report: ImpactReport) -> None:
    level = report.level
    colour = LEVEL_COLOURS.get(level.rank, TEAL)
    pdf.set_fill_color(*colour)
    # Dark text on the yellow of level II, white on the others (contrast).
    pdf.set_text_color(*((0, 0, 0) if level.rank == 2 else (255, 255, 255)))
    pdf.set_font(FONT, "B", 14)
    pdf.cell(
        0,
        11,
        f"  Impact level {level.id}: {level.title}",
        fill=True,
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_text_color(0, 0, 0)
    pdf.ln(2)
    _paragraph(pdf, level.summary)
    result = report.result
    mitigation = f"{points(result.mitigation_score)} of {points(result.mitigation_max)}"
    credit = (
        f"Mitigation credit applied: the measures reach {mitigation}, so the impact score is "
        f"reduced from {points(result.impact_raw)}."
        if result.credit_applied
        else f"Measures score {mitigation} (below the threshold for a mitigation credit)."
    )
    _paragraph(
        pdf,
        f"Impact score {points(result.impact_score)} of {points(result.impact_max)} "
        f"({100 * result.share:.0f}% of the maximum). {credit}",
        size=9,
    )
    if report.floors:
        _floors(pdf, report, report.floors)


def _system_table(pdf: FPDF, report: ImpactReport) -> None:
    """The system as its page shows it: every detail field of the model, with its label."""
    system = report.system
    rows = [
        (spec.label, spec.text(getattr(system, spec.name)) or "—")
        for spec in system_fields()
        if spec.detail and spec.name != "name"
    ]
    _table(pdf, ("Field", "Value"), rows, (45, 129))


def _answers(pdf: FPDF, report: ImpactReport) -> None:
    questionnaire = report.questionnaire
    shown = {question.id for question in visible_questions(questionnaire, report.answers)}
    for section in questionnaire.sections:
        questions = [question for question in section.questions if question.id in shown]
        if not questions:
            continue
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.set_font(FONT, "B", 10.5)
        pdf.set_text_color(*TEAL)
        pdf.multi_cell(0, 6, section.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        for question in questions:
            if pdf.get_y() > pdf.h - 30:
                pdf.add_page()
            mark = " *" if question.required else ""
            _paragraph(pdf, f"{question.text}{mark}", size=8.5, style="B", gap=0.3)
            value = report.answers.get(question.id)
            text = describe_answer(question, value) if value is not None else "Not answered"
            pdf.set_x(pdf.l_margin + 4)
            pdf.set_font(FONT, "", 8.5)
            pdf.multi_cell(0, 4.3, text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            pdf.ln(1.2)
        pdf.ln(1)


def _sign_off(pdf: FPDF, report: ImpactReport) -> None:
    response = report.response

    def when(value) -> str:
        return f"{value:%Y-%m-%d %H:%M} UTC" if value else "—"

    if pdf.get_y() > pdf.h - 95:
        pdf.add_page()
    _heading(pdf, "Sign-off")
    rows = [
        ("Prepared and submitted by", response.submitted_by or "—", when(response.submitted_at)),
        ("Approved by", response.approved_by or "—", when(response.approved_at)),
    ]
    if response.returned_by:
        rows.append(("Last returned by", response.returned_by, when(response.returned_at)))
    _table(pdf, ("Step", "Name", "Date"), rows, (52, 72, 50))
    if response.review_comment:
        _paragraph(pdf, f"Reviewer's comment: {response.review_comment}", size=9)
    pdf.ln(6)
    pdf.set_font(FONT, "", 9)
    width = (pdf.w - pdf.l_margin - pdf.r_margin - 12) / 2
    top = pdf.get_y() + 12
    for column, role in enumerate(("Assessment owner", "Approver")):
        left = pdf.l_margin + column * (width + 12)
        pdf.line(left, top, left + width, top)
        pdf.text(left, top + 4.5, f"{role}: signature")
        pdf.line(left, top + 16, left + width * 0.55, top + 16)
        pdf.text(left, top + 20.5, "Date")
    pdf.set_y(top + 26)


def build_impact_pdf(report: ImpactReport) -> bytes:
    """The whole report as PDF bytes."""
    response, system = report.response, report.system
    title = f"Impact assessment of {system.name}"
    pdf = _Document(f"{title} · #{response.id} version {response.version_no}")
    pdf.set_title(title)
    pdf.set_author(response.submitted_by or response.created_by)
    pdf.set_creator("AI risk & impact workbench")
    pdf.add_page()

    pdf.set_font(FONT, "", 9)
    pdf.set_text_color(*GREY)
    pdf.cell(0, 5, report.questionnaire.title.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_text_color(0, 0, 0)
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 9, system.name, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    answered, shown = progress(report.questionnaire, report.answers)
    _paragraph(
        pdf,
        f"Assessment #{response.id}, version {response.version_no} · questionnaire "
        f"{report.questionnaire.id} version {response.questionnaire_version} · status: "
        f"{STATUSES.get(response.status, response.status)} · {answered} of {shown} questions "
        f"answered · report made {report.generated_at:%Y-%m-%d %H:%M} UTC",
        size=8.5,
    )
    if response.status != "approved":
        _paragraph(
            pdf,
            "Not signed off: this assessment has not been approved; the result may still change.",
            size=9,
            style="B",
        )
    if report.version_note:
        _paragraph(pdf, report.version_note, size=8.5)
    if report.stale_reasons:
        pdf.set_text_color(170, 30, 30)
        _paragraph(
            pdf,
            "Out of date: " + "; ".join(report.stale_reasons) + ". Start a re-assessment.",
            size=9,
            style="B",
        )
        pdf.set_text_color(0, 0, 0)

    _heading(pdf, "Result")
    _level_box(pdf, report)
    pdf.set_font(FONT, "B", 9.5)
    pdf.cell(0, 6, "What this level requires", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 9)
    for requirement in report.level.requires:
        pdf.set_x(pdf.l_margin + 2)
        pdf.multi_cell(0, 4.6, f"•  {requirement}", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(0.6)

    _benefits_and_harms(pdf, report)

    _heading(pdf, "Impact by dimension")
    shares = dimension_shares(report.result)
    previous = dimension_shares(report.previous.dimension_scores) if report.previous else None
    _radar(pdf, shares, previous)
    if previous:
        _paragraph(
            pdf,
            f"Dashed outline: version {report.previous.version_no} "
            f"(level {report.previous.level}).",
            size=8,
        )
    _table(
        pdf,
        ("Dimension", "Score", "Maximum", "Share"),
        [
            (label, f"{points(part['score'])}", f"{points(part['max'])}", f"{shares[label]:.0f}%")
            for label, part in _dimension_rows(report)
        ],
        (90, 28, 28, 28),
    )

    _heading(pdf, "Score per section")
    _table(
        pdf,
        ("Section", "Impact questions", "Score", "Maximum", "Measures"),
        [
            (
                row["title"],
                str(row["questions"]),
                f"{points(row['score'])}",
                f"{points(row['max'])}",
                f"{points(row['mitigation_score'])} of {points(row['mitigation_max'])}"
                if row["mitigation_max"]
                else "—",
            )
            for row in report.result.section_scores
        ],
        (70, 26, 22, 24, 32),
    )

    _heading(pdf, "The AI system")
    _system_table(pdf, report)
    if report.inventory_conflicts:
        pdf.set_text_color(170, 90, 0)
        _paragraph(
            pdf,
            "Answers that differ from the inventory record above (one of the two is wrong):",
            size=9,
            style="B",
        )
        pdf.set_text_color(0, 0, 0)
        for conflict in report.inventory_conflicts:
            if pdf.get_y() > pdf.h - 32:  # keep each item on one page
                pdf.add_page()
            pdf.set_x(pdf.l_margin + 2)
            _paragraph(pdf, f"•  {conflict.message}", size=8.5, gap=0.6)

    if report.result.triggered_risks:
        _heading(pdf, "Risks suggested by the answers")
        _table(
            pdf,
            ("Risk", "Raised by", "Suggested starting rating (L x S)"),
            [
                (
                    f"{risk.title}: {risk.description}",
                    report.questionnaire.question(risk.question_id).text,
                    f"{risk.likelihood} x {risk.severity}",
                )
                for risk in report.result.triggered_risks
            ],
            (92, 56, 26),
            size=8,
        )

    _heading(pdf, "Answers")
    _answers(pdf, report)
    _sign_off(pdf, report)
    return bytes(pdf.output())


def _dimension_rows(report: ImpactReport) -> list[tuple[str, dict[str, float]]]:
    return [
        (label, report.result.dimension_scores[key])
        for key, label in DIMENSIONS.items()
        if report.result.dimension_scores.get(key, {}).get("max")
    ]
