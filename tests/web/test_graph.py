"""The graph renderer (officeflow.web.graph): layout properties and what the SVG shows. No I/O."""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from officeflow.definitions.load import load_definition
from officeflow.definitions.model import Definition
from officeflow.kinds import BUILTIN_KINDS
from officeflow.steps.registry import Registry
from officeflow.web import graph
from tests.web import handlers
from tests.web.definitions import LOANS, ONBOARDING, ORDERS_V1

EXPENSE = (Path(__file__).resolve().parents[2] / "examples" / "expense_approval" / "definition.yaml").read_text()
LOOPS = """\
name: loops
version: 1
steps:
  fetch: {kind: task, handler: web.check, next: decide}
  decide:
    kind: switch
    cases:
      - {when: "steps.fetch.output.ok", to: fetch}
      - {when: "steps.fetch.output.amount > 3", to: decide_again}
    default: done
  decide_again: {kind: wait, signal: again, timeout: 10m, on_timeout: fetch, next: done}
  done: {kind: end}
"""


def definition(source: str) -> Definition:
    from examples.expense_approval import handlers as expense_handlers

    return load_definition(source, Registry([handlers, expense_handlers], kinds=BUILTIN_KINDS))


def real_boxes(layout: graph.Layout) -> list[graph.Box]:
    return [b for b in layout.boxes.values() if not b.dummy]


def overlap(a: graph.Box, b: graph.Box) -> bool:
    return a.left < b.right and b.left < a.right and a.y < b.bottom and b.y < a.bottom


ALL = [ORDERS_V1, ONBOARDING, LOANS, EXPENSE, LOOPS]


@pytest.mark.parametrize("source", ALL, ids=["orders", "onboarding", "loans", "expense", "loops"])
def test_no_two_nodes_overlap_and_every_edge_is_drawn(source: str) -> None:
    """Every pair of boxes (nodes and edge placeholders) is apart, and each edge of the
    definition is one path in the SVG, from its source's box to its target's box."""
    d = definition(source)
    layout = graph.layout_of(d)
    for a, b in itertools.combinations(layout.boxes.values(), 2):
        if a.dummy and b.dummy and a.layer != b.layer:
            continue
        assert not overlap(a, b), (a, b)
    _, edges = graph.graph_of(d)
    assert len(layout.routes) == len(edges)
    svg = str(graph.render(d))
    drawn = re.findall(r'data-from="([^"]+)" data-to="([^"]+)"', svg)
    assert sorted(drawn) == sorted((e.source, e.target) for e in edges)
    for route in layout.routes:
        source_box, target_box = layout.boxes[route.edge.source], layout.boxes[route.edge.target]
        start, end = route.points[0], route.points[-1]
        assert source_box.left - 0.1 <= start[0] <= source_box.right + 25
        assert target_box.left - 0.1 <= end[0] <= target_box.right + 0.1
        assert source_box.y - 0.1 <= start[1] <= source_box.bottom + 0.1
        assert target_box.y - 0.1 <= end[1] <= target_box.bottom + 0.1


def test_edges_between_layers_never_cross_a_node() -> None:
    """A path runs through the gaps between layers or through its own placeholder slot:
    no segment passes through a step's box."""
    d = definition(EXPENSE)
    layout = graph.layout_of(d)
    for route in layout.routes:
        for (x0, y0), (x1, y1) in itertools.pairwise(route.points):
            for box in real_boxes(layout):
                if box.id in (route.edge.source, route.edge.target):
                    continue
                # sample the segment
                for t in (0.25, 0.5, 0.75):
                    x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                    assert not (box.left < x < box.right and box.y < y < box.bottom), (route.edge, box.id)


def test_flow_goes_down_and_loops_are_marked() -> None:
    """Each forward edge's target sits in a lower layer than its source; the edges that close a
    loop (back to fetch) are drawn as loops."""
    d = definition(LOOPS)
    layout = graph.layout_of(d)
    for route in layout.routes:
        a, b = layout.boxes[route.edge.source], layout.boxes[route.edge.target]
        if route.loop:
            assert b.layer <= a.layer
        else:
            assert b.layer > a.layer
    loops = {(r.edge.source, r.edge.target) for r in layout.routes if r.loop}
    assert ("decide", "fetch") in loops
    assert ("decide_again", "fetch") in loops


def test_edge_kinds_and_labels() -> None:
    """Switch cases carry their condition (the end of it when long), defaults and timeouts say
    so, parallel branches are branch edges."""
    _, edges = graph.graph_of(definition(ORDERS_V1))
    kinds = {(e.source, e.target): (e.kind, e.label) for e in edges}
    assert kinds[("route", "approval")] == ("case", "input.amount > 100")
    assert kinds[("route", "ship")] == ("default", "default")
    assert kinds[("approval", "ship")][0] in ("next", "timeout")
    assert ("timeout", "timeout") in {(e.kind, e.label) for e in edges}
    assert kinds[(graph.START, "check")] == ("next", "")
    _, edges = graph.graph_of(definition(ONBOARDING))
    assert {(e.source, e.target) for e in edges if e.kind == "branch"} == {("setup", "laptop"), ("setup", "accounts")}
    _, edges = graph.graph_of(definition(EXPENSE))
    long = next(e for e in edges if e.kind == "case" and e.target == "notify_rejected")
    assert long.label.startswith("…")
    assert long.label.endswith('"reject"')
    assert long.detail == 'steps.policy.output.verdict == "reject"'


def test_states_are_drawn_with_their_classes_and_described() -> None:
    """Completed, current and failed steps get their class and mark; the rest are idle; the SVG's
    description lists them for screen readers."""
    d = definition(ORDERS_V1)
    svg = str(graph.render(d, {"check": "completed", "route": "completed", "ship": "failed", "approval": "current"}))
    states = dict(re.findall(r'data-step="([^"]+)" data-state="([^"]+)"', svg))
    assert states == {
        "check": "completed",
        "route": "completed",
        "approval": "current",
        "ship": "failed",
        "notify": "idle",
    }
    assert 'class="node is-failed k-task"' in svg
    assert "<desc" in svg
    assert "Failed: ship." in svg
    assert "Completed: check, route." in svg


def test_text_is_escaped() -> None:
    """Titles and conditions are text, never markup."""
    source = ORDERS_V1.replace("title: Check the order", 'title: "<script>x</script> & co"')
    svg = str(graph.render(definition(source)))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


@st.composite
def random_graphs(draw: Any) -> tuple[list[graph.Node], list[graph.Edge]]:
    count = draw(st.integers(2, 14))
    ids = [f"s{i}" for i in range(count)]
    nodes = [graph.Node(graph.START, "start")] + [
        graph.Node(i, draw(st.sampled_from(["task", "switch", "wait"]))) for i in ids
    ]
    edges = [graph.Edge(graph.START, ids[0], "next")]
    pairs = draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=count * 2))
    for a, b in pairs:
        labelled = draw(st.booleans())
        edges.append(graph.Edge(a, b, "case" if labelled else "next", "x > 1" if labelled else ""))
    return nodes, edges


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_random_graphs_lay_out_without_overlaps(made: tuple[list[graph.Node], list[graph.Edge]]) -> None:
    """Any graph (loops, self-loops, parallel edges, unreachable steps) gets a layout where no
    two boxes of a layer overlap and every edge has a route."""
    nodes, edges = made
    layout = graph.layout(nodes, edges)
    assert len(layout.routes) == len(edges)
    for a, b in itertools.combinations(layout.boxes.values(), 2):
        if a.layer == b.layer:
            assert not overlap(a, b), (a, b)
    for route in layout.routes:
        assert len(route.points) >= 2
    svg = str(graph.draw(layout, {}, label="random"))
    assert svg.count("data-from=") == len(edges)
