"""Bản đồ: every commune coloured by the chosen indicator for the chosen month, quarter or year, the scope outlined.

The province is fitted to the map's size on a phone or a computer; the wheel and a one-finger swipe
scroll the page, not the map (two fingers zoom and move it); a click on a commune, or its name chosen
beside the map, opens its profile.
"""

import pandas as pd
import streamlit as st

from analytics.figures import coverage, indicators, standing
from analytics.text import fmt, labels
from analytics.units import scopes
from geo import mapview
from ui.errors import shown_errors
from ui.state import ALL, open_profile, open_scope
from ui.widgets import month_page, on_phone, table


def page() -> None:
    """Bản đồ: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Bản đồ theo xã, phường")
    label = indicators.get(view.indicator).label
    with shown_errors():
        figures = standing.commune_table(con, settings, view.span)
        bounds = mapview.geometry(con, settings)

    st.caption(f"{label} · {view.label} · Phạm vi: {view.scope}")
    if view.indicator == "labour_coverage":
        with shown_errors():
            covered = coverage.of_scope(con, settings, view.span, view.codes)
        st.caption(f"Mỗi xã, phường: số người tham gia ÷ lực lượng lao động trong độ tuổi của xã, phường đó. "
                   f"{view.scope}: {covered.caption()}. {coverage.RULE_VI}")
    canvas = mapview.PHONE if on_phone() else mapview.DESKTOP
    tooltip = {
        "html": f"<b>{{tip_name}}</b><br/>{label}: {{tip_value}}<br/>Số người tham gia: {{tip_total}}<br/>"
                "Chỉ tiêu 2030: {tip_target}<br/>Tình trạng: {tip_status}",
        "style": {"backgroundColor": "white", "color": "black", "fontSize": "0.85rem"},
    }
    with shown_errors():
        drawn = mapview.deck(con, settings, view.span, view.indicator, view.codes, tooltip, canvas)

    left, right = st.columns([4, 1])
    with left:
        # A new key after each click: the pick has done its work and must not grey out the other communes.
        picks = st.session_state.setdefault("map_picks", 0)
        event = st.pydeck_chart(mapview.SerialisedDeck(drawn.spec, tooltip), height=canvas.height, on_select="rerun",
                                selection_mode="single-object", key=f"map_{picks}",
                                alt=f"Bản đồ {label.lower()} theo xã, phường, {view.label}")
        clicked = event["selection"]["objects"].get(mapview.LAYER) if event is not None else None
        if clicked:
            st.session_state["map_picks"] = picks + 1
        st.caption("Bấm vào một xã, phường để mở hồ sơ của xã, phường đó.")
        if view.codes is not None and st.button("Xem toàn tỉnh", icon=":material/zoom_out_map:"):
            open_scope(ALL)
    with right:
        # Beside the map, the same choice by name: for a keyboard, a screen reader, or a commune too small to click.
        named = figures if view.codes is None else figures[scopes.among(figures["code"], view.codes)]
        by_code = dict(zip(named["code"], named["name"]))
        chosen = st.selectbox("Mở hồ sơ xã, phường", list(by_code), index=None, format_func=by_code.get,
                              placeholder="Chọn hoặc bấm trên bản đồ", key="ban_do_ho_so")
        st.markdown(f"**{label}**")
        square = ("<span style='display:inline-block;width:0.9em;height:0.9em;margin-right:0.4em;"
                  "vertical-align:middle;border:1px solid #666;background:rgb({},{},{})'></span>")
        st.markdown("<br>".join(f"{square.format(*rgb)}{text} ({fmt.number(drawn.bands.get(text, 0))})"
                                for text, rgb in mapview.legend(view.indicator, settings.thresholds)),
                    unsafe_allow_html=True)
        if view.codes is not None:
            st.caption("Đơn vị trong phạm vi được viền đậm, các đơn vị khác tô nhạt.")

    if clicked or chosen:
        open_profile(chosen or clicked[0]["code"])

    st.caption(bounds.attribution)
    circles = bounds.frame[bounds.frame["source"] == "circle"]["name"].tolist()
    if circles:
        st.caption(f"{fmt.number(len(circles))} đơn vị không có trong tệp ranh giới, vẽ tạm bằng hình tròn "
                   f"có diện tích chính thức: {', '.join(circles)}.")
    if bounds.issues:
        with st.expander(f"Ranh giới không khớp chính xác theo mã ({fmt.number(len(bounds.issues))})"):
            st.dataframe(
                fmt.table(pd.DataFrame([{"label": i["label"], "name": i["name"], "note": i["note"]}
                                        for i in bounds.issues])),
                hide_index=True, width="stretch",
                column_config={"label": "Tên trong tệp ranh giới", "name": "Đơn vị chính thức", "note": "Ghi chú"},
            )

    # The same figures as a table: the map alone is unreadable with a screen reader.
    st.subheader("Số liệu theo xã, phường" if view.scope == ALL else f"Số liệu: {view.scope}")
    shown = labels.shown(figures if view.codes is None else figures[scopes.among(figures["code"], view.codes)])
    shown = shown.assign(value=shown[view.indicator]).sort_values("value", na_position="last")
    table(shown, {"name": None, "value": label, "status": "Tình trạng", "total": "Số người tham gia (người)",
                  "target": "Chỉ tiêu 2030 (người)"}, {"value": "pct", "total": "whole", "target": "whole"})
