"""Đăng nhập: local accounts, and the organisation's single sign-on when one is configured."""

import streamlit as st

from ui.access import login_form
from ui.state import page_at


def page() -> None:
    """Đăng nhập: the page's body, run by the navigation on every rerun (ui.routes)."""
    st.title("Đăng nhập")
    user = st.session_state.get("user")
    if user is None:
        login_form(then="tong-quan")
    else:
        st.info(f"Bạn đang đăng nhập với tài khoản «{user.username}».")
        st.page_link(page_at("tong-quan"), label="Mở trang Tổng quan", icon=":material/monitoring:")
