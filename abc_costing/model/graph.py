"""The networkx view of a process model: built here, and only here.

Nodes are activity, gateway and event ids with a ``kind`` attribute
(``activity``, ``exclusive``, ``parallel``, ``start``, ``end``); edges are
flows with a ``probability`` attribute (``None`` where the flow is not leaving
an exclusive split) and their position in the file as ``index``. Flows that
name unknown nodes are left out: the validator reports them.

Treat the graph as read-only; edit the records and build a new view instead.

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

import networkx as nx

from abc_costing.model.records import ProcessModel

__all__ = ["routing_graph"]


def routing_graph(model: ProcessModel) -> nx.DiGraph:
    """Build the routing graph of ``model`` (see the module docstring)."""
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
