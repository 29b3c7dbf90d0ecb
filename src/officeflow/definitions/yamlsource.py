"""YAML parsed with the position of every node, and duplicate keys reported, not swallowed.

The text is read through officeflow.safeyaml first: aliases, nesting deeper than 64 levels and
oversized documents are refused with their position before anything is built.

YAML 1.1 reads some unquoted words as other things than text: ``no``, ``yes``, ``on``, ``off``,
``true``, ``false`` (in any case) as booleans, ``null`` and ``~`` as null, ``1.10`` as the number
1.1. (PyYAML, which officeflow uses, keeps ``y`` and ``n`` as text.) The positions remember each
such plain scalar with its text, so that a loader that expected text can say what happened
("YAML read `no` as the boolean false; quote it: 'no'") instead of "not a valid string". Mapping
keys are always text in a definition; with ``keys_as_text`` such a key is read as its text and
remembered too."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from officeflow.errors import Problem
from officeflow.safeyaml import DEFINITION, DocumentRefused, Limits, compose_yaml, construct_yaml

Path = tuple[str | int, ...]


@dataclass
class Positions:
    """Line and column (1-based) of each value and each mapping key, by path."""

    values: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    quoted: set[Path] = field(default_factory=set)
    not_text: dict[Path, str] = field(default_factory=dict)
    """Unquoted values YAML read as a boolean, a number or null: their text, by path."""
    keys_not_text: dict[Path, Any] = field(default_factory=dict)
    """Unquoted keys YAML would have read as a boolean, a number or null (read as their text
    with ``keys_as_text``): what YAML would have made of them, by path."""

    def find(self, path: Path, *, key: bool = False) -> tuple[int, int] | None:
        """The position of ``path``, or of its nearest ancestor that has one."""
        probe = tuple(path)
        while True:
            table = (self.keys, self.values) if key else (self.values, self.keys)
            for t in table:
                if probe in t:
                    return t[probe]
            if not probe:
                return None
            probe = probe[:-1]


def parse_yaml(
    text: str, file: str | None, limits: Limits = DEFINITION, *, keys_as_text: bool = False
) -> tuple[Any, Positions, list[Problem]]:
    """Parse one YAML document within ``limits`` (officeflow.safeyaml: no aliases, 64 levels at
    most); returns (data, positions, problems). ``keys_as_text``: unquoted mapping keys are text
    even where YAML would read a boolean, a number or null (see the module docstring)."""
    positions = Positions()
    problems: list[Problem] = []
    try:
        node = compose_yaml(text, file, limits)
        if node is None:
            return (
                None,
                positions,
                [
                    Problem(
                        file=file,
                        line=1,
                        message="the document is empty",
                        expected="a workflow definition mapping",
                    )
                ],
            )
        _walk(node, (), positions, problems, file, keys_as_text)
        data = construct_yaml(node, file)
    except DocumentRefused as exc:
        return None, positions, exc.problems
    return data, positions, problems


_TEXT = "tag:yaml.org,2002:str"


def _walk(
    node: yaml.Node, path: Path, pos: Positions, problems: list[Problem], file: str | None, keys_as_text: bool
) -> None:
    pos.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.ScalarNode):
        if node.style in ("'", '"'):
            pos.quoted.add(path)
        elif node.tag != _TEXT:
            pos.not_text[path] = node.value
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            retyped = keys_as_text and isinstance(key_node, yaml.ScalarNode) and key_node.tag != _TEXT
            if retyped:
                read_as = construct_yaml(key_node, file)
                key_node.tag = _TEXT
            line = key_node.start_mark.line + 1
            if key in seen:
                where = "steps" if path == ("steps",) else "/".join(map(str, path)) or "the top level"
                what = f"step id '{key}'" if path == ("steps",) else f"key '{key}'"
                problems.append(
                    Problem(
                        file=file,
                        line=line,
                        column=key_node.start_mark.column + 1,
                        step=key if path == ("steps",) else None,
                        message=f"duplicate {what} in {where} (first at line {seen[key]})",
                        expected="each id once",
                    )
                )
                continue
            seen[key] = line
            child = (*path, key)
            pos.keys[child] = (line, key_node.start_mark.column + 1)
            if retyped:
                pos.keys_not_text[child] = read_as
            _walk(value_node, child, pos, problems, file, keys_as_text)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), pos, problems, file, keys_as_text)
