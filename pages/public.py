"""Công khai kết quả: read-only results and ranks for the latest month, open to everyone; aggregates only."""

import streamlit as st

from analytics import fmt, metrics, store
from analytics.settings import load_settings
from pages.common import connection, shown_errors

st.title("Công khai kết quả phát triển người tham gia BHXH")
with shown_errors():
    con, settings = connection(), load_settings()
    period = metrics.latest_period(con)
    if period is None:
        st.info("Chưa có kết quả để công khai.")
        st.stop()
    table = metrics.public_results(con, settings, period)
    updated = store.last_upload_time(con)

st.caption(f"Kết quả {fmt.month(period)} theo Kế hoạch của {settings.issuer} {settings.province} "
           f"triển khai Nghị quyết {settings.resolution}. Nguồn: số liệu do cơ quan Bảo hiểm xã hội cung cấp, "
           f"cập nhật ngày {fmt.date(updated) if updated else '—'}.")
table["attainment"] = table["attainment"].map(fmt.percent)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    "rank": st.column_config.NumberColumn("Hạng", format="%d"),
    "name": "Xã, phường",
    "total": st.column_config.NumberColumn("Số người tham gia", format="localized"),
    "target": st.column_config.NumberColumn(f"Chỉ tiêu {settings.target_year}", format="localized"),
    "attainment": st.column_config.TextColumn("Tỷ lệ đạt"),
    "voluntary": st.column_config.NumberColumn("Tự nguyện", format="localized"),
    "voluntary_min": st.column_config.NumberColumn("Chỉ tiêu tự nguyện tối thiểu", format="localized"),
})
