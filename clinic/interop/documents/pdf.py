"""A `Document` laid out as a PDF with fpdf2 (pure Python: no system package, no font files).

The built-in Helvetica is used in its Windows-1252 encoding (accents, dashes and quotes of English and
Spanish); a character outside it prints as "?". The PDF's metadata names no one: the title, and the creation
date fpdf2 always writes; no author, creator or producer.
"""

from __future__ import annotations

import io

from fpdf import FPDF
from fpdf.fonts import FontFace

from clinic.interop.documents.model import Document, Section

ENCODING = "windows-1252"
LABEL_WIDTH = 50


def text(value: str) -> str:
    """`value` as the core font can print it."""
    return value.encode(ENCODING, "replace").decode(ENCODING)


class _Pdf(FPDF):
    def __init__(self, document: Document):
        super().__init__(format="A4")
        self.document = document
        self.core_fonts_encoding = ENCODING
        self.set_auto_page_break(True, margin=18)
        self.set_margins(18, 16, 18)

    def header(self) -> None:
        self.set_font("helvetica", "", 9)
        line = self.document.clinic_name + (f" · {self.document.clinic_phone}" if self.document.clinic_phone else "")
        self.cell(0, 5, text(line), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 8)
        self.cell(0, 5, text(f"{self.document.title} · {self.page_no()}/{{nb}}"), align="C")


def _rows(pdf: _Pdf, rows: list[tuple[str, str]]) -> None:
    if not rows:
        return
    pdf.set_font("helvetica", "", 10)
    width = pdf.epw
    with pdf.table(
        col_widths=(LABEL_WIDTH, width - LABEL_WIDTH),
        first_row_as_headings=False,
        borders_layout="HORIZONTAL_LINES",
        line_height=5,
        padding=1,
    ) as table:
        for label, value in rows:
            row = table.row()
            row.cell(text(label), style=FontFace(emphasis="BOLD"))
            row.cell(text(value))
    pdf.ln(2)


def _section(pdf: _Pdf, section: Section) -> None:
    if pdf.will_page_break(30):  # keep a heading with the start of its content
        pdf.add_page()
    pdf.ln(2)
    pdf.set_font("helvetica", "B", 12)
    pdf.multi_cell(0, 7, text(section.heading), new_x="LMARGIN", new_y="NEXT")
    if section.alert:
        pdf.set_font("helvetica", "B", 11)
        pdf.set_text_color(160, 0, 0)
        pdf.multi_cell(0, 6, text(section.alert), new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0, 0, 0)
    _rows(pdf, section.rows)
    pdf.set_font("helvetica", "", 10)
    for paragraph in section.paragraphs:
        pdf.multi_cell(0, 5, text(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)


def render_pdf(document: Document) -> bytes:
    pdf = _Pdf(document)
    pdf.set_title(text(document.title))
    pdf.set_producer("")  # fpdf2 names itself by default; the metadata holds the title only
    pdf.add_page()
    pdf.set_font("helvetica", "B", 16)
    pdf.multi_cell(0, 8, text(document.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _rows(pdf, document.rows)
    for section in document.sections:
        _section(pdf, section)
    if document.signature_png:
        if pdf.will_page_break(40):
            pdf.add_page()
        pdf.image(io.BytesIO(document.signature_png), w=70)
    if document.signature_caption:
        pdf.set_font("helvetica", "I", 10)
        pdf.multi_cell(0, 5, text(document.signature_caption), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
