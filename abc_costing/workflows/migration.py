"""Moving a library of self-contained model files to one resource catalogue.

``abc-costing migrate LIBRARY`` shows the plan (the pools, where files
disagreed and which value was kept, which files keep overrides) and writes
nothing; with ``write=True`` it checks the whole plan in memory first, then
writes ``LIBRARY/resources.yaml`` and each rewritten model file through the
library's logged write path (see :mod:`abc_costing.store.migration`).

Examples
--------
>>> import shutil, tempfile
>>> from pathlib import Path
>>> from abc_costing.access import local_user
>>> folder = Path(tempfile.mkdtemp()) / "models"
>>> _ = shutil.copytree("tests/data/before_catalogue", folder)  # the library before it
>>> migrated = migrate_library(folder, write=False, user=local_user("ivan"))
>>> migrated.problems, len(migrated.plan.moves), [d.pool for d in migrated.plan.disagreements]
((), 9, ['cfo'])
>>> migrated.written, (folder / "resources.yaml").exists()
((), False)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from abc_costing.access import AccessDenied, User, require
from abc_costing.i18n import N_
from abc_costing.problems import AbcCostingError, ModelError, Problem
from abc_costing.store import LogTamperedError, ModelLibrary, ModelWriteError
from abc_costing.store.migration import MigrationPlan, plan_migration, write_migration
from abc_costing.workflows.library import error_message

__all__ = ["Migrated", "migrate_library"]


@dataclass(frozen=True)
class Migrated:
    """What ``migrate`` found and did.

    Attributes:
      plan: the plan (None when the migration is refused: see ``problems``).
      written: the model files written (relative to the library), in order;
        empty for a dry run or a refusal (the catalogue and the files are one
        save: all of them are written or none).
      catalogue_written: whether ``resources.yaml`` was written.
      problems: why it was refused; warnings of a plan that went through (a
        value a file left out now comes from the catalogue).
    """

    plan: MigrationPlan | None
    written: tuple[str, ...] = ()
    catalogue_written: bool = False
    problems: tuple[Problem, ...] = ()


def migrate_library(directory: str | Path, *, write: bool, user: User,
                    change_log: str | Path | None = None, reason: str | None = None
                    ) -> Migrated:
    """Plan the move of ``directory``'s pools to one catalogue; with ``write``, do it.

    ``change_log`` is the library's change log (default: the library's own,
    see :class:`~abc_costing.store.ModelLibrary`). Writing needs the ``edit``
    right, and a change log that takes this library's writes (checked before
    anything is written). A refusal or a write error comes back as problems,
    never raised.
    """
    library = None
    if write:
        try:
            require(user, "edit")
        except AccessDenied as error:
            return Migrated(None, problems=(Problem(error_message(error)),))
        # Opening the library first completes a migration a crash interrupted after it was
        # logged, so the plan sees the library as that save left it.
        library = ModelLibrary(directory, change_log=change_log)
    plan, problems = plan_migration(directory)
    if plan is None or library is None or plan.nothing_to_move:
        return Migrated(plan, problems=tuple(problems))
    try:
        saved = write_migration(plan, library, user=user, reason=reason)
    except LogTamperedError as error:
        return Migrated(plan, problems=(*problems, *(f.as_problem() for f in error.findings),
                                        Problem(N_("not migrated: nothing was written"))))
    except ModelWriteError as error:
        if error.interrupted:
            return Migrated(plan, problems=(*problems, Problem(
                N_("{error}; the migration was logged: run migrate --write again to put the "
                   "rest of its files in place", error=error))))
        return Migrated(plan, problems=(*problems, Problem(error_message(error))))
    except (AbcCostingError, OSError) as error:
        return Migrated(plan, problems=(*problems, *_problems_of(error),
                                        Problem(N_("not migrated: nothing was written"))))
    return Migrated(plan, tuple(s.file for s in saved if s.file != plan.catalogue_file),
                    plan.catalogue_text is not None, tuple(problems))


def _problems_of(error: Exception) -> tuple[Problem, ...]:
    if isinstance(error, ModelError):
        return tuple(error.problems)
    return (Problem(error_message(error)),)
