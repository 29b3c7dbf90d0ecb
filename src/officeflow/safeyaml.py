"""Bounded reading of YAML and JSON from users: the one loader every face goes through.

A document from a user (a workflow definition, a decision table, a form's JSON field, an API
body, a CLI ``--data``, a sources or triggers file) is checked against ``Limits`` *before*
anything is built from it, so a hostile document costs milliseconds, never memory or a
``RecursionError``:

- ``max_bytes``: the size of the text;
- ``max_depth``: how deeply lists and mappings nest (64 by default);
- ``max_nodes``: how many values (scalars, lists, mappings) the document holds once its
  aliases are expanded;
- ``aliases``: YAML anchors (``&a``) and aliases (``*a``, also ``<<: *a``) are refused unless
  allowed; allowed, each alias counts as the whole value it repeats, so an alias bomb (a few
  hundred bytes that expand to billions of values) is refused by ``max_nodes``.

The YAML check reads the parser's events, which PyYAML produces without recursion; only a
document within the limits is composed into nodes and objects. The JSON check scans the bytes
for brackets outside strings (in C, through ``re``), so the busiest requests pay microseconds.

Public API::

    Limits(max_bytes=..., max_depth=64, max_nodes=..., aliases=False)
    load_yaml(text, file=None, limits=DEFINITION) -> Any           raises DocumentRefused
    compose_yaml(text, file=None, limits=DEFINITION) -> yaml.Node  raises DocumentRefused (NotYAML)
    construct_yaml(node, file=None) -> Any                         the data of a composed node
    load_json(data, what="the document", limits=REQUEST) -> Any    raises DocumentRefused (NotJSON)
    json_problem(data, limits=REQUEST) -> Problem | None           the depth check alone
    value_problem(value, limits=REQUEST) -> Problem | None         for data already in Python

A refusal is a ``DocumentRefused`` (a ``RequestInvalid``, answered 422 by the API) whose
``problems`` say where (file, line, column, JSON pointer), what ("aliases are not allowed",
"nested deeper than 64 levels") and what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import orjson
import yaml

from officeflow.errors import Problem, RequestInvalid
from officeflow.jsonutil import json_pointer

try:
    from yaml._yaml import CParser as _CParser
except ImportError:  # PyYAML built without libyaml  # pragma: no cover
    _CParser = None  # type: ignore[assignment,misc]

MiB = 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class Limits:
    """What a document may be: its size, how deeply it nests, how many values it holds."""

    max_bytes: int = MiB
    max_depth: int = 64
    max_nodes: int = 100_000
    """values (scalars, lists, mappings) after aliases are expanded"""
    aliases: bool = False
    """allow YAML anchors and aliases (each alias counts as the whole value it repeats)"""


DEFINITION = Limits()
"""Workflow definitions, decision tables, forms, sources and triggers files: no aliases."""
REQUEST = Limits(max_bytes=20 * MiB, max_nodes=1_000_000)
"""JSON bodies and fields: the size is the caller's (the API's body limit); the depth is capped."""


class DocumentRefused(RequestInvalid):
    """The document exceeds what officeflow reads from users."""

    def reason(self) -> str:
        """One line: where and what (and what was expected)."""
        return str(self.problems[0]) if self.problems else self.message


class NotJSON(DocumentRefused):
    """The text is not JSON."""

    def reason(self) -> str:
        return self.message.splitlines()[0]


class NotYAML(DocumentRefused):
    """The text is not YAML (or uses a tag that is not plain data)."""


def load_yaml(text: str, file: str | None = None, limits: Limits = DEFINITION) -> Any:
    """The data of one YAML document within ``limits`` (safe tags only: no Python objects)."""
    node = compose_yaml(text, file, limits)
    return None if node is None else construct_yaml(node, file)


def compose_yaml(text: str, file: str | None = None, limits: Limits = DEFINITION) -> yaml.Node | None:
    """The node tree (with positions) of one YAML document within ``limits``; None when empty."""
    _check_size(len(text.encode("utf-8", "surrogatepass")), file, limits)
    try:
        _check_yaml_events(text, file, limits)
        loader = yaml.SafeLoader(text)
        try:
            return loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, file) from None


def construct_yaml(node: yaml.Node, file: str | None = None) -> Any:
    """The data of a node tree from ``compose_yaml`` (YAML's safe tags: no Python objects)."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _not_yaml(exc, file) from None
    finally:
        loader.dispose()


def _not_yaml(exc: yaml.YAMLError, file: str | None) -> NotYAML:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        message = f"YAML syntax error: {exc.problem or exc}"
        line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
    else:
        message, line, column = f"YAML error: {exc}", None, None
    problem = Problem(file=file, line=line, column=column, message=message)
    return NotYAML([problem], f"{file or 'the document'}: {message}")


def load_json(data: str | bytes, what: str = "the document", limits: Limits = REQUEST) -> Any:
    """The value of a JSON text within ``limits``; a syntax error is a ``DocumentRefused`` too."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    _check_size(len(raw), what, limits)
    problem = json_problem(raw, limits)
    if problem is not None:
        raise DocumentRefused([_named(problem, what)], f"{what} is refused: {problem.message}")
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        line, column = exc.lineno, exc.colno
        problem = Problem(file=what, line=line, column=column, message=f"not JSON: {exc.msg}", expected="JSON")
        raise NotJSON([problem], f"{what} is not JSON: {exc.msg}") from None


_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.S)
_OPEN = frozenset(b"[{")


def json_problem(data: bytes, limits: Limits = REQUEST) -> Problem | None:
    """A problem when the JSON text ``data`` nests deeper than ``limits.max_depth`` (not a full
    parse: text that is not JSON passes, for the parser to refuse)."""
    if data.count(b"[") + data.count(b"{") <= limits.max_depth:
        return None
    depth = 0
    for match in _JSON_TOKENS.finditer(data):
        token = match.group()
        if token[0] in _OPEN:
            depth += 1
            if depth > limits.max_depth:
                offset = match.start()
                line = data.count(b"\n", 0, offset) + 1
                column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
                return _too_deep(limits, line=line, column=column, pointer="/")
        elif token[0] != 0x22:  # a closing bracket (not a string)
            depth -= 1
    return None


def value_problem(value: Any, limits: Limits = REQUEST) -> Problem | None:
    """A problem when Python data (JSON-like: dicts, lists, scalars) nests deeper than
    ``limits.max_depth`` or holds more than ``limits.max_nodes`` values; walks without recursion."""
    stack: list[tuple[Any, int, tuple[str, ...]]] = [(value, 0, ())]
    nodes = 0
    while stack:
        item, depth, path = stack.pop()
        nodes += 1
        if nodes > limits.max_nodes:
            return _too_many(limits, pointer=_pointer(path))
        if isinstance(item, dict | list | tuple):
            if depth + 1 > limits.max_depth:
                return _too_deep(limits, pointer=_pointer(path))
            children = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, depth + 1, (*path, str(key))) for key, child in children)
    return None


def _pointer(path: tuple[str, ...]) -> str:
    return json_pointer(path)


def _named(problem: Problem, what: str) -> Problem:
    return Problem(
        file=what,
        line=problem.line,
        column=problem.column,
        pointer=problem.pointer,
        message=problem.message,
        expected=problem.expected,
    )


def _check_size(size: int, file: str | None, limits: Limits) -> None:
    if size > limits.max_bytes:
        message = f"the document is {size:,} bytes"
        problem = Problem(file=file, line=1, message=message, expected=f"at most {limits.max_bytes:,} bytes")
        raise DocumentRefused([problem], f"{file or 'the document'} is refused: {message}")


def _too_deep(limits: Limits, **where: Any) -> Problem:
    return Problem(
        message=f"nested deeper than {limits.max_depth} levels",
        expected=f"at most {limits.max_depth} levels of nested lists and mappings",
        **where,
    )


def _too_many(limits: Limits, **where: Any) -> Problem:
    return Problem(
        message=f"more than {limits.max_nodes:,} values" + (" once its aliases are expanded" if limits.aliases else ""),
        expected=f"at most {limits.max_nodes:,} values",
        **where,
    )


@dataclass
class _Frame:
    anchor: str | None
    nodes: int = 1
    height: int = 1


def _check_yaml_events(text: str, file: str | None, limits: Limits) -> None:
    """Refuse what exceeds ``limits``, reading libyaml's events when PyYAML has it (fast), else
    (or when libyaml stops on an error PyYAML may not share) PyYAML's own."""
    if _CParser is not None:
        try:
            _check_events(_events(_CParser(text)), file, limits)
            return
        except yaml.MarkedYAMLError as exc:
            if "maximum nesting depth" in str(exc.problem) and exc.problem_mark is not None:
                mark = exc.problem_mark  # libyaml stops at 1,000 levels: deeper than any limit here
                problem = _too_deep(limits, file=file, line=mark.line + 1, column=mark.column + 1)
                raise DocumentRefused([problem], f"{file or 'the document'} is refused: {problem.message}") from None
    _check_events(_events(yaml.SafeLoader(text)), file, limits)


def _check_events(events: Iterator[yaml.Event], file: str | None, limits: Limits) -> None:
    """Walk the parser's events (no recursion, nothing built) and refuse what exceeds ``limits``."""
    stack: list[_Frame] = []
    anchors: dict[str, tuple[int, int]] = {}  # anchor -> (values, height) of the value it names
    open_anchors: set[str] = set()
    total = 0

    def refuse(event: yaml.Event, problem: Problem) -> NoReturn:
        mark = event.start_mark
        placed = Problem(
            file=file,
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
            message=problem.message,
            expected=problem.expected,
        )
        raise DocumentRefused([placed], f"{file or 'the document'} is refused: {problem.message}")

    def add(event: yaml.Event, nodes: int, height: int, *, new: int) -> None:
        """A value of ``nodes`` values and ``height`` levels ends here (``new`` of them not counted yet)."""
        nonlocal total
        total += new
        if total > limits.max_nodes:
            refuse(event, _too_many(limits))
        if len(stack) + height > limits.max_depth:
            refuse(event, _too_deep(limits))
        if stack:
            parent = stack[-1]
            parent.nodes += nodes
            parent.height = max(parent.height, height + 1)

    for event in events:
        anchor = getattr(event, "anchor", None)
        if anchor is not None and not limits.aliases and not isinstance(event, yaml.AliasEvent):
            refuse(event, _no_aliases(f"anchor &{anchor}"))
        if isinstance(event, yaml.AliasEvent):
            if not limits.aliases:
                refuse(event, _no_aliases(f"alias *{anchor}"))
            if anchor in open_anchors or anchor not in anchors:
                refuse(event, Problem(message=f"alias *{anchor} names no complete value", expected="&anchor before"))
            nodes, height = anchors[anchor]
            add(event, nodes, height, new=nodes)
        elif isinstance(event, yaml.ScalarEvent):
            add(event, 1, 0, new=1)
            if anchor is not None:
                anchors[anchor] = (1, 0)
        elif isinstance(event, yaml.CollectionStartEvent):
            if len(stack) + 1 > limits.max_depth:
                refuse(event, _too_deep(limits))
            stack.append(_Frame(anchor))
            if anchor is not None:
                open_anchors.add(anchor)
        elif isinstance(event, yaml.CollectionEndEvent):
            frame = stack.pop()
            add(event, frame.nodes, frame.height, new=1)
            if frame.anchor is not None:
                open_anchors.discard(frame.anchor)
                anchors[frame.anchor] = (frame.nodes, frame.height)


def _events(parser: Any) -> Iterator[yaml.Event]:
    try:
        while parser.check_event():
            yield parser.get_event()
    finally:
        parser.dispose()


def _no_aliases(what: str) -> Problem:
    return Problem(
        message=f"YAML anchors and aliases are not allowed ({what})",
        expected="plain YAML: write the value out where it is needed",
    )
