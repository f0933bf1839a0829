"""Templates of the two arrears files: figures per commune (every commune listed), and the employer list (one
row per employer, the communes on a sheet of their own). Their headers are ones the reader knows."""

from __future__ import annotations

import csv
import io

import pandas as pd
import xlsxwriter

from analytics.intake.fields import ARREARS, EMPLOYERS
from analytics.intake.templates import _code, _formats, guide_sheet, headed_sheet

ARREARS_ORDER = ("code", "commune", "period", "employers_late", "workers_affected", "amount_owed",
                 "employers_evading")
EMPLOYER_ORDER = ("period", "employer", "tax_code", "unit_code", "code", "commune", "months_late", "amount_owed",
                  "status")
PERIOD_HEADER = "Kỳ (YYYY-MM)"
ARREARS_GUIDE = (
    "HƯỚNG DẪN ĐIỀN MẪU NỢ, CHẬM ĐÓNG BHXH THEO XÃ/PHƯỜNG",
    "",
    "1. Mỗi dòng là một xã/phường; không sửa Mã xã và Tên xã/phường (nền xám).",
    "2. Kỳ: tháng của số liệu, dạng 2026-01; để trống thì chọn tháng khi tải lên.",
    "3. Các cột số liệu đều không bắt buộc, nhưng mỗi tệp cần ít nhất một cột; xã không có số liệu để trống cả dòng.",
    "4. Số đơn vị, số lao động: số nguyên từ 0. Số tiền nợ: triệu đồng, có thể có phần thập phân (1.234,5 hoặc "
    "1234.5).",
)
EMPLOYER_GUIDE = (
    "HƯỚNG DẪN ĐIỀN DANH SÁCH ĐƠN VỊ NỢ, CHẬM ĐÓNG, TRỐN ĐÓNG BHXH",
    "",
    "1. Mỗi dòng là một đơn vị trong tháng; mỗi mã số thuế (kể cả mã chi nhánh -001…) chỉ một dòng mỗi tháng.",
    "2. Mã số thuế: 10 chữ số (chữ số cuối là chữ số kiểm tra), chi nhánh thêm -001 … -999; cá nhân ghi số định "
    "danh 12 chữ số. Định dạng ô là chữ để giữ số 0 ở đầu.",
    "3. Xã, phường: ghi mã xã hoặc tên xã như trang “Danh mục xã”.",
    "4. Tình trạng: «Chậm đóng», «Trốn đóng» hoặc «Nợ đọng». Số tiền nợ: triệu đồng (1.234,5 hoặc 1234.5).",
    "5. Tải lên lại danh sách của một tháng sẽ thay toàn bộ danh sách tháng đó.",
    "6. Danh sách không được công khai cho đến khi quản trị viên công bố danh sách của tháng.",
)


def _header(kind, name: str) -> str:
    return PERIOD_HEADER if name == "period" else kind.labels[name]


def _book(sheet: str, headers: list[str], rows: list[list[str]], guide: tuple[str, ...],
          units: pd.DataFrame | None = None) -> bytes:
    """One sheet with ``headers`` and ``rows`` (text cells; the first two grey when they are a commune's code and
    name), a guide sheet, and, when ``units`` are given, a sheet listing every commune."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    header, fixed, _ = _formats(book)
    text = book.add_format({"num_format": "@", "border": 1})
    ws = headed_sheet(book, sheet, headers, header)
    for row, cells in enumerate(rows, start=1):
        for col, value in enumerate(cells):
            ws.write_string(row, col, value, fixed if units is None and col < 2 else text)
    ws.set_column(0, len(headers) - 1, 18, text)
    ws.set_row(0, 45)
    ws.freeze_panes(1, 0)
    if units is not None:
        listing = headed_sheet(book, "Danh mục xã", ["Mã xã", "Tên xã/phường"], header)
        for row, (code, name) in enumerate(zip(units["code"], units["name"]), start=1):
            listing.write_string(row, 0, _code(code), fixed)
            listing.write_string(row, 1, str(name), fixed)
        listing.set_column(0, 1, 28)
    guide_sheet(book, guide)
    book.close()
    return out.getvalue()


def _csv(headers: list[str], rows: list[list[str]]) -> bytes:
    """Semicolons and a BOM, as Excel on Vietnamese Windows reads them (see templates.monthly_template_csv)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerows([headers, *rows])
    return out.getvalue().encode("utf-8-sig")


def _arrears_rows(units: pd.DataFrame) -> list[list[str]]:
    return [[_code(code), str(name)] + [""] * (len(ARREARS_ORDER) - 2) for code, name in zip(units["code"],
                                                                                             units["name"])]


def arrears_template_xlsx(units: pd.DataFrame) -> bytes:
    return _book("Nợ chậm đóng", [_header(ARREARS, n) for n in ARREARS_ORDER], _arrears_rows(units), ARREARS_GUIDE)


def arrears_template_csv(units: pd.DataFrame) -> bytes:
    return _csv([_header(ARREARS, n) for n in ARREARS_ORDER], _arrears_rows(units))


def employers_template_xlsx(units: pd.DataFrame) -> bytes:
    return _book("Danh sách đơn vị", [_header(EMPLOYERS, n) for n in EMPLOYER_ORDER], [], EMPLOYER_GUIDE, units)


def employers_template_csv(units: pd.DataFrame) -> bytes:
    return _csv([_header(EMPLOYERS, n) for n in EMPLOYER_ORDER], [])
