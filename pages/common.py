"""What every page shares: the cached connection, labels, and error display."""

from __future__ import annotations

from contextlib import contextmanager

import streamlit as st

from analytics.build import ensure_database
from analytics.errors import AnalyticsError
from analytics.settings import db_path

STATUS_VI = {
    "exact": "Khớp chính xác",
    "open": "Cần xác nhận",
    "confirmed": "Đã xác nhận",
    "unmatched": "Chưa khớp",
    "info": "Ghi nhận",
}
METHOD_VI = {
    "exact": "trùng khớp",
    "normalised": "chuẩn hoá (hoa/thường, dấu, tiền tố)",
    "fuzzy": "gần đúng (có dấu)",
    "fuzzy_folded": "gần đúng (bỏ dấu)",
    "override": "do người dùng chỉnh",
}
KIND_VI = {
    "unmatched_row": "Dòng phụ lục chưa khớp",
    "non_exact_match": "Khớp không chính xác",
    "matched_twice": "Đơn vị bị khớp hai lần",
    "unit_without_target": "Đơn vị không có chỉ tiêu",
    "total_mismatch": "Tổng không khớp",
    "figure": "Số liệu bất thường",
    "registry_disagreement": "Hai gói danh mục khác nhau",
}


@st.cache_resource(show_spinner=False)
def _connection(path: str):
    return ensure_database(path)


def connection():
    """A cursor of the process-wide connection: one per rerun, safe across sessions."""
    return _connection(str(db_path())).cursor()


@contextmanager
def shown_errors():
    """Expected failures become a Vietnamese message on the page, never a traceback."""
    try:
        yield
    except AnalyticsError as exc:
        st.error(str(exc))
        st.stop()
