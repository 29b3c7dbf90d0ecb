"""/v1/audit: read, verify and export the tamper-evident audit log of the caller's tenant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from officeflow.api.auth import current, guarded
from officeflow.api.schemas import AuditOut, VerifyOut
from officeflow.security.permissions import Principal

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def _principal(request: Request) -> Principal:
    principal = current(request)
    assert principal is not None
    return principal


@router.get("", response_model=list[AuditOut], **guarded("audit.read"))
def list_audit(
    request: Request,
    action: str | None = Query(None, max_length=100),
    actor: str | None = Query(None, max_length=300),
    object_type: str | None = Query(None, max_length=100),
    object_id: str | None = Query(None, max_length=300),
    since: float | None = Query(None, ge=0, le=253_402_300_799.0),
    until: float | None = Query(None, ge=0, le=253_402_300_799.0),
    before: int | None = Query(None, ge=0, le=2**63 - 1, description="entry id"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[AuditOut]:
    """Audit entries, newest first, filtered."""
    principal = _principal(request)
    with request.app.state.engine.store.read() as tx:
        rows = tx.list_audit(
            principal.tenant,
            action=action,
            actor=actor,
            object_type=object_type,
            object_id=object_id,
            since=since,
            until=until,
            before_id=before,
            limit=limit,
        )
    return [AuditOut.of(r) for r in rows]


@router.post("/verify", response_model=VerifyOut, **guarded("audit.verify"))
def verify(request: Request) -> VerifyOut:
    """Seal new entries, then walk the whole chain; reports the first altered, inserted or deleted entry."""
    principal = _principal(request)
    report = request.app.state.engine.audit.verify(principal.tenant)
    finding: dict[str, Any] | None = None
    if report.finding is not None:
        f = report.finding
        finding = {"kind": f.kind, "seq": f.seq, "entry_id": f.entry_id, "detail": f.message}
    return VerifyOut(
        ok=report.ok, entries=report.entries, head_seq=report.head_seq, unsealed=report.unsealed, finding=finding
    )


@router.get(
    "/export",
    **guarded("audit.export"),
    responses={
        200: {
            "content": {"application/x-ndjson": {}},
            "description": "JSON lines: every entry in chain order, then the chain head",
        }
    },
)
def export(request: Request) -> StreamingResponse:
    principal = _principal(request)
    engine = request.app.state.engine

    def lines() -> Iterator[bytes]:
        for line in engine.audit.export(principal.tenant):
            yield orjson.dumps(line) + b"\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="audit-{principal.tenant}.jsonl"'},
    )
