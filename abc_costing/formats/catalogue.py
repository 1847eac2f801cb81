"""A library's resource catalogue (``resources.yaml``) and models resolved against it.

Each shared pool is defined once, in the catalogue beside the process folders;
process files name pools by id in ``labor`` and ``uses`` and change a value
only explicitly, under ``overrides:``. A model file with its own ``resources:``
and no catalogue around it is its own catalogue, as before.

Resolution happens on the file's data before its records are built, so the
engine, the simulation and the reports see one ``resources`` mapping whatever
its origin; :attr:`ProcessModel.catalogue` says which pools came from where.

Examples
--------
>>> loaded, problems = parse_catalogue_text('''
... format: abc-costing-resources/1
... year: 2026
... pools:
...   lawyer: {kind: labor, headcount: 3, salary_per_month: 150000,
...            capacity_hours_per_month: 360}
... ''', name="resources.yaml")
>>> loaded.catalogue.pools["lawyer"].cost_per_month  # 3 × 150 000 × 1.302
585900.0
>>> data = {"activities": {"review": {"labor": {"lawyer": 30}}},
...         "overrides": {"lawyer": {"capacity_hours_per_month": 300}}}
>>> resolved, use, found = resolve_resources(data, loaded)
>>> round(resolved["resources"]["lawyer"].rate_per_minute * 60, 2)  # 585 900 / 300
1953.0
>>> use.pools, use.overridden, found
(('lawyer',), {'lawyer': ('capacity_hours_per_month',)}, [])
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from abc_costing.i18n import N_, Message
from abc_costing.model import (
    CATALOGUE_FORMAT,
    CatalogueUse,
    Resource,
    ResourceCatalogue,
    ResourceRecord,
    with_catalogue_year,
)
from abc_costing.problems import Problem, listed, quoted

__all__ = [
    "CATALOGUE_NAME",
    "LoadedCatalogue",
    "catalogue_beside",
    "catalogue_path_for",
    "parse_catalogue_text",
    "read_catalogue",
    "resolve_resources",
    "unreadable_catalogue",
    "as_seen_by_a_model",
    "no_catalogue_note",
]

#: The catalogue's file name, in the library folder.
CATALOGUE_NAME = "resources.yaml"

# The ways to give one quantity: an override that gives one way replaces the
# catalogue's way rather than clashing with it ("give either ... not both").
_COST_WAYS = (("rate_per_hour",), ("cost_per_month",),
              ("salary_per_month", "bonus_per_month", "contributions", "injury_class"))
_CAPACITY_WAYS = (("capacity_hours_per_month",),
                  ("hours_per_day", "days_per_month", "unproductive_share"),
                  ("productive_share",))


@dataclass(frozen=True)
class LoadedCatalogue:
    """A catalogue as read: the pools that read cleanly, and where each was written.

    Attributes:
      catalogue: the valid pools (a broken pool is left out and named in ``broken``).
      file: the catalogue as named in messages.
      sha256: SHA-256 of the file's bytes.
      broken: ids of pools with errors (reported by :func:`read_catalogue`).
      lines: pool id -> the line it is defined on.
      written: pool id -> the pool's data as written (what ``overrides`` change).
    """

    catalogue: ResourceCatalogue
    file: str
    sha256: str
    broken: frozenset[str] = frozenset()
    lines: Mapping[str, int] = field(default_factory=dict)
    written: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def pool_ids(self) -> frozenset[str]:
        """Every pool id the catalogue defines, valid or not."""
        return frozenset(self.catalogue.pools) | self.broken


def catalogue_path_for(model_path: str | Path) -> Path | None:
    """The catalogue a model file uses: ``resources.yaml`` in its folder or the one above.

    A library keeps its catalogue at the top (``process_models/resources.yaml``)
    and each process in a folder below it.

    >>> catalogue_path_for("process_models/contract_approval/as_is.yaml")
    PosixPath('process_models/resources.yaml')
    """
    for candidate in _catalogue_candidates(model_path):
        if candidate.is_file():
            return candidate
    return None


def _catalogue_candidates(model_path: str | Path) -> tuple[Path, Path]:
    """``resources.yaml`` in the model's folder and in the one above, as the user named them.

    The folder above a relative ``as_is.yaml`` is ``..``, not ``.`` (what
    ``Path.parent`` gives): a user in a process folder types the file's name alone.
    """
    folder = Path(model_path).parent
    above = folder / ".." if folder.name in ("", ".", "..") else folder.parent
    return folder / CATALOGUE_NAME, above / CATALOGUE_NAME


def no_catalogue_note(model_path: str | Path, *, model_file: str) -> Problem:
    """Where a model's pools were looked for, when they were found nowhere.

    >>> print(no_catalogue_note("as_is.yaml", model_file="as_is.yaml"))
    as_is.yaml: warning: no resource catalogue was found for its pools: looked for \
resources.yaml and ../resources.yaml
    """
    here, above = _catalogue_candidates(model_path)
    return Problem(N_("no resource catalogue was found for its pools: looked for {here} and "
                      "{above}", here=here, above=above), file=model_file, severity="warning")


def as_seen_by_a_model(problems: list[Problem]) -> list[Problem]:
    """A catalogue's problems for a model that reads without the pools they concern.

    A broken pool stops only the models that use it (each says so); for the others
    the catalogue's errors are warnings, so they still cost.
    """
    return [Problem(N_("{message} (a pool this model does not use)", message=p.message),
                    element=p.element,
                    file=p.file, line=p.line, severity="warning", path=p.path)
            if p.severity == "error" else p for p in problems]


def read_catalogue(path: str | Path, *, name: str | None = None
                   ) -> tuple[LoadedCatalogue | None, list[Problem]]:
    """Read and check a catalogue file; problems name ``name`` (default: the path)."""
    from abc_costing.formats.yaml_model import read_library_file

    return read_library_file(path, name=name, what=N_("catalogues"), parse=lambda text, source, raw:
                             parse_catalogue_text(text, name=source,
                                                  sha256=hashlib.sha256(raw).hexdigest()))


def catalogue_beside(model_path: str | Path, *, library_dir: str | Path | None = None
                     ) -> tuple[LoadedCatalogue | None, list[Problem]]:
    """The catalogue a model file uses, read, or ``(None, [])`` when it has none.

    With ``library_dir``, messages name the catalogue relative to it
    (``resources.yaml``), never by its path on the server.
    """
    path = catalogue_path_for(model_path)
    if path is None:
        return None, []
    name = str(path)
    if library_dir is not None:
        try:
            name = path.resolve().relative_to(Path(library_dir).resolve()).as_posix()
        except ValueError:
            name = path.name
    return read_catalogue(path, name=name)


def unreadable_catalogue(catalogue_file: str, *, model_file: str) -> Problem:
    """The one problem of a model whose catalogue cannot be read at all.

    Read without its catalogue, the model would be told that each pool it
    names is "not defined under resources:", which sends its author to the
    wrong file; this names the right one instead.

    >>> print(unreadable_catalogue("resources.yaml", model_file="p/v.yaml"))
    p/v.yaml: not read: its pools come from resources.yaml, which cannot be read (see the \
problems of resources.yaml)
    """
    return Problem(N_("not read: its pools come from {file}, which cannot be read (see the "
                      "problems of {file})", file=catalogue_file), file=model_file)


def parse_catalogue_text(text: str, *, name: str = CATALOGUE_NAME, sha256: str | None = None
                         ) -> tuple[LoadedCatalogue | None, list[Problem]]:
    """Parse a catalogue's text: the valid pools, and a problem for each broken one."""
    from abc_costing.formats.yaml_model import field_problem, parse_library_file, with_lines

    digest = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()
    data, problems = parse_library_file(text, name=name, format=CATALOGUE_FORMAT,
                                        kind=N_("a resource catalogue"),
                                        fields="format, currency, year, pools")
    if data is None:
        return None, problems
    pools = data.get("pools")
    broken: set[str] = set()
    found: list[Problem] = []
    records: dict[Any, ResourceRecord] = {}
    year_problem, needing = _year_problem(data.get("year"), pools)
    if year_problem is not None:
        # Said once, at the year; the pools that need it are left out without a word each.
        found.append(year_problem)
        broken |= needing
        data = {k: v for k, v in data.items() if k != "year"}
    if isinstance(pools, dict):
        for pool_id, pool in pools.items():
            if str(pool_id) in broken:
                continue
            try:
                records[pool_id] = Resource.validate_python(
                    with_catalogue_year(pool, data.get("year")))
            except ValidationError as err:
                broken.add(str(pool_id))
                found += [_pool_problem(field_problem(
                    {**e, "loc": ("pools", pool_id, *e["loc"])}, {"pools": {pool_id: pool}}),
                    pool_id) for e in err.errors(include_url=False)]
    # Each pool is validated once, above; the catalogue takes the records as they are.
    valid = {**data, "pools": records} if isinstance(pools, dict) else data
    try:
        catalogue = ResourceCatalogue.model_validate(valid)
    except ValidationError as err:
        found += [field_problem(e, data) for e in err.errors(include_url=False)]
        return None, with_lines(found, text, file=name)
    lines = _pool_lines(text, list(catalogue.pools) + sorted(broken))
    written = {str(pool_id): dict(pool) for pool_id, pool in pools.items()
               if isinstance(pool, dict)} if isinstance(pools, dict) else {}
    loaded = LoadedCatalogue(catalogue=catalogue, file=name, sha256=digest,
                             broken=frozenset(broken), lines=lines, written=written)
    return loaded, with_lines(found, text, file=name)


def _year_problem(year: Any, pools: Any) -> tuple[Problem | None, set[str]]:
    """The catalogue's ``year``, checked once: a number of a year whose rules are shipped.

    Returns the problem (or None) and the pools that take the year from the catalogue
    (a salary or a productive share, and no year of their own).
    """
    from abc_costing.payroll import contribution_years, shipped_years

    def needs(field: str) -> set[str]:
        return {str(pool_id) for pool_id, pool in pools.items()
                if isinstance(pool, dict) and field in pool and "year" not in pool
                } if isinstance(pools, dict) else set()

    if year is None:
        return None, set()
    salaried, calendared = needs("salary_per_month"), needs("productive_share")
    if isinstance(year, bool) or not isinstance(year, int):
        return Problem(N_("must be a year, a whole number such as 2026 (got {value})",
                          value=quoted(year)),
                       element="year", path=("year",)), salaried | calendared
    missing: Message | None = None
    if salaried and year not in contribution_years():
        missing = N_("no contribution rules for {year}: the rules ship the years {years} "
                     "(they load the salaries of {pools})", year=year,
                     years=", ".join(map(str, contribution_years())),
                     pools=listed(sorted(salaried)))
    if calendared and year not in shipped_years():
        calendar = N_("no production calendar for {year}: the calendar ships the years "
                      "{years} (it gives the capacity of {pools})", year=year,
                      years=", ".join(map(str, shipped_years())),
                      pools=listed(sorted(calendared)))
        missing = calendar if missing is None else N_("{first}; {second}", first=missing,
                                                      second=calendar)
    if missing is None:
        return None, set()
    return Problem(missing, element="year", path=("year",)), (
        (salaried if year not in contribution_years() else set())
        | (calendared if year not in shipped_years() else set()))


def _pool_problem(problem: Problem, pool_id: Any) -> Problem:
    """A pool's field problem names the pool (the reader names the section's element)."""
    return Problem(problem.message, element=str(pool_id), path=problem.path,
                   severity=problem.severity)


def _pool_lines(text: str, pool_ids: list[str]) -> dict[str, int]:
    from abc_costing.formats.yaml_model import line_index

    index = line_index(text, [("pools", pool_id) for pool_id in pool_ids])
    return {pool_id: index[("pools", pool_id)] for pool_id in pool_ids
            if ("pools", pool_id) in index}


def _referenced(activities: Any) -> list[str]:
    """Resource ids named by the activities, in order of first mention."""
    named: dict[str, None] = {}
    if isinstance(activities, dict):
        for activity in activities.values():
            if isinstance(activity, dict):
                for section in ("labor", "uses", "one_of"):
                    if isinstance(activity.get(section), dict):
                        named.update(dict.fromkeys(str(r) for r in activity[section]))
    return list(named)


def _unknown_pools(activities: dict[str, Any], own: dict[str, Any], loaded: LoadedCatalogue,
                   resources: dict[str, Any]) -> list[Problem]:
    """A problem for each use of a pool neither the catalogue nor the file defines.

    Named here, where every pool of the catalogue is known (the model keeps only
    the pools it uses), with the nearest id when there is one; a stand-in of the
    right kind then keeps the model's other checks from saying it again.
    """
    known = sorted(set(loaded.pool_ids()) | {str(r) for r in own})
    problems = []
    for activity_id, activity in activities.items():
        if not isinstance(activity, dict):
            continue
        for section, kind in (("labor", "labor"), ("uses", "per_use")):
            named = activity.get(section)
            for rid in (named if isinstance(named, dict) else {}):
                if rid in own or rid in loaded.pool_ids():
                    continue
                near = difflib.get_close_matches(str(rid), known, n=1, cutoff=0.7)
                pools = listed(known) or N_("none")
                problems.append(Problem(
                    N_("{section} names unknown pool {pool}: neither a pool of {file} nor a "
                       "resource of this file; did you mean {near}? (pools: {pools})",
                       section=section, pool=quoted(rid), file=loaded.file,
                       near=quoted(near[0]), pools=pools) if near else
                    N_("{section} names unknown pool {pool}: neither a pool of {file} nor a "
                       "resource of this file (pools: {pools})", section=section,
                       pool=quoted(rid), file=loaded.file, pools=pools),
                    element=str(activity_id),
                    path=("activities", activity_id, section, rid)))
                resources.setdefault(rid, _stand_in_of_kind(kind))
    return problems



def _first_user(activities: dict[str, Any], resource_id: str) -> tuple[str, str]:
    """The first activity naming ``resource_id``, and the section that names it."""
    for activity_id, activity in activities.items():
        for section in ("labor", "uses", "one_of"):
            if resource_id in (activity.get(section) or {}):
                return str(activity_id), section
    raise AssertionError(f"{resource_id!r} was found among the activities")


def _overridden(written: Mapping[str, Any], change: Mapping[str, Any]) -> dict[str, Any]:
    """The catalogue's pool with ``change`` applied; a new way to give a quantity
    (a rate instead of a monthly cost) replaces the old way."""
    merged = dict(written)
    for ways in (_COST_WAYS, _CAPACITY_WAYS):
        for way in ways:
            if any(key in change for key in way):
                for other in ways:
                    if other is not way:
                        for key in other:
                            merged.pop(key, None)
    merged.update(change)
    return merged


def resolve_resources(data: dict[str, Any], loaded: LoadedCatalogue | None
                      ) -> tuple[dict[str, Any], CatalogueUse | None, list[Problem]]:
    """A model file's data with the catalogue's pools it names put in ``resources``.

    Returns the data to build the model from, which pools were taken (and
    overridden), and the problems: a pool defined both here and in the
    catalogue, an override of no pool, an override that breaks the pool, a
    currency other than the catalogue's.
    """
    overrides = data.get("overrides") or {}
    own = data.get("resources") or {}
    if loaded is None:
        if overrides:
            return data, None, [Problem(
                N_("overrides: change pools of the library's catalogue ({name} in the "
                   "library folder), and this file has none; define the resources under "
                   "resources: instead", name=CATALOGUE_NAME),
                element="overrides", path=("overrides",))]
        return data, None, []
    if not isinstance(own, dict) or not isinstance(overrides, dict):
        return data, None, []  # the records report the malformed section
    problems: list[Problem] = []
    pools, file = loaded.catalogue.pools, loaded.file
    for resource_id in own:
        if resource_id in loaded.pool_ids():
            where = N_("{file}, line {line}", file=file, line=loaded.lines[resource_id]) if (
                resource_id in loaded.lines) else file
            problems.append(Problem(
                N_("pool {pool} is defined twice: in the catalogue ({where}) and here; delete "
                   "it here, or write only what this variant changes under overrides:",
                   pool=quoted(resource_id), where=where),
                element=str(resource_id), path=("resources", resource_id)))
    named = _referenced(data.get("activities"))
    # A pool defined twice is taken from the catalogue: one error, not one per use.
    taken = [rid for rid in named if rid in pools]
    resources: dict[str, Any] = {rid: r for rid, r in own.items() if rid not in loaded.pool_ids()}
    for rid in named:
        if rid in loaded.broken:
            activity_id, section = _first_user(data["activities"], rid)
            problems.append(Problem(
                N_("{section} names pool {pool} of {file}, which has errors (see {file})",
                   section=section, pool=quoted(rid), file=file),
                element=activity_id, path=("activities", activity_id, section, rid)))
            resources[rid] = _stand_in(loaded, rid)
    problems += _unknown_pools(data["activities"] if named else {}, own, loaded, resources)
    for rid, change in overrides.items():
        path = ("overrides", rid)
        if rid not in loaded.pool_ids():
            known = listed(sorted(pools)) or N_("none")
            problems.append(Problem(N_("overrides names {pool}, which is not a pool of {file} "
                                       "(pools: {pools})", pool=quoted(rid), file=file,
                                       pools=known), element=str(rid), path=path))
        elif rid not in named:
            problems.append(Problem(N_("overridden pool is not used by any activity"),
                                    element=str(rid), path=path, severity="warning"))
        elif isinstance(change, dict) and "kind" in change:
            problems.append(Problem(N_("a pool's kind cannot be overridden; define another "
                                       "pool"),
                                    element=str(rid), path=(*path, "kind")))
    overridden: dict[str, tuple[str, ...]] = {}
    for rid in taken:
        change = overrides.get(rid)
        if not isinstance(change, dict) or not change or "kind" in change:
            resources[rid] = pools[rid]
            continue
        try:
            merged = _overridden(loaded.written.get(rid, {}), change)
            resources[rid] = Resource.validate_python(
                with_catalogue_year(merged, loaded.catalogue.year))
            overridden[rid] = tuple(str(key) for key in change)
        except ValidationError as err:
            from abc_costing.formats.yaml_model import field_problem

            for error in err.errors(include_url=False):
                problem = field_problem({**error, "loc": ("overrides", rid, *error["loc"])},
                                        {"overrides": {rid: merged}})
                problems.append(Problem(N_("with this override, {message}",
                                           message=problem.message),
                                        element=str(rid), path=path))
            resources[rid] = _stand_in(loaded, rid)
    currency = data.get("currency", "RUB")
    if taken and currency != loaded.catalogue.currency:
        problems.append(Problem(
            N_("the model is in {currency} but its pools come from {file}, which is in "
               "{catalogue_currency}; give both in one currency", currency=quoted(currency),
               file=file, catalogue_currency=loaded.catalogue.currency),
            element="currency", path=("currency",)))
    use = CatalogueUse(file=file, sha256=loaded.sha256, pools=tuple(taken),
                       overridden=overridden)
    resolved = {**data, "resources": resources}
    return resolved, use, problems


def _stand_in(loaded: LoadedCatalogue, pool_id: str) -> ResourceRecord:
    """A free pool of the written kind, so the model's other checks still run."""
    return _stand_in_of_kind(str(loaded.written.get(pool_id, {}).get("kind", "labor")))


def _stand_in_of_kind(kind: str) -> ResourceRecord:
    """A free resource of ``kind`` (labour for a kind the reader does not know): the
    reader's one set of stand-ins for an element that did not read."""
    from abc_costing.formats.yaml_model import RESOURCE_STAND_INS

    known = kind if kind in RESOURCE_STAND_INS else "labor"
    stand_in: ResourceRecord = Resource.validate_python(
        {"kind": known, **RESOURCE_STAND_INS[known]})
    return stand_in