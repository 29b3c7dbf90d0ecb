"""/v1/files: upload attachments (size, type and PDF active content checked) and download them."""

from __future__ import annotations

from fastapi import APIRouter, File, Path, Request, UploadFile
from fastapi.responses import Response

from officeflow.api.auth import current, guarded
from officeflow.api.schemas import FileOut
from officeflow.clock import iso
from officeflow.errors import NotFound
from officeflow.ingest import files as attachments

router = APIRouter(prefix="/v1/files", tags=["files"])


@router.post("", response_model=FileOut, status_code=201, **guarded("files.write"))
async def upload(request: Request, file: UploadFile = File(...)) -> FileOut:
    """Store a file (PDF, image, text, CSV or JSON up to OFFICEFLOW_API_MAX_UPLOAD, 20 MiB by
    default); refused with the reason otherwise."""
    import anyio

    principal = current(request)
    assert principal is not None
    limit = request.app.state.settings.api_max_upload
    content = await file.read(limit + 1)
    engine = request.app.state.engine

    def store() -> FileOut:
        row = engine.store.run(
            lambda tx: attachments.store(
                tx,
                principal.tenant,
                file.filename or "upload",
                file.content_type,
                content,
                source="upload",
                now=engine.now(),
                max_size=limit,
            )
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
    principal = current(request)
    assert principal is not None
    with request.app.state.engine.store.read() as tx:
        found = tx.get_file(principal.tenant, file_id)
    if found is None:
        raise NotFound(f"no file {file_id} in tenant '{principal.tenant}'")
    row, content = found
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
