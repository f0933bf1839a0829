"""What every Word and Excel report is built from: page set-up, the official header block, figure tables,
grids, pictures, lines to write on, the signature block, and workbook sheets with Vietnamese formats.

The layout follows Decree 30/2020/NĐ-CP on administrative documents: A4 portrait, Times New Roman 13,
margins 2 cm top and bottom, 3 cm left, 2 cm right; issuer on the left and the national motto on the
right of the first lines.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analytics.reports.exports import neutralised
from analytics.text import fmt

FONT, FONT_SIZE, TABLE_FONT_SIZE = "Times New Roman", Pt(13), Pt(12)
TEXT_WIDTH = Cm(16)  # A4 width 21 cm less the 3 cm left and 2 cm right margins
CENTRE, LEFT, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT, WD_ALIGN_PARAGRAPH.RIGHT
FIGURE_HEADER = ["TT", "Nội dung", "Đơn vị tính", "Số liệu"]
DEMO_NOTICE = "DỮ LIỆU MINH HỌA — số liệu trong báo cáo là số giả lập, không phải số liệu thực."


# --- Word -------------------------------------------------------------------------------------------


def document(title: str, author: str, subject: str = ""):
    """A new A4 report: fonts, margins, page numbers from page 2, and the properties a file manager, a mail
    client or a document register shows: the issuing body (``author``), title, subject, date, language."""
    doc = Document()
    _style_fonts(doc)
    _page_setup(doc)
    now = dt.datetime.now().replace(microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = author
    props.title, props.subject = title, subject
    props.created = props.modified = now
    props.revision = 1
    props.language = "vi-VN"
    props.comments = props.keywords = ""
    return doc


def to_bytes(doc) -> bytes:
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _style_fonts(doc) -> None:
    """Times New Roman everywhere, black headings, Vietnamese proofing language."""
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, FONT_SIZE
    rpr = normal.element.get_or_add_rPr()
    rpr.rFonts.set(qn("w:eastAsia"), FONT)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "vi-VN")
    rpr.append(lang)
    normal.paragraph_format.space_after = Pt(6)
    normal.paragraph_format.line_spacing = 1.15
    for name in ("Heading 1", "Heading 2"):
        style = doc.styles[name]
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
        style.font.name, style.font.size, style.font.bold = FONT, FONT_SIZE, True
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before, style.paragraph_format.space_after = Pt(12), Pt(6)
        style.paragraph_format.keep_with_next = True


def _page_setup(doc) -> None:
    """A4 portrait, margins 2 cm top and bottom, 3 cm left, 2 cm right; page number at the top from page 2."""
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.top_margin = section.bottom_margin = section.right_margin = Cm(2)
    section.left_margin = Cm(3)
    section.header_distance = Cm(1)
    section.different_first_page_header_footer = True
    paragraph = section.header.paragraphs[0]
    paragraph.alignment = CENTRE
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


@dataclass(frozen=True)
class Style:
    """How a paragraph looks; the default is running text: justified, its first line indented."""

    bold: bool = False
    italic: bool = False
    align: int | None = None  # None: justified
    size: Pt | None = None
    indent: bool = True  # a first-line indent, for justified text only
    after: Pt | None = None  # the space after it


BODY = Style()
NOTE = Style(italic=True)  # a remark on the running text
SMALL_NOTE = Style(italic=True, size=Pt(12))  # how a table or figure above was worked out
CENTRED = Style(align=CENTRE)
TITLE = Style(bold=True, align=CENTRE)
CAPTION = Style(italic=True, align=CENTRE, size=Pt(12))


def para(container, text: str = "", style: Style = BODY):
    """A paragraph of ``text`` in ``style``."""
    paragraph = container.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = style.bold, style.italic
        if style.size:
            run.font.size = style.size
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if style.align is None else style.align
    if style.indent and style.align is None:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if style.after is not None:
        paragraph.paragraph_format.space_after = style.after
    return paragraph


def cell_text(cell, text: str, *, bold=False, italic=False, align=LEFT, size=None):
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = size
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph


def widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths in both the grid and each cell: Word reads one, LibreOffice the other."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def grid(doc, header: list[str], rows: list[list[str]], widths_cm: list[float], right: set[int]):
    """A bordered table; the header row repeats on each page and numbers in ``right`` columns align right."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(table, widths_cm)
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text in zip(header_row.cells, header):
        cell_text(cell, text, bold=True, align=CENTRE, size=TABLE_FONT_SIZE)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for row, values in zip(table.rows[1:], rows):
        for i, (cell, text) in enumerate(zip(row.cells, values)):
            align = RIGHT if i in right else (CENTRE if i == 0 else LEFT)
            cell_text(cell, text, align=align, size=TABLE_FONT_SIZE)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    doc.add_paragraph().paragraph_format.space_after = Pt(0)
    return table


def shown(value, kind: str) -> str:
    """As a report prints a figure: ratios ('pct') and percentages ('percent') as numbers beside a '%' unit,
    changes with their sign, text as it is."""
    if kind == "text":
        return str(value)
    if kind in ("pct", "percent"):
        return fmt.number(value * 100 if kind == "pct" else value, 1)
    return fmt.signed(value) if kind == "signed" else fmt.number(value)


def figure_table(doc, rows: Sequence[tuple[str, str, object, str]]):
    """TT / Nội dung / Đơn vị tính / Số liệu from (label, unit, value, kind) rows; kinds as in ``shown``."""
    body = [[str(i), label, unit, shown(value, kind)] for i, (label, unit, value, kind) in enumerate(rows, 1)]
    return grid(doc, FIGURE_HEADER, body, [1.1, 9.4, 2.5, 3.0], {3})


HEADER_CM = (6.5, 9.5)  # issuer and motto columns
CELL_MARGINS_CM = 0.38  # Word's and LibreOffice's default cell margins, left and right together
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOTTO_CM = 5.3  # its width in Times New Roman bold 13 pt (5.31 cm measured with the metric-equal Liberation Serif)
ISSUER_RULE_CM = 2.2  # Decree 30/2020: a third to a half of the issuer's name (about 5 cm at 12 pt)


def _rule(cell, width_cm: float, cell_cm: float) -> None:
    """A centred line ``width_cm`` long right under the paragraph before it: the top border of an empty paragraph
    one point high, so Word and LibreOffice both draw it below the text instead of through it."""
    paragraph = cell.add_paragraph()
    fmt_ = paragraph.paragraph_format
    fmt_.left_indent = fmt_.right_indent = Cm((cell_cm - CELL_MARGINS_CM - width_cm) / 2)
    fmt_.space_before, fmt_.space_after = Pt(3), Pt(6)
    fmt_.line_spacing = Pt(1)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "0"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    paragraph._p.get_or_add_pPr().append(borders)


def header_block(doc, issuer: list[str], number: str, place: str, year: int, superior: str | None = None) -> None:
    """Issuer left (under its ``superior``, if any), the national motto right, in a borderless two-column table,
    each with a rule under it, as Decree 30/2020/NĐ-CP sets out.

    ``issuer`` lines are bold capitals; ``number`` the document's number stem ("BC-UBND"); the date line
    ("place, ngày … tháng … năm year") is left for the secretariat to complete.
    """
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    widths(table, list(HEADER_CM))
    left, right = table.rows[0].cells
    if superior:
        cell_text(left, superior.upper(), align=CENTRE, size=Pt(12))
    for line in issuer:
        cell_text(left, line.upper(), bold=True, align=CENTRE, size=Pt(12))
    _rule(left, ISSUER_RULE_CM, HEADER_CM[0])
    cell_text(left, f"Số:        /{number}", align=CENTRE)
    cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=CENTRE, size=Pt(12))
    cell_text(right, MOTTO, bold=True, align=CENTRE)
    _rule(right, MOTTO_CM, HEADER_CM[1])
    cell_text(right, f"{place}, ngày      tháng      năm {year}", italic=True, align=CENTRE)


def title_block(doc, lines: list[str], demo: bool) -> None:
    """"BÁO CÁO" and the report's name, centred and bold; the demo notice when the figures are made up."""
    para(doc, "BÁO CÁO", replace(TITLE, after=Pt(0))).paragraph_format.space_before = Pt(18)
    for i, line in enumerate(lines):
        para(doc, line, replace(TITLE, after=Pt(12) if i == len(lines) - 1 else Pt(0)))
    if demo:
        para(doc, DEMO_NOTICE, TITLE)


def picture(doc, png: bytes, caption: str, width=TEXT_WIDTH) -> None:
    """A chart, the text width unless ``width`` says otherwise, numbered on from the figures before it
    ("Hình 2. …")."""
    number = sum(p.text.startswith("Hình ") for p in doc.paragraphs) + 1
    doc.add_picture(io.BytesIO(png), width=width)
    doc.paragraphs[-1].alignment = CENTRE
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    para(doc, f"Hình {number}. {caption}", CAPTION)


def dotted_lines(doc, count: int) -> None:
    """Lines to write on: a tab to the right margin with a dot leader, exactly one line wide in any font."""
    for _ in range(count):
        paragraph = doc.add_paragraph()
        paragraph.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
        paragraph.add_run().add_tab()


def signature_block(doc, recipients: list[str], signer: list[str]) -> None:
    """Recipients left ("Nơi nhận:"), the signer's capacity right over a space to sign."""
    table = doc.add_table(rows=1, cols=2)
    widths(table, [8, 8])
    left, right = table.rows[0].cells
    cell_text(left, "Nơi nhận:", bold=True, italic=True, size=Pt(12))
    for line in recipients:
        cell_text(left, line, size=Pt(11))
    for line in signer:
        cell_text(right, line, bold=True, align=CENTRE)
    cell_text(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=CENTRE, size=Pt(12))


# --- Excel ------------------------------------------------------------------------------------------

NUMBER_FORMATS = {"whole": "#,##0", "tenths": "#,##0.0", "plain": "0", "signed": "+#,##0;-#,##0;0", "pct": "0.0%",
                  "percent": "#,##0.0", "time": "dd/mm/yyyy hh:mm", "date": "dd/mm/yyyy", "text": "@"}


class Workbook:
    """An in-memory workbook whose text is never run as a formula, with one style per number format."""

    def __init__(self, title: str):
        self.buffer = io.BytesIO()
        self.book = xlsxwriter.Workbook(self.buffer, {"in_memory": True, "strings_to_formulas": False,
                                                      "strings_to_urls": False, "strings_to_numbers": False})
        self.styles = {kind: self.book.add_format({"num_format": code, "valign": "top", "text_wrap": kind == "text"})
                       for kind, code in NUMBER_FORMATS.items()}
        self.styles["header"] = self.book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter",
                                                      "bg_color": "#E8EEF4", "border": 1})
        self.styles["bold"] = self.book.add_format({"bold": True})
        self.book.set_properties({"title": title})

    def sheet(self, name: str, frame: pd.DataFrame, headers: dict, kinds: dict, frozen_columns: int = 0):
        """A sheet holding the ``headers`` columns of ``frame``, each in the format ``kinds`` gives it."""
        ws = self.book.add_worksheet(name)
        self.table(ws, frame, headers, kinds)
        ws.freeze_panes(1, frozen_columns)
        return ws

    def cell(self, ws, row: int, col: int, value, kind: str) -> None:
        """Text always as text: with strings_to_formulas off and the apostrophe from `neutralised`, nothing runs."""
        style = self.styles[kind]
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            ws.write_blank(row, col, None, style)
        elif isinstance(value, str):
            ws.write_string(row, col, value, style)
        elif isinstance(value, dt.datetime | dt.date):
            ws.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), style)
        else:
            ws.write_number(row, col, float(value), style)

    def table(self, ws, frame: pd.DataFrame, headers: dict, kinds: dict, first_row: int = 0) -> None:
        """The ``headers`` columns of ``frame`` under their Vietnamese headers, each in its format, sized to fit."""
        safe = neutralised(frame[list(headers)].rename(columns=headers))
        for col, (column, header) in enumerate(zip(headers, safe.columns)):
            ws.write_string(first_row, col, header, self.styles["header"])
            kind = kinds.get(column, "text")
            values = safe[header].tolist()
            for row, value in enumerate(values, start=first_row + 1):
                self.cell(ws, row, col, value, kind)
            longest = max([len(v) for v in values if isinstance(v, str)] or [10])
            width = min(max(longest, 10), 60) if kind == "text" else 14
            ws.set_column(col, col, max(width, min(len(header), 18)) + 2)
        ws.set_row(first_row, 32)

    def figures(self, name: str, rows: Sequence[tuple[str, str, object, str]], notes: list[str]) -> None:
        """A sheet of (label, unit, value, kind) rows as in ``figure_table``, then notes below them."""
        ws = self.book.add_worksheet(name)
        self.table(ws, pd.DataFrame(rows, columns=["label", "unit", "value", "kind"]),
                   {"label": "Nội dung", "unit": "Đơn vị tính"}, {})
        ws.write_string(0, 2, "Số liệu", self.styles["header"])
        for row, (*_, value, kind) in enumerate(rows, start=1):
            self.cell(ws, row, 2, value, kind)
        for i, note in enumerate(notes):
            ws.write_string(len(rows) + 2 + i, 0, note, self.styles["text"])
        ws.set_column(0, 0, 70)
        ws.set_column(2, 2, 14)
        ws.freeze_panes(1, 0)

    def close(self) -> bytes:
        self.book.close()
        return self.buffer.getvalue()
