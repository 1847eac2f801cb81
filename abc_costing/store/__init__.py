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

from typing import TYPE_CHECKING

from abc_costing.facades import lazy_names

if TYPE_CHECKING:  # the real imports, for type checkers and readers
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

# Where each name lives. They are imported on first use (PEP 562): the change log and the
# library load the model records (pydantic, networkx), which a command that only needs a
# label or an atomic write (and `abc-costing --help`) must not pay for.
_NAMES = {
    "DEFAULT_CHANGE_LOG": "abc_costing.store.change_log",
    "ChainCheck": "abc_costing.store.change_log",
    "ChangeEntry": "abc_costing.store.change_log",
    "ChangeLog": "abc_costing.store.change_log",
    "ChangeLogError": "abc_costing.store.change_log",
    "LogHead": "abc_costing.store.change_log",
    "RecordedChange": "abc_costing.store.change_log",
    "default_change_log_path": "abc_costing.store.change_log",
    "CatalogueBreaksModelsError": "abc_costing.store.library",
    "Change": "abc_costing.store.library",
    "FileWrite": "abc_costing.store.library",
    "Finding": "abc_costing.store.library",
    "LibraryBusyError": "abc_costing.store.library",
    "LibraryCheck": "abc_costing.store.library",
    "LogTamperedError": "abc_costing.store.library",
    "ModelLibrary": "abc_costing.store.library",
    "ModelWriteError": "abc_costing.store.library",
    "NotInLibraryError": "abc_costing.store.library",
    "SavedModel": "abc_costing.store.library",
    "ModelExistsError": "abc_costing.store.model_files",
    "StaleFileError": "abc_costing.store.model_files",
    "UnsafeTargetError": "abc_costing.store.model_files",
    "check_regular_target": "abc_costing.store.model_files",
    "file_sha256": "abc_costing.store.model_files",
    "library_label": "abc_costing.store.model_files",
    "save_model_text": "abc_costing.store.model_files",
    "write_atomic": "abc_costing.store.model_files",
}

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


__getattr__, __dir__ = lazy_names(__name__, _NAMES)
