"""The public results as plain files at a stable address (``/ket-qua/``) the province's portal can link to: no
session, no JavaScript, the same for everyone (analytics.reports.public_site renders and publishes them).

Each request first makes sure the data version in force is the one published (``fresh``, in a worker thread:
a file read when it is), then answers with a file of that version's folder. Only the names a version holds
are served; any other name, a dot or a slash included, is 404.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

PREFIX = "/ket-qua"
_LOG = logging.getLogger("bhxh")
_NAME_OK = Callable[[str], bool]
HEADERS = {"Cache-Control": "public, max-age=60", "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; "
                                       "form-action 'none'", "Referrer-Policy": "no-referrer"}
TYPES = {".html": "text/html; charset=utf-8", ".csv": "text/csv; charset=utf-8"}


def _plain(text: str, status: int) -> Response:
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"})


def routes(fresh: Callable[[], Path], allowed_name: _NAME_OK) -> list[Route]:
    """``fresh``: the folder of the version in force, published first if need be; ``allowed_name``: whether a
    file name is one a version can hold."""

    async def serve(request: Request) -> Response:
        name = request.path_params.get("name", "index.html")
        try:
            folder = await run_in_threadpool(fresh)
        except Exception:  # noqa: BLE001 - the page says it is unavailable; the trace goes to the log
            _LOG.exception("Không cập nhật được trang công khai kết quả")
            return _plain("Trang công khai kết quả tạm thời chưa xem được; hãy thử lại sau ít phút.", 503)
        path = folder / name
        if not allowed_name(name) or not path.is_file():
            return _plain("Không có tệp này trong trang công khai kết quả.", 404)
        headers = dict(HEADERS)
        if path.suffix == ".csv":
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return Response(path.read_bytes(), media_type=TYPES[path.suffix], headers=headers)

    async def to_folder(request: Request) -> Response:
        return RedirectResponse(f"{request.scope.get('root_path', '')}{PREFIX}/", status_code=308)

    return [Route(PREFIX, to_folder, methods=["GET", "HEAD"]), Route(f"{PREFIX}/", serve, methods=["GET", "HEAD"]),
            Route(PREFIX + "/{name}", serve, methods=["GET", "HEAD"])]
