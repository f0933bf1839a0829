"""A URL path that is no page of the app gets a Vietnamese page with status 404, instead of Streamlit's English
"Page not found" dialog (one segment) or a blank page (more than one: its scripts then load from a wrong folder).

Only a browser opening a document is answered here; scripts, images, Streamlit's own routes and files pass on.
"""

from __future__ import annotations

import html

from starlette.datastructures import Headers
from starlette.responses import HTMLResponse

# First segments that belong to Streamlit's server (core, assets, media, components, login) or to this app's routes.
SERVER_SEGMENTS = frozenset({"_stcore", "static", "media", "component", "app", "auth", "oauth2callback", "api"})

PAGE = """<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Không tìm thấy trang</title>
<style>
body {{ font-family: "Source Sans Pro", "Segoe UI", Roboto, Arial, sans-serif; color: #31333f; margin: 0;
       display: flex; justify-content: center; }}
main {{ max-width: 40rem; padding: 4rem 1.5rem; }}
h1 {{ font-size: 2rem; margin: 0 0 1rem; }}
p {{ font-size: 1.1rem; line-height: 1.6; }}
code {{ background: #f0f2f6; padding: 0.1rem 0.3rem; border-radius: 0.25rem; word-break: break-all; }}
a {{ color: #0068c9; }}
</style></head>
<body><main>
<h1>Không tìm thấy trang</h1>
<p>Địa chỉ <code>{path}</code> không phải một trang của ứng dụng theo dõi phát triển đối tượng tham gia BHXH.
Có thể đường liên kết đã bị cắt hoặc gõ nhầm.</p>
<p><a href="{root}">Về trang Tổng quan</a> · <a href="{root}cong-khai">Xem trang Công khai kết quả</a></p>
</main></body></html>
"""


class UnknownPaths:
    """ASGI middleware; ``known``: every page's URL path, "" being the root."""

    def __init__(self, app, known: frozenset[str] | set[str]):
        self.app = app
        self.known = frozenset(known)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and self._unknown(scope):
            root = scope.get("root_path", "").rstrip("/") + "/"
            body = PAGE.format(path=html.escape(scope["path"]), root=html.escape(root))
            await HTMLResponse(body, status_code=404, headers={"Cache-Control": "no-cache"})(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _unknown(self, scope) -> bool:
        headers = Headers(scope=scope)
        destination = headers.get("sec-fetch-dest")
        if destination != "document" and (destination is not None or "text/html" not in headers.get("accept", "")):
            return False
        path = scope["path"][len(scope.get("root_path", "")):].strip("/")
        first, last = path.split("/")[0], path.split("/")[-1]
        return path not in self.known and first not in SERVER_SEGMENTS and "." not in last
