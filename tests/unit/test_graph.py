"""Control-flow analysis of a definition's steps: branches (scopes), unknown targets, reachability,
loops that cannot end and loops that would spin inside one transaction."""

from __future__ import annotations

from typing import Any

from officeflow.definitions.graph import Graph, analyse
from officeflow.kinds import BUILTIN_KINDS
from officeflow.steps.base import StepConfig
from officeflow.steps.registry import Registry

REGISTRY = Registry(kinds=BUILTIN_KINDS)


def steps(**raw: dict[str, Any]) -> dict[str, StepConfig]:
    """Step configurations as the loader makes them (in the order given, as in a file)."""
    out = {}
    for sid, fields in raw.items():
        kind = REGISTRY.kind(fields["kind"])
        assert kind is not None
        out[sid] = kind.config.model_validate(fields)
    return out


def task(next: str | None = None) -> dict[str, Any]:
    return {"kind": "task", "handler": "h", **({"next": next} if next else {})}


def messages(graph: Graph) -> list[tuple[str, str]]:
    return [(p.step, p.message) for p in graph.problems]


def test_each_step_gets_the_branch_it_runs_in() -> None:
    found = steps(
        a=task("p"),
        p={"kind": "parallel", "branches": ["l", "r"], "next": "z"},
        l=task("l2"),
        l2={"kind": "parallel", "branches": ["deep"]},
        deep=task(),
        r=task(),
        z=task(),
    )
    graph = analyse(found, "a")
    assert graph.problems == []
    assert graph.scopes == {
        "a": (),
        "p": (),
        "z": (),
        "l": (("p", "l"),),
        "l2": (("p", "l"),),
        "r": (("p", "r"),),
        "deep": (("p", "l"), ("l2", "deep")),
    }
    assert graph.successors["p"] == ["z", "l", "r"]
    assert graph.ordered(found) == ["a", "p", "l", "r", "z", "l2", "deep"]  # branches before what follows


def test_a_target_that_is_no_step_is_reported_at_its_field() -> None:
    graph = analyse(
        steps(a=task("b"), c={"kind": "switch", "cases": [{"when": "true", "to": "x"}], "default": "a"}), "a"
    )
    assert [(p.step, p.path, p.message, p.expected) for p in graph.problems if "not a step" in p.message] == [
        ("a", ("next",), "'b' is not a step of this workflow", "one of: a, c"),
        ("c", ("cases", 0, "to"), "'x' is not a step of this workflow", "one of: a, c"),
    ]


def test_a_step_that_failed_to_parse_is_neither_unknown_nor_a_reason_to_call_others_unreachable() -> None:
    graph = analyse(steps(a=task("broken"), lonely=task()), "a", all_ids={"a", "broken", "lonely"})
    assert graph.problems == []
    assert graph.unparsed == {"broken"}


def test_a_step_never_reached_from_the_start_is_reported() -> None:
    graph = analyse(steps(a=task(), b=task("a")), "a")
    assert messages(graph) == [("b", "step is never reached from the start step 'a'")]


def test_an_end_inside_a_branch_and_a_step_shared_by_two_branches_are_reported() -> None:
    graph = analyse(
        steps(
            p={"kind": "parallel", "branches": ["l", "r"]},
            l=task("shared"),
            r={"kind": "end"},
            shared=task(),
        ),
        "p",
    )
    assert ("r", "'end' inside branch 'r' of parallel 'p'") in messages(graph)
    assert ("shared", "step is reached from branch 'l' of parallel 'p' and from the main flow") not in messages(graph)
    graph = analyse(steps(p={"kind": "parallel", "branches": ["l"], "next": "l"}, l=task()), "p")
    assert messages(graph) == [("l", "step is reached from the main flow and from branch 'l' of parallel 'p'")]


def test_a_loop_without_a_way_out_is_reported_once_with_its_members_in_file_order() -> None:
    graph = analyse(steps(start=task("b"), c=task("b"), b=task("c")), "start")
    assert messages(graph) == [
        ("c", "loop with no way out: c → b → c"),
        ("start", "every path from this step leads into a loop with no way out"),
    ]


def test_a_step_looping_onto_itself_is_a_loop() -> None:
    graph = analyse(steps(a=task("a")), "a")
    assert messages(graph) == [("a", "loop with no way out: a → a")]


def test_a_loop_with_a_switch_exit_or_a_timeout_is_fine() -> None:
    with_switch = steps(
        a=task("check"),
        check={"kind": "switch", "cases": [{"when": "steps.a.output.done", "to": "out"}], "default": "a"},
        out=task(),
    )
    assert analyse(with_switch, "a").problems == []
    with_timeout = steps(
        w={"kind": "wait", "signal": "s", "timeout": "1h", "on_timeout": "out", "next": "w"},
        out=task(),
    )
    assert analyse(with_timeout, "w").problems == []


def test_a_loop_of_switch_steps_only_would_spin_inside_one_transaction() -> None:
    graph = analyse(
        steps(
            s1={"kind": "switch", "cases": [{"when": "input.x", "to": "s2"}], "default": "done"},
            s2={"kind": "switch", "cases": [{"when": "input.y", "to": "s1"}], "default": "done"},
            done=task(),
        ),
        "s1",
    )
    assert messages(graph) == [("s1", "loop made only of switch steps: s1 → s2 → s1")]


def test_a_start_that_did_not_parse_stops_the_analysis_after_the_targets() -> None:
    graph = analyse(steps(b=task("nowhere")), "a", all_ids={"a", "b"})
    assert messages(graph) == [("b", "'nowhere' is not a step of this workflow")]
    assert graph.scopes == {}
