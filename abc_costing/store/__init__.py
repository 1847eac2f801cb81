"""Storing models: one write path for a library's model files, the change log, safe outputs.

Every model file of a library is written through
:meth:`ModelLibrary.write_model` (or :func:`~abc_costing.store.saving.save_model_edits`
and :func:`~abc_costing.store.saving.save_as_new_variant` on top of it), and its
resource catalogue through :meth:`ModelLibrary.write_catalogue`, which
writes the file and its change-log entries together or not at all;
:meth:`ModelLibrary.verify` checks the log, its anchor and every file. Every
other file (reports, exports, BPMN, CSV) is written with :func:`write_atomic`,
only as a regular file.
"""

from abc_costing.store.change_log import (
    DEFAULT_CHANGE_LOG,
    ChainCheck,
    ChangeEntry,
    ChangeLog,
    ChangeLogError,
    LogHead,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.store.library import (
    CatalogueBreaksModelsError,
    Change,
    FileWrite,
    Finding,
    LibraryBusyError,
    LibraryCheck,
    LogTamperedError,
    ModelLibrary,
    ModelWriteError,
    NotInLibraryError,
    SavedModel,
)
from abc_costing.store.model_files import (
    ModelExistsError,
    StaleFileError,
    UnsafeTargetError,
    check_regular_target,
    file_sha256,
    library_label,
    save_model_text,
    write_atomic,
)

__all__ = [
    "DEFAULT_CHANGE_LOG",
    "CatalogueBreaksModelsError",
    "ChainCheck",
    "Change",
    "ChangeEntry",
    "ChangeLog",
    "ChangeLogError",
    "FileWrite",
    "Finding",
    "LibraryBusyError",
    "LibraryCheck",
    "LogHead",
    "LogTamperedError",
    "ModelExistsError",
    "ModelLibrary",
    "ModelWriteError",
    "NotInLibraryError",
    "RecordedChange",
    "SavedModel",
    "StaleFileError",
    "UnsafeTargetError",
    "check_regular_target",
    "default_change_log_path",
    "file_sha256",
    "library_label",
    "save_model_text",
    "write_atomic",
]
