"""Đăng nhập: local accounts, and the organisation's single sign-on when one is configured."""

import streamlit as st

from analytics import accounts
from analytics.errors import LoginFailed
from pages.common import connection, oidc_configured, shown_errors, sign_in

st.title("Đăng nhập")
with st.form("login"):
    username = st.text_input("Tên đăng nhập")
    password = st.text_input("Mật khẩu", type="password")
    submitted = st.form_submit_button("Đăng nhập", type="primary")
if submitted:
    with shown_errors():
        try:
            sign_in(accounts.authenticate(connection(), username, password))
        except LoginFailed as exc:
            st.error(str(exc))
        else:
            st.rerun()
if oidc_configured():
    st.divider()
    st.button("Đăng nhập bằng tài khoản của tổ chức", on_click=st.login)
