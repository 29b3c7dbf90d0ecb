"""Bounded reading of untrusted YAML and XML: size, depth and alias limits, no entities, no network.

YAML: PyYAML's SafeLoader builds no Python objects, but expands aliases: a few hundred bytes of
nested aliases (an "alias bomb") make it build billions of nodes. :func:`load_yaml` refuses any
alias or anchor, and bounds the text's size and the nesting depth, before anything is built.
XML: :func:`parse_xml` refuses a DOCTYPE (so no entity can be declared, let alone expanded),
never touches the network, and bounds size and depth.
"""

from __future__ import annotations

from typing import Any

import yaml
from lxml import etree

from officeflow.errors import Problem

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


def _events_bounded(text: str) -> None:
    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise UnsafeDocument("YAML anchors and aliases (&, *) are not accepted", mark.line + 1 if mark else None)
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                mark = event.start_mark
                raise UnsafeDocument(f"nested deeper than {MAX_DEPTH} levels", mark.line + 1 if mark else None)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1


def load_yaml(text: str, file: str | None) -> tuple[Any, Positions, list[Problem]]:
    """One YAML document with the position of every node; (None, _, problems) when refused."""
    positions: Positions = {}
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        return None, positions, [Problem(file=file, message=f"the file is larger than {MAX_BYTES} bytes")]
    try:
        _events_bounded(text)
    except UnsafeDocument as exc:
        return None, positions, [Problem(file=file, line=exc.line, message=exc.reason)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return (
            None,
            positions,
            [
                Problem(
                    file=file,
                    line=mark.line + 1 if mark else None,
                    column=mark.column + 1 if mark else None,
                    message=f"YAML syntax error: {exc.problem or exc}",
                )
            ],
        )
    except yaml.YAMLError as exc:
        return None, positions, [Problem(file=file, message=f"YAML error: {exc}")]
    problems: list[Problem] = []
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, positions, [Problem(file=file, line=1, message="the document is empty")]
        _walk(node, (), positions, problems, file)
        data = loader.construct_document(node)
    except yaml.YAMLError as exc:
        return None, positions, [Problem(file=file, message=f"YAML error: {exc}")]
    finally:
        loader.dispose()
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
