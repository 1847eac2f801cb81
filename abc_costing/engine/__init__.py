"""Exact costing: expected executions through the routing, the cost rollups,
capacity of shared labour pools, and the sensitivity of the cost to each input.

The names are imported on first use (PEP 562): costing a model does not load
the sensitivity module's SciPy.
"""

from typing import TYPE_CHECKING

from abc_costing.facades import lazy_names

if TYPE_CHECKING:  # the real imports, for type checkers and readers
    from abc_costing.engine.allocation import AllocationResult, StageBalance, allocate
    from abc_costing.engine.capacity import (
        CapacityReport,
        PoolCapacity,
        PoolUse,
        SkippedProcess,
        capacity_report,
    )
    from abc_costing.engine.costing import (
        ActivityCost,
        ClassCost,
        CostResult,
        ResourceCost,
        cost_by_class,
        cost_model,
    )
    from abc_costing.engine.cycle_time import (
        CycleTime,
        activity_elapsed_minutes,
        expected_cycle_time,
    )
    from abc_costing.engine.executions import (
        ExpectedExecutions,
        RoutingError,
        expected_executions,
        expected_executions_by_class,
    )
    from abc_costing.engine.sensitivities import SensitivityItem, sensitivity, tornado_data

_FACADE = {
    "AllocationResult": "abc_costing.engine.allocation",
    "StageBalance": "abc_costing.engine.allocation",
    "allocate": "abc_costing.engine.allocation",
    "ActivityCost": "abc_costing.engine.costing",
    "CapacityReport": "abc_costing.engine.capacity",
    "ClassCost": "abc_costing.engine.costing",
    "CostResult": "abc_costing.engine.costing",
    "CycleTime": "abc_costing.engine.cycle_time",
    "activity_elapsed_minutes": "abc_costing.engine.cycle_time",
    "expected_cycle_time": "abc_costing.engine.cycle_time",
    "ExpectedExecutions": "abc_costing.engine.executions",
    "PoolCapacity": "abc_costing.engine.capacity",
    "PoolUse": "abc_costing.engine.capacity",
    "ResourceCost": "abc_costing.engine.costing",
    "RoutingError": "abc_costing.engine.executions",
    "SensitivityItem": "abc_costing.engine.sensitivities",
    "SkippedProcess": "abc_costing.engine.capacity",
    "capacity_report": "abc_costing.engine.capacity",
    "cost_by_class": "abc_costing.engine.costing",
    "cost_model": "abc_costing.engine.costing",
    "expected_executions": "abc_costing.engine.executions",
    "expected_executions_by_class": "abc_costing.engine.executions",
    "sensitivity": "abc_costing.engine.sensitivities",
    "tornado_data": "abc_costing.engine.sensitivities",
}


__getattr__, __dir__ = lazy_names(__name__, _FACADE)


__all__ = [
    "ActivityCost",
    "AllocationResult",
    "StageBalance",
    "allocate",
    "CapacityReport",
    "ClassCost",
    "CostResult",
    "CycleTime",
    "ExpectedExecutions",
    "PoolCapacity",
    "PoolUse",
    "ResourceCost",
    "RoutingError",
    "SensitivityItem",
    "SkippedProcess",
    "capacity_report",
    "cost_by_class",
    "activity_elapsed_minutes",
    "cost_model",
    "expected_cycle_time",
    "expected_executions",
    "expected_executions_by_class",
    "sensitivity",
    "tornado_data",
]
