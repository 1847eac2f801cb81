"""Moving a library of self-contained model files to one resource catalogue (``migrate``).

Before the catalogue, every model file carried its own copy of each shared
pool. :func:`plan_migration` gathers every pool defined in any file into one
``resources.yaml`` at the top of the library, each pool once, and rewrites
each file to take its pools from there (with
:func:`~abc_costing.store.catalogue_adoption.adopt_catalogue`). Where files
disagree on a pool (another rate, capacity, headcount or name), the value most
files give is kept (a tie: the first file in sorted order), every disagreement
is reported, and the files that differ keep their own value under
``overrides:``, so no file's figures change. The plan is checked whole in
memory: the new catalogue reads, and every rewritten file reads against it and
costs what it cost before. :func:`write_migration` then writes the catalogue
and the files as one save through the library's logged write path: all of
them or none.

A library that has a catalogue already is migrated only where files still
carry pools the catalogue has; the catalogue's values are then the ones kept.

Examples
--------
>>> import pathlib, tempfile
>>> library = pathlib.Path(tempfile.mkdtemp())
>>> (library / "p").mkdir()
>>> model = '''format: abc-costing/1
... process: p
... variant: {v}
... resources: {{clerk: {{kind: labor, rate_per_hour: {rate}}}}}
... activities: {{a: {{labor: {{clerk: 30}}}}}}
... events: {{s: {{kind: start}}, e: {{kind: end}}}}
... flows: [[s, a], [a, e]]
... '''
>>> for variant, rate in (("as_is", 600), ("fast", 600), ("new", 660)):
...     _ = (library / "p" / f"{variant}.yaml").write_text(model.format(v=variant, rate=rate))
>>> plan, problems = plan_migration(library)
>>> problems, plan.pools, [m.file for m in plan.moves]
([], ('clerk',), ['p/as_is.yaml', 'p/fast.yaml', 'p/new.yaml'])
>>> print(*plan.disagreements)  # doctest: +NORMALIZE_WHITESPACE
clerk: cost: 600 RUB/h (p/as_is.yaml, p/fast.yaml); 660 RUB/h (p/new.yaml);
    kept 600 RUB/h: given by 2 of 3 files; p/new.yaml keeps its own under overrides:
>>> [(m.file, m.cost_per_instance_before, m.cost_per_instance_after) for m in plan.moves][2]
('p/new.yaml', 330.0, 330.0)
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, assert_never

from pydantic import ValidationError

from abc_costing.access import User
from abc_costing.engine import cost_model
from abc_costing.formats import MAX_FILE_BYTES, model_files, parse_model_text, parse_yaml_data
from abc_costing.formats.catalogue import (
    CATALOGUE_NAME,
    LoadedCatalogue,
    catalogue_path_for,
    parse_catalogue_text,
    read_catalogue,
)
from abc_costing.formats.model_text import Commented, yaml_text
from abc_costing.formats.roundtrip import entry_comments
from abc_costing.i18n import N_
from abc_costing.model import CATALOGUE_FORMAT, ProcessModel, Resource, ResourceRecord
from abc_costing.problems import ModelError, Problem, has_errors, listed, quoted
from abc_costing.store.catalogue_adoption import (
    Adoption,
    CostBasis,
    adopt_catalogue,
    pool_aspects,
    pools_aspects,
)
from abc_costing.store.library import (
    Change,
    FileWrite,
    LogTamperedError,
    ModelLibrary,
    SavedModel,
)
from abc_costing.store.model_files import StaleFileError, current_state

__all__ = [
    "COST_REL_TOLERANCE",
    "Disagreement",
    "FileMove",
    "MigrationPlan",
    "PoolValue",
    "plan_migration",
    "write_migration",
]

_ASPECTS = ("name", "cost", "capacity", "headcount")
# A pool's rate comes from its cost, capacity and headcount together (a monthly cost over
# the pool's hours), so these three are kept from one file's definition, never mixed.
_MONEY_ASPECTS = ("cost", "capacity", "headcount")
#: A rewritten file must cost what it cost before, to this relative precision: the
#: same figures give the same float; a pool written another way with the same meaning
#: (585 900 a month over 360 h, or 1 627.5 an hour) may differ in the last bits only.
COST_REL_TOLERANCE = 1e-9


@dataclass(frozen=True)
class PoolValue:
    """One value of one aspect of a pool, and the files that give it.

    Attributes:
      value: the value as text (``600 RUB/h``, ``360 h/month``, ``'Юрист'``).
      files: the files giving it (relative to the library), in sorted order;
        ``resources.yaml`` for the catalogue's own value.
    """

    value: str
    files: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """An aspect of a pool on which the files (or a file and the catalogue) disagree.

    Attributes:
      pool: the pool id.
      aspect: ``name``, ``cost`` (the rate per hour or per use), ``capacity``
        (practical hours per month) or ``headcount``.
      values: every value given, most files first (first seen on a tie).
      kept: the value the catalogue keeps.
      reason: why that one (how many files give it; a tie and how it was broken).
      overridden: the files that keep their own value under ``overrides:``.
    """

    pool: str
    aspect: str
    values: tuple[PoolValue, ...]
    kept: str
    reason: str
    overridden: tuple[str, ...]

    def __str__(self) -> str:
        given = "; ".join(f"{v.value} ({', '.join(v.files)})" for v in self.values)
        keeps = (f"; {', '.join(self.overridden)} "
                 f"keep{'s' if len(self.overridden) == 1 else ''} its own under overrides:"
                 if self.overridden else "")
        if len(self.overridden) > 1:
            keeps = keeps.replace("its own", "their own")
        return f"{self.pool}: {self.aspect}: {given}; kept {self.kept}: {self.reason}{keeps}"

    def as_dict(self) -> dict[str, Any]:
        """The disagreement as plain data (for ``--json``)."""
        return {"pool": self.pool, "aspect": self.aspect,
                "values": [{"value": v.value, "files": list(v.files)} for v in self.values],
                "kept": self.kept, "reason": self.reason, "overridden": list(self.overridden)}


@dataclass(frozen=True)
class FileMove:
    """One model file rewritten to take its pools from the catalogue.

    Attributes:
      file: the file, relative to the library.
      old_text, old_sha256: the file as it is now (the write refuses if it changed).
      new_text: the file after the move (comments and order kept).
      moved: the pools now taken from the catalogue.
      overridden: the pools for which the file keeps a value of its own.
      cost_per_instance_before, cost_per_instance_after: its exact cost per
        instance before and after (equal: the plan is refused otherwise).
    """

    file: str
    old_text: str
    old_sha256: str
    new_text: str
    moved: tuple[str, ...]
    overridden: tuple[str, ...]
    cost_per_instance_before: float
    cost_per_instance_after: float

    def as_dict(self) -> dict[str, Any]:
        """The move as plain data (without the texts)."""
        return {"file": self.file, "moved": list(self.moved), "overridden": list(self.overridden),
                "cost_per_instance_before": self.cost_per_instance_before,
                "cost_per_instance_after": self.cost_per_instance_after}


@dataclass(frozen=True)
class MigrationPlan:
    """What ``migrate`` does to a library, checked in memory, nothing written yet.

    Attributes:
      directory: the library folder.
      catalogue_file: the catalogue's name in the library (``resources.yaml``).
      catalogue_text: the new catalogue's text; None when the library has one
        already (it is then not rewritten).
      currency: the catalogue's currency.
      pools: the catalogue's pool ids, in first-seen order.
      moves: the files rewritten, in sorted order.
      disagreements: every aspect of a pool on which two sources disagreed.
      files_read: how many model files the library has.
    """

    directory: Path
    catalogue_file: str
    catalogue_text: str | None
    currency: str
    pools: tuple[str, ...]
    moves: tuple[FileMove, ...]
    disagreements: tuple[Disagreement, ...]
    files_read: int

    @property
    def nothing_to_move(self) -> bool:
        """True when no file carries a pool to move."""
        return not self.moves

    def as_dict(self) -> dict[str, Any]:
        """The plan as plain data (for ``--json``)."""
        return {"catalogue": self.catalogue_file,
                "new_catalogue": self.catalogue_text is not None,
                "currency": self.currency, "pools": list(self.pools),
                "files_read": self.files_read,
                "moves": [m.as_dict() for m in self.moves],
                "disagreements": [d.as_dict() for d in self.disagreements]}


@dataclass(frozen=True)
class _Source:
    """A model file as read: its name, text, data and the pools it defines."""

    file: str
    text: str
    data: dict[str, Any]
    pools: dict[str, tuple[dict[str, Any], ResourceRecord]]


def plan_migration(directory: str | Path) -> tuple[MigrationPlan | None, list[Problem]]:
    """Plan the move of ``directory``'s pools to ``directory/resources.yaml``; write nothing.

    Returns the plan, or None and the reasons it is refused: a file with errors,
    two pools of different kinds under one id, files in different currencies, a
    file too deep to see the catalogue, a rewritten file that would cost
    something else. See the module docstring for an example.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return None, [Problem(N_("folder not found"), file=str(directory))]
    target = directory / CATALOGUE_NAME
    existing: LoadedCatalogue | None = None
    if target.exists():
        existing, problems = read_catalogue(target, name=CATALOGUE_NAME)
        if existing is None or has_errors(problems):
            return None, [*problems, Problem(N_("not migrated: {catalogue} has errors; "
                                                "fix it first", catalogue=CATALOGUE_NAME),
                                             file=CATALOGUE_NAME)]
    sources, problems = _read_sources(directory, existing)
    if has_errors(problems):
        return None, problems
    if existing is None:
        return _plan_new_catalogue(directory, sources)
    return _plan_existing_catalogue(directory, sources, existing)


def _read_sources(directory: Path, existing: LoadedCatalogue | None
                  ) -> tuple[list[_Source], list[Problem]]:
    """Every model file, read and checked as it stands (its own pools win over the catalogue)."""
    sources: list[_Source] = []
    problems: list[Problem] = []
    for path in model_files(directory):
        name = path.relative_to(directory).as_posix()
        if catalogue_path_for(path) not in (None, directory / CATALOGUE_NAME) or (
                len(path.relative_to(directory).parts) > 2):
            problems.append(Problem(N_("not migrated: this file would not see {catalogue} "
                                       "(a model file sits in the library folder or one folder "
                                       "below it, with no catalogue of its own)",
                                       catalogue=CATALOGUE_NAME), file=name))
            continue
        text, found = _read_text(path, name)
        data, parse_problems = parse_yaml_data(text) if text is not None else (None, [])
        if text is None or data is None:
            problems += [*found, *(p.located(file=name) for p in parse_problems),
                         _refusal(name)]
            continue
        own: dict[str, Any] = (data["resources"] if isinstance(data.get("resources"), dict)
                               else {})
        _, found = parse_model_text(text, source=name, catalogue=_without(existing, set(own)))
        if has_errors(found):
            problems += [*found, _refusal(name)]
            continue
        pools: dict[str, tuple[dict[str, Any], ResourceRecord]] = {}
        for pool_id, written in own.items():
            try:  # the file read cleanly, so each of its pools is valid
                pools[str(pool_id)] = (dict(written), Resource.validate_python(written))
            except ValidationError:  # a catalogue year it relied on: checked with the file
                continue
        sources.append(_Source(name, text, data, pools))
    return sources, problems


def _refusal(name: str) -> Problem:
    return Problem(N_("not migrated: this file has errors; fix them first (nothing was written)"),
                   file=name)


def _read_text(path: Path, name: str) -> tuple[str | None, list[Problem]]:
    try:
        raw = path.read_bytes()
    except OSError as err:
        return None, [Problem(N_("cannot read file: {reason}", reason=err.strerror or err),
                              file=name)]
    if len(raw) > MAX_FILE_BYTES:
        return None, [Problem(N_("file is {count:,} bytes; a model is limited to "
                                 "{limit:,} bytes", count=len(raw),
                                 limit=MAX_FILE_BYTES), file=name)]
    try:
        return raw.decode("utf-8"), []
    except UnicodeDecodeError:
        return None, [Problem(N_("file is not UTF-8 text (save it as UTF-8)"), file=name)]


def _without(loaded: LoadedCatalogue | None, pool_ids: set[str]) -> LoadedCatalogue | None:
    """The catalogue minus ``pool_ids``: a file's own pools as the file means them."""
    if loaded is None or not pool_ids & loaded.pool_ids():
        return loaded
    catalogue = loaded.catalogue.model_copy(update={"pools": {
        k: v for k, v in loaded.catalogue.pools.items() if k not in pool_ids}})
    return dataclasses.replace(loaded, catalogue=catalogue, broken=loaded.broken - pool_ids)


# --- a new catalogue --------------------------------------------------------------------


def _plan_new_catalogue(directory: Path, sources: list[_Source]
                        ) -> tuple[MigrationPlan | None, list[Problem]]:
    by_pool: dict[str, list[tuple[str, dict[str, Any], ResourceRecord]]] = {}
    for source in sources:
        for pool_id, (written, resource) in source.pools.items():
            by_pool.setdefault(pool_id, []).append((source.file, written, resource))
    problems = _kind_clashes(by_pool) + _currency_clashes(sources)
    if problems:
        return None, problems
    currency = next((_currency(s) for s in sources if s.pools), "RUB")
    if not by_pool:
        return _plan(directory, None, currency, (), [], [], len(sources)), []
    pools: dict[str, Any] = {}
    disagreements: list[Disagreement] = []
    texts = {s.file: s.text for s in sources}
    for pool_id, defined in by_pool.items():
        pool, taken_from, found = _kept_pool(pool_id, defined, currency)
        written = next(w for file, w, _ in defined if file == taken_from)
        pools[pool_id] = _commented_pool(pool, written, taken_from, texts[taken_from], pool_id,
                                         len(defined))
        disagreements += found
    text = yaml_text({"format": CATALOGUE_FORMAT, "currency": currency, "pools": pools},
                     header=_header(len(sources), disagreements))
    loaded, problems = parse_catalogue_text(text, name=CATALOGUE_NAME)
    if loaded is None or has_errors(problems):  # a fault here, not in the user's files
        return None, [*problems, Problem(N_("not migrated: the catalogue made from the files "
                                            "does not read back (a fault in abc-costing: "
                                            "please report it)"), file=CATALOGUE_NAME)]
    moves, problems = _moves(sources, loaded, None)
    if has_errors(problems):
        return None, problems
    return _plan(directory, text, currency, tuple(pools), moves,
                 _with_overrides(disagreements, moves), len(sources)), problems


def _commented_pool(pool: dict[str, Any], written: dict[str, Any], taken_from: str, text: str,
                    pool_id: str, count: int) -> Commented:
    """The pool with the comments its author wrote in the file it was taken from.

    Above it, a note of how many files defined it and which one it was taken
    from, then the comments that were above it there; each field keeps the
    comments above and beside it, unless its value came from another file
    (a name the other files voted for).
    """
    comments = entry_comments(text, ("resources", pool_id))
    fields: dict[str, Any] = {}
    for key, value in pool.items():
        mine = comments.inner.get(key)
        fields[key] = (Commented(value, mine.end_of_line, mine.above)
                       if mine is not None and (mine.above or mine.end_of_line)
                       and written.get(key) == value else value)
    note = (f"in {count} model files, as written in {taken_from}" if count > 1
            else f"in 1 model file, {taken_from}")
    return Commented(fields, comments.end_of_line, (note, *comments.above))


def _kept_pool(pool_id: str, defined: list[tuple[str, dict[str, Any], ResourceRecord]],
               currency: str) -> tuple[dict[str, Any], str, list[Disagreement]]:
    """The pool the catalogue keeps, the file it is taken from, and where the files
    disagreed on it."""
    aspects = list(zip([file for file, _, _ in defined],
                       pools_aspects([resource for _, _, resource in defined]), strict=True))
    money = _vote([(f, tuple(a[k] for k in _MONEY_ASPECTS)) for f, a in aspects])
    named = [(f, a["name"]) for f, a in aspects if a["name"] is not None]
    names = _vote(named) if named else None
    winner = next(w for f, w, _ in defined if f == money.first_file)
    pool: dict[str, Any] = {"kind": winner["kind"]}
    if names is not None:
        pool["name"] = names.value
    pool.update((k, v) for k, v in winner.items() if k not in ("kind", "name"))
    found = []
    for aspect in _ASPECTS:
        given = [(f, a[aspect]) for f, a in aspects if not (aspect == "name" and a[aspect] is None)]
        groups = _groups(given)
        if len(groups) < 2:
            continue
        if aspect == "name":
            assert names is not None
            kept, reason = names.value, names.reason
        else:
            kept = money.value[_MONEY_ASPECTS.index(aspect)]
            mine = _vote(given)
            reason = mine.reason if mine.value == kept else (
                f"{', '.join(_MONEY_ASPECTS)} are kept together, from one file's definition: "
                f"{money.reason}")
        cost_per = aspects[0][1]["cost_per"]  # one footing for the pool's definitions
        found.append(Disagreement(
            pool_id, aspect,
            tuple(PoolValue(_shown(aspect, value, cost_per, currency), tuple(files))
                  for value, files in sorted(groups.items(), key=lambda g: -len(g[1]))),
            _shown(aspect, kept, cost_per, currency), reason, ()))
    return pool, money.first_file, found


@dataclass(frozen=True)
class _Vote:
    value: Any
    first_file: str
    reason: str


def _groups(given: Sequence[tuple[str, Any]]) -> dict[Any, list[str]]:
    """Files by the value they give, values in first-seen order."""
    groups: dict[Any, list[str]] = {}
    for file, value in given:
        groups.setdefault(value, []).append(file)
    return groups


def _vote(given: Sequence[tuple[str, Any]]) -> _Vote:
    """The value most files give; a tie goes to the value of the first file (files sorted)."""
    groups = _groups(given)
    most = max(len(files) for files in groups.values())
    # groups are in first-seen order and the files in sorted order: the first group with
    # the most files holds the first file of all the tied ones
    value, files = next((v, f) for v, f in groups.items() if len(f) == most)
    total = len(given)
    tied = sum(len(f) == most for f in groups.values())
    if len(groups) == 1:
        reason = f"all {total} files agree" if total > 1 else "one file"
    elif tied > 1:
        reason = (f"a tie ({most} of {total} files each): the value of {files[0]}, "
                  "the first file in sorted order")
    else:
        reason = f"given by {most} of {total} files"
    return _Vote(value, files[0], reason)


def _shown(aspect: str, value: Any, cost_per: CostBasis, currency: str) -> str:
    """An aspect's value as a reader sees it (what it means, however it was written).

    A cost is shown per what it was compared on (see
    :func:`~abc_costing.store.catalogue_adoption.pool_aspects`): a month of
    the whole pool, an hour of work, or one use.
    """
    if value is None:
        return "not given"
    if aspect == "name":
        return quoted(value)
    if aspect == "cost":
        match cost_per:
            case "month":
                return f"{value:.10g} {currency}/month"
            case "minute":
                return f"{value * 60:.10g} {currency}/h"
            case "use":
                return f"{value:.10g} {currency} per use"
            case _:
                assert_never(cost_per)
    if aspect == "capacity":
        return f"{value:.10g} h/month"
    return f"{value:.10g}"


def _kind_clashes(by_pool: dict[str, list[tuple[str, dict[str, Any], ResourceRecord]]]
                  ) -> list[Problem]:
    problems = []
    for pool_id, defined in by_pool.items():
        kinds = _groups([(file, written["kind"]) for file, written, _ in defined])
        if len(kinds) > 1:
            given = "; ".join(f"{kind} in {listed(files)}" for kind, files in kinds.items())
            problems.append(Problem(
                N_("not migrated: pool {pool_id} is of different kinds ({given}); pools of "
                   "different kinds cannot share one id in the catalogue: rename one of them",
                   pool_id=quoted(pool_id), given=given),
                element=pool_id))
    return problems


def _currency(source: _Source) -> str:
    return str(source.data.get("currency", "RUB"))


def _currency_clashes(sources: list[_Source]) -> list[Problem]:
    currencies = _groups([(s.file, _currency(s)) for s in sources if s.pools])
    if len(currencies) < 2:
        return []
    given = "; ".join(f"{currency} in {listed(files)}"
                      for currency, files in currencies.items())
    return [Problem(N_("not migrated: the files give their pools in different currencies "
                       "({given}); one catalogue holds one currency", given=given),
                    element="currency")]


def _header(count: int, disagreements: list[Disagreement]) -> list[str]:
    lines = [f"Resource catalogue of this library, made by `abc-costing migrate` from "
             f"{count} model files.",
             "Each pool was defined in the model files; the files now name it by id.",
             ""]
    if not disagreements:
        return [*lines, "The files agreed on every pool."]
    lines += ["Where files disagreed, the value most files give was kept (a tie: the first",
              "file in sorted order); the files that differ keep theirs under overrides:.",
              "Kept values:"]
    return lines + [f"  {d.pool}: {d.aspect}: kept {d.kept} ({d.reason})"
                    for d in disagreements]


# --- an existing catalogue ----------------------------------------------------------------


def _plan_existing_catalogue(directory: Path, sources: list[_Source], loaded: LoadedCatalogue
                             ) -> tuple[MigrationPlan | None, list[Problem]]:
    carrying = [s for s in sources if set(s.pools) & loaded.pool_ids()]
    problems: list[Problem] = []
    for source in carrying:
        for pool_id in set(source.pools) & set(loaded.catalogue.pools):
            mine, theirs = source.pools[pool_id][1], loaded.catalogue.pools[pool_id]
            if pool_aspects(mine)["kind"] != pool_aspects(theirs)["kind"]:
                problems.append(Problem(
                    N_("not migrated: pool {pool_id} is {pool_aspects} here and "
                       "{pool_aspects_2} in {catalogue}; pools of different kinds cannot "
                       "share one id: rename it here", pool_id=quoted(pool_id),
                       pool_aspects=pool_aspects(mine)['kind'],
                       pool_aspects_2=pool_aspects(theirs)['kind'], catalogue=CATALOGUE_NAME),
                    element=pool_id,
                    file=source.file))
    if problems:
        return None, problems
    moves, problems = _moves(carrying, loaded, loaded)
    if has_errors(problems):
        return None, problems
    disagreements = []
    for pool_id in (p for p in loaded.catalogue.pools
                    if any(p in s.pools for s in carrying)):
        theirs = loaded.catalogue.pools[pool_id]
        files = [CATALOGUE_NAME, *(s.file for s in carrying if pool_id in s.pools)]
        given = list(zip(files, pools_aspects(
            [theirs, *(s.pools[pool_id][1] for s in carrying if pool_id in s.pools)]),
            strict=True))
        cost_per = given[0][1]["cost_per"]
        for aspect in _ASPECTS:
            # a file that names no pool name takes the catalogue's: no disagreement
            groups = _groups([(f, a[aspect]) for f, a in given if not (
                aspect == "name" and a[aspect] is None and f != CATALOGUE_NAME)])
            if len(groups) < 2:
                continue
            kept = given[0][1][aspect]
            disagreements.append(Disagreement(
                pool_id, aspect,
                tuple(PoolValue(_shown(aspect, v, cost_per, loaded.catalogue.currency),
                                tuple(f))
                      for v, f in groups.items()),
                _shown(aspect, kept, cost_per, loaded.catalogue.currency),
                f"the catalogue's value ({CATALOGUE_NAME} exists already)", ()))
    return _plan(directory, None, loaded.catalogue.currency, tuple(loaded.catalogue.pools),
                 moves, _with_overrides(disagreements, moves), len(sources)), problems


# --- checking the rewritten files ---------------------------------------------------------


def _moves(sources: list[_Source], loaded: LoadedCatalogue, existing: LoadedCatalogue | None
           ) -> tuple[list[FileMove], list[Problem]]:
    """Each file with pools rewritten against ``loaded``, and checked to cost what it did."""
    moves: list[FileMove] = []
    problems: list[Problem] = []
    for source in sources:
        if not source.pools:
            continue
        before, _ = parse_model_text(source.text, source=source.file,
                                     catalogue=_without(existing, set(source.pools)))
        adoption = adopt_catalogue(source.text, loaded, file=source.file)
        after, found = parse_model_text(adoption.text, source=source.file, catalogue=loaded)
        if before is None or after is None:
            problems += [*found, Problem(N_("not migrated: the file does not read after the "
                                            "move (a fault in abc-costing: please report it "
                                            "with the file)"), file=source.file)]
            continue
        move, found = _checked_move(source, adoption, before, after)
        problems += found
        if move is not None:
            moves.append(move)
    return moves, problems


def _checked_move(source: _Source, adoption: Adoption, before: ProcessModel,
                  after: ProcessModel) -> tuple[FileMove | None, list[Problem]]:
    try:
        cost_before = cost_model(before).cost_per_instance
        cost_after = cost_model(after).cost_per_instance
    except ModelError as error:
        return None, [*(p.located(file=source.file) for p in error.problems),
                      _refusal(source.file)]
    if not math.isclose(cost_before, cost_after, rel_tol=COST_REL_TOLERANCE):
        return None, [Problem(N_("not migrated: the file would cost {cost_after!r} per "
                                 "instance after the move instead of {cost_before!r} (a fault "
                                 "in abc-costing: please report it with the file)",
                                 cost_after=cost_after, cost_before=cost_before), file=source.file)]
    overridden = tuple(dict.fromkeys(d.pool for d in adoption.differences))
    return FileMove(source.file, source.text,
                    hashlib.sha256(source.text.encode("utf-8")).hexdigest(), adoption.text,
                    adoption.moved, overridden, cost_before, cost_after), _taken_over(
                        source.file, adoption.moved, before, after)


def _taken_over(file: str, moved: Sequence[str], before: ProcessModel, after: ProcessModel
                ) -> list[Problem]:
    """Warnings for what a file did not state and now takes from the catalogue.

    An override can only restate a value, not leave one out: a file that gave a
    rate and no capacity now has the catalogue's capacity (its cost is the same;
    its capacity report is not).
    """
    warnings = []
    for pool_id in moved:
        was, now = pools_aspects([before.resources[pool_id], after.resources[pool_id]])
        for aspect in _MONEY_ASPECTS:
            if was[aspect] != now[aspect]:
                cost_per = was["cost_per"]
                warnings.append(Problem(
                    N_("{aspect} was {shown} in this file and is {shown_2} from "
                       "{catalogue} after the move (an override cannot leave a value "
                       "out); its cost per instance is the same", aspect=aspect,
                       shown=_shown(aspect, was[aspect], cost_per, before.currency),
                       shown_2=_shown(aspect, now[aspect], cost_per, after.currency),
                       catalogue=CATALOGUE_NAME), element=pool_id, file=file,
                    severity="warning"))
    return warnings


def _with_overrides(disagreements: list[Disagreement], moves: list[FileMove]
                    ) -> tuple[Disagreement, ...]:
    """Each disagreement with the files that keep their own value under ``overrides:``."""
    overridden: dict[str, set[str]] = {}
    for move in moves:
        for pool_id in move.overridden:
            overridden.setdefault(pool_id, set()).add(move.file)
    result = []
    for d in disagreements:
        kept_by = next((v.files for v in d.values if v.value == d.kept), ())
        files = tuple(f for v in d.values for f in v.files
                      if f in overridden.get(d.pool, set()) and f not in kept_by)
        result.append(dataclasses.replace(d, overridden=tuple(sorted(files))))
    return tuple(result)


def _plan(directory: Path, text: str | None, currency: str, pools: tuple[str, ...],
          moves: list[FileMove], disagreements: Sequence[Disagreement], count: int
          ) -> MigrationPlan:
    return MigrationPlan(directory, CATALOGUE_NAME, text, currency, pools, tuple(moves),
                         tuple(disagreements), count)


# --- writing ------------------------------------------------------------------------------


def write_migration(plan: MigrationPlan, library: ModelLibrary, *, user: User,
                    reason: str | None = None) -> tuple[SavedModel, ...]:
    """Write the plan's catalogue and every rewritten model file as one logged save.

    First, before anything is written, every write is checked to be accepted:
    the change log and the library's anchor must be in a writable state
    (:meth:`ModelLibrary.check_writable`; a log shared with another library
    is refused here) and each file must be as the plan read it. Then
    :meth:`ModelLibrary.write_files` writes the catalogue (new catalogue only)
    and the files under one lock with one journal and one log transaction,
    each with its own entries: all of them or none, also under ``kill -9``
    (a crash after the log committed is completed when the library is next
    opened, so ``migrate --write`` run again finds nothing left to move).

    Raises, with nothing written, :class:`~abc_costing.store.LogTamperedError`
    (the log cannot take this library's writes),
    :class:`~abc_costing.store.model_files.StaleFileError`,
    :class:`~abc_costing.store.model_files.ModelExistsError` (a catalogue
    appeared meanwhile) and the other errors of
    :meth:`ModelLibrary.write_files`; a :class:`~abc_costing.store.ModelWriteError`
    saying the save "cannot be completed or undone yet" means it was logged
    and is finished on the next opening of the library.
    """
    findings = library.check_writable()
    if findings:
        raise LogTamperedError(findings)
    for move in plan.moves:  # every file as planned, before anything is written
        current, text = current_state(plan.directory / move.file)
        if current != move.old_sha256:
            raise StaleFileError(plan.directory / move.file, move.old_sha256, current, text,
                                 name=move.file)
    writes = []
    if plan.catalogue_text is not None:
        writes.append(FileWrite(plan.catalogue_file, plan.catalogue_text, None, (
            Change.whole_file(f"made by migrate from {plan.files_read} model files: pools "
                              f"{', '.join(plan.pools)}"),)))
    for move in plan.moves:
        overrides = f"; kept as overrides: {', '.join(move.overridden)}" if move.overridden else ""
        writes.append(FileWrite(move.file, move.new_text, move.old_sha256, (Change.whole_file(
            f"pools {', '.join(move.moved)} moved to {plan.catalogue_file}{overrides}"),)))
    return library.write_files(writes, user=user, reason=reason)
