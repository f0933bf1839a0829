"""Server routes that are no visitor's business: Streamlit's ``/_stcore/metrics`` lists the cached functions'
names and the media store's sizes. Only a request whose account passes ``allowed`` gets them; anyone else 403."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

CLOSED = frozenset({"/_stcore/metrics"})


class AdminOnly:
    """ASGI middleware; ``allowed`` reads the request's cookies and the accounts (in a worker thread)."""

    def __init__(self, app, allowed: Callable[[Request], bool], paths: frozenset[str] = CLOSED):
        self.app, self.allowed, self.paths = app, allowed, paths

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self._closed(scope) and not await run_in_threadpool(
                self.allowed, Request(scope)):
            await Response("Không có quyền.", status_code=403, media_type="text/plain; charset=utf-8",
                           headers={"Cache-Control": "no-store"})(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _closed(self, scope) -> bool:
        path = scope["path"][len(scope.get("root_path", "")):].rstrip("/")
        return path in self.paths
