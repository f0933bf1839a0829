"""Đăng nhập: local accounts, and the organisation's single sign-on when one is configured."""

import streamlit as st

from ui.access import login_form

st.title("Đăng nhập")
user = st.session_state.get("user")
if user is None:
    login_form(then="ui/overview.py")
else:
    st.info(f"Bạn đang đăng nhập với tài khoản «{user.username}».")
    st.page_link("ui/overview.py", label="Mở trang Tổng quan", icon=":material/monitoring:")
