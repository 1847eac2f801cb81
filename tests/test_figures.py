"""Plotly figures: the numbers they draw are the engine's numbers, and the flow
layout is a left-to-right layering of the routing graph."""

from __future__ import annotations

import itertools
import json
import textwrap
from pathlib import Path

import networkx as nx
import plotly.graph_objects as go
import pytest

from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, load_model, model_files
from abc_costing.model import routing_graph
from abc_costing.portfolio import build_portfolio
from abc_costing.reports import figures
from abc_costing.reports.figures import (
    cost_breakdown_figure,
    cost_by_resource_figure,
    cost_by_value_figure,
    cost_waterfall_figure,
    portfolio_cost_figure,
    process_flow_figure,
    process_flow_layout,
)
from abc_costing.reports.tables import format_money
from tests.conftest import LIBRARY, parse

CONTRACT = LIBRARY / "contract_approval"
SHIPPED = model_files(LIBRARY)

# A rework loop behind a 70/30 review, a parallel block, Cyrillic names.
# clerk 10 ₽/min, lawyer 50 ₽/min, courier 500 ₽ per use.
LOOP = """
volume_per_year: 100
resources:
  clerk:   {kind: labor, rate_per_hour: 600, name: "Делопроизводитель"}
  lawyer:  {kind: labor, rate_per_hour: 3000, name: "Юрист"}
  courier: {kind: per_use, cost_per_use: 500}
activities:
  draft:  {name: "Подготовка договора", labor: {clerk: 60}, value: value_adding}
  legal:  {name: "Юридическая проверка", labor: {lawyer: 30}}
  money:  {name: "Финансовая проверка", labor: {clerk: 20}}
  fix:    {name: "Доработка", labor: {clerk: 30}, value: waste}
  send:   {name: "Отправка", uses: {courier: 1}, other_cost: 40}
gateways:
  again:  {kind: exclusive}
  split:  {kind: parallel}
  join:   {kind: parallel}
  ok:     {kind: exclusive, name: "Замечания?"}
events:
  s: {kind: start, name: "Начало"}
  e: {kind: end, name: "Подписан"}
flows:
  - [s, draft]
  - [draft, again]
  - [again, split]
  - [split, legal]
  - [split, money]
  - [legal, join]
  - [money, join]
  - [join, ok]
  - [ok, send, 0.7]
  - [ok, fix, 0.3]
  - [fix, again]
  - [send, e]
"""


def node_traces(fig: go.Figure) -> list[go.Scatter]:
    return [t for t in fig.data if t.meta and t.meta["role"] == "nodes"]


def trace_of_kind(fig: go.Figure, kind: str) -> go.Scatter:
    (trace,) = [t for t in node_traces(fig) if t.meta["kind"] == kind]
    return trace


def strings_in(document) -> list[str]:
    """Every string anywhere in a JSON document."""
    if isinstance(document, str):
        return [document]
    if isinstance(document, dict):
        return [s for value in document.values() for s in strings_in(value)]
    if isinstance(document, list):
        return [s for value in document for s in strings_in(value)]
    return []


@pytest.fixture(scope="module")
def contract_comparison():
    return compare_models(load_model(CONTRACT / "as_is.yaml"),
                          load_model(CONTRACT / "value_tiers.yaml"))


# --- layout --------------------------------------------------------------------------------


def test_layout_of_a_loop_with_a_parallel_block():
    xy = process_flow_layout(parse(LOOP))
    assert set(xy) == {"draft", "legal", "money", "fix", "send", "again", "split", "join",
                       "ok", "s", "e"}
    # Layers are the longest path from the start once fix -> again is set aside.
    layers = {node: x for node, (x, _) in xy.items()}
    assert layers == {"s": 0, "draft": 1, "again": 2, "split": 3, "legal": 4, "money": 4,
                      "join": 5, "ok": 6, "send": 7, "fix": 7, "e": 8}
    # The two branches sit side by side, symmetrically, the first flow on top.
    assert (xy["legal"][1], xy["money"][1]) == (0.5, -0.5)
    assert xy["s"] == (0.0, 0.0)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_layout_runs_left_to_right_except_loops(path: Path):
    model = load_model(path)
    graph = routing_graph(model)
    xy = process_flow_layout(model)
    assert set(xy) == set(graph.nodes)
    (start,) = [n for n, kind in graph.nodes(data="kind") if kind == "start"]
    assert xy[start][0] == 0
    backward = [(u, v) for u, v in graph.edges if xy[v][0] <= xy[u][0]]
    forward = [(u, v) for u, v in graph.edges if xy[v][0] > xy[u][0]]
    # Every backward flow closes a loop, and without them no loop is left.
    for u, v in backward:
        assert nx.has_path(graph, v, u)
    dag = nx.DiGraph(forward)
    assert nx.is_directed_acyclic_graph(dag)
    # x is the longest path from the start in that graph.
    for node in graph.nodes:
        preds = list(dag.predecessors(node)) if node in dag else []
        assert xy[node][0] == max((xy[p][0] + 1 for p in preds), default=0)
    # Nodes of one layer never share a place.
    places = [(x, y) for x, y in xy.values()]
    assert len(places) == len(set(places))
    # The shipped flows can be drawn without crossings between adjacent layers.
    short = [(u, v) for u, v in forward if xy[v][0] - xy[u][0] == 1]
    crossings = [
        (a, b) for a, b in itertools.combinations(short, 2)
        if xy[a[0]][0] == xy[b[0]][0]
        and (xy[a[0]][1] - xy[b[0]][1]) * (xy[a[1]][1] - xy[b[1]][1]) < 0
    ]
    assert crossings == []


def test_contract_rework_is_the_only_back_edge():
    model = load_model(CONTRACT / "as_is.yaml")
    xy = process_flow_layout(model)
    graph = routing_graph(model)
    assert [(u, v) for u, v in graph.edges if xy[v][0] <= xy[u][0]] == [("rework", "again")]
    # The long flow approved -> rework_merge (layers 7 to 11) and the short ones
    # from client_decision both enter the merge from the left.
    assert xy["approved"][0] == 7 and xy["rework_merge"][0] == 11


def test_layout_survives_nodes_the_start_does_not_reach():
    # Invalid (the validator reports the orphan), but an editor may still draw it.
    model = parse(LOOP)
    data = model.model_dump()
    data["gateways"]["lost"] = {"kind": "exclusive"}
    data["flows"].append(["lost", "e"])
    broken = type(model).model_validate(data)
    xy = process_flow_layout(broken)
    assert xy["lost"][0] == 0
    assert xy["e"][0] > xy["lost"][0]


# --- flow figure ---------------------------------------------------------------------------


def test_flow_figure_draws_every_node_once_in_its_shape():
    model = parse(LOOP)
    fig = process_flow_figure(model, cost_model(model))
    drawn = [node for t in node_traces(fig) for node in t.customdata]
    assert sorted(drawn) == sorted(routing_graph(model).nodes)
    assert len(drawn) == len(set(drawn))
    xy = process_flow_layout(model)
    for trace in node_traces(fig):
        for node, x, y in zip(trace.customdata, trace.x, trace.y, strict=True):
            assert (x, y) == xy[node]
    exclusive, parallel = trace_of_kind(fig, "exclusive"), trace_of_kind(fig, "parallel")
    assert exclusive.marker.symbol == parallel.marker.symbol == "diamond"
    assert set(exclusive.text) == {"×"} and set(parallel.text) == {"+"}
    assert trace_of_kind(fig, "activity").marker.symbol == "square"
    start, end = trace_of_kind(fig, "start"), trace_of_kind(fig, "end")
    assert start.marker.symbol == end.marker.symbol == "circle"
    assert start.marker.line.color == figures.START_COLOUR
    assert end.marker.line.width > start.marker.line.width
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.plot_bgcolor == "white"


def test_activities_are_coloured_by_cost_per_instance():
    model = parse(LOOP)
    result = cost_model(model)
    activities = trace_of_kind(process_flow_figure(model, result), "activity")
    colours = dict(zip(activities.customdata, activities.marker.color, strict=True))
    # legal: 30 min × 50 ₽ = 1500 per run; the loop runs it 1 / 0.7 times.
    assert colours["legal"] == pytest.approx(1500 / 0.7)
    assert colours == {a.id: pytest.approx(a.cost_per_instance) for a in result.activities}
    assert activities.marker.showscale is True
    assert activities.marker.colorbar.title.text == "Cost per instance, RUB"
    hover = dict(zip(activities.customdata, activities.hovertext, strict=True))["legal"]
    assert "Юридическая проверка" in hover and "legal" in hover
    assert f"RUB\u00a0{format_money(1500 / 0.7, 'RUB')}" in hover  # cost per instance
    assert "RUB\u00a01,500.00" in hover  # cost per execution
    assert "1.429" in hover  # expected executions, 1 / 0.7


def test_without_a_costing_activities_are_grey():
    activities = trace_of_kind(process_flow_figure(parse(LOOP)), "activity")
    assert activities.marker.color == figures.UNCOSTED_COLOUR
    assert not activities.marker.showscale


def test_flows_are_arrows_labelled_with_probabilities_and_loops_are_dashed():
    model = parse(LOOP)
    fig = process_flow_figure(model)
    labels = [a.text for a in fig.layout.annotations if a.text]
    assert sorted(labels) == ["30%", "70%"]
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    assert len(arrows) == len(model.flows)
    xy = process_flow_layout(model)
    assert sorted((a.x, a.y) for a in arrows) == sorted(xy[f.target] for f in model.flows)
    (loops,) = [t for t in fig.data if t.meta and t.meta["role"] == "back_edges"]
    assert loops.meta["edges"] == [["fix", "again"]]
    assert loops.line.dash == "dash"
    # The arc leaves the drawing's rows rather than cutting through them.
    arc_ys = [y for y in loops.y if y is not None]
    node_ys = [y for _, y in xy.values()]
    assert min(arc_ys) < min(node_ys) or max(arc_ys) > max(node_ys)


def test_flow_labels_and_title():
    model = parse(LOOP)
    fig = process_flow_figure(model, cost_model(model), title="Как есть")
    assert fig.layout.title.text == "Как есть"
    # 5 × 60 + 1.43 × 1500 + ... : the subtitle is the engine's total, formatted.
    total = cost_model(model).cost_per_instance
    assert fig.layout.title.subtitle.text.startswith(f"RUB\u00a0{format_money(total, 'RUB')}")
    activities = trace_of_kind(fig, "activity")
    labels = dict(zip(activities.customdata, activities.text, strict=True))
    assert labels["draft"] == "Подготовка<br>договора"


def test_long_names_are_wrapped_and_cut():
    model = parse("""
activities:
  a: {name: "Очень длинное название задачи, которое никак не помещается под квадратом <и ещё>"}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""")
    (label,) = trace_of_kind(process_flow_figure(model), "activity").text
    lines = label.split("<br>")
    assert len(lines) == figures.LABEL_LINES
    assert all(len(line) <= figures.LABEL_WIDTH for line in lines)
    assert lines[-1].endswith("…")
    hover = trace_of_kind(process_flow_figure(model), "activity").hovertext[0]
    assert "&lt;и ещё&gt;" in hover  # plotly would read "<и" as a tag


def test_height_grows_with_rows():
    line = parse("""
activities: {a: {}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""")
    wide = parse("""
activities: {a: {}, b: {}, c: {}, d: {}}
gateways: {split: {kind: parallel}, join: {kind: parallel}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, split], [split, a], [split, b], [split, c], [split, d],
        [a, join], [b, join], [c, join], [d, join], [join, e]]
""")
    assert process_flow_figure(wide).layout.height > process_flow_figure(line).layout.height + 300


def test_flow_figure_refuses_a_costing_of_another_model():
    other = parse("""
activities: {a: {}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""")
    with pytest.raises(ValueError, match="draft"):
        process_flow_figure(parse(LOOP), cost_model(other))


def test_contract_flow_figure_labels_its_probabilities():
    model = load_model(CONTRACT / "as_is.yaml")
    fig = process_flow_figure(model, cost_model(model))
    labels = sorted(a.text for a in fig.layout.annotations if a.text)
    assert labels == ["10%", "10%", "30%", "70%", "80%"]


# --- waterfall -----------------------------------------------------------------------------


def test_waterfall_reconciles_baseline_to_candidate(contract_comparison):
    comparison = contract_comparison
    (bars,) = cost_waterfall_figure(comparison).data
    measure = list(bars.measure)
    assert measure[0] == "absolute" and measure[-1] == "total"
    assert set(measure[1:-1]) == {"relative"}
    assert bars.y[0] == comparison.baseline.cost_per_instance
    assert sum(bars.y[1:-1]) == pytest.approx(
        comparison.candidate.cost_per_instance - comparison.baseline.cost_per_instance)
    assert bars.y[-1] == comparison.candidate.cost_per_instance
    assert bars.y[0] + sum(bars.y[1:-1]) == pytest.approx(bars.y[-1])
    # One step per changed activity, largest first, named by the activity.
    changed = sorted((a for a in comparison.activities if abs(a.delta) > 1e-9),
                     key=lambda a: -abs(a.delta))
    assert list(bars.customdata[1:-1]) == [a.id for a in changed]
    assert [abs(d) for d in bars.y[1:-1]] == sorted((abs(d) for d in bars.y[1:-1]),
                                                    reverse=True)
    director = comparison.activities[[a.id for a in comparison.activities].index(
        "director_approval")]
    assert bars.x[1 + list(bars.customdata[1:-1]).index("director_approval")] == \
        "Согласование у<br>коммерческого<br>директора"
    assert bars.y[1 + list(bars.customdata[1:-1]).index("director_approval")] == director.delta
    fig = cost_waterfall_figure(comparison)
    assert fig.layout.yaxis.title.text == "Cost per instance, RUB"


def test_waterfall_merges_small_steps_beyond_twelve():
    def variant(name: str, minutes: int) -> str:
        rows = "\n".join(f"  t{i}: {{name: 'Задача {i}', labor: {{clerk: {minutes * i}}}}}"
                         for i in range(1, 16))
        flows = ", ".join(f"[t{i}, t{i + 1}]" for i in range(1, 15))
        return parse(f"""
resources: {{clerk: {{kind: labor, rate_per_hour: 60}}}}
activities:
{rows}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, t1], {flows}, [t15, e]]
""", variant=name)

    # Each t_i costs minutes × i × 1 ₽/min: 2i in the baseline, i in the candidate.
    comparison = compare_models(variant("as_is", 2), variant("lean", 1))
    (bars,) = cost_waterfall_figure(comparison).data
    assert len(bars.y) == 1 + 12 + 1 + 1
    assert list(bars.customdata[1:13]) == [f"t{i}" for i in range(15, 3, -1)]
    assert bars.customdata[13] == "(other activities)"
    assert bars.y[13] == pytest.approx(-(3 + 2 + 1))  # t3, t2, t1 merged
    assert "other activities" in bars.x[13]
    assert sum(bars.y[1:-1]) == pytest.approx(-sum(range(1, 16)))
    assert bars.y[-1] == pytest.approx(sum(range(1, 16)))


def test_waterfall_other_costs_are_inside_the_activity_steps():
    base = parse(LOOP, variant="as_is")
    cand = parse(LOOP.replace("other_cost: 40", "other_cost: 140"), variant="paper")
    comparison = compare_models(base, cand)
    (bars,) = cost_waterfall_figure(comparison).data
    # send runs once: +100 ₽ of other costs, shown once, as send's step.
    assert list(bars.customdata) == ["(baseline)", "send", "(candidate)"]
    assert bars.y[1] == pytest.approx(100)
    assert bars.text[1] == "+100.00"


def test_waterfall_without_changes_goes_straight_to_the_total():
    comparison = compare_models(parse(LOOP, variant="as_is"), parse(LOOP, variant="copy"))
    (bars,) = cost_waterfall_figure(comparison).data
    assert list(bars.measure) == ["absolute", "total"]


# --- resources, value classes --------------------------------------------------------------


def test_resource_bars_are_the_resource_changes(contract_comparison):
    comparison = contract_comparison
    fig = cost_by_resource_figure(comparison)
    baseline, candidate = fig.data
    assert baseline.orientation == candidate.orientation == "h"
    assert fig.layout.barmode == "group"
    ids = [r.id for r in comparison.resources] + ["(other costs)"]
    assert list(baseline.customdata) == list(candidate.customdata) == ids
    assert list(baseline.x[:-1]) == [r.baseline_cost_per_instance for r in comparison.resources]
    assert list(candidate.x[:-1]) == [r.candidate_cost_per_instance
                                      for r in comparison.resources]
    other = comparison.other_cost_change
    assert (baseline.x[-1], candidate.x[-1]) == (other.baseline_cost_per_instance,
                                                 other.candidate_cost_per_instance)
    assert sum(baseline.x) == pytest.approx(comparison.baseline.cost_per_instance)
    assert sum(candidate.x) == pytest.approx(comparison.candidate.cost_per_instance)
    assert "Юрист" in baseline.y


def test_resource_figure_has_no_other_costs_row_without_other_costs():
    text = LOOP.replace(", other_cost: 40", "")
    fig = cost_by_resource_figure(compare_models(parse(text, variant="a"),
                                                 parse(text, variant="b")))
    assert list(fig.data[0].customdata) == ["clerk", "lawyer", "courier"]


def test_value_bars_are_the_value_class_changes(contract_comparison):
    comparison = contract_comparison
    baseline, candidate = cost_by_value_figure(comparison).data
    assert list(candidate.customdata) == ["value_adding", "business", "waste"]
    assert list(baseline.y) == [v.baseline_cost_per_instance for v in comparison.by_value]
    assert list(candidate.y) == [v.candidate_cost_per_instance for v in comparison.by_value]
    assert list(candidate.marker.color) == [figures.VALUE_COLOURS[v]
                                            for v in ("value_adding", "business", "waste")]
    assert baseline.marker.pattern.shape == "/"


# --- portfolio and one variant -------------------------------------------------------------


def test_portfolio_stacks_sum_to_each_process_cost_per_year():
    models, problems = load_library(LIBRARY)
    assert not problems
    portfolio = build_portfolio(models)
    fig = portfolio_cost_figure(portfolio)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["value-adding", "business (required)", "waste"]
    totals: dict[str, float] = {}
    for trace in fig.data:
        for process, x in zip(trace.customdata, trace.x, strict=True):
            totals[process] = totals.get(process, 0.0) + x
    assert totals == {p: pytest.approx(portfolio.results[(p, "as_is")].cost_per_year)
                      for p in portfolio.processes()}
    # Dearest on top (the axis is reversed), labelled by title.
    order = list(fig.data[0].customdata)
    assert order == sorted(order, key=lambda p: -totals[p])
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.data[0].y[0].replace("<br>", " ").startswith("Согласование")
    assert fig.layout.xaxis.title.text == "Cost per year, RUB"


def test_portfolio_falls_back_to_the_first_variant_and_notes_missing_volumes():
    lean = parse(LOOP.replace("volume_per_year: 100", "volume_per_year: 10"), variant="lean")
    data = parse(LOOP, variant="robot").model_dump()
    data.update(process="other", title=None, volume_per_year=None)
    no_volume = type(lean).model_validate(data)
    portfolio = build_portfolio([(Path("lean.yaml"), lean), (Path("x.yaml"), no_volume)])
    fig = portfolio_cost_figure(portfolio)
    assert list(fig.data[0].customdata) == ["test"]
    result = cost_model(lean)
    assert sum(t.x[0] for t in fig.data) == pytest.approx(result.cost_per_instance * 10)
    assert fig.data[0].y == ("test",)  # no title: the slug
    (note,) = fig.layout.annotations
    assert "other" in note.text


def test_breakdown_bars_are_sorted_and_coloured_by_value_class():
    model = load_model(CONTRACT / "as_is.yaml")
    result = cost_model(model)
    fig = cost_breakdown_figure(result)
    bars = {activity_id: (trace.name, x) for trace in fig.data
            for activity_id, x in zip(trace.customdata, trace.x, strict=True)}
    assert {a: x for a, (_, x) in bars.items()} == {
        a.id: a.cost_per_instance for a in result.activities}
    assert bars["rework"][0] == "waste" and bars["draft"][0] == "value-adding"
    for trace in fig.data:
        value = {"value-adding": "value_adding",
                 "business (required)": "business"}.get(trace.name, trace.name)
        assert trace.marker.color == figures.VALUE_COLOURS[value]
    order = list(fig.layout.yaxis.categoryarray)
    costs = sorted(result.activities, key=lambda a: -a.cost_per_instance)
    assert [label.replace("<br>", " ") for label in order] == [a.name for a in costs]
    assert fig.layout.yaxis.autorange == "reversed"


def test_duplicate_names_get_their_ids():
    model = parse("""
activities: {a: {name: "Звонок", other_cost: 10}, b: {name: "Звонок", other_cost: 20}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, b], [b, e]]
""")
    labels = [y for t in cost_breakdown_figure(cost_model(model)).data for y in t.y]
    assert sorted(labels) == ["Звонок (a)", "Звонок (b)"]


# --- serialisation -------------------------------------------------------------------------


def test_every_figure_serialises_and_keeps_cyrillic(contract_comparison):
    models, _ = load_library(LIBRARY)
    model = parse(LOOP)
    built = {
        "flow": process_flow_figure(model, cost_model(model)),
        "waterfall": cost_waterfall_figure(contract_comparison),
        "resources": cost_by_resource_figure(contract_comparison),
        "values": cost_by_value_figure(contract_comparison),
        "portfolio": portfolio_cost_figure(build_portfolio(models)),
        "breakdown": cost_breakdown_figure(cost_model(model)),
    }
    expected = {
        "flow": "Юридическая проверка", "waterfall": "Согласование у",
        "resources": "Финансовый контролёр", "values": "Согласование договора",
        "portfolio": "Отработка базы лидов", "breakdown": "Юридическая проверка",
    }
    for name, fig in built.items():
        document = json.loads(fig.to_json())
        assert any(expected[name] in s for s in strings_in(document)), name
        # The JSON rebuilds the same figure.
        assert json.loads(go.Figure(document).to_json()) == document, name


# --- the reader's language and readability at 1366 px (issue 14) ----------------------------

LONG_NAME = "Согласование договора с юридическим отделом и службой безопасности"
#: An estimate of a label's box, independent of the figures' own, as Chromium drew the
#: Compare page at 1366 px: a 10 px Russian name took 0.59–0.62 em a character, a line
#: 1.2–1.23 em.
CHAR_EM, LINE_EM = 0.62, 1.23


def long_named_variants(count: int) -> tuple[str, str]:
    """Two variants of ``count`` activities with long Russian names, each costing
    i ₽ more in the baseline (minutes × 1 ₽/min): every activity is a step."""
    def variant(extra: int) -> str:
        rows = "\n".join(f"  t{i}: {{name: '{LONG_NAME} № {i}', labor: {{clerk: {i + extra * i}}}}}"
                         for i in range(1, count + 1))
        flows = "".join(f", [t{i}, t{i + 1}]" for i in range(1, count))
        return f"""
resources: {{clerk: {{kind: labor, rate_per_hour: 60}}}}
activities:
{rows}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, t1]{flows}, [t{count}, e]]
"""
    return variant(1), variant(0)


def waterfall_label_boxes(fig: go.Figure, *, width_px: int) -> list[tuple[float, float]]:
    """Each category label's (width across the axis, height) in pixels, rotated as drawn."""
    font_px = fig.layout.xaxis.tickfont.size
    boxes = []
    for label in fig.data[0].x:
        lines = label.split("<br>")
        along = max(len(line) for line in lines) * CHAR_EM * font_px  # the text's length
        across = len(lines) * LINE_EM * font_px                      # its lines stacked
        upright = abs(fig.layout.xaxis.tickangle or 0) == 90
        boxes.append((across, along) if upright else (along, across))
    return boxes


@pytest.mark.parametrize("count", [4, 8, 14])
def test_waterfall_labels_never_overlap_at_1366_px(count: int):
    base, cand = long_named_variants(count)
    comparison = compare_models(parse(base, variant="as_is"), parse(cand, variant="lean"))
    width_px = figures.PLOT_WIDTH_PX  # 1366 px less the sidebar
    fig = cost_waterfall_figure(comparison, language="ru", width_px=width_px)
    (bars,) = fig.data
    steps = min(count, figures.WATERFALL_BARS) + (count > figures.WATERFALL_BARS + 1)
    assert len(bars.x) == steps + 2
    # Each label is centred in a slot of the plot's width (less the value axis) / bars.
    slot_px = (width_px - figures.WATERFALL_AXIS_PX) / len(bars.x)
    boxes = waterfall_label_boxes(fig, width_px=width_px)
    assert all(across <= slot_px for across, _ in boxes), (slot_px, boxes)
    # Upright labels need their length below the plot: the margin keeps it.
    if fig.layout.xaxis.tickangle:
        assert max(along for _, along in boxes) <= fig.layout.margin.b
    # A label is its name wrapped on words, or its beginning cut with "…"; the hover
    # keeps the name whole and the ids stay.
    names = {f"{LONG_NAME} № {i}" for i in range(1, count + 1)}
    for label in bars.x[1:1 + min(count, 12)]:
        said = label.replace("<br>", " ")
        assert said in names or (said.endswith("…")
                                 and any(n.startswith(said[:-1]) for n in names)), label
    assert any(label.endswith("…") for label in bars.x[1:-1]) == (fig.layout.xaxis.tickangle == 0)
    assert all(LONG_NAME in hover for hover in bars.hovertext[1:1 + min(count, 12)])
    assert list(bars.customdata[1:4]) == [f"t{count}", f"t{count - 1}", f"t{count - 2}"]
    # Texts stay SVG text: words split on spaces, never a picture.
    assert all(isinstance(label, str) for label in bars.x)


def test_waterfall_lays_few_labels_flat_and_many_upright():
    few = figures._fit_ticks(6, width_px=906)
    # 0.9 × (906 − 140) / 6 = 114.9 px a slot; 114.9 / (0.65 × 10 px) = 17 characters ≥ 12
    assert (few.chars, few.angle) == (17, 0)
    many = figures._fit_ticks(15, width_px=906)
    # 45.96 px a slot: 7 characters would break Russian words; upright, 45.96 / 12.5 px
    # = 3.7 lines fit, 3 are used. Chromium drew the Compare page's 15 bars on a 789 px
    # plot: 52.6 px a bar, and 3 upright lines of 10 px text took 37 px of it.
    assert (many.angle, many.lines) == (-90, 3)
    assert many.lines * 1.23 * figures.WATERFALL_TICK_PX < 789 / 15


def test_charts_speak_russian_and_english_stays(contract_comparison):
    comparison = contract_comparison
    ru = cost_waterfall_figure(comparison, language="ru")
    en = cost_waterfall_figure(comparison)
    assert ru.layout.yaxis.title.text == "Стоимость экземпляра, RUB"
    assert en.layout.yaxis.title.text == "Cost per instance, RUB"
    saving, saving_ru = (format_money(comparison.saving_per_instance, "RUB", language)
                         for language in ("en", "ru"))
    assert round(comparison.saving_per_instance, 2) == 2_485.21
    # each chart says money as its reader does: the same figure, 2,485.21 in English and
    # 2 485,21 in Russian (narrow no-break space, decimal comma)
    assert saving_ru == "2\u202f485,21"
    assert ru.layout.title.text == ("value_tiers против as_is: экономия 2\u202f485,21\u00a0₽ "
                                    "на экземпляр")
    assert en.layout.title.text == f"value_tiers vs as_is: saves RUB\u00a0{saving} per instance"
    assert ru.data[0].x[0] == "Базовый вариант<br>as_is"
    assert "базовый вариант:" in ru.data[0].hovertext[1]
    resources = cost_by_resource_figure(comparison, language="ru")
    assert [t.name for t in resources.data] == ["Базовый вариант: as_is",
                                               "Новый вариант: value_tiers"]
    values = cost_by_value_figure(comparison, language="ru")
    assert list(values.data[0].x) == ["создающие ценность", "обязательные (для бизнеса)",
                                      "потери"]
    model = load_model(CONTRACT / "as_is.yaml")
    flow = process_flow_figure(model, cost_model(model), language="ru")
    assert flow.layout.title.subtitle.text.endswith(" в год")
    activity = next(t for t in flow.data if t.meta and t.meta.get("kind") == "activity")
    assert "класс ценности:" in activity.hovertext[0] and "Действие · id" in activity.hovertext[0]
    breakdown = cost_breakdown_figure(cost_model(model), language="ru")
    assert breakdown.layout.title.text.endswith(": стоимость экземпляра по действиям")
    models, _ = load_library(LIBRARY)
    portfolio = portfolio_cost_figure(build_portfolio(models), language="ru")
    assert portfolio.layout.title.text == "Куда уходят деньги: стоимость процессов в год"


def flow_text_boxes(fig: go.Figure, *, width_px: int) -> list[tuple[str, tuple]]:
    """Every name and probability of a flow figure as (text, (left, bottom, right, top))
    in pixels (y up), worked out from the figure alone: its axes' ranges, its size and
    margins, the markers' sizes and the texts' positions."""
    (x0, x1), (y0, y1) = fig.layout.xaxis.range, fig.layout.yaxis.range
    margin = fig.layout.margin
    px_x = (width_px - margin.l - margin.r) / (x1 - x0)
    px_y = (fig.layout.height - margin.t - margin.b) / (y1 - y0)

    def size(text: str, font_px: float) -> tuple[float, float]:
        lines = text.split("<br>")
        return (max(len(line) for line in lines) * CHAR_EM * font_px,
                len(lines) * LINE_EM * font_px)

    boxes = []
    for trace in node_traces(fig):
        if trace.meta["kind"] in ("exclusive", "parallel"):
            continue  # "×" and "+" sit inside their diamonds
        for x, y, text, where in zip(trace.x, trace.y, trace.text, trace.textposition,
                                     strict=True):
            width, height = size(text, trace.textfont.size)
            cx, cy = (x - x0) * px_x, (y - y0) * px_y
            edge = trace.marker.size / 2  # plotly writes a name just past its marker
            bottom = cy - edge - height if where == "bottom center" else cy + edge
            boxes.append((text, (cx - width / 2, bottom, cx + width / 2, bottom + height)))
    for note in fig.layout.annotations:
        if note.text:
            width, height = size(note.text, note.font.size)
            cx, cy = (note.x - x0) * px_x, (note.y - y0) * px_y
            boxes.append((note.text, (cx - width / 2, cy - height / 2,
                                      cx + width / 2, cy + height / 2)))
    return boxes


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_flow_texts_never_overlap_at_1366_px(path: Path):
    # The Compare page draws each flow 906 px wide at 1366 px (measured in Chromium);
    # the contract flows have 13 and 15 layers: 886 px / 13.6 = 65 px a layer, less
    # than a name's 16 characters (≈ 99 px), so names of neighbouring layers must
    # take turns under and over their nodes, and probabilities go between them.
    model = load_model(path)
    fig = process_flow_figure(model, cost_model(model), language="ru", width_px=906)
    boxes = flow_text_boxes(fig, width_px=906)
    clashes = [(a, b) for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2)
               if min(box_a[2], box_b[2]) - max(box_a[0], box_b[0]) > 1
               and min(box_a[3], box_b[3]) - max(box_a[1], box_b[1]) > 1]
    assert clashes == []
    # A name is whole, or its beginning cut with "…" (where three lines of 16 do not
    # hold it, or where a crowded corner leaves it fewer lines); the hover keeps it whole.
    activities = trace_of_kind(fig, "activity")
    cut = []
    for node, text, hover in zip(activities.customdata, activities.text,
                                 activities.hovertext, strict=True):
        whole = model.display_name(node)
        said = text.replace("<br>", "").replace(" ", "")  # a line may end at a hyphen
        if said != whole.replace(" ", ""):
            assert said.endswith("…") and whole.replace(" ", "").startswith(said[:-1]), node
            assert f"<b>{whole}</b>" in hover
            if len(textwrap.wrap(whole, figures.LABEL_WIDTH)) <= figures.LABEL_LINES:
                cut.append(node)
    # The Compare page's default pair keeps every name that fits three lines whole.
    if path.parent.name == "contract_approval" and path.stem in ("as_is", "template_esign"):
        assert cut == []

