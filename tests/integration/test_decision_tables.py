"""Decision tables stored per tenant and the ``rules`` step, on both backends: versions are
immutable, DMN without a version takes the next one, a step evaluates the stored table, records
what matched, counts hits per row and routes; bad tables, unknown tables and evaluation errors
are refused or fail the step with a precise message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from officeflow import Office
from officeflow.decision_tables import DecisionTableNotFound, DecisionTableVersionExists
from officeflow.errors import DefinitionInvalid
from officeflow.rules import DecisionModelInvalid
from officeflow.store import RunStatus

DATA = Path(__file__).resolve().parents[1] / "data" / "dmn"

PER_DIEM = """\
name: per-diem
version: {version}
inputs:
  amount: number
  category: {{type: string, values: [travel, meals, office]}}
decisions:
  - name: approval
    hit_policy: FIRST
    inputs: [amount, category]
    outputs:
      - {{name: route, type: string, values: [auto, manager, finance]}}
      - {{name: limit, type: number}}
    rules:
      - when: ["< 50", [meals, office]]
        then: [auto, {limit}]
        note: small meals and office costs
      - when: ["[50..2000]", '"travel"']
        then: [manager, 2000]
      - when: ["-", "-"]
        then: [finance, 0]
"""

OVERLAPPING = """\
name: bands
version: 1
inputs:
  amount: number
decisions:
  - name: band
    hit_policy: UNIQUE
    inputs: [amount]
    outputs: [{name: band, type: string}]
    rules:
      - when: ["< 100"]
        then: [low]
      - when: ["[50..500]"]
        then: [mid]
"""

CLAIM = """\
name: claim
version: 1
steps:
  check:
    kind: rules
    table: per-diem
    decision: approval
    input: {amount: input.amount, category: input.category}
    route_by: route
    routes: {auto: paid, manager: review}
    next: escalated
  paid: {kind: end, output: {path: '"paid"', result: steps.check.output}}
  review: {kind: end, output: {path: '"review"', result: steps.check.output}}
  escalated: {kind: end, output: {path: '"escalated"', result: steps.check.output}}
"""


def per_diem(version: int = 1, limit: int = 50) -> str:
    return PER_DIEM.format(version=version, limit=limit)


def run(office: Office, workflow: str, data: dict[str, Any]) -> Any:
    started = office.engine.start(workflow, data)
    office.engine.run_until_idle()
    return office.engine.get_run(started.id)


def test_versions_are_stored_once_and_never_change(make_office: Any) -> None:
    office: Office = make_office()
    tables = office.decision_tables
    first = tables.push(per_diem(), tenant="default", actor="user:ann", title="Per-diem limits")
    assert first.created
    assert first.table.version == 1
    assert first.table.format == "yaml"
    assert first.table.decisions == ("approval",)
    assert first.table.created_by == "user:ann"
    again = tables.push(per_diem(), tenant="default", actor="user:bob")
    assert not again.created
    assert again.table.created_by == "user:ann"
    with pytest.raises(DecisionTableVersionExists, match="give this content version 2"):
        tables.push(per_diem(limit=60), tenant="default")
    second = tables.push(per_diem(version=2, limit=60), tenant="default")
    assert second.created
    assert second.table.version == 2
    assert [v.version for v in office.queries.decision_tables.versions("default", "per-diem")] == [2, 1]
    stored = office.queries.decision_tables.record("default", "per-diem", 1)
    assert stored.source == per_diem()
    assert stored.title == "Per-diem limits"
    assert office.queries.decision_tables.record("default", "per-diem").version == 2
    summary = office.queries.decision_tables.summaries("default")
    assert [(s.name, s.versions, s.latest) for s in summary] == [("per-diem", 2, 2)]
    assert office.queries.decision_tables.summaries("acme") == []
    with pytest.raises(DecisionTableNotFound):
        office.queries.decision_tables.record("acme", "per-diem")


def test_dmn_without_a_version_takes_the_next_free_one(make_office: Any) -> None:
    office: Office = make_office()
    text = (DATA / "camunda7-dish.dmn").read_text()
    first = office.decision_tables.push(text, tenant="default")
    assert (first.table.name, first.table.version, first.table.format) == ("Dinner", 1, "dmn")
    changed = text.replace('"Spareribs"', '"Roast"')
    second = office.decision_tables.push(changed, tenant="default")
    assert second.created
    assert second.table.version == 2
    back = office.decision_tables.push(text, tenant="default")
    assert not back.created
    assert back.table.version == 1
    pinned = office.decision_tables.push(text.replace('"Roast"', '"Soup"'), tenant="default", version=7)
    assert pinned.table.version == 7


def test_an_invalid_model_is_refused_with_its_element_ids_and_nothing_is_stored(make_office: Any) -> None:
    office: Office = make_office()
    text = (DATA / "refused-expressions.dmn").read_text()
    with pytest.raises(DecisionModelInvalid) as caught:
        office.decision_tables.push(text, tenant="default", file="refused.dmn")
    where = {(p.element, p.line) for p in caught.value.problems}
    assert ("r2", 13) in where
    assert ("d_fee", 19) in where
    assert all(p.file == "refused.dmn" for p in caught.value.problems)
    assert office.queries.decision_tables.summaries("default") == []
    with pytest.raises(DecisionModelInvalid, match="versions differ"):
        office.decision_tables.push(per_diem(), tenant="default", version=3)


def test_a_rules_step_evaluates_records_counts_and_routes(make_office: Any) -> None:
    office: Office = make_office()
    office.decision_tables.push(per_diem(), tenant="default")
    office.engine.apply(CLAIM)
    small = run(office, "claim", {"amount": 30, "category": "meals"})
    trip = run(office, "claim", {"amount": 900, "category": "travel"})
    other = run(office, "claim", {"amount": 30, "category": "travel"})
    again = run(office, "claim", {"amount": 20, "category": "office"})
    assert small.output == {"path": "paid", "result": {"route": "auto", "limit": 50}}
    assert trip.output == {"path": "review", "result": {"route": "manager", "limit": 2000}}
    assert other.output["path"] == "escalated"
    assert again.output["path"] == "paid"

    events = office.queries.decision_tables.evaluated_in_run("default", trip.id)
    assert len(events) == 1
    assert events[0].step_id == "check"
    data = events[0].data
    assert (data["table"], data["version"], data["decision"]) == ("per-diem", 1, "approval")
    assert data["input"] == {"amount": 900, "category": "travel"}
    assert data["outputs"] == {"approval": {"route": "manager", "limit": 2000}}
    assert data["matched"] == [
        {
            "table": "approval",
            "decision": "approval",
            "rule": 2,
            "id": "approval_r2",
            "annotation": None,
            "inputs": ["[50..2000]", '"travel"'],
            "outputs": ['"manager"', "2000"],
        }
    ]
    assert data["columns"] == {"approval": {"inputs": ["amount", "category"], "outputs": ["route", "limit"]}}

    hits = office.queries.decision_tables.hits("default", "per-diem", 1)
    assert hits.evaluations == 4
    assert {(h.table_id, h.rule): h.hits for h in hits.rows} == {
        ("approval", 1): 2,
        ("approval", 2): 1,
        ("approval", 3): 1,
    }
    assert hits.as_dict()["tables"] == {"approval": {"1": 2, "2": 1, "3": 1}}
    rules_kind: Any = office.engine.registry.kind("rules")
    assert rules_kind.models is office.decision_tables.models
    assert office.decision_tables.models.compiled == 1


def test_a_step_takes_the_latest_version_or_the_one_it_pins(make_office: Any) -> None:
    office: Office = make_office()
    office.decision_tables.push(per_diem(), tenant="default")
    office.engine.apply(CLAIM)
    pinned = CLAIM.replace("name: claim", "name: pinned").replace(
        "    decision: approval\n", "    decision: approval\n    version: 1\n"
    )
    office.engine.apply(pinned)
    office.decision_tables.push(per_diem(version=2, limit=45), tenant="default")
    assert run(office, "claim", {"amount": 30, "category": "meals"}).output["result"]["limit"] == 45
    assert run(office, "pinned", {"amount": 30, "category": "meals"}).output["result"]["limit"] == 50
    assert office.queries.decision_tables.hits("default", "per-diem", 1).evaluations == 1
    assert office.queries.decision_tables.hits("default", "per-diem", 2).evaluations == 1


def test_output_wraps_the_result_and_without_a_decision_every_decision_is_given(make_office: Any) -> None:
    office: Office = make_office()
    office.decision_tables.push(per_diem(), tenant="default")
    office.engine.apply(
        "name: whole\nversion: 1\nsteps:\n"
        "  check: {kind: rules, table: per-diem, input: {amount: input.amount, category: input.category},"
        " output: policy, route_by: approval.route, routes: {auto: done}, next: done}\n"
        "  done: {kind: end, output: steps.check.output}\n"
    )
    result = run(office, "whole", {"amount": 10, "category": "meals"})
    assert result.output == {"policy": {"approval": {"route": "auto", "limit": 50}}}


def test_unknown_tables_decisions_and_inputs_are_refused_when_a_definition_is_checked(make_office: Any) -> None:
    office: Office = make_office()
    office.decision_tables.push(per_diem(), tenant="default")
    bad = CLAIM.replace("table: per-diem", "table: per-diem-2024")
    with pytest.raises(DefinitionInvalid) as caught:
        office.decision_tables.check_definition(office.engine.load(bad), "default")
    (problem,) = caught.value.problems
    assert problem.pointer == "/steps/check/table"
    assert problem.step == "check"
    assert "decision table 'per-diem-2024' is not stored in tenant 'default'" in problem.message
    wrong = CLAIM.replace("decision: approval", "decision: aproval\n    version: 1").replace(
        "amount: input.amount", "amout: input.amount"
    )
    with pytest.raises(DefinitionInvalid) as caught:
        office.decision_tables.check_definition(office.engine.load(wrong), "default")
    found = {(p.pointer, p.expected) for p in caught.value.problems}
    assert ("/steps/check/decision", "one of: approval") in found
    assert ("/steps/check/input/amout", "one of: amount, category") in found
    with pytest.raises(DefinitionInvalid) as caught:
        office.decision_tables.check_definition(
            office.engine.load(CLAIM.replace("    decision: approval\n", "    decision: approval\n    version: 4\n")),
            "default",
        )
    assert [(p.pointer, p.expected) for p in caught.value.problems] == [("/steps/check/version", "one of: 1")]
    with pytest.raises(DefinitionInvalid):
        office.decision_tables.check_definition(office.engine.load(CLAIM), "acme")
    office.decision_tables.check_definition(office.engine.load(CLAIM), "default")


def test_a_definition_with_a_malformed_rules_step_is_refused_at_load(make_office: Any) -> None:
    office: Office = make_office()
    with pytest.raises(DefinitionInvalid) as caught:
        office.engine.load(
            "name: w\nversion: 1\nsteps:\n"
            "  check: {kind: rules, table: 'no/such', input: [1], route_by: x, routes: {a: nowhere}}\n"
        )
    assert [p.pointer for p in caught.value.problems] == ["/steps/check/table"]
    with pytest.raises(DefinitionInvalid) as caught:
        office.engine.load(
            "name: w\nversion: 1\nsteps:\n"
            "  check: {kind: rules, table: t, input: '[1]', route_by: x, routes: {a: nowhere}}\n"
        )
    found = {p.pointer: p.message for p in caught.value.problems}
    assert "the input is not a mapping" in found["/steps/check/input"]
    assert "nowhere" in found["/steps/check/routes/a"]


def test_evaluation_errors_and_missing_tables_fail_the_step_then_a_retry_recovers(make_office: Any) -> None:
    office: Office = make_office()
    office.decision_tables.push(OVERLAPPING, tenant="default")
    office.engine.apply(
        "name: banding\nversion: 1\nsteps:\n"
        "  band: {kind: rules, table: bands, decision: band, input: {amount: input.amount}, next: done}\n"
        "  done: {kind: end, output: steps.band.output}\n"
    )
    failed = run(office, "banding", {"amount": 70})
    assert failed.status == RunStatus.FAILED
    assert failed.error["type"] == "DecisionEvaluationError"
    assert "decision table 'bands' version 1" in failed.error["message"]
    assert "rules 1, 2" in failed.error["message"]
    assert office.queries.decision_tables.hits("default", "bands", 1).evaluations == 0
    assert run(office, "banding", {"amount": 20}).output == "low"

    office.engine.apply(CLAIM)
    missing = run(office, "claim", {"amount": 30, "category": "meals"})
    assert missing.status == RunStatus.FAILED
    assert missing.error["type"] == "DecisionTableNotFound"
    assert missing.error["message"] == "no decision table 'per-diem' in tenant 'default'"
    office.decision_tables.push(per_diem(), tenant="default")
    office.engine.retry(missing.id, actor="user:ops")
    office.engine.run_until_idle()
    assert office.engine.get_run(missing.id).output["path"] == "paid"


def test_a_modelers_dmn_drd_counts_the_rows_of_both_its_tables(make_office: Any) -> None:
    """The Camunda 7 dinner DRD (a table requiring another): a step asking for the dish records and
    counts the rows matched in both tables, by their table ids."""
    office: Office = make_office()
    office.decision_tables.push((DATA / "camunda7-dish.dmn").read_text(), tenant="default")
    office.engine.apply(
        "name: dinner\nversion: 1\nsteps:\n"
        "  dish: {kind: rules, table: Dinner, decision: Dish, input: {month: input.month, guestCount: input.guests},"
        " next: done}\n"
        "  done: {kind: end, output: steps.dish.output}\n"
    )
    assert run(office, "dinner", {"month": 1, "guests": 4}).output == "Spareribs"
    assert run(office, "dinner", {"month": 4, "guests": 6}).output == "Stew"
    trip = run(office, "dinner", {"month": 12, "guests": 10})
    assert trip.output == "Pasta"
    (event,) = office.queries.decision_tables.evaluated_in_run("default", trip.id)
    assert [(m["table"], m["rule"], m["id"]) for m in event.data["matched"]] == [
        ("seasonTable", 1, "s1"),
        ("dishTable", 2, "r2"),
    ]
    assert event.data["columns"]["dishTable"] == {"inputs": ["Season", "How many guests"], "outputs": ["desiredDish"]}
    hits = office.queries.decision_tables.hits("default", "Dinner", 1).as_dict()["tables"]
    assert hits == {"dishTable": {"1": 1, "2": 1, "4": 1}, "seasonTable": {"1": 2, "2": 1}}


def test_concurrent_runs_count_every_hit_exactly_once(make_office: Any) -> None:
    """Eight threads start runs at once whose first step is a rules step (it runs in the start's
    transaction): the counts add up exactly, with no lost update and no deadlock left unresolved."""
    import threading

    office: Office = make_office()
    office.decision_tables.push(per_diem(), tenant="default")
    office.engine.apply(
        "name: quick\nversion: 1\nsteps:\n"
        "  check: {kind: rules, table: per-diem, decision: approval,"
        " input: {amount: input.amount, category: input.category}, next: done}\n"
        "  done: {kind: end, output: steps.check.output}\n"
    )
    failures: list[BaseException] = []

    def start_many(thread: int) -> None:
        try:
            for i in range(10):
                amount = 10 if (thread + i) % 2 else 900
                office.engine.start("quick", {"amount": amount, "category": "meals" if amount == 10 else "travel"})
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=start_many, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    office.engine.run_until_idle()
    hits = office.queries.decision_tables.hits("default", "per-diem", 1)
    assert hits.evaluations == 80
    assert hits.as_dict()["tables"] == {"approval": {"1": 40, "2": 40}}
