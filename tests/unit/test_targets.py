import dataclasses

import pandas as pd
import pytest

from analytics.cli import main
from analytics.errors import SourceFileError, UnknownCommune
from analytics.settings import Headline, load_settings
from analytics.storage import db, writes
from analytics.units.communes import resolve_code
from analytics.units.targets import appendix_view, read_appendix, reconcile

UNITS = pd.DataFrame({"code": ["00001", "00002", "00003", "00004"],
                      "name": ["Xã An Bình", "Phường Hòa Lạc", "Xã Thái Thụy", "Xã Mễ Sở"]})
ALIASES = pd.DataFrame({"alias": ["09999"], "code": ["00002"], "source": ["vietnamadminunits"]})


def small_appendix(*rows):
    return pd.DataFrame(rows, columns=["stt", "name_as_printed", "total_target", "voluntary_min"])


@pytest.fixture
def small_settings(settings):
    """300 at 60 % and 25 at 5 % both give a labour force of 500: no headline finding among these."""
    return dataclasses.replace(settings, headline=Headline(300, 25, 60, 5))


def test_reconcile_records_method_and_findings(small_settings):
    appendix = small_appendix((1, "Xã An Bình", 100, 10), (2, "phường Hoà Lạc", 150, 15), (3, "Xã Mỹ Sở", 49, 4))
    result = reconcile(appendix, UNITS, ALIASES, {}, small_settings)
    rows = result.rows.astype(object).where(result.rows.notna(), None)
    assert rows.to_dict("records") == [
        {"stt": 1, "name_as_printed": "Xã An Bình", "total_target": 100, "voluntary_min": 10,
         "code": "00001", "method": "exact", "score": 100.0, "status": "exact"},
        {"stt": 2, "name_as_printed": "phường Hoà Lạc", "total_target": 150, "voluntary_min": 15,
         "code": "00002", "method": "normalised", "score": 100.0, "status": "open"},
        {"stt": 3, "name_as_printed": "Xã Mỹ Sở", "total_target": 49, "voluntary_min": 4,
         "code": None, "method": None, "score": 0.0, "status": "unmatched"},
    ]
    kinds = result.findings[["kind", "subject", "status"]].to_dict("records")
    assert kinds == [
        {"kind": "non_exact_match", "subject": "STT 2 «phường Hoà Lạc»", "status": "open"},
        {"kind": "unmatched_row", "subject": "STT 3 «Xã Mỹ Sở»", "status": "open"},
        {"kind": "unit_without_target", "subject": "Xã Thái Thụy (00003)", "status": "open"},
        {"kind": "unit_without_target", "subject": "Xã Mễ Sở (00004)", "status": "open"},
        {"kind": "total_mismatch", "subject": "Tổng chỉ tiêu chung", "status": "open"},
        {"kind": "total_mismatch", "subject": "Tổng chỉ tiêu tự nguyện", "status": "open"},
    ]
    assert "Xã Mễ Sở" in result.findings.iloc[1]["detail"]  # the closest name is suggested
    assert result.findings.iloc[4]["detail"] == "Kế hoạch ghi 300, cộng từ các dòng được 299, chênh lệch -1."
    # figures are never altered
    assert result.rows["total_target"].tolist() == [100, 150, 49]


def test_overrides_confirm_and_correct(small_settings):
    appendix = small_appendix((1, "phường Hoà Lạc", 150, 15), (2, "Xã Mỹ Sở", 150, 15))
    overrides = {"phường Hoà Lạc": ("09999", ""), "Xã Mỹ Sở": ("00004", "lỗi in trong phụ lục")}
    result = reconcile(appendix, UNITS, ALIASES, overrides, small_settings)
    rows = result.rows[["code", "method", "status"]].to_dict("records")
    assert rows == [{"code": "00002", "method": "normalised", "status": "confirmed"},
                    {"code": "00004", "method": "override", "status": "confirmed"}]
    non_exact = result.findings[result.findings["kind"] == "non_exact_match"]
    assert non_exact["status"].tolist() == ["confirmed", "confirmed"]


def test_matched_twice_and_figure_findings(small_settings):
    appendix = small_appendix((1, "Xã An Bình", 10, 20), (2, "Xa An Binh", 280, 10))
    found = reconcile(appendix, UNITS, ALIASES, {}, small_settings).findings
    assert "matched_twice" in set(found["kind"])
    assert found[found["kind"] == "figure"]["detail"].tolist() == [
        "Chỉ tiêu tự nguyện 20 lớn hơn chỉ tiêu chung 10."]


def test_shipped_appendix_against_registry(con):
    rows = appendix_view(con)
    assert len(rows) == 104
    assert rows["total_target"].sum() == 981_533  # printed total says 981.535
    assert rows["voluntary_min"].sum() == 106_055
    assert (rows["status"] == "exact").sum() == 98
    odd = rows[rows["status"] != "exact"][["name_as_printed", "official_name", "method"]]
    assert odd.fillna("").values.tolist() == [
        ["Xã Mỹ Sở", "", ""],
        ["Xã Thân Khê", "Xã Thần Khê", "fuzzy_folded"],
        ["Xã Đông Châu", "Xã Đồng Châu", "fuzzy_folded"],
        ["phường Vũ Phúc", "Phường Vũ Phúc", "normalised"],
        ["Xã Thụ Trì", "Xã Thư Trì", "fuzzy_folded"],
        ["Xã Vũ Thụ", "Xã Vũ Thư", "fuzzy_folded"],
    ]
    total = con.execute("SELECT detail FROM findings WHERE kind = 'total_mismatch'").fetchall()
    assert total == [("Kế hoạch ghi 981.535, cộng từ các dòng được 981.533, chênh lệch -2.",)]


def test_code_lookup_accepts_aliases(con):
    assert resolve_code(con, "12004") == "11986"
    assert resolve_code(con, "11986") == "11986"
    with pytest.raises(UnknownCommune):
        resolve_code(con, "99999")


def test_build_twice_is_identical(con, settings):
    before = db.checksums(con)
    writes.build_database(con, settings)
    after = db.checksums(con)
    assert after.pop("audit_log") != before.pop("audit_log")  # each build is audited
    assert after == before
    assert db.rows(con, "SELECT actor, action FROM audit_log ORDER BY id DESC LIMIT 1") == [("system", "build")]


def test_bad_appendix_names_row_and_column(plan_dir):
    path = plan_dir / "targets_2030.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].replace("9681", "9.6x1")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match=r"targets_2030.csv, dòng 4, cột total_target"):
        read_appendix(path)


def test_override_with_unknown_code_is_rejected(plan_dir, tmp_path):
    (plan_dir / "name_overrides.csv").write_text("name_as_printed,code,note\nXã Mỹ Sở,77777,\n", encoding="utf-8")
    con = db.connect(tmp_path / "x.duckdb")
    with pytest.raises(SourceFileError, match="dòng 2, cột code"):
        writes.build_database(con, load_settings(plan_dir / "plan.toml"))
    assert con.execute("SELECT count(*) FROM communes").fetchone()[0] == 0


def test_check_command_exit_status(db_file, plan_dir, tmp_path, monkeypatch, capsys):
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "Còn 9 phát hiện chưa xử lý." in out  # with the headline finding on its 60 % and 5 %
    # a person confirms every match, the plan's totals are the rows' sums and its voluntary share is one that fits
    # the same labour force (106.055 ÷ 0,065 = 1.631.615, within 981.533 ÷ 0,605 … ÷ 0,595): nothing left open
    (plan_dir / "name_overrides.csv").write_text(
        "name_as_printed,code,note\nXã Mỹ Sở,12049,\nXã Thân Khê,12631,\nXã Đông Châu,13003,\n"
        "phường Vũ Phúc,12466,\nXã Thụ Trì,13222,\nXã Vũ Thụ,13192,\n", encoding="utf-8")
    plan = plan_dir / "plan.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("981535", "981533")
                    .replace("voluntary_coverage_pct = 5", "voluntary_coverage_pct = 6.5"), encoding="utf-8")
    monkeypatch.setenv("BHXH_PLAN", str(plan))
    monkeypatch.setenv("BHXH_DB", str(tmp_path / "fresh.duckdb"))
    assert main(["check"]) == 0
    assert "Còn 0 phát hiện chưa xử lý." in capsys.readouterr().out
