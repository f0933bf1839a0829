"""Bản đồ: every commune coloured by the chosen indicator for the chosen month, the scope outlined."""

import pydeck as pdk
import streamlit as st

from analytics import fmt, labels, metrics
from geo import mapview
from pages.common import ALL, month_page, shown_errors

view, con, settings = month_page("Bản đồ theo xã, phường")
label = labels.INDICATOR[view.indicator]
with shown_errors():
    table = metrics.commune_table(con, settings, view.period)
    bounds = mapview.geometry(con, settings)

st.caption(f"{label} · {fmt.month(view.period)} · Phạm vi: {view.scope}")
frame = mapview.map_frame(bounds.frame, table, view.indicator, settings.thresholds, highlight=view.codes)
tooltip = {
    "html": f"<b>{{tip_name}}</b><br/>{label}: {{tip_value}}<br/>Số người tham gia: {{tip_total}}<br/>"
            "Chỉ tiêu 2030: {tip_target}<br/>Tình trạng: {tip_status}",
    "style": {"backgroundColor": "white", "color": "black", "fontSize": "0.85rem"},
}
layer = pdk.Layer(
    "PolygonLayer", frame, get_polygon="polygon", get_fill_color="fill", get_line_color="line",
    # Widths in metres with a one-pixel floor: pixel-unit accessors draw nothing on some WebGL back ends.
    get_line_width="line_width * 60", line_width_min_pixels=1, stroked=True, filled=True, pickable=True,
)
# map_provider=None: no basemap tiles, so nothing is fetched from the internet.
deck = pdk.Deck(layers=[layer], initial_view_state=pdk.ViewState(**mapview.fit_view(bounds.frame, view.codes)),
                map_provider=None, tooltip=tooltip)

left, right = st.columns([4, 1])
with left:
    st.pydeck_chart(deck, height=620, alt=f"Bản đồ {label.lower()} theo xã, phường, {fmt.month(view.period)}")
with right:
    st.markdown(f"**{label}**")
    counts = frame.drop_duplicates("code")["band"].value_counts()
    square = ("<span style='display:inline-block;width:0.9em;height:0.9em;margin-right:0.4em;"
              "vertical-align:middle;border:1px solid #666;background:rgb({},{},{})'></span>")
    st.markdown("<br>".join(f"{square.format(*rgb)}{text} ({fmt.number(counts.get(text, 0))})"
                            for text, rgb in mapview.legend(view.indicator, settings.thresholds)),
                unsafe_allow_html=True)
    if view.codes is not None:
        st.caption("Đơn vị trong phạm vi được viền đậm, các đơn vị khác tô nhạt.")

st.caption(bounds.attribution)
circles = bounds.frame[bounds.frame["source"] == "circle"]["name"].tolist()
if circles:
    st.caption(f"{fmt.number(len(circles))} đơn vị không có trong tệp ranh giới, vẽ tạm bằng hình tròn "
               f"có diện tích chính thức: {', '.join(circles)}.")
if bounds.issues:
    with st.expander(f"Ranh giới không khớp chính xác theo mã ({fmt.number(len(bounds.issues))})"):
        st.dataframe(
            [{"label": i["label"], "name": i["name"] or "—", "note": i["note"]} for i in bounds.issues],
            hide_index=True, width="stretch",
            column_config={"label": "Tên trong tệp ranh giới", "name": "Đơn vị chính thức", "note": "Ghi chú"},
        )

# The same figures as a table: the map alone is unreadable with a screen reader.
st.subheader("Số liệu theo xã, phường" if view.scope == ALL else f"Số liệu: {view.scope}")
shown = labels.shown(table if view.codes is None else table[table["code"].isin(view.codes)])
shown = shown.sort_values(view.indicator, na_position="last")
st.dataframe(
    shown.assign(value=shown[view.indicator].map(fmt.percent), total=shown["total"].map(fmt.number),
                 target=shown["target"].map(fmt.number))[["name", "value", "total", "target", "status"]],
    hide_index=True, width="stretch",
    column_config={"name": "Xã, phường", "value": label, "total": "Số người tham gia (người)",
                   "target": "Chỉ tiêu 2030 (người)", "status": "Tình trạng"},
)
