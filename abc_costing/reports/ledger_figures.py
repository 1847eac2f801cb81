"""Figures of a period allocated from the ledger: the money's flow (Sankey) and margins.

Pure functions of an :class:`~abc_costing.engine.allocation.AllocationResult`
(and the period's :class:`~abc_costing.engine.allocation.PeriodInputs` for
display names) returning plotly figures; the dashboard's Ledger page draws
them. Colours, fonts and money formatting follow :mod:`abc_costing.reports.figures`.

The Sankey shows the allocation in five columns: ledger accounts → support
centres → resource pools → process variants → cost objects, with the money
that stops on the way (idle capacity, unassigned) as nodes of their own and
the money drivers asked beyond a pool's funds (over-driven) as a source. The
engine's rules and activities are steps of the computation, not places a
reader looks for money, so their flows are passed through; support centres
that serve each other are shown by the money each got from the ledger,
followed through the reciprocal solution to the pools (no cycle to draw).
Every node keeps its id in ``customdata`` (``account:26``, ``pool:lawyer``,
``pool:(other)``, ``process:contract_approval/as_is``, ``object:…``,
``idle``, ``unassigned``, ``over_driven``), so a test can map marks back.

Examples
--------
>>> from abc_costing.workflows.library import open_library
>>> from abc_costing.workflows.ledger import balance_period
>>> balance = balance_period(open_library("process_models"), period="2026-01")
>>> fig = ledger_sankey_figure(balance.result, balance.inputs)
>>> fig.data[0].type
'sankey'
>>> flows = sankey_flows(balance.result, balance.inputs)
>>> out_of_ledger = sum(m for (s, _), m in flows.links.items() if s.startswith("account:"))
>>> round(out_of_ledger, 2) == round(balance.result.ledger_total, 2)
True
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx
import numpy as np
import plotly.graph_objects as go

from abc_costing.engine.allocation import AllocationResult, Flow, Node, PeriodInputs
from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.numbers import plotly_separators, with_currency
from abc_costing.reports.figures import (
    BACKGROUND,
    BASELINE_COLOUR,
    CHAR_EM,
    COST_DOWN_COLOUR,
    COST_UP_COLOUR,
    FONT,
    GRID,
    LEGEND_BELOW,
    MONEY_TICKS,
    MUTED,
    PLOT_WIDTH_PX,
    _text,
    _with_alpha,
    _wrap,
)
from abc_costing.reports.tables import format_amount

__all__ = ["SankeyFlows", "label_widths", "ledger_sankey_figure", "margin_figure",
           "sankey_flows"]

#: Pools drawn one by one; the rest (the smallest by money) are one "other pools" node.
TOP_POOLS = 12
#: Most characters per line of a node's label (two lines; the hover shows it whole);
#: fewer where the gap to the next column is narrower (see :func:`label_widths`).
LABEL_WIDTH = 28
LABEL_LINES = 2
#: The nodes' labels, in pixels: two lines of them fit the gap between two bars.
LABEL_FONT_PX = 11
NODE_THICKNESS_PX = 16
#: Between a bar and its label (plotly leaves a few pixels; a little more is kept).
LABEL_GAP_PX = 8
#: Links smaller than half a kopeck are rounding noise of the reciprocal solve.
_NOISE = 0.005
OTHER_POOLS = "pool:(other)"
OVER_DRIVEN = "over_driven"
_SINK_LABELS = {"idle": N_("Idle (unused capacity)"), "unassigned": N_("Unassigned"),
                OVER_DRIVEN: N_("Over-driven (beyond the money)")}
#: Node colour by column: the money's source, where it waits, where it is used, who pays.
_COLOURS = {"account": "#52606d", "centre": "#8e6bb5", "pool": "#3366a8",
            "process": "#e08a2e", "object": "#2e9e5b", "idle": "#b8c0cc",
            "unassigned": "#d9534f", OVER_DRIVEN: "#8c1c13"}


#: The column of each kind of node, and where each column stands (0 left, 1 right);
#: the gaps leave room for the labels, which plotly writes right of a node, and
#: left of a node of the last column (cost objects and sinks): the widest gap is
#: there, for the process variants' labels and the objects'.
_COLUMNS = {"account": 0, OVER_DRIVEN: 0, "centre": 1, "pool": 2, "process": 3, "object": 4,
            "idle": 4, "unassigned": 4}
_COLUMN_X = (0.001, 0.17, 0.34, 0.56, 0.999)
#: Pixels between two bars of a column: a two-line label, so labels never overlap.
NODE_PAD_PX = 30
_MARGIN_PX = dict(l=20, r=20, t=60, b=20)


@dataclass(frozen=True)
class SankeyFlows:
    """The allocation's money between the nodes a reader sees.

    Attributes:
      labels: node id -> display label, in the order the nodes are drawn.
      links: (source id, target id) -> money (positive).
    """

    labels: dict[str, str]
    links: dict[tuple[str, str], float]

    def into(self, node: str) -> float:
        """The money arriving at ``node``."""
        return math.fsum(m for (_, target), m in self.links.items() if target == node)

    def out_of(self, node: str) -> float:
        """The money leaving ``node``."""
        return math.fsum(m for (source, _), m in self.links.items() if source == node)


def _positive_edges(flows: Iterable[Flow]) -> dict[tuple[Node, Node], float]:
    """The flows as edges between nodes, float noise left out (over-driven money is
    already a flow from its source into the node driven beyond its funds)."""
    edges: dict[tuple[Node, Node], float] = defaultdict(float)
    for flow in flows:
        if abs(flow.amount) >= _NOISE:
            edges[(flow.source, flow.target)] += flow.amount
    return edges


def _through_centres(edges: dict[tuple[Node, Node], float]) -> dict[tuple[Node, Node], float]:
    """Centre → centre edges replaced: each centre sends what it got from elsewhere on to
    where it ends up, by the reciprocal solution ``X = (I − F)⁻¹ G`` (``F``: the shares a
    centre sends to centres, ``G``: to the rest)."""
    centres = sorted({n for pair in edges for n in pair if n.kind == "centre"})
    if not centres:
        return edges
    at = {c: i for i, c in enumerate(centres)}
    targets = sorted({t for (s, t) in edges if s in at and t not in at})
    to = {t: j for j, t in enumerate(targets)}
    outflow = np.zeros(len(centres))
    direct = np.zeros(len(centres))
    shares_f = np.zeros((len(centres), len(centres)))
    shares_g = np.zeros((len(centres), len(targets)))
    for (source, target), money in edges.items():
        if source in at:
            outflow[at[source]] += money
            if target in at:
                shares_f[at[source], at[target]] += money
            else:
                shares_g[at[source], to[target]] += money
        elif target in at:
            direct[at[target]] += money
    safe = np.where(outflow > 0, outflow, 1.0)[:, None]
    ends = np.linalg.solve(np.eye(len(centres)) - shares_f / safe, shares_g / safe)
    kept = {pair: m for pair, m in edges.items() if pair[0] not in at}
    for centre, i in at.items():
        for target, j in to.items():
            if direct[i] * ends[i, j] >= _NOISE:
                kept[(centre, target)] = float(direct[i] * ends[i, j])
    return kept


def _pass_through(edges: dict[tuple[Node, Node], float], hidden: frozenset[str]
                  ) -> dict[tuple[Node, Node], float]:
    """Nodes of the ``hidden`` kinds removed: each passes what it gets on in the shares
    of what it sends (a rule: the shares of its receivers; an activity: all to its process)."""
    edges = dict(edges)
    for node in sorted({n for pair in edges for n in pair if n.kind in hidden}):
        ins = [(s, m) for (s, t), m in edges.items() if t == node]
        outs = [(t, m) for (s, t), m in edges.items() if s == node]
        sent = math.fsum(m for _, m in outs)
        for pair in [p for p in edges if node in p]:
            del edges[pair]
        if sent <= 0:
            continue
        for source, got in ins:
            for target, money in outs:
                pair = (source, target)
                edges[pair] = edges.get(pair, 0.0) + got * money / sent
    return edges


def _variant_labels(inputs: PeriodInputs) -> dict[str, str]:
    """Process variants by their models' titles (which name the variant), else their ids."""
    return {f"{m.process}/{m.variant}": m.title or f"{m.process}/{m.variant}"
            for m in inputs.models}


def sankey_flows(result: AllocationResult, inputs: PeriodInputs, *,
                 top_pools: int = TOP_POOLS, language: Language = "en") -> SankeyFlows:
    """The money between accounts, centres, pools, process variants, cost objects and sinks.

    Pools beyond the ``top_pools`` largest (by the money they got) are one
    "other pools" node. Every rouble of the ledger leaves an account node (and
    the over-driven source adds what drivers asked beyond the money), so the
    money into cost objects, idle and unassigned is the ledger total plus the
    over-driven money. Labels of accounts, "other pools" and sinks in ``language``.

    >>> from abc_costing.workflows.library import open_library
    >>> from abc_costing.workflows.ledger import balance_period
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> flows = sankey_flows(balance.result, balance.inputs, top_pools=3)
    >>> sum(key.startswith("pool:") for key in flows.labels)  # three pools and "other pools"
    4
    """
    edges = _pass_through(_through_centres(_positive_edges(result.flows)),
                          frozenset({"rule", "activity"}))
    money_of_pool: dict[str, float] = defaultdict(float)
    for (_, target), money in edges.items():
        if target.kind == "pool":
            money_of_pool[target.name] += money
    ranked = sorted(money_of_pool, key=lambda p: (-money_of_pool[p], p))
    shown = set(ranked[:top_pools])
    grouped = len(ranked) - len(shown)
    variants = _variant_labels(inputs)

    def key(node: Node) -> str:
        match node.kind:
            case "ledger":
                return "account:" + result.ledger_groups.get(node.name, (node.name,))[0]
            case "pool":
                return f"pool:{node.name}" if node.name in shown else OTHER_POOLS
            case "idle" | "unassigned" | "over_driven":
                return node.kind
            case _:
                return f"{node.kind}:{node.name}"

    _ = translator(language)

    def label(node_key: str) -> str:
        kind, _sep, name = node_key.partition(":")
        match kind:
            case "account":
                return _("Account {account}", account=name)
            case "centre":
                return inputs.support_centres.get(name) or name
            case "pool":
                return (_("Other pools ({count})", count=grouped) if node_key == OTHER_POOLS
                        else inputs.pools.get(name) or name)
            case "process":
                return variants.get(name, name)
            case _:
                return translate(_SINK_LABELS[kind], language) if kind in _SINK_LABELS else name

    links: dict[tuple[str, str], float] = defaultdict(float)
    for (source, target), money in edges.items():
        pair = (key(source), key(target))
        if pair[0] != pair[1]:
            links[pair] += money
    order = ("account", OVER_DRIVEN, "centre", "pool", "process", "object", "idle",
             "unassigned")
    nodes = sorted({n for pair in links for n in pair},
                   key=lambda n: (order.index(n.partition(":")[0]),
                                  n == OTHER_POOLS, -max(_total(links, n)), n))
    return SankeyFlows({n: label(n) for n in nodes},
                       {pair: m for pair, m in links.items() if m >= _NOISE})


def _total(links: Mapping[tuple[str, str], float], node: str) -> tuple[float, float]:
    return (math.fsum(m for (s, _), m in links.items() if s == node),
            math.fsum(m for (_, t), m in links.items() if t == node))


def _column(node: str) -> int:
    return _COLUMNS[node.partition(":")[0]]


def _plotly_layers(links: Iterable[tuple[str, str]], nodes: Iterable[str]) -> dict[str, int]:
    """The column plotly's layout (d3-sankey, "justify") gives each node: its longest
    path from a source, and the last column for a node that sends nothing on."""
    graph = nx.DiGraph(list(links))
    graph.add_nodes_from(nodes)
    depth: dict[str, int] = {}
    for node in nx.topological_sort(graph):
        depth[node] = max((depth[u] + 1 for u in graph.predecessors(node)), default=0)
    last = max(depth.values(), default=0)
    return {n: depth[n] if graph.out_degree(n) else last for n in graph}


def _spacers(flows: SankeyFlows) -> list[tuple[str, str]]:
    """Invisible links that put each node in plotly's column of the same kind.

    Plotly places a node by its longest path from a source, so a pool fed only
    by the ledger (its money all idle or unassigned, or no support centre sends
    to it) would stand with the support centres, and plotly would scale the bars
    for columns that are not the ones drawn. A link of no visible width from a
    node of the column before moves it where it belongs.
    """
    added: list[tuple[str, str]] = []
    for _ in range(len(_COLUMN_X)):
        layers = _plotly_layers([*flows.links, *added], flows.labels)
        by_column: dict[int, list[str]] = defaultdict(list)
        for node in flows.labels:
            by_column[_column(node)].append(node)
        needed = []
        for column, nodes in sorted(by_column.items()):
            deepest = max(layers[n] for n in nodes)
            before = [n for n in by_column.get(column - 1, []) if layers[n] == deepest - 1]
            needed += [(before[0], n) for n in nodes if layers[n] < deepest and before]
        if not needed:
            break
        added += needed
    return added


def _positions(flows: SankeyFlows, *, height_px: int) -> tuple[list[float], list[float]]:
    """Each node's column (x) and the middle of its bar (y), top to bottom in the
    labels' order, at plotly's scale: the fullest column fills the height with
    ``NODE_PAD_PX`` between bars."""
    size = {n: max(flows.into(n), flows.out_of(n)) for n in flows.labels}
    columns: dict[int, list[str]] = defaultdict(list)
    for node in flows.labels:
        columns[_column(node)].append(node)
    px_per_money = min(((height_px - NODE_PAD_PX * (len(nodes) - 1))
                        / max(math.fsum(size[n] for n in nodes), 1e-9)
                        for nodes in columns.values()), default=1.0)
    xy: dict[str, tuple[float, float]] = {}
    for column, nodes in columns.items():
        top = 0.0
        for node in nodes:
            bar = size[node] * px_per_money
            xy[node] = (_COLUMN_X[column], min(0.999, max(0.001, (top + bar / 2) / height_px)))
            top += bar + NODE_PAD_PX
    return [xy[n][0] for n in flows.labels], [xy[n][1] for n in flows.labels]


def label_widths(*, width_px: int = PLOT_WIDTH_PX,
                 font_px: int = LABEL_FONT_PX) -> tuple[int, ...]:
    """Characters per line a label of each column may take at a plot ``width_px`` wide.

    Plotly writes a node's label right of its bar, and left of a bar of the
    last column: a label may fill the gap to the next column's bars, and the
    process variants' labels and the cost objects' share the last gap half and
    half, so that no two labels (nor a label and a bar) ever meet.

    >>> label_widths(width_px=1000)
    (18, 18, 25, 26, 26)
    """
    plot_px = width_px - _MARGIN_PX["l"] - _MARGIN_PX["r"]
    gaps = [(right - left) * plot_px - NODE_THICKNESS_PX
            for left, right in zip(_COLUMN_X, _COLUMN_X[1:], strict=False)]
    rooms = [*gaps[:-1], gaps[-1] / 2, gaps[-1] / 2]
    return tuple(min(LABEL_WIDTH, int((room - 2 * LABEL_GAP_PX) // (CHAR_EM * font_px)))
                 for room in rooms)


def ledger_sankey_figure(result: AllocationResult, inputs: PeriodInputs, *,
                         top_pools: int = TOP_POOLS, language: Language = "en",
                         width_px: int = PLOT_WIDTH_PX) -> go.Figure:
    """The period's money as a Sankey diagram (see :func:`sankey_flows` and the module).

    The links carry the money of :func:`sankey_flows` in its order; links
    with ``customdata`` None after them are invisible spacers (see
    :func:`_spacers`) of no money to speak of. Labels are wrapped on words
    and cut with "…" to fit their column at a plot ``width_px`` wide
    (:func:`label_widths`); the hover names each node in full. Texts in
    ``language``.

    >>> from abc_costing.workflows.library import open_library
    >>> from abc_costing.workflows.ledger import balance_period
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> fig = ledger_sankey_figure(balance.result, balance.inputs)
    >>> "idle" in list(fig.data[0].node.customdata)
    True
    """
    _ = translator(language)
    flows = sankey_flows(result, inputs, top_pools=top_pools, language=language)
    ids = list(flows.labels)
    at = {node: i for i, node in enumerate(ids)}
    currency = inputs.currency
    colours = [_COLOURS.get(n.partition(":")[0], MUTED) for n in ids]
    sources, targets, values, link_colours = [], [], [], []
    hover: list[str | None] = []
    for (source, target), money in flows.links.items():
        sources.append(at[source])
        targets.append(at[target])
        values.append(money)
        link_colours.append(_with_alpha(colours[at[source]], 0.35))
        hover.append(f"{_text(flows.labels[source])} → {_text(flows.labels[target])}<br>"
                     f"{format_amount(money, currency, language)}")
    invisible = 1e-9 * max(values, default=1.0)  # far below a pixel, still a link to plotly
    for source, target in _spacers(flows):
        sources.append(at[source])
        targets.append(at[target])
        values.append(invisible)
        link_colours.append("rgba(0,0,0,0)")
        hover.append(None)
    rows = max(Counter(_column(n) for n in ids).values(), default=1)
    plot_px = max(400, (NODE_PAD_PX + 26) * rows)  # the gap and a bar of some 26 px a row
    x, y = _positions(flows, height_px=plot_px)
    widths = label_widths(width_px=width_px)
    fig = go.Figure(go.Sankey(
        arrangement="snap", valueformat=",.2f", valuesuffix=f" {currency}",
        textfont=dict(size=LABEL_FONT_PX),
        node=dict(label=[_wrap(flows.labels[n], widths[_column(n)], LABEL_LINES) for n in ids],
                  customdata=ids, color=colours, x=x, y=y, pad=NODE_PAD_PX,
                  thickness=NODE_THICKNESS_PX, line=dict(color="white", width=0.5),
                  # the whole name, however the label was cut ("%" would start a field)
                  hovertemplate=[f"{_text(flows.labels[n]).replace('%', '%%')}<br>"
                                 + with_currency("%{value:,.2f}", currency, language)
                                 + "<extra></extra>" for n in ids]),
        link=dict(source=sources, target=targets, value=values, color=link_colours,
                  customdata=hover, hovertemplate="%{customdata}<extra></extra>"),
    ))
    fig.update_layout(
        title=dict(text=_("Where the money of {period} ({scenario}) goes, {currency}",
                          period=inputs.period, scenario=inputs.scenario, currency=currency),
                   x=0.01, xanchor="left"),
        font=FONT, paper_bgcolor=BACKGROUND, margin=_MARGIN_PX,
        height=plot_px + _MARGIN_PX["t"] + _MARGIN_PX["b"], separators=plotly_separators(language))
    return fig


def margin_figure(result: AllocationResult, *, currency: str, language: Language = "en"
                  ) -> go.Figure:
    """Each cost object's cost to serve and margin (revenue − cost), as grouped bars.

    Objects in the profitability table's order (lowest margin first, then
    those without revenue); a negative margin is red. ``customdata`` holds the
    cost objects. Texts in ``language``.

    >>> from abc_costing.workflows.library import open_library
    >>> from abc_costing.workflows.ledger import balance_period
    >>> balance = balance_period(open_library("process_models"), period="2026-01")
    >>> fig = margin_figure(balance.result, currency="RUB")
    >>> [t.name for t in fig.data]
    ['Cost to serve', 'Margin']
    """
    _ = translator(language)
    ordered = sorted(result.objects, key=lambda o: (o.margin is None, o.margin or 0.0, -o.cost))
    names = [o.cost_object for o in ordered]
    shown = [_text(name) for name in names]  # a name is text, never markup
    fig = go.Figure()
    fig.add_trace(go.Bar(
        y=shown, x=[o.cost for o in ordered], orientation="h", name=_("Cost to serve"),
        marker_color=BASELINE_COLOUR, customdata=names,
        text=[format_amount(o.cost, currency, language) for o in ordered], textposition="auto",
        hovertemplate="%{y}<br>" + _("cost to serve {amount}", amount="%{text}")
        + "<extra></extra>"))
    margins = [o.margin for o in ordered]
    fig.add_trace(go.Bar(
        y=shown, x=margins, orientation="h", name=_("Margin"), customdata=names,
        marker_color=[COST_UP_COLOUR if (m or 0) < 0 else COST_DOWN_COLOUR for m in margins],
        text=[_("no revenue") if m is None else format_amount(m, currency, language)
              for m in margins],
        textposition="auto",
        hovertemplate="%{y}<br>" + _("margin {amount}", amount="%{text}") + "<extra></extra>"))
    fig.update_layout(
        title=dict(text=_("Cost objects: cost to serve and margin, {currency}",
                          currency=currency), x=0.01, xanchor="left"),
        font=FONT, paper_bgcolor=BACKGROUND, plot_bgcolor=BACKGROUND, barmode="group",
        height=max(300, 130 + 56 * len(names)), legend=LEGEND_BELOW,
        margin=dict(l=20, r=20, t=60, b=60), separators=plotly_separators(language),
        xaxis=dict(gridcolor=GRID, tickformat=MONEY_TICKS, title=dict(text=currency)),
        yaxis=dict(autorange="reversed"))
    return fig
