"""Writing a decision model as DMN 1.3 XML, with a diagram (DMNDI) so a modeler lays it out.

The document follows the structure of the DMN 1.3 schema (element order included): item
definitions, decisions with their requirements and logic, input data, business knowledge models,
then the diagram: input data on the bottom row, each decision one row above the highest thing it
reads, an edge per requirement. Texts are written as they are; a CEL text carries
``expressionLanguage="https://github.com/google/cel-spec"`` so reading the file back gives the
same model. The model's version is written as ``officeflow:version`` on ``definitions``.
Rule annotations are written both as DMN 1.3 annotation entries and as the rule's description
(where Camunda Modeler shows them).
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

from officeflow.rules.decision_model import DecisionModel
from officeflow.rules.dmn_read import CEL_LANGUAGE, OFFICEFLOW_NS
from officeflow.rules.model import (
    CEL,
    Box,
    ConditionalBox,
    ContextBox,
    DecisionTable,
    FilterBox,
    FunctionBox,
    InvocationBox,
    ItemDefinition,
    IteratorBox,
    ListBox,
    LiteralBox,
    RelationBox,
    Text,
)

DMN13 = "https://www.omg.org/spec/DMN/20191111/MODEL/"
DMNDI13 = "https://www.omg.org/spec/DMN/20191111/DMNDI/"
DC = "http://www.omg.org/spec/DMN/20180521/DC/"
DI = "http://www.omg.org/spec/DMN/20180521/DI/"
_NSMAP = {None: DMN13, "dmndi": DMNDI13, "dc": DC, "di": DI, "officeflow": OFFICEFLOW_NS}
_NOT_NCNAME = re.compile(r"[^A-Za-z0-9_.\-]")
DECISION_SIZE = (180, 80)
INPUT_SIZE = (125, 45)


def _q(local: str) -> str:
    return f"{{{DMN13}}}{local}"


class _Ids:
    """Unique XML ids (NCNames) derived from readable stems."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, stem: str, given: str | None = None) -> str:
        base = given if given and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", given) else None
        if base is None:
            base = _NOT_NCNAME.sub("_", stem)
            if not re.match(r"[A-Za-z_]", base):
                base = "_" + base
        candidate, n = base, 1
        while candidate in self.used:
            n += 1
            candidate = f"{base}_{n}"
        self.used.add(candidate)
        return candidate


class _Writer:
    def __init__(self, model: DecisionModel) -> None:
        self.model = model
        self.ids = _Ids()
        self.element_ids: dict[str, str] = {}
        self.edges: list[tuple[str, str, str]] = []  # (requirement id, from name, to name)

    def sub(self, parent: etree._Element, local: str, **attrs: Any) -> etree._Element:
        element = etree.SubElement(parent, _q(local))
        for key, value in attrs.items():
            if value is not None:
                element.set(key, str(value))
        return element

    def text(self, parent: etree._Element, local: str, text: Text, stem: str) -> etree._Element:
        element = self.sub(parent, local, id=self.ids.make(stem, text.id))
        if text.language == CEL:
            element.set("expressionLanguage", CEL_LANGUAGE)
        etree.SubElement(element, _q("text")).text = text.text
        return element

    # --- the document --------------------------------------------------------------------------

    def write(self) -> bytes:
        model = self.model
        root = etree.Element(_q("definitions"), nsmap=_NSMAP)
        root.set("id", self.ids.make(f"Definitions_{model.name}"))
        root.set("name", model.name)
        root.set("namespace", model.namespace or f"https://officeflow.dev/decisions/{model.name}")
        root.set("exporter", "officeflow")
        root.set("exporterVersion", "1")
        root.set(f"{{{OFFICEFLOW_NS}}}version", str(model.version))
        for item in model.items:
            self.item(root, item)
        named: list[tuple[str, str, str | None]] = [
            *(("InputData", i.name, i.id) for i in model.inputs),
            *(("Decision", d.name, d.id) for d in model.decisions),
            *(("BusinessKnowledgeModel", k.name, k.id) for k in model.knowledge),
        ]
        for kind, name, given in named:
            self.element_ids[name] = self.ids.make(f"{kind}_{name}", given)
        for decision in model.decisions:
            self.decision(root, decision.name)
        for data in model.inputs:
            element = self.sub(root, "inputData", id=self.element_ids[data.name], name=data.name)
            self.sub(
                element,
                "variable",
                id=self.ids.make(f"InformationItem_{data.name}"),
                name=data.name,
                typeRef=data.type_ref,
            )
        for k in model.knowledge:
            element = self.sub(root, "businessKnowledgeModel", id=self.element_ids[k.name], name=k.name)
            self.sub(element, "variable", id=self.ids.make(f"InformationItem_{k.name}"), name=k.name)
            logic = self.sub(element, "encapsulatedLogic", id=self.ids.make(f"FunctionDefinition_{k.name}"))
            for name, type_ref in k.parameters:
                self.sub(logic, "formalParameter", id=self.ids.make(f"Parameter_{name}"), name=name, typeRef=type_ref)
            self.box(logic, k.body, k.name)
        self.diagram(root)
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))

    def item(self, parent: etree._Element, item: ItemDefinition, local: str = "itemDefinition") -> None:
        element = self.sub(
            parent,
            local,
            id=self.ids.make(f"ItemDefinition_{item.name}"),
            name=item.name,
            isCollection="true" if item.is_collection else None,
        )
        if item.type_ref and not item.components:
            etree.SubElement(element, _q("typeRef")).text = item.type_ref
        if item.allowed is not None:
            self.text(element, "allowedValues", item.allowed, f"UnaryTests_{item.name}")
        for component in item.components:
            self.item(element, component, "itemComponent")

    def decision(self, root: etree._Element, name: str) -> None:
        model = self.model
        decision = model.decision(name)
        element = self.sub(root, "decision", id=self.element_ids[name], name=name)
        self.sub(element, "variable", id=self.ids.make(f"InformationItem_{name}"), name=name, typeRef=decision.type_ref)
        reads = model.program.reads(name)
        inputs = {i.name for i in model.inputs}
        decisions = set(model.decision_names)
        for kind, target_kind, names in (
            ("informationRequirement", "requiredDecision", [r for r in reads if r in decisions]),
            ("informationRequirement", "requiredInput", [r for r in reads if r in inputs]),
        ):
            for read in names:
                req_id = self.ids.make(f"InformationRequirement_{name}_{read}")
                requirement = self.sub(element, kind, id=req_id)
                self.sub(requirement, target_kind, href=f"#{self.element_ids[read]}")
                self.edges.append((req_id, read, name))
        for read in [r for r in reads if r in {k.name for k in model.knowledge}]:
            req_id = self.ids.make(f"KnowledgeRequirement_{name}_{read}")
            requirement = self.sub(element, "knowledgeRequirement", id=req_id)
            self.sub(requirement, "requiredKnowledge", href=f"#{self.element_ids[read]}")
            self.edges.append((req_id, read, name))
        self.box(element, decision.logic, name)

    # --- boxed expressions ---------------------------------------------------------------------

    def box(self, parent: etree._Element, box: Box, owner: str) -> None:
        if isinstance(box, LiteralBox):
            element = self.text(parent, "literalExpression", box.text, f"LiteralExpression_{owner}")
            if box.type_ref:
                element.set("typeRef", box.type_ref)
        elif isinstance(box, DecisionTable):
            self.table(parent, box, owner)
        elif isinstance(box, ContextBox):
            context = self.sub(parent, "context", id=self.ids.make(f"Context_{owner}", box.id))
            for entry in box.entries:
                ce = self.sub(context, "contextEntry")
                if entry.name is not None:
                    self.sub(
                        ce,
                        "variable",
                        id=self.ids.make(f"InformationItem_{entry.name}"),
                        name=entry.name,
                        typeRef=entry.type_ref,
                    )
                self.box(ce, entry.value, owner)
        elif isinstance(box, InvocationBox):
            invocation = self.sub(parent, "invocation", id=self.ids.make(f"Invocation_{owner}", box.id))
            self.text(invocation, "literalExpression", Text(text=box.function), f"LiteralExpression_{owner}")
            for name, value in box.bindings:
                binding = self.sub(invocation, "binding")
                self.sub(binding, "parameter", id=self.ids.make(f"InformationItem_{name}"), name=name)
                if value is not None:
                    self.box(binding, value, owner)
        elif isinstance(box, ListBox):
            element = self.sub(parent, "list", id=self.ids.make(f"List_{owner}", box.id))
            for item in box.items:
                self.box(element, item, owner)
        elif isinstance(box, RelationBox):
            element = self.sub(parent, "relation", id=self.ids.make(f"Relation_{owner}", box.id))
            for column in box.columns:
                self.sub(element, "column", id=self.ids.make(f"InformationItem_{column}"), name=column)
            for row in box.rows:
                row_element = self.sub(element, "row", id=self.ids.make(f"List_{owner}"))
                for cell in row:
                    self.box(row_element, cell, owner)
        elif isinstance(box, FunctionBox):
            element = self.sub(parent, "functionDefinition", id=self.ids.make(f"FunctionDefinition_{owner}", box.id))
            for name, type_ref in box.parameters:
                self.sub(element, "formalParameter", id=self.ids.make(f"Parameter_{name}"), name=name, typeRef=type_ref)
            self.box(element, box.body, owner)
        elif isinstance(box, ConditionalBox):
            element = self.sub(parent, "conditional", id=self.ids.make(f"Conditional_{owner}", box.id))
            for part, value in (("if", box.condition), ("then", box.then), ("else", box.otherwise)):
                self.box(self.sub(element, part), value, owner)
        elif isinstance(box, FilterBox):
            element = self.sub(parent, "filter", id=self.ids.make(f"Filter_{owner}", box.id))
            self.box(self.sub(element, "in"), box.source, owner)
            self.box(self.sub(element, "match"), box.match, owner)
        elif isinstance(box, IteratorBox):
            element = self.sub(
                parent, box.kind, id=self.ids.make(f"Iterator_{owner}", box.id), iteratorVariable=box.variable
            )
            self.box(self.sub(element, "in"), box.source, owner)
            self.box(self.sub(element, "return" if box.kind == "for" else "satisfies"), box.body, owner)

    def table(self, parent: etree._Element, table: DecisionTable, owner: str) -> None:
        element = self.sub(
            parent,
            "decisionTable",
            id=self.ids.make(f"DecisionTable_{owner}", table.id),
            hitPolicy=table.hit_policy.value,
            aggregation=table.aggregation.value if table.aggregation else None,
            outputLabel=table.output_label,
        )
        for j, clause in enumerate(table.inputs):
            ie = self.sub(element, "input", id=self.ids.make(f"Input_{owner}_{j + 1}", clause.id), label=clause.label)
            expression = self.text(ie, "inputExpression", clause.expression, f"InputExpression_{owner}_{j + 1}")
            if clause.type_ref:
                expression.set("typeRef", clause.type_ref)
            if clause.allowed is not None:
                self.text(ie, "inputValues", clause.allowed, f"UnaryTests_{owner}_in{j + 1}")
        for k, output in enumerate(table.outputs):
            oe = self.sub(
                element,
                "output",
                id=self.ids.make(f"Output_{owner}_{k + 1}", output.id),
                label=output.label,
                name=output.name,
                typeRef=output.type_ref,
            )
            if output.allowed is not None:
                self.text(oe, "outputValues", output.allowed, f"UnaryTests_{owner}_out{k + 1}")
            if output.default is not None:
                self.text(oe, "defaultOutputEntry", output.default, f"LiteralExpression_{owner}_default{k + 1}")
        annotated = any(rule.annotation for rule in table.rules)
        if annotated:
            self.sub(element, "annotation", name="Annotations")
        for rule in table.rules:
            re_ = self.sub(element, "rule", id=self.ids.make(f"DecisionRule_{owner}_{rule.index}", rule.id))
            if rule.annotation:
                etree.SubElement(re_, _q("description")).text = rule.annotation
            for j, cell in enumerate(rule.inputs):
                self.text(re_, "inputEntry", cell, f"UnaryTests_{owner}_{rule.index}_{j + 1}")
            for k, cell in enumerate(rule.outputs):
                self.text(re_, "outputEntry", cell, f"LiteralExpression_{owner}_{rule.index}_{k + 1}")
            if annotated:
                entry = self.sub(re_, "annotationEntry")
                etree.SubElement(entry, _q("text")).text = rule.annotation or ""

    # --- diagram -------------------------------------------------------------------------------

    def levels(self) -> dict[str, int]:
        model = self.model
        level: dict[str, int] = {i.name: 0 for i in model.inputs}
        level.update({k.name: 0 for k in model.knowledge})
        for name in model.program.order:
            reads = model.program.reads(name)
            level[name] = 1 + max((level.get(r, 0) for r in reads), default=0)
        return level

    def diagram(self, root: etree._Element) -> None:
        level = self.levels()
        top = max(level.values(), default=0)
        rows: dict[int, list[str]] = {}
        for name in self.element_ids:
            rows.setdefault(level.get(name, 0), []).append(name)
        decisions = set(self.model.decision_names)
        boxes: dict[str, tuple[float, float, int, int]] = {}
        for depth, names in rows.items():
            for index, name in enumerate(names):
                width, height = DECISION_SIZE if name in decisions else INPUT_SIZE
                x = 80 + index * 240 + (DECISION_SIZE[0] - width) / 2
                y = 80 + (top - depth) * 160 + (DECISION_SIZE[1] - height) / 2
                boxes[name] = (x, y, width, height)
        di_root = etree.SubElement(root, f"{{{DMNDI13}}}DMNDI")
        diagram = etree.SubElement(di_root, f"{{{DMNDI13}}}DMNDiagram", id=self.ids.make("DMNDiagram_1"))
        for name, (x, y, width, height) in boxes.items():
            shape = etree.SubElement(
                diagram,
                f"{{{DMNDI13}}}DMNShape",
                id=self.ids.make(f"DMNShape_{name}"),
                dmnElementRef=self.element_ids[name],
            )
            etree.SubElement(shape, f"{{{DC}}}Bounds", height=str(height), width=str(width), x=_num(x), y=_num(y))
        for req_id, source, target in self.edges:
            sx, sy, sw, _ = boxes[source]
            tx, ty, tw, th = boxes[target]
            edge = etree.SubElement(
                diagram, f"{{{DMNDI13}}}DMNEdge", id=self.ids.make(f"DMNEdge_{req_id}"), dmnElementRef=req_id
            )
            for px, py in ((sx + sw / 2, sy), (tx + tw / 2, ty + th)):
                etree.SubElement(edge, f"{{{DI}}}waypoint", x=_num(px), y=_num(py))


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def to_dmn(model: DecisionModel) -> str:
    """The model as DMN 1.3 XML text (UTF-8)."""
    return _Writer(model).write().decode("utf-8")
