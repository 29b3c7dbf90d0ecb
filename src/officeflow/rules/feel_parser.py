"""A recursive-descent parser for FEEL expressions and unary tests.

FEEL names may contain spaces and some punctuation (``Monthly Salary``, ``date and time``). The
lexer cannot know where such a name ends from the text alone, so the parser is given the names
in scope (and the member names of the model's types) and, at each name, takes the longest known
name that the text spells there; failing that, one plain word. Precedence, lowest first:
``if``/``for``/``some``/``every``, ``or``, ``and``, comparison (``= != < <= > >=``, ``between``,
``in``, ``instance of``), ``+ -``, ``* /``, ``**``, unary ``-``, then postfix ``.member``,
``[filter]`` and ``(arguments)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal

from officeflow.rules import feel_ast as ast
from officeflow.rules.feel_lexer import _TWO_WORD_MEMBERS, FeelSyntaxError, Lexer, Token, _unescape
from officeflow.rules.temporal import parse_temporal
from officeflow.rules.values import DECIMAL

_TYPE_PHRASES = ("years and months duration", "days and time duration", "date and time")
"""Type names of several words, some with a keyword in them (longest first)."""


class Parser(Lexer):
    """Parses one FEEL text; create one per text."""

    def end(self) -> None:
        token = self.peek()
        if token.kind == "eof":
            return
        if token.kind in ("name", "kw") and self._last_name is not None:
            start, end = self._last_name
            if not self.text[end : token.start].strip():
                stop = re.search(r"[()\[\]{},:+\-*/<>=!]|$", self.text[start:])
                words = self.text[start : start + (stop.start() if stop else 0)].strip()
                raise FeelSyntaxError(f"unknown name '{words}'", start + 1)
        raise FeelSyntaxError(f"unexpected {token.text!r} after a complete expression", token.start + 1)

    # --- entry points --------------------------------------------------------------------------

    def parse_expression(self) -> ast.Node:
        node = self.expression()
        self.end()
        return node

    def parse_unary_tests(self) -> ast.UnaryTests:
        if self.text.strip() in ("-", ""):
            return ast.UnaryTests((), any=True)
        if self.at("name", "not"):
            save = self.pos
            self.next()
            if self.accept("op", "("):
                tests = self.positive_tests()
                self.expect("op", ")", "')' closing not(")
                if self.at("eof"):
                    return ast.UnaryTests(tests, negated=True)
            self.pos = save
        tests = self.positive_tests()
        self.end()
        return ast.UnaryTests(tests)

    # --- unary tests ---------------------------------------------------------------------------

    def positive_tests(self) -> tuple[ast.Node, ...]:
        tests = [self.positive_test()]
        while self.accept("op", ","):
            tests.append(self.positive_test())
        return tuple(tests)

    def positive_test(self) -> ast.Node:
        token = self.peek()
        if token.kind == "op" and token.text in ("<", "<=", ">", ">=", "=", "!="):
            self.next()
            return ast.CompareTest(token.text, self.additive())
        expr = self.expression()
        if isinstance(expr, ast.RangeNode):
            return ast.RangeTest(expr)
        return ast.ExprTest(expr, ast.uses_input(expr))

    # --- expressions ---------------------------------------------------------------------------

    def expression(self) -> ast.Node:
        token = self.peek()
        if token.kind == "kw":
            if token.text == "if":
                self.next()
                condition = self.expression()
                self.expect("kw", "then")
                then = self.expression()
                self.expect("kw", "else")
                return ast.If(condition, then, self.expression())
            if token.text == "for":
                self.next()
                iterations = self.iterations()
                self.expect("kw", "return")
                body = self.expression()
                self._scopes.pop()
                return ast.For(iterations, body)
            if token.text in ("some", "every"):
                self.next()
                iterations = self.iterations()
                self.expect("kw", "satisfies")
                condition = self.expression()
                self._scopes.pop()
                return ast.Quantified(token.text == "every", iterations, condition)
        return self.disjunction()

    def iterations(self) -> tuple[ast.Iteration, ...]:
        found: list[ast.Iteration] = []
        scope: set[str] = set()
        self._scopes.append(scope)
        while True:
            name = self.next()
            if name.kind != "name":
                raise FeelSyntaxError(f"expected a variable name, found {name.text!r}", name.start + 1)
            self.expect("kw", "in")
            source = self.expression()
            upto = self.additive() if self.accept("op", "..") else None
            found.append(ast.Iteration(name.text, source, upto))
            scope.add(name.text)
            if not self.accept("op", ","):
                return tuple(found)

    def disjunction(self) -> ast.Node:
        node = self.conjunction()
        while self.accept("kw", "or"):
            node = ast.Binary("or", node, self.conjunction())
        return node

    def conjunction(self) -> ast.Node:
        node = self.comparison()
        while self.accept("kw", "and"):
            node = ast.Binary("and", node, self.comparison())
        return node

    def comparison(self) -> ast.Node:
        node = self.additive()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in ("=", "!=", "<", "<=", ">", ">="):
                self.next()
                node = ast.Binary(token.text, node, self.additive())
            elif token.kind == "kw" and token.text == "between":
                self.next()
                low = self.additive()
                self.expect("kw", "and", "'and' in between")
                node = ast.Between(node, low, self.additive())
            elif token.kind == "kw" and token.text == "in":
                self.next()
                if self.at("op", "("):
                    save = self.pos
                    self.next()
                    tests = self.positive_tests()
                    if self.accept("op", ")") and len(tests) > 1:
                        node = ast.In(node, ast.UnaryTests(tests))
                        continue
                    self.pos = save
                node = ast.In(node, ast.UnaryTests((self.positive_test(),)))
            elif token.kind == "kw" and token.text == "instance":
                self.next()
                self.expect("kw", "of")
                node = ast.InstanceOf(node, self.type_ref())
            else:
                return node

    def type_ref(self) -> ast.TypeRef:
        """A type after ``instance of``: a name, ``list<T>``, ``range<T>``, ``context<k: T, ...>``
        or ``function<T, ...>->T``."""
        start = self._skip(self.pos)
        phrase = self._known(start, list(_TYPE_PHRASES))
        if phrase is not None:
            self.pos = start + len(phrase)
            return ast.TypeRef(phrase)
        token = self.next()
        if token.kind not in ("name", "kw"):
            raise FeelSyntaxError(f"expected a type, found {token.text or 'the end'!r}", token.start + 1)
        name = token.text
        if name not in ("list", "range", "context", "function") or not self.accept("op", "<"):
            return ast.TypeRef(name)
        if name in ("list", "range"):
            item = self.type_ref()
            self.expect("op", ">", f"'>' closing {name}<...>")
            return ast.TypeRef(name, items=(item,))
        if name == "context":
            fields: list[tuple[str, ast.TypeRef]] = []
            while not fields or self.accept("op", ","):
                key = self.next(member=True)
                if key.kind not in ("name", "str"):
                    raise FeelSyntaxError(f"expected an entry name, found {key.text or 'the end'!r}", key.start + 1)
                self.expect("op", ":", "':' after a context entry name")
                fields.append((key.text, self.type_ref()))
            self.expect("op", ">", "'>' closing context<...>")
            return ast.TypeRef(name, fields=tuple(fields))
        parameters: list[ast.TypeRef] = []
        while not self.at("op", ">") and (not parameters or self.accept("op", ",")):
            parameters.append(self.type_ref())
        self.expect("op", ">", "'>' closing function<...>")
        self.expect("op", "-", "'->' and the result type of function<...>")
        self.expect("op", ">", "'->' and the result type of function<...>")
        return ast.TypeRef(name, items=tuple(parameters), result=self.type_ref())

    def additive(self) -> ast.Node:
        node = self.multiplicative()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in ("+", "-"):
                self.next()
                node = ast.Binary(token.text, node, self.multiplicative())
            else:
                return node

    def multiplicative(self) -> ast.Node:
        node = self.exponent()
        while True:
            token = self.peek()
            if token.kind == "op" and token.text in ("*", "/"):
                self.next()
                node = ast.Binary(token.text, node, self.exponent())
            else:
                return node

    def exponent(self) -> ast.Node:
        node = self.unary()
        while self.accept("op", "**"):
            node = ast.Binary("**", node, self.unary())
        return node

    def unary(self) -> ast.Node:
        if self.accept("op", "-"):
            operand = self.unary()
            if isinstance(operand, ast.Literal) and type(operand.value) is Decimal:
                return ast.Literal(DECIMAL.minus(operand.value))
            return ast.Negate(operand)
        return self.postfix()

    def postfix(self) -> ast.Node:
        node = self.primary()
        while True:
            if self.accept("op", "."):
                token = self.next(member=True)
                if token.kind != "name":
                    raise FeelSyntaxError(f"expected a member name after '.', found {token.text!r}", token.start + 1)
                member = token.text
                second = _TWO_WORD_MEMBERS.get(member)
                if second is not None and self._word_at(second):
                    self.next(member=True)
                    member = f"{member} {second}"
                node = ast.Path(node, member)
            elif self.at("op", "[") and not self._range_end:
                self.next()
                condition = self.expression()
                self.expect("op", "]", "']' closing a filter")
                node = ast.Filter(node, condition)
            elif self.at("op", "("):
                node = self.call(node)
            else:
                return node

    def call(self, function: ast.Node) -> ast.Node:
        self.expect("op", "(")
        if self.accept("op", ")"):
            return ast.Call(function, ())
        # named arguments: ``name: value``, a name of several words too (``decimal separator: ","``)
        save = self.pos
        if self._argument_name() is not None:
            self.pos = save
            named: list[tuple[str, ast.Node]] = []
            while True:
                key = self._argument_name()
                if key is None:
                    raise self.fail("expected a parameter name and ':'")
                named.append((key, self.expression()))
                if not self.accept("op", ","):
                    break
            self.expect("op", ")", "')' closing the arguments")
            return ast.Call(function, (), tuple(named))
        self.pos = save
        args = [self.expression()]
        while self.accept("op", ","):
            args.append(self.expression())
        self.expect("op", ")", "')' closing the arguments")
        return ast.Call(function, tuple(args))

    def _argument_name(self) -> str | None:
        """Reads ``word ... word :`` and gives the words; None (having read on) when the text
        there is not a parameter name followed by ``:``."""
        words: list[str] = []
        while self.peek().kind == "name":
            words.append(self.next().text)
        if words and self.accept("op", ":"):
            return " ".join(words)
        return None

    def primary(self) -> ast.Node:
        token = self.peek()
        kind, text = token.kind, token.text
        if kind == "num":
            self.next()
            return ast.Literal(DECIMAL.create_decimal(text))
        if kind == "str":
            self.next()
            return ast.Literal(_unescape(text, token.start + 2))
        if kind == "at":
            self.next()
            value = parse_temporal(_unescape(text, token.start + 3))
            if value is None:
                raise FeelSyntaxError(f'@"{text}" is not a date, time, date-time or duration', token.start + 1)
            return ast.Literal(value)
        if kind == "kw":
            if text in ("true", "false"):
                self.next()
                return ast.Literal(text == "true")
            if text == "null":
                self.next()
                return ast.Literal(None)
            if text == "function":
                return self.function()
            raise FeelSyntaxError(f"unexpected {text!r}", token.start + 1)
        if kind == "name":
            self.next()
            self._last_name = (token.start, token.end)
            return ast.Name(text)
        if kind == "op":
            if text == "?":
                self.next()
                return ast.Name("?")
            if text == "(":
                self.next()
                bound = self.peek()
                if bound.kind == "op" and bound.text in ("<", "<=", ">", ">="):
                    return self._half_range(self.next().text)
                first = self.expression()
                if self.accept("op", ".."):
                    return self._close_range(first, False, self._upper_end())
                self.expect("op", ")", "')'")
                return first
            if text == "[":
                self.next()
                if self.accept("op", "]"):
                    return ast.ListNode(())
                first = self.expression()
                if self.accept("op", ".."):
                    return self._close_range(first, True, self._upper_end())
                items = [first]
                while self.accept("op", ","):
                    items.append(self.expression())
                self.expect("op", "]", "']' closing a list")
                return ast.ListNode(tuple(items))
            if text == "]":
                self.next()
                low = self.expression()
                self.expect("op", "..", "'..' in a range")
                return self._close_range(low, False, self._upper_end())
            if text == "{":
                return self.context()
        shown = text or "the end"
        raise FeelSyntaxError(f"expected a value, found {shown!r}", token.start + 1)

    def _upper_end(self) -> ast.Node:
        self._range_end = True
        try:
            return self.expression()
        finally:
            self._range_end = False

    def _half_range(self, operator: str) -> ast.RangeNode:
        """``(< 10)``, ``(>= 10)``...: a range with one unbounded end, written as a comparison."""
        self._range_end = False
        bound = self.expression()
        self.expect("op", ")", "')' closing a range")
        if operator in ("<", "<="):
            return ast.RangeNode(None, False, bound, operator == "<=")
        return ast.RangeNode(bound, operator == ">=", None, False)

    def _close_range(self, low: ast.Node, low_closed: bool, high: ast.Node) -> ast.RangeNode:
        token = self.next()
        if token.kind == "op" and token.text == "]":
            return ast.RangeNode(low, low_closed, high, True)
        if token.kind == "op" and token.text in (")", "["):
            return ast.RangeNode(low, low_closed, high, False)
        raise FeelSyntaxError("expected ']', ')' or '[' closing a range", token.start + 1)

    def context(self) -> ast.Node:
        self.expect("op", "{")
        entries: list[tuple[str, ast.Node]] = []
        scope: set[str] = set()
        self._scopes.append(scope)
        if not self.accept("op", "}"):
            while True:
                key = self.next()
                if key.kind not in ("name", "str", "kw"):
                    raise FeelSyntaxError(f"expected a context key, found {key.text!r}", key.start + 1)
                # a key is a name with spaces allowed: read words up to the colon
                name = key.text if key.kind == "str" else self._key_rest(key)
                self.expect("op", ":", "':' after a context key")
                entries.append((name, self.expression()))
                scope.add(name)
                if not self.accept("op", ","):
                    break
            self.expect("op", "}", "'}' closing a context")
        self._scopes.pop()
        return ast.ContextNode(tuple(entries))

    def _key_rest(self, first: Token) -> str:
        colon = self.text.find(":", first.start)
        if colon < 0:
            raise FeelSyntaxError("expected ':' after a context key", first.end + 1)
        key = self.text[first.start : colon].strip()
        self.pos = colon
        return key

    def function(self) -> ast.Node:
        self.expect("kw", "function")
        self.expect("op", "(")
        params: list[str] = []
        if not self.accept("op", ")"):
            while True:
                token = self.next()
                if token.kind != "name":
                    raise FeelSyntaxError(f"expected a parameter name, found {token.text!r}", token.start + 1)
                params.append(token.text)
                if self.accept("op", ":"):
                    self.next()  # a parameter type: accepted, not checked
                if not self.accept("op", ","):
                    break
            self.expect("op", ")", "')' closing the parameters")
        self._scopes.append(set(params))
        body = self.expression()
        self._scopes.pop()
        return ast.FunctionNode(tuple(params), body)


def parse_expression(text: str, names: Iterable[str] = (), members: Iterable[str] = ()) -> ast.Node:
    return Parser(text, names, members).parse_expression()


def parse_unary_tests(text: str, names: Iterable[str] = (), members: Iterable[str] = ()) -> ast.UnaryTests:
    return Parser(text, names, members).parse_unary_tests()


__all__ = ["FeelSyntaxError", "Parser", "parse_expression", "parse_unary_tests"]
