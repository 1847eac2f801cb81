"""abc-costing: activity-based costing and process analytics.

The public facade. Read a model, cost it, compare variants:

>>> import abc_costing as abc
>>> model = abc.load_model("process_models/contract_approval/as_is.yaml")
>>> result = abc.cost_model(model)
>>> result.currency, result.cost_per_instance > 0
('RUB', True)
"""

__version__ = "0.1.0"

from abc_costing.compare import CompareError, Comparison, compare_models, compare_results
from abc_costing.engine import CostResult, cost_model, expected_executions
from abc_costing.formats import load_library, load_model, parse_model_text, read_model
from abc_costing.model import ProcessModel, routing_graph
from abc_costing.portfolio import Portfolio, build_portfolio
from abc_costing.problems import ModelError, Problem
from abc_costing.validation import validate_model

__all__ = [
    "__version__",
    "CompareError",
    "Comparison",
    "CostResult",
    "ModelError",
    "Portfolio",
    "Problem",
    "ProcessModel",
    "build_portfolio",
    "compare_models",
    "compare_results",
    "cost_model",
    "expected_executions",
    "load_library",
    "load_model",
    "parse_model_text",
    "read_model",
    "routing_graph",
    "validate_model",
]
