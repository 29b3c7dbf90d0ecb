"""Run DMN TCK conformance cases against officeflow's decision models.

Usage: ``python scripts/dmn_tck.py DIR [-v]``

Finds every TCK test file (an XML file whose root is ``testCases``) under DIR, loads the model it
names from the same folder, evaluates each test case and compares each result node with its
expected value. Prints one line per test case (PASS/FAIL with the reason) and a summary line.
Numbers compare equal when they agree to 10 significant digits relative (the TCK's expected
values are written with 15 or so digits; officeflow computes with 34). A result node marked
``errorResult="true"`` passes when the decision gives null with an error.

A result node that names a decision the model does not have fails its test case with that
reason (the other result nodes of the case are still evaluated and reported).

The TCK files are not part of this repository: fetch the public ``dmn-tck/tck`` repository and
point this script at ``TestCases/compliance-level-2`` (or any folder of cases).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from lxml import etree

from officeflow.rules import DecisionModelInvalid, load_model
from officeflow.rules.convert import feel_text
from officeflow.rules.temporal import parse_date, parse_date_time, parse_duration, parse_time
from officeflow.rules.types import Type
from officeflow.rules.values import YearMonths, equal

XSI = "http://www.w3.org/2001/XMLSchema-instance"
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _local(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def _kids(element: etree._Element, name: str | None = None) -> list[etree._Element]:
    return [c for c in element if isinstance(c.tag, str) and (name is None or _local(c) == name)]


def _typed(text: str | None, xsi_type: str | None, hint: str | None) -> Any:
    """The value of a TCK ``<value>``, by its xsi:type, else by the declared type ``hint``."""
    kind = (xsi_type or "").split(":")[-1]
    if text is None and kind != "string":
        return None
    text = text or ""
    if kind in ("decimal", "double", "integer", "int", "long", "float") or (not kind and hint == "number"):
        try:
            return Decimal(text.strip())
        except InvalidOperation:
            return text
    if kind == "boolean" or (not kind and hint == "boolean"):
        return text.strip() == "true"
    if kind == "date" or (not kind and hint == "date"):
        return parse_date(text.strip()) or text
    if kind == "dateTime" or (not kind and hint == "dateTime"):
        return parse_date_time(text.strip()) or text
    if kind == "time" or (not kind and hint == "time"):
        return parse_time(text.strip()) or text
    if kind in ("duration", "dayTimeDuration", "yearMonthDuration") or (
        not kind and hint in ("dayTimeDuration", "yearMonthDuration")
    ):
        return parse_duration(text.strip()) or text
    return text


def read_value(node: etree._Element, declared: Type | None = None) -> Any:
    """The value an inputNode, a component, an item or an expected element holds; an untyped
    ``<value>`` is read as the declared type says (a structure's components by their own types)."""
    value = next(iter(_kids(node, "value")), None)
    if value is not None:
        if value.get(f"{{{XSI}}}nil") == "true":
            return None
        return _typed(value.text, value.get(f"{{{XSI}}}type"), declared.base if declared else None)
    parts = _kids(node, "component")
    if parts:
        components = declared.components if declared is not None and declared.components else {}
        return {p.get("name", ""): read_value(p, components.get(p.get("name", ""))) for p in parts}
    items = next(iter(_kids(node, "list")), None)
    if items is not None:
        element = Type(declared.name, declared.base, declared.components) if declared is not None else None
        return [read_value(i, element) for i in _kids(items, "item")]
    return None


def same(actual: Any, expected: Any) -> bool:
    if type(actual) is Decimal and type(expected) is Decimal:
        if actual == expected:
            return True
        scale = max(abs(actual), abs(expected))
        return bool(abs(actual - expected) <= scale * Decimal("1e-10"))
    if type(expected) is str and type(actual) is not str and actual is not None:
        return feel_text(actual).strip('"') == expected
    if type(actual) is list and type(expected) is list:
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if type(actual) is dict and type(expected) is dict:
        return actual.keys() >= expected.keys() and all(same(actual[k], expected[k]) for k in expected)
    if (type(actual) is timedelta and type(expected) is YearMonths) or (
        type(actual) is YearMonths and type(expected) is timedelta
    ):
        return False
    if isinstance(actual, date | time | datetime | timedelta | YearMonths) or type(actual) is type(expected):
        return equal(actual, expected) is True
    return actual is None and expected is None


@dataclass
class Outcome:
    case: str
    passed: bool
    reason: str = ""


def run_file(test_file: Path, root: Path) -> list[Outcome]:
    tree = etree.parse(str(test_file), _SAFE).getroot()
    model_name = next(iter(_kids(tree, "modelName")), None)
    folder = test_file.parent
    label = str(test_file.relative_to(root))
    model_path = folder / (model_name.text.strip() if model_name is not None and model_name.text else "")
    if not model_path.is_file():
        candidates = sorted(folder.glob("*.dmn"))
        if len(candidates) != 1:
            return [Outcome(label, False, f"model {model_path.name} not found")]
        model_path = candidates[0]
    cases = _kids(tree, "testCase")
    try:
        model = load_model(model_path)
    except DecisionModelInvalid as exc:
        reason = "model refused: " + "; ".join(str(p) for p in exc.problems)[:300]
        return [Outcome(f"{label}#{c.get('id')}", False, reason) for c in cases]
    outcomes = []
    for case in cases:
        name = f"{label}#{case.get('id')}"
        if case.get("type", "decision") != "decision":
            outcomes.append(Outcome(name, False, f"test case type {case.get('type')} is not supported"))
            continue
        declared = model.program.inputs
        inputs = {n.get("name", ""): read_value(n, declared.get(n.get("name", ""))) for n in _kids(case, "inputNode")}
        results = _kids(case, "resultNode")
        known = set(model.decision_names)
        failures = [
            f"{r.get('name', '')}: the test names a decision the model does not have"
            for r in results
            if r.get("name", "") not in known
        ]
        results = [r for r in results if r.get("name", "") in known]
        try:
            evaluation = model.evaluate(inputs, [r.get("name", "") for r in results])
        except Exception as exc:
            outcomes.append(Outcome(name, False, f"evaluation failed: {type(exc).__name__}: {exc}"))
            continue
        for result in results:
            decision = evaluation.decisions[result.get("name", "")]
            if result.get("errorResult") == "true":
                if decision.value is not None:
                    failures.append(f"{decision.name}: expected an error, got {feel_text(decision.value)}")
                continue
            expected_node = next(iter(_kids(result, "expected") or _kids(result, "computed")), None)
            expected = read_value(expected_node) if expected_node is not None else None
            if not same(decision.value, expected):
                shown = expected if not isinstance(expected, Decimal) else feel_text(expected)
                failures.append(
                    f"{decision.name}: expected {shown!r}, got {feel_text(decision.value)}"
                    + (f" ({'; '.join(decision.errors)})" if decision.errors else "")
                )
        outcomes.append(Outcome(name, not failures, "; ".join(failures)))
    return outcomes


def is_test_file(path: Path) -> bool:
    try:
        head = path.read_bytes()[:2000]
    except OSError:
        return False
    return b"<testCases" in head


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("-v", "--verbose", action="store_true", help="print passing cases too")
    args = parser.parse_args(argv)
    root: Path = args.folder
    files = sorted(p for p in root.rglob("*.xml") if is_test_file(p))
    outcomes: list[Outcome] = []
    for test_file in files:
        outcomes += run_file(test_file, root)
    for outcome in outcomes:
        if not outcome.passed:
            print(f"FAIL {outcome.case}: {outcome.reason}")
        elif args.verbose:
            print(f"PASS {outcome.case}")
    passed = sum(o.passed for o in outcomes)
    models = len({o.case.split("#")[0] for o in outcomes})
    share = 100 * passed / len(outcomes) if outcomes else 0.0
    print(f"TCK {root}: {passed} of {len(outcomes)} test cases pass ({share:.1f}%) in {models} test files")
    return 0 if passed == len(outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
