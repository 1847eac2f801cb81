"""Records of a process model and the networkx view built from them; no I/O here."""

from abc_costing.model.graph import routing_graph
from abc_costing.model.records import (
    FORMAT,
    VALUE_CLASSES,
    Activity,
    Duration,
    Event,
    Flow,
    Gateway,
    LaborResource,
    PerUseResource,
    ProcessModel,
    RateTable,
    Resource,
)

__all__ = [
    "FORMAT",
    "VALUE_CLASSES",
    "Activity",
    "Duration",
    "Event",
    "Flow",
    "Gateway",
    "LaborResource",
    "PerUseResource",
    "ProcessModel",
    "RateTable",
    "Resource",
    "routing_graph",
]
