"""Reading against the shapes of files people really send; expectations worked out by hand.

These tests read without a database: the units are a handful of made-up communes.
"""

import csv
import datetime as dt
import io
import unicodedata

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.intake.confined import sheet_names
from analytics.intake.fields import KINDS, MONTHLY
from analytics.intake.problem import BadValue
from analytics.intake.reading import read
from analytics.intake.units import Units
from analytics.intake.values import parse_count, parse_period

TONES = "\u0300\u0301\u0303\u0309\u0323"


def csv_bytes(lines, encoding="utf-8", sep=","):
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n").writerows(lines)
    return out.getvalue().encode(encoding)


def cp1258(text: str) -> bytes:
    """What Windows writes: base letters precomposed, tone marks as separate combining characters."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        nfd = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in nfd if c not in TONES))
        out.append(base + "".join(c for c in nfd if c in TONES))
    return "".join(out).encode("cp1258")


def xlsx_bytes(rows, merges=(), title="Sheet1", more=()):
    book = openpyxl.Workbook()
    sheets = [(title, rows, merges), *more]
    for n, (name, sheet_rows, sheet_merges) in enumerate(sheets):
        ws = book.active if n == 0 else book.create_sheet()
        ws.title = name
        for row in sheet_rows:
            ws.append(list(row))
        for rng in sheet_merges:
            ws.merge_cells(rng)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


UNITS = Units.of([("01234", "Xã Tân Hưng"), ("01235", "Phường Đông Thụy Anh"), ("01236", "Xã Hòa Bình Thượng Đoạn"),
                   ("01237", "Xã Mỹ Lộc"), ("08888", "Xã Tám"), ("09999", "Xã Chín")])


def read_table(data, filename, *, period=None, sheet=None, kind="monthly"):
    return read(data, filename, UNITS, KINDS[kind], sheet=sheet, typed=period)


def records(raw):
    return raw.as_written().drop(columns="_row").to_dict("records")


def rows(raw):
    return list(raw.as_written()["_row"])


def label(raw, index, field):
    return raw.label(index, field)


def errors(raw):
    return [p for p in raw.problems if p.severity == "error"]


SIMPLE = [["Mã xã", "Tên xã/phường", "Tổng số", "Bắt buộc", "Tự nguyện"],
          ["01234", "Xã Tân Hưng", "12.345", "10.000", "2.345"],
          ["01235", "Phường Đông Thụy Anh", "900", "", "900"]]


# ---------------------------------------------------------------- encodings and separators

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
@pytest.mark.parametrize("sep", [",", ";"])
def test_csv_encodings_and_separators(encoding, sep):
    raw = read_table(csv_bytes(SIMPLE, encoding, sep), "so-lieu.csv", period="2026-01")
    assert raw.problems == []
    assert raw.headers == {"code": "Mã xã", "commune": "Tên xã/phường", "total": "Tổng số",
                           "compulsory": "Bắt buộc", "voluntary": "Tự nguyện"}
    assert records(raw)[0] == {"period": "2026-01", "code": "01234", "commune": "Xã Tân Hưng",
                               "total": "12.345", "compulsory": "10.000", "voluntary": "2.345",
                               "labour_force": None}
    assert records(raw)[1]["compulsory"] is None
    assert rows(raw) == [2, 3]
    assert raw.sheet is None


def test_csv_windows_1258_is_composed():
    text = "\r\n".join(",".join(r) for r in SIMPLE + [["01236", "Xã Hòa Bình Thượng Đoạn", "5", "0", "5"]])
    data = cp1258(text)
    assert b"\xcc" in data or b"\xf2" in data  # really written with combining marks
    raw = read_table(data, "so-lieu.csv", period="2026-01")
    assert raw.problems == []
    assert list(raw.as_written()["commune"]) == ["Xã Tân Hưng", "Phường Đông Thụy Anh", "Xã Hòa Bình Thượng Đoạn"]
    assert unicodedata.is_normalized("NFC", raw.as_written()["commune"].iloc[2])


def test_thousands_dots_survive_as_text():
    raw = read_table(csv_bytes(SIMPLE, sep=";"), "a.csv", period="2026-01")
    assert raw.as_written()["total"].iloc[0] == "12.345"
    assert parse_count(raw.as_written()["total"].iloc[0]) == 12345


# ---------------------------------------------------------------- header finding

def test_xlsx_title_rows_and_ignored_columns():
    lines = [["BÁO CÁO SỐ NGƯỜI THAM GIA BHXH THÁNG 01/2026"], ["Đơn vị tính: người"], [],
            ["STT", "Mã xã", "Tên xã/phường", "Tổng số", "Bắt buộc", "Tự nguyện", "Ghi chú"],
            [1, "01234", "Xã Tân Hưng", 12345, 10000, 2345, "đã rà soát"],
            [2, "01235", "Xã Mỹ Lộc", 800, 700, 100, None]]
    raw = read_table(xlsx_bytes(lines), "bao-cao.xlsx", period="2026-01")
    assert raw.problems == []
    assert set(raw.headers) == {"code", "commune", "total", "compulsory", "voluntary"}
    assert [(c.letter, c.how) for c in raw.columns if c.field is None] == [("A", "stt"), ("G", "note")]
    assert rows(raw) == [5, 6]
    assert records(raw)[0]["total"] == 12345
    assert raw.sheet == "Sheet1"


def test_csv_title_lines_count_in_row_numbers():
    lines = [["Báo cáo số người tham gia", "", ""], ["", "", ""], *SIMPLE]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert raw.problems == []
    assert rows(raw) == [4, 5]


def test_merged_two_row_header():
    lines = [["STT", "Mã xã", "Tên xã/phường", "Số người tham gia", None, None, "LLLĐ trong độ tuổi"],
            [None, None, None, "Tổng số", "Bắt buộc", "Tự nguyện", None],
            ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
            [1, "01234", "Xã Tân Hưng", 30, 20, 10, 100]]
    merges = ["A1:A2", "B1:B2", "C1:C2", "D1:F1", "G1:G2"]
    raw = read_table(xlsx_bytes(lines, merges), "a.xlsx", period="2026-02")
    assert raw.problems == []
    assert raw.headers == {"code": "Mã xã", "commune": "Tên xã/phường", "total": "Tổng số",
                           "compulsory": "Bắt buộc", "voluntary": "Tự nguyện",
                           "labour_force": "LLLĐ trong độ tuổi"}
    assert records(raw) == [{"period": "2026-02", "code": "01234", "commune": "Xã Tân Hưng", "total": 30,
                             "compulsory": 20, "voluntary": 10, "labour_force": 100}]
    assert rows(raw) == [4]
    assert [a.kind for a in raw.aside] == ["numbering"]


def test_chosen_sheet_default_first_and_unknown():
    first = [["Mã xã", "Tổng", "Tự nguyện"], ["01234", 1, 1]]
    second = [["Mã xã", "Tổng", "Tự nguyện"], ["09999", 2, 2], ["08888", 3, 3]]
    data = xlsx_bytes(first, title="Tháng 1", more=[("Tháng 2", second, ())])
    assert sheet_names(data, "a.xlsx", 20) == ["Tháng 1", "Tháng 2"]
    assert list(read_table(data, "a.xlsx", period="2026-01").as_written()["code"]) == ["01234"]
    chosen = read_table(data, "a.xlsx", sheet="Tháng 2", period="2026-02")
    assert (chosen.sheet, list(chosen.as_written()["code"])) == ("Tháng 2", ["09999", "08888"])
    unknown = read_table(data, "a.xlsx", sheet="Tháng 3", period="2026-03")
    assert unknown.records.empty
    assert [(p.row, p.column) for p in unknown.problems] == [(None, None)]
    assert (unknown.problems[0].code, unknown.problems[0].params) == (
        "no_such_sheet", {"sheet": "Tháng 3", "sheets": ["Tháng 1", "Tháng 2"]})


def test_sheet_names_of_csv_and_broken_file():
    assert sheet_names(b"a,b", "a.csv", 20) == []
    assert sheet_names(b"not a zip", "a.xlsx", 20) == []


@pytest.mark.parametrize("header", [
    ["Mã xã", "Tên xã/phường", "Tổng số người tham gia", "BHXH bắt buộc", "BHXH tự nguyện",
     "Lực lượng lao động"],
    ["Ma xa", "Ten xa", "Tong so", "Bat buoc", "Tu nguyen", "Luc luong lao dong"],
    ["MÃ ĐVHC", "XÃ/PHƯỜNG", "TỔNG", "BẮT BUỘC", "TỰ NGUYỆN", "LLLĐ TRONG ĐỘ TUỔI"],
    ["code", "commune", "total", "compulsory", "voluntary", "labour force"],
    ["Commune code", "Name", "Participants", "Compulsory", "Voluntary", "Labor force"],
    ["Mã đơn vị", "Đơn vị", "Tổng số người tham gia (người)", "Số người tham gia BHXH bắt buộc",
     "Số người tham gia BHXH tự nguyện", "Lực lượng lao động trong độ tuổi"],
])
def test_header_aliases(header):
    raw = read_table(csv_bytes([header, ["01234", "Xã A", "3", "1", "2", "9"]]), "a.csv", period="2026-01")
    assert raw.problems == []
    fields = ["code", "commune", "total", "compulsory", "voluntary", "labour_force"]
    assert raw.headers == dict(zip(fields, header))


@pytest.mark.parametrize("field,alias", [(f, a) for f, aliases in MONTHLY.examples.items() for a in aliases])
def test_every_example_header_reads_as_its_field(field, alias):
    """The headers messages offer as examples all work; also catches two fields sharing one wording."""
    base = {"code": "Mã xã", "total": "Tổng số", "voluntary": "Tự nguyện"} | {field: alias}
    value = {"period": "2026-01", "code": "01234"}
    raw = read_table(csv_bytes([list(base.values()), [value.get(f, "1") for f in base]]), "a.csv",
                     period="2026-01")
    assert raw.headers[field] == alias
    assert errors(raw) == []


# ---------------------------------------------------------------- shapes

def test_one_month_file_takes_the_chosen_month():
    raw = read_table(csv_bytes(SIMPLE), "a.csv", period="01/2026")
    assert list(raw.as_written()["period"]) == ["2026-01", "2026-01"]
    assert label(raw, 0, "period") is None


def test_one_month_file_without_month_asks_for_it():
    raw = read_table(csv_bytes(SIMPLE), "a.csv")
    assert [(p.row, p.column, p.severity, p.code) for p in raw.problems] == [(None, None, "error", "no_period")]


def test_long_file_with_period_column():
    lines = [["Kỳ", "Mã xã", "Tổng số", "Tự nguyện"], ["01/2026", "01234", "10", "2"],
             ["02/2026", "01234", "11", "3"], ["", "01235", "5", "5"]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-03")
    assert raw.problems == []
    # as written; only the blank cell takes the chosen month
    assert list(raw.as_written()["period"]) == ["01/2026", "02/2026", "2026-03"]
    assert label(raw, 1, "period") == "Kỳ"
    assert label(raw, 2, "period") is None


def test_blank_period_cells_without_a_chosen_month_are_left_for_the_validator():
    lines = [["Kỳ", "Mã xã", "Tổng số", "Tự nguyện"], ["01/2026", "01234", "10", "2"],
             ["", "01235", "5", "5"]]
    raw = read_table(csv_bytes(lines), "a.csv")
    assert raw.problems == []
    assert list(raw.as_written()["period"]) == ["01/2026", None]


def test_period_merged_down_the_rows():
    lines = [["Kỳ", "Mã xã", "Tổng số", "Tự nguyện"], ["01/2026", "01234", 5, 1], [None, "01235", 6, 2]]
    raw = read_table(xlsx_bytes(lines, ["A2:A3"]), "a.xlsx")
    assert raw.problems == []
    assert list(raw.as_written()["period"]) == ["01/2026", "01/2026"]


def test_wide_file_one_column_per_month():
    lines = [["Mã xã", "Tên xã", "01/2026", "Tháng 2/2026", "2026-03", "T4/2026"],
             ["01234", "Xã A", "10", "11", "12", ""],
             ["01235", "Xã B", "20", "21", "22", ""]]
    raw = read_table(csv_bytes(lines), "a.csv")
    assert [(r["code"], r["period"], r["total"]) for r in records(raw)] == [
        ("01234", "2026-01", "10"), ("01234", "2026-02", "11"), ("01234", "2026-03", "12"),
        ("01235", "2026-01", "20"), ("01235", "2026-02", "21"), ("01235", "2026-03", "22")]
    assert rows(raw) == [2, 2, 2, 3, 3, 3]
    assert label(raw, 1, "total") == "Tháng 2/2026"
    assert label(raw, 5, "period") == "2026-03"
    assert label(raw, 5, "code") == "Mã xã"
    # totals only: taken, with one warning naming the months that will lack the voluntary count
    assert errors(raw) == []
    assert [(p.row, p.column, p.severity) for p in raw.problems] == [(None, None, "warning")]
    assert (raw.problems[0].code, raw.problems[0].params) == (
        "totals_only", {"months": ["2026-01", "2026-02", "2026-03"]})


def test_wide_file_with_date_headers_from_excel():
    lines = [["Mã xã", dt.datetime(2026, 1, 1), dt.datetime(2026, 2, 1)], ["01234", 5, 6]]
    raw = read_table(xlsx_bytes(lines), "a.xlsx")
    assert list(raw.as_written()["period"]) == ["2026-01", "2026-02"]
    assert label(raw, 0, "total") == "01/2026"


WIDE_TWO_ROWS = [["Mã xã", "Tên xã/phường", "Tháng 1/2026", None, None, "Tháng 2/2026", None, None],
                 [None, None, "Tổng số", "Bắt buộc", "Tự nguyện", "Tổng số", "Bắt buộc", "Tự nguyện"],
                 ["01234", "Xã A", 30, 20, 10, 31, 20, 11]]


def test_wide_file_with_merged_month_over_measures():
    merges = ["A1:A2", "B1:B2", "C1:E1", "F1:H1"]
    raw = read_table(xlsx_bytes(WIDE_TWO_ROWS, merges), "a.xlsx", period="2025-12")
    assert raw.problems == []
    unit = {"code": "01234", "commune": "Xã A", "labour_force": None}
    assert records(raw) == [
        {"period": "2026-01", **unit, "total": 30, "compulsory": 20, "voluntary": 10},
        {"period": "2026-02", **unit, "total": 31, "compulsory": 20, "voluntary": 11}]
    assert rows(raw) == [3, 3]
    assert label(raw, 1, "voluntary") == "Tháng 2/2026 – Tự nguyện"
    assert label(raw, 1, "period") == "Tháng 2/2026"


def test_wide_two_row_csv_without_merges():
    lines = [["" if v is None else str(v) for v in row] for row in WIDE_TWO_ROWS]
    raw = read_table(csv_bytes(lines), "a.csv")
    assert raw.problems == []
    assert [(r["period"], r["total"], r["voluntary"]) for r in records(raw)] == [("2026-01", "30", "10"),
                                                                              ("2026-02", "31", "11")]


def test_wide_two_row_missing_measure_is_worked_out_for_its_month():
    lines = [row[:7] for row in WIDE_TWO_ROWS]  # February lost its "Tự nguyện": total − compulsory gives it
    raw = read_table(xlsx_bytes(lines, ["C1:E1", "F1:G1"]), "a.xlsx")
    assert raw.problems == []
    assert raw.derived == {"voluntary": "= tổng số − bắt buộc"}
    assert [(r["period"], r["voluntary"]) for r in records(raw)] == [("2026-01", 10), ("2026-02", 11)]
    assert label(raw, 1, "voluntary") is None


def test_wide_two_row_missing_total_and_a_part_names_the_month():
    lines = [row[:6] for row in WIDE_TWO_ROWS]  # February has only "Tổng số"... and loses it too
    lines = [[*row[:5], None] if n < 2 else row[:5] + [31] for n, row in enumerate(lines)]
    lines[0][5], lines[1][5] = "Tháng 2/2026", "Tự nguyện"
    raw = read_table(xlsx_bytes(lines, ["C1:E1"]), "a.xlsx")
    assert [(p.row, p.column) for p in errors(raw)] == [(1, "Tháng 2/2026")]
    assert (errors(raw)[0].code, errors(raw)[0].params["field"]) == ("month_missing_total_column",
                                                                     "Tổng số người tham gia")


def test_period_column_and_month_columns_together_is_an_error():
    lines = [["Kỳ", "Mã xã", "01/2026"], ["2026-01", "01234", "5"]]
    raw = read_table(csv_bytes(lines), "a.csv")
    assert "period_and_month_columns" in [p.code for p in errors(raw)]


# ---------------------------------------------------------------- rows set aside

@pytest.mark.parametrize("marker", ["Tổng", "Tổng cộng", "Cộng", "Toàn tỉnh", "TỔNG CỘNG"])
def test_total_row_is_set_aside_as_the_grand_total(marker):
    lines = [*SIMPLE, ["", "", "", "", ""], ["", marker, "13.245", "10.000", "3.245"]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert list(raw.as_written()["code"]) == ["01234", "01235"]
    assert raw.problems == []
    # compulsory is blank on one commune, so only the total and voluntary are added up
    assert [(a.row, a.kind, a.label, a.stated, a.summed) for a in raw.aside] == [
        (5, "grand_total", marker, {"total": 13245, "compulsory": 10000, "voluntary": 3245},
         {"total": 13245, "voluntary": 3245})]


def test_merged_total_label_and_blank_rows():
    lines = [["STT", "Mã xã", "Tên xã", "Tổng số", "Tự nguyện"], ["Tổng cộng", None, None, 8, 3], [],
             [1, "01234", "Xã A", 5, 2], [None] * 5, [2, "01235", "Xã B", 3, 1]]
    raw = read_table(xlsx_bytes(lines, ["A2:C2"]), "a.xlsx", period="2026-01")
    assert rows(raw) == [4, 6]
    assert [(a.row, a.kind, a.first, a.last) for a in raw.aside] == [(2, "grand_total", 4, 6)]
    assert raw.blank_rows == 2 and raw.problems == []


def test_column_numbering_row_is_set_aside():
    lines = [SIMPLE[0], ["(1)", "(2)", "(3)", "(4)", "(5)"], SIMPLE[1]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert rows(raw) == [3]
    assert [(a.row, a.kind) for a in raw.aside] == [(2, "numbering")]


# ---------------------------------------------------------------- problems

def test_totals_only_is_taken_with_a_warning_naming_what_will_be_missing():
    lines = [["Tiêu đề báo cáo"], ["Mã xã", "Tên xã", "Tổng số"], ["01234", "Xã A", "5"]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert [(p.row, p.column, p.severity) for p in raw.problems] == [(None, None, "warning")]
    assert (raw.problems[0].code, raw.problems[0].params) == ("totals_only", {"months": ["2026-01"]})
    assert raw.missing == ("compulsory", "voluntary")


def test_missing_total_that_the_parts_cannot_give_names_it_and_the_accepted_headers():
    lines = [["Tiêu đề báo cáo"], ["Mã xã", "Tên xã", "Tự nguyện"], ["01234", "Xã A", "5"]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert [(p.row, p.column, p.severity) for p in raw.problems] == [(2, None, "error")]
    problem = raw.problems[0]
    assert (problem.code, problem.params["field"]) == ("missing_column", "Tổng số người tham gia")
    assert "“Tổng cộng”" in problem.params["accepted"] and "“total”" in problem.params["accepted"]
    assert len(raw.records) == 1  # still shown for preview


def test_missing_identity_column():
    raw = read_table(csv_bytes([["Tổng số", "Tự nguyện"], ["5", "1"]]), "a.csv", period="2026-01")
    assert [(p.row, p.column) for p in errors(raw)] == [(1, None)]
    problem = errors(raw)[0]
    assert problem.code == "missing_identity_column"
    assert "“Mã xã”" in problem.params["code_accepted"] and "“Tên xã/phường”" in problem.params["commune_accepted"]


def test_header_not_found():
    raw = read_table(csv_bytes([["a", "b"], ["1", "2"]]), "a.csv", period="2026-01")
    assert raw.records.empty
    assert [(p.row, p.column) for p in raw.problems] == [(None, None)]
    assert raw.problems[0].code == "no_header"


def test_duplicate_column_keeps_the_first_and_names_the_second():
    lines = [["Mã xã", "Tổng số", "Tổng", "Tự nguyện"], ["01234", "5", "6", "1"]]
    raw = read_table(csv_bytes(lines), "a.csv", period="2026-01")
    assert [(p.row, p.column) for p in errors(raw)] == [(1, "Tổng")]
    assert raw.as_written()["total"].tolist() == ["5"]


@pytest.mark.parametrize("data,filename,code", [
    (b"", "a.csv", "empty_file"),
    (b"   \r\n , \r\n", "a.csv", "no_data"),
    (b"PK\x03\x04 broken", "a.xlsx", "excel_unopenable"),
    (b"\xd0\xcf\x11\xe0", "a.xls", "xls_file"),
    (b"%PDF-1.4", "a.pdf", "unknown_file_type"),
    (b"Ma xa,Tong\r\n\x81\x8a\x8d", "a.csv", "csv_encoding"),
])
def test_unreadable_files_give_a_problem_not_an_exception(data, filename, code):
    raw = read_table(data, filename, period="2026-01")
    assert raw.records.empty
    assert [(p.row, p.column, p.severity, p.code) for p in raw.problems] == [(None, None, "error", code)]


# ---------------------------------------------------------------- values

@pytest.mark.parametrize("value,expected", [
    ("12.345", 12345), ("12345", 12345), (12345.0, 12345), (" 1 234 ", 1234), ("1.234.567", 1234567),
    ("0", 0), (7, 7), ("1\u00a0234", 1234), ("12,345", 12345), ("1,234,567", 1234567),
])
def test_parse_count(value, expected):
    assert parse_count(value) == expected


@pytest.mark.parametrize("value,code", [
    ("12,5", "comma_in_count"), ("abc", "not_a_count"), ("-3", "negative_count"), (-3, "negative_count"),
    (12.5, "not_whole"), ("12.5", "not_a_count"), ("1.2345", "not_a_count"), ("12 34", "not_a_count"),
    ("", "no_number"), ("1.234,567", "comma_in_count"), ("12,34", "comma_in_count"),
])
def test_parse_count_rejects_with_a_reason(value, code):
    with pytest.raises(BadValue) as raised:
        parse_count(value)
    assert raised.value.code == code


@given(st.integers(min_value=0, max_value=10**15))
def test_parse_count_reads_vietnamese_thousands(n):
    assert parse_count(f"{n:,}".replace(",", ".")) == n


@pytest.mark.parametrize("value,expected", [
    ("2026-01", "2026-01"), ("01/2026", "2026-01"), ("1/2026", "2026-01"), ("T1/2026", "2026-01"),
    ("Tháng 1/2026", "2026-01"), ("thang 01-2026", "2026-01"), ("THÁNG 12 NĂM 2025", "2025-12"),
    ("2026/3", "2026-03"), (dt.datetime(2026, 1, 31, 8), "2026-01"), (dt.date(2025, 11, 1), "2025-11"),
    ("2026-01-01 00:00:00", "2026-01"),
])
def test_parse_period(value, expected):
    assert parse_period(value) == expected


@pytest.mark.parametrize("value,code", [
    ("13/2026", "month_out_of_range"), ("2026-00", "month_out_of_range"), ("abc", "not_a_month"),
    ("2026", "not_a_month"), (202601, "not_a_month"), ("Quý 1/2026", "not_a_month"),
])
def test_parse_period_rejects_with_a_reason(value, code):
    with pytest.raises(BadValue) as raised:
        parse_period(value)
    assert raised.value.code == code
