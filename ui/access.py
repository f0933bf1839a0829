"""Who is signed in, the login form, and what a page shows to someone who may not open it.

A session lives in the database (analytics.access.sessions) and in the browser's HttpOnly cookie
(web.session_cookie); this tab's st.session_state keeps only its token. Every run reads the account afresh,
so a disabled or deleted account, or a new role, applies at the user's next click.
"""

from __future__ import annotations

import hashlib
import ipaddress
import time

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from analytics.access import accounts, identity
from analytics.errors import IdentityRefused, LoginFailed, SessionExpired, SessionRevoked
from analytics.settings import load_settings
from analytics.storage import writes
from analytics.text import usertext
from ui.errors import show_error, shown_errors
from ui.state import connection, page_at
from web import session_cookie

TOKEN, COOKIE_STEP, NOTICE, DISMISSED = "session_token", "cookie_step", "session_notice", "dismissed_token"
SIGNED_OUT = ("success", "Đã đăng xuất.")
LOOPBACK = ("127.0.0.1", "::1")  # Streamlit itself gives such a peer as None


def oidc_configured() -> bool:
    """Single sign-on is offered when Streamlit secrets hold an [auth] section."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _interacted() -> bool:
    """Whether this run answers the reader: a page opened, a link followed, a widget changed, a button pressed.

    A rerun the app asks for itself, or a reconnect that replays the same state, leaves the page, the URL
    query and the widgets' values as they were, and does not restart the idle clock. Streamlit has no public
    word for why a run started; its run context (pinned Streamlit version) holds what the browser sent.
    """
    ctx = get_script_run_ctx()
    if ctx is None:
        return True
    widgets = sorted(w.SerializeToString(deterministic=True) for w in ctx.session_state.get_widget_states())
    mark = hashlib.sha256(repr([ctx.page_script_hash, ctx.query_string, widgets]).encode()).hexdigest()
    previous, st.session_state["_interaction"] = st.session_state.get("_interaction"), mark
    return previous != mark


def current_user(con, settings) -> accounts.User | None:
    """This run's user, read afresh from the accounts; None for a visitor. Also kept as st.session_state.user."""
    touch = _interacted()
    user = None
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        user = _organisation_user(con, settings, touch)
    else:
        cookie = st.context.cookies.get(session_cookie.NAME)
        token = st.session_state.get(TOKEN) or (cookie if cookie != st.session_state.get(DISMISSED) else None)
        if token:
            try:
                user = writes.signed_in(con, token, idle_minutes=settings.idle_minutes,
                                          lifetime_hours=settings.session_hours, touch=touch)
            except (SessionExpired, SessionRevoked) as exc:
                _forget(token, ("warning", str(exc)))
            else:
                if user is None:
                    _forget(token, None)
                else:
                    st.session_state[TOKEN] = token
    st.session_state["user"] = user
    return user


def _organisation_user(con, settings, touch: bool) -> accounts.User | None:
    """A single sign-on identity, checked against the local accounts on every run; idle tabs sign out."""
    try:
        user = identity.sso_user(con, settings, st.user.get("email"), st.user.get("name"))
    except IdentityRefused as exc:
        st.session_state[NOTICE] = ("error", str(exc))
        return None
    now, seen = time.monotonic(), st.session_state.get("organisation_seen")
    if seen is not None and now - seen > settings.idle_minutes * 60:
        st.logout()  # drops the identity cookie, so a reload does not sign the idle reader in again
        return None
    if touch or seen is None:
        st.session_state["organisation_seen"] = now
    return user


def _forget(token: str, notice: tuple[str, str] | None) -> None:
    """This tab forgets the token, ignores the cookie that still holds it and asks the browser to drop it."""
    st.session_state.pop(TOKEN, None)
    st.session_state[DISMISSED] = token
    st.session_state[COOKIE_STEP] = session_cookie.clear_script()
    if notice:
        st.session_state[NOTICE] = notice


def sign_in(con, user: accounts.User, settings) -> None:
    token = writes.start_session(con, user.username, settings.session_hours)
    st.session_state[TOKEN] = token
    st.session_state["user"] = user
    st.session_state[COOKIE_STEP] = session_cookie.store_script(
        session_cookie.ticket(token, int(settings.session_hours * 3600)))


def sign_out(con) -> None:
    """The session ends on the server (the cookie, if the browser keeps it, opens nothing any more)."""
    token = st.session_state.get(TOKEN)
    if token:
        writes.end_session(con, token)
        _forget(token, SIGNED_OUT)
    st.session_state["user"] = None
    if oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


def account_panel(con, user: accounts.User | None) -> None:
    """Who is signed in and the logout button (sidebar); what happened to the session, above the page, where a
    phone shows it too; the cookie step of this run."""
    step = st.session_state.pop(COOKIE_STEP, None)
    if step:
        st.html(step, unsafe_allow_javascript=True)
    if user is not None:
        st.sidebar.caption(f"{usertext.literal(user.display_name)} · {accounts.ROLE_VI[user.role]}")
        if st.sidebar.button("Đăng xuất"):
            with shown_errors():
                sign_out(con)
            st.rerun()
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        kind, text = notice
        {"success": st.success, "warning": st.warning, "error": st.error}[kind](usertext.literal(text))


def client_address(peer: str | None, forwarded: list[str]) -> str:
    """The address a login attempt is counted under (analytics.access.accounts): the browser's own, or when the peer is
    this machine (a proxy) or unnamed, the address that proxy put last in X-Forwarded-For. The entries before it
    are whatever the browser sent, so trusting the first would let a guesser name a fresh address every time."""
    if isinstance(peer, str) and peer not in LOOPBACK:
        return peer
    hops = ",".join(forwarded).split(",")
    try:
        return str(ipaddress.ip_address(hops[-1].strip()))
    except ValueError:
        return accounts.LOCAL_CLIENT


def login_form(then: str | None = None) -> None:
    """Local login, and the organisation's single sign-on when configured. After a login the page asked for
    opens (``then``: another page's URL path instead)."""
    with st.form("login"):
        username = st.text_input("Tên đăng nhập")
        password = st.text_input("Mật khẩu", type="password")
        submitted = st.form_submit_button("Đăng nhập", type="primary")
    if submitted:
        with shown_errors():
            con, settings = connection(), load_settings()
            try:
                client = client_address(st.context.ip_address, st.context.headers.get_all("X-Forwarded-For"))
                user = writes.authenticate(con, username, password, client=client)
            except LoginFailed as exc:
                show_error(exc)
            else:
                sign_in(con, user, settings)
                if then:
                    st.switch_page(page_at(then))
                st.rerun()
    if oidc_configured():
        st.divider()
        st.button("Đăng nhập bằng tài khoản của tổ chức", on_click=st.login)


def gate(title: str):
    """What the page ``title`` shows to someone who may not open it: the login form to a visitor (the page
    opens once logged in), a plain refusal to an account whose role does not reach it."""

    def closed() -> None:
        user = st.session_state.get("user")
        if user is None:
            st.title("Đăng nhập")
            st.info(f"Trang «{title}» chỉ mở cho người đã đăng nhập. Sau khi đăng nhập, trang sẽ mở ra.")
            login_form()
            st.page_link(page_at("cong-khai"), label="Hoặc xem trang Công khai kết quả", icon=":material/campaign:")
        else:
            st.title(title)
            st.warning(f"Tài khoản «{usertext.literal(user.username)}» ({accounts.ROLE_VI[user.role]}) không có quyền "
                       f"mở trang «{title}». Nếu cần, hãy đề nghị quản trị cấp thêm quyền.")

    return closed
