"""The lexer of FEEL texts: tokens, keywords, string escapes, and the one-token lookahead the
parser reads through.

FEEL names may contain spaces and punctuation (``Monthly Salary``, ``date and time``), so the
lexer is given the names in scope and, at each name, takes the longest known one the text spells
there; failing that, one plain word. Scopes the parser opens (a ``for`` variable, a context's
entries) add their names while they are open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from officeflow.rules.feel_builtins import BUILTINS

KEYWORDS = frozenset(
    {
        "and",
        "or",
        "if",
        "then",
        "else",
        "for",
        "in",
        "return",
        "some",
        "every",
        "satisfies",
        "between",
        "true",
        "false",
        "null",
        "function",
        "instance",
        "of",
    }
)
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?")
_WORD = re.compile(r"[^\W\d]\w*")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
_SPACE_AND_COMMENTS = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.S)
_OPERATORS = ("**", "..", "<=", ">=", "!=", "=", "<", ">", "+", "-", "*", "/", "(", ")", "[", "]", "{", "}", ",", ".")
_OPERATORS_2 = (*_OPERATORS, ":", "?")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "'": "'"}


_TWO_WORD_MEMBERS = {"time": "offset", "start": "included", "end": "included"}
"""Properties whose name is two words (``.time offset``, ``.start included``, ``.end included``)."""


class FeelSyntaxError(ValueError):
    """A FEEL text that does not parse; ``column`` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.reason = message
        self.column = column


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "num", "str", "name", "kw", "op", "at", "eof"
    text: str
    start: int
    end: int


def _unescape(body: str, column: int) -> str:
    out: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1 : i + 2]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
            out.append(chr(int(body[i + 2 : i + 6], 16)))
            i += 6
        elif nxt == "U" and re.fullmatch(r"[0-9a-fA-F]{6}", body[i + 2 : i + 8]):
            out.append(chr(int(body[i + 2 : i + 8], 16)))
            i += 8
        elif nxt:
            # not a FEEL escape: kept as written, so regular expressions read as their authors
            # meant (``matches(x, "\\d+")``, ``split(s, "\\s")``)
            out.append(ch + nxt)
            i += 2
        else:
            raise FeelSyntaxError("a string ends with a lone backslash", column + i)
    return "".join(out)


class Lexer:
    """Reads the tokens of one FEEL text; :class:`~officeflow.rules.feel_parser.Parser` extends it."""

    def __init__(self, text: str, names: Iterable[str] = (), members: Iterable[str] = ()) -> None:
        self.text = text
        self.pos = 0
        self._names = self._long_names([*names, *BUILTINS])
        self._members = self._long_names(members)
        self._scopes: list[set[str]] = []
        self._range_end = False
        """True while reading a range's upper end, where ``[`` closes the range (``[1..10[``)."""
        self._last_name: tuple[int, int] | None = None
        """Where the last name read starts and ends (for the message about unknown names with spaces)."""

    @staticmethod
    def _long_names(names: Iterable[str]) -> list[str]:
        """Names that a single word cannot spell, longest first."""
        return sorted({n for n in names if not _WORD.fullmatch(n)}, key=len, reverse=True)

    # --- lexing --------------------------------------------------------------------------------

    def _skip(self, pos: int) -> int:
        """Past white space and comments (``// to the end of the line``, ``/* ... */``)."""
        m = _SPACE_AND_COMMENTS.match(self.text, pos)
        return m.end() if m else pos

    def _known(self, pos: int, names: list[str]) -> str | None:
        text = self.text
        for name in names:
            if text.startswith(name, pos):
                end = pos + len(name)
                if end >= len(text) or not (text[end].isalnum() or text[end] == "_"):
                    return name
        return None

    def peek(self, *, member: bool = False) -> Token:
        text = self.text
        pos = self._skip(self.pos)
        if pos >= len(text):
            return Token("eof", "", pos, pos)
        ch = text[pos]
        if ch == '"':
            m = _STRING.match(text, pos)
            if not m:
                raise FeelSyntaxError('a string is not closed (missing ")', pos + 1)
            return Token("str", m.group(1), pos, m.end())
        if ch == "@" and text.startswith('"', pos + 1):
            m = _STRING.match(text, pos + 1)
            if not m:
                raise FeelSyntaxError('a string is not closed (missing ")', pos + 2)
            return Token("at", m.group(1), pos, m.end())
        starts_number = ch.isdigit() or (ch == "." and pos + 1 < len(text) and text[pos + 1].isdigit())
        if starts_number and not text.startswith("..", pos):
            m = _NUMBER.match(text, pos)
            if m:
                return Token("num", m.group(0), pos, m.end())
        if ch.isalpha() or ch == "_":
            scoped = [n for scope in reversed(self._scopes) for n in scope if not _WORD.fullmatch(n)]
            long_names = sorted(scoped, key=len, reverse=True) + (self._members if member else self._names)
            known = self._known(pos, sorted(long_names, key=len, reverse=True))
            if known is not None:
                return Token("name", known, pos, pos + len(known))
            m = _WORD.match(text, pos)
            if m:
                word = m.group(0)
                kind = "kw" if word in KEYWORDS and not member else "name"
                return Token(kind, word, pos, m.end())
        for op in _OPERATORS_2:
            if text.startswith(op, pos):
                return Token("op", op, pos, pos + len(op))
        raise FeelSyntaxError(f"unexpected character {ch!r}", pos + 1)

    def next(self, *, member: bool = False) -> Token:
        token = self.peek(member=member)
        self.pos = token.end
        return token

    def _word_at(self, word: str) -> bool:
        token = self.peek(member=True)
        return token.kind == "name" and token.text == word

    def at(self, kind: str, text: str | None = None) -> bool:
        token = self.peek()
        return token.kind == kind and (text is None or token.text == text)

    def accept(self, kind: str, text: str) -> bool:
        if self.at(kind, text):
            self.next()
            return True
        return False

    def expect(self, kind: str, text: str, what: str | None = None) -> Token:
        token = self.peek()
        if token.kind != kind or token.text != text:
            shown = token.text or "the end"
            raise FeelSyntaxError(f"expected {what or repr(text)}, found {shown!r}", token.start + 1)
        return self.next()

    def fail(self, message: str) -> FeelSyntaxError:
        return FeelSyntaxError(message, self._skip(self.pos) + 1)
