"""Load a definition from YAML, JSON or Python data and validate all of it at once.

Every problem is reported with the file, line and column, the step, what is wrong and what was
expected; loading stops only after all checks ran, so one round trip shows every mistake.
The text or data is first held to officeflow.safeyaml's limits for definitions (no YAML aliases,
at most 64 levels, 1 MiB, 100,000 values), so no document costs more than milliseconds to refuse.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from officeflow.definitions.graph import Graph, analyse
from officeflow.definitions.model import Definition, Header
from officeflow.definitions.yamlsource import Positions, parse_yaml
from officeflow.errors import DefinitionInvalid, Problem
from officeflow.expressions import STEP_VARIABLES, Expr
from officeflow.jsonutil import json_pointer
from officeflow.safeyaml import DEFINITION, value_problem
from officeflow.steps.base import StepConfig
from officeflow.steps.registry import Registry

_STEP_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CEL_COLUMN = re.compile(r"at column (\d+)")


def load_definition(
    source: str | Path | Mapping[str, Any],
    registry: Registry,
    *,
    file: str | None = None,
    strict: bool = True,
) -> Definition:
    """Load and validate; raises DefinitionInvalid listing every problem found.

    ``strict=False`` skips the step kinds' own checks (such as registered handlers): for loading
    stored definitions in a process that does not run their steps."""
    if isinstance(source, Path):
        file = file or str(source)
        try:
            text = source.read_text(encoding="utf-8")
        except OSError as exc:
            raise DefinitionInvalid([Problem(file=file, message=f"cannot read: {exc.strerror}")]) from None
        return load_definition(text, registry, file=file, strict=strict)
    if isinstance(source, Mapping):
        bounds = value_problem(source, DEFINITION)
        if bounds is not None:
            placed = Problem(file=file, pointer=bounds.pointer, message=bounds.message, expected=bounds.expected)
            raise DefinitionInvalid([placed], f"{file or 'definition'}: {bounds.message}")
        try:
            data: Any = _plain(source)
        except (TypeError, orjson.JSONEncodeError) as exc:
            raise DefinitionInvalid(
                [
                    Problem(
                        file=file,
                        pointer="/",
                        message=f"the definition is not JSON data: {exc}",
                        expected="JSON values (integers within 64 bits)",
                    )
                ]
            ) from None
        positions = Positions()
        problems: list[Problem] = []
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    else:
        text = source
        data, positions, problems = parse_yaml(text, file, keys_as_text=True)
        if data is not None and not problems:
            try:
                orjson.dumps(data)
            except (TypeError, orjson.JSONEncodeError) as exc:
                problems.append(
                    Problem(
                        file=file,
                        pointer="/",
                        message=f"the definition is not JSON data: {exc}",
                        expected="JSON values (integers within 64 bits, no dates or binary)",
                    )
                )
    checker = _Checker(file, positions, problems, strict)
    definition = checker.run(data, registry, text)
    if checker.problems or definition is None:
        raise DefinitionInvalid(
            sorted(checker.problems, key=lambda p: (p.line or 0, p.column or 0)),
            f"{file or 'definition'}: {len(checker.problems)} problem(s)",
        )
    return definition


def _plain(value: Any) -> Any:
    return orjson.loads(orjson.dumps(value))


def _read_as(value: Any) -> str:
    """What YAML made of an unquoted word, as a message names it."""
    if isinstance(value, bool):
        return f"the boolean {'true' if value else 'false'}"
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"a {type(value).__name__}"


def digest_of(data: Any) -> str:
    return hashlib.sha256(orjson.dumps(data, option=orjson.OPT_SORT_KEYS)).hexdigest()


class _Checker:
    def __init__(self, file: str | None, positions: Positions, problems: list[Problem], strict: bool) -> None:
        self.strict = strict
        self.file = file
        self.positions = positions
        self.problems = problems

    def add(
        self,
        path: tuple[str | int, ...],
        message: str,
        *,
        step: str | None = None,
        expected: str | None = None,
        key: bool = False,
        column_offset: int | None = None,
    ) -> None:
        where = self.positions.find(path, key=key)
        line, column = where if where else (None, None)
        if column is not None and column_offset is not None and path in self.positions.values:
            quoted = 1 if path in self.positions.quoted else 0
            column = column + quoted + column_offset - 1
        self.problems.append(
            Problem(
                file=self.file,
                line=line,
                column=column,
                step=step,
                pointer=json_pointer(path),
                message=message,
                expected=expected,
            )
        )

    def _pydantic(self, exc: ValidationError, base: tuple[str | int, ...], step: str | None) -> None:
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            path = (*base, *loc)
            kind = err["type"]
            msg = err["msg"].removeprefix("Value error, ")
            expected = None
            if kind == "extra_forbidden":
                msg = f"unknown field '{loc[-1]}'"
                self.add(path, msg, step=step, key=True)
                continue
            if kind == "missing":
                msg = f"missing required field '{loc[-1]}'"
                self.add(path[:-1], msg, step=step)
                continue
            if kind == "string_pattern_mismatch":
                expected = f"text matching {err.get('ctx', {}).get('pattern')}"
                msg = f"{err.get('input')!r} has the wrong form"
            elif kind == "literal_error":
                expected = str(err.get("ctx", {}).get("expected"))
                msg = f"{err.get('input')!r} is not allowed"
            if kind in ("string_type", "literal_error") and path in self.positions.not_text:
                text = self.positions.not_text[path]
                msg = f"YAML read `{text}` as {_read_as(err.get('input'))}; quote it: '{text}'"
                expected = expected or "text"
            offset = _CEL_COLUMN.search(msg)
            self.add(
                path,
                msg,
                step=step,
                expected=expected,
                column_offset=int(offset.group(1)) if offset else None,
            )

    def run(self, data: Any, registry: Registry, text: str) -> Definition | None:
        if self.problems and data is None:
            return None
        self._keys_not_text()
        if not isinstance(data, dict):
            self.add(
                (),
                f"the document is a {type(data).__name__}",
                expected="a mapping with name, version and steps",
            )
            return None
        header = self._header(data)
        raw_steps = data.get("steps")
        if not isinstance(raw_steps, dict):
            return None
        steps = self._steps(raw_steps, registry)
        if header is None:
            return None
        start = self._start(header, raw_steps)
        if start is None:
            return None
        graph = self._graph(steps, start, set(raw_steps))
        self._all_expressions(steps, header, set(raw_steps))
        if self.problems:
            return None
        import jsonschema.validators

        return Definition(
            name=header.name,
            version=header.version,
            title=header.title,
            description=header.description,
            input_schema=header.input,
            output=header.output,
            start=start,
            defaults=header.defaults,
            steps=steps,
            graph=graph,
            data=data,
            source=text,
            digest=digest_of(data),
            file=self.file,
            _validator=jsonschema.validators.validator_for(header.input)(header.input),
        )

    def _header(self, data: dict[str, Any]) -> Header | None:
        """The workflow's own fields (name, version, input, ...), or None when they are wrong; the
        input schema is checked either way."""
        try:
            header = Header.model_validate(data)
        except ValidationError as exc:
            self._pydantic(exc, (), None)
            header = None
        if isinstance(data.get("input"), dict):
            self._input_schema(data["input"])
        return header

    def _start(self, header: Header, raw_steps: dict[str, Any]) -> str | None:
        """The first step: the one named ``start``, else the first written; None if ``start``
        names no step."""
        start = header.start or next(iter(raw_steps))
        if header.start and header.start not in raw_steps:
            self.add(
                ("start",),
                f"start step '{header.start}' is not a step of this workflow",
                expected="one of: " + ", ".join(raw_steps),
            )
            return None
        return start

    def _graph(self, steps: dict[str, StepConfig], start: str, ids: set[str]) -> Graph:
        """The steps' graph, its problems (unreachable steps, unknown targets, ...) added."""
        graph = analyse(steps, start, all_ids=ids)
        for gp in graph.problems:
            self.add(
                ("steps", gp.step, *gp.path),
                gp.message,
                step=gp.step,
                expected=gp.expected,
                key=not gp.path,
            )
        return graph

    def _all_expressions(self, steps: dict[str, StepConfig], header: Header, ids: set[str]) -> None:
        """Check every expression of the steps and of the workflow's output."""
        for sid, step in steps.items():
            for path, value in step.values():
                exprs = [((), value)] if isinstance(value, Expr) else list(value.expressions())
                for sub, expr in exprs:
                    self._expression(("steps", sid, *path, *sub), expr, sid, ids)
        if header.output is not None:
            for sub, expr in header.output.expressions():
                self._expression(("output", *sub), expr, None, ids)

    def _keys_not_text(self) -> None:
        """Unquoted keys YAML would have read as other than text (the loader read each as its
        text, so the other checks see the key as it is written)."""
        for path, value in self.positions.keys_not_text.items():
            text = str(path[-1])
            self.add(
                path,
                f"YAML read the key `{text}` as {_read_as(value)}; quote it: '{text}'",
                step=str(path[1]) if len(path) > 1 and path[0] == "steps" else None,
                expected="text (a key is text)",
                key=True,
            )

    def _steps(self, raw_steps: dict[str, Any], registry: Registry) -> dict[str, StepConfig]:
        steps: dict[str, StepConfig] = {}
        for sid, raw in raw_steps.items():
            base = ("steps", sid)
            if not isinstance(sid, str) or not _STEP_ID.match(sid):
                self.add(
                    base,
                    f"step id {sid!r} has the wrong form",
                    step=str(sid),
                    key=True,
                    expected="letters, digits and _, not starting with a digit (CEL reads it as steps.<id>)",
                )
                continue
            if not isinstance(raw, dict):
                self.add(
                    base,
                    f"a step is a mapping, got {type(raw).__name__}",
                    step=sid,
                    expected="kind: ... and the kind's fields",
                )
                continue
            kind_name = raw.get("kind")
            kind = registry.kind(kind_name) if isinstance(kind_name, str) else None
            if kind is None and (*base, "kind") in self.positions.not_text:
                text = self.positions.not_text[(*base, "kind")]
                self.add(
                    (*base, "kind"),
                    f"YAML read `{text}` as {_read_as(kind_name)}; quote it: '{text}'",
                    step=sid,
                    expected=f"one of: {', '.join(sorted(registry.kinds))}",
                )
                continue
            if kind is None:
                known = ", ".join(sorted(registry.kinds))
                what = "missing 'kind'" if kind_name is None else f"unknown kind {kind_name!r}"
                self.add(
                    (*base, "kind") if kind_name is not None else base,
                    what,
                    step=sid,
                    expected=f"one of: {known}",
                )
                continue
            try:
                step = kind.config.model_validate(raw)
            except ValidationError as exc:
                self._pydantic(exc, base, sid)
                continue
            if self.strict:
                for path, message, expected in kind.check(step):
                    self.add((*base, *path), message, step=sid, expected=expected)
            steps[sid] = step
        return steps

    def _input_schema(self, schema: dict[str, Any]) -> None:
        import jsonschema.validators

        try:
            jsonschema.validators.validator_for(schema).check_schema(schema)
        except jsonschema.SchemaError as exc:
            path = ("input", *exc.absolute_path)
            self.add(path, f"not a valid JSON Schema: {exc.message}", expected="JSON Schema (2020-12)")

    def _expression(self, path: tuple[str | int, ...], expr: Expr, sid: str | None, ids: set[str]) -> None:
        allowed = set(STEP_VARIABLES) | {"output"}
        for name in sorted(expr.variables - allowed):
            hint = ""
            if re.fullmatch(r"[A-Za-z_]\w*", expr.source.strip()):
                hint = f"; to pass the text {expr.source!r}, quote it in CEL: '\"{expr.source}\"'"
            self.add(
                path,
                f"`{expr.source}` reads unknown variable '{name}'{hint}",
                step=sid,
                expected="input, steps, run",
            )
        for ref in sorted(expr.step_references() - ids):
            self.add(
                path,
                f"`{expr.source}` reads steps.{ref}, which is not a step of this workflow",
                step=sid,
                expected="one of: " + ", ".join(sorted(ids)),
            )
