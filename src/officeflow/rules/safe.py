"""Bounded reading of untrusted YAML and XML: size, depth and alias limits, no entities, no network.

YAML goes through ``officeflow.safeyaml`` (the loader every face uses): an alias bomb, a deep
nest or an oversize text is refused before anything is built; this module adds the line of every
node and refuses duplicate keys. XML: :func:`parse_xml` refuses a DOCTYPE (so no entity can be
declared, let alone expanded), never touches the network, and bounds size and depth.
"""

from __future__ import annotations

from typing import Any

import yaml
from lxml import etree

from officeflow.errors import Problem
from officeflow.safeyaml import DEFINITION, DocumentRefused, compose_yaml, construct_yaml

YamlPath = tuple[str | int, ...]
Positions = dict[YamlPath, int]
"""The line (1-based) of each YAML node, by its path of keys and indexes."""

MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 64


class UnsafeDocument(ValueError):
    """A document refused before parsing: too big, too deep, or using a refused construct."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.reason = message
        self.line = line


def load_yaml(text: str, file: str | None) -> tuple[Any, Positions, list[Problem]]:
    """One YAML document with the line of every node; (None, _, problems) when refused.

    The document is held to ``officeflow.safeyaml``'s limits (no anchors or aliases, 64 levels,
    1 MiB, a bounded number of values) before anything is built from it."""
    positions: Positions = {}
    try:
        node = compose_yaml(text, file, DEFINITION)
        if node is None:
            return None, positions, [Problem(file=file, line=1, message="the document is empty")]
        problems: list[Problem] = []
        _walk(node, (), positions, problems, file)
        data = construct_yaml(node, file)
    except DocumentRefused as exc:
        return None, positions, exc.problems
    return data, positions, problems


def _walk(node: yaml.Node, path: YamlPath, positions: Positions, problems: list[Problem], file: str | None) -> None:
    positions[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(
                        file=file,
                        line=line,
                        message=f"duplicate key '{key}' (first at line {seen[key]})",
                        expected="each key once",
                    )
                )
                continue
            seen[key] = line
            _walk(value_node, (*path, key), positions, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), positions, problems, file)


def parse_xml(data: bytes) -> etree._Element:
    """The root element of an XML document; raises UnsafeDocument or etree.XMLSyntaxError."""
    if len(data) > MAX_BYTES:
        raise UnsafeDocument(f"the file is larger than {MAX_BYTES} bytes")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise UnsafeDocument("a DOCTYPE or entity declaration is not accepted in a DMN file")
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root = etree.fromstring(data, parser)
    _check_depth(root)
    return root


def _check_depth(root: etree._Element) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise UnsafeDocument(f"elements nested deeper than {MAX_DEPTH} levels", element.sourceline)
        stack.extend((child, depth + 1) for child in element)
