"""The records of a costing period: general-ledger lines, allocation rules, driver
quantities, cost objects' instances and revenue (issue 13).

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
from typing import Annotated, Literal, Self

from pydantic import Field, model_validator

from abc_costing.model.records import MAX_MONEY, _Record

__all__ = [
    "WILDCARD",
    "AllocationBasis",
    "AllocationRule",
    "DriverQuantity",
    "LedgerLine",
    "ObjectInstances",
    "ObjectRevenue",
    "Scenario",
]

#: The value of a rule's account, cost centre or cost item that matches any line.
WILDCARD = "*"

Scenario = Literal["actual", "plan", "forecast"]
#: ``percent``: the rule's ``shares`` (in %); ``driver``: in proportion to the
#: driver's quantities; ``even``: equal parts; ``rate``: ``rate_per_unit`` × quantity.
AllocationBasis = Literal["percent", "driver", "even", "rate"]

_Name = Annotated[str, Field(min_length=1, max_length=200)]
#: Money in a ledger: either sign (a reversal is negative), finite, bounded.
_SignedMoney = Annotated[float, Field(ge=-MAX_MONEY, le=MAX_MONEY, allow_inf_nan=False)]
_Quantity = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
#: Percent of a line, with float noise of a spreadsheet's 33.333…% allowed above 100.
_PERCENT_TOLERANCE = 1e-9


class LedgerLine(_Record):
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

    period: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    scenario: Scenario = "actual"
    account: _Name
    cost_centre: _Name
    cost_item: _Name
    amount: _SignedMoney
    row: int | None = None


class AllocationRule(_Record):
    """Which ledger lines (or which support centre's money) go where, and by what basis.

    Attributes:
      id: the rule's name, shown in the stage balance.
      account, cost_centre, cost_item: the lines the rule takes; ``*`` matches any.
        Rules are tried in order and the first that matches a line takes it.
      from_centre: when given, the rule spreads this support centre's money
        (direct lines plus what other centres send it) instead of ledger lines;
        the three selectors must then be wildcards.
      to: the receivers: resource pools or support centres.
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

    @model_validator(mode="after")
    def _basis_complete(self) -> Self:
        if len(set(self.to)) != len(self.to):
            raise ValueError(f"rule {self.id!r} names a receiver twice in 'to'")
        if self.from_centre is not None and {self.account, self.cost_centre,
                                             self.cost_item} != {WILDCARD}:
            raise ValueError(f"rule {self.id!r} spreads support centre {self.from_centre!r}: "
                             "it takes no ledger lines, so account, cost_centre and cost_item "
                             "must be '*'")
        match self.basis:
            case "percent":
                self._check_shares()
            case "driver":
                if self.driver is None:
                    raise ValueError(f"rule {self.id!r}: basis 'driver' needs a driver name")
            case "rate":
                if self.driver is None or self.rate_per_unit is None:
                    raise ValueError(f"rule {self.id!r}: basis 'rate' needs a driver and "
                                     "rate_per_unit")
                if self.from_centre is not None:
                    raise ValueError(f"rule {self.id!r}: a support centre is spread by "
                                     "percent, driver or even, not by a fixed rate")
            case "even":
                pass
        return self

    def _check_shares(self) -> None:
        unknown = sorted(set(self.shares) - set(self.to))
        if unknown:
            raise ValueError(f"rule {self.id!r}: shares name {unknown}, not among 'to'")
        total = math.fsum(self.shares.values())
        if total > 100 + _PERCENT_TOLERANCE:
            raise ValueError(f"rule {self.id!r} sends {total:g} % of a line; at most 100 %")

    def matches(self, line: LedgerLine) -> bool:
        """Whether this rule (a ledger rule, not a support centre's) takes ``line``."""
        return self.from_centre is None and all(
            wanted in (WILDCARD, value) for wanted, value in (
                (self.account, line.account), (self.cost_centre, line.cost_centre),
                (self.cost_item, line.cost_item)))


class DriverQuantity(_Record):
    """How much of a driver one receiver has: 12 heads, 340 m², 85 tickets.

    Attributes:
      driver: the driver's name.
      receiver: a pool or support centre.
      quantity: at least 0.
    """

    driver: _Name
    receiver: _Name
    quantity: _Quantity


class ObjectInstances(_Record):
    """How many instances of a process variant a cost object caused in the period.

    Attributes:
      cost_object: a product, customer segment, channel or contract type.
      process, variant: the process model.
      instances: at least 0.
    """

    cost_object: _Name
    process: _Name
    variant: _Name = "as_is"
    instances: _Quantity


class ObjectRevenue(_Record):
    """A cost object's revenue in the period (account 90.01).

    Attributes:
      cost_object: as in :class:`ObjectInstances`.
      amount: money; may be negative (returns).
    """

    cost_object: _Name
    amount: _SignedMoney
