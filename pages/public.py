"""Công khai kết quả: read-only results and ranks for the latest month, open to everyone; aggregates only."""

import streamlit as st

from analytics import fmt, metrics, store
from analytics.settings import load_settings
from pages.common import connection, shown_errors, table

st.title("Công khai kết quả phát triển người tham gia BHXH")
with shown_errors():
    con, settings = connection(), load_settings()
    period = metrics.latest_period(con)
    if period is None:
        st.info("Chưa có kết quả để công khai.")
        st.stop()
    results = metrics.public_results(con, settings, period)
    updated = store.last_upload_time(con)

st.caption(f"Kết quả {fmt.month(period)} theo Kế hoạch của {settings.issuer} {settings.province} "
           f"triển khai Nghị quyết {settings.resolution}. Nguồn: số liệu do cơ quan Bảo hiểm xã hội cung cấp, "
           f"cập nhật ngày {fmt.date(updated) if updated else '—'}.")
# The rate first: on a phone the rank, the name and the rate fit the screen, the rest scrolls.
table(results, {"rank": "Hạng", "name": "Xã, phường", "attainment": "Tỷ lệ đạt", "total": "Số người tham gia",
                "target": f"Chỉ tiêu {settings.target_year}", "voluntary": "Tự nguyện",
                "voluntary_min": "Chỉ tiêu tự nguyện tối thiểu"},
      {"rank": "plain", "attainment": "pct", "total": "whole", "target": "whole", "voluntary": "whole",
       "voluntary_min": "whole"})
