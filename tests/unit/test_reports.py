"""Report files in the shapes offices really send, each read as a whole: communes, months, the three totals,
the rows set aside (by kind, with their file rows) and the warnings.

The files live in tests/fixtures/reports/ and are written by tests/fixtures/make_fixtures.py. Their figures
follow one rule (make_fixtures.figures: the n-th commune of the registry has total 3000 + 100 n and voluntary
200 + 10 n), so every sum below is worked out by hand: the seven communes 0–6 add up to 7 × 3000 + 100 × 21 =
23.100 and 7 × 200 + 10 × 21 = 1.610 voluntary; communes 0–3 to 12.600 and 860; communes 4–6 to 10.500 and 750.
"""

import datetime as dt
from pathlib import Path

import pytest

from analytics.intake.pipeline import prepare
from analytics.intake.problem import describe

TODAY = dt.date(2026, 11, 27)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "reports"
OCT, SEP, AUG = "2026-10", "2026-09", "2026-08"
SEVEN = (23100, 21490, 1610)
MISSING = "communes_not_reported"  # the communes a file of a few leaves out

# (file, prepare kwargs, communes, {month: (total, compulsory, voluntary) summed}, {kind: file rows set aside},
#  warnings (codes, one per warning), errors (codes)). kwargs "confirm": take the proposed mapping.
CASES = [
    ("nhom-theo-co-quan-co-cong-nhom.xlsx", {}, 7, {OCT: SEVEN},
     {"group": [6, 12], "subtotal": [11, 16], "grand_total": [17], "signature": [19, 20, 21, 23]},
     [MISSING], []),
    ("cong-nhom-sai-mot.xlsx", {}, 7, {OCT: SEVEN},
     {"group": [6, 12], "subtotal": [11, 16], "grand_total": [17]},
     ["stated_subtotal_differs", MISSING], []),
    ("tong-cong-dau-bang.xlsx", {}, 7, {OCT: SEVEN}, {"grand_total": [5]}, [MISSING], []),
    ("co-khoi-chu-ky.xlsx", {}, 7, {OCT: SEVEN}, {"signature": [13, 14, 15, 17]}, [MISSING], []),
    ("tieu-de-hai-tang-trong-do.xlsx", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("tieu-de-tieng-anh.csv", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("truong-goi-danh-muc.csv", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("thang-chi-o-tieu-de.xlsx", {}, 7, {SEP: SEVEN}, {}, [MISSING], []),
    ("bc_t10_2026.xlsx", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("so-lieu-2026-09.csv", {}, 7, {SEP: SEVEN}, {}, [MISSING], []),
    ("du-lieu-o-trang-thu-hai.xlsx", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("ten-viet-tat.csv", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("hai-kieu-dau-nghin.csv", {"period": OCT}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("cot-ty-le-phan-tram.xlsx", {}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    # communes 0, 4, 11, 24, 43, 70 and 1: 7 × 3000 + 100 × 153 and 7 × 200 + 10 × 153
    ("ma-bi-danh.csv", {}, 7, {OCT: (36300, 33370, 2930)}, {}, [MISSING], []),
    ("khong-co-dong-tieu-de.csv", {"period": OCT, "confirm": True}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("tieu-de-la.xlsx", {"confirm": True}, 7, {OCT: SEVEN}, {}, [MISSING], []),
    ("chi-co-tong-so.csv", {"period": OCT}, 7, {OCT: (23100, None, None)}, {},
     ["totals_only", MISSING], []),
    # the four clean communes of the malformed set: 12.450 + 8.210 + 6.120 + 3.105, 1.430 + 820 + 1.140 + 305
    ("thieu-cot-tu-nguyen.csv", {}, 4, {"2026-03": (29885, 26190, 3695)}, {},
     [MISSING], []),
    ("thieu-cot-tong-so.csv", {}, 4, {"2026-03": (29885, 26190, 3695)}, {},
     [MISSING], []),
    ("canh-bao-dong-tong-cong.csv", {}, 3, {"2026-03": (26780, 23390, 3390)}, {"grand_total": [5]},
     [MISSING], []),
    ("bc_t09_2026-khac-tieu-de.xlsx", {}, 0, {}, {}, [],
     ["periods_disagree"]),
    ("thang-nhap-tay-thay-tieu-de.xlsx", {"period": SEP}, 7, {SEP: SEVEN}, {},
     ["typed_month_overrides", MISSING], []),
    ("ghi-chu-cuoi-bang.xlsx", {}, 7, {OCT: SEVEN}, {"note": [11, 12]}, [MISSING], []),
    ("tong-cong-cuoi-sai.xlsx", {}, 7, {OCT: SEVEN}, {"grand_total": [10]},
     ["stated_total_differs", MISSING], []),
    # communes 0–3; September 50 fewer compulsory each
    ("nhieu-thang-cot-ky.csv", {}, 4, {SEP: (12400, 11540, 860), OCT: (12600, 11740, 860)},
     {"subtotal": [6, 11]}, [MISSING, MISSING], []),
    # communes 0–3 by month, 100 and 50 fewer in August and September; compulsory worked out
    ("theo-thang-co-tong-cong.xlsx", {}, 4,
     {AUG: (12200, 11340, 860), SEP: (12400, 11540, 860), OCT: (12600, 11740, 860)}, {"grand_total": [7]},
     [MISSING] * 3, []),
    ("dong-trong-xen-ke.csv", {"period": OCT}, 7, {OCT: SEVEN}, {"grand_total": [16]}, [MISSING], []),
    ("nhom-co-so-lieu-o-dau-nhom.xlsx", {}, 7, {OCT: SEVEN}, {"subtotal": [3, 8]}, [MISSING], []),
    ("cong-nhom-khong-co-chu-cong.csv", {"period": OCT}, 7, {OCT: SEVEN}, {"subtotal": [6, 10]}, [MISSING], []),
]


def read(con, name: str, kwargs: dict):
    kwargs = dict(kwargs)
    confirm = kwargs.pop("confirm", False)
    data = (REPORTS / name).read_bytes()
    prepared = prepare(con, data, name, today=TODAY, **kwargs)
    if confirm:
        assert prepared.needs_mapping
        prepared = prepare(con, data, name, today=TODAY, mapping=prepared.mapping, **kwargs)
    return prepared


@pytest.mark.parametrize(("name", "kwargs", "communes", "totals", "aside", "warnings", "errors"), CASES,
                         ids=[c[0] for c in CASES])
def test_report_reads_as_expected(con, name, kwargs, communes, totals, aside, warnings, errors):
    prepared = read(con, name, kwargs)
    shown = [f"{p.severity}: {describe(p)}" for p in prepared.checked.problems]
    table = prepared.checked.table
    assert not prepared.needs_mapping
    assert table["code"].nunique() == communes, shown
    got = {period: tuple(None if month[m].isna().all() else int(month[m].sum())
                         for m in ("total", "compulsory", "voluntary"))
           for period, month in table.groupby("period")}
    assert got == totals, shown
    kinds = {}
    for a in prepared.reading.aside:
        kinds.setdefault(a.kind, []).append(a.row)
    assert kinds == aside
    assert len(prepared.warnings) == len(warnings), shown
    assert sorted(p.code for p in prepared.warnings) == sorted(warnings), shown
    assert [p.code for p in prepared.errors] == errors, shown


def test_grand_and_subtotals_state_what_the_communes_add_up_to(con):
    prepared = read(con, "nhom-theo-co-quan-co-cong-nhom.xlsx", {})
    stated = {a.row: (a.kind, a.stated["total"], a.summed["total"], a.first, a.last)
              for a in prepared.reading.aside if a.stated}
    assert stated == {11: ("subtotal", 12600, 12600, 7, 10), 16: ("subtotal", 10500, 10500, 13, 15),
                      17: ("grand_total", 23100, 23100, 7, 15)}
    wrong = read(con, "cong-nhom-sai-mot.xlsx", {})
    assert [(p.row, p.column) for p in wrong.warnings if p.code == "stated_subtotal_differs"] == [(16, "Tổng cộng")]


def test_columns_are_read_with_their_evidence(con):
    by_header = read(con, "tieu-de-hai-tang-trong-do.xlsx", {}).reading.columns
    assert [(c.letter, c.field, c.how) for c in by_header] == [
        ("A", "code", "header"), ("B", "commune", "header"), ("C", "total", "header"), ("D", "compulsory", "header"),
        ("E", "voluntary", "header"), ("F", "labour_force", "header")]
    assert by_header[2].evidence == "tiêu đề; 7/7 dòng C = D + E"
    guessed = read(con, "tieu-de-la.xlsx", {}).reading
    assert guessed.needs_mapping
    assert [(c.letter, c.field, c.how, c.evidence) for c in guessed.columns] == [
        ("A", "code", "header", "tiêu đề; 7/7 giá trị là mã đơn vị của tỉnh"),
        ("B", "commune", "header", "tiêu đề"),
        ("C", "total", "content", "7/7 dòng C = D + E, D > E ở 7/7 dòng"),
        ("D", "compulsory", "content", "7/7 dòng C = D + E, D > E ở 7/7 dòng"),
        ("E", "voluntary", "content", "7/7 dòng C = D + E, D > E ở 7/7 dòng")]
    english = read(con, "tieu-de-tieng-anh.csv", {}).reading.columns
    assert [(c.header, c.field or c.how) for c in english] == [
        ("No.", "stt"), ("Commune code", "code"), ("Commune name", "commune"), ("Month", "period"),
        ("Total participants", "total"), ("Compulsory", "compulsory"), ("Voluntary", "voluntary"), ("Notes", "note")]
    packages = read(con, "truong-goi-danh-muc.csv", {}).reading.columns
    assert [(c.header, c.field or c.how) for c in packages] == [
        ("province_code", "province"), ("province_name", "province"), ("ward_code", "code"),
        ("ward_name", "commune"), ("period", "period"), ("total", "total"), ("compulsory", "compulsory"),
        ("voluntary", "voluntary")]
    percent = read(con, "cot-ty-le-phan-tram.xlsx", {}).reading.columns
    assert [(c.letter, c.how) for c in percent if c.field is None] == [("F", "percent"), ("G", "note")]


def test_names_are_spelled_out_and_matched_silently_but_recorded(con):
    prepared = read(con, "ten-viet-tat.csv", {})
    table = prepared.checked.table.sort_values("source_row")
    assert list(zip(table["written_name"], table["code"], table["match_method"])) == [
        ("P. Phố Hiến", "11953", "normalised"), ("Tân Hưng", "11977", "normalised"),
        ("P.Hồng Châu", "11980", "normalised"), ("PHƯỜNG SƠN NAM", "11983", "normalised"),
        ("X. Như Quỳnh", "11986", "normalised"), ("xã lạc đạo", "11992", "normalised"),
        ("Xã Đại Đồng", "11995", "exact")]
    assert list(prepared.preview()["Cách khớp tên"][:2]) == ["chuẩn hoá (hoa/thường, dấu, tiền tố)"] * 2


def test_alias_codes_are_stored_under_primary_codes(con):
    table = read(con, "ma-bi-danh.csv", {}).checked.table
    assert sorted(table["code"]) == ["11953", "11977", "11986", "12052", "12220", "12478", "12841"]


def test_second_sheet_is_chosen_and_named(con):
    reading = read(con, "du-lieu-o-trang-thu-hai.xlsx", {}).reading
    assert (reading.sheet, reading.sheets) == ("Tháng 10", ["Hướng dẫn", "Tháng 10"])


def test_there_are_enough_report_fixtures_and_each_is_a_case():
    on_disk = {p.name for p in REPORTS.iterdir()}
    assert len(on_disk) >= 25
    assert on_disk == {c[0] for c in CASES}

