"""What a user does, once, for both front ends: the application layer.

One function per user action (open the library, cost, compare, import a BPMN
file or an event log, preview and save edits, build and verify a report,
check the change log). Each checks its inputs once and returns a typed result
with every problem found as :class:`~abc_costing.problems.Problem` records;
``abc_costing.cli`` only parses arguments and prints, the dashboard pages only
draw widgets. Names are imported on first use (PEP 562), so a command that
mines a log does not load the costing engine's tables and charts.

Examples
--------
>>> from abc_costing import workflows
>>> library = workflows.open_library("process_models")
>>> sorted(library.portfolio.processes())[:2]
['contract_approval', 'procurement']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the real imports, for type checkers and readers
    from abc_costing.access import (
        AccessDenied,
        User,
        can,
        local_user,
        require,
        user_from_identity,
    )
    from abc_costing.problems import (
        AbcCostingError,
        ModelError,
        Problem,
        has_errors,
    )
    from abc_costing.simulation import SimulationResult
    from abc_costing.workflows.audit import (
        LogEntries,
        LogVerified,
        accept_outside_change,
        change_log_csv,
        change_log_entries,
        change_log_path,
        export_change_log,
        reanchor_library,
        verify_change_log,
    )
    from abc_costing.workflows.costing import (
        Compared,
        Costed,
        QueueSimulated,
        Sensitivity,
        Simulated,
        capacity_of_library,
        compare_files,
        compare_variants,
        cost_file,
        read_model_file,
        sensitivity_of,
        simulate_model,
        simulate_model_queues,
    )
    from abc_costing.workflows.editing import (
        LABOR_PREFIX,
        USES_PREFIX,
        EditPreview,
        LoadedForEditing,
        SaveConflict,
        SaveOutcome,
        load_for_editing,
        model_library,
        preview_edits,
        save_as_variant,
        save_edits,
        save_imported_model,
    )
    from abc_costing.workflows.imports import (
        LOG_SUFFIXES,
        MAX_PARAMS_BYTES,
        RATES_TABLE_SUFFIXES,
        ImportedModel,
        LogColumns,
        LogPreview,
        LogVariants,
        Rates,
        check_model_text,
        event_log_variants,
        export_bpmn,
        import_bpmn,
        import_event_log,
        model_text_label,
        parse_model_file,
        preview_event_log,
        process_slug_for,
        read_rates,
    )
    from abc_costing.workflows.library import (
        DEFAULT_LIBRARY,
        Library,
        library_label,
        library_signature,
        open_library,
    )
    from abc_costing.workflows.reporting import (
        REPORT_FORMATS,
        BuiltReport,
        VerifiedReport,
        build_report,
        report_format_for,
        verify_report_file,
        write_output,
    )

_FACADE = {
    "AbcCostingError": "abc_costing.problems",
    "AccessDenied": "abc_costing.access",
    "build_report": "abc_costing.workflows.reporting",
    "BuiltReport": "abc_costing.workflows.reporting",
    "can": "abc_costing.access",
    "capacity_of_library": "abc_costing.workflows.costing",
    "change_log_csv": "abc_costing.workflows.audit",
    "reanchor_library": "abc_costing.workflows.audit",
    "accept_outside_change": "abc_costing.workflows.audit",
    "change_log_entries": "abc_costing.workflows.audit",
    "model_library": "abc_costing.workflows.editing",
    "change_log_path": "abc_costing.workflows.audit",
    "check_model_text": "abc_costing.workflows.imports",
    "model_text_label": "abc_costing.workflows.imports",
    "compare_files": "abc_costing.workflows.costing",
    "compare_variants": "abc_costing.workflows.costing",
    "Compared": "abc_costing.workflows.costing",
    "cost_file": "abc_costing.workflows.costing",
    "Costed": "abc_costing.workflows.costing",
    "DEFAULT_LIBRARY": "abc_costing.workflows.library",
    "EditPreview": "abc_costing.workflows.editing",
    "export_change_log": "abc_costing.workflows.audit",
    "has_errors": "abc_costing.problems",
    "import_bpmn": "abc_costing.workflows.imports",
    "import_event_log": "abc_costing.workflows.imports",
    "ImportedModel": "abc_costing.workflows.imports",
    "Library": "abc_costing.workflows.library",
    "library_label": "abc_costing.workflows.library",
    "library_signature": "abc_costing.workflows.library",
    "load_for_editing": "abc_costing.workflows.editing",
    "LABOR_PREFIX": "abc_costing.workflows.editing",
    "LoadedForEditing": "abc_costing.workflows.editing",
    "USES_PREFIX": "abc_costing.workflows.editing",
    "local_user": "abc_costing.access",
    "LOG_SUFFIXES": "abc_costing.workflows.imports",
    "LogColumns": "abc_costing.workflows.imports",
    "LogEntries": "abc_costing.workflows.audit",
    "LogPreview": "abc_costing.workflows.imports",
    "event_log_variants": "abc_costing.workflows.imports",
    "export_bpmn": "abc_costing.workflows.imports",
    "LogVariants": "abc_costing.workflows.imports",
    "LogVerified": "abc_costing.workflows.audit",
    "MAX_PARAMS_BYTES": "abc_costing.workflows.imports",
    "ModelError": "abc_costing.problems",
    "open_library": "abc_costing.workflows.library",
    "parse_model_file": "abc_costing.workflows.imports",
    "preview_edits": "abc_costing.workflows.editing",
    "preview_event_log": "abc_costing.workflows.imports",
    "process_slug_for": "abc_costing.workflows.imports",
    "Problem": "abc_costing.problems",
    "QueueSimulated": "abc_costing.workflows.costing",
    "Rates": "abc_costing.workflows.imports",
    "RATES_TABLE_SUFFIXES": "abc_costing.workflows.imports",
    "read_model_file": "abc_costing.workflows.costing",
    "read_rates": "abc_costing.workflows.imports",
    "report_format_for": "abc_costing.workflows.reporting",
    "REPORT_FORMATS": "abc_costing.workflows.reporting",
    "require": "abc_costing.access",
    "save_as_variant": "abc_costing.workflows.editing",
    "save_edits": "abc_costing.workflows.editing",
    "save_imported_model": "abc_costing.workflows.editing",
    "SaveConflict": "abc_costing.workflows.editing",
    "SaveOutcome": "abc_costing.workflows.editing",
    "Sensitivity": "abc_costing.workflows.costing",
    "sensitivity_of": "abc_costing.workflows.costing",
    "simulate_model": "abc_costing.workflows.costing",
    "simulate_model_queues": "abc_costing.workflows.costing",
    "Simulated": "abc_costing.workflows.costing",
    "SimulationResult": "abc_costing.simulation",
    "User": "abc_costing.access",
    "user_from_identity": "abc_costing.access",
    "VerifiedReport": "abc_costing.workflows.reporting",
    "verify_change_log": "abc_costing.workflows.audit",
    "verify_report_file": "abc_costing.workflows.reporting",
    "write_output": "abc_costing.workflows.reporting",
}


def __getattr__(name: str) -> object:
    if name not in _FACADE:
        raise AttributeError(f"module 'abc_costing.workflows' has no attribute {name!r}")
    value = getattr(importlib.import_module(_FACADE[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_FACADE])


__all__ = [
    "AbcCostingError",
    "AccessDenied",
    "build_report",
    "BuiltReport",
    "can",
    "capacity_of_library",
    "change_log_csv",
    "reanchor_library",
    "accept_outside_change",
    "change_log_entries",
    "model_library",
    "change_log_path",
    "check_model_text",
    "model_text_label",
    "compare_files",
    "compare_variants",
    "Compared",
    "cost_file",
    "Costed",
    "DEFAULT_LIBRARY",
    "EditPreview",
    "export_change_log",
    "has_errors",
    "import_bpmn",
    "import_event_log",
    "ImportedModel",
    "Library",
    "library_label",
    "library_signature",
    "load_for_editing",
    "LABOR_PREFIX",
    "LoadedForEditing",
    "USES_PREFIX",
    "local_user",
    "LOG_SUFFIXES",
    "LogColumns",
    "LogEntries",
    "LogPreview",
    "event_log_variants",
    "export_bpmn",
    "LogVariants",
    "LogVerified",
    "MAX_PARAMS_BYTES",
    "ModelError",
    "open_library",
    "parse_model_file",
    "preview_edits",
    "preview_event_log",
    "process_slug_for",
    "Problem",
    "QueueSimulated",
    "Rates",
    "RATES_TABLE_SUFFIXES",
    "read_model_file",
    "read_rates",
    "report_format_for",
    "REPORT_FORMATS",
    "require",
    "save_as_variant",
    "save_edits",
    "save_imported_model",
    "SaveConflict",
    "SaveOutcome",
    "Sensitivity",
    "sensitivity_of",
    "simulate_model",
    "simulate_model_queues",
    "Simulated",
    "SimulationResult",
    "User",
    "user_from_identity",
    "VerifiedReport",
    "verify_change_log",
    "verify_report_file",
    "write_output",
]
