"""The Steering Committee briefing for a month: a Word report laid out as an official report, and a workbook.

Both files are built from one `Figures`, so the report and the workbook can never disagree, and
every figure comes from the same functions the dashboard pages use.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from dataclasses import dataclass

import pandas as pd
import xlsxwriter
from docx import Document
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT, WD_TAB_LEADER
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from analytics import briefing_charts, fmt, labels, metrics, outlook, store, targets
from analytics.exports import neutralised
from analytics.periods import month_index
from analytics.projection import METHOD_VI

KINDS = ("docx", "xlsx")
ROMAN = ("I", "II", "III", "IV")
FONT, FONT_SIZE, TABLE_FONT_SIZE = "Times New Roman", Pt(13), Pt(12)
TEXT_WIDTH = Cm(16)  # A4 width 21 cm less the 3 cm left and 2 cm right margins


@dataclass(frozen=True)
class Figures:
    """Everything the briefing states for one month."""

    period: str
    summary: dict
    table: pd.DataFrame  # metrics.commune_table
    lagging: pd.DataFrame  # metrics.lagging, slowest first
    series: pd.DataFrame  # metrics.province_series up to the period
    net: dict  # "M", "Q", "Y" -> net increase of participants (stock difference)
    outlook: dict  # outlook.province_outlook as it stood at the period
    communes_outlook: pd.DataFrame  # outlook.commune_outlook as it stood at the period
    plan: dict  # targets.plan_summary
    uploads: pd.DataFrame  # store.uploads
    trajectory: str  # metrics.trajectory_source: what "on track" is measured against
    updated: dt.datetime | None  # store.last_upload_time
    demo: bool


def quarter_label(period: str) -> str:
    """'2026-10' -> 'quý IV/2026', the way reports name quarters."""
    return f"quý {ROMAN[(int(period[5:]) - 1) // 3]}/{period[:4]}"


def net_increases(values: pd.DataFrame, period: str) -> dict:
    """Growth of participants over the month, quarter to date and year to date ending at ``period``.

    Taken per commune and then summed, so a commune that missed a report is left out instead of its
    whole stock counting as a fall or a rise; NaN when no commune has the earlier figure.
    """
    keys = {"M": period, "Q": f"{period[:4]}-Q{(int(period[5:]) - 1) // 3 + 1}", "Y": period[:4]}
    upto = values[values["period"] <= period]
    out = {}
    for freq, key in keys.items():
        per_commune = [metrics.net_increase(group.set_index("period")["total"], freq).get(key, math.nan)
                       for _, group in upto.groupby("code")]
        out[freq] = float(pd.Series(per_commune, dtype=float).sum(min_count=1))
    return out


def _lagging(table: pd.DataFrame) -> pd.DataFrame:
    """metrics.lagging without the blank rows it returns when no commune lags.

    With nothing kept it assigns a full-length column to an empty frame, which pandas 3 answers with
    one empty row per commune; dropping rows without a code is a no-op once that is fixed.
    """
    return metrics.lagging(table, list(metrics.LAGGING), list(metrics.MEASURES)).dropna(subset=["code"])


def figures(con, settings, period: str) -> Figures:
    """The month's figures; series and projections stop at ``period``, so a past month's report uses no later month."""
    month_index(period)  # a malformed period fails here, not deep inside a chart
    values = store.monthly(con)
    table = metrics.commune_table(con, settings, period, values)
    return Figures(
        period=period,
        summary=metrics.summary(con, settings, period),
        table=table,
        lagging=_lagging(table),
        series=metrics.province_series(con, settings, values=values[values["period"] <= period]),
        net=net_increases(values, period),
        outlook=outlook.province_outlook(con, settings, until=period),
        communes_outlook=outlook.commune_outlook(con, settings, until=period),
        plan=targets.plan_summary(con),
        uploads=store.uploads(con),
        trajectory=metrics.trajectory_source(con),
        updated=store.last_upload_time(con),
        demo=store.has_demo(con),
    )


def file_name(kind: str, period: str) -> str:
    """'bao-cao-bhxh-2026-10.docx': the period is in the name, so saved copies do not overwrite each other."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    month_index(period)
    return f"bao-cao-bhxh-{period}.{kind}"


def summary_rows(f: Figures, settings) -> list[tuple[str, str, float, str]]:
    """(label, unit, value, kind) of section I; kind is 'whole', 'signed' or 'pct' (a ratio)."""
    s = f.summary
    year = settings.target_year
    return [
        ("Số người tham gia BHXH", "người", s["total"], "whole"),
        (f"Tỷ lệ so với chỉ tiêu năm {year} ({fmt.number(s['target'])} người)", "%", s["attainment"], "pct"),
        ("Trong đó: số người tham gia BHXH tự nguyện", "người", s["voluntary"], "whole"),
        (f"Tỷ lệ so với chỉ tiêu tự nguyện tối thiểu năm {year} ({fmt.number(s['voluntary_min'])} người)", "%",
         s["voluntary_attainment"], "pct"),
        ("Số xã, phường có số liệu trong tháng", "xã, phường", s["reporting"], "whole"),
        ("Số xã, phường đạt tiến độ theo lộ trình", "xã, phường", s["on_track"], "whole"),
        (f"Tăng ròng trong {fmt.month(f.period)}", "người", f.net["M"], "signed"),
        (f"Tăng ròng {quarter_label(f.period)} (đến hết {fmt.month(f.period)})", "người", f.net["Q"], "signed"),
        (f"Tăng ròng năm {f.period[:4]} (so với cuối năm {int(f.period[:4]) - 1})", "người", f.net["Y"], "signed"),
    ]


def _shown(value: float, kind: str) -> str:
    """As the report prints a figure: percents as numbers beside a '%' unit, changes with their sign."""
    if kind == "pct":
        return fmt.number(value * 100, 1)
    return fmt.signed(value) if kind == "signed" else fmt.number(value)


def projection_rows(f: Figures, settings) -> list[tuple[str, str, float, str]]:
    """(label, unit, value, kind) of section IV; empty when there is no projection."""
    o, fit = f.outlook, f.outlook["projection"]
    if fit is None:
        return []
    end = fmt.month(o["target_period"])
    shortfall = o["gap"]
    gap_label = ("Số còn thiếu so với chỉ tiêu theo dự báo" if math.isnan(shortfall) or shortfall >= 0
                 else "Số vượt chỉ tiêu theo dự báo")
    projected = f.communes_outlook["projected_gap"]
    return [
        (f"Số người tham gia {fmt.month(fit.last_period)} (tháng cuối dùng để dự báo)", "người", fit.last_value,
         "whole"),
        ("Mức tăng ròng bình quân theo xu hướng gần đây", "người/tháng", fit.slope_per_month, "signed"),
        (f"Dự báo số người tham gia {end}", "người", fit.projected, "whole"),
        ("Cận dưới của khoảng dự báo 80 %", "người", fit.lower80, "whole"),
        ("Cận trên của khoảng dự báo 80 %", "người", fit.upper80, "whole"),
        (f"Chỉ tiêu năm {settings.target_year}", "người", o["target"], "whole"),
        (gap_label, "người", abs(shortfall), "whole"),
        ("Mức tăng ròng cần đạt mỗi tháng để đạt chỉ tiêu", "người/tháng", o["required"], "whole"),
        ("Số xã, phường dự báo không đạt chỉ tiêu", "xã, phường", float((projected > 0).sum()), "whole"),
    ]


# --- Word -------------------------------------------------------------------------------------------


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
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _para(container, text: str = "", *, bold=False, italic=False, align=None, size=None, indent=True,
          after=None):
    """A paragraph of body text; ``indent`` gives the first-line indent of running text."""
    paragraph = container.add_paragraph()
    if text:
        run = paragraph.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = size
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY if align is None else align
    if indent and align is None:
        paragraph.paragraph_format.first_line_indent = Cm(1)
    if after is not None:
        paragraph.paragraph_format.space_after = after
    return paragraph


def _cell_text(cell, text: str, *, bold=False, italic=False, align=WD_ALIGN_PARAGRAPH.LEFT, size=None):
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic = bold, italic
    run.font.size = size
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    paragraph.paragraph_format.line_spacing = 1.0
    return paragraph


def _widths(table, widths_cm: list[float]) -> None:
    """Fixed column widths in both the grid and each cell: Word reads one, LibreOffice the other."""
    table.autofit = False
    for column, width in zip(table.columns, widths_cm):
        column.width = Cm(width)
        for cell in column.cells:
            cell.width = Cm(width)


def _grid(doc, header: list[str], rows: list[list[str]], widths_cm: list[float], right: set[int]):
    """A bordered table; the header row repeats on each page and numbers in ``right`` columns align right."""
    table = doc.add_table(rows=1 + len(rows), cols=len(header))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, widths_cm)
    header_row = table.rows[0]
    flag = OxmlElement("w:tblHeader")
    header_row._tr.get_or_add_trPr().append(flag)
    for cell, text in zip(header_row.cells, header):
        _cell_text(cell, text, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=TABLE_FONT_SIZE)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    for row, values in zip(table.rows[1:], rows):
        for i, (cell, text) in enumerate(zip(row.cells, values)):
            align = WD_ALIGN_PARAGRAPH.RIGHT if i in right else (
                WD_ALIGN_PARAGRAPH.CENTER if i == 0 else WD_ALIGN_PARAGRAPH.LEFT)
            _cell_text(cell, text, align=align, size=TABLE_FONT_SIZE)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    doc.add_paragraph().paragraph_format.space_after = Pt(0)
    return table


def _figure_table(doc, rows: list[tuple[str, str, float, str]]):
    body = [[str(i), label, unit, _shown(value, kind)] for i, (label, unit, value, kind) in enumerate(rows, 1)]
    return _grid(doc, ["TT", "Nội dung", "Đơn vị tính", "Số liệu"], body, [1.1, 9.4, 2.5, 3.0], {3})


HEADER_CM = (6.5, 9.5)  # issuer and motto columns
CELL_MARGINS_CM = 0.38  # Word's and LibreOffice's default cell margins, left and right together
MOTTO = "Độc lập - Tự do - Hạnh phúc"
MOTTO_CM = 5.3  # its width in Times New Roman bold 13 pt (5.31 cm measured with the metric-equal Liberation Serif)
ISSUER_RULE_CM = 2.2  # Decree 30/2020: a third to a half of the issuer's name (about 5 cm at 12 pt)


def issuer_name(settings) -> str:
    """The body that issues the report: "Ủy ban nhân dân tỉnh Hưng Yên"."""
    return f"{settings.issuer or 'Ủy ban nhân dân tỉnh'} {settings.province}"


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


def _header_block(doc, settings) -> None:
    """Issuer left, national motto right, in a borderless two-column table, as Decree 30/2020/NĐ-CP sets out."""
    table = doc.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _widths(table, list(HEADER_CM))
    left, right = table.rows[0].cells
    centre = WD_ALIGN_PARAGRAPH.CENTER
    _cell_text(left, issuer_name(settings).upper(), bold=True, align=centre, size=Pt(12))
    _rule(left, ISSUER_RULE_CM, HEADER_CM[0])
    _cell_text(left, "Số:        /BC-UBND", align=centre)
    _cell_text(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True, align=centre, size=Pt(12))
    _cell_text(right, MOTTO, bold=True, align=centre)
    _rule(right, MOTTO_CM, HEADER_CM[1])
    _cell_text(right, f"{settings.province}, ngày      tháng      năm {dt.date.today().year}", italic=True,
               align=centre)


def _picture(doc, png: bytes, caption: str) -> None:
    """A chart across the text width, numbered on from the figures before it ("Hình 2. …")."""
    number = sum(p.text.startswith("Hình ") for p in doc.paragraphs) + 1
    doc.add_picture(io.BytesIO(png), width=TEXT_WIDTH)
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    doc.paragraphs[-1].paragraph_format.keep_with_next = True
    _para(doc, f"Hình {number}. {caption}", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(12))


def _properties(doc, settings, title: str) -> None:
    """What a file manager, a mail client or a document register shows: the issuing body, title, date."""
    now = dt.datetime.now().replace(microsecond=0)
    props = doc.core_properties
    props.author = props.last_modified_by = issuer_name(settings)
    props.title, props.subject = title, settings.title
    props.created = props.modified = now
    props.revision = 1
    props.language = "vi-VN"
    props.comments = props.keywords = ""


MIN_CHART_MONTHS = 3  # fewer months make a dot or a segment on a zoomed axis: a sentence says it better


def briefing_docx(con, settings, period: str) -> bytes:
    """The month's report to the Steering Committee, ready for the secretariat to complete and sign."""
    f = figures(con, settings, period)
    s, month, year = f.summary, fmt.month(period), settings.target_year
    doc = Document()
    _style_fonts(doc)
    _page_setup(doc)
    _properties(doc, settings, f"Báo cáo kết quả phát triển đối tượng tham gia BHXH {month}")
    _header_block(doc, settings)

    centre = WD_ALIGN_PARAGRAPH.CENTER
    _para(doc, "BÁO CÁO", bold=True, align=centre, after=Pt(0)).paragraph_format.space_before = Pt(18)
    _para(doc, "Kết quả phát triển đối tượng tham gia bảo hiểm xã hội", bold=True, align=centre, after=Pt(0))
    _para(doc, f"{month[0].upper()}{month[1:]}", bold=True, align=centre, after=Pt(12))
    if f.demo:
        _para(doc, "DỮ LIỆU MINH HỌA — số liệu trong báo cáo là số giả lập, không phải số liệu thực.",
              bold=True, align=centre)
    _para(doc, f"Thực hiện {settings.title}, {settings.issuer.lower() or 'ủy ban nhân dân tỉnh'} "
               f"báo cáo kết quả phát triển đối tượng tham gia bảo hiểm xã hội (BHXH) đến hết {month} như sau:")

    doc.add_heading("I. KẾT QUẢ THỰC HIỆN", level=1)
    _para(doc, f"Đến hết {month}, toàn tỉnh có {fmt.number(s['total'])} người tham gia BHXH, đạt "
               f"{fmt.percent(s['attainment'])} chỉ tiêu năm {year}; trong đó {fmt.number(s['voluntary'])} người "
               f"tham gia BHXH tự nguyện, đạt {fmt.percent(s['voluntary_attainment'])} chỉ tiêu tự nguyện tối "
               f"thiểu. Có {fmt.number(s['on_track'])}/{fmt.number(s['units'])} xã, phường đạt tiến độ theo lộ trình.")
    if s["reporting"] < s["units"]:
        _para(doc, f"Lưu ý: {fmt.number(s['units'] - s['reporting'])} xã, phường chưa có số liệu {month}; "
                   "các tổng số chỉ cộng các xã, phường đã báo cáo.", italic=True)
    _figure_table(doc, summary_rows(f, settings))
    _para(doc, "Tăng ròng là chênh lệch số người tham gia cuối kỳ so với cuối kỳ trước, cộng theo từng xã, phường "
               "có số liệu ở cả hai kỳ; dấu «—»: chưa có số liệu kỳ trước để so sánh.", italic=True, size=Pt(12))

    doc.add_heading("II. DIỄN BIẾN SO VỚI LỘ TRÌNH", level=1)
    _para(doc, f"Mức cần đạt từng tháng theo {f.trajectory}; xã, phường đạt tiến "
               f"độ khi số thực hiện đạt từ {fmt.number(settings.thresholds['on_track_pct'])} % mức cần "
               f"đạt trên lộ trình.")
    if len(f.series) >= MIN_CHART_MONTHS:
        _picture(doc, briefing_charts.total_trend(f.series),
                 f"Số người tham gia BHXH so với lộ trình đến chỉ tiêu năm {year}")
        _picture(doc, briefing_charts.voluntary_trend(f.series),
                 f"Số người tham gia BHXH tự nguyện so với lộ trình đến chỉ tiêu tối thiểu năm {year}")
    else:
        _para(doc, few_months_sentence(f.series))

    doc.add_heading("III. CÁC XÃ, PHƯỜNG CHẬM TIẾN ĐỘ", level=1)
    lag = f.lagging
    if lag.empty:
        _para(doc, f"Trong {month} không có xã, phường nào chậm tiến độ.")
    else:
        counts = lag["status"].value_counts()
        _para(doc, f"Có {fmt.number(len(lag))}/{fmt.number(s['units'])} xã, phường chậm tiến độ "
                   f"({fmt.number(counts.get(metrics.STATUS_VERY_LATE, 0))} rất chậm, "
                   f"{fmt.number(counts.get(metrics.STATUS_LATE, 0))} chậm), xếp từ chậm nhất; tiến độ là số "
                   "thực hiện so với mức cần đạt trên lộ trình.")
        rows = [[fmt.number(r.rank), r.name, r.status, _shown(r.progress, "pct"),
                 _shown(r.voluntary_progress, "pct"), r.reason] for r in labels.shown(lag).itertuples()]
        _grid(doc, ["TT", "Xã, phường", "Trạng thái", "Tiến độ tổng số (%)", "Tiến độ tự nguyện (%)", "Chậm về"],
              rows, [1.1, 4.6, 2.3, 2.6, 2.6, 2.8], {3, 4})

    doc.add_heading(f"IV. DỰ BÁO KHẢ NĂNG ĐẠT CHỈ TIÊU NĂM {year}", level=1)
    o = f.outlook
    if o["projection"] is None:
        _para(doc, o["reason"])
    else:
        _figure_table(doc, projection_rows(f, settings))
        _picture(doc, briefing_charts.outlook_fan(o),
                 f"Thực hiện và dự báo đến {fmt.month(o['target_period'])}; nét đứt: dự báo theo xu "
                 "hướng, vùng tô: khoảng dự báo 80 %")

    doc.add_heading("V. ĐỀ XUẤT, KIẾN NGHỊ", level=1)
    for _ in range(8):
        _dotted_line(doc)

    _para(doc, "Nguồn số liệu", bold=True, italic=True, size=Pt(11), indent=False).paragraph_format.space_before = \
        Pt(12)
    for note in sources_notes(f, settings):
        _para(doc, note, italic=True, size=Pt(11), after=Pt(2))
    doc.add_paragraph()
    _signature_block(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _dotted_line(doc) -> None:
    """A line to write on: a tab to the right margin with a dot leader, exactly one line wide in any font."""
    paragraph = doc.add_paragraph()
    paragraph.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT, WD_TAB_LEADER.DOTS)
    paragraph.add_run().add_tab()


def few_months_sentence(series: pd.DataFrame) -> str:
    """What section II says instead of its charts while there are fewer than `MIN_CHART_MONTHS` months."""
    if series.empty:
        return "Chưa có số liệu hằng tháng để so sánh với lộ trình."
    last = series.iloc[-1]
    months = ", ".join(fmt.month(p) for p in series["period"])
    return (f"Mới có số liệu {fmt.number(len(series))} tháng ({months}), chưa đủ {MIN_CHART_MONTHS} tháng để vẽ "
            f"diễn biến. Đến hết {fmt.month(last['period'])} có {fmt.number(last['total'])} người tham gia BHXH, "
            f"mức cần đạt theo lộ trình là {fmt.number(last['expected'])} người; trong đó "
            f"{fmt.number(last['voluntary'])} người tham gia tự nguyện, mức cần đạt "
            f"{fmt.number(last['voluntary_expected'])} người.")


def sources_notes(f: Figures, settings) -> list[str]:
    """The closing note: where the figures come from and how the forecast is made, in the report's own words
    (no page of the dashboard and no file is named: the reader has neither)."""
    s, o = f.summary, f.outlook
    updated = f", cập nhật đến ngày {fmt.date(f.updated)}" if f.updated is not None else ""
    notes = [f"Chỉ tiêu đến năm {settings.target_year}: theo Phụ lục {settings.title}.",
             f"Số liệu hằng tháng: do cơ quan Bảo hiểm xã hội cung cấp{updated}."]
    if s["stated_target"] != s["target"]:
        notes.append(f"Chỉ tiêu năm {settings.target_year} trong báo cáo là tổng chỉ tiêu của các xã, phường "
                     f"({fmt.number(s['target'])} người); kế hoạch ghi tổng số {fmt.number(s['stated_target'])} "
                     f"người, chênh lệch {fmt.number(abs(s['stated_target'] - s['target']))} người đang được rà soát.")
    if o["without_target"]:
        notes.append(f"Chưa có chỉ tiêu trong phụ lục: {', '.join(o['without_target'])}.")
    if o["projection"] is not None:
        notes.append(METHOD_VI)
    if o["left_out"]:
        left = ", ".join(f"{fmt.month(x['period'])} ({fmt.number(x['reporting'])}/{fmt.number(x['units'])} xã, "
                         "phường)" for x in o["left_out"])
        notes.append(f"Các tháng chưa đủ xã, phường báo cáo không dùng để dự báo: {left}.")
    return notes


def _signature_block(doc) -> None:
    """Recipients left, signature right, left blank for the secretariat."""
    table = doc.add_table(rows=1, cols=2)
    _widths(table, [8, 8])
    left, right = table.rows[0].cells
    _cell_text(left, "Nơi nhận:", bold=True, italic=True, size=Pt(12))
    for line in ("- ……………;", "- ……………;", "- Lưu: VT."):
        _cell_text(left, line, size=Pt(11))
    _cell_text(right, "……………", bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    _cell_text(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, align=WD_ALIGN_PARAGRAPH.CENTER, size=Pt(12))


# --- Excel ------------------------------------------------------------------------------------------

COMMUNE_COLUMNS = {
    "code": "Mã", "name": "Xã, phường", "former_district": "Huyện cũ", "former_province": "Tỉnh cũ",
    "target": "Chỉ tiêu tổng số", "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu", "total": "Số tham gia",
    "compulsory": "Bắt buộc", "voluntary": "Tự nguyện", "labour_force": "Lực lượng lao động",
    "expected": "Mức cần đạt theo lộ trình", "voluntary_expected": "Mức tự nguyện cần đạt",
    "gap_to_trajectory": "Chênh lệch so với lộ trình",
    "attainment": "Đạt chỉ tiêu tổng số", "voluntary_attainment": "Đạt chỉ tiêu tự nguyện",
    "progress": "Tiến độ tổng số", "voluntary_progress": "Tiến độ tự nguyện", "voluntary_share": "Tỷ trọng tự nguyện",
    "labour_coverage": "Bao phủ lực lượng lao động", "status": "Trạng thái", "reason": "Chậm về",
    "net_1m": "Tăng ròng 1 tháng", "net_3m": "Tăng ròng 3 tháng", "net_12m": "Tăng ròng 12 tháng",
}
LAGGING_COLUMNS = {"rank": "Hạng", **{k: COMMUNE_COLUMNS[k] for k in (
    "code", "name", "former_district", "status", "reason", "progress", "voluntary_progress", "total", "expected",
    "gap_to_trajectory", "voluntary", "voluntary_expected")}}
OUTLOOK_COLUMNS = {
    "code": "Mã", "name": "Xã, phường", "last_period": "Tháng số liệu cuối", "last_value": "Số tham gia tháng cuối",
    "projected": "Dự báo", "lower80": "Cận dưới 80 %", "upper80": "Cận trên 80 %", "target": "Chỉ tiêu",
    "projected_gap": "Còn thiếu theo dự báo", "required_monthly_increase": "Tăng ròng cần đạt mỗi tháng",
    "recent_monthly_increase": "Tăng ròng bình quân gần đây",
}
UPLOAD_COLUMNS = {
    "id": "Số", "kind": "Loại", "file_name": "Tệp", "uploaded_by": "Người tải lên", "uploaded_at": "Thời điểm",
    "periods": "Các tháng", "rows_read": "Số dòng đọc", "rows_stored": "Số dòng lưu", "is_demo": "Minh họa",
    "note": "Ghi chú", "withdrawn_at": "Thu hồi lúc", "withdrawn_by": "Người thu hồi", "sha256": "SHA-256",
}
UPLOAD_KINDS = {"monthly": "Số liệu hằng tháng", "annual": "Chỉ tiêu năm"}
# Number format of each numeric column, by its name in the analytics frames; any other column is text.
COLUMN_KINDS = {
    **dict.fromkeys(["attainment", "voluntary_attainment", "progress", "voluntary_progress", "voluntary_share",
                     "labour_coverage"], "pct"),
    **dict.fromkeys(["gap_to_trajectory", "net_1m", "net_3m", "net_12m", "projected_gap",
                     "recent_monthly_increase"], "signed"),
    **dict.fromkeys(["target", "voluntary_min", "total", "compulsory", "voluntary", "labour_force", "expected",
                     "voluntary_expected", "rank", "last_value", "projected", "lower80", "upper80",
                     "required_monthly_increase", "id", "rows_read", "rows_stored"], "whole"),
    **dict.fromkeys(["uploaded_at", "withdrawn_at"], "time"),
}
NUMBER_FORMATS = {"whole": "#,##0", "signed": "+#,##0;-#,##0;0", "pct": "0.0%", "time": "dd/mm/yyyy hh:mm",
                  "text": "@"}


def _cell(ws, row: int, col: int, value, style) -> None:
    """Text always as text: with strings_to_formulas off and the apostrophe from `neutralised`, nothing runs."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        ws.write_blank(row, col, None, style)
    elif isinstance(value, str):
        ws.write_string(row, col, value, style)
    elif isinstance(value, dt.datetime):
        ws.write_datetime(row, col, pd.Timestamp(value).to_pydatetime(), style)
    else:
        ws.write_number(row, col, float(value), style)


def _table(ws, styles, frame: pd.DataFrame, headers: dict, first_row: int = 0) -> None:
    """The ``headers`` columns of ``frame`` under their Vietnamese headers, each in its format, sized to fit."""
    safe = neutralised(frame[list(headers)].rename(columns=headers))
    for col, (column, header) in enumerate(zip(headers, safe.columns)):
        ws.write_string(first_row, col, header, styles["header"])
        kind = COLUMN_KINDS.get(column, "text")
        values = safe[header].tolist()
        for row, value in enumerate(values, start=first_row + 1):
            _cell(ws, row, col, value, styles[kind])
        longest = max([len(v) for v in values if isinstance(v, str)] or [10])
        width = min(max(longest, 10), 60) if kind == "text" else 14
        ws.set_column(col, col, max(width, min(len(header), 18)) + 2)
    ws.set_row(first_row, 32)


def _summary_sheet(book, styles, f: Figures, settings) -> None:
    ws = book.add_worksheet("Tổng hợp")
    rows = summary_rows(f, settings)
    _table(ws, styles, pd.DataFrame(rows, columns=["label", "unit", "value", "kind"]),
           {"label": "Nội dung", "unit": "Đơn vị tính"})
    ws.write_string(0, 2, "Số liệu", styles["header"])
    for row, (*_, value, kind) in enumerate(rows, start=1):
        _cell(ws, row, 2, value, styles[kind])
    ws.write_string(len(rows) + 2, 0, f"Kỳ báo cáo: {fmt.month(f.period)}", styles["text"])
    if f.demo:
        ws.write_string(len(rows) + 3, 0, "DỮ LIỆU MINH HỌA — số giả lập, không phải số liệu thực.", styles["bold"])
    ws.set_column(0, 0, 70)
    ws.set_column(2, 2, 14)
    ws.freeze_panes(1, 0)


def _sources_sheet(book, styles, f: Figures, settings) -> None:
    ws = book.add_worksheet("Nguồn dữ liệu")
    plan = pd.DataFrame([
        ("Kế hoạch", settings.title),
        ("Nghị quyết", settings.resolution),
        ("Tài liệu chỉ tiêu", f.plan["source_document"]),
        ("Tháng gốc của lộ trình", fmt.month(settings.baseline_month)),
        ("Lộ trình", f.trajectory),
        ("Phương pháp dự báo", METHOD_VI),
        ("Số liệu cập nhật lần cuối", fmt.date(f.updated) if f.updated is not None else "—"),
        ("Lập báo cáo", fmt.date(dt.date.today())),
    ], columns=["item", "content"])
    _table(ws, styles, plan, {"item": "Mục", "content": "Nội dung"})
    uploads = f.uploads.assign(is_demo=f.uploads["is_demo"].map({True: "Có", False: ""}),
                               kind=f.uploads["kind"].replace(UPLOAD_KINDS))
    first = len(plan) + 2
    ws.write_string(first, 0, "Lịch sử tải lên", styles["bold"])
    _table(ws, styles, uploads, UPLOAD_COLUMNS, first_row=first + 1)
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 90)
    ws.freeze_panes(1, 0)


def briefing_xlsx(con, settings, period: str) -> bytes:
    """The briefing's figures as a workbook: summary, every commune, lagging ones, projection, sources."""
    f = figures(con, settings, period)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                                        "strings_to_numbers": False})
    styles = {kind: book.add_format({"num_format": code, "valign": "top", "text_wrap": kind == "text"})
              for kind, code in NUMBER_FORMATS.items()}
    styles["header"] = book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "bg_color": "#E8EEF4",
                                        "border": 1})
    styles["bold"] = book.add_format({"bold": True})
    book.set_properties({"title": f"Báo cáo BHXH {fmt.month(period)}"})
    _summary_sheet(book, styles, f, settings)
    for name, frame, headers, frozen_columns in (
            ("Xã phường", labels.shown(f.table), COMMUNE_COLUMNS, 2),
            ("Chậm tiến độ", labels.shown(f.lagging), LAGGING_COLUMNS, 3),
            (f"Dự báo {settings.target_year}", _outlook_frame(f, settings), OUTLOOK_COLUMNS, 2)):
        ws = book.add_worksheet(name)
        _table(ws, styles, frame, headers)
        ws.freeze_panes(1, frozen_columns)  # the header row and the commune's name stay in view
    _sources_sheet(book, styles, f, settings)
    book.close()
    return buffer.getvalue()


def _outlook_frame(f: Figures, settings) -> pd.DataFrame:
    """The province first, then each commune with the largest projected shortfall first."""
    o, fit = f.outlook, f.outlook["projection"]
    province = {"code": None, "name": f"Toàn tỉnh {settings.province}", "target": o["target"],
                "projected_gap": o["gap"], "required_monthly_increase": o["required"]}
    if fit is not None:
        province |= {"last_period": fit.last_period, "last_value": fit.last_value, "projected": fit.projected,
                     "lower80": fit.lower80, "upper80": fit.upper80, "recent_monthly_increase": fit.slope_per_month}
    frame = pd.concat([pd.DataFrame([province]), f.communes_outlook], ignore_index=True)[list(OUTLOOK_COLUMNS)]
    frame["last_period"] = frame["last_period"].map(lambda p: fmt.month(p) if isinstance(p, str) else None)
    return frame

