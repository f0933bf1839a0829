"""Arrears per commune and employer lists: tax codes, every defect at its cell with nothing stored, and which
list is in force for a month.

The files live in tests/fixtures/arrears/, written by tests/fixtures/make_fixtures.py. The three sound
employers there are Phường Phố Hiến 0100109106 (1.250,5 triệu), Xã Tân Hưng 0800123459 (86,2) and
Phường Hồng Châu 2300456781 (412); file row 1 is the header.
"""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest

from analytics.access.accounts import User
from analytics.errors import ValidationFailed
from analytics.intake import apply, describe, prepare, taxcode
from analytics.intake.problem import BadValue
from analytics.storage import db, reads, writes

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
TODAY = dt.date(2026, 11, 27)
FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "arrears"


def test_check_digit_of_a_known_valid_code():
    """0100109106: 0·31 + 1·29 + 0·23 + 0·19 + 1·17 + 0·13 + 9·7 + 1·5 + 0·3 = 29 + 17 + 63 + 5 = 114;
    114 mod 11 = 4; 10 − 4 = 6, the tenth digit."""
    assert taxcode.check_digit("010010910") == 6
    assert taxcode.parse("0100109106") == taxcode.TaxCode("0100109106", "enterprise")


def test_wrong_check_digit_names_the_expected_one():
    """0800123458: 0·31 + 8·29 + 0 + 0 + 1·17 + 2·13 + 3·7 + 4·5 + 5·3 = 232 + 17 + 26 + 21 + 20 + 15 = 331;
    331 mod 11 = 1 (11·30 = 330); 10 − 1 = 9, so 8 is wrong and 0800123459 is right."""
    with pytest.raises(BadValue) as raised:
        taxcode.parse("0800123458")
    assert (raised.value.code, raised.value.params["expected"]) == ("tax_code_check_digit", 9)
    assert taxcode.parse("0800123459").kind == "enterprise"


def test_nine_digits_whose_remainder_is_zero_have_no_valid_code():
    """360011223: 3·31 + 6·29 + 0 + 0 + 1·17 + 1·13 + 2·7 + 2·5 + 3·3 = 93 + 174 + 17 + 13 + 14 + 10 + 9 = 330;
    330 mod 11 = 0; 10 − 0 = 10, no single digit: every 360011223x is refused."""
    assert taxcode.check_digit("360011223") is None
    with pytest.raises(BadValue) as raised:
        taxcode.parse("3600112230")
    assert raised.value.code == "tax_code_no_check_digit"


def test_branch_suffix_and_personal_numbers():
    """A branch keeps its suffix (checked on the ten digits before it); twelve digits are a person's number,
    taken as written; an Excel number cell 100109106 lost its leading zero and gets it back."""
    assert taxcode.parse("0100109106-001") == taxcode.TaxCode("0100109106-001", "branch")
    assert taxcode.parse(" 0100109106 - 012 ".replace(" ", "")).code == "0100109106-012"
    assert taxcode.parse("001234567890") == taxcode.TaxCode("001234567890", "personal")
    assert taxcode.parse(100109106.0).code == "0100109106"
    for bad, code in (("0100109107-001", "tax_code_check_digit"), ("0100109106-000", "branch_code_invalid"),
                      ("01001091", "tax_code_length"), ("0100109106-01", "branch_code_invalid"),
                      ("MST0100109106", "tax_code_not_digits")):
        with pytest.raises(BadValue) as raised:
            taxcode.parse(bad)
        assert raised.value.code == code


# (file, kind, file row, column header as written or None, code)
CASES = [
    ("dn-ma-so-thue-sai-chu-so-kiem-tra.csv", "employers", 3, "Mã số thuế", "tax_code_check_digit"),
    ("dn-ma-so-thue-thieu-chu-so.csv", "employers", 4, "Mã số thuế", "tax_code_length"),
    ("dn-ma-chi-nhanh-hai-chu-so.csv", "employers", 2, "Mã số thuế", "branch_code_invalid"),
    ("dn-so-tien-no-am.csv", "employers", 4, "Số tiền nợ (triệu đồng)", "negative_amount"),
    ("dn-xa-khong-co.csv", "employers", 3, "Xã, phường", "unknown_commune"),
    ("dn-tinh-trang-khong-ro.csv", "employers", 2, "Tình trạng", "unknown_status"),
    ("dn-so-thang-la-chu.csv", "employers", 3, "Số tháng chậm đóng", "not_a_count"),
    ("dn-trung-don-vi-cung-thang.csv", "employers", 5, "Mã số thuế", "duplicate_employer"),
    ("no-so-don-vi-la-chu.csv", "arrears", 3, "Số đơn vị chậm đóng", "not_a_count"),
    ("no-khong-co-cot-so-lieu.csv", "arrears", 1, None, "missing_measure_columns"),
    ("no-so-tien-am.xlsx", "arrears", 6, "Số tiền nợ (triệu đồng)", "negative_amount"),
]


@pytest.mark.parametrize(("name", "kind", "row", "column", "code"), CASES, ids=[c[0] for c in CASES])
def test_defect_is_reported_at_its_cell_and_nothing_is_stored(con, name, kind, row, column, code):
    before = db.checksums(con)
    prepared = prepare(con, (FOLDER / name).read_bytes(), name, kind=kind, today=TODAY)
    at_cell = [p for p in prepared.errors if (p.row, p.column) == (row, column)]
    assert code in [p.code for p in at_cell], [describe(p) for p in prepared.checked.problems]
    with pytest.raises(ValidationFailed):
        apply(con, prepared, user=ANALYST, confirm_warnings=True)
    assert db.checksums(con) == before


def test_every_arrears_fixture_is_a_case():
    assert {p.name for p in FOLDER.iterdir()} == {c[0] for c in CASES}


def _employers(con, rows, sha, now):
    text = "Kỳ;Tên đơn vị;Mã số thuế;Xã, phường;Số tháng chậm đóng;Số tiền nợ (triệu đồng);Tình trạng\r\n" + "".join(
        ";".join(r) + "\r\n" for r in rows)
    prepared = prepare(con, text.encode(), f"{sha}.csv", kind="employers", today=TODAY)
    assert not prepared.errors, [describe(p) for p in prepared.errors]
    return apply(con, prepared, user=ANALYST, confirm_warnings=True, now=now)


def test_a_new_list_of_a_month_replaces_it_whole_and_a_withdrawal_brings_it_back(con):
    """October: A (0100109106, 1.250,5) and B (0800123459, 86,2); then October again with B only (90): A is gone
    from October, not kept from the older list; withdrawing the second brings both back. September's list is
    untouched by either."""
    t0 = dt.datetime(2026, 11, 5, 9)
    _employers(con, [["2026-09", "Công ty C", "2300456781", "Phường Hồng Châu", "2", "40", "Nợ đọng"]], "sep", t0)
    _employers(con, [["2026-10", "Công ty A", "0100109106", "Phường Phố Hiến", "4", "1.250,5", "Chậm đóng"],
                     ["2026-10", "Công ty B", "0800123459", "Xã Tân Hưng", "7", "86,2", "Trốn đóng"]], "oct1", t0)
    second = _employers(con, [["2026-10", "Công ty B", "0800123459", "Xã Tân Hưng", "8", "90", "Trốn đóng"]],
                        "oct2", t0 + dt.timedelta(hours=1))

    def listed():
        frame = reads.employers(con)
        return sorted(zip(frame["period"], frame["tax_code"], frame["amount_owed"], frame["status"]))

    assert listed() == [("2026-09", "2300456781", 40.0, "owing"), ("2026-10", "0800123459", 90.0, "evading")]
    writes.withdraw(con, second, ANALYST, now=t0 + dt.timedelta(hours=2))
    assert listed() == [("2026-09", "2300456781", 40.0, "owing"), ("2026-10", "0100109106", 1250.5, "late"),
                        ("2026-10", "0800123459", 86.2, "evading")]


def test_arrears_rows_left_blank_are_no_report_and_amounts_read_both_ways(con):
    """A template row with no figure is not stored; 1.234,5 (Vietnamese) and 20.75 (plain) are amounts;
    a column left out is missing, not zero."""
    text = ("Mã xã;Tên xã/phường;Kỳ (YYYY-MM);Số đơn vị chậm đóng;Số tiền nợ (triệu đồng)\r\n"
            "11953;Phường Phố Hiến;2026-10;12;1.234,5\r\n11977;Xã Tân Hưng;2026-10;;\r\n"
            "11980;Phường Hồng Châu;2026-10;3;20.75\r\n")
    prepared = prepare(con, text.encode(), "no-10.csv", kind="arrears", today=TODAY)
    assert not prepared.errors
    apply(con, prepared, user=ANALYST, confirm_warnings=True)
    frame = reads.arrears(con)
    assert frame[["period", "code", "employers_late", "amount_owed"]].values.tolist() == [
        ["2026-10", "11953", 12.0, 1234.5], ["2026-10", "11980", 3.0, 20.75]]
    assert frame["workers_affected"].isna().all()


def test_filled_templates_read_back(con):
    """The arrears template lists all 104 communes; one filled row (4 late, 12,5 triệu) is the one row stored.
    The employer template has the headers only; one employer typed under them reads back with its commune."""
    import io

    import openpyxl

    from analytics.intake.arrears_templates import arrears_template_xlsx, employers_template_xlsx
    from analytics.units.communes import units

    def filled(data: bytes, row: list) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(data))
        sheet = book.worksheets[0]
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(row=2, column=col, value=value)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    registry = units(con)
    blank = openpyxl.load_workbook(io.BytesIO(arrears_template_xlsx(registry))).worksheets[0]
    assert blank.max_row == 1 + len(registry) == 105
    prepared = prepare(con, filled(arrears_template_xlsx(registry), [None, None, "2026-10", 4, None, 12.5]),
                       "mau-no.xlsx", kind="arrears", today=TODAY)
    assert not prepared.errors and prepared.checked.table[["code", "employers_late", "amount_owed"]].values.tolist() \
        == [[registry["code"].iloc[0], 4, 12.5]]
    prepared = prepare(con, filled(employers_template_xlsx(registry), [
        "2026-10", "Công ty TNHH Minh họa An Phát", "0100109106", "TA0101A", "11953", None, 3, "1.250,5",
        "Chậm đóng"]), "mau-dn.xlsx", kind="employers", today=TODAY)
    assert not prepared.errors
    assert prepared.checked.table[["code", "tax_code", "unit_code", "months_late", "amount_owed", "status"]] \
        .values.tolist() == [["11953", "0100109106", "TA0101A", 3, 1250.5, "late"]]


def _office_list(total: str) -> bytes:
    """An employer list as an office prints it: agency and title lines, a header on row 4, three employers (one a
    branch, one a person's 12-digit number), a «Tổng cộng» row stating ``total`` and a signature block."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["BẢO HIỂM XÃ HỘI TỈNH"], ["DANH SÁCH ĐƠN VỊ NỢ, CHẬM ĐÓNG BHXH THÁNG 10/2026"], [],
                ["STT", "Tên đơn vị", "Mã số thuế", "Mã đơn vị", "Địa bàn", "Số tháng nợ", "Số tiền nợ (triệu đồng)",
                 "Tình trạng"],
                [1, "Công ty TNHH Minh họa An Phát", "0100109106", "TA0001A", "P. Phố Hiến", 4, "1.250,5", "Chậm đóng"],
                [2, "HTX Minh họa Bình Minh", "0800123459-001", "TA0002B", "Xã Tân Hưng", 7, 86.2, "nợ đọng"],
                [3, "Ông Nguyễn Văn Minh Họa", "001085012345", None, "Phường Phố Hiến", 2, "12,0", "trốn đóng"],
                [None, "Tổng cộng", None, None, None, None, total, None], [],
                [None, None, None, None, None, "Hưng Yên, ngày 05 tháng 11 năm 2026"],
                [None, "Người lập biểu", None, None, None, "Giám đốc"]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_office_list_sets_its_total_and_signature_aside_and_checks_the_total(con):
    """1.250,5 + 86,2 + 12,0 = 1.348,7 triệu: the «Tổng cộng» row (file row 8), written in the employer column,
    is the grand total, not an employer with no tax code; stated as 1.348,8 it is a warning of +0,1 at its cell,
    and the three employers still read."""
    right = prepare(con, _office_list("1.348,7"), "ds-no.xlsx", kind="employers", today=TODAY)
    assert not right.errors and not right.warnings
    assert right.checked.table["tax_code"].tolist() == ["0100109106", "0800123459-001", "001085012345"]
    assert [(a.row, a.kind) for a in right.reading.aside if a.kind != "signature"] == [(8, "grand_total")]
    assert {a.kind for a in right.reading.aside} == {"grand_total", "signature"}

    wrong = prepare(con, _office_list("1.348,8"), "ds-no-sai.xlsx", kind="employers", today=TODAY)
    assert not wrong.errors and len(wrong.checked.table) == 3
    assert [(p.row, p.column, p.code) for p in wrong.warnings] == [
        (8, "Số tiền nợ (triệu đồng)", "stated_total_differs")]
    assert {k: wrong.warnings[0].params[k] for k in ("stated", "summed", "difference")} == {
        "stated": 1348.8, "summed": 1348.7, "difference": 0.1}
