"""Storing edited models: validated, atomic, conflict-checked saves."""

from abc_costing.store.model_files import (
    StaleFileError,
    file_sha256,
    save_model_text,
    write_atomic,
)

__all__ = ["StaleFileError", "file_sha256", "save_model_text", "write_atomic"]
