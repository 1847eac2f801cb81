"""Monte Carlo simulation of cost and cycle time; seeded, never writes files."""

from abc_costing.simulation.monte_carlo import (
    MAX_RUNS,
    SimulationError,
    SimulationResult,
    Statistics,
    sample_durations,
    simulate,
)

__all__ = [
    "MAX_RUNS",
    "SimulationError",
    "SimulationResult",
    "Statistics",
    "sample_durations",
    "simulate",
]
