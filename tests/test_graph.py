"""The routing structure and the graph algorithms validation runs on it (model/graph.py).

networkx stays the oracle: on generated digraphs, reachability, paths, breadth-first
distances, depth-first order, strongly connected components (in networkx's order)
and immediate dominators are what networkx finds; on models, the structure is the
networkx view's adjacency and the validator says the same whichever it is given.
"""

from __future__ import annotations

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from abc_costing.formats import parse_model_text
from abc_costing.model import ProcessModel
from abc_costing.model.graph import (
    SINK,
    RoutingStructure,
    dfs_preorder,
    has_path,
    immediate_dominators,
    immediate_post_dominators,
    reachable,
    routing_graph,
    routing_structure,
    shortest_path_lengths,
    strongly_connected_components,
    structure_for,
    structure_of_graph,
)
from abc_costing.synthetic import Parallel, Task, compile_tree, model_text
from abc_costing.validation import check_parallel_blocks, validate_model

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def digraphs(draw: st.DrawFn) -> nx.DiGraph:
    """A digraph of up to 12 nodes named in a shuffled order (so that networkx's node
    order is not the sorted one), with any edges, self-loops included."""
    count = draw(st.integers(1, 12))
    names = draw(st.permutations([f"n{i}" for i in range(count)]))
    pairs = st.tuples(st.sampled_from(names), st.sampled_from(names))
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from(draw(st.lists(pairs, max_size=3 * count)))
    return graph


def adjacency(graph: nx.DiGraph) -> tuple[dict, dict]:
    return ({n: tuple(graph.succ[n]) for n in graph}, {n: tuple(graph.pred[n]) for n in graph})


@SETTINGS
@given(digraphs(), st.data())
def test_reachability_paths_and_distances_are_networkx_s(graph, data):
    successors, _ = adjacency(graph)
    source = data.draw(st.sampled_from(list(graph)))
    target = data.draw(st.sampled_from(list(graph)))
    # networkx's descendants leave the source out even on a cycle; reachable keeps it
    assert reachable(successors, source) == nx.descendants(graph, source) | {source}
    assert has_path(successors, source, target) == nx.has_path(graph, source, target)
    assert shortest_path_lengths(successors, source) == dict(
        nx.single_source_shortest_path_length(graph, source))
    assert dfs_preorder(successors, source) == list(nx.dfs_preorder_nodes(graph, source))


@SETTINGS
@given(digraphs())
def test_strongly_connected_components_come_in_networkx_s_order(graph):
    successors, _ = adjacency(graph)
    # The order shows in the problems (circles of needs, loops with no way out)
    assert list(strongly_connected_components(successors)) == list(
        nx.strongly_connected_components(graph))


@SETTINGS
@given(digraphs(), st.data())
def test_immediate_dominators_are_networkx_s(graph, data):
    successors, predecessors = adjacency(graph)
    root = data.draw(st.sampled_from(list(graph)))
    assert immediate_dominators(successors, predecessors, root) == nx.immediate_dominators(
        graph, root)


def test_a_hundred_thousand_deep_path_needs_no_recursion():
    # s -> 0 -> 1 -> ... -> 99999: every walk is as deep as the path is long
    n = 100_000
    successors = {"s": (0,), **{i: (i + 1,) for i in range(n - 1)}, n - 1: ()}
    predecessors = {"s": (), 0: ("s",), **{i: (i - 1,) for i in range(1, n)}}
    assert len(reachable(successors, "s")) == n + 1
    assert shortest_path_lengths(successors, "s")[n - 1] == n  # n flows from s
    assert [len(c) for c in strongly_connected_components(successors)] == [1] * (n + 1)
    dominators = immediate_dominators(successors, predecessors, "s")
    assert dominators[0] == "s" and dominators[n - 1] == n - 2 and len(dominators) == n


# --- the structure of a model ----------------------------------------------------------------

MESSY = {
    "format": "abc-costing/1", "process": "p", "variant": "v",
    # "x" is both an activity and a gateway; "a → x" is listed twice, with two probabilities
    "activities": {"a": {"name": "Task A"}, "x": {}, "b": {}},
    "gateways": {"x": {"kind": "exclusive"}, "j": {"kind": "parallel"}},
    "events": {"s": {"kind": "start"}, "e": {"kind": "end"}, "e2": {"kind": "end"}},
    "flows": [["s", "a"], ["a", "x", 0.2], ["x", "b", 0.5], ["a", "x", 0.7], ["x", "j"],
              ["ghost", "b"], ["b", "e"], ["j", "e2"], ["b", "b"], ["x", "e"]],
}


def old_graph(model: ProcessModel) -> nx.DiGraph:
    """The routing graph as model/graph.py built it before the structure (8c41f31)."""
    graph = nx.DiGraph(process=model.process, variant=model.variant)
    for section in (model.activities, model.gateways, model.events):
        graph.add_nodes_from(
            (node_id, {"kind": model.node_kinds[node_id], "name": element.name or node_id})
            for node_id, element in section.items())
    known = graph.nodes
    graph.add_edges_from(
        (flow.source, flow.target, {"probability": flow.probability, "index": index})
        for index, flow in enumerate(model.flows)
        if flow.source in known and flow.target in known)
    return graph


def test_the_structure_is_the_graph_s_adjacency():
    model = ProcessModel.model_validate(MESSY)
    structure = routing_structure(model)
    # Activities, gateways, events; "x" once, where first defined; "ghost" left out
    assert structure.nodes == ("a", "x", "b", "j", "s", "e", "e2")
    assert structure.kinds["x"] == "exclusive"  # the later section wins, as node_kinds has it
    assert structure.successors["a"] == ("x",)  # the twice-listed flow is one edge
    assert structure.successors["x"] == ("b", "j", "e")
    assert structure.predecessors["b"] == ("x", "b")  # ghost → b left out; the self-loop kept
    # the last listing's probability and index (flows[3]), as networkx keeps them
    assert structure.probability["a", "x"] == 0.7 and structure.index["a", "x"] == 3
    old = old_graph(model)
    for field in ("nodes", "kinds", "successors", "predecessors", "probability", "index"):
        assert getattr(structure_of_graph(old), field) == getattr(structure, field), field
    assert dict(routing_graph(model).nodes(data=True)) == dict(old.nodes(data=True))
    assert list(routing_graph(model).edges(data=True)) == list(old.edges(data=True))
    assert routing_graph(model).graph == {"process": "p", "variant": "v"}


@SETTINGS
@given(st.data())
def test_the_structure_of_flows_naming_known_nodes_is_networkx_s(data):
    # Flows that all name known nodes take the short way (dicts built in C); with one
    # unknown name, the long way. Either way the structure is networkx's: an edge listed
    # again keeps its first place and takes its last probability and index.
    count = data.draw(st.integers(1, 8))
    names = data.draw(st.permutations([f"n{i}" for i in range(count)]))
    known_only = data.draw(st.booleans())
    ends = st.sampled_from(names if known_only else [*names, "ghost"])
    flows = data.draw(st.lists(st.tuples(ends, ends, st.sampled_from([None, 0.25, 0.5])),
                               max_size=4 * count))
    structure = RoutingStructure.of_edges(
        names, [(source, target) for source, target, _ in flows],
        probabilities=[chance for _, _, chance in flows])
    graph = nx.DiGraph()
    graph.add_nodes_from(names)
    graph.add_edges_from((source, target, {"probability": chance, "index": index})
                         for index, (source, target, chance) in enumerate(flows)
                         if source in graph and target in graph)
    expected = structure_of_graph(graph)
    for field in ("nodes", "successors", "predecessors"):
        assert getattr(structure, field) == getattr(expected, field), field
    assert structure.probability == expected.probability
    assert structure.index == expected.index
    # each edge in the place of its first flow
    assert list(structure.index) == list(structure.probability) == list(dict.fromkeys(
        (source, target) for source, target, _ in flows if source in graph and target in graph))


def test_the_structure_is_built_once_and_a_changed_copy_builds_its_own():
    model = ProcessModel.model_validate(MESSY)
    structure = routing_structure(model)
    assert routing_structure(model) is structure
    assert structure_for(model) is structure
    assert structure_for(model, routing_graph(model)) is structure  # the model's own view
    assert structure_for(model, structure) is structure
    copied = model.model_copy(update={"volume_per_year": 5})
    assert routing_structure(copied) is not structure


@pytest.mark.parametrize("ends", [["e"], ["e", "e2"]], ids=["one end", "two ends"])
def test_post_dominators_are_networkx_s_of_the_reversed_graph(ends):
    model = ProcessModel.model_validate(MESSY | {"events": {
        "s": {"kind": "start"}, **{end: {"kind": "end"} for end in ends}}})
    reverse = nx.DiGraph()
    reverse.add_nodes_from(old_graph(model))
    reverse.add_edges_from((v, u) for u, v in old_graph(model).edges)
    if len(ends) == 1:
        root = ends[0]
    else:
        root = SINK
        reverse.add_edges_from((SINK, end) for end in ends)
    expected = nx.immediate_dominators(reverse, root)
    assert immediate_post_dominators(model) == expected
    # a graph the caller built itself gives the same, found on its own structure
    assert immediate_post_dominators(model, old_graph(model)) == expected


def test_the_validator_says_the_same_given_the_structure_or_any_graph():
    model = ProcessModel.model_validate(MESSY)
    found = [str(p) for p in validate_model(model)]
    assert found  # the messy model has problems to compare
    assert [str(p) for p in validate_model(model, routing_graph(model))] == found
    assert [str(p) for p in validate_model(model, old_graph(model))] == found
    assert [str(p) for p in validate_model(model, routing_structure(model))] == found


# --- parallel blocks nested deep: each node stepped from once --------------------------------


class CountingDict(dict):
    """A dict that counts its look-ups by key."""

    steps = 0

    def __getitem__(self, key):
        CountingDict.steps += 1
        return super().__getitem__(key)


def test_nested_parallel_blocks_are_walked_once_each_on_the_structure():
    depth = 300
    tree = Task(f"a{depth - 1}")
    for i in range(depth - 2, -1, -1):
        tree = Parallel((Task(f"a{i}"), tree))
    model, problems = parse_model_text(model_text(compile_tree(
        tree, resources={"r": {"kind": "labor", "rate_per_hour": 60}},
        activities={f"a{i}": {"labor": {"r": 1}} for i in range(depth)})))
    assert problems == []
    structure = routing_structure(model)
    immediate_post_dominators(model, structure)  # found before: the walk alone is counted
    counted = RoutingStructure(
        nodes=structure.nodes, kinds=structure.kinds,
        successors=CountingDict(structure.successors),
        predecessors=CountingDict(structure.predecessors),
        probability=structure.probability, index=structure.index)
    immediate_post_dominators(model, counted)
    CountingDict.steps = 0
    assert check_parallel_blocks(model, counted) == []
    nodes = len(structure.nodes)  # 300 tasks, 299 splits and 299 joins, start and end
    assert nodes == 300 + 2 * 299 + 2
    # Walking each block whole took Σ of the block sizes ≈ 300² / 2 = 45,000 steps at
    # least; now each parallel gateway's two degrees are looked at up to twice (as a
    # split, as a join), and each node is stepped from once and its predecessors
    # looked at up to twice: 2 × 2 × 598 + 2 × 900 + 900 = 5,092 at most.
    assert CountingDict.steps <= 2 * 2 * 598 + 3 * nodes, CountingDict.steps
