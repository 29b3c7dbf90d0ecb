"""Control-flow analysis of a definition's steps: unknown targets, branches, reachability,
loops that cannot end and loops that would spin inside one transaction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from officeflow.steps.base import StepConfig

Path = tuple[str | int, ...]
Frame = tuple[str, str]
"""(parallel step id, first step of the branch)"""
Scope = tuple[Frame, ...]


@dataclass(frozen=True, kw_only=True)
class GraphProblem:
    step: str
    path: Path
    message: str
    expected: str | None = None


@dataclass
class Graph:
    """Edges and the branch (scope) each reachable step belongs to."""

    start: str
    scopes: dict[str, Scope] = field(default_factory=dict)
    successors: dict[str, list[str]] = field(default_factory=dict)
    problems: list[GraphProblem] = field(default_factory=list)
    unparsed: set[str] = field(default_factory=set)

    def ordered(self, steps: Mapping[str, StepConfig]) -> list[str]:
        """Reachable steps, breadth first from the start (for drawing and listing)."""
        seen, order, queue = {self.start}, [], [self.start]
        while queue:
            sid = queue.pop(0)
            order.append(sid)
            step = steps.get(sid)
            if step is None:
                continue
            for edge in [*step.branch_starts(), *step.edges()]:
                if edge.target in steps and edge.target not in seen:
                    seen.add(edge.target)
                    queue.append(edge.target)
        return order


def analyse(steps: Mapping[str, StepConfig], start: str, *, all_ids: set[str] | None = None) -> Graph:
    """Analyse ``steps`` (those that parsed); ``all_ids`` also holds steps that failed to parse,
    so that an edge to them is not reported as unknown."""
    known = all_ids if all_ids is not None else set(steps)
    graph = Graph(start=start)
    graph.unparsed = known - set(steps)
    for sid, step in steps.items():
        targets = []
        for edge in [*step.edges(), *step.branch_starts()]:
            if edge.target not in known:
                graph.problems.append(
                    GraphProblem(
                        step=sid,
                        path=edge.path,
                        message=f"'{edge.target}' is not a step of this workflow",
                        expected="one of: " + ", ".join(sorted(known)),
                    )
                )
            elif edge.target in steps:
                targets.append(edge.target)
        graph.successors[sid] = targets
    if start not in steps:
        return graph
    _assign_scopes(steps, graph)
    for sid in steps:
        if sid not in graph.scopes and not graph.unparsed:  # a step that failed to parse hides edges
            graph.problems.append(
                GraphProblem(
                    step=sid,
                    path=(),
                    message=f"step is never reached from the start step '{start}'",
                    expected="every step reachable through next, switch cases, branches or timeouts",
                )
            )
    for sid, scope in graph.scopes.items():
        if scope and steps[sid].ends_workflow:
            graph.problems.append(
                GraphProblem(
                    step=sid,
                    path=("kind",),
                    message=f"'end' inside branch '{scope[-1][1]}' of parallel '{scope[-1][0]}'",
                    expected="a branch ends at a step without next",
                )
            )
    _check_exits(steps, graph)
    _check_spins(steps, graph)
    return graph


def _assign_scopes(steps: Mapping[str, StepConfig], graph: Graph) -> None:
    queue: list[tuple[str, Scope]] = [(graph.start, ())]
    while queue:
        sid, scope = queue.pop(0)
        if sid in graph.scopes:
            if graph.scopes[sid] != scope:
                graph.problems.append(
                    GraphProblem(
                        step=sid,
                        path=(),
                        message=f"step is reached from {_describe(graph.scopes[sid])} and from {_describe(scope)}",
                        expected="each step in one branch only; a branch ends at a step without next",
                    )
                )
            continue
        graph.scopes[sid] = scope
        step = steps[sid]
        for edge in step.edges():
            if edge.target in steps:
                queue.append((edge.target, scope))
        for edge in step.branch_starts():
            if edge.target in steps:
                queue.append((edge.target, (*scope, (sid, edge.target))))


def _describe(scope: Scope) -> str:
    if not scope:
        return "the main flow"
    parallel, branch = scope[-1]
    return f"branch '{branch}' of parallel '{parallel}'"


def _check_exits(steps: Mapping[str, StepConfig], graph: Graph) -> None:
    """Every reachable step must be able to reach the end of its branch or of the workflow."""
    reverse: dict[str, set[str]] = {sid: set() for sid in steps}
    exits = []
    for sid in graph.scopes:
        step = steps[sid]
        targets = [e.target for e in step.edges() if e.target in steps]
        blind = any(e.target not in steps for e in step.edges())
        if step.ends_workflow or not step.edges() or blind:
            exits.append(sid)
        for target in targets:
            reverse[target].add(sid)
    can_exit = set(exits)
    queue = list(exits)
    while queue:
        sid = queue.pop()
        for before in reverse[sid]:
            if before not in can_exit:
                can_exit.add(before)
                queue.append(before)
    stuck = [sid for sid in graph.scopes if sid not in can_exit]
    reported: set[str] = set()
    for component in _components(steps, graph):
        members = [s for s in component if s in stuck]
        if not members:
            continue
        loop = " → ".join([*component, component[0]]) if len(component) > 1 else f"{component[0]} → {component[0]}"
        for sid in members:
            reported.add(sid)
        graph.problems.append(
            GraphProblem(
                step=component[0],
                path=(),
                message=f"loop with no way out: {loop}",
                expected="a switch case, timeout or next that leaves the loop",
            )
        )
    for sid in stuck:
        if sid not in reported:
            graph.problems.append(
                GraphProblem(
                    step=sid,
                    path=(),
                    message="every path from this step leads into a loop with no way out",
                    expected="a path to a step without next, or to an end step",
                )
            )


def _check_spins(steps: Mapping[str, StepConfig], graph: Graph) -> None:
    """A loop made only of instant steps (switch) would turn forever inside one transaction."""
    for component in _components(steps, graph):
        if all(getattr(steps[s], "instant", False) for s in component):
            loop = " → ".join([*component, component[0]])
            graph.problems.append(
                GraphProblem(
                    step=component[0],
                    path=(),
                    message=f"loop made only of switch steps: {loop}",
                    expected="a step that does work, waits or sleeps inside the loop",
                )
            )


def _components(steps: Mapping[str, StepConfig], graph: Graph) -> list[list[str]]:
    """Strongly connected components that form a loop (Tarjan), members in file order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[list[str]] = []
    counter = [0]
    order = {sid: i for i, sid in enumerate(steps)}

    def visit(root: str) -> None:
        work: list[tuple[str, int]] = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter[0]
                counter[0] += 1
                stack.append(node)
                on_stack.add(node)
            succ = graph.successors.get(node, [])
            if i < len(succ):
                work.append((node, i + 1))
                nxt = succ[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                comp = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    comp.append(top)
                    if top == node:
                        break
                if len(comp) > 1 or node in graph.successors.get(node, []):
                    out.append(sorted(comp, key=order.__getitem__))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])

    for sid in graph.scopes:
        if sid not in index:
            visit(sid)
    return out
