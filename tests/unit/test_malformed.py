"""Malformed uploads, of monthly results and of the labour force: each fixture's one defect is reported at its cell,
and nothing is stored.

Three files that were defects once are now read in full and live with the report fixtures
(tests/unit/test_reports.py): a file without the voluntary or the total column (the count is worked
out from the other two) and a file with a "Tổng cộng" row (set aside as the grand total and checked).
A file of monthly totals only is taken with a warning.

The files live in tests/fixtures/malformed/ and are written by tests/fixtures/make_fixtures.py.
Expectations are written by hand: the file row as a person sees it in Excel (title rows
included), the header as written, and the problem's code (its wording: tests/unit/test_messages.py;
a limit's refusal has a code of its own too).
"""

import dataclasses
import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from analytics.access.accounts import User
from analytics.errors import ValidationFailed, WarningsNotConfirmed
from analytics.intake import apply, describe, prepare
from analytics.settings import load_settings
from analytics.storage import db

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")

TODAY = dt.date(2026, 11, 27)
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
MALFORMED = FIXTURES / "malformed"
E, W = "error", "warning"

# (file, prepare kwargs, severity, file row, column header as written or None, code)
CASES = [
    # header and columns
    ("thieu-cot-ma-va-ten.csv", {}, E, 1, None, "missing_identity_column"),
    ("trung-cot-tong-so.csv", {}, E, 1, "Tổng số người tham gia", "duplicate_column"),
    ("theo-thang-chi-co-tong.csv", {}, W, None, None, "totals_only"),
    ("vua-co-ky-vua-theo-thang.csv", {}, E, 1, None, "period_and_month_columns"),
    # counts
    ("so-co-dau-phay.csv", {}, E, 3, "Tự nguyện", "comma_in_count"),
    ("so-la-chu.csv", {}, E, 4, "Tổng số", "not_a_count"),
    ("so-le-thap-phan.xlsx", {}, E, 5, "Tự nguyện", "not_whole"),
    ("so-am.csv", {}, E, 3, "Tự nguyện", "negative_count"),
    ("o-tu-nguyen-trong.csv", {}, E, 4, "Tự nguyện", "missing_value"),
    ("tu-nguyen-lon-hon-tong.csv", {}, E, 4, "Tự nguyện", "voluntary_exceeds_total"),
    ("tong-khong-bang-bat-buoc-cong-tu-nguyen.csv", {}, E, 3, "Tổng số", "parts_differ_from_total"),
    # communes
    ("ma-xa-khong-co.csv", {}, E, 3, "Mã xã", "unknown_code"),
    ("ten-xa-khong-co.csv", {}, E, 3, "Tên xã/phường", "unknown_commune"),
    ("ten-xa-mo-ho.csv", {}, E, 3, "Tên xã/phường", "ambiguous_name"),
    ("thieu-ma-va-ten.csv", {}, E, 3, "Tên xã/phường", "missing_commune"),
    ("trung-xa-cung-ky.csv", {}, E, 4, "Mã xã", "duplicate_commune_month"),
    ("trung-xa-ma-bi-danh.csv", {}, E, 5, "Mã xã", "duplicate_commune_month"),
    # periods
    ("ky-thang-13-2026.csv", {}, E, 3, "Kỳ", "month_out_of_range"),
    ("ky-2026-13.csv", {}, E, 4, "Kỳ", "month_out_of_range"),
    ("ky-abc.csv", {}, E, 2, "Kỳ", "not_a_month"),
    ("ky-tuong-lai.csv", {}, E, 2, "Kỳ", "future_month"),
    ("ky-excel-tuong-lai.xlsx", {}, E, 4, "Kỳ báo cáo", "future_month"),
    ("ky-truoc-thang-goc.csv", {}, E, 2, "Kỳ", "before_baseline"),
    ("khong-co-ky.csv", {}, E, None, None, "no_period"),
    ("khong-co-ky.csv", {"period": "13/2026"}, E, None, None, "typed_month_invalid"),
    ("khong-co-ky.csv", {"period": "2026-12"}, E, 2, None, "future_month"),
    # the file itself
    ("tep-rong.csv", {}, E, None, None, "empty_file"),
    ("chi-co-dong-tieu-de.csv", {}, E, None, None, "no_rows"),
    ("chi-co-tieu-de-bao-cao.xlsx", {}, E, None, None, "no_header"),
    ("trang-tinh-khac-ten.xlsx", {"sheet": "Tháng 3"}, E, None, None, "no_such_sheet"),
    ("bao-cao.pdf", {}, E, None, None, "unknown_file_type"),
    ("pdf-doi-duoi-xlsx.xlsx", {}, E, None, None, "renamed_pdf"),
    # limits (analytics.intake.confined): refused before anything reads the file
    ("qua-dung-luong.csv", {"max_mb": 1}, E, None, None, "file_too_large"),
    ("qua-nhieu-dong.csv", {}, E, None, None, "too_many_lines"),
    ("qua-nhieu-cot.xlsx", {}, E, None, None, "too_many_columns"),
    ("bom-giai-nen.xlsx", {}, E, None, None, "zip_bomb"),
    ("mat-khau.xlsx", {}, E, None, None, "encrypted_workbook"),
    ("xls-doi-duoi-xlsx.xlsx", {}, E, None, None, "renamed_xls"),
    ("ods-doi-duoi-xlsx.xlsx", {}, E, None, None, "renamed_ods"),
    ("excel-97-2003.xls", {}, E, None, None, "xls_file"),
    # encodings and layouts, one bad cell each
    ("windows-1258.csv", {}, E, 4, "Tự nguyện", "voluntary_exceeds_total"),
    ("cham-phay-hang-nghin.csv", {}, E, 3, "Tổng số", "parts_differ_from_total"),
    ("unicode-text-tab.txt", {}, E, 4, "Bắt buộc", "negative_count"),
    ("tieu-de-nhieu-dong.xlsx", {}, E, 6, "Tự nguyện", "missing_value"),
    ("tieu-de-gop-hai-dong.xlsx", {"period": "2026-03"}, E, 9, "Tự nguyện", "voluntary_exceeds_total"),
    ("tieu-de-co-dong-ky-bao-cao.xlsx", {"period": "2026-03"}, E, 7, "Tổng số", "parts_differ_from_total"),
    ("theo-thang-mot-o-sai.xlsx", {}, E, 6, "Tháng 02/2026 – Tự nguyện", "not_a_count"),
    ("theo-thang-csv-mot-o-sai.csv", {}, E, 4, "Tháng 2/2026 – Tổng số", "comma_in_count"),
    # warnings: the file is sound but needs a person to confirm
    ("canh-bao-tang-dot-bien.csv", {}, W, 3, None, "total_jump"),
    ("canh-bao-thieu-mot-xa.csv", {}, W, None, None, "commune_not_reported"),
    ("canh-bao-vuot-luc-luong-lao-dong.csv", {}, W, 3, "Tổng số", "total_exceeds_labour_force"),
    ("canh-bao-ten-gan-dung.csv", {}, W, 3, "Tên xã/phường", "fuzzy_match"),
]

# Months stored before a case's file is prepared (a clean upload, warnings confirmed).
HISTORY = {
    "canh-bao-tang-dot-bien.csv": (
        "Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện\r\n"
        "11953;2026-02;12380;10965;1415\r\n11980;2026-02;8150;7340;810\r\n11983;2026-02;6090;4970;1120\r\n"
    ).encode(),
}


# Labour-force files (kind "labour", tests/fixtures/labour/): (file, severity, file row, column, code).
LABOUR = FIXTURES / "labour"
LABOUR_COLUMN = "Lực lượng lao động trong độ tuổi"
LABOUR_CASES = [
    ("llld-so-am.csv", E, 2, LABOUR_COLUMN, "negative_count"),
    ("llld-so-la-chu.csv", E, 3, LABOUR_COLUMN, "not_a_count"),
    ("llld-o-thap-phan.xlsx", E, 3, LABOUR_COLUMN, "not_whole"),
    ("llld-ma-xa-khong-co.csv", E, 3, "Mã xã", "unknown_code"),
    ("llld-trung-xa-cung-nam.csv", E, 4, "Mã xã", "duplicate_commune_year"),
    ("llld-nam-khong-doc-duoc.csv", E, 3, "Năm", "not_a_year"),
    ("llld-nam-ngoai-ke-hoach.csv", E, 2, "Năm", "year_outside_plan"),
    ("llld-thieu-cot-lao-dong.csv", E, 1, None, "missing_column"),
    # Hồng Châu has 8.150 participants in 2026-02 (HISTORY below), more than the 7.900 the file gives for 2026
    ("llld-canh-bao-vuot-so-tham-gia.csv", W, 2, LABOUR_COLUMN, "participants_exceed_labour_force"),
]


def case_id(case) -> str:
    name, kwargs = case[0], case[1]
    return name + "".join(f"[{k}={v}]" for k, v in kwargs.items())


@pytest.mark.parametrize(("name", "kwargs", "severity", "row", "column", "code"), CASES,
                         ids=[case_id(c) for c in CASES])
def test_defect_is_reported_at_its_cell_and_nothing_is_stored(con, name, kwargs, severity, row, column, code):
    if name in HISTORY:
        setup = prepare(con, HISTORY[name], "thang-truoc.csv", today=TODAY)
        assert not setup.errors, [describe(p) for p in setup.errors]
        apply(con, setup, user=ANALYST, confirm_warnings=True)
    before = db.checksums(con)

    if "max_mb" in kwargs:  # the file size limit is a setting (20 MB by default); a test file stays small
        kwargs = {"settings": dataclasses.replace(load_settings(), upload_max_mb=kwargs.pop("max_mb"))} | kwargs
    prepared = prepare(con, (MALFORMED / name).read_bytes(), name, today=TODAY, **kwargs)
    assert_refused_unchanged(con, prepared, (severity, row, column, code), before)


def assert_refused_unchanged(con, prepared, expected, before, **apply_options):
    """The expected problem is at its cell, saving is refused, and every table is as it was (``before``)."""
    severity, row, column, code = expected
    at_cell = [p for p in prepared.checked.problems if (p.severity, p.row, p.column) == (severity, row, column)]
    shown = [f"{p.severity} {p.code}: {describe(p)}" for p in prepared.checked.problems[:20]]
    assert any(p.code == code for p in at_cell), shown
    if severity == W:
        assert not prepared.errors, shown
    with pytest.raises(ValidationFailed if severity == E else WarningsNotConfirmed):
        apply(con, prepared, user=ANALYST, confirm_warnings=False, **apply_options)
    assert db.checksums(con) == before


@pytest.mark.parametrize(("name", "severity", "row", "column", "code"), LABOUR_CASES,
                         ids=[c[0] for c in LABOUR_CASES])
def test_labour_force_defect_is_reported_at_its_cell_and_nothing_is_stored(con, name, severity, row, column, code):
    setup = prepare(con, HISTORY["canh-bao-tang-dot-bien.csv"], "thang-truoc.csv", today=TODAY)
    apply(con, setup, user=ANALYST, confirm_warnings=True)
    before = db.checksums(con)
    prepared = prepare(con, (LABOUR / name).read_bytes(), name, kind="labour", today=TODAY)
    assert_refused_unchanged(con, prepared, (severity, row, column, code), before, source="Cục Thống kê tỉnh")


def test_every_fixture_is_a_case():
    on_disk = {p.name for p in MALFORMED.iterdir() if p.is_file()}
    assert len(on_disk) >= 30
    assert on_disk == {case[0] for case in CASES}
    assert len({case_id(c) for c in CASES}) == len(CASES)
    assert {p.name for p in LABOUR.iterdir()} == {case[0] for case in LABOUR_CASES}


@pytest.mark.parametrize(("folder", "make"), [("malformed", "files"), ("reports", "reports"),
                                             ("labour", "labour_files"), ("arrears", "arrears_files")])
def test_fixtures_are_what_the_script_writes(folder, make):
    """Every set (these, the labour force's, the arrears' and tests/unit/test_reports.py's) is byte for byte what
    make_fixtures.py writes."""
    spec = importlib.util.spec_from_file_location("make_fixtures", FIXTURES / "make_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = getattr(module, make)()
    assert sorted(written) == sorted(p.name for p in (FIXTURES / folder).iterdir())
    stale = [name for name, data in written.items() if (FIXTURES / folder / name).read_bytes() != data]
    assert not stale, "run python tests/fixtures/make_fixtures.py"
