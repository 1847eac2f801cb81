"""Reading and writing model files: the edges of the system."""

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
