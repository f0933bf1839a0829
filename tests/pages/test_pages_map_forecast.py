"""The map and forecast pages: demo figures, the empty state, and a scope chosen in the URL."""

from __future__ import annotations

import json

import ui.forecast
import ui.map
from analytics.figures import outlook
from analytics.storage import db
from analytics.text import fmt
from tests.helpers import TINY, file_bytes, offered, record_monthly, shown_table

COMMUNE, COMMUNE_CODE = "Xã Như Quỳnh", "11986"
NEIGHBOURS = ["Lạc Đạo", "Nghĩa Trụ", "Nguyễn Văn Linh", "Mỹ Hào", "Phụng Công"]  # touching it in the boundary file


def expected_outlook(path, settings, codes=None):
    """The outlook the forecast page should show for the demo months 2026-01..2026-10."""
    con = db.connect(path, read_only=True)
    try:
        return outlook.province_outlook(con, settings, codes, until="2026-10")
    finally:
        con.close()


def deck(at):
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def test_map_colours_every_commune(run_page, demo_db):
    at = run_page(ui.map.page, demo_db)
    spec = deck(at)
    fills, outlines = spec["layers"]
    data = fills["data"]
    assert len({row["code"] for row in data}) == 104 and all(row["selected"] for row in data)
    assert "mapStyle" not in spec or spec["mapStyle"] == "__MAP_STYLE__"  # no basemap: no internet needed
    # The fills take clicks and hovers; the outlines, drawn on top, take none (see ui/map.py).
    assert fills["pickable"] and not fills["stroked"] and not outlines["pickable"] and not outlines["filled"]
    # The wheel scrolls the page: it does not zoom the map.
    assert spec["views"][0]["controller"]["scrollZoom"] is False
    assert len(spec["layers"]) == 2  # no place names over the whole province
    legend = at.markdown[1].value
    for label in ("< 60 %", "60–70 %", "70–80 %", "≥ 100 %", "Chưa có số liệu"):
        assert label in legend
    captions = [c.value for c in at.caption]
    assert "Tỷ lệ đạt chỉ tiêu 2030 · tháng 10/2026 · Phạm vi: Toàn tỉnh" in captions
    assert "Ranh giới hành chính: sapnhap.bando.com.vn, qua vietnamese-provinces-database (MIT)" in captions
    assert at.expander[0].label == "Ranh giới không khớp chính xác theo mã (5)"
    table = shown_table(at.dataframe[-1])
    assert len(table) == 104 and list(table.columns[:2]) == ["Xã, phường", "Tỷ lệ đạt chỉ tiêu 2030"]
    assert table["Tỷ lệ đạt chỉ tiêu 2030"].iloc[0] == "62,7 %" and table["Tỷ lệ đạt chỉ tiêu 2030"].iloc[-1] == "—"


def test_map_shows_labour_coverage_with_its_denominator(run_page, demo_db):
    at = run_page(ui.map.page, demo_db, query={"chi_so": "labour_coverage"})
    captions = " ".join(c.value for c in at.caption)
    assert "Tỷ lệ bao phủ lực lượng lao động · tháng 10/2026 · Phạm vi: Toàn tỉnh" in captions
    assert "Toàn tỉnh: 44,0 % của 1.655.320 người (LLLĐ trong độ tuổi năm 2026" in captions
    table = shown_table(at.dataframe[-1])
    assert len(table) == 104 and table["Tỷ lệ bao phủ lực lượng lao động"].ne("—").all()


def test_map_without_monthly_data(run_page, tiny_db):
    at = run_page(ui.map.page, tiny_db)
    assert at.info[0].value.startswith("Chưa có số liệu hằng tháng.")
    assert not at.get("deck_gl_json_chart")


def test_map_narrows_to_a_commune_from_the_url(run_page, demo_db):
    at = run_page(ui.map.page, demo_db, query={"pham_vi": COMMUNE})
    spec = deck(at)
    data = spec["layers"][0]["data"]
    assert {row["code"] for row in data if row["selected"]} == {COMMUNE_CODE}
    assert len({row["code"] for row in data}) == 104  # the others stay, faded
    # Zoomed in, but with its neighbours around it, named.
    assert 9.5 < spec["initialViewState"]["zoom"] < 11
    names = spec["layers"][2]["data"]
    assert sorted(n["name"] for n in names) == sorted(NEIGHBOURS + ["Như Quỳnh"])
    assert at.button[0].label == "Xem toàn tỉnh"
    assert at.subheader[0].value == f"Số liệu: {COMMUNE}"
    assert at.dataframe[-1].value["name"].tolist() == [COMMUNE]


def test_forecast_shows_the_outlook(run_page, demo_db, settings):
    expected = expected_outlook(demo_db, settings)
    fit = expected["projection"]
    at = run_page(ui.forecast.page, demo_db)
    cards = {m.label: m.value for m in at.metric}
    assert cards["Dự báo tháng 12/2030"] == fmt.number(fit.projected)
    assert cards["Dự báo vượt chỉ tiêu"] == fmt.number(-expected["gap"])  # the demo overshoots
    assert cards["Cần tăng mỗi tháng"] == fmt.number(expected["required"])
    assert cards["Đang tăng mỗi tháng"] == fmt.number(fit.slope_per_month)
    # Short labels: the longest fits a quarter of a 1280 px page without being cut.
    assert max(len(label) for label in cards) <= 26
    # How the forecast is made is folded away, in plain words, with no failed check on show.
    (method,) = at.expander
    assert method.label == "Phương pháp"
    text = " ".join(m.value for m in method.markdown)
    check = expected["backtest"]
    assert f"sai lệch trung bình so với số thực tế của 3 tháng đó là {fmt.percent(check.mape / 100)}" in text
    assert "(ở đây 3/3 tháng)" in text
    assert not any(word in text for word in ("Theil", "0/3"))
    near, far = (json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart"))
    assert near["title"]["text"] == "Số người tham gia: thực hiện và dự báo đến tháng 10/2027"  # 12 months on
    assert far["title"]["text"] == "Số người tham gia: thực hiện và dự báo đến tháng 12/2030"
    assert len(at.dataframe[0].value) == 104
    [(label, csv)] = offered(at)
    assert label == "Tải bảng dự báo (CSV)" and csv.mime == "text/csv"
    assert len(file_bytes(csv).decode("utf-8-sig").splitlines()) == 1 + 104


def test_forecast_without_monthly_data(run_page, tiny_db):
    at = run_page(ui.forecast.page, tiny_db)
    assert at.info[0].value.startswith("Chưa có số liệu hằng tháng.")
    assert not at.metric


def test_forecast_with_too_little_history(run_page, tiny_db):
    con = db.connect(tiny_db)
    record_monthly(con, [(p, code, 1000, 100) for p in ("2026-01", "2026-02") for code in TINY])
    con.close()
    at = run_page(ui.forecast.page, tiny_db)
    assert at.info[0].value.startswith("Chưa đủ số liệu để dự báo.")
    assert not at.metric


def test_forecast_narrows_to_a_commune_from_the_url(run_page, demo_db, settings):
    expected = expected_outlook(demo_db, settings, [COMMUNE_CODE])
    at = run_page(ui.forecast.page, demo_db, query={"pham_vi": COMMUNE})
    cards = {m.label: m.value for m in at.metric}
    assert cards["Dự báo tháng 12/2030"] == fmt.number(expected["projection"].projected)
    assert at.dataframe[0].value["name"].tolist() == [COMMUNE]
