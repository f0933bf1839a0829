"""Upload templates that already list every commune, so people only type counts (monthly results, annual targets,
labour force).

The headers are ones the reader knows, so a filled-in template always reads back.
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import xlsxwriter

from analytics.intake.fields import ANNUAL, LABOUR, MONTHLY, Kind
from analytics.intake.values import parse_period

ORDER = ("code", "commune", "period", "total", "compulsory", "voluntary", "labour_force")
HEADERS = MONTHLY.labels | {"period": "Kỳ (YYYY-MM)"}
SHEET = "Số liệu"
GUIDE = "Hướng dẫn"
HEADER_ROW = 2  # 0-based: a title and a note sit above the header
COUNT_ERROR = "Số người phải là số nguyên từ 0 trở lên, không có chữ hay dấu phẩy (ví dụ 12345)."
GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN MẪU SỐ NGƯỜI THAM GIA BHXH THEO XÃ/PHƯỜNG",
    "",
    "1. Mỗi dòng của trang “Số liệu” là một xã/phường; không sửa cột Mã xã và Tên xã/phường (nền xám).",
    "2. Cột Kỳ ghi tháng của số liệu theo dạng 2026-01. Nếu để trống, hãy chọn tháng khi tải tệp lên.",
    "3. Tổng số người tham gia, BHXH bắt buộc, BHXH tự nguyện: ghi số người (số nguyên, không âm).",
    "4. Lực lượng lao động trong độ tuổi: không bắt buộc; ghi nếu có số liệu.",
    "5. Không thêm dòng tổng cộng: hệ thống tự cộng từ các xã/phường.",
    "6. Có thể ghi số có dấu chấm tách nghìn (12.345); không dùng dấu phẩy.",
    "7. Lưu tệp dạng .xlsx rồi tải lên trang Nhập số liệu.",
)


def _code(value) -> str:
    """Official codes are five digits; a code stored as a number lost its leading zeros."""
    text = str(value).strip()
    return text.zfill(5) if text.isdigit() else text


def _month(period: str | None) -> str | None:
    return parse_period(period) if period is not None else None


def _formats(book):
    """Header, fixed (code and name: grey, not to edit) and count cell formats shared by both templates."""
    return (book.add_format({"bold": True, "text_wrap": True, "valign": "vcenter", "border": 1,
                             "bg_color": "#DDEBF7"}),
            book.add_format({"num_format": "@", "bg_color": "#D9D9D9", "border": 1}),
            book.add_format({"num_format": "#,##0", "border": 1}))


def monthly_template_xlsx(units: pd.DataFrame, period: str | None = None) -> bytes:
    """An XLSX with one row per unit (``units``: code, name), checked count cells and a guide sheet."""
    month = _month(period)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header, fixed, count = _formats(book)
    title = book.add_format({"bold": True, "font_size": 14})
    text = book.add_format({"num_format": "@", "border": 1})
    ws = book.add_worksheet(SHEET)
    shown = f"tháng {month[5:]}/{month[:4]}" if month else "tháng ghi ở cột Kỳ"
    ws.write_string(0, 0, f"SỐ NGƯỜI THAM GIA BHXH THEO XÃ/PHƯỜNG – {shown}".upper(), title)
    ws.write_string(1, 0, "Điền số người vào các cột số liệu; không sửa mã và tên xã/phường (nền xám).")
    for col, name in enumerate(ORDER):
        ws.write_string(HEADER_ROW, col, HEADERS[name], header)
    first = HEADER_ROW + 1
    for row, (code, name) in enumerate(zip(units["code"], units["name"]), start=first):
        ws.write_string(row, 0, _code(code), fixed)
        ws.write_string(row, 1, str(name), fixed)
        if month:
            ws.write_string(row, 2, month, text)
        else:
            ws.write_blank(row, 2, None, text)
        for col in range(3, len(ORDER)):
            ws.write_blank(row, col, None, count)
    last = first + max(len(units), 1) - 1
    ws.data_validation(first, 3, last, len(ORDER) - 1, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "input_title": "Số người", "input_message": "Nhập số nguyên từ 0 trở lên.",
        "error_title": "Số liệu không hợp lệ", "error_message": COUNT_ERROR,
    })
    ws.data_validation(first, 2, last, 2, {"validate": "any", "input_title": "Kỳ báo cáo",
                                           "input_message": "Ghi tháng theo dạng 2026-01."})
    ws.freeze_panes(first, 2)
    ws.set_row(HEADER_ROW, 45)
    ws.set_column(0, 0, 10)
    ws.set_column(1, 1, 28)
    ws.set_column(2, len(ORDER) - 1, 16)
    guide_sheet(book, GUIDE_LINES, title)
    book.close()
    return out.getvalue()


def monthly_template_csv(units: pd.DataFrame, period: str | None = None) -> bytes:
    """A CSV of the same columns, UTF-8 with BOM so Excel shows Vietnamese correctly.

    Semicolons, because Excel on Vietnamese Windows splits on them; the month is
    written 'T01/2026', because Excel silently turns '2026-01' into a date.
    """
    month = _month(period)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([HEADERS[name] if name != "period" else "Kỳ (tháng/năm)" for name in ORDER])
    shown = f"T{month[5:]}/{month[:4]}" if month else ""
    for code, name in zip(units["code"], units["name"]):
        writer.writerow([_code(code), str(name), shown, "", "", "", ""])
    return out.getvalue().encode("utf-8-sig")


ANNUAL_SHEET = "Chỉ tiêu năm"
LABOUR_SHEET = "Lực lượng lao động"
LABOUR_GUIDE = (
    "HƯỚNG DẪN ĐIỀN LỰC LƯỢNG LAO ĐỘNG TRONG ĐỘ TUỔI THEO XÃ, PHƯỜNG",
    "",
    "1. Mỗi dòng là lực lượng lao động trong độ tuổi của một xã, phường trong một năm; không sửa cột Mã xã và "
    "Tên xã, phường (nền xám).",
    "2. Ghi số người (số nguyên, không âm), theo số liệu của cơ quan thống kê hoặc cơ sở dữ liệu dân cư.",
    "3. Khi tải tệp lên, ghi nguồn số liệu (ví dụ: Cục Thống kê, niên giám năm 2025): mọi tỷ lệ bao phủ tính "
    "từ tệp này sẽ nêu nguồn đó.",
    "4. Lưu tệp dạng .xlsx rồi tải lên trang Nhập số liệu, loại «Lực lượng lao động trong độ tuổi (theo năm)».",
)


def yearly_xlsx(rows: pd.DataFrame, kind: Kind, sheet: str, years: tuple[int, int], guide: tuple[str, ...]) -> bytes:
    """A per-year kind (annual targets, labour force) in the shape the reader takes back: header on row 1, one row
    per (year, commune).

    ``rows``: year, code, name and the kind's measures (blank where not filled in); ``years``: the first and last
    year a cell may hold; ``guide``: the lines of the guide sheet.
    """
    order = ("year", "code", "commune", *kind.measures)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header, fixed, count = _formats(book)
    year = book.add_format({"num_format": "0", "border": 1})
    ws = headed_sheet(book, sheet, [kind.labels[name] for name in order], header)
    for row, r in enumerate(rows.itertuples(index=False), start=1):
        ws.write_number(row, 0, int(r.year), year)
        ws.write_string(row, 1, _code(r.code), fixed)
        ws.write_string(row, 2, str(r.name), fixed)
        for col, measure in enumerate(kind.measures, start=3):
            value = getattr(r, measure)
            if pd.isna(value):
                ws.write_blank(row, col, None, count)
            else:
                ws.write_number(row, col, int(value), count)
    last = max(len(rows), 1)
    ws.data_validation(1, 0, last, 0, {
        "validate": "integer", "criteria": "between", "minimum": years[0], "maximum": years[1],
        "error_title": "Năm không hợp lệ", "error_message": f"Năm từ {years[0]} đến {years[1]}.",
    })
    ws.data_validation(1, 3, last, len(order) - 1, {
        "validate": "integer", "criteria": ">=", "value": 0,
        "input_title": "Số người", "input_message": "Nhập số người, số nguyên từ 0 trở lên.",
        "error_title": "Số liệu không hợp lệ", "error_message": COUNT_ERROR,
    })
    ws.freeze_panes(1, 0)
    ws.set_row(0, 30)
    ws.set_column(0, 1, 10)
    ws.set_column(2, 2, 28)
    ws.set_column(3, len(order) - 1, 18)
    guide_sheet(book, guide)
    book.close()
    return out.getvalue()


def annual_xlsx(rows: pd.DataFrame, years: tuple[int, int], guide: tuple[str, ...]) -> bytes:
    """Annual targets (``rows``: year, code, name, total_target, voluntary_min) as ``yearly_xlsx`` writes them."""
    return yearly_xlsx(rows, ANNUAL, ANNUAL_SHEET, years, guide)


def _labour_rows(units: pd.DataFrame, year: int) -> pd.DataFrame:
    return pd.DataFrame({"year": year, "code": units["code"].map(_code), "name": units["name"].astype(str),
                         "labour_force": None})


def labour_template_xlsx(units: pd.DataFrame, year: int, years: tuple[int, int]) -> bytes:
    """Every unit (``units``: code, name) for ``year``, the labour force to fill in."""
    return yearly_xlsx(_labour_rows(units, year), LABOUR, LABOUR_SHEET, years, LABOUR_GUIDE)


def labour_template_csv(units: pd.DataFrame, year: int) -> bytes:
    """The same rows as a CSV, UTF-8 with BOM and semicolons like the monthly one."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([LABOUR.labels[name] for name in ("year", "code", "commune", "labour_force")])
    for r in _labour_rows(units, year).itertuples(index=False):
        writer.writerow([r.year, r.code, r.name, ""])
    return out.getvalue().encode("utf-8-sig")


def headed_sheet(book, name: str, headers: list[str], header_format):
    """A new sheet whose first row is ``headers``, as the reader takes them back."""
    ws = book.add_worksheet(name)
    for col, text in enumerate(headers):
        ws.write_string(0, col, text, header_format)
    return ws


def guide_sheet(book, lines: tuple[str, ...], first=None) -> None:
    """The workbook's guide: one wide column of ``lines``, the first in the ``first`` format when given."""
    sheet = book.add_worksheet(GUIDE)
    sheet.set_column(0, 0, 110)
    for row, line in enumerate(lines):
        sheet.write_string(row, 0, line, first if row == 0 else None)
