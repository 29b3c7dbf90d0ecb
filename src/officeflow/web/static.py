"""/static/console.css and /static/console.js, served from memory. Pages link them with a
content hash (``?v=``), so a browser may keep them for a year."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.web.context import console_of
from officeflow.web.errors import PageError

router = APIRouter(include_in_schema=False)
FOREVER = "public, max-age=31536000, immutable"


@router.get("/static/{name}")
async def asset(request: Request, name: str, v: str | None = None) -> Response:
    found = console_of(request).renderer.assets.get(name)
    if found is None:
        raise PageError(404)
    etag = f'"{found.version}"'
    cache = FOREVER if v == found.version else "public, max-age=300"
    headers = {"ETag": etag, "Cache-Control": cache, "X-Content-Type-Options": "nosniff"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
