"""Xã chậm tiến độ: communes behind their trajectory, ranked, with the reason."""

import streamlit as st

from analytics.figures import spans, standing
from analytics.reports import exports
from analytics.text import fmt, labels
from ui.downloads import CSV, XLSX, offer
from ui.errors import shown_errors
from ui.state import in_scope, profile_on_select
from ui.widgets import month_page, table


def page() -> None:
    """Xã chậm tiến độ: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Xã, phường chậm tiến độ")
    with shown_errors():
        communes = standing.commune_table(con, settings, view.span)
        path = standing.trajectory_source(con)
    communes = in_scope(communes, view)

    st.caption(f"{view.label} · tiến độ = số thực hiện so với mức cần đạt trên lộ trình: {path}. "
               f"Đạt tiến độ từ "
               f"{fmt.number(settings.thresholds['on_track_pct'])} %, rất chậm dưới "
               f"{fmt.number(settings.thresholds['very_late_pct'])} %.")
    c1, c2 = st.columns(2)
    statuses = c1.multiselect("Trạng thái", [*standing.LAGGING, standing.STATUS_ON_TRACK],
                              default=list(standing.LAGGING), format_func=labels.STATUS.get,
                              placeholder="Chọn trạng thái")
    measures = c2.multiselect("Chậm về", list(standing.MEASURES), default=list(standing.MEASURES),
                              format_func=labels.MEASURE.get, placeholder="Chọn chỉ số")
    shown = labels.shown(standing.lagging(communes, statuses, measures))

    st.metric("Số xã, phường trong danh sách", fmt.number(len(shown)))
    if shown.empty:
        st.success("Không có xã, phường nào khớp bộ lọc.")
    # Key columns first: on a phone the rank, the name and the progress fit the screen, the rest scrolls.
    columns = {"rank": "Hạng", "name": "Xã, phường", "progress": "Tiến độ", "status": "Trạng thái", "reason": "Chậm về",
               "voluntary_progress": "Tiến độ tự nguyện", "attainment": "Đạt chỉ tiêu 2030",
               "total": "Số tham gia", "expected": "Mức cần đạt", "gap_to_trajectory": "Chênh lệch",
               "voluntary": "Tự nguyện", "former_district": "Huyện cũ"}
    if view.granularity != spans.MONTH:  # a commune that missed the span's last month shows an earlier one
        columns["as_of"] = "Số liệu tháng"
        shown = shown.assign(as_of=shown["as_of"].map(fmt.month))
    out = shown[list(columns)]
    kinds = {"rank": "plain", "progress": "pct", "voluntary_progress": "pct", "attainment": "pct", "total": "whole",
             "expected": "whole", "gap_to_trajectory": "signed", "voluntary": "whole"}
    st.caption("Chọn một dòng để mở hồ sơ của xã, phường đó.")
    event = table(out, columns, kinds, on_select="rerun", selection_mode="single-row", key="lagging_table")
    profile_on_select(event, shown)
    download = out.rename(columns=columns)
    c1, c2 = st.columns(2)
    offer("Tải CSV", exports.to_csv(download), f"xa-cham-tien-do-{view.span}.csv", CSV, where=c1)
    offer("Tải Excel", exports.to_xlsx(download, "Xã chậm tiến độ", ("Tiến độ", "Tiến độ tự nguyện", "Đạt chỉ tiêu "
                                                                                                     "2030")),
          f"xa-cham-tien-do-{view.span}.xlsx", XLSX, where=c2)
