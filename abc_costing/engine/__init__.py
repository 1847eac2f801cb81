"""Exact costing: expected executions through the routing, and the cost rollups."""

from abc_costing.engine.costing import ActivityCost, CostResult, ResourceCost, cost_model
from abc_costing.engine.executions import ExpectedExecutions, RoutingError, expected_executions

__all__ = [
    "ActivityCost",
    "CostResult",
    "ExpectedExecutions",
    "ResourceCost",
    "RoutingError",
    "cost_model",
    "expected_executions",
]
