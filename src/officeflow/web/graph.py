"""A workflow's graph drawn on the server as inline SVG, with a small layered layout.

1. **Edges**: every step a step names: ``next``, switch cases (labelled with their condition) and
   ``default``, a wait's ``on_timeout``, a parallel's branches, and any other step-naming field
   (an ``on_failure``-like field is drawn as a failure edge).
2. **Layers**: loops are broken by reversing the back edges of a depth-first walk from the start;
   each step sits below all its predecessors (longest path). A labelled edge spans two layers, so
   its label gets a slot of its own in the layer between.
3. **Long edges** pass through a placeholder in every layer they cross: edges run between layers
   or through their own slot, never across a node.
4. **Order** within a layer: barycentre sweeps, keeping the order with the fewest crossings.
5. **x**: each node is pulled towards its neighbours; overlaps are resolved by a left and a right
   pass, averaged (both keep the minimum gaps, so their average does too).

The layout depends only on the definition and is cached; the step states (completed, current,
failed) are applied when drawing.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

from officeflow.definitions.model import Definition

START = "(start)"
"""The start marker's node id (step ids cannot contain parentheses)."""
NODE_H = 48.0
START_SIZE = 22.0
MIN_W, MAX_W = 148.0, 264.0
GAP = 32.0
"""Horizontal gap between two nodes of a layer."""
DUMMY_GAP = 14.0
V_GAP = 34.0
"""Vertical gap between two layers."""
MARGIN = 20.0
LABEL_H = 20.0
LABEL_CHARS = 26
ID_CHARS = 30
SUB_CHARS = 30
STATES = ("completed", "current", "failed")
EDGE_KINDS = ("next", "case", "default", "timeout", "branch", "failure", "other")


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str
    """one of EDGE_KINDS"""
    label: str = ""
    detail: str = ""
    """The full text of a shortened label (shown as a tooltip)."""


@dataclass(frozen=True)
class Node:
    id: str
    kind: str
    title: str | None = None


@dataclass
class Box:
    """A node (or a placeholder of a long edge) placed on the canvas."""

    id: str
    layer: int
    w: float
    h: float
    x: float = 0.0
    """centre"""
    y: float = 0.0
    """top"""
    dummy: bool = False
    label: str = ""

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def right(self) -> float:
        return self.x + self.w / 2

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Route:
    edge: Edge
    points: list[tuple[float, float]]
    """From the edge's source to its target."""
    passes: set[int] = field(default_factory=set)
    """Indexes i where points[i] -> points[i+1] passes straight through a placeholder."""
    loop: bool = False
    """A back edge (drawn against the flow) or a self-loop."""
    label_at: tuple[float, float] | None = None


@dataclass
class Layout:
    nodes: dict[str, Node]
    boxes: dict[str, Box]
    routes: list[Route]
    width: float
    height: float


# Edges of a definition


def graph_of(definition: Definition) -> tuple[list[Node], list[Edge]]:
    """The nodes (the start marker, then every step) and edges of a definition."""
    nodes = [Node(START, "start")]
    edges = [Edge(START, definition.start, "next")]
    for sid, step in definition.steps.items():
        nodes.append(Node(sid, step.kind, step.title))
        for edge in step.branch_starts():
            edges.append(Edge(sid, edge.target, "branch"))
        for edge in step.edges():
            edges.append(_classify(sid, step, edge.target, edge.path))
    known = {n.id for n in nodes}
    return nodes, [e for e in edges if e.target in known]


def _classify(sid: str, step: Any, target: str, path: tuple[str | int, ...]) -> Edge:
    name = str(path[0]) if path else "next"
    if name == "next":
        return Edge(sid, target, "next")
    if name == "cases" and len(path) > 1:
        try:
            condition = str(step.cases[int(path[1])].when.source)
        except (AttributeError, IndexError, TypeError, ValueError):
            condition = f"case {path[1]}"
        return Edge(sid, target, "case", _tail(condition, LABEL_CHARS), condition)
    if name == "default":
        return Edge(sid, target, "default", "default")
    if name == "on_timeout" or (name == "sla" and "escalate" in path):
        return Edge(sid, target, "timeout", "timeout")
    if name == "outcomes" and len(path) > 1:  # a human step: the outcome that leads there
        outcome = str(path[1]).replace("_", " ")
        return Edge(sid, target, "case", _short(outcome, LABEL_CHARS), f"outcome {outcome}")
    if "fail" in name or "error" in name:
        return Edge(sid, target, "failure", "on failure")
    label = name.replace("_", " ")
    return Edge(sid, target, "other", _short(label, LABEL_CHARS), label)


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _tail(text: str, limit: int) -> str:
    """The end of a long condition (where the value it tests is): ``…verdict == "reject"``."""
    text = " ".join(text.split())
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]


# Layout


def layout(nodes: Sequence[Node], edges: Sequence[Edge], start: str = START) -> Layout:
    ids = [n.id for n in nodes]
    by_id = {n.id: n for n in nodes}
    succ: dict[str, list[str]] = {i: [] for i in ids}
    for e in edges:
        if e.source != e.target and e.target not in succ[e.source]:
            succ[e.source].append(e.target)
    back, discovery = _back_edges(ids, succ, start)

    # Layout edges go downwards: back edges are reversed. A labelled edge spans two layers.
    span: dict[tuple[str, str], int] = {}
    for e in edges:
        if e.source == e.target:
            continue
        a, b = (e.target, e.source) if (e.source, e.target) in back else (e.source, e.target)
        span[(a, b)] = max(span.get((a, b), 1), 2 if e.label else 1)
    layer = _longest_path(ids, span, discovery)

    boxes: dict[str, Box] = {}
    for n in nodes:
        if n.id == start and n.kind == "start":
            boxes[n.id] = Box(n.id, layer[n.id], START_SIZE, START_SIZE)
        else:
            boxes[n.id] = Box(n.id, layer[n.id], _width(n), NODE_H)

    # Chains through placeholders; (upper, lower) pairs between adjacent layers.
    chains: list[list[str]] = []
    pairs: list[tuple[str, str]] = []
    rank: dict[str, float] = {i: float(discovery.get(i, len(ids) + k)) for k, i in enumerate(ids)}
    for index, e in enumerate(edges):
        if e.source == e.target:
            chains.append([e.source])
            continue
        reverse = (e.source, e.target) in back
        a, b = (e.target, e.source) if reverse else (e.source, e.target)
        chain = [a]
        for level in range(layer[a] + 1, layer[b]):
            did = f"\x00{index}:{level}"
            first = level == layer[a] + 1
            text = e.label if first and e.label else ""
            width = max(10.0, _text_width(text, 6.3) + 14) if text else 10.0
            boxes[did] = Box(did, level, width, LABEL_H if text else 0.0, dummy=True, label=text)
            rank[did] = rank[a] + 0.5 + index / (10 * (len(edges) + 1))
            chain.append(did)
        chain.append(b)
        chains.append(chain)
        pairs += list(pairwise(chain))

    depth = max((b.layer for b in boxes.values()), default=0) + 1
    layers: list[list[str]] = [[] for _ in range(depth)]
    for bid in sorted(boxes, key=lambda i: rank.get(i, 0.0)):
        layers[boxes[bid].layer].append(bid)
    ups: dict[str, list[str]] = {b: [] for b in boxes}
    downs: dict[str, list[str]] = {b: [] for b in boxes}
    for a, b in pairs:
        downs[a].append(b)
        ups[b].append(a)
    layers = _order(layers, ups, downs)
    _place_x(layers, boxes, ups, downs, self_loops={e.source for e in edges if e.source == e.target})
    height = _place_y(layers, boxes)
    width = max((b.right for b in boxes.values()), default=0.0) + MARGIN + 24

    routes = _routes(edges, chains, back, boxes)
    return Layout(nodes=dict(by_id), boxes=boxes, routes=routes, width=width, height=height)


def _width(n: Node) -> float:
    sub = n.title or n.kind
    text = max(_text_width(_short(n.id, ID_CHARS), 7.6), _text_width(_short(sub, SUB_CHARS), 6.4))
    return max(MIN_W, min(MAX_W, text + 62))


def _text_width(text: str, per_char: float) -> float:
    return len(text) * per_char


def _back_edges(ids: list[str], succ: dict[str, list[str]], start: str) -> tuple[set[tuple[str, str]], dict[str, int]]:
    """Edges that close a loop in a depth-first walk from ``start`` (then from unreached nodes),
    and each node's discovery order."""
    state: dict[str, int] = {}
    order: dict[str, int] = {}
    back: set[tuple[str, str]] = set()
    for root in [start, *ids]:
        if root in state or root not in succ:
            continue
        state[root] = 1
        order[root] = len(order)
        stack = [(root, iter(succ[root]))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                state[node] = 2
                stack.pop()
                continue
            seen = state.get(nxt, 0)
            if seen == 0:
                state[nxt] = 1
                order[nxt] = len(order)
                stack.append((nxt, iter(succ[nxt])))
            elif seen == 1:
                back.add((node, nxt))
    return back, order


def _longest_path(ids: list[str], span: Mapping[tuple[str, str], int], discovery: Mapping[str, int]) -> dict[str, int]:
    """Each node one layer (or the edge's span) below the lowest of its predecessors."""
    incoming: dict[str, int] = dict.fromkeys(ids, 0)
    out: dict[str, list[tuple[str, int]]] = {i: [] for i in ids}
    for (a, b), length in span.items():
        out[a].append((b, length))
        incoming[b] += 1
    layer = dict.fromkeys(ids, 0)
    ready = sorted((i for i in ids if incoming[i] == 0), key=lambda i: discovery.get(i, 0))
    while ready:
        node = ready.pop(0)
        for target, length in out[node]:
            layer[target] = max(layer[target], layer[node] + length)
            incoming[target] -= 1
            if incoming[target] == 0:
                ready.append(target)
    return layer


def _order(layers: list[list[str]], ups: dict[str, list[str]], downs: dict[str, list[str]]) -> list[list[str]]:
    best = [list(layer) for layer in layers]
    best_crossings = _crossings(best, downs)
    current = [list(layer) for layer in layers]
    for sweep in range(12):
        if best_crossings == 0:
            break
        if sweep % 2 == 0:
            for i in range(1, len(current)):
                current[i] = _by_barycentre(current[i], current[i - 1], ups)
        else:
            for i in range(len(current) - 2, -1, -1):
                current[i] = _by_barycentre(current[i], current[i + 1], downs)
        crossings = _crossings(current, downs)
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in current], crossings
    return best


def _by_barycentre(layer: list[str], fixed: list[str], neighbours: dict[str, list[str]]) -> list[str]:
    position = {n: i for i, n in enumerate(fixed)}

    def key(item: tuple[int, str]) -> tuple[float, int]:
        index, node = item
        near = [position[n] for n in neighbours[node] if n in position]
        return (sum(near) / len(near) if near else float(index), index)

    return [n for _, n in sorted(enumerate(layer), key=key)]


def _crossings(layers: list[list[str]], downs: dict[str, list[str]]) -> int:
    total = 0
    for upper, lower in pairwise(layers):
        below = {n: i for i, n in enumerate(lower)}
        segments = [(i, below[t]) for i, n in enumerate(upper) for t in downs[n] if t in below]
        for k, (a1, b1) in enumerate(segments):
            for a2, b2 in segments[k + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    total += 1
    return total


def _place_x(
    layers: list[list[str]],
    boxes: dict[str, Box],
    ups: dict[str, list[str]],
    downs: dict[str, list[str]],
    *,
    self_loops: set[str],
) -> None:
    def gap(a: str, b: str) -> float:
        between = DUMMY_GAP if boxes[a].dummy or boxes[b].dummy else GAP
        extra = 22.0 if a in self_loops else 0.0
        return (boxes[a].w + boxes[b].w) / 2 + between + extra

    for layer in layers:
        x = 0.0
        for i, node in enumerate(layer):
            x = x + gap(layer[i - 1], node) if i else boxes[node].w / 2
            boxes[node].x = x
    for sweep in range(8):
        down = sweep % 2 == 0
        order = layers if down else list(reversed(layers))
        for layer in order:
            if not layer:
                continue
            wanted = []
            for node in layer:
                near = (ups if down else downs)[node] or (downs if down else ups)[node]
                wanted.append(sum(boxes[n].x for n in near) / len(near) if near else boxes[node].x)
            left = list(wanted)
            for i in range(1, len(layer)):
                left[i] = max(wanted[i], left[i - 1] + gap(layer[i - 1], layer[i]))
            right = list(wanted)
            for i in range(len(layer) - 2, -1, -1):
                right[i] = min(wanted[i], right[i + 1] - gap(layer[i], layer[i + 1]))
            for i, node in enumerate(layer):
                boxes[node].x = (left[i] + right[i]) / 2
    shift = MARGIN - min((b.left for b in boxes.values()), default=MARGIN)
    for b in boxes.values():
        b.x += shift


def _place_y(layers: list[list[str]], boxes: dict[str, Box]) -> float:
    y = MARGIN
    for layer in layers:
        band = max((boxes[n].h for n in layer), default=0.0)
        band = max(band, 8.0)
        for node in layer:
            boxes[node].y = y + (band - boxes[node].h) / 2
            boxes[node].h = boxes[node].h if not boxes[node].dummy else band
            if boxes[node].dummy:
                boxes[node].y = y
        y += band + V_GAP
    return y - V_GAP + MARGIN


def _routes(
    edges: Sequence[Edge], chains: list[list[str]], back: set[tuple[str, str]], boxes: dict[str, Box]
) -> list[Route]:
    # Ports: spread the edges that leave a node's bottom (and enter its top) along its width.
    bottoms: dict[str, list[tuple[float, int]]] = {}
    tops: dict[str, list[tuple[float, int]]] = {}
    for index, chain in enumerate(chains):
        if len(chain) < 2:
            continue
        bottoms.setdefault(chain[0], []).append((boxes[chain[1]].x, index))
        tops.setdefault(chain[-1], []).append((boxes[chain[-2]].x, index))
    out_port = _ports(bottoms, boxes)
    in_port = _ports(tops, boxes)
    routes = []
    for index, (e, chain) in enumerate(zip(edges, chains, strict=True)):
        if len(chain) == 1:
            b = boxes[e.source]
            points = [
                (b.right, b.y + 14),
                (b.right + 20, b.y + 14),
                (b.right + 20, b.bottom - 14),
                (b.right, b.bottom - 14),
            ]
            routes.append(Route(e, points, loop=True))
            continue
        a, z = boxes[chain[0]], boxes[chain[-1]]
        points = [(out_port[(chain[0], index)], a.bottom)]
        passes = set()
        label_at = None
        for did in chain[1:-1]:
            d = boxes[did]
            passes.add(len(points))
            points += [(d.x, d.y), (d.x, d.bottom)]
            if d.label and label_at is None:
                label_at = (d.x, d.y + d.h / 2)
        points.append((in_port[(chain[-1], index)], z.y))
        loop = (e.source, e.target) in back
        if loop:
            points.reverse()
            count = len(points) - 1
            passes = {count - 1 - i for i in passes}
        routes.append(Route(e, points, passes=passes, loop=loop, label_at=label_at))
    return routes


def _ports(ends: dict[str, list[tuple[float, int]]], boxes: dict[str, Box]) -> dict[tuple[str, int], float]:
    out: dict[tuple[str, int], float] = {}
    for node, items in ends.items():
        items.sort()
        box = boxes[node]
        count = len(items)
        spacing = min(14.0, box.w * 0.6 / max(count - 1, 1)) if not box.dummy else 0.0
        for i, (_, index) in enumerate(items):
            out[(node, index)] = box.x + (i - (count - 1) / 2) * spacing
    return out


# Drawing

_cache: dict[tuple[str, int, str], Layout] = {}
_cache_lock = threading.Lock()
CACHE_SIZE = 256


def layout_of(definition: Definition) -> Layout:
    """The (cached) layout of a definition version."""
    key = (definition.name, definition.version, definition.digest)
    with _cache_lock:
        found = _cache.get(key)
    if found is not None:
        return found
    made = layout(*graph_of(definition))
    with _cache_lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = made
    return made


ICONS = {
    "start": "",
    "task": "M9.5 1.5 3.5 9h4l-1 5.5 6-7.5h-4l1-5.5z",
    "switch": "M8 1.5 14.5 8 8 14.5 1.5 8z",
    "parallel": "M2 8h4M6 8c2 0 2-4.5 4.5-4.5H14M6 8c2 0 2 4.5 4.5 4.5H14M6 8h8",
    "wait": "M4 1.5h8M4 14.5h8M5 1.5c0 4 6 3.5 6 6.5s-6 2.5-6 6.5M11 1.5c0 4-6 3.5-6 6.5s6 2.5 6 6.5",
    "timer": "M8 4.5V8l2.5 1.5M8 14.5A6.5 6.5 0 1 1 8 1.5a6.5 6.5 0 0 1 0 13z",
    "subflow": "M1.5 3.5h9v9h-9zM5.5 1.5h9v9",
    "end": "M8 14.5A6.5 6.5 0 1 1 8 1.5a6.5 6.5 0 0 1 0 13zM5.5 5.5h5v5h-5z",
    "http": "M8 14.5A6.5 6.5 0 1 1 8 1.5a6.5 6.5 0 0 1 0 13zM1.5 8h13M8 1.5c-3 3.5-3 9.5 0 13M8 1.5c3 3.5 3 9.5 0 13",
    "human": "M8 7.5a3 3 0 1 0 0-6 3 3 0 0 0 0 6zM2.5 14.5c0-3 2.5-5 5.5-5s5.5 2 5.5 5",
    "model": "M8 1.5 9.5 6.5 14.5 8 9.5 9.5 8 14.5 6.5 9.5 1.5 8 6.5 6.5z",
    "llm": "M2 3.5h12v8H7l-3 3v-3H2z",
    "rules": "M1.5 2.5h13v11h-13zM1.5 6h13M1.5 9.5h13M6 2.5v11",
}
DEFAULT_ICON = "M8 14.5A6.5 6.5 0 1 1 8 1.5a6.5 6.5 0 0 1 0 13z"
STATE_MARKS = {
    "completed": "M-3.5 0 -1 2.5 3.5-2.5",
    "failed": "M0-3.5V0.8M0 2.6v.6",
    "current": "",
}
STATE_WORDS = {"completed": "completed", "current": "in progress", "failed": "failed", None: "not reached"}


def render(
    definition: Definition,
    states: Mapping[str, str] | None = None,
    *,
    label: str | None = None,
) -> Markup:
    """The definition's graph as an ``<svg>`` element; ``states`` maps step ids to
    'completed', 'current' or 'failed'."""
    return draw(
        layout_of(definition), states or {}, label=label or f"Graph of {definition.name} version {definition.version}"
    )


def draw(graph: Layout, states: Mapping[str, str], *, label: str) -> Markup:
    parts: list[str] = []
    w, h = round(graph.width), round(graph.height)
    summary = _summary(graph, states)
    parts.append(
        f'<svg class="wf-graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        f'role="img" aria-labelledby="wf-title wf-desc"><title id="wf-title">{escape(label)}</title>'
        f'<desc id="wf-desc">{escape(summary)}</desc>'
        "<defs>"
        + "".join(
            f'<marker id="arrow-{kind}" class="arrow arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0 10 5 0 10z"/></marker>'
            for kind in EDGE_KINDS
        )
        + "</defs>"
    )
    parts.append('<g class="edges">')
    for index, route in enumerate(graph.routes):
        parts.append(_edge(route, index))
    parts.append('</g><g class="labels">')
    for route in graph.routes:
        if route.label_at is not None and route.edge.label:
            parts.append(_label(route))
    parts.append('</g><g class="nodes">')
    for node_id, node in graph.nodes.items():
        parts.append(_node(node, graph.boxes[node_id], states.get(node_id)))
    parts.append("</g></svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text and attribute value above went through escape()


def _summary(graph: Layout, states: Mapping[str, str]) -> str:
    steps = [n for n in graph.nodes if n != START]
    text = f"{len(steps)} steps."
    for state in STATES:
        chosen = [s for s in steps if states.get(s) == state]
        if chosen:
            text += f" {STATE_WORDS[state].capitalize()}: {', '.join(chosen)}."
    return text


def _edge(route: Route, index: int) -> str:
    e = route.edge
    d = _path(route)
    classes = f"edge e-{e.kind}" + (" loop" if route.loop else "")
    title = f"{e.source} → {e.target}" + (f" ({e.detail or e.label})" if e.label else "")
    return (
        f'<path class="{classes}" d="{d}" marker-end="url(#arrow-{e.kind})" '
        f'data-from="{escape(e.source)}" data-to="{escape(e.target)}" data-index="{index}">'
        f"<title>{escape(title)}</title></path>"
    )


def _path(route: Route) -> str:
    pts = route.points
    if route.loop and len(pts) == 4 and route.edge.source == route.edge.target:
        (x0, y0), (x1, _), (_, y2), (x3, y3) = pts
        return f"M{x0:.1f},{y0:.1f} C{x1 + 8:.1f},{y0:.1f} {x1 + 8:.1f},{y2:.1f} {x3:.1f},{y3:.1f}"
    out = [f"M{pts[0][0]:.1f},{pts[0][1]:.1f}"]
    for i in range(len(pts) - 1):
        (x0, y0), (x1, y1) = pts[i], pts[i + 1]
        if i in route.passes:
            out.append(f"L{x1:.1f},{y1:.1f}")
        else:
            mid = (y1 - y0) / 2
            out.append(f"C{x0:.1f},{y0 + mid:.1f} {x1:.1f},{y1 - mid:.1f} {x1:.1f},{y1:.1f}")
    return " ".join(out)


def _label(route: Route) -> str:
    assert route.label_at is not None
    x, y = route.label_at
    e = route.edge
    width = _text_width(e.label, 6.3) + 12
    tip = f"<title>{escape(e.detail)}</title>" if e.detail and e.detail != e.label else ""
    return (
        f'<g class="edge-label l-{e.kind}" transform="translate({x:.1f},{y:.1f})">{tip}'
        f'<rect x="{-width / 2:.1f}" y="-9" width="{width:.1f}" height="18" rx="9"/>'
        f'<text text-anchor="middle" y="4">{escape(e.label)}</text></g>'
    )


def _node(node: Node, box: Box, state: str | None) -> str:
    if node.kind == "start" and node.id == START:
        return (
            f'<g class="node start" transform="translate({box.x:.1f},{box.y + box.h / 2:.1f})"><title>start</title>'
            f'<circle r="{box.h / 2 - 2:.1f}"/></g>'
        )
    x, y = box.left, box.y
    state_class = f"is-{state}" if state in STATES else "is-idle"
    sub = node.title or node.kind
    tip = (
        f"{node.id} — {node.kind}"
        + (f" — {node.title}" if node.title else "")
        + f" ({STATE_WORDS.get(state, 'not reached')})"
    )
    icon = ICONS.get(node.kind, DEFAULT_ICON)
    mark = ""
    if state in STATES:
        mark = (
            f'<g class="mark" transform="translate({box.w - 12:.1f},12)"><circle r="7"/>'
            + (f'<path d="{STATE_MARKS[state]}"/>' if STATE_MARKS[state] else "")
            + "</g>"
        )
    return (
        f'<g class="node {state_class} k-{escape(node.kind)}" data-step="{escape(node.id)}" '
        f'data-state="{state or "idle"}" '
        f'transform="translate({x:.1f},{y:.1f})"><title>{escape(tip)}</title>'
        f'<rect width="{box.w:.1f}" height="{box.h:.1f}" rx="10"/>'
        f'<g class="icon" transform="translate(12,16)"><path d="{icon}"/></g>'
        f'<text class="id" x="38" y="21">{escape(_short(node.id, ID_CHARS))}</text>'
        f'<text class="sub" x="38" y="37">{escape(_short(sub, SUB_CHARS))}</text>'
        f"{mark}</g>"
    )


def legend(graph_states: Mapping[str, str], definition: Definition) -> list[tuple[str, str]]:
    """(css class, words) for the legend: node states, then the kinds of edges the graph has."""
    kinds = {r.edge.kind for r in layout_of(definition).routes}
    items = [
        ("is-completed", "completed"),
        ("is-current", "in progress"),
        ("is-failed", "failed"),
        ("is-idle", "not reached"),
    ]
    names = {"timeout": "on timeout", "branch": "parallel branch", "failure": "on failure"}
    items += [(f"e-{k}", names[k]) for k in ("timeout", "branch", "failure") if k in kinds]
    if any(r.loop for r in layout_of(definition).routes):
        items.append(("loop", "loops back"))
    return items
