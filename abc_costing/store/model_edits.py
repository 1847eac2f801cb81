"""The edits that turn a model file into another model: a redesign's readable diff.

A redesign move (:mod:`abc_costing.advisor.moves`) builds the moved model in
memory; to save it like any other edit (comments kept, every changed value in
the change log) it has to become :class:`~abc_costing.store.edits.Edit` records
against the file it came from. :func:`model_edits` compares the two models
element by element and says each difference in the file's own words: a record
added or removed whole (``robot_enter · resource``), a field changed
(``check · other_cost: 0 → 100``), a key of ``labor``/``uses`` added or removed
(``enter · labor.clerk: 30 → (removed)``), a flow replaced, removed or added
(``flows[3] · flow: [enter, retype] → [enter, e]``). Applied to the file's text
with :func:`~abc_costing.store.edits.apply_edits` in the order given, they give
a file that reads back as the moved model.

Flows are a list: a flow removed from the middle shifts the ones after it. The
edits of the list are given from its end backwards, so each one's index is the
flow's index in the original file, and new flows are appended at the end.

Examples
--------
>>> from abc_costing.model import ProcessModel
>>> from abc_costing.store.edits import apply_edits
>>> text = '''format: abc-costing/1
... process: p
... variant: v
... resources:
...   clerk: {kind: labor, rate_per_hour: 600}
... activities:
...   enter: {labor: {clerk: 30}}
...   retype: {labor: {clerk: 6}, value: waste}   # typed twice
... events:
...   s: {kind: start}
...   e: {kind: end}
... flows:
...   - [s, enter]
...   - [enter, retype]
...   - [retype, e]
... '''
>>> import yaml
>>> data = yaml.safe_load(text)
>>> base = ProcessModel.model_validate(data)
>>> moved = base.model_copy(update={
...     "activities": {"enter": base.activities["enter"]},
...     "flows": [base.flows[0], base.flows[1]._replace(target="e")]})
>>> edits = model_edits(data, base, moved)
>>> [(e.element, e.field, e.old_text, e.new_text) for e in edits]
[('retype', 'activity', '{labor: {clerk: 6}, value: waste}', None), \
('flows[2]', 'flow', '[retype, e]', None), ('flows[1]', 'flow', '[enter, retype]', '[enter, e]')]
>>> ProcessModel.model_validate(yaml.safe_load(apply_edits(text, edits))) == moved
True
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from pydantic import BaseModel

from abc_costing.model import Flow, ProcessModel
from abc_costing.problems import AbcCostingError
from abc_costing.store.edits import ABSENT, Edit, value_at

__all__ = ["model_edits", "UnsavableChangeError"]

#: The sections of a model file that hold records by id, and what one record is called.
_SECTIONS = {"resources": "resource", "activities": "activity", "gateways": "gateway",
             "events": "event", "case_classes": "case class"}
#: A record's fields that map keys to values: their keys are edited one by one.
_MAPPING_FIELDS = ("labor", "uses", "one_of")


class UnsavableChangeError(AbcCostingError, ValueError):
    """The changed model differs in a way its file cannot say by edits (a pool of the
    library's catalogue changed: that is the catalogue's to change, for every variant)."""


def _old(data: Any, path: Sequence[str | int], fallback: Any) -> Any:
    """The value at ``path`` as written in the file; ``fallback`` when it is not written."""
    found = value_at(data, path)
    return fallback if found is ABSENT else found


def _plain(value: Any) -> Any:
    """``value`` with whole floats as integers, as people write them (``5``, not ``5.0``).

    >>> _plain({"labor": {"director": 2.0, "clerk": 7.5}, "flow": ["a", "b", 1.0]})
    {'labor': {'director': 2, 'clerk': 7.5}, 'flow': ['a', 'b', 1]}
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _file_form(record: BaseModel) -> dict[str, Any]:
    """A record as a file writes it: the values that differ from the defaults."""
    return record.model_dump(exclude_defaults=True)


def _record_edits(data: Any, section: str, record_id: str, old: BaseModel | None,
                  new: BaseModel | None) -> list[Edit]:
    """The edits turning record ``old`` of ``section`` into ``new`` (either may be None)."""
    path: tuple[str | int, ...] = (section, record_id)
    what = _SECTIONS[section]
    if old is None or new is None:
        before = None if old is None else _old(data, path, _file_form(old))
        return [Edit(path, record_id, what, before, None if new is None else _file_form(new))]
    edits = []
    old_form, new_form = old.model_dump(), new.model_dump()
    for field, info in type(new).model_fields.items():
        if getattr(old, field) == getattr(new, field):
            continue
        if field in _MAPPING_FIELDS:
            was, now = old_form[field], new_form[field]
            for key in dict.fromkeys([*was, *now]):
                if was.get(key, ABSENT) != now.get(key, ABSENT):
                    edits.append(Edit((*path, field, key), record_id, f"{field}.{key}",
                                      _old(data, (*path, field, key), was.get(key)),
                                      now.get(key)))
            continue
        default = info.get_default(call_default_factory=True)
        edits.append(Edit((*path, field), record_id, field,
                          _old(data, (*path, field), None),
                          None if getattr(new, field) == default else new_form[field]))
    return edits


def _flow_form(flow: Flow) -> list[Any]:
    source, target, probability = flow
    return [source, target] if probability is None else [source, target, probability]


def _flow_key(flow: Flow) -> tuple[Any, ...]:
    """A flow as a hashable key (a probability by case class is a mapping)."""
    source, target, probability = flow
    if isinstance(probability, dict):
        return source, target, tuple(sorted(probability.items()))
    return source, target, probability


def _flow_edits(data: Any, old: Sequence[Flow], new: Sequence[Flow]) -> list[Edit]:
    """The edits turning the flow list ``old`` into ``new``, from the end of the list back.

    Flows that stay are matched in order (:class:`difflib.SequenceMatcher`); a
    flow replaced is set in place, one removed is deleted, one added is
    appended. A flow inserted between two that stay cannot be said by an edit
    of the list (an edit sets, deletes or appends): then every flow from the
    first difference on is set in place.
    """
    def edit(index: int, before: Flow | None, after: Flow | None) -> Edit:
        path = ("flows", index)
        old_form = None if before is None else _old(data, path, _flow_form(before))
        return Edit(path, f"flows[{index}]", "flow", old_form,
                    None if after is None else _flow_form(after))

    opcodes = difflib.SequenceMatcher(a=[_flow_key(f) for f in old],
                                      b=[_flow_key(f) for f in new],
                                      autojunk=False).get_opcodes()
    if any(tag in ("insert", "replace") and i2 < len(old) and j2 - j1 > i2 - i1
           for tag, i1, i2, j1, j2 in opcodes):
        first = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
                     min(len(old), len(new)))
        opcodes = [("replace", first, len(old), first, len(new))]
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in reversed(opcodes):
        if tag == "equal":
            continue
        common = min(i2 - i1, j2 - j1)
        # appended first (the list still ends at i2), then deleted from the end back
        edits += [edit(i2 + k, None, new[j1 + common + k])
                  for k in range(j2 - j1 - common)]
        edits += [edit(i, old[i], None) for i in reversed(range(i1 + common, i2))]
        edits += [edit(i1 + k, old[i1 + k], new[j1 + k]) for k in reversed(range(common))]
    return edits


def model_edits(data: Mapping[str, Any], base: ProcessModel,
                changed: ProcessModel, *,
                catalogue: Mapping[str, BaseModel] | None = None) -> list[Edit]:
    """The edits that turn the file ``data`` (read as ``base``) into one read as ``changed``.

    ``data`` is the file's parsed YAML: the old values are shown as written
    there. Pools of the library's catalogue are not the file's: a change to one
    raises :class:`UnsavableChangeError`; a new pool goes into the file's own
    ``resources``, unless it is the ``catalogue``'s pool of that id as it stands
    there (the file's reader takes it from the catalogue as soon as a task uses
    it; written in the file too, it would be defined twice). See the module
    docstring for the form of the edits.
    """
    edits: list[Edit] = []
    shared = set(base.catalogue.pools) if base.catalogue else set()
    from_catalogue = catalogue or {}
    for section in _SECTIONS:
        old_records: Mapping[str, BaseModel] = getattr(base, section)
        new_records: Mapping[str, BaseModel] = getattr(changed, section)
        for record_id in dict.fromkeys([*old_records, *new_records]):
            old, new = old_records.get(record_id), new_records.get(record_id)
            if old == new:
                continue
            if section == "resources" and old is None and \
                    from_catalogue.get(record_id) == new:
                continue
            if record_id in shared and section == "resources":
                raise UnsavableChangeError(
                    f"{record_id} is a pool of the library's catalogue: change it there")
            edits += _record_edits(data, section, record_id, old, new)
    for field, info in ProcessModel.model_fields.items():
        if field in _SECTIONS or field == "flows":
            continue
        value = getattr(changed, field)
        if getattr(base, field) != value:
            default = info.get_default(call_default_factory=True)
            edits.append(Edit((field,), field, field, _old(data, (field,), None),
                              None if value == default else changed.model_dump(
                                  include={field})[field]))
    if base.flows != changed.flows:
        edits += _flow_edits(data, base.flows, changed.flows)
    return [replace(edit, new=_plain(edit.new)) for edit in edits]
