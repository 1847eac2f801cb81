"""A process's advice file (``<process>/advice.yaml``, ``abc-costing-advice/1``).

What the analyst knows that the model does not say, for the advisor
(:mod:`abc_costing.advisor`): automation offers per activity, who may take over
a task, what dropping a check risks, which tasks must stay, set-up minutes saved
by merging, new branch probabilities with their cause, shorter ways for a share
of instances (records: :mod:`abc_costing.model.advice`)::

    format: abc-costing-advice/1
    process: contract_approval
    automation:
      draft: {name: "Конструктор договоров", labor: {manager: {pert: [15, 25, 60]}}}
    keep: {rework: "без доработки договор не исправить"}
    branches:
      - {gateway: approved, probabilities: {print_sign: 0.8, rework_merge: 0.2},
         cause: "шаблонный текст"}

The file is read with the project's YAML reader (duplicate keys, malformed YAML,
odd data) and checked against the model it advises: every activity, pool,
resource and gateway it names must exist there (a resource of ``uses`` may come
from the library's catalogue), with the right kind. Problems come all at once
and name the file, the line and the element.

Examples
--------
>>> from abc_costing.formats import load_model
>>> model = load_model("process_models/contract_approval/as_is.yaml")
>>> advice, problems = parse_advice_text('''
... format: abc-costing-advice/1
... process: contract_approval
... risks: {legal_reviw: {probability: 1.5, loss: 1000}}
... ''', name="advice.yaml", model=model)
>>> advice, [str(p) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
(None, ['advice.yaml:4: risks: legal_reviw.probability: must be at most 1 (got 1.5)'])
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from abc_costing.i18n import N_, Message
from abc_costing.model import LaborResource, PerUseResource, ProcessModel, ResourceRecord
from abc_costing.numbers import Figure
from abc_costing.problems import Problem, quoted

if TYPE_CHECKING:  # the advice's records are loaded by the advice's readers only: the
    # model reader imports this module for ADVICE_NAME (0.04 s of CPU for every command)
    from abc_costing.model.advice import AdviceFile, TriageRecord

__all__ = ["ADVICE_NAME", "advice_path_for", "parse_advice_text", "read_advice"]

#: The advice file's name, in the process's folder beside its variants.
ADVICE_NAME = "advice.yaml"


def advice_path_for(model_path: str | Path) -> Path | None:
    """The advice file beside a model file, or None without one.

    >>> advice_path_for("process_models/zhkh_leads/as_is.yaml")
    PosixPath('process_models/zhkh_leads/advice.yaml')
    >>> advice_path_for("tests/data/knockout_checks.yaml") is None
    True
    """
    path = Path(model_path).parent / ADVICE_NAME
    return path if path.is_file() else None


def read_advice(path: str | Path, *, model: ProcessModel,
                library_resources: Mapping[str, ResourceRecord] | None = None,
                name: str | None = None) -> tuple[AdviceFile | None, list[Problem]]:
    """Read an advice file and check it against ``model``; problems name ``name``
    (default: the path). A missing or unreadable file is one problem; nothing raises.

    >>> from abc_costing.formats import load_model
    >>> model = load_model("process_models/zhkh_leads/as_is.yaml")
    >>> advice, problems = read_advice("process_models/zhkh_leads/advice.yaml", model=model,
    ...                                library_resources={})
    >>> problems[0].message  # the robots are the catalogue's, not the as_is model's
    "import_lead.uses: no per-use resource 'crm_robot' in the model or the library"
    """
    from abc_costing.formats.yaml_model import read_library_file

    return read_library_file(path, name=name, what=N_("advice files"),
                             parse=lambda text, source, _: parse_advice_text(
                                 text, name=source, model=model,
                                 library_resources=library_resources))


def parse_advice_text(text: str, *, name: str = ADVICE_NAME, model: ProcessModel,
                      library_resources: Mapping[str, ResourceRecord] | None = None
                      ) -> tuple[AdviceFile | None, list[Problem]]:
    """Parse an advice file's text and check it against ``model``: the advice (None with
    an error) and every problem, with its line. ``library_resources``: the
    catalogue's pools, which ``uses`` and ``labor`` may name besides the model's.
    """
    from abc_costing.formats.yaml_model import field_problem, parse_library_file, with_lines
    from abc_costing.model.advice import ADVICE_FORMAT, AdviceFile

    data, problems = parse_library_file(text, name=name, format=ADVICE_FORMAT,
                                        kind=N_("an advice file"),
                                        fields="format, process, automation, risks, ...")
    if data is None:
        return None, problems
    try:
        advice = AdviceFile.model_validate(data)
    except ValidationError as err:
        found = [field_problem(error, data) for error in err.errors(include_url=False)]
        return None, with_lines(found, text, file=name)
    found = _against_model(advice, model, {**(library_resources or {}), **model.resources})
    if found:
        return None, with_lines(found, text, file=name)
    return advice, []


def _unknown(what: Message, value: str, known: Iterable[str], *, element: str,
             path: tuple[str | int, ...]) -> Problem:
    close = difflib.get_close_matches(value, list(known), n=1)
    message = N_("no {what} {value} in the model", what=what, value=quoted(value))
    if close:
        message = N_("{message}; did you mean {close}?", message=message,
                     close=quoted(close[0]))
    return Problem(message, element=element, path=path)


def _against_model(advice: AdviceFile, model: ProcessModel,
                   resources: Mapping[str, ResourceRecord]) -> list[Problem]:
    """Every id the advice names that the model (or the library) does not have."""
    problems: list[Problem] = []
    activities = model.activities
    if advice.process != model.process:
        problems.append(Problem(N_("process: the advice is for {advice}, the model is "
                                   "{model}", advice=quoted(advice.process),
                                   model=quoted(model.process)),
                                element="process", path=("process",)))
    for section, ids in (("automation", advice.automation), ("risks", advice.risks),
                         ("keep", advice.keep)):
        problems += [_unknown(N_("activity"), a, activities, element=section,
                              path=(section, a)) for a in ids if a not in activities]
    for activity_id, offer in advice.automation.items():
        where = ("automation", activity_id)
        problems += [_unknown(N_("activity"), a, activities, element="automation",
                              path=(*where, "removes", i))
                     for i, a in enumerate(offer.removes) if a not in activities]
        problems += _pools(offer.labor, resources, where=(*where, "labor"))
        problems += _per_use(offer.uses or {}, resources, where=(*where, "uses"))
    labour = [rid for rid, r in model.resources.items() if isinstance(r, LaborResource)]
    for pool, others in advice.can_do.items():
        if pool not in labour:
            problems.append(_unknown(N_("labour pool"), pool, labour, element="can_do",
                                     path=("can_do", pool)))
        problems += [_unknown(N_("labour pool"), p, labour, element="can_do",
                              path=("can_do", pool, i))
                     for i, p in enumerate(others) if p not in labour]
    for index, branch in enumerate(advice.branches):
        problems += _branch_problems(model, branch.gateway, branch.probabilities,
                                     where=("branches", index))
    for index, record in enumerate(advice.triage):
        problems += _triage_problems(model, record, index)
    for index, short in enumerate(advice.shortcuts):
        at: tuple[str | int, ...] = ("shortcuts", index)
        if short.start not in activities:
            problems.append(_unknown(N_("activity"), short.start, activities,
                                     element=short.id, path=(*at, "start")))
        if short.rejoin not in model.node_kinds:
            problems.append(_unknown(N_("node"), short.rejoin, model.node_kinds,
                                     element=short.id, path=(*at, "rejoin")))
        if short.id in model.node_kinds:
            problems.append(Problem(N_("id {id} is already an element of the model",
                                       id=quoted(short.id)), element=short.id,
                                    path=(*at, "id")))
        for part, task in (("task", short.task), ("check", short.check)):
            if task is not None:
                problems += _pools(task.labor, resources, where=(*at, part, "labor"))
                problems += _per_use(task.uses, resources, where=(*at, part, "uses"))
    return problems


def _pools(labor: Mapping[str, Any], resources: Mapping[str, ResourceRecord], *,
           where: tuple[str | int, ...]) -> list[Problem]:
    return [Problem(N_("{field}: no labour pool {pool} in the model or the library",
                       field=".".join(map(str, where[1:])), pool=quoted(pool)),
                    element=str(where[0]), path=(*where, pool))
            for pool in labor if not isinstance(resources.get(pool), LaborResource)]


def _per_use(uses: Mapping[str, float], resources: Mapping[str, ResourceRecord], *,
             where: tuple[str | int, ...]) -> list[Problem]:
    return [Problem(N_("{field}: no per-use resource {resource} in the model or the library",
                       field=".".join(map(str, where[1:])), resource=quoted(rid)),
                    element=str(where[0]), path=(*where, rid))
            for rid in uses if not isinstance(resources.get(rid), PerUseResource)]


def _triage_problems(model: ProcessModel, record: TriageRecord, index: int) -> list[Problem]:
    """A triage's classes: shares summing to 1, known activities to skip, and each
    class's own shares at an exclusive gateway naming its every flow."""
    at: tuple[str | int, ...] = ("triage", index)
    problems: list[Problem] = []
    if model.case_classes:
        problems.append(Problem(N_("the model has case classes already ({classes}); a triage "
                                   "sorts the instances of a model without them",
                                   classes=", ".join(model.case_classes)),
                                element=record.id, path=(*at, "id")))
    total = sum(tier.share for tier in record.classes.values())
    if abs(total - 1.0) > 1e-9:
        problems.append(Problem(N_("the shares of the classes of {triage} add up to {total}, "
                                   "not 1", triage=record.id, total=Figure.as_written(total)),
                                element=record.id, path=(*at, "classes")))
    for class_id, tier in record.classes.items():
        where = (*at, "classes", class_id)
        problems += [_unknown(N_("activity"), task, model.activities, element=record.id,
                              path=(*where, "skips", i))
                     for i, task in enumerate(tier.skips) if task not in model.activities]
        for gateway, probabilities in tier.branches.items():
            problems += _branch_problems(model, gateway, probabilities,
                                         where=(*where, "branches"), key=gateway)
    return problems


def _branch_problems(model: ProcessModel, gateway: str, probabilities: Mapping[str, float], *,
                     where: tuple[str | int, ...], key: str = "gateway") -> list[Problem]:
    """An exclusive gateway's new probabilities: known flows, all of them, sum 1;
    ``where`` is the record's path and ``key`` the field naming the gateway under it
    (in a triage's class the gateway is the key of its probabilities)."""
    probabilities_at = (*where, "probabilities") if key == "gateway" else (*where, gateway)
    if model.gateways.get(gateway) is None or model.gateways[gateway].kind != "exclusive":
        exclusive = [g for g, r in model.gateways.items() if r.kind == "exclusive"]
        return [_unknown(N_("exclusive gateway"), gateway, exclusive, element=gateway,
                         path=(*where, key))]
    targets = [f.target for f in model.flows if f.source == gateway]
    problems = [Problem(N_("{gateway} has no flow to {target}; its flows go to {targets}",
                           gateway=gateway, target=quoted(t), targets=", ".join(targets)),
                        element=gateway, path=(*probabilities_at, t))
                for t in probabilities if t not in targets]
    missing = [t for t in targets if t not in probabilities]
    if missing:
        problems.append(Problem(N_("give a probability to every flow of {gateway}; missing: "
                                   "{targets}", gateway=gateway, targets=", ".join(missing)),
                                element=gateway, path=probabilities_at))
    total = sum(probabilities.values())
    if abs(total - 1.0) > 1e-9:
        problems.append(Problem(N_("the probabilities after {gateway} add up to {total}, "
                                   "not 1", gateway=gateway, total=Figure.as_written(total)),
                                element=gateway, path=probabilities_at))
    return problems
