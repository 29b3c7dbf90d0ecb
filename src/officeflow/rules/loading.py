"""Loading decision models from DMN XML or the YAML form, by file or from text."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from lxml import etree

from officeflow.rules.decision_model import DecisionModel
from officeflow.rules.dmn_read import read_dmn
from officeflow.rules.errors import DecisionModelInvalid, problem
from officeflow.rules.program import Program
from officeflow.rules.safe import MAX_BYTES, UnsafeDocument, parse_xml
from officeflow.rules.yaml_read import read_yaml

DMN_SUFFIXES = (".dmn", ".xml")
YAML_SUFFIXES = (".yaml", ".yml")


def load_dmn(data: bytes | str, file: str | None = None, *, version: int | None = None) -> DecisionModel:
    """A model from DMN XML; raises DecisionModelInvalid naming every problem."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        document = read_dmn(raw, file)
        program = Program(
            file=file,
            decisions=document.decisions,
            inputs=document.inputs,
            knowledge=document.knowledge,
            items=document.items,
        )
    except DecisionModelInvalid as exc:
        raise with_elements(exc, raw) from None
    return DecisionModel(
        name=document.name,
        version=version if version is not None else document.version,
        digest=document.digest,
        format="dmn",
        file=file,
        namespace=document.namespace,
        dmn_version=document.dmn_version,
        decisions=document.decisions,
        inputs=document.inputs,
        knowledge=document.knowledge,
        items=document.items,
        program=program,
    )


def with_elements(exc: DecisionModelInvalid, data: bytes) -> DecisionModelInvalid:
    """``exc`` with each problem's ``element``: the id of the first element on the problem's line,
    or of its nearest ancestor that has one (``r2`` for a cell of rule r2)."""
    try:
        root = parse_xml(data)
    except (UnsafeDocument, etree.XMLSyntaxError):
        return exc
    ids: dict[int, str] = {}
    for element in root.iter():
        line = element.sourceline
        if not isinstance(element.tag, str) or line is None or line in ids:
            continue
        node: etree._Element | None = element
        while node is not None and not node.get("id"):
            node = node.getparent()
        if node is not None:
            ids[line] = str(node.get("id"))
    problems = [
        dataclasses.replace(p, element=ids[p.line]) if p.line in ids and p.element is None else p for p in exc.problems
    ]
    return DecisionModelInvalid(problems, exc.summary)


def load_yaml(text: str, file: str | None = None) -> DecisionModel:
    """A model from the YAML form; raises DecisionModelInvalid naming every problem."""
    document = read_yaml(text, file)
    program = Program(file=file, decisions=document.decisions, inputs=document.inputs, knowledge=(), items=())
    return DecisionModel(
        name=document.name,
        version=document.version,
        digest=document.digest,
        format="yaml",
        file=file,
        decisions=document.decisions,
        inputs=document.inputs,
        program=program,
    )


def load_model(path: str | Path) -> DecisionModel:
    """A model from a file: ``.dmn``/``.xml`` is DMN, ``.yaml``/``.yml`` the YAML form."""
    path = Path(path)
    name = str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise DecisionModelInvalid([problem(f"the file is larger than {MAX_BYTES} bytes", file=name)])
        data = path.read_bytes()
    except OSError as exc:
        raise DecisionModelInvalid([problem(f"cannot read the file: {exc.strerror}", file=name)]) from None
    suffix = path.suffix.lower()
    if suffix in YAML_SUFFIXES or (suffix not in DMN_SUFFIXES and not data.lstrip().startswith(b"<")):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DecisionModelInvalid([problem(f"not UTF-8 text: {exc.reason}", file=name)]) from None
        return load_yaml(text, name)
    return load_dmn(data, name)
