"""/decision-tables: the tenant's decision tables; /decision-tables/{name}/{version}: one version as a
grid, each row with how often rules steps matched it, and a form to try it with an input (the
rows that match are highlighted, the outputs shown; trying counts no hits)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from officeflow.decision_tables.compiled import Columns, columns, table_key
from officeflow.decision_tables.errors import DecisionTableNotFound
from officeflow.rules import DecisionModel, Evaluation
from officeflow.web.context import console_of, office_of
from officeflow.web.errors import PageError
from officeflow.web.session import Viewer, viewer

router = APIRouter(include_in_schema=False)
FIELD = "in."
"""Query parameters of the try form: ``in.<input name>``."""


@dataclass(frozen=True, kw_only=True)
class GridRow:
    index: int
    id: str | None
    inputs: list[str]
    outputs: list[str]
    annotation: str | None
    hits: int
    matched: bool


@dataclass(frozen=True, kw_only=True)
class Grid:
    """One decision table as the page draws it."""

    key: str
    decision: str
    policy: str
    columns: Columns
    rows: list[GridRow]


def _reader(request: Request) -> Viewer:
    who = viewer(request)
    if not who.can_any("definitions.read"):
        raise PageError(403, "Your roles do not include reading definitions and decision tables.")
    return who


@router.get("/decision-tables")
def tables_page(request: Request) -> Response:
    who = _reader(request)
    return console_of(request).page(
        request,
        "decision_tables.html",
        who=who,
        section="decision-tables",
        tables=office_of(request).queries.decision_tables.summaries(who.tenant),
    )


@router.get("/decision-tables/{name}")
def latest(request: Request, name: str) -> Response:
    who = _reader(request)
    versions = office_of(request).queries.decision_tables.versions(who.tenant, name)
    return RedirectResponse(f"/decision-tables/{quote(name)}/{versions[0].version}", status_code=303)


def parse_value(text: str) -> Any:
    """A form field's value: JSON when it reads as JSON (``12``, ``true``, ``"x"``, ``[1, 2]``),
    else the text itself."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return text


@router.get("/decision-tables/{name}/{version}")
def table_page(request: Request, name: str, version: int) -> Response:
    who = _reader(request)
    where = office_of(request)
    queries = where.queries.decision_tables
    try:
        head, model = where.decision_tables.model(who.tenant, name, version)
    except DecisionTableNotFound:
        raise PageError(404, f"There is no decision table {name} version {version} here.") from None
    given = {k[len(FIELD) :]: v for k, v in request.query_params.items() if k.startswith(FIELD)}
    tried = "try" in request.query_params
    inputs = {k: parse_value(v) for k, v in given.items() if k in model.input_names and v.strip() != ""}
    evaluation = model.evaluate(inputs) if tried else None
    hits = queries.hits(who.tenant, name, head.version)
    return console_of(request).page(
        request,
        "decision_table.html",
        who=who,
        section="decision-tables",
        head=head,
        versions=queries.versions(who.tenant, name),
        grids=grids(model, hits.of, evaluation),
        hits=hits,
        input_names=model.input_names,
        given=given,
        evaluation=evaluation.as_dict() if evaluation is not None else None,
    )


def grids(model: DecisionModel, hits_of: Any, evaluation: Evaluation | None) -> list[Grid]:
    """Every decision table of the model with its rows, hit counts and the rows ``evaluation`` matched."""
    named = columns(model)
    matched = {(m.table, m.index) for m in evaluation.matched()} if evaluation is not None else set()
    found = []
    for owner, table in model.tables():
        key = table_key(owner, table)
        rows = [
            GridRow(
                index=rule.index,
                id=rule.id,
                inputs=[c.text.strip() or "-" for c in rule.inputs],
                outputs=[c.text.strip() for c in rule.outputs],
                annotation=rule.annotation,
                hits=int(hits_of(key, rule.index)),
                matched=(key, rule.index) in matched,
            )
            for rule in table.rules
        ]
        found.append(Grid(key=key, decision=owner, policy=table.code, columns=named[key], rows=rows))
    return found
