"""Malformed uploads, of monthly results and of the labour force: each fixture's one defect is reported at its cell,
and nothing is stored.

Three files that were defects once are now read in full and live with the report fixtures
(tests/unit/test_reports.py): a file without the voluntary or the total column (the count is worked
out from the other two) and a file with a "Tổng cộng" row (set aside as the grand total and checked).
A file of monthly totals only is taken with a warning.

The files live in tests/fixtures/malformed/ and are written by tests/fixtures/make_fixtures.py.
Expectations are written by hand: the file row as a person sees it in Excel (title rows
included), the header as written, and the gist of the Vietnamese message.
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

# (file, prepare kwargs, severity, file row, column header as written or None, message substring)
CASES = [
    # header and columns
    ("thieu-cot-ma-va-ten.csv", {}, E, 1, None, "Thiếu cột mã xã hoặc tên xã/phường"),
    ("trung-cot-tong-so.csv", {}, E, 1, "Tổng số người tham gia",
     "Cột “Tổng số” và cột “Tổng số người tham gia” cùng là Tổng số người tham gia"),
    ("theo-thang-chi-co-tong.csv", {}, W, None, None,
     "Tệp chỉ có tổng số người tham gia, không có số BHXH bắt buộc và tự nguyện: tháng 1/2026, tháng 2/2026, "
     "tháng 3/2026 sẽ thiếu số tự nguyện và bắt buộc"),
    ("vua-co-ky-vua-theo-thang.csv", {}, E, 1, None, "vừa có cột kỳ báo cáo vừa có cột theo từng tháng"),
    # counts
    ("so-co-dau-phay.csv", {}, E, 3, "Tự nguyện", "“12,5” có dấu phẩy"),
    ("so-la-chu.csv", {}, E, 4, "Tổng số", "“abc” không phải là số nguyên"),
    ("so-le-thap-phan.xlsx", {}, E, 5, "Tự nguyện", "312.5 không phải số nguyên"),
    ("so-am.csv", {}, E, 3, "Tự nguyện", "“-15” là số âm"),
    ("o-tu-nguyen-trong.csv", {}, E, 4, "Tự nguyện", "Thiếu số tham gia tự nguyện."),
    ("tu-nguyen-lon-hon-tong.csv", {}, E, 4, "Tự nguyện", "Số tự nguyện (7.260) lớn hơn tổng số (6.120)."),
    ("tong-khong-bang-bat-buoc-cong-tu-nguyen.csv", {}, E, 3, "Tổng số",
     "Bắt buộc + tự nguyện = 8.210, khác tổng số 8.120."),
    # communes
    ("ma-xa-khong-co.csv", {}, E, 3, "Mã xã", "Mã «99999» không có trong danh mục"),
    ("ten-xa-khong-co.csv", {}, E, 3, "Tên xã/phường",
     "Không tìm thấy xã, phường «Xã Bảo Khê». Tên gần nhất: Xã Thần Khê"),
    ("ten-xa-mo-ho.csv", {}, E, 3, "Tên xã/phường",
     "Tên «Xã Tiên L» khớp với nhiều đơn vị: Xã Tiên Lữ, Xã Tiên La. Hãy ghi mã xã."),
    ("thieu-ma-va-ten.csv", {}, E, 3, "Tên xã/phường", "Thiếu mã hoặc tên xã, phường."),
    ("trung-xa-cung-ky.csv", {}, E, 4, "Mã xã", "Phường Phố Hiến kỳ tháng 3/2026 đã có ở dòng 2."),
    ("trung-xa-ma-bi-danh.csv", {}, E, 5, "Mã xã", "Xã Như Quỳnh kỳ tháng 3/2026 đã có ở dòng 3."),
    # periods
    ("ky-thang-13-2026.csv", {}, E, 3, "Kỳ", "“13/2026”: tháng 13 không có"),
    ("ky-2026-13.csv", {}, E, 4, "Kỳ", "“2026-13”: tháng 13 không có"),
    ("ky-abc.csv", {}, E, 2, "Kỳ", "“abc” không phải là tháng"),
    ("ky-tuong-lai.csv", {}, E, 2, "Kỳ", "Kỳ tháng 1/2027 là tháng trong tương lai."),
    ("ky-excel-tuong-lai.xlsx", {}, E, 4, "Kỳ báo cáo", "Kỳ tháng 1/2027 là tháng trong tương lai."),
    ("ky-truoc-thang-goc.csv", {}, E, 2, "Kỳ", "Kỳ tháng 12/2025 trước tháng gốc của kế hoạch (tháng 1/2026)."),
    ("khong-co-ky.csv", {}, E, None, None, "Tệp không ghi kỳ báo cáo"),
    ("khong-co-ky.csv", {"period": "13/2026"}, E, None, None, "Tháng đã chọn không hợp lệ"),
    ("khong-co-ky.csv", {"period": "2026-12"}, E, 2, None, "Kỳ tháng 12/2026 là tháng trong tương lai."),
    # the file itself
    ("tep-rong.csv", {}, E, None, None, "Tệp rỗng"),
    ("chi-co-dong-tieu-de.csv", {}, E, None, None, "Không có dòng số liệu nào dưới dòng tiêu đề"),
    ("chi-co-tieu-de-bao-cao.xlsx", {}, E, None, None, "Không tìm thấy dòng tiêu đề trong 20 dòng đầu"),
    ("trang-tinh-khac-ten.xlsx", {"sheet": "Tháng 3"}, E, None, None,
     "Tệp không có trang tính “Tháng 3”; các trang có trong tệp: “Số liệu”."),
    ("bao-cao.pdf", {}, E, None, None, "Không nhận dạng được loại tệp “bao-cao.pdf”"),
    ("pdf-doi-duoi-xlsx.xlsx", {}, E, None, None, "Tệp là PDF được đổi tên"),
    # limits (analytics.intake.upload_checks): refused before anything reads the file
    ("qua-dung-luong.csv", {"max_mb": 1}, E, None, None, "Tệp nặng 1,1 MB, quá giới hạn 1 MB."),
    ("qua-nhieu-dong.csv", {}, E, None, None, "Tệp có hơn 250.000 dòng, quá giới hạn."),
    ("qua-nhieu-cot.xlsx", {}, E, None, None, "Trang tính có hơn 1.000 cột, quá giới hạn."),
    ("bom-giai-nen.xlsx", {}, E, None, None, "Tệp Excel giải nén ra 3,0 MB (giới hạn 200 MB, mỗi phần nén không"),
    ("mat-khau.xlsx", {}, E, None, None, "Tệp Excel được đặt mật khẩu nên không đọc được."),
    ("xls-doi-duoi-xlsx.xlsx", {}, E, None, None, "Tệp là Excel 97–2003 (.xls) được đổi tên."),
    ("ods-doi-duoi-xlsx.xlsx", {}, E, None, None, "Tệp là bảng tính OpenDocument (.ods) được đổi tên."),
    ("excel-97-2003.xls", {}, E, None, None, "Chưa đọc được tệp .xls"),
    # encodings and layouts, one bad cell each
    ("windows-1258.csv", {}, E, 4, "Tự nguyện", "Số tự nguyện (4.390) lớn hơn tổng số (4.310)."),
    ("cham-phay-hang-nghin.csv", {}, E, 3, "Tổng số", "Bắt buộc + tự nguyện = 12.345, khác tổng số 12.346."),
    ("unicode-text-tab.txt", {}, E, 4, "Bắt buộc", "“-1.140” là số âm"),
    ("tieu-de-nhieu-dong.xlsx", {}, E, 6, "Tự nguyện", "Thiếu số tham gia tự nguyện."),
    ("tieu-de-gop-hai-dong.xlsx", {"period": "2026-03"}, E, 9, "Tự nguyện",
     "Số tự nguyện (3.150) lớn hơn tổng số (3.105)."),
    ("tieu-de-co-dong-ky-bao-cao.xlsx", {"period": "2026-03"}, E, 7, "Tổng số",
     "Bắt buộc + tự nguyện = 6.390, khác tổng số 6.120."),
    ("theo-thang-mot-o-sai.xlsx", {}, E, 6, "Tháng 02/2026 – Tự nguyện", "“8l5” không phải là số nguyên"),
    ("theo-thang-csv-mot-o-sai.csv", {}, E, 4, "Tháng 2/2026 – Tổng số", "“8.190,5” có dấu phẩy"),
    # warnings: the file is sound but needs a person to confirm
    ("canh-bao-tang-dot-bien.csv", {}, W, 3, None,
     "Phường Hồng Châu: tổng số tháng 3/2026 là 10.410, so với 8.150 tháng trước (+2.260, vượt ngưỡng 20 %)."),
    ("canh-bao-thieu-mot-xa.csv", {}, W, None, None,
     "Xã Vũ Tiên (13279) không có số liệu tháng 3/2026 trong khi các xã khác có."),
    ("canh-bao-vuot-luc-luong-lao-dong.csv", {}, W, 3, "Tổng số",
     "Số tham gia (8.210) lớn hơn lực lượng lao động (7.900)."),
    ("canh-bao-ten-gan-dung.csv", {}, W, 3, "Tên xã/phường",
     "Tên «Phuong Hong Chau» được khớp với Phường Hồng Châu (11980) theo cách gần đúng (bỏ dấu)"),
]

# Months stored before a case's file is prepared (a clean upload, warnings confirmed).
HISTORY = {
    "canh-bao-tang-dot-bien.csv": (
        "Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện\r\n"
        "11953;2026-02;12380;10965;1415\r\n11980;2026-02;8150;7340;810\r\n11983;2026-02;6090;4970;1120\r\n"
    ).encode(),
}


# Labour-force files (kind "labour", tests/fixtures/labour/): (file, severity, file row, column, message substring).
LABOUR = FIXTURES / "labour"
LABOUR_COLUMN = "Lực lượng lao động trong độ tuổi"
LABOUR_CASES = [
    ("llld-so-am.csv", E, 2, LABOUR_COLUMN, "“-120” là số âm; số người phải từ 0 trở lên"),
    ("llld-so-la-chu.csv", E, 3, LABOUR_COLUMN, "“khoảng 41 nghìn” không phải là số nguyên"),
    ("llld-o-thap-phan.xlsx", E, 3, LABOUR_COLUMN, "41000.5 không phải số nguyên"),
    ("llld-ma-xa-khong-co.csv", E, 3, "Mã xã", "Mã «99999» không có trong danh mục đơn vị hành chính của tỉnh."),
    ("llld-trung-xa-cung-nam.csv", E, 4, "Mã xã", "Phường Phố Hiến năm 2026 đã có ở dòng 2."),
    ("llld-nam-khong-doc-duoc.csv", E, 3, "Năm", "“năm nay” không phải là năm"),
    ("llld-nam-ngoai-ke-hoach.csv", E, 2, "Năm", "Năm 2031 nằm ngoài thời kỳ của kế hoạch (2026–2030)."),
    ("llld-thieu-cot-lao-dong.csv", E, 1, None,
     "Thiếu cột “Lực lượng lao động trong độ tuổi”. Tên cột được chấp nhận: “Lực lượng lao động”"),
    # Hồng Châu has 8.150 participants in 2026-02 (HISTORY below), more than the 7.900 the file gives for 2026
    ("llld-canh-bao-vuot-so-tham-gia.csv", W, 2, LABOUR_COLUMN,
     "Phường Hồng Châu: số tham gia tháng 2/2026 (8.150) lớn hơn lực lượng lao động năm 2026 (7.900)."),
]


def case_id(case) -> str:
    name, kwargs = case[0], case[1]
    return name + "".join(f"[{k}={v}]" for k, v in kwargs.items())


@pytest.mark.parametrize(("name", "kwargs", "severity", "row", "column", "text"), CASES,
                         ids=[case_id(c) for c in CASES])
def test_defect_is_reported_at_its_cell_and_nothing_is_stored(con, name, kwargs, severity, row, column, text):
    if name in HISTORY:
        setup = prepare(con, HISTORY[name], "thang-truoc.csv", today=TODAY)
        assert not setup.errors, [describe(p) for p in setup.errors]
        apply(con, setup, user=ANALYST, confirm_warnings=True)
    before = db.checksums(con)

    if "max_mb" in kwargs:  # the file size limit is a setting (20 MB by default); a test file stays small
        kwargs = {"settings": dataclasses.replace(load_settings(), upload_max_mb=kwargs.pop("max_mb"))} | kwargs
    prepared = prepare(con, (MALFORMED / name).read_bytes(), name, today=TODAY, **kwargs)
    assert_refused_unchanged(con, prepared, (severity, row, column, text), before)


def assert_refused_unchanged(con, prepared, expected, before, **apply_options):
    """The expected problem is at its cell, saving is refused, and every table is as it was (``before``)."""
    severity, row, column, text = expected
    at_cell = [p for p in prepared.checked.problems if (p.severity, p.row, p.column) == (severity, row, column)]
    shown = [f"{p.severity}: {describe(p)}" for p in prepared.checked.problems[:20]]
    assert any(text in p.message for p in at_cell), shown
    if severity == W:
        assert not prepared.errors, shown
    with pytest.raises(ValidationFailed if severity == E else WarningsNotConfirmed):
        apply(con, prepared, user=ANALYST, confirm_warnings=False, **apply_options)
    assert db.checksums(con) == before


@pytest.mark.parametrize(("name", "severity", "row", "column", "text"), LABOUR_CASES,
                         ids=[c[0] for c in LABOUR_CASES])
def test_labour_force_defect_is_reported_at_its_cell_and_nothing_is_stored(con, name, severity, row, column, text):
    setup = prepare(con, HISTORY["canh-bao-tang-dot-bien.csv"], "thang-truoc.csv", today=TODAY)
    apply(con, setup, user=ANALYST, confirm_warnings=True)
    before = db.checksums(con)
    prepared = prepare(con, (LABOUR / name).read_bytes(), name, kind="labour", today=TODAY)
    assert_refused_unchanged(con, prepared, (severity, row, column, text), before, source="Cục Thống kê tỉnh")


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
