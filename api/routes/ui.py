"""The web page: GET / (the chat page) and GET /static/{path} (its CSS and JS modules).

No API key: the page holds nothing secret; it asks for a key itself when the API answers
401. Assets are revalidated on every load (`no-cache` + ETag, so an unchanged file costs a
304), because their names carry no version and a stale module would mix two releases.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
CONTENT_TYPES = {  # set explicitly: a host's mime.types may say application/x-javascript
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".woff2": "font/woff2",
}
# The page runs only its own scripts and styles and talks only to this server, so an
# article that smuggles markup into the page still cannot run or load anything.
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

router = APIRouter(tags=["ui"], include_in_schema=False)


@lru_cache(maxsize=1)
def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


async def _serve(path: str, request: Request) -> Response:
    response = await static_files().get_response(path, request.scope)
    if response.status_code == 200 and (kind := CONTENT_TYPES.get(Path(path).suffix)):
        response.headers["Content-Type"] = kind
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.api_route("/", methods=["GET", "HEAD"])
async def page(request: Request) -> Response:
    """The chat page."""
    response = await _serve("index.html", request)
    response.headers["Content-Security-Policy"] = PAGE_POLICY
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def asset(path: str, request: Request) -> Response:
    """One file of the page (CSS, a JS module, an icon)."""
    return await _serve(path, request)
