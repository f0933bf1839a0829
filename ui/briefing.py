"""Báo cáo: the month's briefing for the Steering Committee as Word and Excel files, one click each."""

import streamlit as st

from analytics.figures import standing
from analytics.reports import briefing
from analytics.settings import db_path, load_settings
from analytics.storage import reads
from analytics.text import fmt
from ui.downloads import DOCX, XLSX, offer
from ui.errors import shown_errors
from ui.state import connection
from ui.widgets import month_page


@st.cache_data(show_spinner="Đang lập báo cáo…", max_entries=24)
def _files(period: str, version: tuple, database: str) -> tuple[bytes, bytes]:
    """Both files for a month and data version (analytics.storage.cache): any write of figures rebuilds them."""
    return briefing.files(connection(), load_settings(), period)


def page() -> None:
    """Báo cáo: the page's body, run by the navigation on every rerun (ui.routes)."""
    view, con, settings = month_page("Báo cáo Ban Chỉ đạo")
    with shown_errors():
        months = standing.reported_periods(con)
        newest_first = months[::-1]
        chosen = view.period if view.period in months else months[-1]
        period = st.selectbox("Kỳ báo cáo", newest_first, index=newest_first.index(chosen), format_func=fmt.month)
        docx, xlsx = _files(period, reads.data_version(con), str(db_path()))

    st.caption(f"Báo cáo kết quả phát triển đối tượng tham gia BHXH {fmt.month(period)}: số liệu tổng hợp, biểu đồ, "
               "xã, phường chậm tiến độ, dự báo đến cuối kỳ kế hoạch, kinh phí hỗ trợ đóng BHXH tự nguyện; mục «Đề "
               "xuất, "
               "kiến nghị» để trống cho bộ phận "
               "giúp việc hoàn thiện.")
    c1, c2 = st.columns(2)
    offer("Tải báo cáo (Word)", docx, briefing.file_name("docx", period), DOCX, where=c1)
    offer("Tải số liệu (Excel)", xlsx, briefing.file_name("xlsx", period), XLSX, where=c2)
