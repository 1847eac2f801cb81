"""Reading and writing model files: the edges of the system.

The names below come from :mod:`abc_costing.formats.yaml_model` and are
imported on first use (PEP 562), so that importing a sibling such as
:mod:`abc_costing.formats.event_log` does not load the model records.
"""

from typing import TYPE_CHECKING

from abc_costing.facades import lazy_names

if TYPE_CHECKING:  # the real imports, for type checkers and readers
    from abc_costing.formats.yaml_model import (
        MAX_FILE_BYTES,
        load_library,
        load_model,
        model_files,
        model_from_data,
        parse_model_text,
        parse_yaml_data,
        read_model,
    )

__all__ = [
    "MAX_FILE_BYTES",
    "load_library",
    "load_model",
    "model_files",
    "model_from_data",
    "parse_yaml_data",
    "parse_model_text",
    "read_model",
]


__getattr__, __dir__ = lazy_names(
    __name__, dict.fromkeys(__all__, "abc_costing.formats.yaml_model"))
