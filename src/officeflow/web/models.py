"""The models pages: /models lists the tenant's models; /models/{name} shows a model's versions and
stages, metrics, feedback counts, drift and override-rate charts (server-rendered SVG,
officeflow.web.charts), and holds the forms to promote a version, roll back, and try a version
on an input.

Reading needs ``models.read``; promoting and rolling back need ``models.write`` and go through
the model registry, which records each stage change and its audit entry with the viewer as actor.
Forms carry the session's CSRF token (checked by the request gate before any route). A refused
change or a bad input shows the page again with the reason and what was typed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from officeflow import safeyaml
from officeflow.errors import NotFound, OfficeflowError, RequestInvalid
from officeflow.learning.drift import drift_settings
from officeflow.queries.model_monitoring import ModelPage
from officeflow.store.tx_model_feedback import DriftRow
from officeflow.store.tx_models import ModelStage
from officeflow.web.charts import Series, Threshold, line_chart
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.render import pretty
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
JSON_TEXT = 200_000
STAGES = [s.value for s in ModelStage]
NOTICES = {
    "promoted": "The stage change is recorded.",
    "rolled_back": "Rolled back.",
    "label_set_production": "The label set is trained and registered in production.",
    "label_set_candidate": "The label set is trained and registered as a candidate; promote it to use it.",
}


def _reader(request: Request) -> Viewer:
    who = viewer(request)
    if not who.can("models.read"):
        raise PageError(403, "Your roles do not include reading models (models.read).")
    return who


def _writer(request: Request) -> Viewer:
    who = viewer(request)
    if not who.can("models.write"):
        raise PageError(
            403,
            f"{who.actor} may not change model stages (models.write; roles: "
            f"{', '.join(sorted(who.principal.roles)) or 'none'}).",
        )
    return who


@router.get("/models")
def models_page(request: Request) -> Response:
    who = _reader(request)
    listing = office_of(request).queries.model_monitoring.models(who.tenant)
    return console_of(request).page(request, "models.html", who=who, section="models", models=listing)


@router.get("/models/{name}")
def model_page(request: Request, name: str, done: str = "") -> Response:
    who = _reader(request)
    return render_model(request, who, name, notice=NOTICES.get(done))


def render_model(
    request: Request,
    who: Viewer,
    name: str,
    *,
    status: int = 200,
    notice: str | None = None,
    error: str | None = None,
    error_items: list[str] | None = None,
    form: dict[str, str] | None = None,
    tried: dict[str, Any] | None = None,
) -> Response:
    office = office_of(request)
    page = office.queries.model_monitoring.model(who.tenant, name)
    if page is None:
        raise NotFound(f"no model {name}")
    settings = drift_settings(console_of(request).settings)
    th = settings.thresholds
    psi_lines = [
        Threshold(th.psi_warn, f"warn {th.psi_warn:g}"),
        Threshold(th.psi_alert, f"alert {th.psi_alert:g}", "alert"),
    ]
    override_lines = [
        Threshold(th.override_warn, f"warn {th.override_warn:g}"),
        Threshold(th.override_alert, f"alert {th.override_alert:g}", "alert"),
    ]
    example = (page.recent_feedback[-1].input if page.recent_feedback else None) or _example_input(office, who, name)
    return console_of(request).page(
        request,
        "model.html",
        who=who,
        section="models",
        status=status,
        model=page,
        stages=STAGES,
        can_write=who.can("models.write"),
        drift_chart=line_chart(f"Drift of {name}", _drift_series(page), psi_lines),
        override_chart=line_chart(f"Override rate of {name}", _series(page, "override_rate"), override_lines),
        thresholds=th,
        notice=notice,
        error=error,
        error_items=error_items or [],
        form=form or {},
        tried=tried,
        example=pretty(example) if example is not None else "{}",
    )


def _example_input(office: Any, who: Viewer, name: str) -> Any:
    rows = office.models.predictions(who.tenant, name, limit=1)
    return rows[0].input if rows else None


def _drift_series(page: ModelPage) -> list[Series]:
    out: list[Series] = []
    for version, rows in page.drift.items():
        worst: dict[float, float] = {}
        for r in rows:
            if r.subject.startswith("feature:"):
                worst[r.measured_at] = max(worst.get(r.measured_at, 0.0), r.value)
        if worst:
            out.append(Series(f"v{version} inputs (largest PSI)", sorted(worst.items())))
        conf = _points(rows, "confidence")
        if conf:
            out.append(Series(f"v{version} confidence PSI", conf))
    return out


def _series(page: ModelPage, subject: str) -> list[Series]:
    return [Series(f"v{version}", points) for version, rows in page.drift.items() if (points := _points(rows, subject))]


def _points(rows: list[DriftRow], subject: str) -> list[tuple[float, float]]:
    return [(r.measured_at, r.value) for r in rows if r.subject == subject]


@router.post("/models/{name}/promote")
def promote(
    request: Request,
    name: str,
    version: str = Form(..., max_length=100),
    stage: str = Form(..., max_length=20),
    share: str = Form("", max_length=20),
    reason: str = Form("", max_length=2000),
) -> Response:
    who = _writer(request)
    form = {"action": "promote", "version": version, "stage": stage, "share": share, "reason": reason}
    try:
        if stage not in STAGES:
            raise ValueError(f"'{stage}' is not a stage; expected one of {', '.join(STAGES)}")
        share_value = _share(share)
        office_of(request).models.promote(
            who.tenant,
            name,
            version,
            ModelStage(stage),
            share_value,
            actor=who.actor,
            reason=reason.strip() or None,
        )
    except ValueError as exc:
        return render_model(request, who, name, status=422, error=str(exc), form=form)
    except NotFound:
        raise
    except OfficeflowError as exc:
        return _refused(request, who, name, exc, form)
    return RedirectResponse(f"/models/{name}?done=promoted", status_code=303)


@router.post("/models/{name}/rollback")
def rollback(request: Request, name: str, reason: str = Form("", max_length=2000)) -> Response:
    who = _writer(request)
    try:
        office_of(request).models.rollback(who.tenant, name, actor=who.actor, reason=reason.strip() or None)
    except NotFound:
        raise
    except OfficeflowError as exc:
        return _refused(request, who, name, exc, {"action": "rollback", "reason": reason})
    return RedirectResponse(f"/models/{name}?done=rolled_back", status_code=303)


@router.post("/models/{name}/try")
def try_version(
    request: Request,
    name: str,
    version: str = Form(..., max_length=100),
    input_text: str = Form("{}", alias="input", max_length=JSON_TEXT),
) -> Response:
    who = _reader(request)
    form = {"action": "try", "version": version, "input": input_text}
    try:
        item = safeyaml.load_json(input_text, "the input")
        if not isinstance(item, dict):
            raise ValueError(f"The input is a JSON {type(item).__name__}; a model takes a JSON object.")
        registry = office_of(request).models
        registry.version(who.tenant, name, version)  # a model or version the tenant lacks: 404, nothing registered
        [prediction] = registry.predict(who.tenant, name, version, [item])
    except safeyaml.DocumentRefused as exc:
        return render_model(request, who, name, status=422, error=f"The input is refused: {exc.reason()}", form=form)
    except ValueError as exc:
        return render_model(request, who, name, status=422, error=str(exc), form=form)
    except NotFound:
        raise
    except OfficeflowError as exc:
        return _refused(request, who, name, exc, form, status=422, one_item=True)
    tried = {
        "version": version,
        "output": prediction.output,
        "confidence": prediction.confidence,
        "label": prediction.label,
        "prediction_set": list(prediction.prediction_set) if prediction.prediction_set is not None else None,
        "reasons": list((prediction.explanation or {}).get("reasons") or []),
        "explanation": prediction.explanation,
    }
    return render_model(request, who, name, form=form, tried=tried)


def _share(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"The share {text!r} is not a number; a canary takes a share between 0 and 1.") from None


def _refused(
    request: Request,
    who: Viewer,
    name: str,
    exc: OfficeflowError,
    form: dict[str, str],
    status: int = 409,
    *,
    one_item: bool = False,
) -> Response:
    """The page again with why the change or the input was refused. ``one_item``: the problems
    point into a batch of one (``/0/amount``); they are shown as pointers into the input."""
    items = []
    for p in getattr(exc, "problems", []):
        pointer = p.pointer or ""
        if one_item and pointer.startswith("/0"):
            pointer = pointer[2:] or "/"
        items.append(f"{pointer}: {p.message}" if pointer else p.message)
    return render_model(
        request,
        who,
        name,
        status=422 if isinstance(exc, RequestInvalid) else status,
        error=exc.message.split("\n")[0],
        error_items=items,
        form=form,
    )
