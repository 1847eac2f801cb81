"""Plotly figures of process flows, costings and comparisons.

Every builder is a pure function: it takes the library's values
(:class:`~abc_costing.model.ProcessModel`, :class:`~abc_costing.engine.CostResult`,
:class:`~abc_costing.compare.Comparison`, :class:`~abc_costing.portfolio.Portfolio`)
and returns a ``plotly.graph_objects.Figure``; nothing is shown or written.
The dashboard renders them, the PDF reports export them. Figures keep the
unrounded numbers as bar values and marker colours; money is rounded only in
texts, by :func:`~abc_costing.reports.tables.format_money`.

Node traces of a flow figure carry ``meta={"role": "nodes", "kind": ...}`` and
the node ids as ``customdata``; bar traces carry the activity, resource or
value-class ids as ``customdata``, so a caller (or a test) can map every mark
back to the element it shows.

Examples
--------
>>> import abc_costing as abc
>>> model = abc.load_model("process_models/contract_approval/as_is.yaml")
>>> fig = process_flow_figure(model, abc.cost_model(model))
>>> fig.layout.title.text
'Согласование договора с клиентом (как есть)'
>>> candidate = abc.load_model("process_models/contract_approval/value_tiers.yaml")
>>> fig = cost_waterfall_figure(abc.compare_models(model, candidate))
>>> list(fig.data[0].measure)[0], list(fig.data[0].measure)[-1]
('absolute', 'total')
"""

from __future__ import annotations

import functools
import html
import math
import textwrap
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import assert_never

import networkx as nx
import plotly.graph_objects as go

from abc_costing.compare import Comparison
from abc_costing.engine import ActivityCost, CostResult
from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.model import VALUE_CLASSES, NodeKind, ProcessModel, routing_graph
from abc_costing.numbers import plotly_separators, with_currency
from abc_costing.portfolio import BASELINE_VARIANT, Portfolio
from abc_costing.reports.tables import format_amount, format_money, format_signed_amount
from abc_costing.reports.views import CELL_WORDS, VALUE_CLASS_LABELS, format_share

__all__ = [
    "process_flow_layout",
    "process_flow_figure",
    "cost_waterfall_figure",
    "cost_by_resource_figure",
    "cost_by_value_figure",
    "portfolio_cost_figure",
    "cost_breakdown_figure",
]

# --- Look: every colour and size of every figure ------------------------------------------

FONT = dict(family="Inter, 'Segoe UI', 'DejaVu Sans', Arial, sans-serif", size=12,
            color="#1f2933")
BACKGROUND = "white"
GRID = "#e6e9ef"
INK = "#1f2933"            # outlines, arrows, end events
MUTED = "#7b8794"          # edge lines, probabilities, secondary text
MONEY_TICKS = ",.0f"       # axis ticks in whole money units, thousands grouped

VALUE_COLOURS = {"value_adding": "#2e9e5b", "business": "#5b7fa6", "waste": "#d9534f"}
#: How value classes are called on charts: the views' names (one wording everywhere).
VALUE_LABELS = VALUE_CLASS_LABELS

BASELINE_COLOUR = "#9aa5b1"
CANDIDATE_COLOUR = "#3366a8"
COST_UP_COLOUR = "#d9534f"     # a waterfall step that makes the candidate dearer
COST_DOWN_COLOUR = "#2e9e5b"   # a step that saves money
TOTAL_COLOUR = "#52606d"

#: Activities' cost per instance, pale (cheap) to dark red (dear).
COST_SCALE = [[0.0, "#fdf0d5"], [0.35, "#f9b572"], [0.7, "#e0603a"], [1.0, "#8c1c13"]]
UNCOSTED_COLOUR = "#d5dae1"    # activities when no costing is given

START_COLOUR = "#2e9e5b"
GATEWAY_FILL = "#fff8e1"
EVENT_FILL = "white"

# Marker diameters in pixels; arrows stop at the marker's edge (standoff).
NODE_SIZE: dict[NodeKind, int] = {"activity": 30, "exclusive": 30, "parallel": 30,
                                   "start": 22, "end": 22}
NODE_SYMBOL: dict[NodeKind, str] = {"activity": "square", "exclusive": "diamond",
                                    "parallel": "diamond", "start": "circle", "end": "circle"}
GATEWAY_MARK: dict[str, str] = {"exclusive": "×", "parallel": "+"}
NODE_KINDS: tuple[NodeKind, ...] = ("activity", "exclusive", "parallel", "start", "end")
KIND_LABELS: dict[NodeKind, str] = {
    "activity": N_("Activity"), "exclusive": N_("Exclusive gateway"),
    "parallel": N_("Parallel gateway"), "start": N_("Start event"), "end": N_("End event")}

#: A full-width chart's width on the dashboard at 1366 px, margins included: the
#: window less the sidebar, the main area's padding and the scroll bar, as
#: Chromium draws the Compare page (measured: 906 px). Labels are fitted to it.
PLOT_WIDTH_PX = 906
#: Width of a character in ems, for fitting labels: generous for Cyrillic in the UI font
#: (Chromium draws 10 px Russian names at 0.59–0.62 em a character on average).
CHAR_EM = 0.65
LINE_EM = 1.25         # a line of text, in ems (drawn: 1.2–1.23)

LABEL_WIDTH = 16       # characters per line of a node label: three lines of 16 fit
LABEL_LINES = 3        # between two layers where one line of 24 would collide
WATERFALL_BARS = 12    # activities shown one by one; the rest are merged
ROW_PX = 115           # flow figure: pixels per unit of y (one row of nodes)
BAR_ROW_PX = 34        # horizontal bar charts: pixels per category
# Legends go under the plot: above it they collide with the subtitle.
LEGEND_BELOW = dict(orientation="h", yanchor="top", y=-0.3, xanchor="left", x=0)

_DUMMY = "dummy"       # tag of the virtual nodes that route long edges between layers


# --- Small formatting pieces ---------------------------------------------------------------


def _percent(probability: float) -> str:
    return f"{round(probability * 100, 1):g}%"


def _flow_label(probability: float | Mapping[str, float]) -> str:
    """A flow's probability as its arrow shows it; one by case class as ``small 0% ·
    large 100%``, every class's figure (never a mean, which no instance follows).

    >>> _flow_label(0.25), _flow_label({"small": 0.0, "large": 1.0})
    ('25%', 'small 0% · large 100%')
    """
    if isinstance(probability, Mapping):
        return " · ".join(f"{class_id} {_percent(p)}" for class_id, p in probability.items())
    return _percent(probability)


def _text(value: str) -> str:
    # Plotly reads a little HTML in texts: a "<" in a user's name must stay a "<".
    return html.escape(value, quote=False)


def _wrap(value: str, width: int = LABEL_WIDTH, lines: int = LABEL_LINES) -> str:
    """``value`` wrapped to ``lines`` lines of ``width`` characters, joined by ``<br>``."""
    wrapped = textwrap.wrap(value, width) or [""]
    if len(wrapped) > lines:
        wrapped = wrapped[:lines]
        wrapped[-1] = wrapped[-1][: width - 1].rstrip() + "…"
    return "<br>".join(_text(line) for line in wrapped)


def _unique_labels(names: Sequence[str], ids: Sequence[str]) -> list[str]:
    """Category labels: names, with the id added where two elements share a name."""
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    return [name if seen[name] == 1 else f"{name} ({id_})" for name, id_ in zip(names, ids,
                                                                                 strict=True)]


def _base_layout(fig: go.Figure, *, title: str, height: int, language: Language) -> None:
    fig.update_layout(
        title=dict(text=_text(title), x=0.01, xanchor="left"),
        font=FONT, paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, height=height,
        margin=dict(l=20, r=20, t=70, b=40), hoverlabel=dict(align="left"),
        # axis ticks and hover figures written as the reader writes numbers
        separators=plotly_separators(language),
    )


# --- The process flow: layered layout -----------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """A left-to-right layered drawing of a routing graph.

    Attributes:
      xy: every node (and every virtual node of a long edge) -> (x, y).
      routes: each forward edge -> the points it passes, source first.
      back_edges: the edges that close loops, in flow order.
      rows: the most nodes (virtual ones included) of any layer.
    """

    xy: dict[Hashable, tuple[float, float]]
    routes: dict[tuple[str, str], list[tuple[float, float]]]
    back_edges: list[tuple[str, str]]
    rows: int


def _ordered_successors(graph: nx.DiGraph, node: str) -> list[str]:
    return sorted(graph.successors(node), key=lambda v: graph.edges[node, v]["index"])


def _dfs(graph: nx.DiGraph) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Discovery rank of every node and the back edges of a DFS from the start.

    Successors are visited in flow order, so the first flow out of a split is
    the main line and a flow returning to a node still being explored (a rework
    loop) is a back edge. Nodes the start does not reach (an invalid model being
    edited) are explored afterwards, sources first. Iterative: a 10,000-node
    model would overflow Python's recursion limit.
    """
    nodes = list(graph.nodes)
    roots = ([n for n in nodes if graph.nodes[n]["kind"] == "start"]
             + [n for n in nodes if graph.in_degree(n) == 0] + nodes)
    rank: dict[str, int] = {}
    back: list[tuple[str, str]] = []
    on_stack: set[str] = set()
    for root in roots:
        if root in rank:
            continue
        rank[root] = len(rank)
        on_stack.add(root)
        stack = [(root, iter(_ordered_successors(graph, root)))]
        while stack:
            node, successors = stack[-1]
            for succ in successors:
                if succ in on_stack:
                    back.append((node, succ))
                elif succ not in rank:
                    rank[succ] = len(rank)
                    on_stack.add(succ)
                    stack.append((succ, iter(_ordered_successors(graph, succ))))
                    break
            else:
                stack.pop()
                on_stack.discard(node)
    back.sort(key=lambda e: graph.edges[e]["index"])
    return rank, back


def _crossings(upper: list[Hashable], lower_pos: dict[Hashable, int],
               down: dict[Hashable, list[Hashable]]) -> int:
    """Edge crossings between two adjacent layers (inversions, with a Fenwick tree)."""
    ends = [lower_pos[v] for u in upper for v in sorted(down[u], key=lower_pos.__getitem__)]
    size = len(lower_pos) + 1
    tree = [0] * (size + 1)
    crossings = 0
    for seen, end in enumerate(ends):
        i, below = end + 1, 0
        while i > 0:
            below += tree[i]
            i -= i & -i
        crossings += seen - below
        i = end + 1
        while i <= size:
            tree[i] += 1
            i += i & -i
    return crossings


def _order_layers(layers: list[list[Hashable]], up: dict[Hashable, list[Hashable]],
                  down: dict[Hashable, list[Hashable]], *, sweeps: int = 8) -> None:
    """Reorder ``layers`` in place by barycenter sweeps, keeping the fewest crossings."""

    def centred(layer: list[Hashable]) -> dict[Hashable, float]:
        half = (len(layer) - 1) / 2
        return {node: k - half for k, node in enumerate(layer)}

    def sort_by(layer: list[Hashable], neighbours: dict[Hashable, list[Hashable]],
                ref: dict[Hashable, float]) -> list[Hashable]:
        own = centred(layer)
        def key(node: Hashable) -> tuple[float, float]:
            near = neighbours[node]
            bary = sum(ref[m] for m in near) / len(near) if near else own[node]
            return (bary, own[node])
        return sorted(layer, key=key)

    def total_crossings() -> int:
        total = 0
        for i in range(len(layers) - 1):
            lower = {node: k for k, node in enumerate(layers[i + 1])}
            total += _crossings(layers[i], lower, down)
        return total

    best, best_crossings = [list(layer) for layer in layers], total_crossings()
    for _ in range(sweeps):
        if best_crossings == 0:
            break
        for i in range(1, len(layers)):
            layers[i] = sort_by(layers[i], up, centred(layers[i - 1]))
        for i in range(len(layers) - 2, -1, -1):
            layers[i] = sort_by(layers[i], down, centred(layers[i + 1]))
        crossings = total_crossings()
        if crossings < best_crossings:
            best, best_crossings = [list(layer) for layer in layers], crossings
    layers[:] = best


def _layered_layout(graph: nx.DiGraph) -> _Layout:
    rank, back_edges = _dfs(graph)
    back = set(back_edges)
    forward = sorted((e for e in graph.edges if e not in back),
                     key=lambda e: graph.edges[e]["index"])
    dag = nx.DiGraph()
    dag.add_nodes_from(graph.nodes)
    dag.add_edges_from(forward)
    layer: dict[Hashable, int] = {}
    for node in nx.lexicographical_topological_sort(dag, key=rank.__getitem__):
        layer[node] = max((layer[u] + 1 for u in dag.predecessors(node)), default=0)

    # Long edges pass through one virtual node per layer they cross, so that
    # they take a slot in each layer and are routed around the real nodes.
    up: dict[Hashable, list[Hashable]] = {node: [] for node in graph.nodes}
    down: dict[Hashable, list[Hashable]] = {node: [] for node in graph.nodes}
    chains: dict[tuple[str, str], list[Hashable]] = {}
    for u, v in forward:
        chain: list[Hashable] = [u]
        for k in range(layer[u] + 1, layer[v]):
            dummy = (_DUMMY, u, v, k)
            layer[dummy] = k
            up[dummy], down[dummy] = [], []
            chain.append(dummy)
        chain.append(v)
        for a, b in zip(chain, chain[1:], strict=False):
            down[a].append(b)
            up[b].append(a)
        chains[(u, v)] = chain

    n_layers = max(layer.values(), default=-1) + 1
    layers: list[list[Hashable]] = [[] for _ in range(n_layers)]
    for node in sorted(graph.nodes, key=rank.__getitem__):
        layers[layer[node]].append(node)
    # A first pass that only places each node under its predecessors; virtual
    # nodes follow their edge's source in discovery order.
    for i in range(1, n_layers):
        dummies = [c[k] for c in chains.values() for k in range(1, len(c) - 1)
                   if layer[c[k]] == i]
        layers[i].extend(dummies)
        prev = {node: k for k, node in enumerate(layers[i - 1])}
        layers[i].sort(key=lambda n: (sum(prev[m] for m in up[n]) / len(up[n]) if up[n]
                                      else math.inf))
    _order_layers(layers, up, down)

    xy: dict[Hashable, tuple[float, float]] = {}
    for i, nodes in enumerate(layers):
        half = (len(nodes) - 1) / 2
        for k, node in enumerate(nodes):
            xy[node] = (float(i), half - k + 0.0)
    routes = {edge: [xy[node] for node in chain] for edge, chain in chains.items()}
    return _Layout(xy=xy, routes=routes, back_edges=back_edges,
                   rows=max((len(nodes) for nodes in layers), default=0))


def process_flow_layout(model: ProcessModel) -> dict[str, tuple[float, float]]:
    """Node id -> (x, y) of a left-to-right drawing of ``model``'s routing graph.

    x is the node's layer: the longest path to it from the start event once
    the back edges (found by a depth-first search from the start, following
    flows in file order; rework loops become back edges) are set aside. y is
    the node's place in its layer, spread symmetrically around 0 (top first),
    ordered by barycenter sweeps so that flows cross little. Flows spanning
    several layers reserve a slot in each, so they pass between nodes.

    Examples
    --------
    >>> import abc_costing as abc
    >>> xy = process_flow_layout(abc.load_model("process_models/contract_approval/as_is.yaml"))
    >>> xy["start"], xy["draft"]
    ((0.0, 0.0), (1.0, 0.0))
    >>> sorted(xy[n][1] for n in ("legal_review", "finance_review"))  # side by side
    [-0.5, 0.5]
    """
    layout = _layered_layout(routing_graph(model))
    return {node: xy for node, xy in layout.xy.items() if isinstance(node, str)}


# --- The process flow: drawing -------------------------------------------------------------


def _bezier(p0, p1, p2, p3, steps: int = 40) -> list[tuple[float, float]]:
    points = []
    for i in range(steps + 1):
        t = i / steps
        a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
        points.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                       a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return points


def _back_edge_routes(layout: _Layout) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """A loop arc per back edge, round the nodes of the layers it spans, above
    or below them; an arc spanning another on the same side goes round it too."""
    column: dict[float, list[float]] = {}
    for x, y in layout.xy.values():
        column.setdefault(x, []).append(y)

    def nodes_beyond(x: float, y: float, side: int) -> int:
        return sum(1 for other in column[x] if (other - y) * side > 0)

    placed: dict[int, list[tuple[float, float, float]]] = {1: [], -1: []}
    routes = {}
    for u, v in sorted(layout.back_edges,
                       key=lambda e: layout.xy[e[0]][0] - layout.xy[e[1]][0]):
        (xu, yu), (xv, yv) = layout.xy[u], layout.xy[v]
        # Go round the side with fewer nodes in the way at both ends.
        above = nodes_beyond(xu, yu, 1) + nodes_beyond(xv, yv, 1)
        below = nodes_beyond(xu, yu, -1) + nodes_beyond(xv, yv, -1)
        side = 1 if above < below else -1
        spanned = [y for x in column if xv <= x <= xu for y in column[x]]
        peak = side * max(side * y for y in spanned) + side * 0.75
        for left, right, other_peak in placed[side]:
            if left <= xu and xv <= right:
                peak = side * max(side * peak, side * other_peak + 0.4)
        placed[side].append((xv, xu, peak))
        # A cubic with both inner control points at height c peaks at
        # 0.75 c + 0.125 (yu + yv). The arc leaves the source forwards and
        # enters the target from behind, like a loop drawn by hand.
        c = (peak - 0.125 * (yu + yv)) / 0.75
        routes[(u, v)] = _bezier((xu, yu), (xu + 0.45, c), (xv - 0.45, c), (xv, yv))
    return routes


def _polyline(routes: list[list[tuple[float, float]]]) -> tuple[list, list]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for points in routes:
        xs += [p[0] for p in points] + [None]
        ys += [p[1] for p in points] + [None]
    return xs, ys


def _arrow(tip: tuple[float, float], tail: tuple[float, float], *, kind: NodeKind,
           tail_standoff: float) -> dict:
    return dict(x=tip[0], y=tip[1], ax=tail[0], ay=tail[1], xref="x", yref="y",
                axref="x", ayref="y", text="", showarrow=True, arrowhead=2, arrowsize=1.1,
                arrowwidth=1.3, arrowcolor=MUTED, standoff=NODE_SIZE[kind] / 2 + 1,
                startstandoff=tail_standoff)


def _tail_on_curve(points: list[tuple[float, float]], *, length: float = 0.5):
    tip = points[-1]
    for point in reversed(points):
        if math.dist(point, tip) >= length:
            return point
    return points[0]


def _node_hover(model: ProcessModel, node: str, kind: NodeKind, result: CostResult | None,
                activity_costs: dict, language: Language) -> str:
    _ = translator(language)
    name = model.display_name(node)
    lines = [f"<b>{_text(name)}</b>",
             _("{kind} · id {id}", kind=translate(KIND_LABELS[kind], language), id=_text(node))]
    match kind:
        case "activity":
            lines.append(_("value class: {value}", value=translate(
                VALUE_LABELS[model.activities[node].value], language)))
            if result is not None:
                cost = activity_costs[node]
                cur = result.currency
                lines += _activity_figures(cost, cur, language)
        case "end":
            if result is not None:
                probability = result.end_probabilities.get(node, 0.0)
                lines.append(_("instances ending here: {share}", share=_percent(probability)))
        case "exclusive" | "parallel":
            if result is not None:
                passes = result.expected_executions.get(node, 0.0)
                lines.append(_("expected passes: {passes}", passes=f"{passes:.3f}"))
        case "start":
            pass  # every instance starts here once: nothing to add
        case _:
            assert_never(kind)
    return "<br>".join(lines)


def _activity_figures(cost: ActivityCost, currency: str, language: Language) -> list[str]:
    """An activity's executions and costs, a hover line each (the flow and the breakdown)."""
    _ = translator(language)
    return [_("expected executions: {count}", count=f"{cost.expected_executions:.3f}"),
            _("cost per execution: {amount}",
              amount=format_amount(cost.cost_per_execution, currency, language)),
            _("cost per instance: {amount}",
              amount=format_amount(cost.cost_per_instance, currency, language))]


_BELOW, _ABOVE = "bottom center", "top center"

#: Texts of the flow figure (node names, probabilities), in pixels.
FLOW_FONT_PX = 10
#: Between a marker and its name: plotly writes the name just past the marker's edge.
LABEL_GAP_PX = 3
#: A node name's ways of being written, best first: under or over its node, on up to
#: :data:`LABEL_LINES` lines, then on fewer (cut with "…"; the hover keeps it whole).
_LABEL_CHOICES = [(side, lines) for lines in range(LABEL_LINES, 0, -1)
                  for side in (_BELOW, _ABOVE)]
#: Where along a flow its probability may go, as fractions of a segment, best first.
_EDGE_FRACTIONS = (0.5, 0.4, 0.6, 0.3, 0.7, 0.25, 0.75, 0.2, 0.8)

_Box = tuple[float, float, float, float]   # left, bottom, right, top; pixels, y up


def _text_px(label: str, *, font_px: int = FLOW_FONT_PX, char_em: float | None = None,
             ) -> tuple[float, float]:
    """The width and height a ``<br>``-joined label takes, estimated (see :data:`CHAR_EM`)."""
    lines = html.unescape(label).split("<br>")
    return (max(len(line) for line in lines) * (char_em or CHAR_EM) * font_px,
            len(lines) * LINE_EM * font_px)


def _overlap_px2(box: _Box, others: Sequence[_Box]) -> float:
    """The area ``box`` shares with ``others``, in square pixels."""
    left, bottom, right, top = box
    return math.fsum(max(0.0, min(right, r) - max(left, lt))
                     * max(0.0, min(top, t) - max(bottom, b)) for lt, b, r, t in others)


@dataclass(frozen=True)
class _FlowLabels:
    """Where the flow figure writes its texts (see :func:`_place_flow_labels`).

    Attributes:
      names: each labelled node -> (text position, its name wrapped).
      probabilities: each labelled flow -> (x, y) of its probability, layout units.
      boxes: every text's box and every marker's, pixels (y up): the y range.
    """

    names: dict[str, tuple[str, str]]
    probabilities: dict[tuple[str, str], tuple[float, float]]
    boxes: list[_Box]


def _spread(choices: dict[Hashable, list[_Box]], fixed: Sequence[_Box], *,
            start: dict[Hashable, int] | None = None, rounds: int = 12) -> dict[Hashable, int]:
    """Which box of its ``choices`` each text takes, so that texts meet neither each
    other nor ``fixed``, each as early in its list as it can.

    Texts start at their first box (or at ``start``'s). In turn, in the order of
    ``choices``, each takes its first box that meets nothing, else the box that
    meets least; again until no text moves. Then a text still late in its list
    looks at its earlier boxes: where each text in the way has another free box,
    they all move (one text alone would never make room for another), and the
    turns begin again. Every move lessens the overlap, or keeps
    it and brings texts earlier in their lists, so this ends (``rounds`` bounds it).

    >>> _spread({"a": [(0, 0, 10, 10), (20, 0, 30, 10)], "b": [(5, 0, 15, 10)]}, [])
    {'a': 1, 'b': 0}

    ``b`` below ``a`` leaves ``c`` only its last box, unless ``a`` goes right:

    >>> _spread({"b": [(0, 0, 10, 10)], "a": [(0, 0, 10, 10), (20, 0, 30, 10)],
    ...          "c": [(0, 0, 10, 10), (40, 0, 50, 10)]}, [], start={"a": 0, "c": 1})
    {'b': 0, 'a': 1, 'c': 1}
    """
    chosen = {text: (start or {}).get(text, 0) for text in choices}

    def overlap(text: Hashable, k: int) -> float:
        others = [*fixed, *(choices[t][chosen[t]] for t in choices if t != text)]
        area = _overlap_px2(choices[text][k], others)
        # a corner of 2 × 2 pixels is no clash: the boxes are estimated generously
        return area if area > 4.0 else 0.0

    def cost(text: Hashable, k: int) -> tuple[float, int]:
        return (overlap(text, k), k)

    def sweep() -> bool:
        moved = False
        for text, boxes in choices.items():
            best = min(range(len(boxes)), key=functools.partial(cost, text))
            if cost(text, best) < cost(text, chosen[text]):
                chosen[text], moved = best, True
        return moved

    def make_room() -> bool:
        for text, boxes in choices.items():
            for earlier in range(chosen[text]):
                if _overlap_px2(boxes[earlier], fixed) > 4.0:
                    continue
                was = dict(chosen)
                chosen[text] = earlier
                later = 0   # how much later in their lists the texts in the way go
                for other in [t for t in choices if t != text and _overlap_px2(
                        boxes[earlier], [choices[t][chosen[t]]]) > 4.0]:
                    free = next((k for k in range(len(choices[other]))
                                 if k != was[other] and overlap(other, k) == 0.0), None)
                    if free is None:
                        break
                    chosen[other], later = free, later + free - was[other]
                else:
                    if later < was[text] - earlier and overlap(text, earlier) == 0.0:
                        return True
                chosen.update(was)
        return False

    for _ in range(rounds):
        while sweep():
            pass
        if not make_room():
            break
    return chosen


def _place_flow_labels(model: ProcessModel, graph: nx.DiGraph, layout: _Layout,
                       back_routes: dict, *, px_per_x: float, px_per_y: float) -> _FlowLabels:
    """Names under or over their nodes and probabilities along their flows, so that no
    two texts meet, nor a text a marker, at ``px_per_x`` × ``px_per_y`` pixels per
    layout unit (see :func:`_spread`).

    A name goes under its node, else over it, else on fewer lines (cut with "…", the
    hover keeps it whole); a probability near the middle of its flow's first segment,
    else further along (an arc's, a fifth of the way along the arc). Names are placed
    first, among themselves; then the probabilities find the gaps between them, and
    only a name in the way of a probability that finds none moves again.
    """
    kinds = {node: graph.nodes[node]["kind"] for node in graph.nodes}
    at = {node: (x * px_per_x, y * px_per_y) for node, (x, y) in layout.xy.items()
          if isinstance(node, str)}   # the real nodes, not the long edges' virtual ones
    markers: list[_Box] = []
    for node, (x, y) in at.items():
        # a circle or a diamond leaves its box's corners free
        half = NODE_SIZE[kinds[node]] / 2 * (1.0 if NODE_SYMBOL[kinds[node]] == "square"
                                             else 0.8)
        markers.append((x - half, y - half, x + half, y + half))
    labelled = sorted((n for n in at if kinds[n] not in GATEWAY_MARK),
                      key=lambda n: (at[n][0], -at[n][1]))
    texts = {node: [_wrap(model.display_name(node), LABEL_WIDTH, lines)
                    for _, lines in _LABEL_CHOICES] for node in labelled}

    def name_box(node: str, side: str, text: str) -> _Box:
        (x, y), (width, height) = at[node], _text_px(text)
        edge = NODE_SIZE[kinds[node]] / 2 + LABEL_GAP_PX
        bottom = y - edge - height if side == _BELOW else y + edge
        return (x - width / 2, bottom, x + width / 2, bottom + height)

    names: dict[Hashable, list[_Box]] = {
        node: [name_box(node, side, texts[node][k])
               for k, (side, _) in enumerate(_LABEL_CHOICES)] for node in labelled}
    choices: dict[Hashable, list[_Box]] = {}
    places: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for edge in (*layout.routes, *back_routes):
        probability = graph.edges[edge]["probability"]
        if probability is None:
            continue
        if edge in back_routes:
            points = back_routes[edge]
            fifth = len(points) // 5
            places[edge] = [p for _, p in sorted(enumerate(points[1:-1], start=1),
                                                 key=lambda k_p: abs(k_p[0] - fifth))]
        else:
            route = layout.routes[edge]
            places[edge] = [(x0 + t * (x1 - x0), y0 + t * (y1 - y0))
                            for (x0, y0), (x1, y1) in zip(route, route[1:], strict=False)
                            for t in _EDGE_FRACTIONS]
        # digits and "%" are wider than the average letter; 1 px of padding round
        width, height = _text_px(_flow_label(probability), char_em=0.75)
        choices[edge] = [(x * px_per_x - width / 2 - 1, y * px_per_y - height / 2 - 1,
                          x * px_per_x + width / 2 + 1, y * px_per_y + height / 2 + 1)
                         for x, y in places[edge]]
    chosen = _spread({**choices, **names}, markers, start=_spread(names, markers))
    choices.update(names)
    return _FlowLabels(
        names={node: (_LABEL_CHOICES[chosen[node]][0], texts[node][chosen[node]])
               for node in labelled},
        probabilities={edge: places[edge][chosen[edge]] for edge in places},
        boxes=[*markers, *(choices[text][k] for text, k in chosen.items())])


def _node_trace(model: ProcessModel, kind: NodeKind, nodes: list[str], xy: dict,
                result: CostResult | None, activity_costs: dict,
                names: dict[str, tuple[str, str]], language: Language) -> go.Scatter:
    size = NODE_SIZE[kind]
    marker = dict(symbol=NODE_SYMBOL[kind], size=size, line=dict(color=INK, width=1.2))
    text: list[str] = [names[n][1] if n in names else "" for n in nodes]
    textposition: str | list[str] = [names[n][0] if n in names else "" for n in nodes]
    match kind:
        case "activity":
            if result is None:
                marker["color"] = UNCOSTED_COLOUR
            else:
                costs = [activity_costs[n].cost_per_instance for n in nodes]
                marker.update(
                    color=costs, colorscale=COST_SCALE, cmin=0.0,
                    cmax=max(max(costs, default=0.0), 1e-9), showscale=True,
                    # Under the drawing, not beside it: the flow needs the width more.
                    colorbar=dict(title=dict(text=translate(N_(
                        "Cost per instance, {currency}", currency=result.currency), language),
                                             side="top"), orientation="h", x=0.5, xanchor="center",
                                  y=0, yanchor="top", len=0.5, thickness=12, outlinewidth=0,
                                  tickformat=MONEY_TICKS),
                )
        case "exclusive" | "parallel":
            marker.update(color=GATEWAY_FILL)
            text, textposition = [GATEWAY_MARK[kind]] * len(nodes), "middle center"
        case "start":
            marker.update(color=EVENT_FILL, line=dict(color=START_COLOUR, width=2.5))
        case "end":
            marker.update(color=EVENT_FILL, line=dict(color=INK, width=4.5))
        case _:
            assert_never(kind)
    return go.Scatter(
        x=[xy[n][0] for n in nodes], y=[xy[n][1] for n in nodes],
        mode="markers+text", marker=marker, text=text, textposition=textposition,
        textfont=dict(size=16 if kind in GATEWAY_MARK else FLOW_FONT_PX,
                      color=INK if kind in GATEWAY_MARK else FONT["color"]),
        customdata=nodes, hoverinfo="text", cliponaxis=False,
        hovertext=[_node_hover(model, n, kind, result, activity_costs, language)
                   for n in nodes],
        name=translate(KIND_LABELS[kind], language), showlegend=False,
        meta={"role": "nodes", "kind": kind},
    )


def process_flow_figure(model: ProcessModel, result: CostResult | None = None, *,
                        title: str | None = None, language: Language = "en",
                        width_px: int = PLOT_WIDTH_PX) -> go.Figure:
    """The process drawn left to right (see :func:`process_flow_layout`).

    Activities are squares labelled with their names, coloured by cost per
    instance when ``result`` (the costing of this ``model``) is given and grey
    otherwise; exclusive gateways are diamonds marked "×", parallel ones "+";
    the start event is a green circle, end events thick dark ones. Flows are
    arrows labelled with their probability; flows closing a loop (rework) are
    dashed arcs outside the drawing. Hovering a node shows its figures. Texts
    in ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> model = abc.load_model("process_models/contract_approval/as_is.yaml")
    >>> fig = process_flow_figure(model, abc.cost_model(model), title="As is")
    >>> [t.meta["kind"] for t in fig.data if t.meta and t.meta["role"] == "nodes"]
    ['activity', 'exclusive', 'parallel', 'start', 'end']
    >>> sorted(a.text for a in fig.layout.annotations if a.text)
    ['10%', '10%', '30%', '70%', '80%']
    """
    graph = routing_graph(model)
    layout = _layered_layout(graph)
    xy = layout.xy
    activity_costs: dict = {}
    if result is not None:
        activity_costs = {a.id: a for a in result.activities}
        missing = [a for a in model.activities if a not in activity_costs]
        if missing:
            raise ValueError(f"result has no costing of activities {missing}: "
                             "pass the costing of this model")
    back_routes = _back_edge_routes(layout)
    fig = go.Figure()

    xs, ys = _polyline(list(layout.routes.values()))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines",
                             line=dict(color=MUTED, width=1.3, shape="spline", smoothing=0.6),
                             hoverinfo="skip", showlegend=False, name="flows",
                             meta={"role": "edges", "edges": [list(e) for e in layout.routes]}))
    xs, ys = _polyline(list(back_routes.values()))
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines",
                             line=dict(color=MUTED, width=1.3, dash="dash"),
                             hoverinfo="skip", showlegend=False, name="loops",
                             meta={"role": "back_edges",
                                   "edges": [list(e) for e in layout.back_edges]}))

    annotations = []
    kinds = {node: graph.nodes[node]["kind"] for node in graph.nodes}
    for (u, v), points in layout.routes.items():
        tail = points[-2]
        standoff = NODE_SIZE[kinds[u]] / 2 + 1 if len(points) == 2 else 0
        annotations.append(_arrow(points[-1], tail, kind=kinds[v], tail_standoff=standoff))
    for (_, v), points in back_routes.items():
        annotations.append(_arrow(points[-1], _tail_on_curve(points), kind=kinds[v],
                                  tail_standoff=0))
    # The x axis spans the layers and 0.8 of a layer on each side (room for the
    # first and last names); the y axis ROW_PX a unit (the height follows).
    all_xs = [x for x, _ in xy.values()] or [0.0]
    x_range = [min(all_xs) - 0.8, max(all_xs) + 0.8]
    margin = dict(l=10, r=10, t=80 if result is not None else 60,
                  b=75 if result is not None else 10)
    labels = _place_flow_labels(
        model, graph, layout, back_routes, px_per_y=ROW_PX,
        px_per_x=(width_px - margin["l"] - margin["r"]) / (x_range[1] - x_range[0]))
    for edge, (x, y) in labels.probabilities.items():
        annotations.append(dict(
            x=x, y=y, xref="x", yref="y", text=_flow_label(graph.edges[edge]["probability"]),
            showarrow=False, font=dict(size=FLOW_FONT_PX, color=MUTED),
            bgcolor="rgba(255,255,255,0.9)", borderpad=1,
            name=f"probability {edge[0]} -> {edge[1]}",
        ))

    for kind in NODE_KINDS:
        nodes = [n for n in graph.nodes if kinds[n] == kind]
        if nodes:
            fig.add_trace(_node_trace(model, kind, nodes, xy, result, activity_costs,
                                      labels.names, language))

    # Room for every text and marker, and the arcs' lines.
    curve_ys = [p[1] for points in back_routes.values() for p in points]
    y_low = min([box[1] / ROW_PX - 0.05 for box in labels.boxes]
                + [y - 0.15 for y in curve_ys], default=-0.5)
    y_high = max([box[3] / ROW_PX + 0.05 for box in labels.boxes]
                 + [y + 0.15 for y in curve_ys], default=0.5)
    heading = title or model.title or f"{model.process} / {model.variant}"
    _base_layout(fig, title=heading, height=int((155 if result is not None else 90)
                                                 + ROW_PX * (y_high - y_low)), language=language)
    if result is not None:
        fig.update_layout(title_subtitle_text=_per_instance_and_year(result, language))
    hidden = dict(visible=False, showgrid=False, zeroline=False, fixedrange=False)
    fig.update_layout(
        annotations=annotations, showlegend=False, hovermode="closest",
        xaxis=dict(hidden, range=x_range), yaxis=dict(hidden, range=[y_low, y_high]),
        margin=margin,
    )
    return fig


def _per_instance_and_year(result: CostResult, language: Language) -> str:
    """``RUB 10,368.69 per instance · RUB 12,442,423.28 per year`` (the year when known)."""
    _ = translator(language)
    per_instance = format_amount(result.cost_per_instance, result.currency, language)
    if result.cost_per_year is None:
        return _("{amount} per instance", amount=per_instance)
    return _("{amount} per instance · {per_year} per year", amount=per_instance,
             per_year=format_amount(result.cost_per_year, result.currency, language))


# --- Comparisons ---------------------------------------------------------------------------


def _is_zero(amount: float, scale: float) -> bool:
    return math.isclose(amount, 0.0, abs_tol=1e-9 * max(1.0, abs(scale)))


WATERFALL_TICK_PX = 10  # the waterfall's category labels
#: Beside the bars: the value axis' ticks and title and the side margins. Chromium
#: gives a 906 px waterfall with ticks up to "10 000" a 789 px plot (117 px beside
#: it); ticks up to "1 000 000" take 21 px more.
WATERFALL_AXIS_PX = 140
WATERFALL_LINE_CHARS = 20  # a level label's line at most (a long name wraps on words)
WATERFALL_MIN_CHARS = 12   # fewer per line (many bars): the labels turn upright
WATERFALL_UPRIGHT_CHARS = 26  # a line of an upright label


@dataclass(frozen=True)
class _TickFit:
    """How a chart's category labels fit their slots (see :func:`_fit_ticks`).

    Attributes:
      chars: characters per line of a label.
      lines: most lines of a label.
      angle: 0 for labels lying under their bars, -90 for upright ones.
      bottom_px: the room under the plot the labels need.
    """

    chars: int
    lines: int
    angle: int
    bottom_px: int


def _fit_ticks(count: int, *, width_px: int, font_px: int = WATERFALL_TICK_PX) -> _TickFit:
    """How ``count`` category labels fit under a plot ``width_px`` wide without touching.

    Each label has a slot of the plot's width over ``count`` (90% of it, a gap
    between neighbours). A label lies under its bar when a line of
    :data:`WATERFALL_MIN_CHARS` fits the slot; otherwise it stands upright and
    its lines, side by side, must fit the slot instead.

    >>> _fit_ticks(5, width_px=906)
    _TickFit(chars=20, lines=3, angle=0, bottom_px=90)
    >>> _fit_ticks(15, width_px=906)
    _TickFit(chars=26, lines=3, angle=-90, bottom_px=189)
    """
    slot_px = 0.9 * (width_px - WATERFALL_AXIS_PX) / max(count, 1)
    char_px, line_px = CHAR_EM * font_px, LINE_EM * font_px
    chars = int(slot_px // char_px)
    if chars >= WATERFALL_MIN_CHARS:
        return _TickFit(min(chars, WATERFALL_LINE_CHARS), 3, 0, 90)
    lines = max(1, min(3, int(slot_px // line_px)))
    return _TickFit(WATERFALL_UPRIGHT_CHARS, lines, -90,
                    int(WATERFALL_UPRIGHT_CHARS * char_px) + 20)


def cost_waterfall_figure(comparison: Comparison, *, language: Language = "en",
                          width_px: int = PLOT_WIDTH_PX) -> go.Figure:
    """From the baseline's cost per instance to the candidate's, activity by activity.

    The first bar is the baseline total, then one step per activity whose cost
    per instance changed (largest change first; beyond the first 12 the rest
    are merged into "other activities"), and a last bar with the candidate
    total. An activity's cost includes its other costs (materials, fees), so
    the steps add up to the difference exactly; other costs get no step of
    their own here (see :func:`cost_by_resource_figure`). Bars carry the
    activity ids as ``customdata``.

    Labels never touch at a plot ``width_px`` wide (1366 px less the
    sidebar): a long name wraps on words and is cut with "…" (the hover
    keeps it whole), and when the bars are too many for lying labels the
    labels stand upright (:func:`_fit_ticks`). Texts in ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> load = abc.load_model
    >>> comparison = abc.compare_models(
    ...     load("process_models/contract_approval/as_is.yaml"),
    ...     load("process_models/contract_approval/value_tiers.yaml"))
    >>> bars = cost_waterfall_figure(comparison).data[0]
    >>> bars.y[0] == comparison.baseline.cost_per_instance
    True
    >>> bars.y[-1] == comparison.candidate.cost_per_instance
    True
    >>> cost_waterfall_figure(comparison, language="ru").layout.yaxis.title.text
    'Стоимость экземпляра, RUB'
    """
    _ = translator(language)
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    scale = max(abs(base.cost_per_instance), abs(cand.cost_per_instance))
    changed = [a for a in comparison.activities if not _is_zero(a.delta, scale)]
    changed.sort(key=lambda a: -abs(a.delta))
    shown, merged = changed[:WATERFALL_BARS], changed[WATERFALL_BARS:]
    if len(merged) == 1:  # one merged bar would hide a name for nothing
        shown, merged = changed, []
    names = _unique_labels([a.name for a in shown], [a.id for a in shown])
    fit = _fit_ticks(len(shown) + bool(merged) + 2, width_px=width_px)

    def label(text: str) -> str:
        return _wrap(text, fit.chars, fit.lines)

    x = [label(_("Baseline {variant}", variant=base.variant))]
    y = [base.cost_per_instance]
    measure = ["absolute"]
    ids = ["(baseline)"]
    text = [format_money(base.cost_per_instance, cur, language)]
    hover = [f"<b>{_text(_('Baseline {variant}', variant=base.variant))}</b><br>"
             + _("cost per instance: {amount}",
                 amount=format_amount(base.cost_per_instance, cur, language))]
    for change, name in zip(shown, names, strict=True):
        x.append(label(name))
        y.append(change.delta)
        measure.append("relative")
        ids.append(change.id)
        text.append(format_signed_amount(change.delta, cur, language))
        status = translate(CELL_WORDS.get(change.status, change.status), language)
        hover.append(
            f"<b>{_text(change.name)}</b> ({_text(change.id)}, {status})<br>"
            + _("baseline: {amount}", amount=format_amount(change.baseline_cost_per_instance,
                                                             cur, language)) + "<br>"
            + _("candidate: {amount}", amount=format_amount(change.candidate_cost_per_instance,
                                                              cur, language)) + "<br>"
            + _("change: {amount}", amount=with_currency(
                format_signed_amount(change.delta, cur, language), cur, language)))
    if merged:
        delta = sum(a.delta for a in merged)
        x.append(label(_("other activities ({count})", count=len(merged))))
        y.append(delta)
        measure.append("relative")
        ids.append("(other activities)")
        text.append(format_signed_amount(delta, cur, language))
        hover.append(f"<b>{_('{count} other activities', count=len(merged))}</b><br>"
                     + "<br>".join(f"{_text(a.name)}: "
                                   f"{format_signed_amount(a.delta, cur, language)}"
                                   for a in merged[:15])
                     + ("<br>…" if len(merged) > 15 else "") + "<br>"
                     + _("together: {amount}", amount=with_currency(
                         format_signed_amount(delta, cur, language), cur, language)))
    x.append(label(_("Candidate {variant}", variant=cand.variant)))
    # Plotly sums a "total" bar itself; the value given is the candidate's own
    # total, which the steps reconcile to.
    y.append(cand.cost_per_instance)
    measure.append("total")
    ids.append("(candidate)")
    text.append(format_money(cand.cost_per_instance, cur, language))
    hover.append(f"<b>{_text(_('Candidate {variant}', variant=cand.variant))}</b><br>"
                 + _("cost per instance: {amount}",
                     amount=format_amount(cand.cost_per_instance, cur, language)))

    fig = go.Figure(go.Waterfall(
        x=x, y=y, measure=measure, customdata=ids, text=text, textposition="outside",
        textfont=dict(size=10 if fit.angle == 0 else 9), hovertext=hover, hoverinfo="text",
        cliponaxis=False, connector=dict(line=dict(color=GRID, width=1)),
        increasing=dict(marker=dict(color=COST_UP_COLOUR)),
        decreasing=dict(marker=dict(color=COST_DOWN_COLOUR)),
        totals=dict(marker=dict(color=TOTAL_COLOUR)),
        name=_("cost per instance"), showlegend=False,
    ))
    saving = comparison.saving_per_instance
    amount = format_amount(abs(saving), cur, language)
    title = (_("{candidate} vs {baseline}: saves {amount} per instance", candidate=cand.variant,
               baseline=base.variant, amount=amount) if saving >= 0
             else _("{candidate} vs {baseline}: costs more by {amount} per instance",
                    candidate=cand.variant, baseline=base.variant, amount=amount))
    _base_layout(fig, title=title, height=480 + fit.bottom_px - 90, language=language)
    subtitle = base.title or base.process
    if comparison.saving_per_year is not None:
        per_year = comparison.saving_per_year
        year_amount = format_amount(abs(per_year), cur, language)
        subtitle = (_("{title} · saving per year: {amount}", title=subtitle, amount=year_amount)
                    if per_year >= 0 else
                    _("{title} · extra cost per year: {amount}", title=subtitle,
                      amount=year_amount))
    fig.update_layout(title_subtitle_text=_text(subtitle))
    fig.update_layout(
        yaxis=dict(title=dict(text=_("Cost per instance, {currency}", currency=cur)),
                   gridcolor=GRID, rangemode="tozero", tickformat=MONEY_TICKS),
        xaxis=dict(tickangle=fit.angle, tickfont=dict(size=WATERFALL_TICK_PX),
                   automargin=True),
        margin=dict(b=fit.bottom_px),
    )
    return fig


def _bar_height(rows: int, *, per_row: int = BAR_ROW_PX, floor: int = 300) -> int:
    return max(floor, 130 + per_row * rows)


def cost_by_resource_figure(comparison: Comparison, *, language: Language = "en"
                            ) -> go.Figure:
    """Cost per instance of each resource in both variants, as grouped horizontal bars.

    One row per resource of either variant (first resource on top), plus an
    "other costs" row when either variant has costs tied to no resource, so each
    variant's bars add up to its total. Texts in ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> load = abc.load_model
    >>> comparison = abc.compare_models(
    ...     load("process_models/contract_approval/as_is.yaml"),
    ...     load("process_models/contract_approval/template_esign.yaml"))
    >>> fig = cost_by_resource_figure(comparison)
    >>> [t.name for t in fig.data]
    ['Baseline: as_is', 'Candidate: template_esign']
    >>> abs(sum(fig.data[0].x) - comparison.baseline.cost_per_instance) < 1e-6
    True
    """
    _ = translator(language)
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    changes = list(comparison.resources)
    ids = [r.id for r in changes]
    labels = _unique_labels([r.name for r in changes], ids)
    base_x = [r.baseline_cost_per_instance for r in changes]
    cand_x = [r.candidate_cost_per_instance for r in changes]
    other = comparison.other_cost_change
    scale = max(abs(base.cost_per_instance), abs(cand.cost_per_instance))
    if not (_is_zero(other.baseline_cost_per_instance, scale)
            and _is_zero(other.candidate_cost_per_instance, scale)):
        ids.append("(other costs)")
        labels.append(_("other costs"))
        base_x.append(other.baseline_cost_per_instance)
        cand_x.append(other.candidate_cost_per_instance)
    labels = [_wrap(label, 30, 2) for label in labels]

    fig = go.Figure()
    for name, values, colour in ((_("Baseline: {variant}", variant=base.variant), base_x,
                                  BASELINE_COLOUR),
                                 (_("Candidate: {variant}", variant=cand.variant), cand_x,
                                  CANDIDATE_COLOUR)):
        fig.add_trace(go.Bar(
            x=values, y=labels, orientation="h", name=_text(name), marker_color=colour,
            customdata=ids, hoverinfo="text",
            hovertext=[f"<b>{label}</b><br>{_text(name)}: {format_amount(v, cur, language)}"
                       for label, v in zip(labels, values, strict=True)],
            text=[format_money(v, cur, language) for v in values], textposition="auto",
            textfont=dict(size=10),
        ))
    _base_layout(fig, title=_("Cost per instance by resource, {currency}", currency=cur),
                 height=_bar_height(2 * len(labels), per_row=22), language=language)
    fig.update_layout(title_subtitle_text=_text(base.title or base.process))
    fig.update_layout(
        barmode="group", bargap=0.25,
        xaxis=dict(title=dict(text=_("Cost per instance, {currency}", currency=cur)),
                   gridcolor=GRID,
                   rangemode="tozero", tickformat=MONEY_TICKS),
        yaxis=dict(autorange="reversed"),
        legend=LEGEND_BELOW,
    )
    return fig


def _with_alpha(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


#: A line of a value class under its bars (half the page wide at 1366 px).
VALUE_TICK_CHARS = 14


def cost_by_value_figure(comparison: Comparison, *, language: Language = "en") -> go.Figure:
    """Cost per instance by value class (value adding, business, waste), both variants.

    Bars are grouped by class and coloured by class; the baseline's are pale
    and hatched, the candidate's solid. Texts in ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> load = abc.load_model
    >>> comparison = abc.compare_models(
    ...     load("process_models/contract_approval/as_is.yaml"),
    ...     load("process_models/contract_approval/value_tiers.yaml"))
    >>> fig = cost_by_value_figure(comparison)
    >>> list(fig.data[1].customdata)
    ['value_adding', 'business', 'waste']
    """
    base, cand = comparison.baseline, comparison.candidate
    cur = base.currency
    changes = {c.value: c for c in comparison.by_value}
    classes = [v for v in VALUE_CLASSES if v in changes]
    _ = translator(language)
    labels = [translate(VALUE_LABELS[v], language) for v in classes]
    fig = go.Figure()
    for name, values, marker in (
        (_("Baseline: {variant}", variant=base.variant),
         [changes[v].baseline_cost_per_instance for v in classes],
         dict(color=[_with_alpha(VALUE_COLOURS[v], 0.45) for v in classes],
              pattern=dict(shape="/", fgcolor="white", size=6),
              line=dict(color=[VALUE_COLOURS[v] for v in classes], width=1.5))),
        (_("Candidate: {variant}", variant=cand.variant),
         [changes[v].candidate_cost_per_instance for v in classes],
         dict(color=[VALUE_COLOURS[v] for v in classes],
              line=dict(color=[VALUE_COLOURS[v] for v in classes], width=1.5))),
    ):
        fig.add_trace(go.Bar(
            x=labels, y=values, name=_text(name), marker=marker, customdata=classes,
            text=[format_money(v, cur, language) for v in values], textposition="outside",
            textfont=dict(size=10), cliponaxis=False, hoverinfo="text",
            hovertext=[f"<b>{label}</b><br>{_text(name)}: {format_amount(v, cur, language)}"
                       for label, v in zip(labels, values, strict=True)],
        ))
    _base_layout(fig, title=_("Cost per instance by value class, {currency}", currency=cur),
                 height=420, language=language)
    fig.update_layout(title_subtitle_text=_text(base.title or base.process))
    fig.update_layout(
        # Half the page wide, a class has ~110 px: "обязательные (для бизнеса)" on one
        # line would be turned by plotly and run into the legend; two lines lie flat.
        xaxis=dict(tickangle=0, tickvals=labels,
                   ticktext=[_wrap(label, VALUE_TICK_CHARS, 2) for label in labels]),
        barmode="group", bargap=0.3, bargroupgap=0.08,
        yaxis=dict(title=dict(text=_("Cost per instance, {currency}", currency=cur)),
                   gridcolor=GRID,
                   rangemode="tozero", tickformat=MONEY_TICKS),
        legend=LEGEND_BELOW,
    )
    return fig


# --- Portfolio and one variant ------------------------------------------------------------


def portfolio_cost_figure(portfolio: Portfolio, *, language: Language = "en") -> go.Figure:
    """Where the money goes across processes: cost per year of each process's
    ``as_is`` variant (else its first), stacked by value class, dearest on top.

    Processes without a volume per year have no yearly cost and are listed in
    a note under the chart. When processes are costed in different currencies
    each row names its currency and the axis none. Texts in ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> models, _ = abc.load_library("process_models")
    >>> portfolio = abc.build_portfolio(models)
    >>> fig = portfolio_cost_figure(portfolio)
    >>> [t.name for t in fig.data]
    ['value-adding', 'business (required)', 'waste']
    >>> sorted(fig.data[0].customdata) == sorted(portfolio.processes())
    True
    """
    _ = translator(language)
    chosen: list[CostResult] = []
    for process in portfolio.processes():
        rows = portfolio.variants(process)
        row = next((r for r in rows if r.variant == BASELINE_VARIANT), rows[0])
        chosen.append(portfolio.results[(row.process, row.variant)])
    with_volume = [r for r in chosen if r.volume_per_year is not None]
    without_volume = [r for r in chosen if r.volume_per_year is None]
    with_volume.sort(key=lambda r: -(r.cost_per_year or 0.0))
    currencies = sorted({r.currency for r in with_volume})
    one_currency = currencies[0] if len(currencies) == 1 else None
    names = _unique_labels([r.title or r.process for r in with_volume],
                           [r.process for r in with_volume])
    if one_currency is None:
        names = [f"{name} ({r.currency})" for name, r in zip(names, with_volume, strict=True)]
    labels = [_wrap(name, 32, 2) for name in names]

    fig = go.Figure()
    for value in VALUE_CLASSES:
        per_year = [r.by_value[value] * (r.volume_per_year or 0.0) for r in with_volume]
        value_label = translate(VALUE_LABELS[value], language)
        fig.add_trace(go.Bar(
            x=per_year, y=labels, orientation="h", name=value_label,
            marker_color=VALUE_COLOURS[value], customdata=[r.process for r in with_volume],
            hoverinfo="text",
            hovertext=[
                f"<b>{_text(r.title or r.process)}</b> ({_text(r.variant)})<br>"
                + _("{value}: {amount} per year ({share})", value=value_label,
                    amount=format_amount(v, r.currency, language),
                    share=format_share(v / r.cost_per_year, 0, language))
                + "<br>" + _("total: {amount} per year",
                             amount=format_amount(r.cost_per_year, r.currency, language))
                if r.cost_per_year else f"<b>{_text(r.title or r.process)}</b>"
                for r, v in zip(with_volume, per_year, strict=True)
            ],
        ))
    axis = (_("Cost per year, {currency}", currency=one_currency) if one_currency
            else _("Cost per year"))
    _base_layout(fig, title=_("Where the money goes: cost per year by process"),
                 height=_bar_height(len(labels), per_row=48), language=language)
    fig.update_layout(
        barmode="stack", bargap=0.35,
        xaxis=dict(title=dict(text=axis), gridcolor=GRID, rangemode="tozero",
                   tickformat=MONEY_TICKS),
        yaxis=dict(autorange="reversed"),
        legend=dict(LEGEND_BELOW,
                    traceorder="normal"),
    )
    if without_volume:
        fig.add_annotation(
            text=_("No volume per year, not shown: {processes}", processes=", ".join(
                _text(r.title or r.process) for r in without_volume)),
            xref="paper", yref="paper", x=0, y=0, yshift=-45, showarrow=False,
            xanchor="left", font=dict(size=10, color=MUTED))
        fig.update_layout(margin=dict(b=70))
    return fig


def cost_breakdown_figure(result: CostResult, *, language: Language = "en") -> go.Figure:
    """One variant's cost per instance by activity: horizontal bars, dearest on
    top, coloured by value class (one trace per class, for the legend). Texts in
    ``language``.

    Examples
    --------
    >>> import abc_costing as abc
    >>> result = abc.cost_model(abc.load_model("process_models/contract_approval/as_is.yaml"))
    >>> fig = cost_breakdown_figure(result)
    >>> abs(sum(x for t in fig.data for x in t.x) - result.cost_per_instance) < 1e-6
    True
    """
    _ = translator(language)
    cur = result.currency
    activities = sorted(result.activities, key=lambda a: -a.cost_per_instance)
    labels = _unique_labels([a.name for a in activities], [a.id for a in activities])
    labels = [_wrap(label, 40, 2) for label in labels]
    label_of = {a.id: label for a, label in zip(activities, labels, strict=True)}
    fig = go.Figure()
    for value in VALUE_CLASSES:
        members = [a for a in activities if a.value == value]
        if not members:
            continue
        fig.add_trace(go.Bar(
            x=[a.cost_per_instance for a in members], y=[label_of[a.id] for a in members],
            orientation="h", name=translate(VALUE_LABELS[value], language),
            marker_color=VALUE_COLOURS[value],
            customdata=[a.id for a in members],
            text=[format_money(a.cost_per_instance, cur, language) for a in members],
            textposition="auto", textfont=dict(size=10), hoverinfo="text",
            hovertext=[
                "<br>".join([f"<b>{_text(a.name)}</b> ({_text(a.id)})",
                             _("value class: {value}",
                               value=translate(VALUE_LABELS[a.value], language)),
                             *_activity_figures(a, cur, language)])
                + f" ({format_share(a.share, 1, language)})"
                for a in members
            ],
        ))
    heading = result.title or f"{result.process} / {result.variant}"
    _base_layout(fig, title=_("{heading}: cost per instance by activity", heading=heading),
                 height=_bar_height(len(activities)), language=language)
    fig.update_layout(
        barmode="relative", bargap=0.3,
        xaxis=dict(title=dict(text=_("Cost per instance, {currency}", currency=cur)),
                   gridcolor=GRID,
                   rangemode="tozero", tickformat=MONEY_TICKS),
        yaxis=dict(categoryorder="array", categoryarray=labels, autorange="reversed"),
        legend=LEGEND_BELOW,
        title_subtitle_text=_("{amount} per instance",
                              amount=format_amount(result.cost_per_instance, cur, language)),
        margin=dict(t=90),
    )
    return fig
