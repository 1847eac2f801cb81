"""Saving an analyst's edits: the right checked, the file and its change-log entries together.

Both functions check the user's right themselves (the dashboard hiding a
page is not a defence) and write through
:meth:`~abc_costing.store.library.ModelLibrary.write_model`: validated,
refused when the file changed since it was loaded, and written together with
one change-log entry per changed value, or not at all (also under ``kill -9``).
Before anything is written, every edit is checked to be in the new text, so
an edit the file cannot hold is refused rather than logged and lost.

Examples
--------
>>> import tempfile, pathlib, shutil
>>> from abc_costing.access import local_user
>>> from abc_costing.store.library import ModelLibrary
>>> from abc_costing.store.model_files import file_sha256
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> _ = shutil.copytree("process_models/contract_approval", root / "models" / "contract_approval")
>>> _ = shutil.copy("process_models/resources.yaml", root / "models")
>>> library = ModelLibrary(root / "models", change_log=root / "log.sqlite")
>>> path = root / "models" / "contract_approval" / "as_is.yaml"
>>> text = path.read_text("utf-8")
>>> edit = Edit(("activities", "draft", "other_cost"), "draft", "other_cost", 0, 150)
>>> saved = save_model_edits(path, loaded_text=text, loaded_sha256=file_sha256(path),
...                          edits=[edit], user=local_user("ivan"), library=library)
>>> [(e.file, e.element, e.field, e.old_value, e.new_value) for e in saved.changes]
[('contract_approval/as_is.yaml', 'draft', 'other_cost', '0', '150')]
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from abc_costing.access import User, require
from abc_costing.formats import parse_yaml_data
from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError
from abc_costing.store.change_log import ChangeLog
from abc_costing.store.edits import ABSENT, Edit, apply_edits, apply_edits_to_data, value_at
from abc_costing.store.library import Change, ModelLibrary, SavedModel

__all__ = ["EditNotWrittenError", "SavedModel", "save_model_edits", "save_as_new_variant"]

_SLUG = re.compile(r"^\w[\w-]*$")


class EditNotWrittenError(AbcCostingError, ValueError):
    """An edit did not reach the file's text; nothing was saved or logged.

    Attributes:
      edit: the edit concerned.
    """

    def __init__(self, name: str, edit: Edit):
        self.edit = edit
        super().__init__(N_("{name}: {element}: the new {field} ({text!r}) could not be "
                            "written into the file; nothing was saved", name=name,
                            element=edit.element, field=edit.field, text=edit.new_text))


def _changes(edits: Sequence[Edit]) -> list[Change]:
    return [Change(e.element, e.field, e.old_text, e.new_text) for e in edits]


def _check_written(text: str, edits: Sequence[Edit], name: str, *, loaded_text: str) -> None:
    """Refuse the save when an edit is not in ``text`` (so it is never logged without it).

    Each edited place must hold what the edits, applied in order to the loaded
    file's data, put there: an edit's own new value, unless a later edit
    moved it (an item deleted before it in a list) or changed it again.
    """
    data, _ = parse_yaml_data(text)
    loaded, _ = parse_yaml_data(loaded_text)
    expected = apply_edits_to_data(loaded or {}, edits)
    for edit in edits:
        found = value_at(data, edit.path)
        if found != value_at(expected, edit.path):
            raise EditNotWrittenError(name, edit)


def _library_for(path: Path, *, library: ModelLibrary | None, change_log: ChangeLog | None,
                 library_dir: str | Path | None, file_label: str | None) -> ModelLibrary:
    if library is not None:
        return library
    if library_dir is None:
        if file_label is None:
            raise TypeError("give library= or library_dir= (or file_label=) to locate the "
                            "library")
        # The label is the path relative to the library: strip as many parts.
        library_dir = path.absolute().parents[len(PurePosixPath(file_label).parts) - 1]
    return ModelLibrary(library_dir, change_log=change_log)


def save_model_edits(
    path: str | Path,
    *,
    loaded_text: str,
    loaded_sha256: str,
    edits: Sequence[Edit],
    user: User,
    library: ModelLibrary | None = None,
    change_log: ChangeLog | None = None,
    library_dir: str | Path | None = None,
    file_label: str | None = None,
    reason: str | None = None,
) -> SavedModel:
    """Apply ``edits`` to the text the editor loaded and save it over ``path``.

    The library is ``library``, or the one at ``library_dir`` (or found from
    ``file_label``, the file's name relative to it) with ``change_log``.
    Raises :class:`~abc_costing.access.AccessDenied`, ``ValueError`` (no
    edits), :class:`EditNotWrittenError`,
    :class:`~abc_costing.problems.ModelError` (the result is invalid),
    :class:`~abc_costing.store.model_files.StaleFileError` (someone saved in
    between) or what :meth:`ModelLibrary.write_model` raises; in each case
    nothing is written and nothing is logged.
    """
    require(user, "edit")
    if not edits:
        raise ValueError("there are no changes to save")
    path = Path(path)
    store = _library_for(path, library=library, change_log=change_log, library_dir=library_dir,
                         file_label=file_label)
    name = store.relative_name(path.absolute())
    text = apply_edits(loaded_text, edits)
    _check_written(text, edits, name, loaded_text=loaded_text)
    return store.write_model(name, text, user=user, expected_sha256=loaded_sha256,
                             changes=_changes(edits), reason=reason)


def save_as_new_variant(
    source_path: str | Path,
    *,
    variant: str,
    loaded_text: str,
    edits: Sequence[Edit],
    user: User,
    title: str | None = None,
    library: ModelLibrary | None = None,
    change_log: ChangeLog | None = None,
    library_dir: str | Path | None = None,
    reason: str | None = None,
) -> SavedModel:
    """Save the loaded model with ``edits`` as a new variant beside it.

    The new file is ``<variant>.yaml`` in the same process folder, with its
    ``variant:`` field set and, when ``title`` is given, its own ``title:``
    (front ends ask for one: a copy should not pass for the original). An
    existing file is never replaced
    (:class:`~abc_costing.store.model_files.ModelExistsError`, a
    ``FileExistsError``). The log records the creation, the title and every edit.
    """
    require(user, "edit")
    if not _SLUG.match(variant):
        raise ValueError(f"{variant!r} is not a variant slug: use letters, digits, '_' and '-'")
    if title is not None and not title.strip():
        raise ValueError("the new variant's title must not be empty")
    source_path = Path(source_path)
    store = _library_for(source_path, library=library, change_log=change_log,
                         library_dir=library_dir, file_label=None)
    source_name = store.relative_name(source_path.absolute())
    name = str(PurePosixPath(source_name).with_name(f"{variant}.yaml"))
    edits = list(edits)
    if title is not None:
        old_title = value_at(parse_yaml_data(loaded_text)[0], ("title",))
        if title.strip() == old_title:
            raise ValueError(f"the new variant needs its own title, not the original's "
                             f"({old_title!r})")
        edits.append(Edit(("title",), "title", "title",
                          None if old_title is ABSENT else old_title, title.strip()))
    rename = Edit(("variant",), "variant", "variant", None, variant)
    text = apply_edits(loaded_text, [*edits, rename])
    _check_written(text, [*edits, rename], name, loaded_text=loaded_text)
    changes = [Change.whole_file(f"created from {source_name}"), *_changes(edits)]
    return store.write_model(name, text, user=user, expected_sha256=None, changes=changes,
                             reason=reason)

