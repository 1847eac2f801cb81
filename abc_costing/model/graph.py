"""The networkx view of a process model: built here, and only here.

Nodes are activity, gateway and event ids with a ``kind`` attribute
(``activity``, ``exclusive``, ``parallel``, ``start``, ``end``); edges are
flows with a ``probability`` attribute (``None`` where the flow is not leaving
an exclusive split) and their position in the file as ``index``. Flows that
name unknown nodes are left out: the validator reports them.

The view is built once per model and kept with it (a model's fields are frozen,
so it cannot go stale; ``ProcessModel.model_copy(update=...)`` drops it). It is
frozen too: edit the records and build a new model instead. Its immediate
post-dominators (:func:`immediate_post_dominators`), which validation and the
cycle time both need, are likewise found once.

Examples
--------
>>> from abc_costing.model.records import ProcessModel
>>> model = ProcessModel.model_validate({
...     "format": "abc-costing/1", "process": "p", "variant": "v",
...     "activities": {"a": {}}, "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
...     "flows": [["s", "a"], ["a", "e"]]})
>>> g = routing_graph(model)
>>> list(g.successors("s")), g.nodes["a"]["kind"]
(['a'], 'activity')
"""

from __future__ import annotations

from typing import Any

import networkx as nx

from abc_costing.model.records import ProcessModel

__all__ = ["SINK", "immediate_post_dominators", "routing_graph"]

# Where a model keeps its graph and post-dominators: its own __dict__, beside the
# fields, as functools.cached_property keeps node_kinds and validation its verdict.
_GRAPH = "_routing_graph"
_POST_DOMINATORS = "_post_dominators"

#: The root added below the end events when a model has several: it post-dominates
#: every node that can finish, and a split whose only post-dominator it is never meets
#: its branches again.
SINK = ("__sink__",)


def routing_graph(model: ProcessModel) -> nx.DiGraph:
    """The routing graph of ``model`` (see the module docstring), built on first use.

    >>> from abc_costing.model.records import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}}, "flows": [["s", "e"]]})
    >>> routing_graph(model) is routing_graph(model), nx.is_frozen(routing_graph(model))
    (True, True)
    """
    graph = model.__dict__.get(_GRAPH)
    if graph is None:
        # A 10,000-activity model's graph took 0.1-0.4 s to build, and validation,
        # the cycle time and the figures each built their own.
        graph = model.__dict__[_GRAPH] = nx.freeze(_built(model))
    return graph


def _built(model: ProcessModel) -> nx.DiGraph:
    graph = nx.DiGraph(process=model.process, variant=model.variant)
    # One bulk add per kind of element: add_node/add_edge per item was a
    # third of the load time of a small model.
    for section in (model.activities, model.gateways, model.events):
        graph.add_nodes_from(
            (node_id, {"kind": model.node_kinds[node_id], "name": element.name or node_id})
            for node_id, element in section.items()
        )
    known = graph.nodes
    graph.add_edges_from(
        (flow.source, flow.target, {"probability": flow.probability, "index": index})
        for index, flow in enumerate(model.flows)
        if flow.source in known and flow.target in known
    )
    return graph


def immediate_post_dominators(model: ProcessModel, graph: nx.DiGraph | None = None
                              ) -> dict[Any, Any]:  # node ids, and SINK
    """Node -> its immediate post-dominator: the first node every way from it to an
    end must pass (the join of a parallel split), as networkx's
    ``immediate_dominators`` of the reversed ``graph`` (default: the model's
    :func:`routing_graph`) gives it.

    With one end event the end is the root; with several, :data:`SINK`, placed
    after every end. Nodes that cannot reach an end are left out; the root maps to
    itself or is left out, as the networkx version has it. Found once per model and
    graph (validation and the cycle time both ask; 0.2-0.4 s on 10,000 activities).

    >>> from abc_costing.model.records import ProcessModel
    >>> model = ProcessModel.model_validate({
    ...     "format": "abc-costing/1", "process": "p", "variant": "v",
    ...     "activities": {"a": {}, "b": {}},
    ...     "gateways": {"split": {"kind": "parallel"}, "join": {"kind": "parallel"}},
    ...     "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
    ...     "flows": [["s", "split"], ["split", "a"], ["split", "b"], ["a", "join"],
    ...               ["b", "join"], ["join", "e"]]})
    >>> immediate_post_dominators(model)["split"], immediate_post_dominators(model)["a"]
    ('join', 'join')
    """
    graph = routing_graph(model) if graph is None else graph
    found = model.__dict__.get(_POST_DOMINATORS)
    if found is not None and found[0] is graph:
        return found[1]
    ends = [n for n, k in model.node_kinds.items() if k == "end"]
    if len(ends) == 1:
        # The end itself dominates every way back from the sink, so it can be the
        # root: the same dominators, on a read-only reversed view instead of a copy.
        post_dominator = nx.immediate_dominators(graph.reverse(copy=False), ends[0])
    else:
        # Dominators need the structure only; graph.reverse(copy=True) would also
        # deep-copy every attribute.
        reverse = nx.DiGraph()
        reverse.add_nodes_from(graph)
        reverse.add_edges_from((v, u) for u, v in graph.edges)
        reverse.add_node(SINK)
        reverse.add_edges_from((SINK, end) for end in ends)
        post_dominator = nx.immediate_dominators(reverse, SINK)
    model.__dict__[_POST_DOMINATORS] = (graph, post_dominator)
    return post_dominator

