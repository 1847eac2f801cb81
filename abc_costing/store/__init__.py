"""Storing edited models: validated, atomic, conflict-checked saves."""

from abc_costing.store.change_log import (
    DEFAULT_CHANGE_LOG,
    ChainCheck,
    ChangeEntry,
    ChangeLog,
    ChangeLogError,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.store.model_files import (
    StaleFileError,
    file_sha256,
    library_label,
    save_model_text,
    write_atomic,
)

__all__ = [
    "DEFAULT_CHANGE_LOG",
    "ChainCheck",
    "ChangeEntry",
    "ChangeLog",
    "ChangeLogError",
    "RecordedChange",
    "StaleFileError",
    "default_change_log_path",
    "file_sha256",
    "library_label",
    "save_model_text",
    "write_atomic",
]
