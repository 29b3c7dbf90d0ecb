"""/start: people file requests. Each workflow the viewer may start has a form generated from
its input schema; submitting it starts a run with the viewer as its requester. A form takes
files as ``POST /v1/files`` does (``OFFICEFLOW_API_MAX_UPLOAD``, 20 MiB by default; the request
gate lets the form's body be that large, and answers a larger one with an HTML error page)."""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from officeflow.errors import DefinitionNotFound, InputInvalid, Problem
from officeflow.ingest.files import AttachmentRefused
from officeflow.web import forms
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.runs import workflow_names
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
MAX_FORM_FIELDS = 500


def _startable(request: Request, who: Viewer) -> list[Any]:
    engine = office_of(request).engine
    return [engine.definition(name, tenant=who.tenant) for name in workflow_names(request, who, "runs.start")]


@router.get("/start")
def start_list(request: Request) -> Response:
    who = viewer(request)
    if not who.can_any("runs.start"):
        raise PageError(403, "Your roles do not include filing requests.")
    return console_of(request).page(
        request, "start.html", who=who, section="start", definitions=_startable(request, who)
    )


def _definition(request: Request, who: Viewer, workflow: str) -> Any:
    if not who.can("runs.start", workflow[:100]):
        raise PageError(404, "There is no such request form, or you may not use it.")
    try:
        return office_of(request).engine.definition(workflow[:100], tenant=who.tenant)
    except DefinitionNotFound:
        raise PageError(404, "There is no such request form, or you may not use it.") from None


@router.get("/start/{workflow}")
def start_form(request: Request, workflow: str) -> Response:
    who = viewer(request)
    definition = _definition(request, who, workflow)
    return _render(request, who, definition, {}, {})


def _render(
    request: Request,
    who: Viewer,
    definition: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
    error: str | None = None,
) -> Response:
    schema = definition.input_schema or {"type": "object"}
    return console_of(request).page(
        request,
        "start_form.html",
        who=who,
        section="start",
        status=status,
        definition=definition,
        fields=forms.fields(schema, values, errors),
        has_files=bool(forms.file_fields(schema)),
        error=error,
    )


@router.post("/start/{workflow}")
async def start_submit(request: Request, workflow: str) -> Response:
    async with request.form(max_files=10, max_fields=MAX_FORM_FIELDS) as raw:
        form = {k: v for k, v in raw.multi_items() if isinstance(v, str)}
        uploads = {k: v for k, v in raw.multi_items() if isinstance(v, UploadFile)}
        return await _submit(request, workflow, form, uploads)


async def _submit(request: Request, workflow: str, form: dict[str, str], uploads: dict[str, UploadFile]) -> Response:
    who = viewer(request)
    definition = _definition(request, who, workflow)
    schema = definition.input_schema or {"type": "object"}
    problems = []
    for name in forms.file_fields(schema):
        upload = uploads.get(name)
        if upload is None or not upload.filename:
            continue
        if not who.can("files.write"):
            raise PageError(403, "Attaching files needs the files.write permission (the submitter role has it).")
        limit = console_of(request).settings.api_max_upload
        content = await upload.read(limit + 1)
        try:
            stored = await anyio.to_thread.run_sync(_store, request, who, upload, content, limit)
        except AttachmentRefused as exc:
            problems.append(Problem(pointer=name, message=exc.message))
            continue
        form[name] = stored
    values, read_problems = forms.read(schema, form, {})
    problems += read_problems
    if problems:
        errors = {p.pointer or "/": p.message for p in problems}
        return _render(request, who, definition, values, errors, status=422, error="Some fields need attention.")
    try:
        run = office_of(request).engine.start(
            definition.name, values, version=definition.version, tenant=who.tenant, actor=who.actor
        )
    except InputInvalid as exc:
        errors = {p.pointer or "/": p.message for p in exc.problems}
        return _render(request, who, definition, values, errors, status=422, error="Some fields need attention.")
    return RedirectResponse(f"/runs/{run.id}?done=started", status_code=303)


def _store(request: Request, who: Viewer, upload: UploadFile, content: bytes, limit: int) -> str:
    row = office_of(request).events.save_file(
        who.tenant, upload.filename or "upload", upload.content_type, content, source="form", max_size=limit
    )
    return row.id
