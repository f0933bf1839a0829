"""Entry point: navigation and what every page shares (the demo banner)."""

import streamlit as st

from analytics import store
from pages.common import connection, shown_errors

st.set_page_config(page_title="Theo dõi BHXH đến 2030", page_icon="📊", layout="wide")

PAGES = {
    "Tổng quan": [
        st.Page("pages/home.py", title="Trang chủ", icon="🏠", default=True, url_path="trang-chu"),
    ],
    "Dữ liệu": [
        st.Page("pages/upload.py", title="Nhập số liệu", icon="📥", url_path="nhap-so-lieu"),
        st.Page("pages/data_check.py", title="Kiểm tra dữ liệu", icon="🔎", url_path="kiem-tra-du-lieu"),
    ],
}

page = st.navigation(PAGES)
with shown_errors():
    if store.has_demo(connection()):
        st.warning("**DỮ LIỆU MINH HỌA** — số liệu trên các trang là số giả lập để xem thử, không phải số thực. "
                   "Lần tải lên số liệu thật đầu tiên sẽ thay thế toàn bộ dữ liệu minh hoạ.", icon="⚠️")
page.run()
