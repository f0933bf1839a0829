"""Hồ sơ xã, phường: the profile's facts on a tiny plan, and the page opened from the URL, the lagging and
scorecard tables, the map, and with no data."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import ui.profile
from analytics.errors import UnknownCommune
from analytics.figures import evaluation, profile, standing
from analytics.settings import load_settings
from analytics.storage import db, writes
from analytics.text import fmt, labels
from tests.helpers import ANALYST, monthly_frame, offered, plain_text, record_annual

A, B = "11953", "11977"
NHU_QUYNH, ALIAS = "11986", "12004"  # 12004 is Như Quỳnh's code in the second registry package


def test_identity_uploads_and_name_matches(tiny, tiny_settings):
    frame = monthly_frame([("2026-01", A, 1000, 100), ("2026-01", B, 500, 50)]).assign(
        written_name=["P. Phố Hiến", "Xã Tân Hưng"], match_method=["fuzzy_folded", "exact"],
        match_score=[93.5, 100.0])
    first = writes.record_upload(tiny, frame, kind="monthly", file_name="thang-1.xlsx", sha256="a", user=ANALYST,
                                rows_read=2, now=dt.datetime(2026, 2, 3, 8))
    second = writes.record_upload(tiny, monthly_frame([("2026-02", B, 510, 51)]), kind="monthly",
                                 file_name="thang-2.csv", sha256="b", user=ANALYST, rows_read=1,
                                 now=dt.datetime(2026, 3, 3, 8))
    writes.withdraw(tiny, first, ANALYST, now=dt.datetime(2026, 3, 4, 8))
    annual = record_annual(tiny, [(2026, A, 1100, 110)], now=dt.datetime(2026, 3, 5, 8))

    who = profile.identity(tiny, A)
    assert {k: who[k] for k in ("code", "name", "unit_type", "target", "voluntary_min")} == {
        "code": A, "name": "Phường Phố Hiến", "unit_type": "phường", "target": 34845, "voluntary_min": 2505}
    with pytest.raises(UnknownCommune):
        profile.identity(tiny, "99999")

    touched = profile.uploads(tiny, A)
    assert touched[["id", "kind", "file_name", "uploaded_by", "periods", "is_demo"]].to_dict("records") == [
        {"id": first, "kind": "monthly", "file_name": "thang-1.xlsx", "uploaded_by": ANALYST.username,
         "periods": "2026-01", "is_demo": False},
        {"id": annual, "kind": "annual", "file_name": "chi-tieu-nam.xlsx", "uploaded_by": ANALYST.username,
         "periods": "2026", "is_demo": False}]
    assert touched["withdrawn_at"].tolist()[0] == pd.Timestamp(2026, 3, 4, 8)
    assert profile.uploads(tiny, B)["id"].tolist() == [first, second]

    tiny.execute("INSERT INTO name_confirmations VALUES (?, ?, ?, ?, ?)",
                 ["TP Phố Hiến", A, "tên cũ trong báo cáo", ANALYST.username, dt.datetime(2026, 3, 6)])
    matches = profile.name_matches(tiny, A)
    assert matches.drop(columns=["score", "status", "uploads"]).to_dict("records") == [
        {"source": "appendix", "written": "Phường Phố Hiến", "method": "exact"},
        {"source": "confirmation", "written": "TP Phố Hiến", "method": "confirmed"},
        {"source": "upload", "written": "P. Phố Hiến", "method": "fuzzy_folded"}]
    assert matches["score"].tolist()[::2] == [100.0, 93.5] and pd.isna(matches["score"].iloc[1])
    assert matches["status"].iloc[0] == "exact" and matches["status"].iloc[1:].isna().all()  # the appendix's only
    assert matches["uploads"].iloc[2] == 1 and matches["uploads"].iloc[:2].isna().all()
    assert profile.findings(tiny, A).empty


def test_findings_of_a_unit_the_appendix_missed(con):
    """Xã Mễ Sở has no appendix row: its finding, and the unmatched row that names it as nearest."""
    found = profile.findings(con, "12049")
    assert found[["kind", "subject"]].to_dict("records") == [
        {"kind": "unmatched_row", "subject": "STT 7 «Xã Mỹ Sở»"},
        {"kind": "unit_without_target", "subject": "Xã Mễ Sở (12049)"}]


def expected_row(db_file, span, code):
    con = db.connect(db_file, read_only=True)
    try:
        settings = load_settings()
        row = standing.commune_table(con, settings, span).set_index("code").loc[code]
        graded = evaluation.evaluate(con, settings, int(span[:4]), dt.date.today()).set_index("code").loc[code]
        return row, graded, profile.uploads(con, code)
    finally:
        con.close()


def cards(at):
    return {m.label: m.value for m in at.metric}


def test_profile_from_the_url(run_page, demo_db):
    row, graded, touched = expected_row(demo_db, "2026-10", NHU_QUYNH)
    at = run_page(ui.profile.page, demo_db, query={"ma": ALIAS})  # an alias code opens the unit
    assert [t.value for t in at.title] == ["Hồ sơ xã, phường"]
    assert at.header[0].value == "Xã Như Quỳnh"
    assert at.caption[0].value.startswith("Mã 11986 · xã · huyện cũ: Huyện Văn Lâm · tỉnh cũ: Tỉnh Hưng Yên")
    assert at.query_params["ma"] in (NHU_QUYNH, [NHU_QUYNH])
    shown = cards(at)
    assert shown["Chỉ tiêu 2030 (người)"] == "65.023"
    assert shown["Số người tham gia"] == fmt.number(row["total"])
    assert shown["% chỉ tiêu 2030"] == fmt.percent(row["attainment"])
    assert shown["Tỷ trọng tự nguyện"] == fmt.percent(row["voluntary_share"])
    assert shown["Bao phủ lực lượng lao động"] == fmt.percent(row["labour_coverage"])
    [denominator] = [c.value for c in at.caption if c.value.startswith("Bao phủ lực lượng lao động: ")]
    assert denominator.startswith(f"Bao phủ lực lượng lao động: {fmt.percent(row['labour_coverage'])} của ")
    assert "người (LLLĐ trong độ tuổi năm 2026, nguồn: Số liệu minh hoạ, không phải số liệu thống kê" in denominator
    assert shown["Hạng trong bảng điểm"].endswith("/104")
    assert f"**{labels.EVALUATION[graded['evaluation']]}**" in at.markdown[0].value
    assert graded["reason"] in [m.value for m in at.markdown]
    tables = {tuple(d.value.columns)[:3]: d.value for d in at.dataframe}
    assert len(tables[("id", "kind", "file_name")]) == len(touched) == 10
    assert tables[("source", "written", "method")]["written"].tolist() == ["Xã Như Quỳnh"]
    assert len(at.get("vega_lite_chart")) == 2
    assert [label for label, _ in offered(at)] == ["Tải mẫu báo cáo năm 2026 của xã, phường (Word)"]


def test_profile_of_a_quarter(run_page, demo_db):
    row, _, _ = expected_row(demo_db, "2026-Q4", NHU_QUYNH)
    at = run_page(ui.profile.page, demo_db, query={"ma": NHU_QUYNH, "theo": "quy"})
    assert at.subheader[1].value == "Kết quả quý IV/2026"
    assert any("Quý IV/2026 chưa trọn" in i.value for i in at.info)
    assert cards(at)["Số người tham gia"] == fmt.number(row["total"])


@pytest.mark.parametrize("page, key", [("ui/lagging.py", "lagging_table"), ("ui/scorecard.py",
                                                                                "scorecard_table")])
def test_profile_from_a_table_selection(open_page, demo_db, page, key):
    at = open_page(page, demo_db)
    first = at.dataframe[0].value.iloc[0]
    name = first["name"] if "name" in first else first["Xã, phường"]
    at.session_state[key] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Hồ sơ xã, phường"]
    assert at.header[0].value == name
    assert at.query_params["thang"] in ("2026-10", ["2026-10"])  # the sidebar's choices travel along


def test_profile_from_the_map(open_page, demo_db):
    at = open_page("ui/map.py", demo_db)
    at.selectbox(key="ban_do_ho_so").set_value(NHU_QUYNH).run()
    assert at.header[0].value == "Xã Như Quỳnh"
    at = open_page("ui/map.py", demo_db)
    at.session_state["map_0"] = {"selection": {"indices": {"communes": [0]},
                                                "objects": {"communes": [{"code": "12049"}]}}}
    at.run()
    assert at.header[0].value == "Xã Mễ Sở"
    assert at.dataframe[-1].value["kind"].tolist() == [labels.FINDING_KIND["unmatched_row"],
                                                       labels.FINDING_KIND["unit_without_target"]]


def test_profile_without_data(run_page, tiny_db):
    at = run_page(ui.profile.page, tiny_db, query={"ma": A})
    assert at.header[0].value == "Phường Phố Hiến"
    assert cards(at) == {"Chỉ tiêu 2030 (người)": "34.845", "Tự nguyện tối thiểu 2030 (người)": "2.505"}
    assert any(i.value.startswith("Chưa có số liệu hằng tháng") for i in at.info)
    assert "Chưa có lần tải lên nào có số liệu của xã, phường này." in [i.value for i in at.info]


def test_profile_of_an_unknown_code_says_so(run_page, tiny_db):
    at = run_page(ui.profile.page, tiny_db, query={"ma": "99999"})
    assert "Mã «99999» không có trong danh mục" in at.error[0].value
    assert [h.value for h in at.header] == ["Bộ lọc"]  # the sidebar's, no commune's


def test_a_code_in_the_link_is_shown_as_typed(run_page, tiny_db):
    asked = "![x](http://a.example/c.png)"
    at = run_page(ui.profile.page, tiny_db, query={"ma": asked})
    assert f"Mã «{asked}» không có trong danh mục" in plain_text(at.error[0].value)
