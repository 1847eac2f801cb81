"""Changing the library: edit a variant through tables, save, save as a new variant, save an import.

Every write of a model file goes through :mod:`abc_costing.store`, which
validates the text, writes the file and its change-log entries together
(or neither) and refuses to overwrite what someone else saved meanwhile.
Here each user action gets its inputs checked once and its outcome as a
value: what was saved, or the problems and, for a conflict, both texts so
the user can see what changed. Files are named relative to the library.

Examples
--------
>>> import shutil, tempfile
>>> from pathlib import Path
>>> from abc_costing.access import local_user
>>> from abc_costing.workflows.library import open_library
>>> folder = Path(tempfile.mkdtemp()) / "process_models"
>>> _ = shutil.copytree("process_models/zhkh_leads", folder / "zhkh_leads")
>>> _ = shutil.copy("process_models/resources.yaml", folder)  # the pools' catalogue
>>> library = open_library(folder)
>>> loaded = load_for_editing(library, "zhkh_leads", "as_is")
>>> activities = loaded.tables.activities.copy()
>>> activities.loc["call", "other_cost"] = "2,5"   # a Russian decimal comma
>>> preview = preview_edits(loaded, activities=activities)
>>> [(e.element, e.field, e.new) for e in preview.edits], preview.problems
([('call', 'other_cost', 2.5)], ())
>>> outcome = save_edits(loaded, preview, user=local_user("ivan"), library=library,
...                      reason="новая ставка")
>>> outcome.label, outcome.problems, len(outcome.saved.changes)
('zhkh_leads/as_is.yaml', (), 1)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from abc_costing.access import AccessDenied, User, require
from abc_costing.engine import CostResult, RoutingError, cost_model
from abc_costing.formats import model_from_data, parse_model_text, parse_yaml_data
from abc_costing.formats.catalogue import (
    CATALOGUE_NAME,
    LoadedCatalogue,
    as_seen_by_a_model,
    catalogue_beside,
    read_catalogue,
)
from abc_costing.i18n import N_
from abc_costing.model import ProcessModel
from abc_costing.problems import AbcCostingError, ModelError, Problem, cut, has_errors
from abc_costing.store import (
    Change,
    LogTamperedError,
    ModelLibrary,
    SavedModel,
    StaleFileError,
    file_sha256,
)
from abc_costing.store.catalogue_adoption import adopt_catalogue
from abc_costing.store.edits import (
    LABOR_PREFIX,
    USES_PREFIX,
    Edit,
    ModelTables,
    apply_edits_to_data,
    diff_tables,
    model_tables,
)
from abc_costing.store.saving import save_as_new_variant, save_model_edits
from abc_costing.workflows.library import Library, error_message

if TYPE_CHECKING:
    import pandas as pd  # annotations only: importing pandas costs ~0.5 s of CPU

__all__ = [
    "LABOR_PREFIX",
    "USES_PREFIX",
    "EditPreview",
    "LoadedForEditing",
    "SaveConflict",
    "SaveOutcome",
    "model_library",
    "load_for_editing",
    "preview_edits",
    "save_as_variant",
    "save_edits",
    "save_imported_model",
]


def model_library(library: Library) -> ModelLibrary:
    """The store of ``library``: its files and change log, written only together."""
    return ModelLibrary(library.directory)


@dataclass(frozen=True)
class LoadedForEditing:
    """A variant as the analyst loaded it: the baseline of their edits and of the conflict check.

    Attributes:
      process, variant: which variant.
      label: its file, relative to the library.
      path: its file on disk.
      text, sha256: the file as loaded.
      model, result, tables: the model, its costing and its editable tables
        (None when the file no longer reads as a valid model).
      problems: why it does not, when it does not.
      catalogue: the library's resource catalogue the model's pools come from.
    """

    process: str
    variant: str
    label: str
    path: Path
    text: str
    sha256: str
    model: ProcessModel | None
    result: CostResult | None
    tables: ModelTables | None
    problems: tuple[Problem, ...]
    catalogue: LoadedCatalogue | None = None

    @property
    def changed_on_disk(self) -> bool:
        """Whether the file on disk is no longer the one loaded."""
        try:
            return file_sha256(self.path) != self.sha256
        except OSError:
            return True


def load_for_editing(library: Library, process: str, variant: str) -> LoadedForEditing:
    """Load a variant of the library for editing, as it is on disk now."""
    path = library.path_of(process, variant)
    label = library.label(path)
    data = path.read_bytes()
    text = data.decode("utf-8-sig", errors="replace")
    catalogue, problems = catalogue_beside(path, library_dir=library.directory)
    model = None
    if catalogue is not None or not has_errors(problems):
        model, found = parse_model_text(text, source=label, catalogue=catalogue)
        # A broken pool stops only the models that use it.
        problems = (as_seen_by_a_model(problems) if model is not None else problems) + found
    result = tables = None
    if model is not None:
        result, tables = cost_model(model), model_tables(model)
    return LoadedForEditing(process, variant, label, path, text, hashlib.sha256(data).hexdigest(),
                            model, result, tables, tuple(problems), catalogue)


@dataclass(frozen=True)
class EditPreview:
    """What the edited tables would change, and what it would cost.

    Attributes:
      edits: the changed values, each with its old and new value.
      problems: cells that cannot be read and what the edited model breaks;
        nothing can be saved while there are errors.
      saved_result: the costing as saved.
      edited_result: the costing with the edits (None without edits or with errors).
    """

    edits: tuple[Edit, ...]
    problems: tuple[Problem, ...]
    saved_result: CostResult | None
    edited_result: CostResult | None

    @property
    def can_save(self) -> bool:
        """There is something to save and nothing in the way."""
        return bool(self.edits) and not has_errors(list(self.problems))


def preview_edits(
    loaded: LoadedForEditing,
    *,
    activities: pd.DataFrame | None = None,
    resources: pd.DataFrame | None = None,
    flows: pd.DataFrame | None = None,
) -> EditPreview:
    """Read the edited tables on the server, and cost the model with the edits.

    Every cell is read by the file's rules (numbers by
    :mod:`abc_costing.formats.typed_numbers`, whatever the browser's language);
    the edited model is checked like a file.
    """
    if loaded.model is None or loaded.tables is None:
        return EditPreview((), loaded.problems, None, None)
    edits, problems = diff_tables(loaded.model, loaded.tables, edited_activities=activities,
                                  edited_resources=resources, edited_flows=flows)
    problems = [p.located(file=loaded.label) for p in problems]
    edited = None
    if edits and not problems:
        data, _ = parse_yaml_data(loaded.text)
        assert data is not None  # the text was read as a valid model when loaded
        model, found = model_from_data(apply_edits_to_data(data, edits), source=loaded.label,
                                       catalogue=loaded.catalogue)
        problems += [p for p in found if p.severity == "error"]
        if model is not None:
            try:
                edited = cost_model(model)
            except (ModelError, RoutingError) as error:
                problems += (error.problems if isinstance(error, ModelError)
                             else [Problem(error_message(error), file=loaded.label)])
    return EditPreview(tuple(edits), tuple(problems), loaded.result, edited)


@dataclass(frozen=True)
class SaveConflict:
    """Someone saved the file after it was loaded: nothing was written.

    Attributes:
      label: the file, relative to the library.
      loaded_text: the text the user loaded.
      current_text: the text on disk now (None when the file was deleted).
    """

    label: str
    loaded_text: str
    current_text: str | None


@dataclass(frozen=True)
class SaveOutcome:
    """What a save did.

    Attributes:
      saved: what was written and logged (None when nothing was).
      label: the file written (or that would have been), relative to the library.
      problems: why nothing was written, when nothing was; warnings of a save that
        was made (an imported pool that differs from the library's catalogue).
      conflict: set when the file changed on disk since it was loaded.
    """

    saved: SavedModel | None
    label: str | None
    problems: tuple[Problem, ...] = ()
    conflict: SaveConflict | None = None


def _refused(label: str | None, message: str, *, element: str | None = None) -> SaveOutcome:
    return SaveOutcome(None, label, (Problem(message, element=element, file=label),))


def _failed(label: str | None, error: Exception) -> SaveOutcome:
    """A store error as an outcome: nothing was written or logged."""
    if isinstance(error, ModelError):
        return SaveOutcome(None, label, tuple(error.problems))
    if isinstance(error, LogTamperedError):
        return SaveOutcome(None, label, (
            Problem(N_("nothing was saved: the change log does not match the library; an "
                       "auditor should check it (abc-costing log verify)"), file=label),
            *(finding.as_problem() for finding in error.findings)))
    if isinstance(error, FileExistsError):
        return _refused(label, N_("a file with this name already exists in the library; "
                                  "choose another variant name"))
    if isinstance(error, OSError) and not isinstance(error, AbcCostingError):
        return _refused(label, N_("cannot write the file: {reason}",
                                  reason=error.strerror or error))
    return _refused(None, error_message(error))


def stale_outcome(label: str, loaded_text: str, error: StaleFileError) -> SaveOutcome:
    """A file saved (or deleted) by someone else since it was loaded: nothing was written."""
    return SaveOutcome(None, label, (Problem(
        "was changed by someone else since you loaded it; nothing was saved: reload it "
        "and apply your edits again" if error.current_sha256 else
        "was deleted since you loaded it; nothing was saved", file=label),),
        SaveConflict(label, loaded_text, error.current_text))


#: What a save may refuse with: every error is a reason, none a traceback.
_STORE_ERRORS = (AbcCostingError, ValueError, OSError)


def save_edits(loaded: LoadedForEditing, preview: EditPreview, *, user: User,
               library: Library, reason: str | None = None) -> SaveOutcome:
    """Save the previewed edits over the loaded file (refused if it changed on disk)."""
    if not preview.can_save:
        return _refused(loaded.label, "fix the problems first" if preview.problems
                        else "there are no changes to save")
    try:
        saved = save_model_edits(loaded.path, loaded_text=loaded.text,
                                 loaded_sha256=loaded.sha256, edits=preview.edits, user=user,
                                 library=model_library(library), reason=reason or None)
    except StaleFileError as error:
        return stale_outcome(loaded.label, loaded.text, error)
    except _STORE_ERRORS as error:
        return _failed(loaded.label, error)
    return SaveOutcome(saved, loaded.label)


def _slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a variant (letters of any script, digits, _ and -), if it cannot."""
    if len(slug) > 100:
        return f"{cut(slug)!r} is too long for a variant name (at most 100 characters)"
    if not slug or slug[0] == "-" or not all(ch.isalnum() or ch in "_-" for ch in slug):
        return f"{cut(slug)!r} is not a variant name: use letters, digits, '_' and '-'"
    return None



def save_as_variant(loaded: LoadedForEditing, preview: EditPreview, *, variant: str,
                    title: str, user: User, library: Library,
                    reason: str | None = None) -> SaveOutcome:
    """Save the loaded variant with the previewed edits as a new variant beside it.

    The new variant needs its own name and its own title (a second variant
    titled like the first could not be told apart); an existing file is never
    replaced.
    """
    variant, title = variant.strip(), " ".join(title.split())
    label = f"{loaded.process}/{variant}.yaml"
    # Every reason at once: the user fixes them together.
    problems = []
    if slug_problem := _slug_problem(variant):
        problems.append(Problem(slug_problem, element="variant"))
    elif library.find(loaded.process, variant) is not None:
        problems.append(Problem(N_("{process}/{variant} already exists; choose another name",
                                   process=loaded.process, variant=variant), element="variant"))
    if not title:
        problems.append(Problem(N_("give the new variant its own title"), element="title"))
    elif loaded.model is not None and title == (loaded.model.title or ""):
        problems.append(Problem(N_("the new variant needs its own title, not the one of "
                                   "{variant} ({title!r})", variant=loaded.variant,
                                   title=cut(title)), element="title"))
    if has_errors(list(preview.problems)):
        problems.append(Problem(N_("fix the problems of the edits first")))
    if problems:
        return SaveOutcome(None, None if _slug_problem(variant) else label, tuple(problems))
    try:
        saved = save_as_new_variant(loaded.path, variant=variant, loaded_text=loaded.text,
                                    edits=preview.edits, user=user, title=title,
                                    library=model_library(library), reason=reason or None)
    except _STORE_ERRORS as error:
        return _failed(label, error)
    return SaveOutcome(saved, library.label(saved.path))


def _library_catalogue(library: Library) -> tuple[LoadedCatalogue | None, list[Problem]]:
    path = library.directory / CATALOGUE_NAME
    return read_catalogue(path, name=CATALOGUE_NAME) if path.is_file() else (None, [])


def save_imported_model(text: str, *, source_name: str, user: User, library: Library
                        ) -> SaveOutcome:
    """Save an imported model into the library as a new file, logged like any save.

    The model's ``process`` and ``variant`` decide the file
    (``<process>/<variant>.yaml``); an existing variant is never replaced.
    """
    try:
        require(user, "edit")
    except AccessDenied as error:
        return _refused(None, error_message(error))
    # Checked against the library's catalogue, as the saved file will be read; the
    # pools it already defines are taken from it (a difference stays as an override).
    catalogue, problems = _library_catalogue(library)
    model = None
    if catalogue is not None and not has_errors(problems):
        adopted = adopt_catalogue(text, catalogue, file=source_name)
        text = adopted.text
        problems += [Problem(str(d), element=d.pool, file=source_name, severity="warning")
                     for d in adopted.differences]
    if not has_errors(problems):
        model, found = parse_model_text(text, source=source_name, catalogue=catalogue)
        problems += found
    if model is None:
        return SaveOutcome(None, None, tuple(problems))
    label = f"{model.process}/{model.variant}.yaml"
    if library.find(model.process, model.variant) is not None:
        return _refused(label, f"{model.process}/{model.variant} is already in the library; "
                               "give the model another variant to save it", element="variant")
    try:
        saved = model_library(library).write_model(
            label, text, user=user, expected_sha256=None,
            changes=[Change.whole_file(f"imported from {source_name}")])
    except _STORE_ERRORS as error:
        return _failed(label, error)
    return SaveOutcome(saved, label, tuple(p for p in problems if p.severity == "warning"))
