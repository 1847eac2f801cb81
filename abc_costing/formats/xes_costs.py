"""The XES cost extension (IEEE 1849, ``cost.xesext``): what a log's traces and events cost.

The extension (prefix ``cost``, uri :data:`COST_EXTENSION_URI`) gives a trace and an
event the same attributes:

==================  =======  ====================================================
key                 type     meaning
==================  =======  ====================================================
``cost:total``      float    the element's cost: the sum of its cost amounts
``cost:currency``   string   the currency of every cost of the element (ISO 4217)
``cost:drivers``    list     the amounts it is made of: each a ``cost:driver``
                             (string: who or what incurred it) holding a
                             ``cost:amount`` (float) and a ``cost:type`` (string:
                             labour, materials, fixed, ...)
==================  =======  ====================================================

How :func:`~abc_costing.formats.event_log.read_event_log` reads them:

* An event's recorded cost is its ``cost:total``; without one, the sum of its
  drivers' amounts. Both there and different: the ``cost:total`` is used and the
  difference said (the standard makes the total the sum of the amounts).
* A trace's ``cost:total`` (or, without one, its drivers' amounts) is the case's
  recorded cost when none of its events carries a cost: it is booked on the case's
  last event, so the case costs what the trace says (which activity incurred it is
  not known, and is said). When its events carry costs, those are used (they say
  which activity cost what) and the trace's total only checks them: never both.
* A value that is not a finite number is a warning naming the trace (by its case
  id and position) and the event (by its position in the file), and is left out.

Examples
--------
>>> cost_number("1500.25", tag="float")
1500.25
>>> try:
...     cost_number("NaN", tag="float")
... except ValueError as error:
...     print(error.args[0])
'NaN' is not a finite number
>>> same_money(0.1 + 0.2, 0.3), same_money(10.0, 10.01)
(True, False)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import polars as pl

from abc_costing.formats.typed_numbers import parse_typed_number
from abc_costing.i18n import N_, Message
from abc_costing.numbers import Figure
from abc_costing.problems import Count, Problem, quoted

__all__ = ["COST_EXTENSION_URI", "CostNotes", "apply_trace_costs", "cost_number",
           "same_money"]

#: The cost extension's identity, as ``<extension name="Cost" prefix="cost" uri=...>``.
COST_EXTENSION_URI = "http://www.xes-standard.org/cost.xesext"
TOTAL, CURRENCY, DRIVERS, DRIVER, AMOUNT, TYPE = (
    "cost:total", "cost:currency", "cost:drivers", "cost:driver", "cost:amount", "cost:type")
#: Two sums of money are the same when they differ by less than half a kopeck (or cent):
#: amounts written with two decimals and added in floating point differ by far less.
_HALF_MINOR_UNIT = 0.005


def same_money(first: float, second: float) -> bool:
    """Whether two sums of money are equal to half a minor unit (0.005)."""
    return abs(first - second) < _HALF_MINOR_UNIT


def cost_number(value: str, *, tag: str) -> float:
    """The amount an XES cost attribute holds: a ``float``/``int`` as a machine number,
    a ``string`` by the typed-number rule (``1 500,50``). Raises ``ValueError`` (its
    message a :class:`Message`) for anything that is not a finite number."""
    if tag not in ("float", "int"):
        return parse_typed_number(value)
    try:
        number = float(value)
    except ValueError:
        raise ValueError(N_("{value} is not a number", value=quoted(value))) from None
    if not math.isfinite(number):
        raise ValueError(N_("{value} is not a finite number", value=quoted(value)))
    return number


@dataclass
class CostNotes:
    """What reading the costs of an XES file found doubtful, one warning per kind: the
    first occurrence said in full, with how many there were (a file of a million events
    with one fault each gets one line, not a million).

    >>> notes = CostNotes()
    >>> for event in (3, 8):
    ...     notes.add("bad", N_("event {event}: bad", event=event))
    >>> [p.message for p in notes.problems()]
    ['event 3: bad (2 such values in all)']
    """

    _first: dict[str, Message] = field(default_factory=dict)
    _count: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, message: Message) -> None:
        """Note one occurrence of ``kind``; the first one's ``message`` is kept."""
        self._first.setdefault(kind, message)
        self._count[kind] = self._count.get(kind, 0) + 1

    def problems(self) -> list[Problem]:
        """One warning per kind, in the order the kinds were first met."""
        return [Problem(message if self._count[kind] == 1 else
                        N_("{message} ({count:,} such values in all)", message=message,
                           count=Count(self._count[kind])), severity="warning")
                for kind, message in self._first.items()]


def unreadable(notes: CostNotes, where: Message, key: str, error: ValueError) -> None:
    """Note a cost attribute whose value is not a number: said, and left out."""
    # An event's and a trace's are said apart: the template tells them apart.
    notes.add(f"unreadable {key} in {where.template}",
              N_("{where}: cannot read {key}: {reason}; it is left out", where=where, key=key,
                 reason=error.args[0] if error.args else str(error)))


def settle(total: float | None, amounts: list[float], *, where: Message, notes: CostNotes,
           kind: str) -> float | None:
    """An element's cost: its ``cost:total``, else the sum of its drivers' amounts (None
    with neither); both there and different is noted (the total is used).

    >>> notes = CostNotes()
    >>> settle(None, [30.0, 12.5], where=N_("event 1"), notes=notes, kind="event")
    42.5
    >>> settle(40.0, [30.0, 12.5], where=N_("event 2"), notes=notes, kind="event")
    40.0
    >>> notes.problems()[0].message
    'event 2: cost:total 40 differs from the sum of its cost:drivers 42.5; cost:total is used'
    """
    if not amounts:
        return total
    summed = math.fsum(amounts)
    if total is None:
        return summed
    if not same_money(total, summed):
        notes.add(f"{kind} drivers", N_(
            "{where}: cost:total {total} differs from the sum of its cost:drivers {summed}; "
            "cost:total is used", where=where, total=Figure.as_written(total),
            summed=Figure.as_written(summed)))
    return total


def apply_trace_costs(events: pl.DataFrame, traces: pl.DataFrame
                      ) -> tuple[pl.DataFrame, list[Problem]]:
    """Book each trace's recorded cost on its case's events (see the module docstring).

    ``events`` is the event table (sorted by case and time; a ``cost`` column,
    possibly all null); ``traces`` has ``case`` (the trace's case id) and ``cost``
    (its ``cost:total``, or its drivers' sum), one row per trace that states one.
    A case whose events carry no cost gets the trace's on its last event; a case
    whose events do keeps theirs, and a trace total that differs from their sum is
    said. Several traces of one case id add up.

    >>> events = pl.DataFrame({"case_id": ["1", "1", "2"], "cost": [None, None, 5.0]},
    ...                       schema={"case_id": pl.Categorical, "cost": pl.Float64})
    >>> traces = pl.DataFrame({"case": ["1", "2"], "cost": [42.0, 7.0]})
    >>> booked, said = apply_trace_costs(events, traces)
    >>> booked["cost"].to_list()
    [None, 42.0, 5.0]
    >>> [p.message.split(" (")[0] for p in said]
    ["case '2': the trace's own cost 7", '1 case(s) record their cost on the trace only']
    """
    if traces.height == 0:
        return events, []
    per_case = traces.group_by("case").agg(pl.col("cost").sum().alias("trace_cost"))
    indexed = events.with_row_index("_at")
    cases = (indexed.group_by("case_id", maintain_order=True)
             .agg(pl.col("_at").last(), pl.col("cost").sum().alias("events_cost"),
                  pl.col("cost").is_not_null().any().alias("has_cost"))
             .with_columns(pl.col("case_id").cast(pl.String))
             .join(per_case, left_on="case_id", right_on="case", how="inner",
                   maintain_order="left"))
    problems: list[Problem] = []
    checked = cases.filter(pl.col("has_cost") & ((pl.col("events_cost") - pl.col("trace_cost"))
                                                 .abs() >= _HALF_MINOR_UNIT))
    if checked.height:
        first = checked.row(0, named=True)
        problems.append(Problem(N_(
            "case {case}: the trace's own cost {trace} (its cost:total, or its cost:drivers) "
            "differs from the sum of its events' costs {events}; the events' costs are used "
            "({count:,} such case(s))",
            case=quoted(first["case_id"]), trace=Figure.as_written(first["trace_cost"]),
            events=Figure.as_written(first["events_cost"]), count=Count(checked.height)),
            severity="warning"))
    booked = cases.filter(~pl.col("has_cost")).select("_at", "trace_cost")
    if booked.height:
        problems.append(Problem(N_(
            "{count:,} case(s) record their cost on the trace only (cost:total or cost:drivers "
            "of the <trace>): each case's cost is booked on its last event, so the case costs "
            "what the trace says, but which activity incurred it is not known",
            count=Count(booked.height)), severity="warning"))
        indexed = (indexed.join(booked, on="_at", how="left", maintain_order="left")
                   .with_columns(pl.coalesce("cost", "trace_cost").alias("cost"))
                   .drop("trace_cost"))
    return indexed.drop("_at"), problems
