"""The records of a costing period: general-ledger lines, allocation rules, driver
quantities, cost objects' instances and revenue, and the allocation file that
ties them together (issue 13).

Field-level rules (signs, shares over 100 %, a basis without its driver) live
here; rules that look across records (a driver whose quantities sum to 0, an
unknown receiver, circular support centres) are found by
:func:`abc_costing.engine.allocation.allocate` and returned as problems.

Examples
--------
>>> line = LedgerLine(period="2026-01", account="26", cost_centre="IT",
...                   cost_item="Аренда", amount=-1500.0)
>>> line.amount  # a reversal (сторно) is a negative amount
-1500.0
>>> rule = AllocationRule(id="rent", cost_item="Аренда", to=("it", "hr"),
...                       basis="percent", shares={"it": 60.0, "hr": 40.0})
>>> rule.matches(line)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Annotated, Any, Literal, Protocol, Self, TypeVar

from pydantic import AfterValidator, Field, model_validator

from abc_costing.i18n import N_
from abc_costing.model.records import MAX_MONEY, Currency, Text, _DeferredRecord
from abc_costing.numbers import Figure

__all__ = [
    "ALLOCATION_FORMAT",
    "WILDCARD",
    "AllocationBasis",
    "AllocationRule",
    "AllocationSetup",
    "DriverQuantity",
    "LedgerLine",
    "ObjectInstances",
    "ObjectRevenue",
    "Scenario",
    "for_period",
]

#: The format of a library's allocation file (``ledger/allocation.yaml``).
ALLOCATION_FORMAT = "abc-costing-allocation/1"

#: The value of a rule's account, cost centre or cost item that matches any line.
WILDCARD = "*"

Scenario = Literal["actual", "plan", "forecast"]
#: ``percent``: the rule's ``shares`` (in %); ``driver``: in proportion to the
#: driver's quantities; ``even``: equal parts; ``rate``: ``rate_per_unit`` × quantity.
AllocationBasis = Literal["percent", "driver", "even", "rate"]

_Name = Annotated[str, Field(min_length=1, max_length=200)]
_Period = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
#: Money in a ledger: either sign (a reversal is negative), finite, bounded.
_SignedMoney = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
_Quantity = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
#: Percent of a line, with float noise of a spreadsheet's 33.333…% allowed above 100.
_PERCENT_TOLERANCE = 1e-9


class LedgerLine(_DeferredRecord):
    """One line of the ledger (a turnover of an оборотно-сальдовая ведомость).

    Attributes:
      period: the month, ``YYYY-MM``.
      scenario: ``actual``, ``plan`` or ``forecast``.
      account: the GL account (``20``, ``25``, ``26``, ``44``).
      cost_centre: the cost centre (подразделение).
      cost_item: the cost item (статья затрат).
      amount: money; negative for a reversal (сторно).
      row: the row of the source file, for problems (None: not from a file).
    """

    period: _Period
    scenario: Scenario = "actual"
    account: _Name
    cost_centre: _Name
    cost_item: _Name
    amount: _SignedMoney
    row: int | None = None


class AllocationRule(_DeferredRecord):
    """Which ledger lines (or which support centre's money) go where, and by what basis.

    Attributes:
      id: the rule's name, shown in the stage balance.
      account, cost_centre, cost_item: the lines the rule takes; ``*`` matches any;
        an account also takes its sub-accounts (``44`` takes ``44.01``).
        Rules are tried in order and the first that matches a line takes it.
      from_centre: when given, the rule spreads this support centre's money
        (direct lines plus what other centres send it) instead of ledger lines;
        the three selectors must then be wildcards.
      to: the receivers: resource pools or support centres. A ``percent`` rule
        may leave it out: the receivers are then the keys of ``shares``.
      basis: see :data:`AllocationBasis`.
      shares: for ``percent``: receiver -> percent of the line; at most 100 in
        all, the rest stays unassigned.
      driver: for ``driver`` and ``rate``: the driver's name (headcount, area, tickets).
      rate_per_unit: for ``rate``: money per driver unit.

    >>> AllocationRule(id="it", from_centre="it", to=("hr", "sales"), basis="driver",
    ...                driver="devices").driver
    'devices'
    """

    id: _Name
    account: _Name = WILDCARD
    cost_centre: _Name = WILDCARD
    cost_item: _Name = WILDCARD
    from_centre: _Name | None = None
    to: tuple[_Name, ...] = Field(min_length=1)
    basis: AllocationBasis
    shares: dict[_Name, _Quantity] = Field(default_factory=dict)
    driver: _Name | None = None
    rate_per_unit: _Quantity | None = None

    @model_validator(mode="before")
    @classmethod
    def _receivers_of_shares(cls, data: Any) -> Any:
        # {legal: 70, tax: 30} says the receivers once; writing them again under
        # 'to' would only be a second place to mistype them.
        if (isinstance(data, dict) and data.get("basis") == "percent" and "to" not in data
                and isinstance(data.get("shares"), dict)):
            return {**data, "to": tuple(data["shares"])}
        return data

    @model_validator(mode="after")
    def _basis_complete(self) -> Self:
        if len(set(self.to)) != len(self.to):
            raise ValueError(N_("rule {rule} names a receiver twice in 'to'", rule=repr(self.id)))
        if self.from_centre is not None and {self.account, self.cost_centre,
                                             self.cost_item} != {WILDCARD}:
            raise ValueError(N_("rule {rule} spreads support centre {centre}: it takes no "
                                "ledger lines, so account, cost_centre and cost_item must be "
                                "'*'", rule=repr(self.id), centre=repr(self.from_centre)))
        match self.basis:
            case "percent":
                self._check_shares()
            case "driver":
                if self.driver is None:
                    raise ValueError(N_("rule {rule}: basis 'driver' needs a driver name",
                                        rule=repr(self.id)))
            case "rate":
                if self.driver is None or self.rate_per_unit is None:
                    raise ValueError(N_("rule {rule}: basis 'rate' needs a driver and "
                                        "rate_per_unit", rule=repr(self.id)))
                if self.from_centre is not None:
                    raise ValueError(N_("rule {rule}: a support centre is spread by "
                                        "percent, driver or even, not by a fixed rate",
                                        rule=repr(self.id)))
            case "even":
                pass
        return self

    def _check_shares(self) -> None:
        unknown = sorted(set(self.shares) - set(self.to))
        if unknown:
            raise ValueError(N_("rule {rule}: shares name {names}, not among 'to'",
                                rule=repr(self.id), names=unknown))
        total = math.fsum(self.shares.values())
        if total > 100 + _PERCENT_TOLERANCE:
            raise ValueError(N_("rule {rule} sends {total} % of a line; at most 100 %",
                                rule=repr(self.id), total=Figure.as_written(total)))

    def matches(self, line: LedgerLine) -> bool:
        """Whether this rule (a ledger rule, not a support centre's) takes ``line``."""
        return self.from_centre is None and (
            self.account in (WILDCARD, line.account)
            or line.account.startswith(self.account + ".")) and all(
            wanted in (WILDCARD, value) for wanted, value in (
                (self.cost_centre, line.cost_centre), (self.cost_item, line.cost_item)))


class DriverQuantity(_DeferredRecord):
    """How much of a driver one receiver has: 12 heads, 340 m², 85 tickets.

    Attributes:
      driver: the driver's name.
      receiver: a pool or support centre.
      quantity: at least 0.
      period: the month it applies to, ``YYYY-MM`` (None: every period); see
        :func:`for_period`.
      scenario: the scenario it applies to (None: every scenario).
      row: the row of the source file, for problems (None: not from a file).
    """

    driver: _Name
    receiver: _Name
    quantity: _Quantity
    period: _Period | None = None
    scenario: Scenario | None = None
    row: int | None = None


class ObjectInstances(_DeferredRecord):
    """How many instances of a process variant a cost object caused in the period.

    Attributes:
      cost_object: a product, customer segment, channel or contract type.
      process, variant: the process model.
      instances: at least 0.
      period, scenario, row: as in :class:`DriverQuantity`.
    """

    cost_object: _Name
    process: _Name
    variant: _Name = "as_is"
    instances: _Quantity
    period: _Period | None = None
    scenario: Scenario | None = None
    row: int | None = None


class ObjectRevenue(_DeferredRecord):
    """A cost object's revenue in the period (account 90.01).

    Attributes:
      cost_object: as in :class:`ObjectInstances`.
      amount: money; may be negative (returns).
      period, scenario, row: as in :class:`DriverQuantity`.
    """

    cost_object: _Name
    amount: _SignedMoney
    period: _Period | None = None
    scenario: Scenario | None = None
    row: int | None = None


def _inside_its_folder(name: str) -> str:
    # A file name of the allocation file is read relative to it, on a server too: an
    # absolute path or '..' would let a library's file make the server read any file.
    for path in (PurePosixPath(name), PureWindowsPath(name)):
        if path.is_absolute() or path.drive or ".." in path.parts:
            raise ValueError(N_("{name} must name a file in the folder of the allocation "
                                "file or below it (no absolute path, no '..')", name=repr(name)))
    return name


_FileName = Annotated[str, Field(min_length=1, max_length=500),
                     AfterValidator(_inside_its_folder)]


class AllocationSetup(_DeferredRecord):
    """A library's allocation file (``ledger/allocation.yaml``): the period's files,
    the codes the ledger may use, the support centres, the extra pools and the rules.

    Attributes:
      format: always ``abc-costing-allocation/1``.
      title: human title (optional).
      currency: ISO 4217 code of every amount.
      ledger, drivers, volumes, revenue: the period's files, relative to the
        allocation file (each optional: a caller may name others).
      accounts: the accounts a ledger line may be on (None: any).
      cost_centres: the cost centres a ledger line may be of (None: any).
      support_centres: id -> display name of the centres whose money is spread
        further by ``from_centre`` rules (IT, HR).
      pools: id -> display name of pools that are not in the resource catalogue
        (their money stays unassigned unless an activity uses them).
      rules: tried in order; the first that matches a ledger line takes it.

    >>> setup = AllocationSetup.model_validate({
    ...     "format": "abc-costing-allocation/1", "support_centres": {"it": "ИТ-отдел"},
    ...     "rules": [{"id": "legal", "cost_centre": "Юридический отдел",
    ...                "basis": "percent", "shares": {"lawyer": 100}},
    ...               {"id": "it", "from_centre": "it", "to": ["lawyer"], "basis": "even"}]})
    >>> setup.rules[0].to, setup.currency
    (('lawyer',), 'RUB')
    """

    format: Literal["abc-costing-allocation/1"]
    title: Text | None = None
    currency: Currency = "RUB"
    ledger: _FileName | None = None
    drivers: _FileName | None = None
    volumes: _FileName | None = None
    revenue: _FileName | None = None
    accounts: tuple[_Name, ...] | None = None
    cost_centres: tuple[_Name, ...] | None = None
    support_centres: dict[_Name, _Name] = Field(default_factory=dict)
    pools: dict[_Name, _Name] = Field(default_factory=dict)
    rules: tuple[AllocationRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        seen: set[str] = set()
        for rule in self.rules:
            if rule.id in seen:
                raise ValueError(N_("rule id {rule} is used twice; each rule needs its own id "
                                    "(the stage balance shows one row per rule)",
                                    rule=repr(rule.id)))
            seen.add(rule.id)
        both = sorted(set(self.support_centres) & set(self.pools))
        if both:
            raise ValueError(N_("{names} is both a support centre and a pool; a support "
                                "centre's money is spread by its rules, a pool's goes to "
                                "activities: give them different ids",
                                names=", ".join(map(repr, both))))
        return self


class _PeriodRecord(Protocol):
    @property
    def period(self) -> str | None: ...

    @property
    def scenario(self) -> Scenario | None: ...


_R = TypeVar("_R", bound=_PeriodRecord)


def for_period(records: Iterable[_R], *, period: str, scenario: Scenario,
               key: Callable[[_R], Hashable]) -> list[_R]:
    """The records that apply to one period and scenario, in their order.

    A record without a period (scenario) applies to every period (scenario); one
    with a period (scenario) only to its own. Of the records that apply, those of
    one ``key(record)`` are kept only at their most specific level: period and
    scenario, then period alone, then scenario alone, then neither. So a row for
    January's plan replaces a general row of the same driver and receiver, and
    several rows of one key at one level are all kept (the engine adds them up).

    >>> heads = [DriverQuantity(driver="heads", receiver="it", quantity=3),
    ...          DriverQuantity(driver="heads", receiver="it", quantity=4, period="2026-01",
    ...                         scenario="plan"),
    ...          DriverQuantity(driver="heads", receiver="hr", quantity=2, period="2026-02")]
    >>> def by_receiver(q): return (q.driver, q.receiver)
    >>> [(q.receiver, q.quantity) for q in for_period(heads, period="2026-01",
    ...                                               scenario="plan", key=by_receiver)]
    [('it', 4.0)]
    >>> [(q.receiver, q.quantity) for q in for_period(heads, period="2026-01",
    ...                                               scenario="actual", key=by_receiver)]
    [('it', 3.0)]
    """
    applying = [(record, (record.period is not None, record.scenario is not None))
                for record in records
                if record.period in (None, period) and record.scenario in (None, scenario)]
    level: dict[Hashable, tuple[bool, bool]] = {}
    for record, specific in applying:
        k = key(record)
        level[k] = max(level.get(k, specific), specific)
    return [record for record, specific in applying if level[key(record)] == specific]
