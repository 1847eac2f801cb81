"""Editing a model through tables: the rows an analyst sees, and the edits they make.

The dashboard shows a model as three tables (activities, resources, flows),
lets the analyst change cells, and hands the edited tables back here.
:func:`diff_tables` turns them into :class:`Edit` records (key path, old and
new value) plus problems for cells that cannot be read; :func:`apply_edits`
writes the edits into the file's text with comments kept; the caller then
validates the new text like any other model file, so a browser's column
limits are never the only defence.

Durations are shown as text: ``45``, ``triangular 30 45 90``,
``pert 10 20 60``, ``uniform 10 20`` or ``lognormal 42 12`` (mean, sd).

Examples
--------
>>> from abc_costing.formats import load_model
>>> path = "process_models/contract_approval/as_is.yaml"
>>> model = load_model(path)
>>> tables = model_tables(model)
>>> tables.activities.loc["draft", "labor: manager"]
'pert 40 60 150'
>>> edited = tables.activities.copy()
>>> edited.loc["draft", "labor: manager"] = "45"
>>> edits, problems = diff_tables(model, tables, edited_activities=edited)
>>> [(e.element, e.field, e.old_text, e.new_text) for e in edits]
[('draft', 'labor.manager', '{pert: [40, 60, 150]}', '45')]
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any, assert_never

from abc_costing.formats.roundtrip import EditableModel
from abc_costing.formats.typed_numbers import parse_typed_number
from abc_costing.i18n import N_
from abc_costing.model import (
    VALUE_CLASSES,
    Duration,
    LaborResource,
    PerUseResource,
    ProcessModel,
    ResourceRecord,
)
from abc_costing.problems import Problem, cut

if TYPE_CHECKING:
    import pandas as pd  # for annotations; the table builders import it (~0.5 s of CPU)


__all__ = [
    "Edit",
    "ModelTables",
    "model_tables",
    "diff_tables",
    "apply_edits",
    "apply_edits_to_data",
    "duration_text",
    "parse_duration_text",
    "value_text",
    "number_cell",
    "LABOR_PREFIX",
    "USES_PREFIX",
]

LABOR_PREFIX = "labor: "
USES_PREFIX = "uses: "
RESOURCE_NUMBERS = ("rate_per_hour", "cost_per_month", "capacity_hours_per_month", "cost_per_use")


@dataclass(frozen=True)
class Edit:
    """One changed value of a model file.

    Attributes:
      path: key path in the file (see :class:`~abc_costing.formats.roundtrip.EditableModel`).
      element: the element id (``draft``, ``lawyer``, ``flows[4]``).
      field: the field within it, dotted (``labor.manager``, ``probability``).
      old: the value before, in file form (``None`` when it was absent).
      new: the value after, in file form (``None`` removes the key).
    """

    path: tuple[str | int, ...]
    element: str
    field: str
    old: Any
    new: Any

    @property
    def old_text(self) -> str | None:
        """The old value as written in a file."""
        return None if self.old is None else value_text(self.old)

    @property
    def new_text(self) -> str | None:
        """The new value as written in a file."""
        return None if self.new is None else value_text(self.new)


@dataclass(frozen=True)
class ModelTables:
    """A model as the three tables an analyst edits (indexed by id).

    Attributes:
      activities: name, value, other_cost, wait, then one ``labor: <resource>``
        text column per labor resource and one ``uses: <resource>`` number
        column per per_use resource.
      resources: name, kind, rate_per_hour, cost_per_month,
        capacity_hours_per_month, cost_per_use.
      flows: from, to, probability (indexed by the flow's position).
    """

    activities: pd.DataFrame
    resources: pd.DataFrame
    flows: pd.DataFrame


def value_text(value: Any) -> str:
    """A file-form value as YAML flow text: ``45``, ``{pert: [10, 20, 60]}``.

    >>> value_text({"triangular": [30.0, 45.0, 90.0]}), value_text(0.25), value_text(1200.0)
    ('{triangular: [30, 45, 90]}', '0.25', '1200')
    >>> value_text(0.000001)
    '0.000001'
    """
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")  # 0.000001, never 1e-06
    return str(value)


def _number_text(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def duration_text(duration: Duration) -> str:
    """A duration as a table cell: ``45`` or ``triangular 30 45 90``."""
    numbers = " ".join(_number_text(p) for p in duration.parameters)
    return numbers if duration.distribution == "fixed" else f"{duration.distribution} {numbers}"


def parse_duration_text(text: str) -> Any:
    """Read a duration cell back into file form; raise ValueError in plain words.

    One number of minutes is read like any typed number (``1 500,5`` or
    ``1500.5``, see :mod:`abc_costing.formats.typed_numbers`); a distribution
    is its name and its numbers separated by spaces, ``;`` or ``, `` (a comma
    between two digits is a decimal mark): ``triangular 12,5 20 30``.

    >>> parse_duration_text("pert 10 20 60"), parse_duration_text(" 45 ")
    ({'pert': [10, 20, 60]}, 45)
    >>> parse_duration_text("1 500,5"), parse_duration_text("triangular 12,5; 20, 30")
    (1500.5, {'triangular': [12.5, 20, 30]})
    """
    text = str(text)
    words = [w for w in re.split(r"[;\s]+|,(?=\s)", text.strip()) if w]
    if not words:
        raise ValueError("is empty; write minutes (45) or a distribution (triangular 30 45 90)")
    if not words[0][:1].isalpha():
        minutes = _whole_number(parse_typed_number(text))
        Duration.model_validate(minutes)
        return minutes
    name, numbers = words[0].lower(), words[1:]
    if name not in ("triangular", "pert", "uniform", "lognormal"):
        raise ValueError(f"{cut(words[0])!r} is neither minutes nor a distribution "
                         "(triangular, pert, uniform, lognormal)")
    values = [_whole_number(parse_typed_number(word)) for word in numbers]
    wanted = {"triangular": 3, "pert": 3, "uniform": 2, "lognormal": 2}[name]
    if len(values) != wanted:
        # "pert 1 500 2 000 3 000": spaces separate the numbers here, so none may group digits
        raise ValueError(f"{name} needs {wanted} numbers, got {len(values)} in "
                         f"{cut(text)!r}: separate them by spaces and write each "
                         f"without spaces inside it ({name} "
                         f"{' '.join(['1500', '2000', '3000'][:wanted])})")
    if name == "lognormal":
        form: Any = {"lognormal": {"mean": values[0], "sd": values[1]}}
    else:
        form = {name: values}
    Duration.model_validate(form)  # the same rules as in a file
    return form


def _whole_number(number: float) -> float | int:
    return int(number) if number.is_integer() else number


def _activity_column(resource_id: str, resource: ResourceRecord) -> str:
    """The activities-table column where an activity's use of a resource is edited."""
    match resource:
        case LaborResource():
            return LABOR_PREFIX + resource_id  # minutes, a duration
        case PerUseResource():
            return USES_PREFIX + resource_id  # units
        case _:
            assert_never(resource)


def _editable_fields(resource: ResourceRecord) -> tuple[str, ...]:
    """The number fields of a resource the resources table edits."""
    match resource:
        case LaborResource():
            return ("rate_per_hour", "cost_per_month", "capacity_hours_per_month")
        case PerUseResource():
            return ("cost_per_use",)
        case _:
            assert_never(resource)


def model_tables(model: ProcessModel) -> ModelTables:
    """The tables the Edit page shows for ``model``."""
    columns = {r: _activity_column(r, res) for r, res in model.resources.items()}
    labor_ids = [r for r, column in columns.items() if column.startswith(LABOR_PREFIX)]
    use_ids = [r for r, column in columns.items() if column.startswith(USES_PREFIX)]
    activity_rows = []
    for activity_id, activity in model.activities.items():
        row: dict[str, Any] = {
            "id": activity_id,
            "name": activity.name or "",
            "value": activity.value,
            "other_cost": number_cell(activity.other_cost),
            "wait": duration_text(activity.wait),
        }
        for r in labor_ids:
            row[LABOR_PREFIX + r] = (
                duration_text(activity.labor[r]) if r in activity.labor else ""
            )
        for r in use_ids:
            row[USES_PREFIX + r] = number_cell(activity.uses.get(r))
        activity_rows.append(row)
    resource_rows = []
    # Pools of the library's catalogue are edited once, there, for every variant.
    for resource_id, resource in model.own_resources().items():
        row = {"id": resource_id, "name": resource.name or "", "kind": resource.kind}
        for field in RESOURCE_NUMBERS:
            value = getattr(resource, field, None)
            row[field] = number_cell(value)
        resource_rows.append(row)
    flow_rows = [
        {"index": i, "from": f.source, "to": f.target,
         "probability": _probability_cell(f.probability)}
        for i, f in enumerate(model.flows)
    ]
    import pandas as pd  # here: saving a mined model applies edits without any table

    activity_columns = ["id", "name", "value", "other_cost", "wait",
                        *(LABOR_PREFIX + r for r in labor_ids), *(USES_PREFIX + r for r in use_ids)]
    return ModelTables(
        activities=pd.DataFrame(activity_rows, columns=activity_columns).set_index("id"),
        resources=pd.DataFrame(resource_rows, columns=["id", "name", "kind",
                                                       *RESOURCE_NUMBERS]).set_index("id"),
        flows=pd.DataFrame(flow_rows, columns=["index", "from", "to", "probability"]
                           ).set_index("index"),
    )


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    import pandas as pd  # loaded already: the cells come from the editor's DataFrame

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def number_cell(value: float | None) -> str:
    """A number as the Edit page shows it in a text cell: ``600``, ``0.3``, blank for none.

    >>> number_cell(600.0), number_cell(0.3), number_cell(None)
    ('600', '0.3', '')
    """
    return "" if value is None else _number_text(value)


def _probability_cell(probability: float | dict[str, float] | None) -> str:
    """A flow's probability as the Edit page shows it; one by case class as
    ``small: 0; large: 1`` (shown, not edited here).

    >>> _probability_cell(0.25), _probability_cell({"small": 0.0, "large": 1.0})
    ('0.25', 'small: 0; large: 1')
    """
    if isinstance(probability, dict):
        return "; ".join(f"{class_id}: {number_cell(p)}" for class_id, p in probability.items())
    return number_cell(probability)


def _cell_number(value: Any, *, element: str, field: str, problems: list[Problem]) -> Any:
    """A number cell as int or float, None when blank; a problem when it is not a number.

    Cells are text typed by the user and read by one rule, whatever the
    browser's language (:func:`~abc_costing.formats.typed_numbers.parse_typed_number`);
    every amount in a model is zero or more, so a negative is refused, never
    turned positive.
    """
    if _missing(value):
        return None
    if isinstance(value, bool):
        problems.append(Problem(N_("{field}: must be a number (got {value!r})", field=field,
                                   value=value), element=element))
        return None
    try:
        number = (parse_typed_number(value) if isinstance(value, str) else float(value))
    except (TypeError, ValueError) as error:
        problems.append(Problem(f"{field}: {error}" if isinstance(value, str)
                                else f"{field}: must be a number (got {value!r})",
                                element=element))
        return None
    if not math.isfinite(number):
        problems.append(Problem(N_("{field}: must be a finite number (got {value!r})",
                                   field=field, value=value),
                                element=element))
        return None
    if number < 0:
        problems.append(Problem(N_("{field}: must not be negative (got {value})", field=field,
                                   value=cut(str(value))),
                                element=element))
        return None
    return _whole_number(number)


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(float(a), float(b), rel_tol=0, abs_tol=0)
    return a == b


def _rows_must_match(original: pd.DataFrame, edited: pd.DataFrame, what: str) -> list[Problem]:
    problems = []
    added = [i for i in edited.index if i not in original.index]
    removed = [i for i in original.index if i not in edited.index]
    for i in added:
        problems.append(Problem(N_("rows cannot be added to the {what} table here; edit the "
                                   "model file to add elements", what=what), element=str(i)))
    for i in removed:
        problems.append(Problem(N_("rows cannot be removed from the {what} table here; edit "
                                   "the model file to remove elements", what=what), element=str(i)))
    return problems


def diff_tables(
    model: ProcessModel,
    tables: ModelTables,
    *,
    edited_activities: pd.DataFrame | None = None,
    edited_resources: pd.DataFrame | None = None,
    edited_flows: pd.DataFrame | None = None,
) -> tuple[list[Edit], list[Problem]]:
    """Compare edited tables with the model's own; return the edits and cell problems.

    Every cell is read on the server by the same rules as a file (durations,
    numbers, value classes); what cannot be read is a problem naming the
    element and the column, and produces no edit.
    """
    edits: list[Edit] = []
    problems: list[Problem] = []
    if edited_activities is not None:
        problems += _rows_must_match(tables.activities, edited_activities, "activities")
        for activity_id, row in _rows(edited_activities):
            if activity_id in model.activities:
                _activity_edits(model, str(activity_id), row, edits, problems)
    if edited_resources is not None:
        problems += _rows_must_match(tables.resources, edited_resources, "resources")
        for resource_id, row in _rows(edited_resources):
            if resource_id in model.resources:
                _resource_edits(model, str(resource_id), row, edits, problems)
    if edited_flows is not None:
        problems += _rows_must_match(tables.flows, edited_flows, "flows")
        for index, row in _rows(edited_flows):
            if isinstance(index, int | float) and 0 <= int(index) < len(model.flows):
                _flow_edits(model, int(index), row, edits, problems)
    return edits, problems


def _rows(frame: pd.DataFrame) -> Iterator[tuple[Any, Any]]:
    """``(index, row)`` for each row of ``frame``, as ``DataFrame.iterrows`` gives them.

    The Edit page diffs every row on every rerun, and building a Series per row was
    three quarters of that diff's time. The editor's tables have only float64 and str
    columns, whose cells ``frame.values`` holds as they are, so their rows are plain
    dicts; any other table goes through ``iterrows``.
    """
    if not frame.columns.is_unique or not frame.dtypes.astype(str).isin(["float64", "str"]).all():
        yield from frame.iterrows()
        return
    columns = list(frame.columns)
    for index, values in zip(frame.index, frame.values, strict=True):
        yield index, dict(zip(columns, values, strict=True))


def _activity_edits(model, activity_id, row, edits, problems) -> None:
    activity = model.activities[activity_id]
    base = ("activities", activity_id)
    name = "" if _missing(row.get("name")) else str(row["name"]).strip()
    if name != (activity.name or ""):
        edits.append(Edit((*base, "name"), activity_id, "name", activity.name, name or None))
    value = row.get("value")
    if value not in VALUE_CLASSES:
        problems.append(Problem(N_("value: must be one of {classes} (got {value!r})",
                                   classes=', '.join(VALUE_CLASSES), value=value),
                                element=activity_id))
    elif value != activity.value:
        edits.append(Edit((*base, "value"), activity_id, "value", activity.value, value))
    other = _cell_number(row.get("other_cost"), element=activity_id, field="other_cost",
                         problems=problems)
    other = 0 if other is None else other
    if not _same(float(other), activity.other_cost):
        edits.append(Edit((*base, "other_cost"), activity_id, "other_cost",
                          activity.other_cost, other))
    _duration_edit(row.get("wait"), activity.wait, (*base, "wait"), activity_id, "wait",
                   edits, problems, blank_means_zero=True)
    for column in row.keys():
        if column.startswith(LABOR_PREFIX):
            resource_id = column[len(LABOR_PREFIX):]
            _duration_edit(row[column], activity.labor.get(resource_id),
                           (*base, "labor", resource_id), activity_id, f"labor.{resource_id}",
                           edits, problems, blank_means_zero=False)
        elif column.startswith(USES_PREFIX):
            resource_id = column[len(USES_PREFIX):]
            units = _cell_number(row[column], element=activity_id, field=f"uses.{resource_id}",
                                 problems=problems)
            before = activity.uses.get(resource_id)
            after = None if units in (None, 0) else units
            if not _same(after, before):
                edits.append(Edit((*base, "uses", resource_id), activity_id,
                                  f"uses.{resource_id}", before, after))


def _duration_edit(cell, before: Duration | None, path, element, field, edits, problems, *,
                   blank_means_zero: bool) -> None:
    if _missing(cell):
        new_form = 0 if blank_means_zero else None  # a blank labour cell removes the role
    else:
        try:
            new_form = parse_duration_text(str(cell))
        except ValueError as err:
            problems.append(Problem(N_("{field}: {first_reason}", field=field,
                                       first_reason=_first_reason(err)), element=element))
            return
    old_form = None if before is None else before.model_dump()
    if new_form is None or old_form is None:
        if new_form is None and old_form is None:
            return
    elif Duration.model_validate(new_form) == before:
        return
    edits.append(Edit(path, element, field, old_form, new_form))


def _first_reason(err: ValueError) -> str:
    """The user-facing sentence of a ValueError, also from a pydantic ValidationError."""
    text = str(err)
    if "Value error, " in text:
        text = text.split("Value error, ", 1)[1]
    return text.splitlines()[0].split(" [type=")[0].strip()


def _resource_edits(model, resource_id, row, edits, problems) -> None:
    resource = model.resources[resource_id]
    base = ("resources", resource_id)
    name = "" if _missing(row.get("name")) else str(row["name"]).strip()
    if name != (resource.name or ""):
        edits.append(Edit((*base, "name"), resource_id, "name", resource.name, name or None))
    if str(row.get("kind")) != resource.kind:
        problems.append(Problem(N_("kind cannot be changed here; edit the model file"),
                                element=resource_id))
    fields = _editable_fields(resource)
    for field in RESOURCE_NUMBERS:
        number = _cell_number(row.get(field), element=resource_id, field=field,
                              problems=problems)
        before = getattr(resource, field, None)
        if field not in fields:
            if number is not None:
                problems.append(Problem(N_("{field} does not apply to a {kind} resource",
                                           field=field, kind=resource.kind),
                                        element=resource_id))
            continue
        if not _same(number, before):
            edits.append(Edit((*base, field), resource_id, field, before, number))


def _flow_edits(model, index, row, edits, problems) -> None:
    flow = model.flows[index]
    element = f"flows[{index}]"
    if str(row.get("from")) != flow.source or str(row.get("to")) != flow.target:
        problems.append(Problem(N_("the ends of a flow cannot be changed here; edit the model "
                                   "file"), element=element))
    if isinstance(flow.probability, dict):
        if str(row.get("probability") or "").strip() != _probability_cell(flow.probability):
            problems.append(Problem(N_("the probabilities of a flow by case class cannot be "
                                       "changed here yet; edit the model file"),
                                    element=element))
        return
    probability = _cell_number(row.get("probability"), element=element, field="probability",
                               problems=problems)
    if not _same(probability, flow.probability):
        edits.append(Edit(("flows", index, 2), element, "probability", flow.probability,
                          probability))


#: What :func:`value_at` returns for a path the data does not have (None is a value there).
ABSENT = object()


def value_at(data: Any, path: Sequence[str | int]) -> Any:
    """The value at key path ``path`` of parsed file data, or :data:`ABSENT`.

    >>> value_at({"flows": [["s", "a", 0.5]]}, ("flows", 0, 2)), value_at({}, ("x",)) is ABSENT
    (0.5, True)
    """
    node = data
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return ABSENT
    return node


def apply_edits_to_data(data: dict[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    """A copy of parsed file data with ``edits`` applied (the fast path for live previews).

    >>> data = {"flows": [["s", "a"], ["x", "b", 0.5]], "activities": {"a": {}}}
    >>> apply_edits_to_data(data, [Edit(("activities", "a", "other_cost"), "a", "other_cost",
    ...                                 None, 40), Edit(("flows", 1, 2), "flows[1]",
    ...                                                 "probability", 0.5, None)])
    {'flows': [['s', 'a'], ['x', 'b']], 'activities': {'a': {'other_cost': 40}}}
    """
    result = copy.deepcopy(data)
    for edit in edits:
        node: Any = result
        for part in edit.path[:-1]:
            if isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                node = node[part]
        last = edit.path[-1]
        if edit.new is None:
            if isinstance(node, dict):
                node.pop(last, None)
            elif isinstance(last, int) and last < len(node):
                del node[last]
        elif isinstance(node, list) and isinstance(last, int) and last == len(node):
            node.append(copy.deepcopy(edit.new))
        else:
            node[last] = copy.deepcopy(edit.new)
    return result


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Write ``edits`` into the model file ``text``; comments and order are kept.

    A flow's probability set to ``None`` drops the third item of its list.
    The result is not validated here: read it with
    :func:`abc_costing.formats.parse_model_text` before using or saving it.
    """
    document = EditableModel.from_text(text)
    for edit in edits:
        if edit.new is None:
            try:
                document.delete(edit.path)
            except (KeyError, IndexError):
                pass
        else:
            document.set(edit.path, edit.new)
    return document.to_text()
