"""Upload round trips: template, supersede with history, withdrawal, duplicates, demo data."""

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from analytics.access.accounts import User
from analytics.cli import main
from analytics.errors import DuplicateUpload, ValidationFailed, WarningsNotConfirmed
from analytics.intake import apply, prepare
from analytics.intake.templates import monthly_template_xlsx
from analytics.storage import db, reads, writes
from analytics.units import demo
from analytics.units.communes import units

ANALYST = User("chuyen-vien", "Chuyên viên", "analyst")
HEAD = User("trưởng phòng", "Trưởng phòng", "analyst")

TODAY = dt.date(2026, 11, 27)
T0 = dt.datetime(2026, 11, 1, 9, 0)


def csv_bytes(rows, header="Mã xã;Kỳ;Tổng số;Bắt buộc;Tự nguyện") -> bytes:
    return ("\n".join([header] + [";".join(str(v) for v in r) for r in rows]) + "\n").encode()


def upload(con, data, name="so-lieu.csv", when=T0, **kw):
    prepared = prepare(con, data, name, today=TODAY, **kw)
    return apply(con, prepared, user=ANALYST, confirm_warnings=True, now=when)


def in_force(con, as_of=None):
    frame = reads.monthly(con, as_of)
    return {(r.period, r.code): (r.total, r.voluntary) for r in frame.itertuples()}


def filled_template(con, period="2026-03"):
    book = openpyxl.load_workbook(io.BytesIO(monthly_template_xlsx(units(con), period)))
    ws = book["Số liệu"]
    header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Mã xã")
    expected = {}
    for r in range(header_row + 1, ws.max_row + 1):
        code = ws.cell(r, 1).value
        total, voluntary = 1000 + r, 100 + r
        for col, value in ((3, period), (4, total), (5, total - voluntary), (6, voluntary)):
            ws.cell(r, col).value = value
        expected[(period, code)] = (total, voluntary)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), expected


def test_template_round_trip(con):
    data, expected = filled_template(con)
    upload_id = upload(con, data, "mau.xlsx")
    assert len(expected) == 104
    assert in_force(con) == expected
    row = reads.uploads(con).iloc[0]
    assert (row["id"], row["rows_read"], row["rows_stored"], row["periods"]) == (upload_id, 104, 104, "2026-03")
    assert len(row["sha256"]) == 64


def test_reupload_supersedes_and_keeps_history(con):
    first = upload(con, csv_bytes([["11953", "2026-03", 1000, 900, 100], ["11977", "2026-03", 500, 450, 50]]))
    later = T0 + dt.timedelta(days=2)
    upload(con, csv_bytes([["11953", "2026-03", 1010, 900, 110]]), "sua.csv", when=later)
    assert in_force(con) == {("2026-03", "11953"): (1010, 110), ("2026-03", "11977"): (500, 50)}
    # as known before the correction
    assert in_force(con, T0 + dt.timedelta(days=1)) == {("2026-03", "11953"): (1000, 100),
                                                       ("2026-03", "11977"): (500, 50)}
    assert con.execute("SELECT count(*) FROM monthly_values").fetchone()[0] == 3
    assert first == 1


def test_withdrawal_restores_what_it_superseded(con):
    upload(con, csv_bytes([["11953", "2026-03", 1000, 900, 100]]))
    second = upload(con, csv_bytes([["11953", "2026-03", 1200, 1000, 200]]), when=T0 + dt.timedelta(hours=1))
    writes.withdraw(con, second, HEAD, now=T0 + dt.timedelta(hours=2))
    assert in_force(con) == {("2026-03", "11953"): (1000, 100)}
    assert in_force(con, T0 + dt.timedelta(minutes=90)) == {("2026-03", "11953"): (1200, 200)}
    assert reads.uploads(con)["withdrawn_by"].fillna("").tolist() == ["", "trưởng phòng"]


def test_same_file_twice_is_applied_once(con):
    data = csv_bytes([["11953", "2026-03", 1000, 900, 100]])
    upload(con, data)
    before = db.checksums(con)
    prepared = prepare(con, data, "lan-hai.csv", today=TODAY)
    assert prepared.duplicate_of == 1
    with pytest.raises(DuplicateUpload):
        apply(con, prepared, user=ANALYST, confirm_warnings=True)
    assert db.checksums(con) == before


def test_errors_block_and_warnings_need_confirmation(con):
    before = db.checksums(con)
    bad = prepare(con, csv_bytes([["11953", "2026-03", 1000, 900, 200]]), "sai.csv", today=TODAY)
    assert [(p.row, p.column) for p in bad.errors] == [(2, "Tổng số")]
    with pytest.raises(ValidationFailed):
        apply(con, bad, user=ANALYST, confirm_warnings=True)
    warned = prepare(con, csv_bytes([["11953", "2026-03", 1000, 900, 100]]), "mot-xa.csv", today=TODAY)
    assert [(w.code, w.params["count"], w.params["period"]) for w in warned.warnings] == [
        ("communes_not_reported", 103, "2026-03")]
    with pytest.raises(WarningsNotConfirmed):
        apply(con, warned, user=ANALYST)
    assert db.checksums(con) == before


def test_name_matches_that_are_not_exact_are_shown(con):
    data = csv_bytes([["phuong pho hien", "2026-03", 1000, 100]], header="Tên xã;Kỳ;Tổng số;Tự nguyện")
    prepared = prepare(con, data, "ten.csv", today=TODAY)
    notes = [(p.row, p.code, p.params["code"], p.params["method"]) for p in prepared.warnings if p.column == "Tên xã"]
    assert notes == [(2, "fuzzy_match", "11953", "fuzzy_folded")]
    upload(con, data)
    stored = con.execute("SELECT code, written_name, match_method FROM monthly_values").fetchall()
    assert stored == [("11953", "phuong pho hien", "fuzzy_folded")]


def test_alias_code_is_stored_under_primary_code(con):
    upload(con, csv_bytes([["12004", "2026-03", 1000, 900, 100]]))
    assert list(in_force(con)) == [("2026-03", "11986")]


counts = st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)).map(lambda t: (max(t), min(t)))


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.slow
@given(st.dictionaries(st.sampled_from(["2026-01", "2026-02", "2026-06", "2026-10"]),
                       st.dictionaries(st.sampled_from(["11953", "11977", "11980", "12004", "13279"]), counts,
                                       min_size=1), min_size=1))
def test_any_valid_table_survives_upload_unchanged(built_db_file, tmp_path_factory, table):
    path = tmp_path_factory.mktemp("h") / "h.duckdb"
    path.write_bytes(built_db_file.read_bytes())
    con = db.connect(path)
    rows = [[code, period, total, total - vol, vol]
            for period, by in table.items() for code, (total, vol) in by.items()]
    upload(con, csv_bytes(rows))
    alias = {"12004": "11986"}
    expected = {(p, alias.get(c, c)): v for p, by in table.items() for c, v in by.items()}
    assert in_force(con) == expected
    con.close()


def test_demo_data_is_flagged_and_replaced_by_real_upload(con, settings):
    upload_ids = demo.install(con, settings, TODAY)
    frame = reads.monthly(con)
    assert len(upload_ids) > 10 and reads.has_demo(con)  # one upload a month, and the late figures
    assert sorted(frame["period"].unique()) == [f"2026-{m:02d}" for m in range(1, 11)]
    assert (frame["voluntary"] <= frame["total"]).all()
    assert (frame["compulsory"] + frame["voluntary"] == frame["total"]).all()
    per_code = frame.groupby("period")["code"].nunique()
    assert per_code.min() < 104 and per_code.max() == 104  # a few communes miss a month
    by_month = frame.groupby("period")["voluntary"].sum()
    may_jump, april_jump = by_month["2026-05"] - by_month["2026-04"], by_month["2026-04"] - by_month["2026-03"]
    assert may_jump > 2 * april_jump  # the campaign month stands out
    pd.testing.assert_frame_equal(demo.generate(con, settings, TODAY), demo.generate(con, settings, TODAY))
    assert demo.install(con, settings, TODAY) == []  # never twice
    upload(con, csv_bytes([["11953", "2026-03", 1000, 900, 100]]))
    assert not reads.has_demo(con)
    assert in_force(con) == {("2026-03", "11953"): (1000, 100)}


def test_command_line(db_file, tmp_path, capsys):
    good = tmp_path / "t3.csv"
    good.write_bytes(csv_bytes([["11953", "1000", "900", "100"]], header="Mã xã;Tổng số;Bắt buộc;Tự nguyện"))
    assert main(["ingest", str(good), "--period", "2026-03", "--dry-run"]) == 0
    assert "1 dòng hợp lệ, 0 lỗi, 1 cảnh báo." in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([["11953", "2026-03", "-5", "0", "0"]]))
    assert main(["ingest", str(bad)]) == 1
    assert "LỖI: Dòng 2, cột «Tổng số»" in capsys.readouterr().out
    assert main(["ingest", str(good), "--period", "2026-03", "--yes"]) == 0
    assert "Đã lưu: lần tải lên số 1." in capsys.readouterr().out
    assert main(["ingest", str(tmp_path / "khong-co.csv")]) == 1
    assert capsys.readouterr().err == f"LỖI: không tìm thấy tệp {tmp_path / 'khong-co.csv'}.\n"


REPORTS = Path(__file__).resolve().parents[1] / "fixtures" / "reports"


def test_command_line_dry_run_prints_what_was_read(db_file, capsys):
    assert main(["ingest", str(REPORTS / "nhom-theo-co-quan-co-cong-nhom.xlsx"), "--dry-run"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "  cột C «Tổng cộng» → Tổng số người tham gia: tiêu đề; 10/10 dòng C = D + E" in out
    assert ("Kỳ báo cáo: tháng 10/2026 (dòng 2 «BÁO CÁO SỐ NGƯỜI THAM GIA BHXH THEO XÃ, PHƯỜNG THÁNG 10/2026»: "
            "tháng 10/2026).") in out
    assert "Xã, phường đọc được: 7 (7 dòng hợp lệ); kỳ: tháng 10/2026." in out
    assert "  Dòng 11 «Cộng khu vực 1» → cộng nhóm (cộng dòng 7–10)" in out
    assert "  Dòng 19–23 «Hưng Yên, ngày 05 tháng 11 năm 2026» → khối chữ ký" in out
    assert ("  tháng 10/2026: tổng số 23.100 | 23.100; bắt buộc 21.490 | 21.490; tự nguyện 1.610 | 1.610") in out
    assert out[-1] == "7 dòng hợp lệ, 0 lỗi, 1 cảnh báo."


def test_command_line_mapping_must_be_confirmed_then_is_saved(db_file, capsys):
    guessed = REPORTS / "tieu-de-la.xlsx"
    assert main(["ingest", str(guessed)]) == 1
    out = capsys.readouterr().out
    assert "  cột C «Chỉ số 1» → Tổng số người tham gia: 7/7 dòng C = D + E, D > E ở 7/7 dòng" in out
    assert "chưa được xác nhận: chạy lại với --yes" in out
    assert main(["ingest", str(guessed), "--map", "Địa bàn=skip", "--map", "C=total", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "  cột B «Địa bàn» → Bỏ qua: do người dùng chọn" in out
    assert "  cột C «Chỉ số 1» → Tổng số người tham gia: do người dùng chọn; 7/7 dòng C = D + E, D > E ở 7/7 dòng" \
        in out
    assert "Đã lưu cách đọc cột cho các tệp cùng mẫu." in out and "Đã lưu: lần tải lên số 1." in out
    con = db.connect(db_file)
    try:
        assert con.execute("SELECT kind, file_name FROM layouts").fetchall() == [("monthly", "tieu-de-la.xlsx")]
    finally:
        con.close()
    assert main(["ingest", str(guessed), "--dry-run"]) == 0
    assert "Cách đọc cột: dùng cách đã lưu ngày" in capsys.readouterr().out


def test_command_line_refuses_a_mapping_to_an_unknown_column_or_field(db_file, capsys):
    assert main(["ingest", str(REPORTS / "tieu-de-la.xlsx"), "--map", "Dân số=total"]) == 2
    assert "«Dân số=total»: tệp không có cột «Dân số»." in capsys.readouterr().err
    assert main(["ingest", str(REPORTS / "tieu-de-la.xlsx"), "--map", "C=tong"]) == 2
    assert "trường là một trong period, code, commune" in capsys.readouterr().err


def test_problem_table_shows_whole_rows_and_a_dash_where_nothing_applies(con):
    rows = [["11953", "2026-03", 1000, 900, 200], ["11977", "2026-03", 500, 450, 50]]
    table = prepare(con, csv_bytes(rows), "sai.csv", today=TODAY).problem_table()
    assert table.values.tolist() == [
        ["Lỗi", "2", "Tổng số", "Bắt buộc + tự nguyện = 1.100, khác tổng số 1.000."],
        ["Cảnh báo", "—", "—", table["Nội dung"].iloc[1]]]
    assert table["Nội dung"].iloc[1].startswith("103 xã, phường không có số liệu tháng 3/2026: Phường Phố Hiến")


def test_a_month_of_totals_only_is_stored_without_voluntary_figures(con):
    data = "Mã xã;Tổng số\r\n11953;1000\r\n11977;500\r\n".encode()
    prepared = prepare(con, data, "tong.csv", period="2026-03", today=TODAY)
    assert [w.code for w in prepared.warnings] == ["totals_only", "communes_not_reported"]
    assert prepared.warnings[1].params["count"] == 102
    apply(con, prepared, user=ANALYST, confirm_warnings=True, now=T0)
    assert con.execute("SELECT code, total, compulsory, voluntary FROM monthly_values ORDER BY code").fetchall() == [
        ("11953", 1000, None, None), ("11977", 500, None, None)]
