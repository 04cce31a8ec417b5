"""Minutes of a committee workshop, as Markdown and as PDF, from one `WorkshopRecord`.

Both formats say the same things in the same order: who attended, the agenda, for each item
every revealed round's individual ratings with their spread and discussion note, the consensus
with its rationale and dissent, and the agreed actions. When the facilitator chose anonymised
minutes, votes carry 'Member n' and the attendee list is alphabetical, so the pseudonyms cannot
be matched to names by position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from assessments.config import data_dir
from assessments.references import risk_reference
from assessments.risks import TIERS
from assessments.text import escape_markdown_file_line
from assessments.workshops import (
    AGREEMENT_RULE,
    CONFIDENCE,
    ItemRecord,
    RoundRecord,
    VoteStats,
    WorkshopRecord,
)

FONT = "DejaVu"


def literal(text: object) -> str:
    """People's text starting a line or a list item of the Markdown minutes: escaped only where
    Markdown would act on it, so the raw file reads and copies as typed."""
    return escape_markdown_file_line(text)


def inline(text: object) -> str:
    """People's text after other text on its line (a table cell, a heading, "Rationale: ")."""
    return escape_markdown_file_line(text, line_start=False)


@dataclass(frozen=True)
class Action:
    item: str
    text: str


def file_stem(workshop_id: int, title: str) -> str:
    """A file name without extension: 'workshop-3-hiring-review-minutes'."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:50]
    return f"workshop-{workshop_id}-{slug or 'untitled'}-minutes"


def attendees(record: WorkshopRecord) -> list[str]:
    """Names of those who joined: alphabetical when anonymised, else in the order they joined."""
    names = [participant.name for participant in record.participants]
    return sorted(names, key=str.casefold) if record.workshop.anonymise_names else names


def absentees(record: WorkshopRecord) -> list[str]:
    joined = {participant.name.casefold() for participant in record.participants}
    return [name for name in record.workshop.expected_participants if name.casefold() not in joined]


def actions(record: WorkshopRecord) -> list[Action]:
    return [
        Action(item=entry.item.title, text=text)
        for entry in record.items
        if entry.outcome is not None
        for text in entry.outcome.actions
    ]


def _date(record: WorkshopRecord) -> str:
    return record.workshop.created_at.strftime("%Y-%m-%d")


def stats_line(stats: VoteStats) -> str:
    """The round's numbers as the console shows them (the same agreement rule)."""
    return (
        f"Median L{stats.median_cell[0]} × S{stats.median_cell[1]}; interquartile range "
        f"likelihood {stats.likelihood.iqr:g}, severity {stats.severity.iqr:g}; agreement "
        f"{stats.agreement_text}."
    )


def outlier_lines(round_record: RoundRecord, stats: VoteStats) -> list[str]:
    lines = []
    for index in stats.outliers:
        vote = round_record.votes[index]
        line = f"{vote.participant}: L{vote.likelihood} × S{vote.severity}"
        if vote.comment:
            line += f" ({' '.join(vote.comment.split())})"
        lines.append(line)
    return lines


# The header facts that hold people's text (the others are our own words, dates and labels).
_TYPED_FACTS = frozenset({"Facilitator", "AI systems", "Risk criteria"})


def _header_facts(record: WorkshopRecord) -> list[tuple[str, str]]:
    workshop = record.workshop
    facts = [
        ("Date", _date(record)),
        ("Status", "closed" if not workshop.is_open else "open (still in progress)"),
        ("Facilitator", workshop.facilitator),
        ("AI systems", ", ".join(workshop.system_names) or "none"),
        ("Rated", TIERS.get(workshop.tier, workshop.tier)),
        ("Risk criteria", record.criteria_name),
        (
            "Names in the ratings",
            "anonymised (Member 1, Member 2, ...)" if workshop.anonymise_names else "shown",
        ),
        ("Agreement", AGREEMENT_RULE),
    ]
    if workshop.closed_at:
        facts.insert(2, ("Closed", workshop.closed_at.strftime("%Y-%m-%d %H:%M UTC")))
    return facts


# --- Markdown ------------------------------------------------------------------------------------


def minutes_markdown(record: WorkshopRecord) -> str:
    workshop = record.workshop
    lines = [f"# Minutes: {inline(workshop.title)}", ""]
    lines += [
        f"- **{label}:** {inline(value) if label in _TYPED_FACTS else value}"
        for label, value in _header_facts(record)
    ]
    lines += ["", "## Attendees", ""]
    people = attendees(record)
    lines += [f"- {literal(name)}" for name in people] or ["- Nobody joined."]
    missing = absentees(record)
    if missing:
        lines += ["", f"Expected but did not join: {inline(', '.join(missing))}."]
    lines += ["", "## Items", ""]
    lines += ["| # | Risk | AI system | Consensus | Dissent |", "|---|---|---|---|---|"]
    for entry in record.items:
        outcome = entry.outcome
        consensus = (
            f"L{outcome.likelihood} × S{outcome.severity} = {inline(outcome.level)}"
            if outcome
            else "not recorded"
        )
        dissent = "yes" if outcome and outcome.dissent else "no" if outcome else ""
        title = f"{risk_reference(entry.item.risk_id)} {inline(entry.item.title)}"
        system = inline(entry.item.system_name)
        lines.append(f"| {entry.item.position} | {title} | {system} | {consensus} | {dissent} |")
    for entry in record.items:
        lines += ["", *_item_markdown(record, entry)]
    lines += ["", "## Actions", ""]
    agreed = actions(record)
    lines += [f"- {literal(action.text)} (item: {inline(action.item)})" for action in agreed] or [
        "No actions were agreed."
    ]
    lines.append("")
    return "\n".join(lines)


def _item_markdown(record: WorkshopRecord, entry: ItemRecord) -> list[str]:
    item = entry.item
    lines = [
        f"## {item.position}. {risk_reference(item.risk_id)}: {inline(item.title)}",
        "",
        f"AI system: {inline(item.system_name)}",
    ]
    if item.description:
        lines += ["", literal(item.description)]
    if not entry.rounds:
        lines += ["", "Not discussed."]
    for round_record in entry.rounds:
        lines += ["", f"### Round {round_record.number}", ""]
        if not round_record.revealed:
            lines.append("Votes not revealed (the round was still open).")
        elif not round_record.votes:
            lines.append("No votes.")
        else:
            lines += [
                "| Participant | Likelihood | Severity | Level | Confidence | Comment |",
                "|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {inline(vote.participant)} | {vote.likelihood} | {vote.severity} |"
                f" {inline(vote.level)} | {vote.confidence} | {inline(vote.comment)} |"
                for vote in round_record.votes
            ]
            stats = round_record.stats()
            if stats is not None:
                lines += ["", stats_line(stats)]
                outliers = outlier_lines(round_record, stats)
                if outliers:
                    lines += [
                        "",
                        "Outliers:",
                        *[f"- {literal(line)}" for line in outliers],
                    ]
        if round_record.note:
            lines += ["", f"Discussion: {inline(round_record.note)}"]
    outcome = entry.outcome
    lines += ["", "### Consensus", ""]
    if outcome is None:
        lines.append("No consensus was recorded.")
        return lines
    lines.append(
        f"**L{outcome.likelihood} × S{outcome.severity} = {inline(outcome.level)}** "
        f"(after round {outcome.round}; median L{outcome.median_likelihood} × "
        f"S{outcome.median_severity}), recorded by {inline(outcome.recorded_by)}."
    )
    lines += ["", f"Rationale: {inline(outcome.rationale)}"]
    if outcome.override_reason:
        lines += ["", f"Why not the median: {inline(outcome.override_reason)}"]
    if outcome.dissent:
        who = ", ".join(record.shown_name(name) for name in outcome.dissenting)
        lines += [
            "",
            f"Dissent{f' ({inline(who)})' if who else ''}: {inline(outcome.dissent)}",
        ]
    else:
        lines += ["", "No dissent was recorded."]
    return lines


# --- PDF -----------------------------------------------------------------------------------------


class _MinutesPDF(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(format="A4")
        fonts: Path = data_dir() / "fonts"
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.set_margins(15, 15, 15)
        self.minutes_title = title
        self.set_title(f"Minutes: {title}")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, f"Minutes: {self.minutes_title} · page {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 13) -> None:
        self.ln(2)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def paragraph(self, text: str, *, bold: bool = False, size: float = 10) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, 5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def grid(self, rows: list[list[str]], widths: tuple[float, ...]) -> None:
        self.set_font(FONT, "", 9)
        with self.table(
            col_widths=widths,
            text_align="LEFT",
            line_height=5,
            headings_style=FontFace(emphasis="BOLD", fill_color=(220, 232, 230)),
            padding=1,
        ) as table:
            for values in rows:
                row = table.row()
                for value in values:
                    row.cell(value)
        self.ln(2)


def minutes_pdf(record: WorkshopRecord) -> bytes:
    workshop = record.workshop
    pdf = _MinutesPDF(workshop.title)
    pdf.add_page()
    pdf.heading(f"Minutes: {workshop.title}", 16)
    for label, value in _header_facts(record):
        pdf.paragraph(f"{label}: {value}")
    pdf.heading("Attendees")
    pdf.paragraph(", ".join(attendees(record)) or "Nobody joined.")
    missing = absentees(record)
    if missing:
        pdf.paragraph(f"Expected but did not join: {', '.join(missing)}.")
    pdf.heading("Items")
    summary = [["#", "Risk", "AI system", "Consensus", "Dissent"]]
    for entry in record.items:
        outcome = entry.outcome
        summary.append(
            [
                str(entry.item.position),
                f"{risk_reference(entry.item.risk_id)} {entry.item.title}",
                entry.item.system_name,
                f"L{outcome.likelihood} × S{outcome.severity} = {outcome.level}"
                if outcome
                else "not recorded",
                ("yes" if outcome.dissent else "no") if outcome else "",
            ]
        )
    pdf.grid(summary, (8, 70, 45, 40, 17))
    for entry in record.items:
        _item_pdf(pdf, record, entry)
    pdf.heading("Actions")
    agreed = actions(record)
    if agreed:
        for action in agreed:
            pdf.paragraph(f"• {action.text} (item: {action.item})")
    else:
        pdf.paragraph("No actions were agreed.")
    return bytes(pdf.output())


def _item_pdf(pdf: _MinutesPDF, record: WorkshopRecord, entry: ItemRecord) -> None:
    item = entry.item
    pdf.heading(f"{item.position}. {risk_reference(item.risk_id)}: {item.title}", 12)
    pdf.paragraph(f"AI system: {item.system_name}")
    if item.description:
        pdf.paragraph(item.description)
    if not entry.rounds:
        pdf.paragraph("Not discussed.")
    for round_record in entry.rounds:
        pdf.paragraph(f"Round {round_record.number}", bold=True, size=11)
        if not round_record.revealed:
            pdf.paragraph("Votes not revealed (the round was still open).")
        elif not round_record.votes:
            pdf.paragraph("No votes.")
        else:
            rows = [["Participant", "L", "S", "Level", "Confidence", "Comment"]]
            rows += [
                [
                    vote.participant,
                    str(vote.likelihood),
                    str(vote.severity),
                    vote.level,
                    CONFIDENCE.get(vote.confidence, vote.confidence).split(":")[0],
                    vote.comment,
                ]
                for vote in round_record.votes
            ]
            pdf.grid(rows, (34, 8, 8, 20, 22, 88))
            stats = round_record.stats()
            if stats is not None:
                pdf.paragraph(stats_line(stats))
                for line in outlier_lines(round_record, stats):
                    pdf.paragraph(f"Outlier: {line}")
        if round_record.note:
            pdf.paragraph(f"Discussion: {round_record.note}")
    outcome = entry.outcome
    pdf.paragraph("Consensus", bold=True, size=11)
    if outcome is None:
        pdf.paragraph("No consensus was recorded.")
        return
    pdf.paragraph(
        f"L{outcome.likelihood} × S{outcome.severity} = {outcome.level} (after round "
        f"{outcome.round}; median L{outcome.median_likelihood} × S{outcome.median_severity}), "
        f"recorded by {outcome.recorded_by}.",
        bold=True,
    )
    pdf.paragraph(f"Rationale: {outcome.rationale}")
    if outcome.override_reason:
        pdf.paragraph(f"Why not the median: {outcome.override_reason}")
    if outcome.dissent:
        who = ", ".join(record.shown_name(name) for name in outcome.dissenting)
        pdf.paragraph(f"Dissent{f' ({who})' if who else ''}: {outcome.dissent}")
    else:
        pdf.paragraph("No dissent was recorded.")
