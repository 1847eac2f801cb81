"""Saving an analyst's edits: the right checked, the file written safely, every change logged.

Both functions check the user's right themselves (the dashboard hiding a
page is not a defence), write through
:func:`~abc_costing.store.model_files.save_model_text` (validated, atomic,
refused when the file changed since it was loaded) and record one change-log
entry per changed value. When the log cannot be written, the file is put
back as it was, so no change goes unrecorded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from abc_costing.access import User, require
from abc_costing.store.change_log import ChangeEntry, ChangeLog, RecordedChange
from abc_costing.store.edits import Edit, apply_edits
from abc_costing.store.model_files import save_model_text, write_atomic

__all__ = ["SavedModel", "save_model_edits", "save_as_new_variant", "save_new_model"]

_SLUG = re.compile(r"^\w[\w-]*$")


@dataclass(frozen=True)
class SavedModel:
    """What a save wrote.

    Attributes:
      path: the model file.
      sha256: its digest after the save (load it as the new baseline for edits).
      text: its text after the save.
      changes: the change-log entries recorded.
    """

    path: Path
    sha256: str
    text: str
    changes: tuple[RecordedChange, ...]


def _entries(edits: Sequence[Edit], *, user: User, file_label: str,
             reason: str | None) -> list[ChangeEntry]:
    return [
        ChangeEntry(user=user.id, file=file_label, element=e.element, field=e.field,
                    old_value=e.old_text, new_value=e.new_text, reason=reason or None)
        for e in edits
    ]


def _write_then_log(path: Path, text: str, entries: list[ChangeEntry], *, change_log: ChangeLog,
                    expected_sha256: str | None, create: bool) -> SavedModel:
    previous = None if create else path.read_bytes()
    sha256 = save_model_text(path, text, expected_sha256=expected_sha256, create=create)
    try:
        recorded = change_log.append(entries, file_sha256_after=sha256)
    except BaseException:
        # An unlogged change is worse than no change: put the file back.
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            write_atomic(path, previous)
        raise
    return SavedModel(path=path, sha256=sha256, text=text, changes=tuple(recorded))


def save_model_edits(
    path: str | Path,
    *,
    loaded_text: str,
    loaded_sha256: str,
    edits: Sequence[Edit],
    user: User,
    change_log: ChangeLog,
    file_label: str,
    reason: str | None = None,
) -> SavedModel:
    """Apply ``edits`` to the text the editor loaded and save it over ``path``.

    Raises :class:`~abc_costing.access.AccessDenied`, ``ValueError`` (no
    edits), :class:`~abc_costing.problems.ModelError` (the result is invalid)
    or :class:`~abc_costing.store.model_files.StaleFileError` (someone saved
    in between); in each case nothing is written and nothing is logged.
    """
    require(user, "edit")
    if not edits:
        raise ValueError("there are no changes to save")
    text = apply_edits(loaded_text, edits)
    entries = _entries(edits, user=user, file_label=file_label, reason=reason)
    return _write_then_log(Path(path), text, entries, change_log=change_log,
                           expected_sha256=loaded_sha256, create=False)


def save_as_new_variant(
    source_path: str | Path,
    *,
    variant: str,
    loaded_text: str,
    edits: Sequence[Edit],
    user: User,
    change_log: ChangeLog,
    library_dir: str | Path,
    reason: str | None = None,
) -> SavedModel:
    """Save the loaded model with ``edits`` as a new variant beside it.

    The new file is ``<variant>.yaml`` in the same process folder, with its
    ``variant:`` field set; an existing file is never replaced
    (``FileExistsError``). The log records the creation and every edit.
    """
    require(user, "edit")
    if not _SLUG.match(variant):
        raise ValueError(f"{variant!r} is not a variant slug: use letters, digits, '_' and '-'")
    source_path = Path(source_path)
    path = source_path.with_name(f"{variant}.yaml")
    library_dir = Path(library_dir)
    label = path.relative_to(library_dir).as_posix()
    source_label = source_path.relative_to(library_dir).as_posix()
    rename = Edit(("variant",), "variant", "variant", None, variant)
    text = apply_edits(loaded_text, [*edits, rename])
    entries = [ChangeEntry(user=user.id, file=label, element="(file)", field="(file)",
                           old_value=None, new_value=f"created from {source_label}",
                           reason=reason or None)]
    entries += _entries(edits, user=user, file_label=label, reason=reason)
    return _write_then_log(path, text, entries, change_log=change_log,
                           expected_sha256=None, create=True)


def save_new_model(
    path: str | Path,
    text: str,
    *,
    entries: Sequence[ChangeEntry],
    change_log: ChangeLog,
) -> SavedModel:
    """Save ``text`` as a new model file (its folder made when missing) and log ``entries``.

    An existing file is never replaced (``FileExistsError``); the text is
    validated first (``ModelError``); when the log cannot be written the new
    file is removed again.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return _write_then_log(path, text, list(entries), change_log=change_log,
                           expected_sha256=None, create=True)
