"""Decision tables stored per tenant: push a version, evaluate one, check a definition's steps.

A version is a DMN file or a table in the YAML form (officeflow.rules), stored with its name,
version, format, source, digest, who pushed it and when; versions are immutable, like
definitions. Its name and version come from the model (the DMN ``definitions`` name and
``officeflow:version``/``camunda:versionTag``, or the YAML ``name`` and ``version``); a DMN file
that declares no version takes the next free one, unless its content is that of a stored
version. Pushing the same content again changes nothing; other content under a stored version is
refused (409).

Reads for the faces (lists, a version, hit counts, the rows a run's steps matched) are in
:mod:`officeflow.queries.decision_tables`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from officeflow.decision_tables.compiled import CompiledModels, resolve
from officeflow.decision_tables.errors import DecisionTableNotFound, DecisionTableVersionExists
from officeflow.definitions.model import Definition
from officeflow.engine import Engine
from officeflow.errors import DefinitionInvalid, Problem
from officeflow.jsonutil import json_pointer
from officeflow.rules import (
    DecisionEvaluationError,
    DecisionModel,
    DecisionModelInvalid,
    Evaluation,
    load_dmn,
    load_yaml,
)
from officeflow.rules.checks import Finding, check_model
from officeflow.store.tx import Tx
from officeflow.store.tx_rules import DecisionTableHead, DecisionTableRecord

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,199}$")
NAME_RULE = "1 to 200 letters, digits, spaces and . _ -, starting with a letter or digit"
FORMATS = ("dmn", "yaml")
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?definitions\b[^>]*>", re.DOTALL)
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DECLARED = re.compile(rb"\b(?:[A-Za-z_][\w.-]*:version|[A-Za-z_][\w.-]*:versionTag)\s*=\s*[\"']\s*\d+\s*[\"']")


@dataclass(frozen=True, kw_only=True)
class Pushed:
    """What a push did: the stored version, whether it is new, and the static checks' findings."""

    table: DecisionTableHead
    created: bool
    findings: tuple[Finding, ...]


def detect_format(source: str) -> str:
    """``dmn`` for XML, else ``yaml``."""
    return "dmn" if source.lstrip().startswith("<") else "yaml"


def declares_version(data: bytes) -> bool:
    """Whether a DMN document's ``definitions`` names its version (officeflow:version or a
    numeric camunda:versionTag)."""
    root = _ROOT.search(data)
    return bool(root and _DECLARED.search(root.group(0)))


class DecisionTables:
    """Stores and evaluates a tenant's decision tables (see the module docstring)."""

    def __init__(self, engine: Engine, *, cache_size: int = 256) -> None:
        self.engine = engine
        self.store = engine.store
        self.models = CompiledModels(cache_size)

    def push(
        self,
        source: str,
        *,
        tenant: str,
        actor: str | None = None,
        format: str | None = None,
        version: int | None = None,
        title: str | None = None,
        file: str | None = None,
    ) -> Pushed:
        """Validate and store a version (see the module docstring); DecisionModelInvalid (422)
        lists every problem with its file, line and element, DecisionTableVersionExists (409)."""
        fmt = format or detect_format(source)
        where = file or "decision table"
        if fmt not in FORMATS:
            raise DecisionModelInvalid(
                [Problem(file=where, message=f"unknown format {fmt!r}", expected="dmn or yaml")],
                f"{where}: unknown format",
            )
        data = source.encode("utf-8")
        encoding = _ENCODING.match(data) if fmt == "dmn" else None
        if encoding and encoding.group(1).decode().lower().replace("_", "-") not in ("utf-8", "utf8"):
            raise DecisionModelInvalid(
                [
                    Problem(
                        file=where,
                        line=1,
                        message=f"the XML declaration names the encoding {encoding.group(1).decode()!r}, "
                        "but a pushed table is text, stored and read as UTF-8",
                        expected='encoding="UTF-8" (or no encoding) in the XML declaration',
                    )
                ],
                f"{where}: the encoding is not UTF-8",
            )
        if fmt == "dmn":
            model = load_dmn(data, where, version=version)
            automatic = version is None and not declares_version(data)
        else:
            model = load_yaml(source, where)
            automatic = False
            if version is not None and version != model.version:
                raise DecisionModelInvalid(
                    [
                        Problem(
                            file=where,
                            pointer="/version",
                            message=f"the table says version {model.version}, the request {version}",
                            expected="the same version (or none in the request)",
                        )
                    ],
                    f"{where}: the versions differ",
                )
        if not NAME.fullmatch(model.name):
            raise DecisionModelInvalid(
                [
                    Problem(
                        file=where,
                        message=f"the model's name {model.name!r} cannot name a stored table",
                        expected=NAME_RULE,
                    )
                ],
                f"{where}: the name cannot be stored",
            )
        findings = tuple(check_model(model))

        def body(tx: Tx) -> tuple[DecisionTableHead, bool]:
            number = self._free_version(tx, tenant, model) if automatic else model.version
            record = DecisionTableRecord(
                tenant=tenant,
                name=model.name,
                version=number,
                format=fmt,
                digest=model.digest,
                title=title,
                decisions=tuple(model.decision_names),
                source=source,
                created_at=self.engine.now(),
                created_by=actor,
            )
            if tx.insert_decision_table(record):
                self.engine.record_audit(
                    tx,
                    tenant,
                    actor or "system",
                    "decision_table.pushed",
                    "decision_table",
                    f"{model.name}@{number}",
                    after={"name": model.name, "version": number, "format": fmt, "digest": model.digest},
                )
                created = True
            else:
                created = False
            head = tx.decision_table_head(tenant, model.name, number)
            assert head is not None
            if not created and head.digest != model.digest:
                latest = tx.decision_table_head(tenant, model.name)
                following = (latest.version if latest else number) + 1
                raise DecisionTableVersionExists(
                    f"decision table '{model.name}' version {number} already exists with different content; "
                    f"versions are immutable: give this content version {following}"
                )
            return head, created

        head, created = self.store.run(body)
        return Pushed(table=head, created=created, findings=findings)

    @staticmethod
    def _free_version(tx: Tx, tenant: str, model: DecisionModel) -> int:
        stored = tx.list_decision_tables(tenant, model.name)
        for head in stored:
            if head.digest == model.digest:
                return head.version
        return (stored[-1].version + 1) if stored else 1

    def model(self, tenant: str, name: str, version: int | None = None) -> tuple[DecisionTableHead, DecisionModel]:
        """A stored version (the latest unless ``version``) and its compiled model."""
        with self.store.read() as tx:
            return resolve(tx, self.models, tenant, name, version)

    def evaluate(
        self,
        tenant: str,
        name: str,
        inputs: Mapping[str, Any],
        *,
        version: int | None = None,
        decision: str | None = None,
    ) -> tuple[DecisionTableHead, Evaluation]:
        """Evaluate a stored version on ``inputs`` (every decision, or ``decision`` and what it
        needs). Counts no hits: only ``rules`` steps do."""
        head, model = self.model(tenant, name, version)
        if decision is not None and decision not in model.decision_names:
            raise DecisionEvaluationError(
                f"decision table '{name}' version {head.version} has no decision {decision!r}; "
                f"it has {', '.join(repr(d) for d in model.decision_names)}"
            )
        return head, model.evaluate(inputs, decision)

    def check_definition(self, definition: Definition, tenant: str) -> None:
        """Refuse a definition whose ``rules`` steps name a table, version, decision or input
        that the tenant's stored tables do not have (DefinitionInvalid, every problem at once)."""
        problems: list[Problem] = []
        for sid, step in definition.steps.items():
            if step.kind != "rules":
                continue
            problems += self._step_problems(definition, sid, step, tenant)
        if problems:
            raise DefinitionInvalid(problems)

    def _step_problems(self, definition: Definition, sid: str, step: Any, tenant: str) -> list[Problem]:
        def at(*path: str | int, message: str, expected: str | None = None) -> Problem:
            return Problem(
                file=definition.file,
                step=sid,
                pointer=json_pointer(("steps", sid, *path)),
                message=message,
                expected=expected,
            )

        try:
            head, model = self.model(tenant, step.table, step.version)
        except DecisionTableNotFound:
            with self.store.read() as tx:
                versions = [h.version for h in tx.list_decision_tables(tenant, step.table)]
            if versions and step.version is not None:
                return [
                    at(
                        "version",
                        message=f"decision table '{step.table}' has no version {step.version} in tenant '{tenant}'",
                        expected="one of: " + ", ".join(map(str, versions)),
                    )
                ]
            return [
                at(
                    "table",
                    message=f"decision table '{step.table}' is not stored in tenant '{tenant}'",
                    expected="a stored table: push it first (officeflow rules push FILE)",
                )
            ]
        found: list[Problem] = []
        names = model.decision_names
        if step.decision is not None and step.decision not in names:
            found.append(
                at(
                    "decision",
                    message=f"decision table '{step.table}' version {head.version} has no decision {step.decision!r}",
                    expected="one of: " + ", ".join(names),
                )
            )
        if step.decision is None and step.route_by:
            first = step.route_by.split(".", 1)[0]
            if first not in names:
                found.append(
                    at(
                        "route_by",
                        message=f"`{step.route_by}` starts with {first!r}, which is not a decision of "
                        f"'{step.table}' version {head.version}",
                        expected="<decision> or <decision>.<output>, a decision being one of: " + ", ".join(names),
                    )
                )
        known = model.input_names
        given = step.input.raw if step.input is not None and isinstance(step.input.raw, Mapping) else {}
        for key in given:
            if known and key not in known:
                found.append(
                    at(
                        "input",
                        str(key),
                        message=f"'{key}' is not an input of '{step.table}' version {head.version}",
                        expected="one of: " + ", ".join(known),
                    )
                )
        return found


__all__ = ["DecisionTables", "Pushed", "declares_version", "detect_format"]
