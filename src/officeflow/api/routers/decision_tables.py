"""/v1/decision-tables: push, list and show decision table versions, evaluate one, read its hits.

Decision tables belong to the tenant: every workflow of it may use them. Reading needs
``definitions.read``; pushing a version needs ``definitions.write`` on the whole tenant (a grant
on one workflow is not enough, since a table changes every workflow that uses it).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from officeflow.api.auth import guarded, principal_of
from officeflow.api.context import office
from officeflow.api.schemas_rules import (
    DecisionTableIn,
    DecisionTableOut,
    DecisionTableSummaryOut,
    EvaluateIn,
    EvaluationOut,
    FindingOut,
    HitsOut,
    PushOut,
)
from officeflow.edge.problems import ApiProblem
from officeflow.security.permissions import Principal

router = APIRouter(prefix="/v1/decision-tables", tags=["decision tables"])
VERSION = Query(None, ge=1, le=2**31 - 1, description="default: the latest version")


def _tenant_wide(principal: Principal) -> None:
    if principal.workflows("definitions.write") is not None:
        raise ApiProblem(
            403,
            "forbidden",
            "Forbidden",
            f"{principal.actor} may write definitions of some workflows only; decision tables are shared by "
            "every workflow of the tenant, so pushing one needs definitions.write on the whole tenant",
            action="definitions.write",
        )


@router.get("", response_model=list[DecisionTableSummaryOut], **guarded("definitions.read"))
def list_tables(request: Request) -> list[DecisionTableSummaryOut]:
    """Every decision table of the tenant, by name, with its latest version."""
    summaries = office(request).queries.decision_tables.summaries(principal_of(request).tenant)
    return [DecisionTableSummaryOut.of(s) for s in summaries]


@router.post(
    "",
    response_model=PushOut,
    status_code=201,
    responses={200: {"model": PushOut}},
    **guarded("definitions.write"),
)
def push_table(request: Request, body: DecisionTableIn) -> Any:
    """Validate and store a decision table version (DMN XML or the YAML form). Pushing the same
    content again answers 200 and changes nothing; other content under a stored version answers
    409; an invalid model answers 422 with every problem (file, line, element id, reason). The
    static checks' findings (overlaps, gaps, unreachable rows, type errors) come with the answer."""
    principal = principal_of(request)
    _tenant_wide(principal)
    pushed = office(request).decision_tables.push(
        body.source,
        tenant=principal.tenant,
        actor=principal.actor,
        format=body.format,
        version=body.version,
        title=body.title,
        file="source",
    )
    out = PushOut(
        table=DecisionTableOut.of(pushed.table),
        created=pushed.created,
        findings=[FindingOut.of(f) for f in pushed.findings],
    )
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if pushed.created else 200)


@router.get("/{name}", response_model=DecisionTableOut, **guarded("definitions.read"))
def get_table(request: Request, name: str, version: int | None = VERSION) -> DecisionTableOut:
    """One version (the latest unless ``version``) with its source and the list of versions."""
    tenant = principal_of(request).tenant
    queries = office(request).queries.decision_tables
    record = queries.record(tenant, name, version)
    return DecisionTableOut.of(record, versions=[v.version for v in queries.versions(tenant, name)][::-1])


@router.post("/{name}/evaluate", response_model=EvaluationOut, **guarded("definitions.read"))
def evaluate_table(request: Request, name: str, body: EvaluateIn) -> EvaluationOut:
    """Evaluate a version on an input: each decision's value, the rows that matched and any
    evaluation error (the decision is then null). Counts no hits: only rules steps do."""
    head, evaluation = office(request).decision_tables.evaluate(
        principal_of(request).tenant, name, body.input, version=body.version, decision=body.decision
    )
    return EvaluationOut.of(head, evaluation)


@router.get("/{name}/hits", response_model=HitsOut, **guarded("definitions.read"))
def table_hits(request: Request, name: str, version: int | None = VERSION) -> HitsOut:
    """How often rules steps evaluated a version (the latest unless ``version``) and how often
    each of its rows matched."""
    tenant = principal_of(request).tenant
    queries = office(request).queries.decision_tables
    number = version if version is not None else queries.versions(tenant, name)[0].version
    if version is not None:
        queries.record(tenant, name, version)
    return HitsOut.of(name, number, queries.hits(tenant, name, number))
