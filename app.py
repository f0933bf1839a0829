"""Entry point: navigation and the sidebar every page shares."""

import streamlit as st

st.set_page_config(page_title="Theo dõi BHXH đến 2030", page_icon="📊", layout="wide")

PAGES = {
    "Tổng quan": [
        st.Page("pages/home.py", title="Trang chủ", icon="🏠", default=True, url_path="trang-chu"),
    ],
    "Dữ liệu": [
        st.Page("pages/data_check.py", title="Kiểm tra dữ liệu", icon="🔎", url_path="kiem-tra-du-lieu"),
    ],
}

st.navigation(PAGES).run()
