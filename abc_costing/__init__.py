"""abc-costing: activity-based costing and process analytics.

The public facade. Read a model, cost it, compare variants:

>>> import abc_costing as abc
>>> model = abc.load_model("process_models/contract_approval/as_is.yaml")
>>> result = abc.cost_model(model)
>>> result.currency, result.cost_per_instance > 0
('RUB', True)
"""

__version__ = "0.1.0"

import os
import sys
from typing import TYPE_CHECKING

from abc_costing.facades import lazy_names

# One BLAS thread unless the user asks for more: every matrix here is small (a dense
# routing solve has at most 400 nodes), and OpenBLAS's threads wait for work by
# spinning, so on a busy 2-core machine a 150-node solve took 100 ms of CPU instead of
# 1 ms (a 1,000-model portfolio 23 s instead of 2 s). Read by OpenBLAS when NumPy is
# first imported, which is after this (the package imports NumPy only on use). Only
# OpenBLAS's own setting (NumPy's and SciPy's wheels): OMP_NUM_THREADS would also size
# Arrow's and Polars' pools, which do gain from both cores on a log.
# NumPy imported before this package (a page that imports Streamlit or pandas first, a
# notebook, a script) has started OpenBLAS with a thread per core already: it is told
# at run time instead, through threadpoolctl (a 1,000-model portfolio: 21 s of CPU with
# the threads, 2 s without).
if "OPENBLAS_NUM_THREADS" not in os.environ:
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    if "numpy" in sys.modules or "scipy" in sys.modules:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1, user_api="blas")  # kept: never used as a `with` block

if TYPE_CHECKING:  # the real imports, for type checkers and readers
    from abc_costing.compare import CompareError, Comparison, compare_models, compare_results
    from abc_costing.engine import CostResult, cost_model, expected_executions
    from abc_costing.formats import load_library, load_model, parse_model_text, read_model
    from abc_costing.model import ProcessModel, routing_graph
    from abc_costing.portfolio import Portfolio, build_portfolio
    from abc_costing.problems import ModelError, Problem
    from abc_costing.validation import validate_model

# Where each name of the facade lives. They are imported on first use (PEP 562), so
# that a script that only reads and mines an event log does not load the costing
# engine, SciPy and pandas: that is ~110 MiB of a small log's peak memory.
_FACADE = {
    "CompareError": "abc_costing.compare",
    "Comparison": "abc_costing.compare",
    "compare_models": "abc_costing.compare",
    "compare_results": "abc_costing.compare",
    "CostResult": "abc_costing.engine",
    "cost_model": "abc_costing.engine",
    "expected_executions": "abc_costing.engine",
    "load_library": "abc_costing.formats",
    "load_model": "abc_costing.formats",
    "parse_model_text": "abc_costing.formats",
    "read_model": "abc_costing.formats",
    "ProcessModel": "abc_costing.model",
    "routing_graph": "abc_costing.model",
    "Portfolio": "abc_costing.portfolio",
    "build_portfolio": "abc_costing.portfolio",
    "ModelError": "abc_costing.problems",
    "Problem": "abc_costing.problems",
    "validate_model": "abc_costing.validation",
}


__getattr__, __dir__ = lazy_names(__name__, _FACADE)


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
