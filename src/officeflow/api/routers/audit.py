"""/v1/audit: read, verify and export the tamper-evident audit log of the caller's tenant."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas import MAX_INT, AuditOut, FindingOut, HeadIn, HeadOut, VerifyOut
from officeflow.queries.audit import AuditFilter
from officeflow.security.audit import RecordedHead

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut], **guarded("audit.read"))
def list_audit(
    request: Request,
    action: str | None = Query(None, max_length=100),
    actor: str | None = Query(None, max_length=300),
    object_type: str | None = Query(None, max_length=100),
    object_id: str | None = Query(None, max_length=300),
    since: float | None = Query(None, ge=0, le=253_402_300_799.0),
    until: float | None = Query(None, ge=0, le=253_402_300_799.0),
    before: int | None = Query(None, ge=0, le=MAX_INT, description="entry id"),
    limit: int = Query(100, ge=1, le=1000),
) -> list[AuditOut]:
    """Audit entries, newest first, filtered."""
    flt = AuditFilter(
        action=action, actor=actor, object_type=object_type, object_id=object_id, since=since, until=until
    )
    rows = office(request).queries.audit.entries(principal_of(request).tenant, flt, before_id=before, limit=limit)
    return [AuditOut.of(r) for r in rows]


@router.post("/verify", response_model=VerifyOut, **guarded("audit.verify"))
def verify(request: Request, body: HeadIn | None = None) -> VerifyOut:
    """Seal new entries, then walk the whole chain; reports every altered, copied, moved, inserted
    or deleted entry. With a head written down earlier (``GET /v1/audit/head``) in the body, also
    whether the chain still holds it: a log deleted or replaced as a whole is found only so."""
    principal = principal_of(request)
    recorded = RecordedHead(body.seq, body.hash) if body is not None else None
    report = office(request).audit.verify(principal.tenant, recorded)
    findings = [FindingOut(kind=f.kind, seq=f.seq, entry_id=f.entry_id, detail=f.message) for f in report.findings]
    return VerifyOut(
        ok=report.ok,
        entries=report.entries,
        head_seq=report.head_seq,
        unsealed=report.unsealed,
        finding=findings[0] if findings else None,
        findings=findings,
    )


@router.get("/head", response_model=HeadOut, **guarded("audit.verify"))
def head(request: Request) -> HeadOut:
    """The chain head (after sealing what waits). Keep it outside the database, and pass it to
    ``POST /v1/audit/verify`` later."""
    principal = principal_of(request)
    return HeadOut(**office(request).audit.head(principal.tenant))


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
    principal = principal_of(request)
    log = office(request).audit

    def lines() -> Iterator[bytes]:
        for line in log.export(principal.tenant):
            yield orjson.dumps(line) + b"\n"

    return StreamingResponse(
        lines(),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="audit-{principal.tenant}.jsonl"'},
    )
