"""The sign-in cookie: how a token made during a Streamlit run reaches the browser as an HttpOnly cookie.

Streamlit 1.67 reads a request's cookies (``st.context.cookies``) but a script cannot write one, and a cookie
written by JavaScript cannot be HttpOnly. So the run that signs someone in leaves the token here under a
one-time ticket, and the page posts that ticket to ``/api/phien``, a route of the app's own server (serve.py,
Streamlit's ``st.App``), which answers with the cookie: HttpOnly, SameSite=Strict, Secure behind HTTPS. The
token itself never appears in a URL, in the page or in its JavaScript; a ticket is good once, for a minute.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from contextlib import aclosing
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

NAME = "bhxh_phien"
PATH = "api/phien"
TICKET_SECONDS = 60
MAX_BODY = 1024  # a ticket is 32 characters; web.bounds holds every request to this route to it as well
_pending: dict[str, tuple[str, int, float]] = {}  # ticket -> (token, cookie max-age in seconds, deadline)
_lock = threading.Lock()


def ticket(token: str, max_age: int) -> str:
    """A one-time ticket for ``token``; expired tickets are dropped on the way."""
    now = time.monotonic()
    handle = secrets.token_urlsafe(24)
    with _lock:
        for old in [t for t, (_, _, deadline) in _pending.items() if deadline < now]:
            del _pending[old]
        _pending[handle] = (token, max_age, now + TICKET_SECONDS)
    return handle


def redeem(handle: str) -> tuple[str, int] | None:
    """The token and max-age behind a live ticket, once; None for an unknown, used or expired one."""
    with _lock:
        found = _pending.pop(handle, None)
    if found is None or found[2] < time.monotonic():
        return None
    return found[0], found[1]


def store_script(handle: str) -> str:
    """The page's JavaScript that trades the ticket for the cookie (the path is relative to the page's URL)."""
    return (f"<script>fetch({json.dumps(PATH)}, {{method: 'POST', body: {json.dumps(handle)}, "
            "credentials: 'same-origin', cache: 'no-store'});</script>")


def clear_script() -> str:
    return f"<script>fetch({json.dumps(PATH)}, {{method: 'DELETE', credentials: 'same-origin'}});</script>"


def _same_origin(request: Request) -> bool:
    """Only the app's own pages may set or clear the cookie (a login forced from another site is refused)."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    return site in (None, "same-origin") and (origin is None or urlsplit(origin).netloc == request.headers.get("host"))


def _secure(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


async def _posted(request: Request) -> str | None:
    """The posted ticket, read no further than MAX_BODY bytes; None for a longer body."""
    body = b""
    async with aclosing(request.stream()) as chunks:
        async for chunk in chunks:
            body += chunk
            if len(body) > MAX_BODY:
                return None
    return body.decode("ascii", "replace")


async def _endpoint(request: Request) -> Response:
    if not _same_origin(request):
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    if request.method == "DELETE":
        response.delete_cookie(NAME, path="/", secure=_secure(request), httponly=True, samesite="strict")
        return response
    posted = await _posted(request)
    if posted is None:
        return Response(status_code=413, headers={"Connection": "close"})
    found = redeem(posted)
    if found is None:
        return Response(status_code=404)
    token, max_age = found
    response.set_cookie(NAME, token, max_age=max_age, path="/", secure=_secure(request), httponly=True,
                        samesite="strict")
    return response


def routes() -> list[Route]:
    return [Route(f"/{PATH}", _endpoint, methods=["POST", "DELETE"])]
