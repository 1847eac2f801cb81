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
    for node_id, kind in model.node_kinds.items():
        graph.add_node(node_id, kind=kind, name=model.display_name(node_id))
    for index, flow in enumerate(model.flows):
        if flow.source in graph and flow.target in graph:
            graph.add_edge(flow.source, flow.target, probability=flow.probability, index=index)
    return graph
