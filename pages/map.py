"""Bản đồ: every commune coloured by the chosen indicator for the chosen month, quarter or year, the scope outlined.

The province is fitted to the map's size on a phone or a computer; the wheel and a one-finger swipe
scroll the page, not the map (two fingers zoom and move it); a click on a commune, or its name chosen
beside the map, opens its profile.
"""

import pandas as pd
import pydeck as pdk
import streamlit as st

from analytics import fmt, labels, stocks
from geo import mapview
from pages.common import ALL, month_page, on_phone, open_profile, shown_errors, table

LAYER = "communes"

view, con, settings = month_page("Bản đồ theo xã, phường")
label = labels.INDICATOR[view.indicator]
with shown_errors():
    figures = stocks.commune_table(con, settings, view.span)
    bounds = mapview.geometry(con, settings)

st.caption(f"{label} · {view.label} · Phạm vi: {view.scope}")
frame = mapview.map_frame(bounds.frame, figures, view.indicator, settings.thresholds, highlight=view.codes)
canvas = mapview.PHONE if on_phone() else mapview.DESKTOP
fitted = mapview.fit_view(bounds.frame, view.codes, canvas)
tooltip = {
    "html": f"<b>{{tip_name}}</b><br/>{label}: {{tip_value}}<br/>Số người tham gia: {{tip_total}}<br/>"
            "Chỉ tiêu 2030: {tip_target}<br/>Tình trạng: {tip_status}",
    "style": {"backgroundColor": "white", "color": "black", "fontSize": "0.85rem"},
}
# Fills take the clicks, outlines are drawn on top by a layer of their own that is not pickable: picking
# thousands of outline segments made a click on a slow device outlast a tap and go unnoticed.
layers = [
    pdk.Layer("PolygonLayer", frame.drop(columns=["line", "line_width"]), id=LAYER, get_polygon="polygon",
              get_fill_color="fill", stroked=False, filled=True, pickable=True),
    pdk.Layer("PolygonLayer", mapview.outlines(frame), id="outlines", get_polygon="polygon", get_line_color="line",
              # Widths in metres with a one-pixel floor: pixel-unit accessors draw nothing on some WebGL back ends.
              get_line_width="line_width * 60", line_width_min_pixels=1, stroked=True, filled=False,
              pickable=False),
]
if view.codes is not None:  # zoomed in: the scope's communes and their neighbours by name
    names = mapview.place_names(bounds.frame, view.codes)
    layers.append(pdk.Layer(
        "TextLayer", names, id="names", get_position="position", get_text="name", get_size=13,
        size_units="'pixels'", get_color=[20, 20, 20], outline_width=3, outline_color=[255, 255, 255],
        font_settings={"sdf": True}, character_set="'auto'", font_family="'sans-serif'", font_weight=600,
        get_text_anchor="'middle'", get_alignment_baseline="'center'", pickable=False,
    ))
# map_provider=None: no basemap tiles, so nothing is fetched from the internet. No wheel zoom: the wheel
# scrolls the page; a double click or two fingers zoom.
deck = pdk.Deck(layers=layers, initial_view_state=pdk.ViewState(**fitted), map_provider=None, tooltip=tooltip,
                views=[pdk.View("MapView", controller={"scrollZoom": False, "dragRotate": False, "touchRotate": False,
                                                       "doubleClickZoom": True, "touchZoom": True, "keyboard": True})])

left, right = st.columns([4, 1])
with left:
    # A new key after each click: the pick has done its work and must not grey out the other communes.
    picks = st.session_state.setdefault("map_picks", 0)
    event = st.pydeck_chart(deck, height=canvas.height, on_select="rerun", selection_mode="single-object",
                            key=f"map_{picks}",
                            alt=f"Bản đồ {label.lower()} theo xã, phường, {view.label}")
    clicked = event["selection"]["objects"].get(LAYER) if event is not None else None
    if clicked:
        st.session_state["map_picks"] = picks + 1
    st.caption("Bấm vào một xã, phường để mở hồ sơ của xã, phường đó.")
    if view.codes is not None and st.button("Xem toàn tỉnh", icon=":material/zoom_out_map:"):
        st.query_params["pham_vi"] = ALL
        st.rerun()
with right:
    # Beside the map, the same choice by name: for a keyboard, a screen reader, or a commune too small to click.
    named = figures if view.codes is None else figures[figures["code"].isin(view.codes)]
    by_code = dict(zip(named["code"], named["name"]))
    chosen = st.selectbox("Mở hồ sơ xã, phường", list(by_code), index=None, format_func=by_code.get,
                          placeholder="Chọn hoặc bấm trên bản đồ", key="ban_do_ho_so")
    st.markdown(f"**{label}**")
    counts = frame.drop_duplicates("code")["band"].value_counts()
    square = ("<span style='display:inline-block;width:0.9em;height:0.9em;margin-right:0.4em;"
              "vertical-align:middle;border:1px solid #666;background:rgb({},{},{})'></span>")
    st.markdown("<br>".join(f"{square.format(*rgb)}{text} ({fmt.number(counts.get(text, 0))})"
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
shown = labels.shown(figures if view.codes is None else figures[figures["code"].isin(view.codes)])
shown = shown.assign(value=shown[view.indicator]).sort_values("value", na_position="last")
table(shown, {"name": "Xã, phường", "value": label, "status": "Tình trạng", "total": "Số người tham gia (người)",
              "target": "Chỉ tiêu 2030 (người)"}, {"value": "pct", "total": "whole", "target": "whole"})
