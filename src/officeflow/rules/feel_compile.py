"""FEEL syntax trees compiled into Python closures, once, when a model is loaded.

An expression becomes ``f(scope) -> value`` and a cell's unary tests ``m(value, scope) -> bool``
(True only when the cell matches). Names are resolved here: a name that is not in scope and not a
built-in function is refused (:class:`CompileError`), so nothing about names can fail at run time.
Common cells (a literal, a comparison or a range with literal ends, a list of literals) get
closures that do one type check and one comparison; the rest go through the generic operations
of :mod:`values`, which carry FEEL's null and decimal semantics.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from officeflow.rules import feel_ast as ast
from officeflow.rules import values as v
from officeflow.rules.feel_builtins import BUILTINS
from officeflow.rules.feel_types import NamedTypes, UnknownTypeError, member_of, type_check

Scope = dict[str, Any]
Evaluator = Callable[[Scope], Any]
Ternary = Callable[[Any, Scope], "bool | None"]
Matcher = Callable[[Any, Scope], bool]

_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": v.add,
    "-": v.subtract,
    "*": v.multiply,
    "/": v.divide,
    "**": v.power,
    "=": v.equal,
    "!=": v.not_equal,
    "<": v.less,
    "<=": v.less_equal,
    ">": v.greater,
    ">=": v.greater_equal,
}
_FAST_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERED_PLAIN = (Decimal, str, date, timedelta, v.YearMonths)


class CompileError(ValueError):
    """An expression that parses but cannot be compiled (an unknown name, an unsupported form)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Compiler:
    """Compiles the expressions of one scope.

    ``variables`` are the names the scope provides; ``free`` (when given) collects names that are
    not known instead of refusing them (a table whose inputs are the caller's variables, as
    Camunda's tables without input data are).
    """

    def __init__(
        self,
        variables: Iterable[str],
        *,
        free: set[str] | None = None,
        functions: Mapping[str, v.Function] = BUILTINS,
        named_types: NamedTypes | None = None,
        dynamic: bool = False,
    ) -> None:
        self.variables = set(variables)
        self.named_types = named_types
        self.free = free
        self.functions = functions
        self._local: list[set[str]] = []
        self._dynamic = 1 if dynamic else 0
        """Above 0 where names are looked up when evaluated (inside a filter, whose items'
        entries are names known only then)."""
        self.used: set[str] = set()
        """The scope's names the compiled expressions read (not local names, not functions)."""

    # --- names ---------------------------------------------------------------------------------

    def _in_scope(self, name: str) -> bool:
        return name in self.variables or any(name in scope for scope in self._local)

    def _name(self, name: str) -> Evaluator:
        if name == "?" or self._in_scope(name):
            if name in self.variables and not any(name in scope for scope in self._local):
                self.used.add(name)
            return lambda s: s.get(name)
        function = self.functions.get(name)
        if function is not None:
            return lambda s: function
        if self._dynamic:
            return lambda s: s.get(name)
        if self.free is not None:
            self.free.add(name)
            self.used.add(name)
            return lambda s: s.get(name)
        raise CompileError(f"unknown name '{name}'")

    # --- expressions ---------------------------------------------------------------------------

    def expression(self, node: ast.Node) -> Evaluator:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise CompileError(f"{type(node).__name__} is not supported here")
        result: Evaluator = method(node)
        return result

    def _Literal(self, node: ast.Literal) -> Evaluator:
        value = node.value
        return lambda s: value

    def _Name(self, node: ast.Name) -> Evaluator:
        return self._name(node.name)

    def _Path(self, node: ast.Path) -> Evaluator:
        base = self.expression(node.base)
        member = node.member
        return lambda s: member_of(base(s), member)

    def _Filter(self, node: ast.Filter) -> Evaluator:
        base = self.expression(node.base)
        cond = node.condition
        if isinstance(cond, ast.Literal) and type(cond.value) is Decimal:
            index = cond.value
            return lambda s: _index(base(s), index)
        self._local.append({"item"})
        self._dynamic += 1
        try:
            test = self.expression(cond)
        finally:
            self._dynamic -= 1
            self._local.pop()

        def run(s: Scope) -> Any:
            items = base(s)
            if items is None:
                return None
            if type(items) is not list:
                items = [items]
            out = []
            for item in items:
                inner = {**s, "item": item}
                if type(item) is dict:
                    inner.update(item)
                result = test(inner)
                if type(result) is Decimal:
                    return _index(items, result)
                if result is True:
                    out.append(item)
            return out

        return run

    def _Call(self, node: ast.Call) -> Evaluator:
        fn = node.function
        if node.named is not None:
            named = [(key, self.expression(value)) for key, value in node.named]
            target = self.expression(fn)

            def call_named(s: Scope) -> Any:
                function = target(s)
                if type(function) is not v.Function:
                    return None
                return function.invoke((), {key: f(s) for key, f in named})

            return call_named
        args = [self.expression(a) for a in node.args]
        if isinstance(fn, ast.Name) and not self._in_scope(fn.name) and fn.name in self.functions:
            direct = self.functions[fn.name].call
            if len(args) == 1:
                only = args[0]
                return lambda s: direct([only(s)])
            return lambda s: direct([a(s) for a in args])
        unknown = isinstance(fn, ast.Name) and not self._in_scope(fn.name) and fn.name not in self.functions
        if unknown and not self._dynamic:
            raise CompileError(f"unknown function '{getattr(fn, 'name', '')}'")
        target = self.expression(fn)

        def call(s: Scope) -> Any:
            function = target(s)
            if type(function) is not v.Function:
                return None
            return function.invoke([a(s) for a in args])

        return call

    def _Negate(self, node: ast.Negate) -> Evaluator:
        operand = self.expression(node.operand)
        return lambda s: v.negate(operand(s))

    def _Binary(self, node: ast.Binary) -> Evaluator:
        left = self.expression(node.left)
        right = self.expression(node.right)
        if node.op == "and":

            def conj(s: Scope) -> Any:
                a = left(s)
                if a is False:
                    return False
                return v.logical_and(a, right(s))

            return conj
        if node.op == "or":

            def disj(s: Scope) -> Any:
                a = left(s)
                if a is True:
                    return True
                return v.logical_or(a, right(s))

            return disj
        op = _BINARY[node.op]
        return lambda s: op(left(s), right(s))

    def _Between(self, node: ast.Between) -> Evaluator:
        value, low, high = (self.expression(n) for n in (node.value, node.low, node.high))

        def between(s: Scope) -> Any:
            x = value(s)
            return v.logical_and(v.greater_equal(x, low(s)), v.less_equal(x, high(s)))

        return between

    def _In(self, node: ast.In) -> Evaluator:
        value = self.expression(node.value)
        test = self.ternary_tests(node.tests)
        return lambda s: test(value(s), s)

    def _If(self, node: ast.If) -> Evaluator:
        cond, then, otherwise = (self.expression(n) for n in (node.condition, node.then, node.otherwise))
        return lambda s: then(s) if cond(s) is True else otherwise(s)

    def _iterations(self, iterations: Sequence[ast.Iteration]) -> list[tuple[str, Evaluator, Evaluator | None]]:
        compiled: list[tuple[str, Evaluator, Evaluator | None]] = []
        scope: set[str] = set()
        self._local.append(scope)
        for it in iterations:
            source = self.expression(it.source)
            upto = self.expression(it.upto) if it.upto is not None else None
            compiled.append((it.name, source, upto))
            scope.add(it.name)
        return compiled

    def _For(self, node: ast.For) -> Evaluator:
        iterations = self._iterations(node.iterations)
        try:
            body = self.expression(node.body)
        finally:
            self._local.pop()

        def run(s: Scope) -> Any:
            out: list[Any] = []
            try:
                scopes = _bindings(iterations, s)
            except RangeTooLong:
                return None
            for inner in scopes:
                inner["partial"] = out
                out.append(body(inner))
            return out

        return run

    def _Quantified(self, node: ast.Quantified) -> Evaluator:
        iterations = self._iterations(node.iterations)
        try:
            cond = self.expression(node.condition)
        finally:
            self._local.pop()
        every = node.every

        def run(s: Scope) -> Any:
            try:
                results = [cond(inner) for inner in _bindings(iterations, s)]
            except RangeTooLong:
                return None
            if every:
                return (
                    False if any(r is False for r in results) else (True if all(r is True for r in results) else None)
                )
            return True if any(r is True for r in results) else (False if all(r is False for r in results) else None)

        return run

    def _ListNode(self, node: ast.ListNode) -> Evaluator:
        items = [self.expression(i) for i in node.items]
        return lambda s: [i(s) for i in items]

    def _ContextNode(self, node: ast.ContextNode) -> Evaluator:
        scope: set[str] = set()
        self._local.append(scope)
        entries: list[tuple[str, Evaluator]] = []
        try:
            for key, value in node.entries:
                entries.append((key, self.expression(value)))
                scope.add(key)
        finally:
            self._local.pop()

        def run(s: Scope) -> Any:
            inner = dict(s)
            out: dict[str, Any] = {}
            for key, f in entries:
                out[key] = inner[key] = f(inner)
            return out

        return run

    def _RangeNode(self, node: ast.RangeNode) -> Evaluator:
        low = self.expression(node.low) if node.low is not None else None
        high = self.expression(node.high) if node.high is not None else None
        lc, hc = node.low_closed, node.high_closed
        return lambda s: v.Range(low(s) if low else None, lc, high(s) if high else None, hc)

    def _FunctionNode(self, node: ast.FunctionNode) -> Evaluator:
        params = node.parameters
        self._local.append(set(params))
        try:
            body = self.expression(node.body)
        finally:
            self._local.pop()

        def make(s: Scope) -> Any:
            def call(args: Sequence[Any]) -> Any:
                return body({**s, **dict(zip(params, args, strict=False))})

            return v.Function("function", params, call)

        return make

    def _InstanceOf(self, node: ast.InstanceOf) -> Evaluator:
        value = self.expression(node.value)
        try:
            conforms = type_check(node.type_ref, self.named_types)
        except UnknownTypeError as exc:
            raise CompileError(str(exc)) from None
        return lambda s: conforms(value(s))

    # --- unary tests ---------------------------------------------------------------------------

    def ternary(self, test: ast.Node) -> Ternary:
        """One positive unary test: True, False or None (null) for an input value."""
        if isinstance(test, ast.CompareTest):
            operand = self.expression(test.operand)
            op = _BINARY[test.op]
            return lambda x, s: op(x, operand(s))
        if isinstance(test, ast.RangeTest):
            make = self.expression(test.range)
            return lambda x, s: make(s).contains(x)
        if isinstance(test, ast.ExprTest):
            if test.uses_input:
                expr = self.expression(test.expr)

                def with_input(x: Any, s: Scope) -> bool | None:
                    result = expr({**s, "?": x})
                    return result if type(result) is bool else None

                return with_input
            expr = self.expression(test.expr)
            return lambda x, s: expression_test(x, expr(s))
        raise CompileError(f"{type(test).__name__} is not a unary test")

    def ternary_tests(self, tests: ast.UnaryTests) -> Ternary:
        parts = [self.ternary(t) for t in tests.tests]
        negated = tests.negated
        if tests.any:
            return lambda x, s: True

        def run(x: Any, s: Scope) -> bool | None:
            results = [p(x, s) for p in parts]
            result: bool | None = True if True in results else (False if all(r is False for r in results) else None)
            return v.logical_not(result) if negated else result

        return run

    def matcher(self, tests: ast.UnaryTests) -> Matcher | None:
        """A cell's test: True when it matches; None for ``-`` (matches anything)."""
        if tests.any:
            return None
        if tests.negated:
            parts = [self.ternary(t) for t in tests.tests]
            return lambda x, s: all(p(x, s) is False for p in parts)
        fast = _literal_set(tests.tests)
        if fast is not None:
            return fast
        matchers = [self._positive_matcher(t) for t in tests.tests]
        if len(matchers) == 1:
            return matchers[0]
        return lambda x, s: any(m(x, s) for m in matchers)

    def _positive_matcher(self, test: ast.Node) -> Matcher:
        if isinstance(test, ast.CompareTest) and isinstance(test.operand, ast.Literal):
            fast = _literal_compare(test.op, test.operand.value)
            if fast is not None:
                return fast
        if isinstance(test, ast.RangeTest):
            r = test.range
            if isinstance(r.low, ast.Literal) and isinstance(r.high, ast.Literal):
                fast = _literal_range(r.low.value, r.low_closed, r.high.value, r.high_closed)
                if fast is not None:
                    return fast
        if isinstance(test, ast.ExprTest) and isinstance(test.expr, ast.Literal):
            fast = _literal_set((test,))
            if fast is not None:
                return fast
        ternary = self.ternary(test)
        return lambda x, s: ternary(x, s) is True


def expression_test(x: Any, value: Any) -> bool | None:
    """An expression used as a unary test, without ``?``: the input equals the value, or is in
    the list or range the value is."""
    same = v.equal(x, value)
    if same is True:
        return True
    kind = type(value)
    if kind is list:
        return any(v.equal(x, item) is True for item in value)
    if kind is v.Range:
        result: bool | None = value.contains(x)
        return result
    if kind is bool and type(x) is not bool and x is not None:
        return bool(value)
    return same


def _literal_set(tests: Sequence[ast.Node]) -> Matcher | None:
    """``"a", "b"`` or ``5`` or ``true``: literals of one plain kind, matched by set membership."""
    literals = [t.expr.value for t in tests if isinstance(t, ast.ExprTest) and isinstance(t.expr, ast.Literal)]
    if len(literals) != len(tests) or not literals:
        return None
    kinds = {type(x) for x in literals}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind is bool:
        wanted = literals[0]
        if len(set(literals)) == 1:
            return lambda x, s: x is wanted
        return lambda x, s: type(x) is bool
    if literals == [None]:
        return lambda x, s: x is None
    if kind in (Decimal, str, date):
        if len(literals) == 1:
            only = literals[0]
            return lambda x, s: type(x) is kind and x == only
        members = frozenset(literals)
        return lambda x, s: type(x) is kind and x in members
    return None


def _literal_compare(op: str, c: Any) -> Matcher | None:
    kind = type(c)
    if kind not in _ORDERED_PLAIN:
        return None
    if op in ("=", "!="):
        if op == "=":
            return lambda x, s: type(x) is kind and x == c
        return lambda x, s: type(x) is kind and x != c
    fn = _FAST_COMPARE[op]
    return lambda x, s: type(x) is kind and fn(x, c)


def _literal_range(low: Any, lc: bool, high: Any, hc: bool) -> Matcher | None:
    kind = type(low)
    if kind not in _ORDERED_PLAIN or type(high) is not kind:
        return None
    if lc and hc:
        return lambda x, s: type(x) is kind and low <= x <= high
    if lc:
        return lambda x, s: type(x) is kind and low <= x < high
    if hc:
        return lambda x, s: type(x) is kind and low < x <= high
    return lambda x, s: type(x) is kind and low < x < high


def _bindings(iterations: list[tuple[str, Evaluator, Evaluator | None]], s: Scope) -> list[Scope]:
    scopes = [dict(s)]
    for name, source, upto in iterations:
        expanded: list[Scope] = []
        for inner in scopes:
            for item in _iterate(source(inner), upto(inner) if upto else None, upto is not None):
                expanded.append({**inner, name: item})
        scopes = expanded
    return scopes


MAX_RANGE_ITEMS = 1_000_000
"""The longest numeric range ``for i in a..b`` walks; a longer one makes the expression null
rather than exhaust the process."""


class RangeTooLong(Exception):
    """A ``for``/``some``/``every`` over ``a..b`` with more than :data:`MAX_RANGE_ITEMS` numbers."""


def _iterate(first: Any, last: Any, is_range: bool) -> list[Any]:
    if is_range:
        if type(first) is not Decimal or type(last) is not Decimal:
            return []
        if abs(last - first) >= MAX_RANGE_ITEMS:
            raise RangeTooLong
        step = 1 if last >= first else -1
        return [Decimal(i) for i in range(int(first), int(last) + step, step)]
    if type(first) is list:
        return first
    if first is None:
        return []
    return [first]


def _index(items: Any, index: Decimal) -> Any:
    if type(items) is not list:
        items = [items]
    if index == 0 or index != index.to_integral_value():
        return None
    position = int(index)
    position = position - 1 if position > 0 else len(items) + position
    return items[position] if 0 <= position < len(items) else None
