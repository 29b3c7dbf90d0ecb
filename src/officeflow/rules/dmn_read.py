"""Reading DMN XML (1.1 to 1.5) into the model's data, refusing what officeflow does not support.

Read: item definitions, input data, decisions (with their information and knowledge
requirements), business knowledge models, and the decision logic: decision tables, literal
expressions, contexts, invocations, lists, relations, function definitions, and DMN 1.4's boxed
``conditional``, ``filter``, ``for``, ``every`` and ``some``. Ignored, as they do not change a
result: diagrams (DMNDI), extension elements and attributes (``camunda:``, ``triso:``, ``kie:``),
knowledge sources, text annotations, associations, authority requirements, groups. Refused, with
the element and the reason: imports, decision services, function definitions of kind Java or
PMML, and any element of the DMN namespace not listed here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from lxml import etree

from officeflow.errors import Problem
from officeflow.rules.errors import DecisionModelInvalid, problem
from officeflow.rules.model import (
    CEL,
    FEEL,
    Aggregation,
    Box,
    ConditionalBox,
    ContextBox,
    ContextEntry,
    Decision,
    DecisionTable,
    FilterBox,
    FunctionBox,
    HitPolicy,
    InputClause,
    InputData,
    InvocationBox,
    ItemDefinition,
    IteratorBox,
    Knowledge,
    ListBox,
    LiteralBox,
    OutputClause,
    RelationBox,
    Rule,
    Text,
)
from officeflow.rules.safe import UnsafeDocument, parse_xml

DMN_NAMESPACES = {
    "http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
    "http://www.omg.org/spec/DMN/20180521/MODEL/": "1.2",
    "https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
    "https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
    "https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}
OFFICEFLOW_NS = "https://officeflow.dev/schema/dmn"
CEL_LANGUAGE = "https://github.com/google/cel-spec"
_CAMUNDA_NS = "http://camunda.org/schema/1.0/dmn"
_BOXES = (
    "literalExpression",
    "decisionTable",
    "context",
    "invocation",
    "list",
    "relation",
    "functionDefinition",
    "conditional",
    "filter",
    "for",
    "every",
    "some",
)
_REFUSED_BOXES = ("iterator",)
_PARTS = {
    "conditional": ("if", "then", "else"),
    "filter": ("in", "match"),
    "for": ("in", "return"),
    "every": ("in", "satisfies"),
    "some": ("in", "satisfies"),
}
"""The child elements of each DMN 1.4 boxed expression, each holding one boxed expression."""
_IGNORED = {
    "extensionElements",
    "knowledgeSource",
    "textAnnotation",
    "association",
    "group",
    "elementCollection",
    "performanceIndicator",
    "organizationUnit",
    "description",
    "authorityRequirement",
    "question",
    "allowedAnswers",
    "supportedObjective",
    "impactedPerformanceIndicator",
    "decisionMaker",
    "decisionOwner",
    "usingProcess",
    "usingTask",
}


def language(uri: str | None, default: str = FEEL) -> str:
    """FEEL, CEL, or the URI itself (refused when compiled)."""
    if not uri:
        return default
    lowered = uri.lower()
    if "feel" in lowered:
        return FEEL
    if lowered in ("cel", CEL_LANGUAGE) or "cel-spec" in lowered:
        return CEL
    return uri


@dataclass(frozen=True)
class DmnDocument:
    """What a DMN file says, as the model's data."""

    name: str
    namespace: str | None
    version: int
    digest: str
    dmn_version: str
    decisions: tuple[Decision, ...]
    inputs: tuple[InputData, ...]
    knowledge: tuple[Knowledge, ...]
    items: tuple[ItemDefinition, ...]


class _Reader:
    def __init__(self, root: etree._Element, file: str | None) -> None:
        self.root = root
        self.file = file
        self.ns = etree.QName(root).namespace or ""
        self.problems: list[Problem] = []
        self.default_language = language(root.get("expressionLanguage"))
        self.names_by_id: dict[str, str] = {}

    # --- helpers -------------------------------------------------------------------------------

    def fail(self, message: str, element: etree._Element | None, where: str, expected: str | None = None) -> None:
        line = element.sourceline if element is not None else None
        self.problems.append(problem(message, file=self.file, line=line, where=where, expected=expected))

    def kids(self, element: etree._Element, local: str | None = None) -> Iterator[etree._Element]:
        for child in element:
            if not isinstance(child.tag, str):
                continue
            q = etree.QName(child)
            if q.namespace == self.ns and (local is None or q.localname == local):
                yield child

    def kid(self, element: etree._Element, local: str) -> etree._Element | None:
        return next(self.kids(element, local), None)

    def text_of(self, element: etree._Element | None) -> str | None:
        if element is None:
            return None
        node = self.kid(element, "text")
        if node is None:
            return None
        return node.text or ""

    def text(self, element: etree._Element, inherited: str | None = None) -> Text:
        lang = language(element.get("expressionLanguage"), inherited or self.default_language)
        return Text(text=self.text_of(element) or "", language=lang, id=element.get("id"), line=element.sourceline)

    @staticmethod
    def local(element: etree._Element) -> str:
        return str(etree.QName(element).localname)

    def type_ref(self, element: etree._Element | None) -> str | None:
        if element is None:
            return None
        attr = element.get("typeRef")
        if attr:
            return str(attr)
        child = self.kid(element, "typeRef")
        return child.text.strip() if child is not None and child.text else None

    # --- definitions ---------------------------------------------------------------------------

    def read(self) -> tuple[list[Decision], list[InputData], list[Knowledge], list[ItemDefinition]]:
        for element in self.kids(self.root):
            if element.get("id") and element.get("name"):
                self.names_by_id[element.get("id", "")] = element.get("name", "")
        decisions: list[Decision] = []
        inputs: list[InputData] = []
        knowledge: list[Knowledge] = []
        items: list[ItemDefinition] = []
        for element in self.kids(self.root):
            local = self.local(element)
            if local == "itemDefinition":
                items.append(self.item(element))
            elif local == "inputData":
                variable = self.kid(element, "variable")
                inputs.append(
                    InputData(
                        id=element.get("id"),
                        name=element.get("name") or "",
                        type_ref=self.type_ref(variable),
                        line=element.sourceline,
                    )
                )
            elif local == "decision":
                decision = self.decision(element)
                if decision is not None:
                    decisions.append(decision)
            elif local == "businessKnowledgeModel":
                bkm = self.knowledge(element)
                if bkm is not None:
                    knowledge.append(bkm)
            elif local == "import":
                self.fail(
                    "imports of other models are not supported", element, "import", expected="one self-contained model"
                )
            elif local == "decisionService":
                self.fail(
                    "decision services are not supported",
                    element,
                    f"decision service '{element.get('name')}'",
                    expected="decisions evaluated by name",
                )
            elif local not in _IGNORED:
                self.fail(f"<{local}> is not supported", element, "definitions")
        for kind, names in (("input data", inputs), ("decision", decisions), ("knowledge model", knowledge)):
            for named in names:
                if not named.name:
                    self.problems.append(problem("has no name", file=self.file, line=named.line, where=f"a {kind}"))
        return decisions, inputs, knowledge, items

    def item(self, element: etree._Element) -> ItemDefinition:
        allowed = self.kid(element, "allowedValues")
        if allowed is None:
            allowed = self.kid(element, "typeConstraint")
        return ItemDefinition(
            name=element.get("name") or "",
            type_ref=self.type_ref(element),
            components=tuple(self.item(c) for c in self.kids(element, "itemComponent")),
            allowed=self.text(allowed) if allowed is not None else None,
            is_collection=element.get("isCollection") == "true",
        )

    def requirement_names(self, element: etree._Element) -> list[str]:
        names: list[str] = []
        for kind in ("informationRequirement", "knowledgeRequirement"):
            for req in self.kids(element, kind):
                for target in self.kids(req):
                    href = target.get("href") or ""
                    ref = href.rsplit("#", 1)[-1]
                    name = self.names_by_id.get(ref)
                    if name is None:
                        self.fail(
                            f"requirement points at '{href}', which is not in this model",
                            target,
                            f"decision '{element.get('name')}'",
                        )
                    else:
                        names.append(name)
        return names

    def decision(self, element: etree._Element) -> Decision | None:
        name = element.get("name") or ""
        where = f"decision '{name}'"
        logic = self.logic(element, where)
        if logic is None:
            return None
        return Decision(
            id=element.get("id"),
            name=name,
            logic=logic,
            type_ref=self.type_ref(self.kid(element, "variable")),
            requires=tuple(self.requirement_names(element)),
            line=element.sourceline,
        )

    def knowledge(self, element: etree._Element) -> Knowledge | None:
        name = element.get("name") or ""
        where = f"business knowledge model '{name}'"
        logic = self.kid(element, "encapsulatedLogic")
        if logic is None:
            self.fail("has no encapsulated logic", element, where)
            return None
        function = self.function(logic, where)
        if function is None:
            return None
        return Knowledge(
            id=element.get("id"), name=name, parameters=function.parameters, body=function.body, line=element.sourceline
        )

    # --- boxed expressions ---------------------------------------------------------------------

    def logic(self, element: etree._Element, where: str) -> Box | None:
        for child in self.kids(element):
            local = self.local(child)
            if local in _BOXES:
                return self.box(child, where)
            if local in _REFUSED_BOXES:
                self.fail(
                    f"the boxed expression <{local}> is not supported",
                    child,
                    where,
                    expected="a decision table or another boxed expression officeflow reads",
                )
                return None
        self.fail("has no decision logic", element, where, expected="a decision table or an expression")
        return None

    def box(self, element: etree._Element, where: str) -> Box | None:
        local = self.local(element)
        if local == "literalExpression":
            if self.kid(element, "importedValues") is not None:
                self.fail("imported values are not supported", element, where)
            return LiteralBox(id=element.get("id"), text=self.text(element), type_ref=element.get("typeRef"))
        if local == "decisionTable":
            return self.table(element, where)
        if local == "context":
            entries: list[ContextEntry] = []
            for entry in self.kids(element, "contextEntry"):
                variable = self.kid(entry, "variable")
                value = self.logic(
                    entry, f"{where}, context entry '{variable.get('name') if variable is not None else ''}'"
                )
                if value is None:
                    continue
                entries.append(
                    ContextEntry(
                        name=variable.get("name") if variable is not None else None,
                        value=value,
                        type_ref=self.type_ref(variable),
                    )
                )
            return ContextBox(id=element.get("id"), entries=tuple(entries))
        if local == "invocation":
            called = next((c for c in self.kids(element) if self.local(c) == "literalExpression"), None)
            function = (self.text_of(called) or "").strip() if called is not None else ""
            if not function:
                self.fail("an invocation must name the function it calls", element, where)
                return None
            bindings: list[tuple[str, Box | None]] = []
            for binding in self.kids(element, "binding"):
                parameter = self.kid(binding, "parameter")
                value_element = next((c for c in self.kids(binding) if self.local(c) in _BOXES), None)
                value = self.box(value_element, where) if value_element is not None else None
                bindings.append((parameter.get("name", "") if parameter is not None else "", value))
            return InvocationBox(id=element.get("id"), function=function, bindings=tuple(bindings))
        if local == "list":
            items = [self.box(c, where) for c in self.kids(element) if self.local(c) in _BOXES]
            return ListBox(id=element.get("id"), items=tuple(i for i in items if i is not None))
        if local == "relation":
            columns = tuple(c.get("name", "") for c in self.kids(element, "column"))
            rows: list[tuple[Box, ...]] = []
            for row in self.kids(element, "row"):
                cells = [self.box(c, where) for c in self.kids(row) if self.local(c) in _BOXES]
                rows.append(tuple(c for c in cells if c is not None))
            return RelationBox(id=element.get("id"), columns=columns, rows=tuple(rows))
        if local == "functionDefinition":
            return self.function(element, where)
        if local in _PARTS:
            return self.compound(element, local, where)
        self.fail(f"<{local}> is not supported", element, where)
        return None

    def compound(self, element: etree._Element, local: str, where: str) -> Box | None:
        """A DMN 1.4 ``conditional``, ``filter``, ``for``, ``every`` or ``some``."""
        parts: list[Box] = []
        for part in _PARTS[local]:
            holder = self.kid(element, part)
            if holder is None:
                self.fail(f"<{local}> has no <{part}>", element, where, expected=f"<{part}> holding an expression")
                return None
            value = self.logic(holder, f"{where}, <{local}> <{part}>")
            if value is None:
                return None
            parts.append(value)
        box_id = element.get("id")
        if local == "conditional":
            return ConditionalBox(id=box_id, condition=parts[0], then=parts[1], otherwise=parts[2])
        if local == "filter":
            return FilterBox(id=box_id, source=parts[0], match=parts[1])
        variable = (element.get("iteratorVariable") or "").strip()
        if not variable:
            self.fail(f"<{local}> has no iteratorVariable", element, where, expected="the name the items are bound to")
            return None
        return IteratorBox(id=box_id, kind=local, variable=variable, source=parts[0], body=parts[1])

    def function(self, element: etree._Element, where: str) -> FunctionBox | None:
        kind = element.get("kind", "FEEL")
        if kind.upper() != "FEEL":
            self.fail(f"function definitions of kind {kind} are not supported", element, where, expected="kind FEEL")
            return None
        params = tuple((p.get("name", ""), self.type_ref(p)) for p in self.kids(element, "formalParameter"))
        body = self.logic(element, where)
        if body is None:
            return None
        return FunctionBox(id=element.get("id"), parameters=params, body=body)

    def table(self, element: etree._Element, where: str) -> DecisionTable | None:
        where = f"{where}, decision table"
        policy_text = (element.get("hitPolicy") or "UNIQUE").strip().upper()
        try:
            policy = HitPolicy(policy_text)
        except ValueError:
            self.fail(
                f"unknown hit policy '{policy_text}'", element, where, expected=", ".join(p.value for p in HitPolicy)
            )
            return None
        aggregation_text = element.get("aggregation")
        aggregation = None
        if aggregation_text:
            try:
                aggregation = Aggregation(aggregation_text.strip().upper())
            except ValueError:
                self.fail(f"unknown aggregation '{aggregation_text}'", element, where, expected="SUM, MIN, MAX, COUNT")
                return None
            if policy is not HitPolicy.COLLECT:
                self.fail(f"aggregation {aggregation_text} needs hit policy COLLECT", element, where)
        inputs: list[InputClause] = []
        for clause in self.kids(element, "input"):
            expression = self.kid(clause, "inputExpression")
            values = self.kid(clause, "inputValues")
            inputs.append(
                InputClause(
                    id=clause.get("id"),
                    label=clause.get("label"),
                    expression=self.text(expression) if expression is not None else Text(text=""),
                    type_ref=self.type_ref(expression),
                    allowed=self.text(values) if values is not None else None,
                )
            )
            if expression is None:
                self.fail("an input has no input expression", clause, where)
        outputs: list[OutputClause] = []
        for clause in self.kids(element, "output"):
            values = self.kid(clause, "outputValues")
            default = self.kid(clause, "defaultOutputEntry")
            outputs.append(
                OutputClause(
                    id=clause.get("id"),
                    name=clause.get("name"),
                    label=clause.get("label"),
                    type_ref=clause.get("typeRef"),
                    allowed=self.text(values) if values is not None else None,
                    default=self.text(default) if default is not None else None,
                )
            )
        annotation_names = [a.get("name") or "" for a in self.kids(element, "annotation")]
        rules: list[Rule] = []
        for index, rule in enumerate(self.kids(element, "rule"), start=1):
            notes = [self.text_of(a) or "" for a in self.kids(rule, "annotationEntry")]
            description = self.kid(rule, "description")
            if description is not None and description.text:
                notes.append(description.text)
            annotation = _annotation(annotation_names, notes)
            rules.append(
                Rule(
                    index=index,
                    id=rule.get("id"),
                    annotation=annotation,
                    inputs=tuple(self.text(c) for c in self.kids(rule, "inputEntry")),
                    outputs=tuple(self.text(c) for c in self.kids(rule, "outputEntry")),
                    line=rule.sourceline,
                )
            )
        return DecisionTable(
            id=element.get("id"),
            hit_policy=policy,
            aggregation=aggregation,
            inputs=tuple(inputs),
            outputs=tuple(outputs),
            rules=tuple(rules),
            output_label=element.get("outputLabel"),
            line=element.sourceline,
        )


def _annotation(names: list[str], notes: list[str]) -> str | None:
    notes = list(dict.fromkeys(n.strip() for n in notes))
    if not any(notes):
        return None
    if len(notes) == 1 or len(names) != len(notes):
        return "; ".join(n for n in notes if n)
    return "; ".join(f"{name}: {note}" if name else note for name, note in zip(names, notes, strict=True) if note)


def _version(root: etree._Element) -> int:
    for attribute in (f"{{{OFFICEFLOW_NS}}}version", f"{{{_CAMUNDA_NS}}}versionTag"):
        value = root.get(attribute)
        if value and value.strip().isdigit():
            return int(value)
    return 1


def read_dmn(data: bytes, file: str | None = None) -> DmnDocument:
    """The model a DMN file describes; raises DecisionModelInvalid with every problem found."""
    where = file or "the DMN document"
    try:
        root = parse_xml(data)
    except UnsafeDocument as exc:
        raise DecisionModelInvalid([problem(exc.reason, file=file, line=exc.line)], f"{where}: refused") from None
    except etree.XMLSyntaxError as exc:
        line = exc.position[0] if exc.position else None
        raise DecisionModelInvalid(
            [problem(f"not well-formed XML: {exc.msg}", file=file, line=line)], f"{where}: not a DMN document"
        ) from None
    q = etree.QName(root)
    if q.localname != "definitions" or q.namespace not in DMN_NAMESPACES:
        raise DecisionModelInvalid(
            [
                problem(
                    f"the root element is {{{q.namespace}}}{q.localname}",
                    file=file,
                    line=root.sourceline,
                    expected="<definitions> in a DMN 1.1-1.5 namespace",
                )
            ],
            f"{where}: not a DMN document",
        )
    reader = _Reader(root, file)
    decisions, inputs, knowledge, items = reader.read()
    if reader.problems:
        raise DecisionModelInvalid(reader.problems, f"{where}: the decision model is invalid")
    return DmnDocument(
        name=root.get("name") or root.get("id") or "decisions",
        namespace=root.get("namespace"),
        version=_version(root),
        digest=hashlib.sha256(data).hexdigest(),
        dmn_version=DMN_NAMESPACES[q.namespace or ""],
        decisions=tuple(decisions),
        inputs=tuple(inputs),
        knowledge=tuple(knowledge),
        items=tuple(items),
    )
