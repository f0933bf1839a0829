"""Files a page hands out, served by the app's own route and only to whom the page offered them.

Streamlit's ``/media/`` URLs are open to anyone who has the link, in any session, for as long as the file
stays in memory. A file here is kept under a random handle with its owner (the sign-in session, the single
sign-on account, or a visitor for a file anyone may see) and the action it needs; ``/api/tai-ve/<handle>``
re-reads the account behind the request's own cookie, its role as it is now, and answers 403 to anyone else.
Each protected download is audited. A handle belongs to one Streamlit session and one button; it lives
while its page keeps showing it and dies LIFETIME seconds after the last time it was shown.

The registry is the memory of the process that rendered the page: behind several replicas, the proxy's
sticky cookie brings the browser back to that process, as it must for Streamlit's websocket anyway.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

PATH = "api/tai-ve"
LIFETIME = 30 * 60  # seconds after the page last showed the link
PER_SESSION = 40  # links one Streamlit session may hold at once; the oldest goes first
VIEW = "view"  # the monitoring pages' level: anyone, unless the settings ask for a login


@dataclass(frozen=True)
class Owner:
    """Who may fetch a file: ``kind`` is "session" (``ref`` = the sign-in token's digest), "sso" (``ref`` =
    the account's name) or "visitor" (a file any visitor may see, only while viewing needs no login)."""

    kind: str
    ref: str = ""


@dataclass
class Offer:
    owner: Owner
    needs: str
    file_name: str
    mime: str
    data: bytes | Callable[[], bytes]
    deadline: float


_offers: dict[str, Offer] = {}
_slots: dict[tuple[str, str], str] = {}  # (Streamlit session, button) -> handle
_lock = threading.Lock()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def register(session: str, slot: str, owner: Owner, needs: str, file_name: str, mime: str,
             data: bytes | Callable[[], bytes], now: float | None = None) -> str:
    """The handle of ``slot``'s file in this Streamlit session, its content replaced by this run's; a new
    handle when the owner changed (signed in or out meanwhile)."""
    now = time.monotonic() if now is None else now
    with _lock:
        _expire(now)
        handle = _slots.get((session, slot))
        if handle is None or handle not in _offers or _offers[handle].owner != owner:
            _offers.pop(handle, None)  # the link shown before a sign-in or sign-out opens nothing any more
            handle = secrets.token_urlsafe(24)
            _slots[(session, slot)] = handle
            _bound(session)
        _offers[handle] = Offer(owner, needs, file_name, mime, data, now + LIFETIME)
    return handle


def _expire(now: float) -> None:
    for handle in [h for h, offer in _offers.items() if offer.deadline < now]:
        del _offers[handle]
    for slot in [s for s, h in _slots.items() if h not in _offers]:
        del _slots[slot]


def _bound(session: str) -> None:
    mine = [(s, h) for s, h in _slots.items() if s[0] == session]
    for slot, handle in mine[:-PER_SESSION]:
        del _slots[slot]
        _offers.pop(handle, None)


def found(handle: str, now: float | None = None) -> Offer | None:
    now = time.monotonic() if now is None else now
    with _lock:
        offer = _offers.get(handle)
    return offer if offer is not None and offer.deadline >= now else None


def href(handle: str) -> str:
    """The link, relative to the page's URL as the sign-in cookie's route is (a proxy's path prefix holds)."""
    return f"{PATH}/{handle}"


def disposition(file_name: str) -> str:
    """An attachment header every browser reads, Vietnamese file names included (RFC 6266 / 5987)."""
    plain = file_name.encode("ascii", "replace").decode().replace('"', "").replace("?", "_")
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name)}"


Allowed = Callable[[Request, Offer], "str | None"]
"""Who the request is, when it may fetch the offer: the account's name ("" for a visitor); None otherwise."""


def routes(allowed: Allowed, audited: Callable[[str, Offer], None]) -> list[Route]:
    """The download route; ``allowed`` decides from the request's cookies and the accounts as they are now,
    ``audited`` records a protected download (both run in a worker thread: they read the database)."""

    async def endpoint(request: Request) -> Response:
        offer = found(request.path_params["handle"])
        if offer is None:
            return Response("Liên kết tải về đã hết hạn; hãy mở lại trang và bấm tải lần nữa.", status_code=404,
                            media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-store"})
        who = await run_in_threadpool(allowed, request, offer)
        if who is None:
            return Response("Không có quyền tải tệp này.", status_code=403, media_type="text/plain; charset=utf-8",
                            headers={"Cache-Control": "no-store"})
        body = offer.data if isinstance(offer.data, bytes) else await run_in_threadpool(offer.data)
        if offer.owner.kind != "visitor":
            await run_in_threadpool(audited, who, offer)
        return Response(body, media_type=offer.mime, headers={
            "Content-Disposition": disposition(offer.file_name), "Cache-Control": "no-store, private",
            "X-Content-Type-Options": "nosniff"})

    return [Route(f"/{PATH}/{{handle}}", endpoint, methods=["GET"])]
