"""/audit: the tenant's audit log, newest first, filtered by action, actor, object and time, a
page at a time; "Verify chain" walks the hash chain and shows the result."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
from fastapi import APIRouter, Request
from starlette.responses import Response

from officeflow.queries.audit import AuditFilter
from officeflow.queries.cursor import CursorInvalid
from officeflow.store.tx_audit import AuditRow
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
PAGE = 50
FILTERS = ("action", "actor", "object_type", "object_id", "since", "until", "tz")
ACTIONS = (
    "run.started",
    "run.failed",
    "run.retried",
    "run.step_skipped",
    "run.cancelled",
    "run.paused",
    "run.resumed",
    "run.migrated",
    "run.signaled",
    "definition.applied",
    "auth.login",
    "auth.login_failed",
    "auth.logout",
    "user.created",
    "grants.changed",
    "api_key.created",
    "api_key.revoked",
    "keys.rotated",
)
OBJECT_TYPES = (
    "run",
    "definition",
    "user",
    "api_key",
    "principal",
    "secret",
    "event_type",
    "trigger",
    "schedule",
    "key",
)


def parse_zone(name: str) -> tzinfo:
    """The time zone the filter's times were typed in: the reader's, which the page's script
    sends (an IANA name such as Europe/Berlin); UTC without it."""
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PageError(400, f"'{name}' is not a time zone (expected a name such as Europe/Berlin).") from None


def parse_time(text: str, field: str, zone: tzinfo = UTC) -> float | None:
    """A ``datetime-local`` value read in ``zone`` (an ISO 8601 value with an offset keeps it)."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise PageError(
            400, f"'{text}' is not a date and time for '{field}' (expected e.g. 2026-01-31T14:00)."
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.timestamp()


def _loads(text: str | None) -> Any:
    return orjson.loads(text) if text else None


def _row(row: AuditRow) -> dict[str, Any]:
    link = None
    if row.object_type == "run":
        link = f"/runs/{row.object_id}"
    elif row.object_type == "definition" and "@" in row.object_id:
        name, _, version = row.object_id.rpartition("@")
        link = f"/definitions/{name}/{version}"
    return {"row": row, "before": _loads(row.before), "after": _loads(row.after), "link": link}


def render_audit(
    request: Request, who: Viewer, params: dict[str, str], cursor: str | None, report: Any = None
) -> Response:
    zone = parse_zone(params.get("tz", ""))
    flt = AuditFilter(
        action=params.get("action") or None,
        actor=params.get("actor") or None,
        object_type=params.get("object_type") or None,
        object_id=params.get("object_id") or None,
        since=parse_time(params.get("since", ""), "from", zone),
        until=parse_time(params.get("until", ""), "until", zone),
    )
    try:
        found = office_of(request).queries.audit.page(who.tenant, flt, after=cursor, limit=PAGE)
    except CursorInvalid:
        raise PageError(400, "That page link is not valid. Start again from the newest entries.") from None
    return console_of(request).page(
        request,
        "audit.html",
        who=who,
        section="audit",
        entries=[_row(r) for r in found.rows],
        filters=params,
        query={k: v for k, v in params.items() if v},
        next_cursor=found.next_cursor,
        searched_to=found.searched_to,
        paged=cursor is not None,
        actions=ACTIONS,
        object_types=OBJECT_TYPES,
        can_verify=who.can("audit.verify"),
        report=report,
    )


def _viewer(request: Request, action: str) -> Viewer:
    who = viewer(request)
    if not who.can(action):
        raise PageError(403, f"Your roles do not include {action.replace('.', ' ')} (auditor or admin do).")
    return who


@router.get("/audit")
def audit_page(
    request: Request,
    action: str = "",
    actor: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    until: str = "",
    tz: str = "",
    before: str | None = None,
) -> Response:
    who = _viewer(request, "audit.read")
    params = {
        "action": action,
        "actor": actor,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
        "tz": tz,
    }
    params = {k: v.strip()[:300] for k, v in params.items()}
    return render_audit(request, who, params, before or None)


@router.post("/audit/verify")
def verify(request: Request) -> Response:
    """Seal what is new, then walk the whole chain (needs audit.verify)."""
    who = _viewer(request, "audit.verify")
    _viewer(request, "audit.read")
    report = office_of(request).audit.verify(who.tenant)
    return render_audit(request, who, dict.fromkeys(FILTERS, ""), None, report=report)
