"""The server's own routes, without a server: which requests get the unknown-path page, one-time cookie tickets."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest

from ui.routes import PATHS
from web import session_cookie
from web.unknown_paths import UnknownPaths


def run(coroutine):
    """asyncio.run on a thread of its own: browser tests in the same session hold a loop in the main thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


DOCUMENT = [(b"sec-fetch-dest", b"document"), (b"accept", b"text/html")]


def answer(path: str, headers=DOCUMENT, method: str = "GET") -> int:
    """The status a request gets: 200 from the app behind the middleware, 404 from the unknown-path page."""
    sent = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": headers,
             "query_string": b""}
    run(UnknownPaths(app, PATHS)(scope, receive, send))
    return sent[0]["status"]


@pytest.mark.parametrize("path", ["/", "/tong-quan", "/nhap-so-lieu", "/quan-tri", "/dang-nhap", "/ban-do/"])
def test_every_page_passes(path):
    assert answer(path) == 200


@pytest.mark.parametrize("path", ["/khong-co", "/ban-do/cu", "/a/b/c", "/Ban-Do", "/tong-quan/2024"])
def test_an_unknown_document_gets_the_404_page(path):
    assert answer(path) == 404


@pytest.mark.parametrize(("path", "headers", "method"), [
    ("/static/js/index.js", [(b"sec-fetch-dest", b"script")], "GET"),  # assets, whatever their path
    ("/a/static/js/index.js", [(b"sec-fetch-dest", b"script")], "GET"),
    ("/_stcore/health", DOCUMENT, "GET"),  # Streamlit's routes and files
    ("/favicon.png", DOCUMENT, "GET"),
    ("/component/x/index.html", [(b"sec-fetch-dest", b"iframe")], "GET"),
    ("/auth/login", DOCUMENT, "GET"),
    ("/api/phien", [], "POST"),
    ("/khong-co", [(b"accept", b"*/*")], "GET"),  # not a browser opening a page
])
def test_everything_else_passes(path, headers, method):
    assert answer(path, headers, method) == 200


def test_a_ticket_is_good_once(monkeypatch):
    ticket = session_cookie.ticket("token-1", 3600)
    assert session_cookie.redeem(ticket) == ("token-1", 3600)
    assert session_cookie.redeem(ticket) is None
    assert session_cookie.redeem("khong-co") is None
    late = session_cookie.ticket("token-2", 3600)
    now = session_cookie.time.monotonic()
    monkeypatch.setattr(session_cookie.time, "monotonic", lambda: now + session_cookie.TICKET_SECONDS + 1)
    assert session_cookie.redeem(late) is None


def test_the_page_script_names_the_ticket_never_the_token():
    ticket = session_cookie.ticket("bi-mat-token", 3600)
    script = session_cookie.store_script(ticket)
    assert ticket in script and "bi-mat-token" not in script and '"api/phien"' in script


def cookie_route(method: str, body: bytes = b"", headers: dict | None = None):
    """The response of /api/phien to one request, as Streamlit's server would hand it over."""
    from starlette.requests import Request

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {"type": "http", "method": method, "path": "/api/phien", "scheme": "http", "query_string": b"",
             "server": ("127.0.0.1", 8501), "headers": [(k.encode(), v.encode()) for k, v in {
                 "host": "127.0.0.1:8501", **(headers or {})}.items()]}
    return run(session_cookie.routes()[0].endpoint(Request(scope, receive)))


def test_a_ticket_becomes_an_httponly_strict_cookie_secure_behind_https():
    plain = cookie_route("POST", session_cookie.ticket("tok-1", 600).encode(), {"sec-fetch-site": "same-origin"})
    assert plain.status_code == 204
    assert plain.headers["set-cookie"] == "bhxh_phien=tok-1; HttpOnly; Max-Age=600; Path=/; SameSite=strict"
    behind = cookie_route("POST", session_cookie.ticket("tok-2", 600).encode(), {"x-forwarded-proto": "https"})
    assert behind.headers["set-cookie"] == "bhxh_phien=tok-2; HttpOnly; Max-Age=600; Path=/; SameSite=strict; Secure"
    cleared = cookie_route("DELETE")
    assert cleared.headers["set-cookie"].startswith('bhxh_phien=""; expires=')
    assert "HttpOnly; Max-Age=0; Path=/; SameSite=strict" in cleared.headers["set-cookie"]


def test_a_used_ticket_or_another_site_sets_no_cookie():
    ticket = session_cookie.ticket("tok-3", 600).encode()
    assert cookie_route("POST", ticket, {"origin": "https://ke-gian.example", "sec-fetch-site": "cross-site"}
                        ).status_code == 403
    assert cookie_route("POST", ticket).status_code == 204
    refused = cookie_route("POST", ticket)
    assert refused.status_code == 404 and "set-cookie" not in refused.headers
