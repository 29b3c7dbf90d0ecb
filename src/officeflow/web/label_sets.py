"""The label-set form: /label-sets/new trains a classifier for your own labels from examples typed
one per line (``label: text``) and registers it in the tenant's model registry
(officeflow.learning.label_sets), then shows its model page.

Needs ``models.write``; the form carries the session's CSRF token. Examples that cannot train a
label set (too few per label, one label, a line without a label) show the form again with every
problem and what was typed; nothing is registered.
"""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from officeflow.errors import RequestInvalid
from officeflow.language.errors import ExamplesInvalid
from officeflow.language.labelsets import MIN_LABELS, MIN_PER_LABEL, parse_labelled_lines
from officeflow.learning.label_sets import train_and_register
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
EXAMPLES_TEXT = 200_000
INPUT_KINDS = ("text", "ticket", "email")


def _writer(request: Request) -> Viewer:
    who = viewer(request)
    if not who.can("models.write"):
        raise PageError(
            403,
            f"{who.actor} may not train models (models.write; roles: "
            f"{', '.join(sorted(who.principal.roles)) or 'none'}).",
        )
    return who


def _form(
    request: Request,
    who: Viewer,
    *,
    status: int = 200,
    form: dict[str, str] | None = None,
    error: str | None = None,
    error_items: list[str] | None = None,
) -> Response:
    return console_of(request).page(
        request,
        "label_set_new.html",
        who=who,
        section="models",
        status=status,
        form=form or {},
        error=error,
        error_items=error_items or [],
        min_per_label=MIN_PER_LABEL,
        min_labels=MIN_LABELS,
    )


@router.get("/label-sets/new")
def new_label_set(request: Request) -> Response:
    return _form(request, _writer(request))


@router.post("/label-sets")
def train_label_set(
    request: Request,
    name: str = Form("", max_length=100),
    examples: str = Form("", max_length=EXAMPLES_TEXT),
    seed: str = Form("0", max_length=12),
) -> Response:
    who = _writer(request)
    form = {"name": name, "examples": examples, "seed": seed}
    try:
        number = int(seed or "0")
    except ValueError:
        return _form(request, who, status=422, form=form, error=f"The seed {seed!r} is not a whole number.")
    try:
        parsed = parse_labelled_lines(examples, source="examples")
        office = office_of(request)
        done = train_and_register(
            office.store, office.models, who.tenant, name.strip(), parsed, actor=who.actor, seed=number, source="form"
        )
    except (ExamplesInvalid, RequestInvalid) as exc:
        items = [str(p).removeprefix("/labels: ").removeprefix("/name: ") for p in exc.problems]
        return _form(request, who, status=422, form=form, error=exc.message.split("\n")[0], error_items=items)
    row = done.registered
    return RedirectResponse(f"/models/{row.name}?done=label_set_{row.stage.value}", status_code=303)
