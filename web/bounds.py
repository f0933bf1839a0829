"""Every request's body held to what its route needs, before anything reads it.

The server hands a route as much body as it asks for: one anonymous 300 MB POST to /api/phien once took the
server from 300 MB to 890 MB. Here a Content-Length above the route's limit gets 413 with the body unread; a body
without one (chunked) is counted as it streams and cut off with 413 as soon as it passes the limit, so the route
never receives more than its limit. A 413, and any answer given before the body has all arrived (a 403 or 404
that never reads it), closes the connection: uvicorn would otherwise read and discard the rest of an endless
body. Websockets pass untouched: Streamlit bounds their messages itself.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.responses import PlainTextResponse
from streamlit import config

from analytics.settings import load_settings
from analytics.text import fmt
from web import session_cookie

UPLOAD = "/_stcore/upload_file/"  # Streamlit's file uploader: PUT /_stcore/upload_file/<session>/<file>
UPLOAD_FRAMING = 64 * 1024  # the multipart boundaries and part headers around the file
OTHER = 0  # no other route reads a body: pages, downloads, Streamlit's GET routes, DELETE and OPTIONS
CLOSE = (b"connection", b"close")


def limit(path: str) -> int:
    """The most body bytes a request to ``path`` may send. An upload may send what the uploader widget accepts
    (``server.maxUploadSize``, above the plan's [uploads] max_file_mb), so a file over the plan's limit still
    reaches the page and gets its Vietnamese refusal, not the widget's bare 413."""
    if path == f"/{session_cookie.PATH}":
        return session_cookie.MAX_BODY
    if path.startswith(UPLOAD):
        widget = int(config.get_option("server.maxUploadSize"))
        return max(load_settings().upload_max_mb, widget) * 2**20 + UPLOAD_FRAMING
    return OTHER


def _declares_more(content_length: str, most: int) -> bool:
    """Whether a Content-Length header declares more than ``most`` bytes; digits are compared by count first,
    as ``int`` refuses a number thousands of digits long."""
    digits = content_length.strip().lstrip("0") or "0"
    return digits.isascii() and digits.isdigit() and (len(digits) > len(str(most)) or int(digits) > most)


class TooLarge(Exception):
    """The body passed its route's limit while streaming."""


class Bounds:
    """ASGI middleware; outermost, so nothing behind it reads a byte past the limit."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        most = limit(scope["path"][len(scope.get("root_path", "")):])
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if _declares_more(declared, most):
            await _refuse(most, scope, receive, send)
            return
        body = _Counted(receive, send, most, "transfer-encoding" in headers or declared.strip() not in ("", "0"))
        try:
            await self.app(scope, body.receive, body.send)
        except TooLarge:
            if not body.started:  # else the answer is cut short and uvicorn closes the connection
                await _refuse(most, scope, receive, send)


async def _refuse(most: int, scope, receive, send) -> None:
    response = PlainTextResponse(f"Dữ liệu gửi lên quá lớn: địa chỉ này nhận tối đa {fmt.number(most)} byte.",
                                 status_code=413, headers={"Cache-Control": "no-store", "Connection": "close"})
    await response(scope, receive, send)


class _Counted:
    """A request's receive and send: bytes counted on the way in, the connection closed by an early answer."""

    def __init__(self, receive, send, most: int, unread: bool):
        self._receive, self._send, self.most, self.unread = receive, send, most, unread
        self.read, self.over, self.started = 0, False, False

    async def receive(self):
        if self.over:
            raise TooLarge
        message = await self._receive()
        if message["type"] == "http.request":
            self.read += len(message.get("body", b""))
            if self.read > self.most:
                self.over = True
                raise TooLarge
            self.unread = self.unread and message.get("more_body", False)
        elif message["type"] == "http.disconnect":
            self.unread = False
        return message

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.started = True
            if self.unread:
                message = {**message, "headers": [*message.get("headers", []), CLOSE]}
        await self._send(message)
