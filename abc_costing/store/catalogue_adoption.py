"""Moving resources out of model files into the library's catalogue, and saying what differed.

Two user actions need it: saving an imported model into a library that has a
catalogue (its resources repeat pools the catalogue already defines), and
``abc-costing migrate`` (a library of self-contained files gets one catalogue).
Either way a pool defined in a file is replaced by a reference to the catalogue;
where the file's pool means something else (another rate, capacity, headcount
or name), the file keeps exactly that difference under ``overrides:``, so its
figures do not change, and the difference is reported.

Examples
--------
>>> from abc_costing.formats.catalogue import parse_catalogue_text
>>> loaded, _ = parse_catalogue_text('''
... format: abc-costing-resources/1
... pools: {clerk: {kind: labor, rate_per_hour: 600}}
... ''')
>>> text = '''format: abc-costing/1
... process: p
... variant: v
... resources:
...   clerk: {kind: labor, rate_per_hour: 660}   # the clerk of this branch
... activities: {a: {labor: {clerk: 10}}}
... '''
>>> adopted = adopt_catalogue(text, loaded, file="p/v.yaml")
>>> print(adopted.text)
format: abc-costing/1
process: p
variant: v
activities: {a: {labor: {clerk: 10}}}
overrides: {clerk: {rate_per_hour: 660}}
<BLANKLINE>
>>> print(*adopted.differences)  # doctest: +NORMALIZE_WHITESPACE
p/v.yaml: clerk: cost differs from the catalogue (file: rate_per_hour 660;
    catalogue: rate_per_hour 600); kept as an override
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from abc_costing.formats import parse_yaml_data
from abc_costing.formats.catalogue import LoadedCatalogue
from abc_costing.model import LaborResource, PerUseResource, Resource, ResourceRecord
from abc_costing.store.edits import Edit, apply_edits

__all__ = ["Adoption", "CostBasis", "Difference", "adopt_catalogue", "cost_basis", "pool_aspects",
           "pools_aspects"]

#: The written fields that make up each aspect of a pool.
_ASPECT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "cost": ("rate_per_hour", "cost_per_month", "salary_per_month", "bonus_per_month",
             "contributions", "injury_class", "cost_per_use", "year"),
    "capacity": ("capacity_hours_per_month", "hours_per_day", "days_per_month",
                 "unproductive_share", "productive_share"),
    "headcount": ("headcount",),
}
_MONEY_ASPECTS = ("cost", "capacity", "headcount")
#: What a pool's ``cost`` aspect is per: the whole pool's month, a minute of work, one use.
CostBasis = Literal["month", "minute", "use"]


@dataclass(frozen=True)
class Difference:
    """One aspect of a pool on which a file and the catalogue (or two files) disagree.

    Attributes:
      file: the file whose value differs.
      pool: the pool id.
      aspect: ``name``, ``cost``, ``capacity``, ``headcount`` or ``kind``.
      file_value, catalogue_value: the written fields of that aspect, as text.
      kept: what became of the file's value (``kept as an override``, ...).
    """

    file: str
    pool: str
    aspect: str
    file_value: str
    catalogue_value: str
    kept: str

    def __str__(self) -> str:
        return (f"{self.file}: {self.pool}: {self.aspect} differs from the catalogue "
                f"(file: {self.file_value}; catalogue: {self.catalogue_value}); {self.kept}")


@dataclass(frozen=True)
class Adoption:
    """A model file's text rewritten to take its pools from the catalogue.

    Attributes:
      text: the new text (comments and order kept; see ``apply_edits``).
      moved: ids of the pools now taken from the catalogue.
      differences: where the file's pool meant something else (kept as overrides).
    """

    text: str
    moved: tuple[str, ...]
    differences: tuple[Difference, ...]


def pool_aspects(resource: ResourceRecord, *, cost_per: CostBasis | None = None
                 ) -> dict[str, Any]:
    """What a pool means, aspect by aspect, whichever way its figures are written.

    ``cost`` is what the pool's money is stated as, ``cost_per`` says per
    what: ``month`` (the whole pool's cost per month, for a pool priced by
    ``cost_per_month`` or a payroll over its capacity), ``minute`` (the rate,
    for a pool priced per hour) or ``use``. So two definitions of a pool priced
    per month that differ only in their capacity differ in ``capacity``, not
    in ``cost`` (their rates differ only because the hours do). Definitions
    compared with each other must be on one footing: pass the basis of
    :func:`cost_basis` of them all (a pool priced per month compared with one
    priced per hour is compared by its rate).

    >>> a = Resource.validate_python({"kind": "labor", "cost_per_month": 585900,
    ...                               "capacity_hours_per_month": 360, "headcount": 3})
    >>> b = Resource.validate_python({"kind": "labor", "salary_per_month": 150000, "year": 2026,
    ...                               "capacity_hours_per_month": 360, "headcount": 3})
    >>> pool_aspects(a) == pool_aspects(b), pool_aspects(a)["cost"]
    (True, 585900.0)
    >>> c = Resource.validate_python({"kind": "labor", "cost_per_month": 585900,
    ...                               "capacity_hours_per_month": 300, "headcount": 3})
    >>> [k for k in ("cost", "capacity") if pool_aspects(a)[k] != pool_aspects(c)[k]]
    ['capacity']
    >>> hourly = Resource.validate_python({"kind": "labor", "rate_per_hour": 1627.5})
    >>> basis = cost_basis([a, hourly])  # one priced per hour: compared by the rate
    >>> basis, pool_aspects(a, cost_per=basis)["cost"] * 60  # 585 900 / 360 h
    ('minute', 1627.5)
    """
    match resource:
        case LaborResource():
            basis = cost_per or cost_basis([resource])
            cost = (round(resource.rate_per_minute, 9) if basis == "minute"
                    else round(float(resource.cost_per_month or 0.0), 6))
            return {"kind": "labor", "name": resource.name, "cost": cost, "cost_per": basis,
                    "capacity": resource.capacity_hours_per_month,
                    "headcount": resource.headcount}
        case PerUseResource():
            return {"kind": "per_use", "name": resource.name, "cost": resource.cost_per_use,
                    "cost_per": "use", "capacity": None, "headcount": None}


def cost_basis(resources: Sequence[ResourceRecord]) -> CostBasis:
    """The footing on which definitions of one labour pool compare their cost.

    ``month`` when every labour definition is priced per month (its cost per
    month given, or derived from a payroll, and no ``rate_per_hour``), else
    ``minute`` (the rate, the one figure every definition has).
    """
    labor = [r for r in resources if isinstance(r, LaborResource)]
    if labor and all(r.rate_per_hour is None and r.cost_per_month is not None for r in labor):
        return "month"
    return "minute"


def pools_aspects(resources: Sequence[ResourceRecord]) -> list[dict[str, Any]]:
    """:func:`pool_aspects` of several definitions of one pool, on one footing."""
    basis = cost_basis(resources)
    return [pool_aspects(r, cost_per=basis) for r in resources]


def _written(pool: Mapping[str, Any], aspect: str) -> str:
    fields = [f"{key} {pool[key]:g}" if isinstance(pool[key], int | float)
              and not isinstance(pool[key], bool) else f"{key} {pool[key]}"
              for key in _ASPECT_FIELDS[aspect] if key in pool]
    return ", ".join(fields) or "not given"


def adopt_catalogue(text: str, loaded: LoadedCatalogue, *, file: str) -> Adoption:
    """``text`` with every resource the catalogue defines taken from the catalogue.

    Resources the catalogue does not define stay in the file. A pool of
    another kind in the file is left where it is (the reader then reports it
    as defined twice: it needs a new id, which only its author can choose).
    """
    data, _ = parse_yaml_data(text)
    if not isinstance(data, dict) or not isinstance(data.get("resources"), dict):
        return Adoption(text, (), ())
    own: dict[str, Any] = data["resources"]
    overrides: dict[str, Any] = (data["overrides"] if isinstance(data.get("overrides"), dict)
                                 else {})
    edits: list[Edit] = []
    moved: list[str] = []
    differences: list[Difference] = []
    for pool_id, written in own.items():
        catalogue_pool = loaded.catalogue.pools.get(pool_id)
        if catalogue_pool is None or not isinstance(written, dict):
            continue
        try:
            resource = Resource.validate_python(written)
        except ValidationError:
            continue  # a broken pool stays where its author can see the error
        mine, theirs = pools_aspects([resource, catalogue_pool])
        catalogue_written = loaded.written.get(pool_id, {})
        if mine["kind"] != theirs["kind"]:
            differences.append(Difference(file, pool_id, "kind", mine["kind"], theirs["kind"],
                                          "left in the file: give it another id"))
            continue
        moved.append(pool_id)
        edits.append(Edit(("resources", pool_id), pool_id, "(pool)", written, None))
        differing = [aspect for aspect in ("name", "cost", "capacity", "headcount")
                     if mine[aspect] != theirs[aspect]
                     and not (aspect == "name" and mine[aspect] is None)]
        differences += [Difference(file, pool_id, aspect, _written(written, aspect),
                                   _written(catalogue_written, aspect), "kept as an override")
                         for aspect in differing]
        # A rate from a monthly cost depends on the capacity and the headcount too, so
        # any money difference keeps the file's whole money definition.
        kept = [*(["name"] if "name" in differing else []),
                *(_MONEY_ASPECTS if set(differing) & set(_MONEY_ASPECTS) else [])]
        for key in (k for aspect in kept for k in _ASPECT_FIELDS[aspect]):
            if key in written and key not in (overrides.get(pool_id) or {}):
                edits.append(Edit(("overrides", pool_id, key), pool_id, key, None,
                                  written[key]))
    if not moved:
        return Adoption(text, (), tuple(differences))
    if len(moved) == len(own):
        edits.append(Edit(("resources",), "resources", "(section)", own, None))
    return Adoption(apply_edits(text, edits), tuple(moved), tuple(differences))
