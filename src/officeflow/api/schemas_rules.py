"""Request and response bodies of the decision table endpoints (/v1/decision-tables)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from officeflow.api.schemas import MAX_VERSION, Input, Model
from officeflow.clock import iso
from officeflow.queries.decision_tables import HitReport, TableSummary
from officeflow.rules import Evaluation
from officeflow.rules.checks import Finding
from officeflow.store.tx_rules import DecisionTableHead, DecisionTableRecord

TableName = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$", min_length=1, max_length=200)


class DecisionTableIn(Input):
    source: str = Field(
        min_length=1,
        max_length=1_000_000,
        description="the model: DMN XML (1.1-1.5) or officeflow's YAML form of decision tables",
    )
    format: Literal["dmn", "yaml"] | None = Field(None, description="default: dmn when the text starts with <")
    version: int | None = Field(
        None,
        ge=1,
        le=MAX_VERSION,
        description="the version to store; default: the model's own (a DMN file without one takes the next)",
    )
    title: str | None = Field(None, max_length=200)


class FindingOut(Model):
    check: str = Field(description="overlap, gap, unreachable or type")
    decision: str
    table: str
    rules: list[int]
    message: str
    line: int | None = None

    @classmethod
    def of(cls, finding: Finding) -> FindingOut:
        return cls(**finding.as_dict())


class DecisionTableOut(Model):
    name: str
    version: int
    format: str = Field(description="dmn or yaml")
    digest: str
    title: str | None
    decisions: list[str]
    created_at: str | None
    created_by: str | None
    source: str | None = None
    versions: list[int] | None = Field(None, description="every stored version of the table (on a single table)")

    @classmethod
    def of(
        cls, head: DecisionTableHead | DecisionTableRecord, *, versions: list[int] | None = None
    ) -> DecisionTableOut:
        return cls(
            name=head.name,
            version=head.version,
            format=head.format,
            digest=head.digest,
            title=head.title,
            decisions=list(head.decisions),
            created_at=iso(head.created_at),
            created_by=head.created_by,
            source=head.source if isinstance(head, DecisionTableRecord) else None,
            versions=versions,
        )


class DecisionTableSummaryOut(Model):
    name: str
    versions: int
    latest: int
    format: str
    decisions: list[str]
    title: str | None
    updated_at: str | None

    @classmethod
    def of(cls, summary: TableSummary) -> DecisionTableSummaryOut:
        return cls(
            name=summary.name,
            versions=summary.versions,
            latest=summary.latest,
            format=summary.format,
            decisions=list(summary.decisions),
            title=summary.title,
            updated_at=iso(summary.updated_at),
        )


class PushOut(Model):
    table: DecisionTableOut
    created: bool
    findings: list[FindingOut] = Field(description="what the static checks found (the table is stored all the same)")


class EvaluateIn(Input):
    input: dict[str, Any] = Field(description="the model's inputs by name (JSON values)")
    version: int | None = Field(None, ge=1, le=MAX_VERSION, description="default: the latest version")
    decision: str | None = Field(None, min_length=1, max_length=500, description="default: every decision")


class MatchedRuleOut(Model):
    table: str
    decision: str
    rule: int = Field(description="the row number, from 1")
    id: str | None
    annotation: str | None
    inputs: list[str] = Field(description="the row's input entries as written")
    outputs: list[str] = Field(description="the row's output entries as written")


class DecisionResultOut(Model):
    decision: str
    id: str | None
    value: Any = None
    matched: list[MatchedRuleOut]
    errors: list[str]


class EvaluationOut(Model):
    name: str
    version: int
    digest: str
    outputs: dict[str, Any] = Field(description="each decision asked for, by name: its JSON value")
    decisions: list[DecisionResultOut] = Field(description="every decision evaluated, with the rows that matched")
    errors: list[str] = Field(description="evaluation errors (the decision concerned is then null)")

    @classmethod
    def of(cls, head: DecisionTableHead, evaluation: Evaluation) -> EvaluationOut:
        whole = evaluation.as_dict()
        return cls(
            name=head.name,
            version=head.version,
            digest=head.digest,
            outputs=whole["outputs"],
            decisions=[DecisionResultOut(**d) for d in whole["decisions"]],
            errors=whole["errors"],
        )


class HitsOut(Model):
    name: str
    version: int
    evaluations: int = Field(description="how many times rules steps evaluated this version")
    last_at: str | None
    tables: dict[str, dict[str, int]] = Field(description="table id -> row number -> hits (rows never hit: absent)")

    @classmethod
    def of(cls, name: str, version: int, report: HitReport) -> HitsOut:
        whole = report.as_dict()
        return cls(
            name=name,
            version=version,
            evaluations=report.evaluations,
            last_at=iso(report.last_at),
            tables=whole["tables"],
        )
