"""What the analyst knows that the model does not say: the records of ``advice.yaml``.

The advisor (:mod:`abc_costing.advisor`) can only propose a move whose price and
effect someone has stated: what a robot costs, who may take over a task, what
dropping a check risks, what a template does to the rework rate. These records
hold that knowledge, one file per process beside its variants
(``process_models/<process>/advice.yaml``, format ``abc-costing-advice/1``);
:mod:`abc_costing.formats.advice_file` reads and checks it against the model.

Examples
--------
>>> advice = AdviceFile.model_validate({
...     "format": "abc-costing-advice/1", "process": "p",
...     "automation": {"enter": {"name": "OCR", "labor": {"clerk": 2}, "cost_per_use": 5}},
...     "branches": [{"gateway": "ok", "probabilities": {"sign": 0.9, "fix": 0.1},
...                   "cause": "a template"}]})
>>> advice.automation["enter"].labor["clerk"].mean_minutes, advice.branches[0].cost_per_pass
(2.0, 0.0)
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from abc_costing.model.records import (
    Duration,
    Id,
    Money,
    Probability,
    Slug,
    Text,
    Units,
    _DeferredRecord,
)

__all__ = ["ADVICE_FORMAT", "AdviceFile", "AutomationRecord", "BranchRecord", "RiskRecord",
           "ShortcutRecord", "TaskRecord", "TierRecord", "TriageRecord"]

#: The first line of an advice file.
ADVICE_FORMAT = "abc-costing-advice/1"

Minutes = Annotated[float, Field(ge=0, le=1e7, strict=True, allow_inf_nan=False)]
Share = Annotated[float, Field(gt=0, le=1, strict=True, allow_inf_nan=False)]
ErrorRate = Annotated[float, Field(ge=0, lt=1, strict=True, allow_inf_nan=False)]


class AutomationRecord(_DeferredRecord):
    """A robot, service or tool that takes over (part of) one activity's work.

    Attributes:
      name: what it is ("Автодозвон", "Конструктор договоров").
      labor: minutes per execution people still do, by labour pool (none: all of it goes).
      uses: units per execution of the library's per-use resources (None: the
        activity's own stay; given, they replace them).
      cost_per_use: price per execution of a new robot not in the library (0: none).
      licence_per_year: a licence a year, spread over the executions a year.
      other_cost: money per execution besides (None: the activity's own stays).
      error_rate: share of executions the robot gets wrong (0 ≤ e < 1).
      errors: where a wrong execution goes: ``back`` (done again) or ``fix``
        (a person fixes it in a new task of ``fix_minutes``).
      fix_minutes: minutes of the manual fix (None: the activity's labour minutes).
      removes: activities it makes unnecessary (each with one incoming and one
        outgoing flow: taken out, their flows joined).
    """

    name: Text
    labor: dict[Id, Duration] = Field(default_factory=dict)
    uses: dict[Id, Units] | None = None
    cost_per_use: Money = 0.0
    licence_per_year: Money = 0.0
    other_cost: Money | None = None
    error_rate: ErrorRate = 0.0
    errors: Literal["back", "fix"] = "fix"
    fix_minutes: Minutes | None = None
    removes: list[Id] = Field(default_factory=list)


class RiskRecord(_DeferredRecord):
    """What dropping a check risks: probability of an error it catches × the loss.

    Attributes:
      probability: share of executions with an error the check would have caught.
      loss: money lost per such error.
    """

    probability: Probability
    loss: Money


class BranchRecord(_DeferredRecord):
    """New probabilities of an exclusive gateway's flows, with the cause and its cost.

    Attributes:
      gateway: the exclusive gateway.
      probabilities: target node -> new probability (every flow of the gateway, sum 1).
      cause: why they change (a template, structured data, a higher threshold).
      cost_per_pass: money per pass through the gateway the cause costs (0: none).
    """

    gateway: Id
    probabilities: dict[Id, Probability]
    cause: Text
    cost_per_pass: Money = 0.0


class TaskRecord(_DeferredRecord):
    """A new task a move adds (labour, uses, other cost as in a model's activity).

    Attributes:
      name: display name.
      labor, uses, other_cost, value: as in :class:`~abc_costing.model.Activity`.
    """

    name: Text
    labor: dict[Id, Duration] = Field(default_factory=dict)
    uses: dict[Id, Units] = Field(default_factory=dict)
    other_cost: Money = 0.0
    value: Literal["value_adding", "business", "waste"] = "business"


class ShortcutRecord(_DeferredRecord):
    """A share of instances that take a shorter way: from before ``start`` straight to
    ``rejoin`` through one new task (a framework contract's order, a quick review).

    Attributes:
      id: the new task's id.
      start: the activity where the long way starts.
      rejoin: the node where the short way joins it again.
      share: share of the instances reaching ``start`` that take the short way.
      cause: why they can (a framework contract, a standard text).
      task: the short way's task.
      check: a task done on every instance before the choice (who decides), if any.
    """

    id: Slug
    start: Id
    rejoin: Id
    share: Share
    cause: Text
    task: TaskRecord
    check: TaskRecord | None = None


class TierRecord(_DeferredRecord):
    """One class of instances of a triage: its share, the tasks it skips, its own shares.

    Attributes:
      name: display name ("До 500 000 ₽").
      share: share of all instances in this class (the classes' shares sum to 1).
      skips: activities the class's instances do not go through.
      branches: exclusive gateway -> target node -> this class's probability (every
        flow of the gateway, sum 1); a gateway not named keeps the model's shares.
    """

    name: Text | None = None
    share: Share
    skips: list[Id] = Field(default_factory=list)
    branches: dict[Id, dict[Id, Probability]] = Field(default_factory=dict)


class TriageRecord(_DeferredRecord):
    """Instances sorted into classes by an attribute known at the start (a contract's
    value), each class routed its own way: the model becomes a model with case classes.

    Attributes:
      id: a short name of the triage (``value_tiers``).
      cause: the rule that sorts them ("authority matrix by contract value").
      classes: class id -> :class:`TierRecord`.
    """

    id: Slug
    cause: Text
    classes: dict[Id, TierRecord] = Field(min_length=2)


class AdviceFile(_DeferredRecord):
    """An ``advice.yaml`` file: what the analyst knows about one process.

    Attributes:
      format: ``abc-costing-advice/1``.
      process: the process slug (the folder's).
      automation: activity id -> what automating it costs and leaves to people.
      can_do: labour pool -> pools that may take over its tasks.
      risks: activity id -> what dropping it risks (it becomes a candidate).
      keep: activity id -> why it must not be dropped (even when it is waste).
      setup_minutes_saved: minutes saved by doing two consecutive tasks in one go.
      branches: new branch probabilities, each with its cause and cost.
      shortcuts: shorter ways a share of instances may take.
      triage: ways to sort instances into classes routed each their own way.
    """

    format: Literal["abc-costing-advice/1"]
    process: Slug
    automation: dict[Id, AutomationRecord] = Field(default_factory=dict)
    can_do: dict[Id, list[Id]] = Field(default_factory=dict)
    risks: dict[Id, RiskRecord] = Field(default_factory=dict)
    keep: dict[Id, Text] = Field(default_factory=dict)
    setup_minutes_saved: Minutes = 0.0
    branches: list[BranchRecord] = Field(default_factory=list)
    shortcuts: list[ShortcutRecord] = Field(default_factory=list)
    triage: list[TriageRecord] = Field(default_factory=list)
