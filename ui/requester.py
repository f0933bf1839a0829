"""Who sent a request to one of the app's own routes (a download, the server's metrics): the account behind its
sign-in cookie, or behind Streamlit's single sign-on cookie, with its role read from the accounts now."""

from __future__ import annotations

from starlette.requests import Request

from analytics.access import accounts, identity
from analytics.errors import IdentityRefused, SessionExpired, SessionRevoked
from analytics.settings import load_settings
from analytics.storage import writes
from ui.state import connection
from web import session_cookie
from web.downloads import Owner, digest


def requester(request: Request) -> tuple[Owner, accounts.User] | None:
    """The request's sign-in (as a download's owner is written) and its account; None for a visitor, an
    ended, expired or forged session, or an account disabled since."""
    settings, con = load_settings(), connection()
    token = request.cookies.get(session_cookie.NAME)
    if token:
        try:
            user = writes.signed_in(con, token, idle_minutes=settings.idle_minutes,
                                      lifetime_hours=settings.session_hours, touch=False)
        except (SessionExpired, SessionRevoked):
            user = None
        if user is not None:
            return Owner("session", digest(token)), user
    email = _sso_email(request)
    if email is None:
        return None
    try:
        user = identity.sso_user(con, settings, email)
    except IdentityRefused:
        return None
    return Owner("sso", user.username), user


def _sso_email(request: Request) -> str | None:
    """The single sign-on identity in Streamlit's own signed cookie, read as its websocket reads it (pinned
    Streamlit version: no public API reads it outside a script run)."""
    from streamlit.web.server.starlette import starlette_websocket as ws
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME

    decoded = ws._get_signed_cookie_with_chunks(dict(request.cookies), USER_COOKIE_NAME)
    if decoded is None:
        return None
    scheme = request.headers.get("x-forwarded-proto", request.url.scheme).split(",")[0].strip()
    info = ws._parse_decoded_user_cookie(decoded, f"{scheme}://{request.headers.get('host', '')}")
    return info.get("email") if info.get("is_logged_in") else None


def is_admin(request: Request) -> bool:
    found = requester(request)
    return found is not None and found[1].can("settings")
