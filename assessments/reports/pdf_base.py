"""The page frame the PDF reports share: Unicode fonts, a title and subtitle on every page,
page numbers, paragraphs and section headings (fpdf2's core fonts are Latin-1 only)."""

from __future__ import annotations

from fpdf import FPDF

from assessments.config import data_dir

FONT = "DejaVu"
MUTED = (90, 90, 90)
FOOTER_GREY = (110, 110, 110)


class ReportPDF(FPDF):
    """An A4 report with the document title in the header and "page n of N" in the footer
    (after `footer_title` when given). `paragraph_gap` is the space after each paragraph;
    a section heading starts a new page when fewer than `section_room` mm are left."""

    def __init__(
        self,
        title: str,
        subtitle: str,
        orientation: str = "portrait",
        *,
        footer_title: str = "",
        paragraph_gap: float = 0.0,
        section_room: float = 0.0,
    ) -> None:
        super().__init__(orientation=orientation, format="A4")
        fonts = data_dir() / "fonts"
        self.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        self.report_title = title
        self.report_subtitle = subtitle
        self.footer_title = footer_title
        self.paragraph_gap = paragraph_gap
        self.section_room = section_room
        self.set_title(title)
        self.set_creator("AI risk & impact workbench")
        self.set_auto_page_break(auto=True, margin=14)
        self.set_margins(12, 12, 12)
        self.add_page()

    def header(self) -> None:
        self.set_font(FONT, "B", 13)
        self.cell(0, 7, self.report_title, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.cell(0, 5, self.report_subtitle, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-10)
        self.set_font(FONT, "", 7)
        self.set_text_color(*FOOTER_GREY)
        label = f"{self.footer_title} · page" if self.footer_title else "Page"
        self.cell(0, 5, f"{label} {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)

    def paragraph(
        self, text: str, size: float = 9, bold: bool = False, muted: bool = False
    ) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        if muted:
            self.set_text_color(*MUTED)
        self.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        if self.paragraph_gap:
            self.ln(self.paragraph_gap)

    def section(self, text: str, room: float | None = None) -> None:
        """A heading; on a new page when fewer than `room` (default `section_room`) mm are
        left below it."""
        room = self.section_room if room is None else room
        if room and self.get_y() + room > self.h - self.b_margin:
            self.add_page()
        self.ln(2)
        self.set_font(FONT, "B", 11)
        self.cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")

    def output_bytes(self) -> bytes:
        return bytes(self.output())
