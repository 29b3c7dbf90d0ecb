"""Compiling the texts of a model (FEEL or CEL) and collecting every problem with its place.

One :class:`Build` compiles a whole model. A text that does not parse or names something
unknown adds a :class:`~officeflow.errors.Problem` (file, line, the element, the reason) and
compiles to a stand-in, so one load reports every problem at once; the model is refused when any
problem was found. Parsed unary tests are kept by text for the static checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from officeflow.errors import Problem
from officeflow.rules import feel_ast as ast
from officeflow.rules.cel_cells import compile_cel
from officeflow.rules.errors import problem
from officeflow.rules.feel_compile import CompileError, Compiler, Evaluator, Matcher
from officeflow.rules.feel_parser import FeelSyntaxError, parse_expression, parse_unary_tests
from officeflow.rules.feel_types import NamedTypes
from officeflow.rules.model import CEL, FEEL, Text

TRACE = "\x00trace"
"""The scope key under which an evaluation's recorder travels (no FEEL name can spell it)."""


def _null(scope: dict[str, Any]) -> Any:
    return None


class Build:
    """The compilation of one model's texts."""

    def __init__(self, file: str | None, members: Iterable[str] = (), *, free: set[str] | None = None) -> None:
        self.file = file
        self.members = set(members)
        self.free = free
        self.problems: list[Problem] = []
        self.dynamic = 0
        """Above 0 while compiling a boxed filter's match: names resolve when evaluated."""
        self.named_types: NamedTypes | None = None
        """The model's item definitions for ``instance of`` (set once its types are known)."""
        self.unary: dict[int, ast.UnaryTests] = {}
        """Parsed unary tests by ``id()`` of their :class:`Text` (for the static checks)."""

    def fail(self, message: str, *, where: str, line: int | None, expected: str | None = None) -> None:
        self.problems.append(problem(message, file=self.file, line=line, where=where, expected=expected))

    def compiler(self, names: Iterable[str]) -> Compiler:
        return Compiler(names, free=self.free, named_types=self.named_types, dynamic=self.dynamic > 0)

    def expression(self, text: Text, names: Iterable[str], where: str, used: set[str]) -> Evaluator:
        names = set(names)
        if text.language == CEL:
            try:
                run, reads = compile_cel(text.text, names)
            except CompileError as exc:
                self.fail(exc.reason, where=where, line=text.line)
                return _null
            used |= reads
            return run
        if text.language != FEEL:
            self.fail(
                f"expression language {text.language!r} is not supported",
                where=where,
                line=text.line,
                expected="FEEL or CEL",
            )
            return _null
        if not text.text.strip():
            return _null
        try:
            node = parse_expression(text.text, names, self.members)
            compiler = self.compiler(names)
            evaluator = compiler.expression(node)
        except FeelSyntaxError as exc:
            self.fail(f"cannot parse `{text.text}`: {exc.reason} (column {exc.column})", where=where, line=text.line)
            return _null
        except CompileError as exc:
            self.fail(f"`{text.text}`: {exc.reason}", where=where, line=text.line)
            return _null
        used |= compiler.used
        return evaluator

    def tests(self, text: Text, names: Iterable[str], where: str, used: set[str]) -> Matcher | None:
        """A cell's matcher; None when the cell is ``-`` (or empty)."""
        names = set(names)
        if text.language == CEL:
            try:
                run, reads = compile_cel(text.text, names)
            except CompileError as exc:
                self.fail(exc.reason, where=where, line=text.line)
                return None
            used |= reads
            return lambda x, s: run(s) is True
        if text.language != FEEL:
            self.fail(
                f"expression language {text.language!r} is not supported",
                where=where,
                line=text.line,
                expected="FEEL or CEL",
            )
            return None
        try:
            node = parse_unary_tests(text.text, names, self.members)
            compiler = self.compiler(names)
            matcher = compiler.matcher(node)
        except FeelSyntaxError as exc:
            self.fail(f"cannot parse `{text.text}`: {exc.reason} (column {exc.column})", where=where, line=text.line)
            return None
        except CompileError as exc:
            self.fail(f"`{text.text}`: {exc.reason}", where=where, line=text.line)
            return None
        used |= compiler.used
        self.unary[id(text)] = node
        return matcher

    def literal_values(self, text: Text, where: str) -> list[Any] | None:
        """The values of a list of literals (``"a", "b"``), as output value lists are; None otherwise."""
        if text.language != FEEL:
            return None
        try:
            node = parse_unary_tests(text.text)
        except FeelSyntaxError as exc:
            self.fail(f"cannot parse `{text.text}`: {exc.reason} (column {exc.column})", where=where, line=text.line)
            return None
        if node.any or node.negated:
            return None
        found: list[Any] = []
        for test in node.tests:
            if not (isinstance(test, ast.ExprTest) and isinstance(test.expr, ast.Literal)):
                return None
            found.append(test.expr.value)
        return found
