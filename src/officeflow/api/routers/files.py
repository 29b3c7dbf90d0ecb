"""/v1/files: upload attachments (size, type and PDF active content checked) and download them."""

from __future__ import annotations

import anyio
from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import Response

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office, settings
from officeflow.api.schemas import FileOut
from officeflow.clock import iso

router = APIRouter(prefix="/v1/files", tags=["files"])


@router.post("", response_model=FileOut, status_code=201, **guarded("files.write"))
async def upload(request: Request, file: UploadFile = File(...)) -> FileOut:
    """Store a file (PDF, image, text, CSV or JSON up to OFFICEFLOW_API_MAX_UPLOAD, 20 MiB by
    default); refused with the reason otherwise."""
    principal = principal_of(request)
    limit = settings(request).api_max_upload
    content = await file.read(limit + 1)
    events = office(request).events

    def store() -> FileOut:
        row = events.save_file(
            principal.tenant, file.filename or "upload", file.content_type, content, source="upload", max_size=limit
        )
        return FileOut(
            id=row.id,
            name=row.name,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            created_at=iso(row.created_at),
        )

    return await anyio.to_thread.run_sync(store)


@router.get(
    "/{file_id}",
    **guarded("files.read"),
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "the file"}},
)
def download(request: Request, file_id: str = Path(max_length=100)) -> Response:
    row, content = office(request).queries.files.get(principal_of(request).tenant, file_id)
    safe = "".join(c for c in row.name if c.isalnum() or c in "._- ")[:100] or "file"
    return Response(
        content,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
