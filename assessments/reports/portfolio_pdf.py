"""The portfolio as a PDF to take away from a management review (ISO/IEC 42001 9.3).

It says what the Portfolio page says, on paper: the scope and day, the headline figures with
their change since the end of the quarter before, the inherent and residual heatmaps, the
highest risks above the appetite, what moved, and the criteria everything was judged by.
Every figure comes from the store's leadership queries (assessments/store/heatmaps.py,
attention.py, trends.py), so the PDF and the page never disagree; nothing is counted or scored here.

Text is set in the bundled DejaVu fonts (fpdf2's core fonts are Latin-1 only), and people's
text (titles, system names, owners) is written as literal text: fpdf2 interprets no markup.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from fpdf.fonts import FontFace

from assessments import catalog, regulatory, vocab
from assessments.analytics import (
    SYSTEMS_UNRATED_LABEL,
    TOP_RISKS,
    PortfolioFilter,
    acceptance_text,
    plural,
    previous_quarter_end,
    shown_attention_labels,
)
from assessments.criteria import RiskCriteria
from assessments.references import risk_reference
from assessments.reports.pdf_base import FONT, MUTED, ReportPDF
from assessments.store import analytics_common
from assessments.store import attention as attention_store
from assessments.store import criteria as criteria_store
from assessments.store import heatmaps as heatmaps_store
from assessments.store import trends as trends_store
from assessments.store.db import Database

TITLE = "AI risk portfolio: management review summary"
HEADING_FILL = (220, 232, 230)
# How many of the risks that moved are named (the counts cover them all).
MOVED_LISTED = 10
# How many of the highest risks are read to find those above the appetite (the list shows at
# most TOP_RISKS of them; the figures above it count them all).
TOP_SEARCH = 500
HEATMAP_TIERS = {"inherent": "Inherent", "residual": "Residual"}


class _PortfolioPDF(ReportPDF):
    def __init__(self, subtitle: str) -> None:
        super().__init__(TITLE, subtitle, footer_title=TITLE, paragraph_gap=0.8, section_room=30)


def _rgb(colour: str) -> tuple[int, int, int]:
    """'#E0894F' as (224, 137, 79)."""
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


def _day(value: Any) -> date | None:
    if value is None or value is pd.NaT or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _signed(change: int) -> str:
    return f"+{change:,}" if change > 0 else f"{change:,}" if change < 0 else "no change"


def filter_words(filters: PortfolioFilter, system_names: Mapping[int, str]) -> str:
    """The filters as one sentence people read: 'Business unit: Lending; Harm category:
    Fairness. Closed risks and the risks of retired AI systems are left out.'"""
    harms = catalog.taxonomy().harm_categories
    classes = regulatory.class_filter_options()
    parts: list[str] = []
    for label, values, names in (
        ("Business unit", filters.business_units, {}),
        (
            "AI system",
            filters.system_ids,
            {key: system_names.get(key, f"AI system {key}") for key in filters.system_ids},
        ),
        ("EU AI Act class", filters.eu_ai_act_classes, classes),
        ("Lifecycle stage", filters.lifecycle_stages, vocab.LIFECYCLE_STAGES),
        ("Harm category", filters.harm_categories, harms),
        ("Risk owner", filters.owners, {}),
    ):
        if values:
            shown = [str(names.get(value, value)) for value in values]
            parts.append(f"{label}: {', '.join(shown)}")
    scope = "; ".join(parts) + "." if parts else "The whole portfolio (no filter)."
    closed = (
        " Closed risks and the risks of retired AI systems are included."
        if filters.include_closed
        else " Closed risks and the risks of retired AI systems are left out."
    )
    return scope + closed


def _subtitle(as_of: date | None, generated_at: datetime) -> str:
    state = f"As it stood at the end of {as_of:%d %B %Y}" if as_of else "As it stands today"
    return f"{state} · generated {generated_at:%Y-%m-%d %H:%M} UTC · ISO/IEC 42001 9.3"


def portfolio_pdf(
    database: Database, filters: PortfolioFilter | None = None, as_of: date | None = None
) -> bytes:
    """The management-review summary of the AI portfolio, today or as it stood at the end of
    `as_of` (a day from today on means today, as on the Portfolio page), for the risks the
    `filters` leave in scope."""
    filters = filters or PortfolioFilter()
    generated_at = datetime.now(UTC)
    today = date.today()
    as_of = as_of if as_of is not None and as_of < today else None
    day = as_of or today
    quarter_end = previous_quarter_end(day)
    criteria = criteria_store.current_criteria(database)
    options = analytics_common.filter_options(database)
    system_names = {**options["retired_systems"], **options["systems"]}

    pdf = _PortfolioPDF(_subtitle(as_of, generated_at))
    pdf.paragraph(f"Scope: {filter_words(filters, system_names)}", size=8.5)

    counts = attention_store.attention_counts(database, filters, as_of)
    if counts["risks"] == 0:
        pdf.section("No risks to show")
        pdf.paragraph(_empty_message(filters, as_of, bool(system_names)))
        _criteria_section(pdf, criteria)
        return pdf.output_bytes()

    before = attention_store.attention_counts(database, filters, quarter_end)
    _headline(pdf, counts, before, as_of, quarter_end)
    _heatmaps(pdf, criteria, heatmaps_store.heatmap_counts(database, filters, as_of), as_of)
    top = heatmaps_store.top_risks(database, filters, as_of, limit=TOP_SEARCH)
    _top_above(pdf, criteria, top, counts["above_appetite"])
    moved, change_counts = trends_store.level_changes(
        database, quarter_end, filters, limit=MOVED_LISTED, until=as_of
    )
    _movement(pdf, moved, change_counts, quarter_end, as_of)
    _criteria_section(pdf, criteria)
    return pdf.output_bytes()


def _empty_message(filters: PortfolioFilter, as_of: date | None, any_risks: bool) -> str:
    if not any_risks:
        return (
            "There are no risks yet: the portfolio shows the risks identified for the AI "
            "systems. Identify the risks of a system first, or load the demo portfolio."
        )
    if as_of is not None:
        return (
            f"No risk in this scope was known by {as_of:%d %B %Y}: nothing had been identified "
            "or rated by then."
        )
    if not filters.is_empty():
        return "No risk matches these filters."
    return "No risk is in scope: every risk is closed or belongs to a retired AI system."


def _headline(
    pdf: _PortfolioPDF,
    counts: Mapping[str, int],
    before: Mapping[str, int],
    as_of: date | None,
    quarter_end: date,
) -> None:
    pdf.section("Headline figures" + (f" on {as_of:%d %b %Y}" if as_of else " today"))
    rows: list[tuple[str, str]] = [("risks", "Risks in scope")]
    rows += shown_attention_labels(counts, before).items()
    rows.append(("systems_without_rated_risk", SYSTEMS_UNRATED_LABEL))
    pdf.set_font(FONT, "", 8.5)
    with pdf.table(
        col_widths=(96, 26, 34, 30),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=4.4,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT"),
        padding=1,
    ) as table:
        table.row(
            (
                "Figure",
                "On that day" if as_of else "Now",
                f"On {quarter_end:%d %b %Y}",
                "Change",
            )
        )
        for key, label in rows:
            table.row(
                (label, f"{counts[key]:,}", f"{before[key]:,}", _signed(counts[key] - before[key]))
            )
    pdf.ln(1.5)
    above, accepted = counts["above_appetite"], counts["accepted"]
    pdf.paragraph(
        f"Rated: {counts['rated']:,} of {counts['risks']:,}. Above the appetite (where each risk "
        f"stands: residual, else inherent): {plural(above, 'risk')} ="
        f" {counts['above_appetite_no_acceptance']:,} not accepted + {accepted:,} covered by an"
        f" acceptance in force. Overdue treatment actions:"
        f" {counts['overdue_actions']:,}. Each change is against the end of the quarter before"
        f" ({quarter_end:%d %b %Y}), counting only what existed then.",
        size=8,
        muted=True,
    )


def _heatmaps(
    pdf: _PortfolioPDF, criteria: RiskCriteria, cells: pd.DataFrame, as_of: date | None
) -> None:
    """The inherent and residual heatmaps side by side, on the current criteria's grid."""
    height = 12 + len(criteria.likelihood) * _cell_height(criteria) + 14
    pdf.section("Heatmaps" + (f" on {as_of:%d %b %Y}" if as_of else ""), room=height + 20)
    pdf.paragraph(
        "How many risks sit in each cell of the current matrix, by their inherent and their "
        "residual rating; a cell has the colour of its level.",
        size=8,
        muted=True,
    )
    found: dict[tuple[str, int, int], int] = {}
    mapped = 0
    for row in cells.itertuples(index=False):
        found[(str(row.tier), int(row.likelihood), int(row.severity))] = int(row.count)
        if str(row.tier) in HEATMAP_TIERS:
            mapped += int(row.mapped_count)
    top = pdf.get_y()
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    width = (usable - 6) / 2
    for index, (tier, title) in enumerate(HEATMAP_TIERS.items()):
        left = pdf.l_margin + index * (width + 6)
        total = sum(count for (t, _, _), count in found.items() if t == tier)
        _heatmap(pdf, criteria, found, tier, f"{title} ({plural(total, 'risk')} rated)", left, top)
    pdf.set_xy(pdf.l_margin, top + height)
    _legend(pdf, criteria)
    if mapped:
        pdf.paragraph(
            f"{plural(mapped, 'rating')} in these grids were made under older criteria and are "
            "placed on the current matrix (never rescaled).",
            size=8,
            muted=True,
        )


def _cell_height(criteria: RiskCriteria) -> float:
    """Lower cells for a scale of more than five likelihood steps, so both grids fit."""
    return 9.0 if len(criteria.likelihood) <= 5 else 7.0


def _heatmap(
    pdf: _PortfolioPDF,
    criteria: RiskCriteria,
    found: Mapping[tuple[str, int, int], int],
    tier: str,
    title: str,
    left: float,
    top: float,
) -> None:
    """One grid: likelihood rising upwards, severity rising to the right, each cell with the
    colour of its level and the number of risks in it."""
    usable = pdf.w - pdf.l_margin - pdf.r_margin
    width = (usable - 6) / 2
    label_w = 24.0
    steps_l, steps_s = len(criteria.likelihood), len(criteria.severity)
    cell_w = (width - label_w) / steps_s
    cell_h = _cell_height(criteria)
    pdf.set_xy(left, top)
    pdf.set_font(FONT, "B", 9)
    pdf.cell(width, 5, title)
    pdf.set_xy(left, top + 5)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(label_w, 5, "Likelihood ↑")
    pdf.set_text_color(0, 0, 0)
    grid_top = top + 11
    levels = {level.name: level for level in criteria.levels}
    for row_index in range(steps_l):
        likelihood = steps_l - row_index  # the most likely at the top
        y = grid_top + row_index * cell_h
        step = criteria.likelihood[likelihood - 1]
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(FONT, "", 6.5)
        pdf.set_xy(left, y)
        pdf.multi_cell(label_w - 1, 3, f"{step.value} {step.label}", align="R", max_line_height=3)
        for severity in range(1, steps_s + 1):
            level = levels[criteria.grid[likelihood - 1][severity - 1]]
            x = left + label_w + (severity - 1) * cell_w
            pdf.set_fill_color(*_rgb(level.colour))
            pdf.set_draw_color(255, 255, 255)
            pdf.rect(x, y, cell_w, cell_h, style="DF")
            count = found.get((tier, likelihood, severity), 0)
            pdf.set_text_color(*_rgb(level.text_colour()))
            pdf.set_font(FONT, "B" if count else "", 9 if count else 7)
            pdf.set_xy(x, y)
            pdf.cell(cell_w, cell_h, f"{count:,}" if count else "·", align="C")
    pdf.set_text_color(0, 0, 0)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_fill_color(255, 255, 255)
    labels_top = grid_top + steps_l * cell_h + 0.5
    pdf.set_font(FONT, "", 6)
    for severity in range(1, steps_s + 1):
        step = criteria.severity[severity - 1]
        pdf.set_xy(left + label_w + (severity - 1) * cell_w, labels_top)
        pdf.multi_cell(cell_w, 2.6, f"{step.value} {step.label}", align="C")
    pdf.set_xy(left + label_w, labels_top + 8)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_text_color(*MUTED)
    pdf.cell(width - label_w, 4, "Severity →", align="C")
    pdf.set_text_color(0, 0, 0)


def _legend(pdf: _PortfolioPDF, criteria: RiskCriteria) -> None:
    """The levels, lowest first, each as a swatch of its colour with its name."""
    pdf.set_font(FONT, "", 7.5)
    x, y = pdf.l_margin, pdf.get_y()
    for level in criteria.levels:
        pdf.set_fill_color(*_rgb(level.colour))
        pdf.rect(x, y + 0.8, 3.5, 3.5, style="F")
        label = level.name + (" (appetite)" if level.name == criteria.appetite else "")
        pdf.set_xy(x + 4.5, y)
        pdf.cell(pdf.get_string_width(label) + 2, 5, label)
        x += 4.5 + pdf.get_string_width(label) + 6
        if x > pdf.w - pdf.r_margin - 30:
            x, y = pdf.l_margin, y + 5
    pdf.set_fill_color(255, 255, 255)
    pdf.set_xy(pdf.l_margin, y + 6)


def _acceptance(accepted_until: Any, expired_on: Any) -> str:
    until, expired = _day(accepted_until), _day(expired_on)
    if until is not None:
        return acceptance_text("in_force", until)
    if expired is not None:
        return acceptance_text("expired", expired)
    return acceptance_text(None, None)


def _level_style(criteria: RiskCriteria, name: str) -> FontFace | None:
    """A table cell in the level's colour, its text black or white, whichever reads better."""
    if name not in criteria.level_names():
        return None
    level = criteria.level_by_name(name)
    return FontFace(color=_rgb(level.text_colour()), fill_color=_rgb(level.colour))


def _top_above(pdf: _PortfolioPDF, criteria: RiskCriteria, top: pd.DataFrame, above: int) -> None:
    pdf.section(f"Top risks above the appetite (at most {TOP_RISKS})")
    rows = top[top["above_appetite"].fillna(False).astype(bool)].head(TOP_RISKS)
    if rows.empty:
        pdf.paragraph("No risk in scope is above the appetite.")
        return
    shown = len(rows)
    pdf.paragraph(
        f"The {plural(shown, 'highest risk')} of the {above:,} above the appetite or the "
        "tolerance of its harm category, where each stands (residual, else inherent), highest "
        "first; the register lists them all."
        if shown < above
        else f"All {plural(above, 'risk')} above the appetite or the tolerance of its harm "
        "category, where each stands (residual, else inherent), highest first.",
        size=8,
        muted=True,
    )
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        col_widths=(13, 70, 40, 20, 43),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=3.8,
        text_align="LEFT",
        v_align="TOP",
        padding=1,
    ) as table:
        table.row(("Risk", "Title", "AI system", "Level", "Acceptance"))
        for row in rows.to_dict("records"):
            cells = table.row()
            cells.cell(risk_reference(int(row["risk_id"])))
            cells.cell(str(row["title"]))
            cells.cell(str(row["system_name"]))
            cells.cell(str(row["level"]), style=_level_style(criteria, str(row["level"])))
            cells.cell(_acceptance(row["accepted_until"], row["expired_on"]))


def _movement(
    pdf: _PortfolioPDF,
    moved: pd.DataFrame,
    change_counts: Mapping[str, int],
    quarter_end: date,
    as_of: date | None,
) -> None:
    until = f"{as_of:%d %b %Y}" if as_of else "today"
    pdf.section(f"What moved from {quarter_end:%d %b %Y} to {until}")
    pdf.paragraph(
        f"Risen a level or more: {change_counts['up']:,} · fallen a level or more:"
        f" {change_counts['down']:,} · rated for the first time: {change_counts['new']:,} ·"
        f" unchanged: {change_counts['same']:,}.",
        bold=True,
    )
    pdf.paragraph(
        "Where each risk stands (residual, else inherent) at the end of the quarter before, "
        "against " + (f"the end of {until}" if as_of else "today") + ". Risks identified since "
        "then count as rated for the first time."
        + (f" The {MOVED_LISTED} largest moves:" if len(moved) >= MOVED_LISTED else ""),
        size=8,
        muted=True,
    )
    if moved.empty:
        return
    words = {"up": "Risen", "down": "Fallen", "new": "New"}
    pdf.set_font(FONT, "", 7.5)
    with pdf.table(
        col_widths=(13, 70, 40, 22, 22, 19),
        headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL),
        line_height=3.8,
        text_align="LEFT",
        v_align="TOP",
        padding=1,
    ) as table:
        table.row(("Risk", "Title", "AI system", "Then", "Now", "Change"))
        for row in moved.to_dict("records"):
            then = row["level_then"]
            table.row(
                (
                    risk_reference(int(row["risk_id"])),
                    str(row["title"]),
                    str(row["system_name"]),
                    str(then) if isinstance(then, str) else "not rated",
                    str(row["level_now"]),
                    words.get(str(row["change"]), str(row["change"])),
                )
            )


def _criteria_section(pdf: _PortfolioPDF, criteria: RiskCriteria) -> None:
    pdf.section("Risk criteria", room=25)
    harms = catalog.taxonomy().harm_categories
    pdf.paragraph(f"{criteria.name} (version {criteria.version}).")
    tolerances = "; ".join(
        f"{harms.get(category, category)}: {level}"
        for category, level in sorted(criteria.tolerances.items())
    )
    pdf.paragraph(
        f"Appetite: {criteria.appetite} (the highest level the organisation accepts; a risk"
        " above it needs further treatment or an acceptance)."
        + (f" Tolerances by harm category: {tolerances}." if tolerances else "")
        + f" Levels, lowest first: {', '.join(criteria.level_names())}."
        f" Ratings are due for review after {criteria.review_interval_months} months.",
        size=8.5,
    )
