"""The library's resource catalogue: edit a pool once, and every variant of every process recosts.

:func:`load_resources` reads ``resources.yaml`` as the analyst sees it (one
row per pool, with the variants that take it and those that override it);
:func:`preview_resource_edits` reads the edited table on the server, writes
the edits into the catalogue's text and recosts every variant of the
library with it, before and after; :func:`save_resource_edits` saves
through the library's one write path (the analyst's ``edit`` right, the
stale-file check, one change-log entry per changed value, refused when a
model would no longer read).

Examples
--------
>>> import shutil, tempfile
>>> from pathlib import Path
>>> from abc_costing.access import local_user
>>> from abc_costing.workflows.library import open_library
>>> folder = Path(tempfile.mkdtemp()) / "process_models"
>>> _ = shutil.copytree("process_models", folder)
>>> library = open_library(folder)
>>> loaded = load_resources(library)
>>> loaded.table.loc["lawyer", "used_by"]
'contract_approval/as_is, contract_approval/template_esign, contract_approval/value_tiers, \
procurement/as_is, procurement/framework_template'
>>> pools = loaded.table.copy()
>>> pools.loc["lawyer", "salary_per_month"] = "165 000"
>>> preview = preview_resource_edits(loaded, pools=pools)
>>> [(e.element, e.field, e.new) for e in preview.edits], preview.problems
([('lawyer', 'salary_per_month', 165000)], ())
>>> preview.catalogue.catalogue.pools["lawyer"].cost_per_month  # 3 × 165 000 × 1.302
644490.0
>>> outcome = save_resource_edits(loaded, preview, user=local_user("ivan"), library=library,
...                               reason="индексация окладов")
>>> outcome.label, [(c.element, c.old_value, c.new_value) for c in outcome.saved.changes]
('resources.yaml', [('lawyer', '150000', '165000')])
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from abc_costing.access import AccessDenied, User, require
from abc_costing.engine import CostResult, RoutingError, cost_model
from abc_costing.formats import model_from_data, parse_yaml_data
from abc_costing.formats.catalogue import (
    CATALOGUE_NAME,
    LoadedCatalogue,
    parse_catalogue_text,
)
from abc_costing.i18n import N_
from abc_costing.model import ProcessModel
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.store import Change, StaleFileError
from abc_costing.store.catalogue_edits import (
    DERIVED_COLUMNS,
    PoolFigures,
    diff_pool_table,
    pool_cells,
    pool_figures,
    pool_table,
)
from abc_costing.store.edits import Edit, apply_edits
from abc_costing.workflows.checking import CheckedFile, check_file

# The outcome of a save is the Edit page's: one way to say what was saved or why not.
from abc_costing.workflows.editing import (
    _STORE_ERRORS,
    SaveOutcome,
    _failed,
    _refused,
    model_library,
    stale_outcome,
)
from abc_costing.workflows.library import Library, error_message

if TYPE_CHECKING:
    import pandas as pd  # for annotations (~0.5 s of CPU to import): variant_pools imports it

__all__ = [
    "CheckedFile",
    "LoadedResources",
    "ResourcesPreview",
    "VariantRecost",
    "check_file",
    "load_resources",
    "preview_resource_edits",
    "save_resource_edits",
    "variant_pools",
]


@dataclass(frozen=True)
class _Variant:
    """A variant that reads the catalogue: its file's data, to rebuild it with edited pools."""

    process: str
    variant: str
    label: str
    data: dict[str, Any]
    pools: tuple[str, ...]
    cost_per_instance: float
    cost_per_year: float | None


@dataclass(frozen=True)
class LoadedResources:
    """The catalogue as the analyst loaded it: the baseline of edits and of the conflict check.

    Attributes:
      label: the catalogue, relative to the library (``resources.yaml``).
      path: its file on disk.
      text, sha256: the file as loaded (``""`` and ``None`` when there is none).
      catalogue: the catalogue as read (None when it does not read).
      table: the pools table (see :func:`~abc_costing.store.catalogue_edits.pool_table`),
        with the variants that use and override each pool; None without a catalogue.
      problems: why the catalogue cannot be edited, when it cannot.
      currency: the catalogue's currency.
      used_by, overridden_by: pool id -> the variants (``process/variant``) that take
        it from the catalogue, and those that change it under ``overrides:``.
    """

    label: str
    path: Path
    text: str
    sha256: str | None
    catalogue: LoadedCatalogue | None
    table: pd.DataFrame | None
    problems: tuple[Problem, ...]
    currency: str
    variants: tuple[_Variant, ...] = ()
    used_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    overridden_by: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def read_only_columns(self) -> tuple[str, ...]:
        """Columns of :attr:`table` shown, never edited: the kind and every derived figure."""
        return ("kind", *DERIVED_COLUMNS)


def _short(label: str) -> str:
    """A variant as readers name it: ``p/as_is.yaml`` -> ``p/as_is``."""
    return label.rsplit(".", 1)[0]


def load_resources(library: Library) -> LoadedResources:
    """Load the library's catalogue for editing, with which variants use each pool."""
    path = library.directory / CATALOGUE_NAME
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedResources(CATALOGUE_NAME, path, "", None, None, None, (Problem(
            N_("the library has no resource catalogue ({catalogue}): each model file "
               "defines its own resources, edited on the Edit page",
               catalogue=CATALOGUE_NAME), file=CATALOGUE_NAME),), "RUB")
    text = raw.decode("utf-8-sig", errors="replace")
    sha256 = hashlib.sha256(raw).hexdigest()
    catalogue, problems = parse_catalogue_text(text, name=CATALOGUE_NAME, sha256=sha256)
    if catalogue is None or has_errors(problems):
        return LoadedResources(CATALOGUE_NAME, path, text, sha256, None, None, tuple(problems),
                               "RUB")
    costs = {(row.process, row.variant): row for row in library.portfolio.rows}
    used_by: dict[str, list[str]] = {}
    overridden_by: dict[str, list[str]] = {}
    variants = []
    for model_path, model in library.models:
        use = model.catalogue
        row = costs.get((model.process, model.variant))
        # The reader names the catalogue as it found it (a path from here): compare files.
        if use is None or row is None or Path(use.file).resolve() != path.resolve():
            continue  # its own resources, or a catalogue of its process folder
        label = library.label(model_path)
        for pool in use.pools:
            used_by.setdefault(pool, []).append(_short(label))
        for pool in use.overridden:
            overridden_by.setdefault(pool, []).append(_short(label))
        data, _ = parse_yaml_data(model_path.read_bytes().decode("utf-8-sig", errors="replace"))
        if data is not None:
            variants.append(_Variant(model.process, model.variant, label, data, use.pools,
                                     row.cost_per_instance, row.cost_per_year))
    table = pool_table(catalogue, used_by=used_by, overridden_by=overridden_by)
    return LoadedResources(CATALOGUE_NAME, path, text, sha256, catalogue, table, tuple(problems),
                           catalogue.catalogue.currency, tuple(variants),
                           {k: tuple(v) for k, v in used_by.items()},
                           {k: tuple(v) for k, v in overridden_by.items()})


@dataclass(frozen=True)
class VariantRecost:
    """One variant costed with the catalogue as saved and as edited.

    Attributes:
      process, variant: which variant.
      label: its file, relative to the library.
      edited_pools: the edited pools it uses (empty: the edit does not reach it).
      cost_per_instance_before, cost_per_instance_after: money per instance.
      cost_per_year_before, cost_per_year_after: money per year (None without a volume).
    """

    process: str
    variant: str
    label: str
    edited_pools: tuple[str, ...]
    cost_per_instance_before: float
    cost_per_instance_after: float
    cost_per_year_before: float | None
    cost_per_year_after: float | None

    @property
    def change_per_instance(self) -> float:
        """After minus before, per instance."""
        return self.cost_per_instance_after - self.cost_per_instance_before

    @property
    def change_per_year(self) -> float | None:
        """After minus before, per year (None without a volume)."""
        if self.cost_per_year_after is None or self.cost_per_year_before is None:
            return None
        return self.cost_per_year_after - self.cost_per_year_before


@dataclass(frozen=True)
class ResourcesPreview:
    """What the edited pools table would change, and what every variant would cost.

    Attributes:
      edits: the changed values of the catalogue, each with its old and new value.
      problems: cells that cannot be read, pools the edits break, variants that
        would no longer read; nothing can be saved while there are errors.
      text: the catalogue's text with the edits (None without edits).
      catalogue: the edited catalogue as read (None without edits or when it does not read).
      recosted: every variant that reads the catalogue, before and after
        (empty without edits or with errors).
      pools: each edited pool's figures (its derivation: cost per person, страховые
        взносы, ФОТ с взносами, capacity, rate), as saved and as edited (empty
        without edits or while the edited catalogue does not read).
    """

    edits: tuple[Edit, ...]
    problems: tuple[Problem, ...]
    text: str | None
    catalogue: LoadedCatalogue | None
    recosted: tuple[VariantRecost, ...]
    pools: tuple[tuple[PoolFigures, PoolFigures], ...] = ()

    @property
    def can_save(self) -> bool:
        """There is something to save and nothing in the way."""
        return bool(self.edits) and not has_errors(list(self.problems))


def preview_resource_edits(loaded: LoadedResources, *, pools: pd.DataFrame
                           ) -> ResourcesPreview:
    """Read the edited pools table on the server, and recost every variant with it.

    Every cell is read by the file's rules (numbers by
    :mod:`abc_costing.formats.typed_numbers`); the edited catalogue is read
    like a file, and each variant that takes its pools from it is rebuilt and
    costed with it, so a figure shown is a figure the saved library will give.
    """
    if loaded.catalogue is None or loaded.table is None:
        return ResourcesPreview((), loaded.problems, None, None, ())
    edits, problems = diff_pool_table(loaded.catalogue, loaded.table, pools)
    problems = [p.located(file=loaded.label) for p in problems]
    if not edits or has_errors(problems):
        return ResourcesPreview(tuple(edits), tuple(problems), None, None, ())
    text = apply_edits(loaded.text, edits)
    catalogue, found = parse_catalogue_text(text, name=loaded.label)
    problems += found
    if catalogue is None or has_errors(found):
        return ResourcesPreview(tuple(edits), tuple(problems), text, None, ())
    edited_pools = {e.element for e in edits}
    saved = loaded.catalogue.catalogue.pools
    pools = tuple((pool_figures(p, saved[p]), pool_figures(p, catalogue.catalogue.pools[p]))
                  for p in saved if p in edited_pools and p in catalogue.catalogue.pools)
    recosted = []
    for variant in loaded.variants:
        after = _recost(variant, catalogue, problems)
        if after is None:
            continue
        recosted.append(VariantRecost(
            variant.process, variant.variant, variant.label,
            tuple(p for p in variant.pools if p in edited_pools), variant.cost_per_instance,
            after.cost_per_instance, variant.cost_per_year, after.cost_per_year))
    return ResourcesPreview(tuple(edits), tuple(problems), text, catalogue, tuple(recosted),
                            pools)


def _recost(variant: _Variant, catalogue: LoadedCatalogue, problems: list[Problem]
            ) -> CostResult | None:
    """The variant's costing with ``catalogue``; None (and its problems) when it breaks."""
    model: ProcessModel | None
    model, found = model_from_data(variant.data, source=variant.label, catalogue=catalogue)
    errors = [p for p in found if p.severity == "error"]
    if model is None or errors:
        problems += [Problem(N_("with the edited catalogue this variant no longer reads: "
                                "{message}", message=p.message),
                             element=p.element, file=variant.label)
                     for p in errors]
        return None
    try:
        return cost_model(model)
    except (ModelError, RoutingError) as error:
        problems += (error.problems if isinstance(error, ModelError)
                     else [Problem(error_message(error), file=variant.label)])
        return None


def variant_pools(model: ProcessModel) -> pd.DataFrame:
    """The catalogue pools a variant takes, read-only, with the fields it overrides.

    For the Edit page: these pools are edited on the Resources page, once for
    every variant; ``overridden`` names what this variant changes under
    ``overrides:`` (empty: the catalogue's pool as it is).

    >>> from abc_costing.formats import load_model
    >>> pools = variant_pools(load_model("process_models/contract_approval/as_is.yaml"))
    >>> pools.loc["lawyer"].tolist()  # 585 900 / 360 h
    ['Юрист', 'labor', '1627.5', '', '']
    """
    import pandas as pd  # here: `validate` reads a model with this module and needs no pandas

    use = model.catalogue
    rows = []
    for pool_id in use.pools if use is not None else ():
        cells = pool_cells(model.resources[pool_id])
        rows.append({"id": pool_id, "name": model.resources[pool_id].name or "",
                     "kind": model.resources[pool_id].kind,
                     "rate_per_hour": cells["rate_per_hour"],
                     "cost_per_use": cells["cost_per_use"],
                     "overridden": ", ".join(use.overridden.get(pool_id, ()) if use else ())})
    return pd.DataFrame(rows, columns=["id", "name", "kind", "rate_per_hour", "cost_per_use",
                                       "overridden"]).set_index("id")


def _changes(edits: Sequence[Edit]) -> list[Change]:
    return [Change(e.element, e.field, e.old_text, e.new_text) for e in edits]


def save_resource_edits(loaded: LoadedResources, preview: ResourcesPreview, *, user: User,
                        library: Library, reason: str | None = None) -> SaveOutcome:
    """Save the previewed catalogue over the loaded one (refused if it changed on disk).

    Needs the ``edit`` right (an analyst's). Nothing is written when a model
    of the library would no longer read; the outcome names each.
    """
    try:
        require(user, "edit")
    except AccessDenied as error:
        return _refused(loaded.label, error_message(error))
    if not preview.can_save or preview.text is None:
        return _refused(loaded.label, "fix the problems first" if preview.problems
                        else "there are no changes to save")
    try:
        saved = model_library(library).write_catalogue(
            preview.text, user=user, expected_sha256=loaded.sha256,
            changes=_changes(preview.edits), reason=reason or None)
    except StaleFileError as error:
        return stale_outcome(loaded.label, loaded.text, error)
    except _STORE_ERRORS as error:
        return _failed(loaded.label, error)
    return SaveOutcome(saved, loaded.label)
