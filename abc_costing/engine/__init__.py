"""Exact costing: expected executions through the routing, the cost rollups,
capacity of shared labour pools, and the sensitivity of the cost to each input."""

from abc_costing.engine.capacity import (
    CapacityReport,
    PoolCapacity,
    PoolUse,
    SkippedProcess,
    capacity_report,
)
from abc_costing.engine.costing import ActivityCost, CostResult, ResourceCost, cost_model
from abc_costing.engine.executions import ExpectedExecutions, RoutingError, expected_executions
from abc_costing.engine.sensitivity import SensitivityItem, sensitivity, tornado_data

__all__ = [
    "ActivityCost",
    "CapacityReport",
    "CostResult",
    "ExpectedExecutions",
    "PoolCapacity",
    "PoolUse",
    "ResourceCost",
    "RoutingError",
    "SensitivityItem",
    "SkippedProcess",
    "capacity_report",
    "cost_model",
    "expected_executions",
    "sensitivity",
    "tornado_data",
]
