"""Bảng điểm: communes × indicators with traffic lights, sortable, rankable and printable."""

import datetime as dt

import streamlit as st

from analytics import completeness, fmt, labels, metrics, scorecard
from analytics.annual import annual_targets
from pages.common import in_scope, month_page, shown_errors

LIGHT_CSS = {scorecard.GREEN: "background-color: #c7ecdf", scorecard.AMBER: "background-color: #fbe3b5",
             scorecard.RED: "background-color: #f6cbb7", scorecard.NONE: ""}
LIGHT_MARK = {scorecard.GREEN: "●", scorecard.AMBER: "▲", scorecard.RED: "■", scorecard.NONE: ""}

view, con, settings = month_page("Bảng điểm xã, phường")
with shown_errors():
    table = metrics.commune_table(con, settings, view.period)
    annual = annual_targets(con)
    year_targets = annual[annual["year"] == int(view.period[:4])] if not annual.empty else None
    reported = completeness.reporting(con, settings, dt.date.today(), metrics.periods(con))
    card = scorecard.build(table, year_targets, completeness.completeness_share(reported), settings)
card = in_scope(card, view)

st.caption(f"{fmt.month(view.period)} · ● xanh: đạt ngưỡng; ▲ vàng: gần đạt; ■ đỏ: dưới ngưỡng. "
           "Ngưỡng lấy từ cấu hình kế hoạch. Xếp hạng: ít chỉ số đỏ nhất, rồi ít vàng nhất, rồi tỷ lệ đạt 2030.")
if year_targets is None or year_targets.empty:
    st.info(f"Chưa có chỉ tiêu năm {view.period[:4]} chính thức; cột «Đạt chỉ tiêu năm» để trống. "
            "Xem trang «Chỉ tiêu năm».")
sort_by = st.selectbox("Sắp xếp theo", ["rank", *scorecard.INDICATORS],
                       format_func=lambda k: "Xếp hạng" if k == "rank" else labels.SCORECARD_INDICATOR[k])
card = card.sort_values(sort_by, ascending=sort_by == "rank", na_position="last")

shown = card[["rank", "name", *scorecard.INDICATORS]].rename(
    columns={"rank": "Hạng", "name": "Xã, phường", **labels.SCORECARD_INDICATOR})
lights = card[[f"{k}_light" for k in scorecard.INDICATORS]].to_numpy()


def _colour(frame):
    styles = frame.copy().astype(str)
    styles[:] = ""
    for j, label in enumerate(labels.SCORECARD_INDICATOR.values()):
        styles[label] = [LIGHT_CSS[x] for x in lights[:, j]]
    return styles


def _cell(value, light):
    return f"{LIGHT_MARK[light]} {fmt.number(value, 1)} %" if light != scorecard.NONE else "—"


for j, label in enumerate(labels.SCORECARD_INDICATOR.values()):
    shown[label] = [_cell(v, lt) for v, lt in zip(shown[label], lights[:, j])]
styled = shown.style.apply(_colour, axis=None)
printable = st.toggle("Chế độ in")
if printable:
    st.markdown("<style>@media print { section[data-testid='stSidebar'], header, "
                "div[data-testid='stToolbar'] { display: none !important; } }</style>", unsafe_allow_html=True)
    st.table(styled.hide(axis="index"))
else:
    st.dataframe(styled, hide_index=True, width="stretch", height=min(38 * (len(shown) + 1), 900))
