"""BPMN 2.0 in and out: models drawn in Camunda Modeler, bpmn.io, Bizagi or Signavio.

:func:`bpmn_to_model_text` turns a BPMN file into the text of an
``abc-costing/1`` model; :func:`model_to_bpmn` writes a model as BPMN 2.0 with
a laid-out diagram and the costs in ``abc:`` extension elements, so that
importing the export gives the same model back.

What the importer reads
-----------------------
* every task type (``task``, ``userTask``, ``serviceTask``, ``manualTask``,
  ``scriptTask``, ``businessRuleTask``, ``sendTask``, ``receiveTask``) and
  ``callActivity``: activities;
* ``exclusiveGateway``, ``parallelGateway``, ``eventBasedGateway`` and
  ``inclusiveGateway``; ``startEvent`` (several: a choice), ``endEvent``,
  ``boundaryEvent``; ``sequenceFlow``;
* intermediate events: a timer catch event waits its ``timeDuration``, a message
  catch event is a wait (below), others are zero-cost activities, so the
  routing around them stays as drawn;
* ``subProcess``, ``transaction`` and ``adHocSubProcess``: flattened; its inner
  start takes the subprocess's incoming flows, its inner end(s) lead to its
  outgoing flow (several inner ends meet in an exclusive merge). Without a start
  event every node no flow enters starts, all together (BPMN's implicit start;
  so do the tasks of an ad-hoc subprocess, each costed once, with a warning);
  without end events the nodes no flow leaves end it. A subprocess drawn
  collapsed, without content, is one task; so is a call activity;
* multi-instance and loop tasks and subprocesses: run ``loopCardinality`` times
  through a loop back taken with probability (N-1)/N; a count the file does not
  give as a number is a ``"?"`` to fill in, named by a warning;
* several pools: each is a process of its own (``pool=`` picks one,
  :func:`bpmn_to_model_texts` gives all); a receive task or message catch event
  is a wait (``"?"`` minutes, no labour), naming the pool the message comes from;
* lanes: each lane is a labour resource; a task in a lane is done by it;
* simulation parameters: BIMP/QBP ``qbp:processSimulationInfo`` embedded in the
  file, or Prosimos JSON (``params``): resource cost per hour, task durations,
  branching probabilities.

Durations are converted from seconds to minutes. Distributions we lack are
replaced by one with the same mean (the exact engine uses only the mean):
normal (mean m, sd s) and gamma (mean m, variance v) become
``lognormal {mean: m, sd: s or sqrt(v)}``; exponential (mean m) becomes
``lognormal {mean: m, sd: m}``; truncation bounds are not kept.

Routing BPMN leaves implicit is made explicit with gateways (see
:func:`_complete_scope` and the README): several flows leaving a task (a
parallel split, or an exclusive choice when they have conditions); parallel
branches ending at separate end events (joined before one end); boundary
events (interrupting: a choice after the task; non-interrupting: an optional
branch beside the flow); event-based gateways (a choice; timers wait their
``timeDuration``); inclusive gateways (a parallel split of optional branches,
exact in expectation); several start events (a choice); event subprocesses
(an optional branch beside the main flow).

What is not in the file is never defaulted: a missing rate, duration or
branch probability is written as ``"?"`` with a ``# not in the file: fill in``
comment; ``abc-costing validate`` then reports it as "must be a number", and
the importer returns it as a warning. What cannot be expressed in the format
(complex gateways, inclusive gateways that do not open and close one block) is
an error naming the element.

The XML is parsed with defusedxml with DTDs refused (so no entities, external
or nested), after a size check; the number of elements, their nesting and the
length of each attribute are capped while it is parsed (see the ``MAX_BPMN_*``
limits). Any file the parser cannot read (an unknown encoding, bytes that are
not XML) is a problem with its line, never an exception.

Examples
--------
>>> xml = '''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">
...   <process id="p" name="Приём заявки">
...     <startEvent id="s"/>
...     <userTask id="t" name="Проверить заявку"/>
...     <endEvent id="e"/>
...     <sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
...     <sequenceFlow id="f2" sourceRef="t" targetRef="e"/>
...   </process>
... </definitions>'''.encode()
>>> text, problems = bpmn_to_model_text(xml, source="intake.bpmn")
>>> for problem in problems:
...     print(problem)
intake.bpmn: performer: warning: no rate in the file: rate_per_hour is a placeholder "?", fill it in
intake.bpmn: t: warning: no duration in the file: labor minutes are a placeholder "?", fill them in
>>> print(text.split("activities:")[1].split("gateways:")[0].strip())
t:
    name: "Проверить заявку"
    labor: {performer: "?"}  # not in the file: minutes per execution, fill in
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder
from xml.sax.saxutils import escape, quoteattr

import networkx as nx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from abc_costing.formats.model_text import Commented, OneLine, yaml_text
from abc_costing.formats.simulation_parameters import (
    PLACEHOLDER,
    QBP_NS,
    SimulationParameters,
    SimulationResource,
    read_prosimos,
    read_qbp,
)
from abc_costing.formats.simulation_parameters import finite_non_negative as _float
from abc_costing.i18n import N_, Message
from abc_costing.model import ProcessModel
from abc_costing.model.ids import UniqueIds
from abc_costing.model.records import Duration
from abc_costing.problems import Count, ModelError, Problem, cut, listed, quoted

__all__ = [
    "MAX_BPMN_BYTES",
    "MAX_BPMN_ELEMENTS",
    "MAX_BPMN_DEPTH",
    "MAX_BPMN_ATTRIBUTE_CHARS",
    "ABC_NAMESPACE",
    "BpmnPool",
    "PoolText",
    "bpmn_pools",
    "bpmn_to_model_text",
    "bpmn_to_model_texts",
    "model_to_bpmn",
]

#: BPMN files larger than this are refused unread.
MAX_BPMN_BYTES = 10 * 1024 * 1024
#: At most this many XML elements (a 1,000-task diagram has about 20,000).
MAX_BPMN_ELEMENTS = 200_000
#: XML elements nested at most this deep (a diagram needs about 10, and each of the
#: up to 50 nested subprocesses adds one).
MAX_BPMN_DEPTH = 200
#: Characters in one attribute value (ids, names, references: a task's name longer
#: than the model's 1,000-character names is no name).
MAX_BPMN_ATTRIBUTE_CHARS = 10_000
_MAX_NESTING = 50

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
#: The namespace of the costing data :func:`model_to_bpmn` writes.
ABC_NAMESPACE = "urn:abc-costing:bpmn:1"

_FILL_IN = "not in the file: fill in"

_TASKS = frozenset({
    "task", "userTask", "serviceTask", "manualTask", "scriptTask", "businessRuleTask",
    "sendTask", "receiveTask", "callActivity",
})
_SUBPROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
_INTERMEDIATE = frozenset({"intermediateCatchEvent", "intermediateThrowEvent"})
_GATEWAYS = {"exclusiveGateway": "exclusive", "parallelGateway": "parallel",
             "eventBasedGateway": "exclusive", "inclusiveGateway": "inclusive"}
_UNSUPPORTED = {"complexGateway": N_("complex gateway {id} is not supported: model it as an "
                                      "exclusive or parallel gateway")}
# Elements with no bearing on routing or cost.
_IGNORED = frozenset({
    "laneSet", "dataObject", "dataObjectReference", "dataStoreReference", "textAnnotation",
    "association", "extensionElements", "documentation", "ioSpecification", "property",
    "dataInputAssociation", "dataOutputAssociation", "group", "category", "incoming",
    "outgoing", "multiInstanceLoopCharacteristics", "standardLoopCharacteristics",
})


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _namespace(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


# --- ids, names, numbers ---------------------------------------------------------------

def _slug(text: str) -> str:
    slug = re.sub(r"[^\w-]+", "_", text.strip().lower()).strip("_-")
    return slug[:60].rstrip("_-") or "node"


def _clean_name(name: str | None) -> str | None:
    if not name:
        return None
    text = re.sub(r"\s+", " ", name).strip()
    return text[:1000] or None


def _as_slug(text: str) -> str:
    return text if re.fullmatch(r"\w[\w-]{0,99}", text) else _slug(text)


def _number(value: float) -> str:
    return repr(_tidy(float(value)))


# --- reading the XML -----------------------------------------------------------------


@dataclass
class _Node:
    bpmn_id: str
    kind: str  # activity, exclusive, parallel, start, end, pass
    name: str | None = None
    tag: str = ""
    lane: str | None = None
    note: str | None = None
    abc: Element | None = None
    abc_id: str | None = None
    waits_for: str | None = None  # a message's sender ("" unknown): a wait, not work
    wait: tuple[float | str, str] | None = None  # a timer's minutes (or "?") and why


@dataclass
class _Edge:
    source: str
    target: str
    flow_id: str | None
    conditional: bool = False
    # Routing the importer adds (a multi-instance loop): its probability, or why it is "?".
    probability: float | None = None
    comment: str | None = None
    # An optional branch's "not taken" flow: 1 - the probability of this flow id.
    complement: str | None = None


@dataclass(frozen=True)
class _Repeat:
    """A multi-instance or loop element: how many times it runs, when the file says."""

    times: int | None
    what: str  # "multi-instance (parallel, loopCardinality 3)", for notes and problems


@dataclass
class _Graph:
    nodes: dict[str, _Node] = field(default_factory=dict)
    edges: list[_Edge] = field(default_factory=list)
    exits: dict[str, str] = field(default_factory=dict)  # subprocess -> its exit node
    parent: dict[str, str] = field(default_factory=dict)  # node -> enclosing subprocess
    flow_abc: dict[str, Element] = field(default_factory=dict)
    repeats: dict[str, _Repeat] = field(default_factory=dict)
    senders: dict[str, str] = field(default_factory=dict)  # message target -> its sender


class _Refused(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


class _LimitedTree(TreeBuilder):
    """Builds the element tree while counting: refuses a file past a limit (elements,
    nesting, attribute length) as soon as the parser reaches it, naming the element."""

    def __init__(self, refuse: Any):
        super().__init__()
        self.refuse, self.count, self.depth = refuse, 0, 0

    def start(self, tag: str, attrs: dict[str, str]) -> Element:
        self.count += 1
        self.depth += 1
        if self.count > MAX_BPMN_ELEMENTS:
            raise self.refuse(N_("the file has more than {limit:,} XML elements; refused as "
                                 "too large", limit=Count(MAX_BPMN_ELEMENTS)))
        if self.depth > MAX_BPMN_DEPTH:
            raise self.refuse(N_("XML elements are nested more than {limit} deep (at <{tag}>); "
                                 "refused", limit=MAX_BPMN_DEPTH, tag=cut(_local(tag))))
        if len(tag) > MAX_BPMN_ATTRIBUTE_CHARS:
            raise self.refuse(N_("an element name (with its namespace) is {length:,} "
                                 "characters long; the limit is {limit:,}",
                                 length=Count(len(tag)), limit=Count(MAX_BPMN_ATTRIBUTE_CHARS)))
        for name, value in attrs.items():
            if len(value) > MAX_BPMN_ATTRIBUTE_CHARS:
                element = attrs.get("id") if name != "id" else None
                raise self.refuse(
                    N_("attribute {name} of <{tag}> is {length:,} characters long; attributes "
                       "are limited to {limit:,}", name=quoted(_local(name)), tag=_local(tag),
                       length=Count(len(value)), limit=Count(MAX_BPMN_ATTRIBUTE_CHARS)),
                    element=element)
        return super().start(tag, attrs)

    def end(self, tag: str) -> Element:
        self.depth -= 1
        return super().end(tag)


def _parse_xml(data: bytes, source: str | None) -> Element:
    """The root of a BPMN file's XML, parsed within the limits; :class:`_Refused` otherwise."""
    parser: Any = None

    def refuse(message: Message, line: int | None = None, element: str | None = None
               ) -> _Refused:
        expat = getattr(parser, "parser", None)  # gone once the parser is closed
        if line is None and expat is not None:
            line = expat.CurrentLineNumber
        return _Refused([Problem(message, file=source, line=line,
                                 element=None if element is None else cut(element))])

    if len(data) > MAX_BPMN_BYTES:
        raise refuse(N_("file is {size:,} bytes; {what} are limited to {limit:,} bytes",
                        size=Count(len(data)), what=N_("BPMN files"),
                        limit=Count(MAX_BPMN_BYTES)))
    try:
        parser = DefusedXMLParser(target=_LimitedTree(refuse), forbid_dtd=True)
        parser.feed(data)
        root = parser.close()
    except _Refused:
        raise
    except DefusedXmlException:
        raise refuse(N_("BPMN files need no DTD; refused for safety (the file declares a DTD "
                        "or entities)")) from None
    except ParseError as err:
        line = err.position[0] if getattr(err, "position", None) else None
        # The parser's own words stay as a quoted value inside the reader's sentence.
        raise refuse(N_("not well-formed XML: {reason}", reason=cut(str(err), 200)),
                     line) from None
    except LookupError as err:  # the XML declaration names an encoding Python lacks
        raise refuse(N_("the XML declaration names an unknown encoding ({reason}); save the "
                        "file as UTF-8", reason=cut(str(err), 200)), line=1) from None
    except Exception as err:  # whatever else the parser meets: a problem, not a traceback
        raise refuse(N_("cannot read the XML: {error}: {reason}", error=type(err).__name__,
                        reason=cut(str(err), 200))) from None
    if _local(root.tag) != "definitions" or _namespace(root.tag) != BPMN_NS:
        raise refuse(N_("not a BPMN 2.0 file: the root element is <{tag}>, not <definitions> "
                        "in {namespace}", tag=cut(_local(root.tag)), namespace=BPMN_NS),
                     line=None)
    return root


def _children(element: Element, local: str, ns: str = BPMN_NS) -> list[Element]:
    return [c for c in element if c.tag == f"{{{ns}}}{local}"]


def _abc_child(element: Element, local: str) -> Element | None:
    for ext in _children(element, "extensionElements"):
        for child in ext:
            if child.tag == f"{{{ABC_NAMESPACE}}}{local}":
                return child
    return None


@dataclass(frozen=True)
class BpmnPool:
    """A pool of a BPMN file whose process has content: one process to import.

    Attributes:
      id: the participant's id (the process's id when the file draws no pool).
      process_id: the id of its process.
      name: the pool's name (the participant's, else the process's), if any.
    """

    id: str
    process_id: str
    name: str | None

    @property
    def label(self) -> str:
        """How problems and front ends name the pool: ``'Клиент' (Participant_1)``."""
        return f"{quoted(self.name)} ({self.id})" if self.name else quoted(self.id)


def _has_content(element: Element) -> bool:
    """Whether a process or subprocess holds flow nodes (not only lanes, data, notes)."""
    return any(_namespace(c.tag) == BPMN_NS and _local(c.tag) not in _IGNORED
               and _local(c.tag) != "sequenceFlow" for c in element)


def _pools(root: Element) -> list[tuple[BpmnPool, Element]]:
    """Each pool with content, in file order: the participants' processes, then any
    process no participant names and no call activity calls (a file without pools)."""
    processes = {p.get("id") or f"process_{i + 1}": p
                 for i, p in enumerate(_children(root, "process")) if _has_content(p)}
    pools: list[tuple[BpmnPool, Element]] = []
    for collaboration in _children(root, "collaboration"):
        for participant in _children(collaboration, "participant"):
            ref = participant.get("processRef") or ""
            if ref in processes and all(pool.process_id != ref for pool, _ in pools):
                name = (_clean_name(participant.get("name"))
                        or _clean_name(processes[ref].get("name")))
                pools.append((BpmnPool(participant.get("id") or ref, ref, name),
                              processes[ref]))
    called = {c.get("calledElement") for c in root.iter(f"{{{BPMN_NS}}}callActivity")}
    for process_id, process in processes.items():
        if process_id not in called and all(p.process_id != process_id for p, _ in pools):
            pools.append((BpmnPool(process_id, process_id, _clean_name(process.get("name"))),
                          process))
    return pools


def _choose_pool(root: Element, source: str | None, pool: str | None
                 ) -> tuple[BpmnPool, Element]:
    """The pool named ``pool`` (its id, its process's id or its name), or the only one."""
    pools = _pools(root)
    if not pools:
        raise _Refused([Problem(N_("the file has no process with tasks or events"),
                                file=source)])
    names = ", ".join(repr(p.name or p.id) for p, _ in pools)
    if pool is None:
        if len(pools) > 1:
            raise _Refused([Problem(
                N_("the file has {count} pools with processes ({names}); choose one pool, "
                   "or import each pool as a process of its own", count=len(pools),
                   names=names), file=source)])
        return pools[0]
    found = [(p, e) for p, e in pools if pool in (p.id, p.process_id, p.name)]
    if not found:
        raise _Refused([Problem(N_("the file has no pool {pool}; its pools: {names}",
                                   pool=quoted(pool), names=names), file=source)])
    if len(found) > 1:
        ids = ", ".join(p.id for p, _ in found)
        raise _Refused([Problem(N_("{count} pools are named {pool}: choose one by its id "
                                   "({ids})", count=len(found), pool=quoted(pool), ids=ids),
                                file=source)])
    return found[0]


def _message_senders(root: Element, pools: list[tuple[BpmnPool, Element]],
                     process: Element) -> dict[str, str]:
    """Node id in ``process`` -> the pool a message flow into it comes from."""
    inside = {e.get("id") for e in process.iter()} - {None}
    owner: dict[str, str] = {}
    for pool, element in pools:
        owner[pool.id] = pool.label
        for node in element.iter():
            if node.get("id") and element is not process:
                owner[node.get("id") or ""] = pool.label
    for participant in root.iter(f"{{{BPMN_NS}}}participant"):
        if participant.get("id"):
            name = _clean_name(participant.get("name"))
            owner.setdefault(participant.get("id") or "", quoted(name or participant.get("id")))
    senders: dict[str, str] = {}
    for flow in root.iter(f"{{{BPMN_NS}}}messageFlow"):
        target, origin = flow.get("targetRef") or "", flow.get("sourceRef") or ""
        if target in inside and origin not in inside:
            senders[target] = owner.get(origin, N_("another pool"))
    return senders


def _repeat(element: Element) -> _Repeat | None:
    """How often a task or subprocess with loop or multi-instance markers runs."""
    multi = next(iter(_children(element, "multiInstanceLoopCharacteristics")), None)
    if multi is not None:
        order = N_("sequential") if multi.get("isSequential") == "true" else N_("parallel")
        cardinality = next(iter(_children(multi, "loopCardinality")), None)
        text = re.sub(r"\s+", " ", cardinality.text or "").strip() if cardinality is not None \
            else ""
        if re.fullmatch(r"\d{1,6}", text) and int(text) >= 1:
            return _Repeat(int(text), N_("multi-instance ({order}, loopCardinality {count})",
                                         order=order, count=text))
        if text:
            return _Repeat(None, N_("multi-instance ({order}, loopCardinality {value})",
                                    order=order, value=quoted(cut(text, 80))))
        return _Repeat(None, N_("multi-instance ({order}, no loopCardinality)", order=order))
    if _children(element, "standardLoopCharacteristics"):
        return _Repeat(None, N_("a loop (standardLoopCharacteristics)"))
    return None


def _is_message_catch(child: Element, tag: str) -> bool:
    return tag == "receiveTask" or (
        tag == "intermediateCatchEvent" and bool(_children(child, "messageEventDefinition")))


def _event_kind(element: Element) -> str:
    """``timer``, ``message``, ``error``...: what triggers an event ("" for none)."""
    for child in element:
        local = _local(child.tag)
        if local.endswith("EventDefinition"):
            return local[: -len("EventDefinition")]
    return ""


_ISO_DURATION = re.compile(
    r"P(?:(?P<W>\d+(?:[.,]\d+)?)W)?(?:(?P<D>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?:(?P<H>\d+(?:[.,]\d+)?)H)?(?:(?P<M>\d+(?:[.,]\d+)?)M)?(?:(?P<S>\d+(?:[.,]\d+)?)S)?)?")
_MINUTES_PER = {"W": 7 * 24 * 60, "D": 24 * 60, "H": 60, "M": 1, "S": 1 / 60}


def iso_duration_minutes(text: str) -> float | None:
    """Minutes of an ISO 8601 duration without years or months (their length varies).

    >>> iso_duration_minutes("PT2H"), iso_duration_minutes("P7D"), iso_duration_minutes("PT1M30S")
    (120.0, 10080.0, 1.5)
    >>> iso_duration_minutes("P1M") is None, iso_duration_minutes("${delay}") is None
    (True, True)
    """
    found = _ISO_DURATION.fullmatch(text.strip()[:100])
    if found is None or not any(found.groupdict().values()) or text.strip().endswith("T"):
        return None
    return sum(float(value.replace(",", ".")) * _MINUTES_PER[unit]
               for unit, value in found.groupdict().items() if value)


def _timer_wait(element: Element) -> tuple[float | str, str]:
    """The wait of an intermediate timer catch event: its ``timeDuration`` in minutes,
    else a placeholder, and the comment saying which."""
    definition = next(iter(_children(element, "timerEventDefinition")), None)
    duration = (next(iter(_children(definition, "timeDuration")), None)
                if definition is not None else None)
    text = re.sub(r"\s+", "", duration.text or "") if duration is not None else ""
    minutes = iso_duration_minutes(text) if text else None
    if minutes is not None and minutes <= 1e7:
        return minutes, f"timer timeDuration {cut(text, 40)} in the BPMN, calendar minutes"
    if text:
        return PLACEHOLDER, (f"timer timeDuration {quoted(cut(text, 40))} is not a duration "
                             "in days, hours, minutes or seconds: minutes waiting, fill in")
    told = ("a date or cycle (timeDate/timeCycle)" if definition is not None and len(definition)
            else "no timeDuration")
    return PLACEHOLDER, f"timer with {told} in the BPMN: minutes waiting, fill in"


@dataclass
class _Scope:
    """One process or expanded subprocess while it is read: its own nodes and flows, and
    what BPMN leaves implicit in it, which :func:`_complete_scope` makes explicit."""

    subprocess: str | None  # None for the process itself
    members: list[str] = field(default_factory=list)
    own: list[_Edge] = field(default_factory=list)
    starts: list[str] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)
    boundaries: list[tuple[str, Element]] = field(default_factory=list)
    event_subprocesses: list[tuple[str, bool]] = field(default_factory=list)
    defaults: dict[str, str] = field(default_factory=dict)  # node -> its default flow
    entry: str | None = None  # the node an instance of the scope begins at
    parallel_start: bool = False  # its first nodes start together (no start event)


def _read_container(container: Element, graph: _Graph, problems: list[Problem],
                    source: str | None, *, subprocess: str | None, depth: int) -> None:
    """Read the flow nodes and sequence flows of a process or an expanded subprocess.

    A subprocess's inner start (or, when it has none, every node no flow
    enters: BPMN's implicit start) takes the subprocess's incoming flows; its
    inner ends (or the nodes no flow leaves) lead to its exit. The routing BPMN
    leaves implicit is then made explicit (:func:`_complete_scope`).
    """
    if depth > _MAX_NESTING:
        raise _Refused([Problem(N_("subprocesses are nested more than {limit} deep",
                                   limit=_MAX_NESTING),
                                element=subprocess, file=source)])
    scope = _Scope(subprocess)
    for child in container:
        if _namespace(child.tag) != BPMN_NS:
            continue
        tag, bpmn_id = _local(child.tag), child.get("id")
        if tag in _IGNORED:
            continue
        if tag == "sequenceFlow":
            source_ref, target_ref = child.get("sourceRef"), child.get("targetRef")
            if not source_ref or not target_ref:
                problems.append(Problem(N_("sequence flow {id} has no sourceRef or targetRef",
                                           id=quoted(bpmn_id)), element=bpmn_id, file=source))
                continue
            conditional = bool(_children(child, "conditionExpression"))
            scope.own.append(_Edge(source_ref, target_ref, bpmn_id, conditional))
            graph.edges.append(scope.own[-1])
            abc = _abc_child(child, "flow")
            if abc is not None and bpmn_id:
                graph.flow_abc[bpmn_id] = abc
            continue
        if not bpmn_id:
            problems.append(Problem(N_("a <{tag}> has no id", tag=tag), file=source))
            continue
        name = _clean_name(child.get("name"))
        if tag in _UNSUPPORTED:
            said = Message(_UNSUPPORTED[tag].template, {"id": quoted(bpmn_id)})
            problems.append(Problem(said, element=bpmn_id, file=source))
            continue
        if child.get("isForCompensation") == "true":
            problems.append(Problem(
                N_("{tag} {id} is a compensation handler: it runs only when a later step "
                   "undoes the work it is attached to, which the file gives no share for; "
                   "left out (add it as a branch with its probability if it costs much)",
                   tag=tag, id=quoted(bpmn_id)),
                element=bpmn_id, file=source, severity="warning"))
            continue
        if subprocess is not None:
            graph.parent[bpmn_id] = subprocess
        scope.members.append(bpmn_id)
        if child.get("default"):
            scope.defaults[bpmn_id] = child.get("default") or ""
        abc_id = child.get(f"{{{ABC_NAMESPACE}}}id")
        repeat = _repeat(child)
        if repeat is not None and tag in _TASKS | _SUBPROCESSES:
            graph.repeats[bpmn_id] = repeat
        if tag in _SUBPROCESSES and child.get("triggeredByEvent") == "true":
            interrupting = any(s.get("isInterrupting") != "false"
                               for s in _children(child, "startEvent"))
            scope.event_subprocesses.append((bpmn_id, interrupting))
        if tag in _TASKS or (tag in _SUBPROCESSES and not _has_content(child)):
            # A collapsed subprocess (drawn without its content) is one task.
            waits = graph.senders.get(bpmn_id, "") if _is_message_catch(child, tag) else None
            graph.nodes[bpmn_id] = _Node(bpmn_id, "activity", name, tag, waits_for=waits,
                                         abc=_abc_child(child, "activity"), abc_id=abc_id)
        elif tag in _GATEWAYS:
            kind = _GATEWAYS[tag]
            note = None
            if tag == "eventBasedGateway":
                note = "event-based gateway in the BPMN: whichever event comes first"
                problems.append(Problem(
                    N_("event-based gateway {id}: an exclusive choice of whichever event comes "
                       'first; the share of each branch is a placeholder "?", fill it in',
                       id=quoted(bpmn_id)), element=bpmn_id, file=source, severity="warning"))
            graph.nodes[bpmn_id] = _Node(bpmn_id, kind, name, tag, abc_id=abc_id, note=note)
        elif tag == "startEvent":
            scope.starts.append(bpmn_id)
            graph.nodes[bpmn_id] = (_Node(bpmn_id, "start", name, tag, abc_id=abc_id)
                                    if subprocess is None else _Node(bpmn_id, "pass", name, tag))
        elif tag == "endEvent":
            scope.ends.append(bpmn_id)
            graph.nodes[bpmn_id] = (_Node(bpmn_id, "end", name, tag, abc_id=abc_id)
                                    if subprocess is None else _Node(bpmn_id, "pass", name, tag))
        elif tag == "boundaryEvent":
            graph.nodes[bpmn_id] = _Node(bpmn_id, "pass", name, tag)
            scope.boundaries.append((bpmn_id, child))
        elif tag in _INTERMEDIATE:
            if _is_message_catch(child, tag):
                graph.nodes[bpmn_id] = _Node(bpmn_id, "activity", name, tag, abc_id=abc_id,
                                             waits_for=graph.senders.get(bpmn_id, ""))
            elif tag == "intermediateCatchEvent" and _event_kind(child) == "timer":
                graph.nodes[bpmn_id] = _Node(bpmn_id, "activity", name, tag, abc_id=abc_id,
                                             wait=_timer_wait(child))
            else:
                graph.nodes[bpmn_id] = _Node(
                    bpmn_id, "activity", name, tag, abc_id=abc_id,
                    note=f"{tag} in the BPMN: a zero-cost activity")
        elif tag in _SUBPROCESSES:
            exit_id = f"{bpmn_id}#exit"
            graph.nodes[bpmn_id] = _Node(bpmn_id, "pass", name, tag)
            graph.nodes[exit_id] = _Node(exit_id, "pass", name, tag)
            graph.exits[bpmn_id] = exit_id
            if subprocess is not None:
                graph.parent[exit_id] = subprocess
            if tag == "adHocSubProcess":
                problems.append(Problem(
                    N_("ad-hoc subprocess {id}: the file does not say which of its tasks are "
                       "done, in what order or how often; each is costed as done once, those "
                       "no flow links all started together", id=quoted(bpmn_id)),
                    element=bpmn_id, file=source,
                    severity="warning"))
            _read_container(child, graph, problems, source, subprocess=bpmn_id,
                            depth=depth + 1)
        else:
            scope.members.pop()
            problems.append(Problem(N_("<{tag}> {id} is not supported and was left out",
                                       tag=tag, id=quoted(bpmn_id)),
                                    element=bpmn_id, file=source, severity="warning"))
    _complete_scope(graph, scope, problems, source)


class _Links:
    """The flows of one scope by source and by target, kept up to date as routing is added."""

    def __init__(self, graph: _Graph, scope: _Scope):
        self.graph, self.scope = graph, scope
        self.outs: dict[str, list[_Edge]] = {}
        self.ins: dict[str, list[_Edge]] = {}
        for edge in scope.own:
            self.outs.setdefault(edge.source, []).append(edge)
            self.ins.setdefault(edge.target, []).append(edge)

    def successors(self, node: str) -> list[str]:
        """Where a token goes from ``node`` (a subprocess: on from its exit)."""
        found = [e.target for e in self.outs.get(node, ())]
        exit_id = self.graph.exits.get(node)
        return found + [exit_id] if exit_id is not None else found

    def node(self, wanted: str, kind: str, note: str | None = None, tag: str = "") -> str:
        node_id = wanted
        while node_id in self.graph.nodes:
            node_id += "'"
        self.graph.nodes[node_id] = _Node(node_id, kind, None, tag, note=note)
        if self.scope.subprocess is not None:
            self.graph.parent[node_id] = self.scope.subprocess
        self.scope.members.append(node_id)
        return node_id

    def end(self, wanted: str, note: str) -> str:
        """A new end event of the scope (inside a subprocess: a node leading to its exit)."""
        kind = "end" if self.scope.subprocess is None else "pass"
        node_id = self.node(wanted, kind, note, tag="endEvent")
        self.scope.ends.append(node_id)
        return node_id

    def edge(self, source: str, target: str, *, flow_id: str | None = None,
             comment: str | None = None, complement: str | None = None) -> _Edge:
        edge = _Edge(source, target, flow_id, comment=comment, complement=complement)
        self.scope.own.append(edge)
        self.graph.edges.append(edge)
        self.outs.setdefault(source, []).append(edge)
        self.ins.setdefault(target, []).append(edge)
        return edge

    def move_source(self, edge: _Edge, source: str) -> None:
        self.outs[edge.source].remove(edge)
        edge.source = source
        self.outs.setdefault(source, []).append(edge)

    def move_target(self, edge: _Edge, target: str) -> None:
        self.ins[edge.target].remove(edge)
        edge.target = target
        self.ins.setdefault(target, []).append(edge)

    def insert_after(self, node: str, wanted: str, kind: str, note: str | None) -> str:
        """A new node that takes over the flows leaving ``node``, entered from it."""
        after = self.node(wanted, kind, note)
        for edge in list(self.outs.get(node, ())):
            self.move_source(edge, after)
        self.edge(node, after)
        return after

    def distances(self) -> dict[str, int]:
        """Flows from the scope's entry to each node (breadth first)."""
        entry = self.scope.entry
        if entry is None:
            return {}
        seen, queue = {entry: 0}, deque([entry])
        while queue:
            node = queue.popleft()
            for nxt in self.successors(node):
                if nxt not in seen:
                    seen[nxt] = seen[node] + 1
                    queue.append(nxt)
        return seen


@dataclass
class _Branch:
    """Where one branch of a split stops: flows into stopping nodes, nodes no flow leaves."""

    stops: list[_Edge] = field(default_factory=list)
    dangling: list[str] = field(default_factory=list)


def _walk_branches(split: str, links: _Links, stop: Any, budget: list[int],
                   closed: Mapping[str, str] | None = None) -> list[_Branch] | None:
    """Walk all branches of ``split`` at once, breadth first, up to the nodes ``stop``
    accepts. None when two branches meet anywhere else, a branch loops back to the split,
    a node of a branch is entered from outside it, or ``budget[0]`` steps run out (a
    block that meets early is left early: the walk is bounded by the block, not the rest
    of the process). ``closed`` maps the splits of blocks already closed to their joins:
    the walk steps over such a block, so nested blocks are walked once each."""
    closed = closed or {}
    joins = set(closed.values())
    first = links.outs.get(split, [])
    branches = [_Branch() for _ in first]
    label: dict[str, int] = {}
    queue: deque[str] = deque()
    nodes = links.graph.nodes
    for i, edge in enumerate(first):
        if edge.target not in nodes:  # a flow to an element left out: named later
            return None
        if stop(edge.target):
            branches[i].stops.append(edge)
        elif edge.target == split or label.get(edge.target, i) != i:
            return None
        elif edge.target not in label:
            label[edge.target] = i
            queue.append(edge.target)
    while queue:
        budget[0] -= 1
        if budget[0] <= 0:
            return None
        node = queue.popleft()
        i = label[node]
        nexts = links.outs.get(node, [])
        exit_id = links.graph.exits.get(node)
        if node in closed:  # an inner block already closed: on from its join
            nexts, exit_id = [], closed[node]
        if not nexts and exit_id is None:
            branches[i].dangling.append(node)
        targets: list[tuple[_Edge | None, str]] = [(e, e.target) for e in nexts]
        if exit_id:
            targets.append((None, exit_id))
        for flow, target in targets:
            if target not in nodes:
                return None
            if flow is not None and stop(target):
                branches[i].stops.append(flow)
            elif target == split or label.get(target, i) != i:
                return None
            elif target not in label:
                label[target] = i
                queue.append(target)
    for node, i in label.items():
        if node not in joins and any(e.source != split and label.get(e.source) != i
                                     for e in links.ins.get(node, ())):
            return None
    return branches


def _complete_scope(graph: _Graph, scope: _Scope, problems: list[Problem],
                    source: str | None) -> None:
    """Make explicit the routing BPMN leaves implicit in one process or subprocess, then
    connect its ends (see the module docstring for each construction)."""
    for edge in scope.own:  # drawn flows leave a subprocess from its exit
        edge.source = graph.exits.get(edge.source, edge.source)
    explicit_ends = bool(scope.ends)
    links = _Links(graph, scope)
    _split_after_nodes(links, problems, source)
    _boundary_events(links, problems, source)
    if not _begin_scope(links, problems, source):
        return
    _event_subprocess_branches(links, problems, source)
    _inclusive_blocks(links, problems, source)
    _close_parallel_splits(links)
    _end_scope(links, explicit_ends)


def _owner(graph: _Graph, node_id: str) -> str:
    """The BPMN element a node stands for (a subprocess for its exit)."""
    if node_id.endswith("#exit") and graph.exits.get(node_id[:-5]) == node_id:
        return node_id[:-5]
    return node_id


def _split_after_nodes(links: _Links, problems: list[Problem], source: str | None) -> None:
    """Several flows leaving a task, event or subprocess: BPMN's implicit split, parallel
    when no flow has a condition, else an exclusive choice (the default flow one of its
    branches). A parallel or inclusive gateway that both joins and splits: a join, then
    a split."""
    graph = links.graph
    for node_id, edges in list(links.outs.items()):
        node = graph.nodes.get(node_id)
        if node is None or len(edges) < 2 or node.kind == "exclusive":
            continue
        if node.kind in ("parallel", "inclusive"):
            if len(links.ins.get(node_id, ())) > 1:
                links.insert_after(node_id, f"{node_id}#split", node.kind,
                                   f"{node.tag} {node_id!r} joins and splits: the split")
            continue
        owner = _owner(graph, node_id)
        what = f"{node.tag} {quoted(owner)}"
        default = links.scope.defaults.get(owner)
        if not any(e.conditional or (default and e.flow_id == default) for e in edges):
            links.insert_after(node_id, f"{owner}#split", "parallel",
                               f"{len(edges)} flows leave {owner!r} in the BPMN: a parallel split")
            continue
        links.insert_after(node_id, f"{owner}#choice", "exclusive",
                           f"conditional flows leave {owner!r} in the BPMN: an exclusive choice")
        always = [e.flow_id or "" for e in edges if not e.conditional and e.flow_id != default]
        message = N_("conditional sequence flows leave {what}: an exclusive choice among its "
                     "{count} flows, the probability of each a placeholder \"?\", fill it in",
                     what=what, count=len(edges))
        if always:
            message = N_("{message}; flow(s) {flows} without a condition, which BPMN takes "
                         "every time, are taken here as one of the alternatives",
                         message=message, flows=", ".join(map(quoted, always[:3])))
        problems.append(Problem(message, element=owner, file=source, severity="warning"))


def _boundary_events(links: _Links, problems: list[Problem], source: str | None) -> None:
    """Boundary events as routing after the element they are attached to.

    Interrupting: an exclusive choice after it, between completing and each event's
    path. Non-interrupting: a parallel split after it, one branch per event that runs
    the event's path or nothing. A compensation boundary event is left out with its
    handler (compensation runs only when a later step undoes the work)."""
    graph, scope = links.graph, links.scope
    members = set(scope.members)
    hosts: dict[str, list[tuple[str, bool, str]]] = {}
    for bid, element in scope.boundaries:
        host = element.get("attachedToRef") or ""
        kind = _event_kind(element) or "untyped"
        if kind == "compensate":
            problems.append(Problem(
                N_("compensation boundary event {id} on {host}: compensation runs only when a "
                   "later step undoes that work, which the file gives no share for; left out "
                   "with its handler", id=quoted(bid), host=quoted(host)),
                element=bid, file=source, severity="warning"))
            if not links.outs.get(bid) and not links.ins.get(bid):
                del graph.nodes[bid]
                scope.members.remove(bid)
            continue
        if host not in members or graph.nodes[host].kind not in ("activity", "pass"):
            problems.append(Problem(
                N_("boundary event {id} is attached to {host}, which is not a task or "
                   "subprocess beside it", id=quoted(bid), host=quoted(host)),
                element=bid, file=source))
            continue
        hosts.setdefault(host, []).append((bid, element.get("cancelActivity") != "false", kind))
    for host, events in hosts.items():
        _route_boundaries(links, host, events, problems, source)


def _only_flow(edges: list[_Edge] | None) -> str | None:
    return edges[0].flow_id if edges is not None and len(edges) == 1 else None


def _route_boundaries(links: _Links, host: str, events: list[tuple[str, bool, str]],
                      problems: list[Problem], source: str | None) -> None:
    graph, scope = links.graph, links.scope
    last = graph.exits.get(host, host)
    what = f"{graph.nodes[host].tag} {quoted(host)}"
    for bid, _, _ in events:
        if not links.outs.get(bid):  # the event's path ends at once
            if scope.subprocess is None:
                graph.nodes[bid].kind = "end"
            scope.ends.append(bid)
    normal = list(links.outs.get(last, ()))
    head = last
    others = [(b, k) for b, interrupting, k in events if not interrupting]
    stopping = [(b, k) for b, interrupting, k in events if interrupting]
    if others:
        head = links.insert_after(last, f"{host}#during", "parallel",
                                  f"non-interrupting boundary events of {host!r}: their paths "
                                  "run beside the flow after it")
        normal = list(links.outs.get(head, ()))
    if stopping:
        choice = links.node(f"{host}#outcome", "exclusive",
                            f"{host!r} completes, or a boundary event interrupts it")
        for edge in normal:
            links.move_source(edge, choice)
            edge.comment = edge.comment or f"{host} completes: probability, fill in"
        links.edge(head, choice)
        if not normal:
            links.edge(choice, links.end(f"{host}#done", f"{host!r} completed"),
                       comment=f"{host} completes: probability, fill in")
        for bid, kind in stopping:
            links.edge(choice, bid, flow_id=_only_flow(links.outs.get(bid)),
                       comment=f"{kind} boundary event {bid} interrupts {host}: probability, "
                               "fill in")
        spent = (N_("everything in the subprocess is counted either way, an upper bound when "
                    "an event interrupts it early") if host in graph.exits else
                 N_("its time is counted either way, an upper bound when an event interrupts "
                    "it early"))
        problems.append(Problem(
            N_("boundary event(s) {ids} interrupt {what}: an exclusive choice after it between "
               'completing and each event\'s path, the probability of each a placeholder "?", '
               "fill it in; {spent}", ids=", ".join(quoted(b) for b, _ in stopping[:3]),
               what=what, spent=spent),
            element=host, file=source, severity="warning"))
    elif others and not normal:
        links.edge(head, links.end(f"{host}#done", f"{host!r} completed"))
    for bid, kind in others:
        fires = links.node(f"{bid}#fires", "exclusive",
                           f"does {kind} boundary event {bid!r} happen while {host!r} runs?")
        links.edge(head, fires)
        fire = links.edge(fires, bid, flow_id=_only_flow(links.outs.get(bid)),
                          comment=f"{kind} boundary event {bid} happens: probability, fill in")
        links.edge(fires, links.end(f"{bid}#quiet", f"{bid!r} did not happen"),
                   complement=fire.flow_id, comment="1 − the probability above, fill in")
        problems.append(Problem(
            N_("non-interrupting {kind} boundary event {id} on {what}: its path runs beside "
               'the flow after it, at most once, with a probability that is a placeholder "?", '
               "fill it in", kind=kind, id=quoted(bid), what=what),
            element=bid, file=source, severity="warning"))


def _begin_scope(links: _Links, problems: list[Problem], source: str | None) -> bool:
    """Give the scope one entry: several start events become an exclusive choice with
    ``"?"`` shares; none, the nodes no flow enters, started together. False when where
    a subprocess starts is not in the file (a problem says so)."""
    graph, scope = links.graph, links.scope
    top = scope.subprocess is None
    starts = list(scope.starts)
    implicit = not starts
    if implicit:
        entered = {e.target for e in scope.own}
        events = {sub for sub, _ in scope.event_subprocesses}
        starts = [n for n in scope.members if n not in entered and n not in events
                  and graph.nodes[n].kind != "end"]
        if not starts:
            if not top:
                problems.append(Problem(
                    N_("subprocess {id} has no start event and every node in it has an "
                       "incoming flow: where it starts is not in the file",
                       id=quoted(scope.subprocess)),
                    element=scope.subprocess, file=source))
                return False
            return True  # the validator says the process has no start
    if top and len(starts) == 1 and not implicit:
        scope.entry = starts[0]
        return True
    if top:
        note = ("no start event in the BPMN: implicit start" if implicit else
                f"the BPMN's {len(starts)} start events: one of them begins each instance")
        scope.entry = links.node("#start", "start", note, tag="startEvent")
    else:
        scope.entry = scope.subprocess
    entry = scope.entry
    assert entry is not None
    if len(starts) == 1:
        links.edge(entry, starts[0])
    elif implicit:
        scope.parallel_start = True
        begin = links.node(f"{entry}#begin", "parallel",
                           "the nodes no flow enters start together (BPMN's implicit start)")
        links.edge(entry, begin)
        for node in starts:
            links.edge(begin, node)
    else:
        where = N_("the process") if top else N_("subprocess {id}",
                                                  id=quoted(scope.subprocess))
        choice = links.node(f"{entry}#choose", "exclusive", "which start event begins it")
        links.edge(entry, choice)
        for node in starts:
            if top:
                graph.nodes[node].kind = "pass"
            links.edge(choice, node, comment=f"share begun by start event {node}, fill in")
        problems.append(Problem(
            N_("{where} has {count} start events ({ids}): an exclusive choice at one new "
               'start, the share of each a placeholder "?", fill it in', where=where,
               count=len(starts), ids=", ".join(map(quoted, starts[:5]))),
            element=scope.subprocess,
            file=source, severity="warning"))
    return True


def _event_subprocess_branches(links: _Links, problems: list[Problem],
                               source: str | None) -> None:
    """Each event subprocess: an optional branch beside the main flow, taken with
    probability ``"?"`` (exact for a non-interrupting one, an upper bound for an
    interrupting one: the main flow is counted whole)."""
    scope = links.scope
    if not scope.event_subprocesses or scope.entry is None:
        return
    fork = links.insert_after(scope.entry, f"{scope.entry}#events", "parallel",
                              "event subprocesses may run beside the main flow")
    for sub, interrupting in scope.event_subprocesses:
        fires = links.node(f"{sub}#fires", "exclusive", f"does event subprocess {sub!r} run?")
        links.edge(fork, fires)
        links.edge(fires, sub, comment=f"event subprocess {sub} runs: probability, fill in")
        links.edge(fires, links.end(f"{sub}#quiet", f"{sub!r} did not run"),
                   comment="1 − the probability above, fill in")
        how = (N_("interrupting: costed beside the whole main flow, an upper bound (when it "
                  "interrupts, the rest of the main flow is not done)") if interrupting else
               N_("non-interrupting: its expected cost is exact"))
        problems.append(Problem(
            N_("event subprocess {id} runs beside the main flow, at most once, with a "
               'probability that is a placeholder "?", fill it in; {how}', id=quoted(sub),
               how=how), element=sub,
            file=source, severity="warning"))


def _inclusive_blocks(links: _Links, problems: list[Problem], source: str | None) -> None:
    """Each inclusive (OR) split with its inclusive join: a parallel split whose every
    branch is an exclusive choice, taken (p) or skipped (1 − p), and a parallel join;
    the expected cost is then Σ p·C, exact. Inner blocks first."""
    graph, scope = links.graph, links.scope
    splits = [n for n in scope.members if graph.nodes[n].kind == "inclusive"
              and len(links.outs.get(n, ())) > 1]
    distance = links.distances()
    splits.sort(key=lambda n: -distance.get(n, -1))
    budget = [20 * (len(scope.own) + len(scope.members)) + 1000]
    ends = set(scope.ends)

    def stop(node: str) -> bool:
        return node in ends or (graph.nodes[node].kind == "inclusive"
                                and len(links.ins.get(node, ())) > 1)

    for split in splits:
        branches = _walk_branches(split, links, stop, budget)
        joins = {e.target for b in branches or () for e in b.stops}
        if (branches is None or len(joins) != 1 or any(b.dangling for b in branches)
                or not all(b.stops for b in branches) or joins & ends):
            problems.append(Problem(
                N_("inclusive gateway {id}: its branches do not all meet again at one "
                   "inclusive gateway (they end apart, loop back, or meet elsewhere first); the "
                   "costing format cannot take each branch on its own there: model it as "
                   "exclusive or parallel gateways", id=quoted(split)),
                element=split, file=source))
            continue
        (join,) = joins
        graph.nodes[split].kind = graph.nodes[join].kind = "parallel"
        graph.nodes[split].note = f"inclusive gateway {split!r}: each branch on its own"
        graph.nodes[join].note = f"inclusive gateway {join!r}: joins the branches of {split!r}"
        for i, (first, branch) in enumerate(zip(list(links.outs[split]), branches,
                                                strict=True)):
            if first.target == join:  # an empty branch costs nothing taken or not
                links.outs[split].remove(first)
                links.ins[join].remove(first)
                scope.own.remove(first)
                graph.edges.remove(first)
                continue
            take = links.node(f"{split}#take{i + 1}", "exclusive",
                              f"branch {i + 1} of inclusive gateway {split!r}: taken?")
            merge = links.node(f"{split}#merge{i + 1}", "exclusive",
                               f"branch {i + 1} of {split!r} done or skipped")
            links.move_source(first, take)
            first.comment = first.comment or f"branch taken (inclusive {split}): fill in"
            links.edge(split, take)
            links.edge(take, merge, complement=first.flow_id,
                       comment="branch skipped: 1 − the probability above, fill in")
            for edge in branch.stops:
                links.move_target(edge, merge)
            links.edge(merge, join)
        problems.append(Problem(
            N_("inclusive gateway {id}: each branch is taken on its own, with a probability "
               'that is a placeholder "?" (fill it in), and joined at {join}; the expected '
               "cost (the sum of probability × branch cost) is exact", id=quoted(split),
               join=quoted(join)), element=split, file=source, severity="warning"))
    for node in scope.members:
        if graph.nodes[node].kind == "inclusive":
            if len(links.ins.get(node, ())) > 1:
                problems.append(Problem(
                    N_("inclusive gateway {id} joins branches that no inclusive gateway "
                       "opened: model it as an exclusive or parallel gateway", id=quoted(node)),
                    element=node, file=source))
            elif len(links.outs.get(node, ())) <= 1:
                graph.nodes[node].kind = "exclusive"  # one way in, one out: passes through


def _close_parallel_splits(links: _Links) -> None:
    """A parallel split whose branches never meet again, each ending at end events (or
    at nodes no flow leaves): the ends of each branch merge, and a parallel join waits
    for every branch before one end (a BPMN instance ends when all its tokens have).
    Inner splits first; the walks are bounded by a budget linear in the scope."""
    graph, scope = links.graph, links.scope
    splits = [n for n in scope.members if graph.nodes[n].kind == "parallel"
              and len(links.outs.get(n, ())) > 1]
    if not splits:
        return
    distance = links.distances()
    splits.sort(key=lambda n: -distance.get(n, -1))
    budget = [20 * (len(scope.own) + len(scope.members)) + 1000]
    closed: dict[str, str] = {}
    ends, gone = set(scope.ends), set()
    for split in splits:
        branches = _walk_branches(split, links, ends.__contains__, budget, closed)
        if branches is None or not all(b.stops or b.dangling for b in branches):
            continue
        join = links.node(f"{split}#join", "parallel",
                          f"the branches of {split!r} end apart in the BPMN: the instance "
                          "ends when all have")
        end = links.end(f"{split}#end", f"after the branches of {split!r}")
        ends.add(end)
        links.edge(join, end)
        closed[split] = join
        touched = set()
        for i, branch in enumerate(branches):
            into = join
            if len(branch.stops) + len(branch.dangling) > 1:
                into = links.node(f"{split}#branch{i + 1}", "exclusive",
                                  f"the ends of branch {i + 1} of {split!r} merge")
                links.edge(into, join)
            for edge in branch.stops:
                touched.add(edge.target)
                links.move_target(edge, into)
            for node in branch.dangling:
                links.edge(graph.exits.get(node, node), into)
        for end in touched:
            if not links.ins.get(end) and not links.outs.get(end):
                del graph.nodes[end]
                ends.discard(end)
                gone.add(end)
    if gone:
        scope.ends[:] = [n for n in scope.ends if n not in gone]
        scope.members[:] = [n for n in scope.members if n not in gone]


def _end_scope(links: _Links, explicit_ends: bool) -> None:
    """Connect the scope's ends: a subprocess's to its exit (several merge there, or join
    when its nodes started together); a process without end events ends at the nodes no
    flow leaves."""
    graph, scope = links.graph, links.scope
    left = set(links.outs)
    dangling = [graph.exits.get(n, n) for n in scope.members
                if graph.exits.get(n, n) not in left and n not in scope.ends
                and graph.nodes[n].kind != "end"]
    if scope.subprocess is None:
        if explicit_ends or not dangling:
            return
        end = links.node("#end", "end", "no end event in the BPMN: implicit end", tag="endEvent")
        join = end
        if len(dangling) > 1:
            parallel = scope.parallel_start
            join = links.node("#join", "parallel" if parallel else "exclusive",
                              "the paths that end without an end event "
                              + ("join" if parallel else "merge") + " here")
            links.edge(join, end)
        for node in dangling:
            links.edge(node, join)
        return
    inner = list(scope.ends) + ([] if explicit_ends else dangling)
    exit_id = graph.exits[scope.subprocess]
    if len(inner) > 1:
        parallel = scope.parallel_start and not explicit_ends
        graph.nodes[exit_id].kind = "parallel" if parallel else "exclusive"
        graph.nodes[exit_id].note = (f"the {len(inner)} ends of subprocess "
                                     f"{quoted(scope.subprocess)} "
                                     + ("join" if parallel else "merge") + " here")
    for end in inner:
        graph.edges.append(_Edge(end, exit_id, None))


def _read_lanes(process: Element, graph: _Graph) -> dict[str, tuple[str, str | None]]:
    """Lane id -> (id, name); sets each node's innermost lane."""
    lanes: dict[str, tuple[str, str | None]] = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        lane_id = lane.get("id") or f"lane_{len(lanes) + 1}"
        lanes[lane_id] = (lane_id, _clean_name(lane.get("name")))
        for ref in _children(lane, "flowNodeRef"):
            node = graph.nodes.get((ref.text or "").strip())
            if node is not None:
                node.lane = lane_id  # inner lanes come later in document order
    for node_id, node in graph.nodes.items():
        parent = graph.parent.get(node_id)
        while node.lane is None and parent is not None:
            node.lane = graph.nodes[parent].lane
            parent = graph.parent.get(parent)
    return lanes


def _repeat_loops(graph: _Graph, problems: list[Problem], source: str | None, *,
                  simulator: str | None = None) -> None:
    """Run each multi-instance or loop element as often as the file says, through a loop
    back: with probability (N-1)/N the element runs again, so it runs N times on average,
    the count the exact engine takes. When the file gives no count the probabilities are
    placeholders to fill in, never a silent single run; except when the file's figures
    are a ``simulator``'s parameters (Prosimos, BIMP): those simulators ignore a loop
    marker and run the element once, and the parameters were fitted that way (Simod
    marks a task that repeats in the log as a loop and fits its duration to all its
    runs), so the model runs it once too, and says so."""
    once: list[str] = []  # loops a simulator runs once: said together after the loop
    for node_id, repeat in graph.repeats.items():
        node = graph.nodes.get(node_id)
        if node is None or repeat.times == 1:
            continue
        if repeat.times is None and simulator is not None \
                and repeat.what.startswith("a loop"):
            once.append(quoted(node.name or node_id))
            continue
        last = graph.exits.get(node_id, node_id)
        again, more, done = f"{node_id}#again", f"{node_id}#repeat", f"{node_id}#done"
        ins = [e for e in graph.edges if e.target == node_id]
        outs = [e for e in graph.edges if e.source == last]
        for edge in ins:
            edge.target = again
        for edge in outs:
            edge.source = done
        what = N_("{tag} {id} is {repeat}", tag=node.tag, id=quoted(node_id),
                  repeat=repeat.what)
        graph.nodes[again] = _Node(again, "exclusive", None, "",
                                   note=f"{node_id}: {repeat.what}; each run starts here")
        graph.nodes[more] = _Node(more, "exclusive", None, "",
                                  note=f"{node_id}: run again?")
        graph.nodes[done] = _Node(done, "pass", None, "")
        graph.edges += [_Edge(again, node_id, None), _Edge(last, more, None)]
        if repeat.times is None:
            why = f"{repeat.what}: how many runs is not in the file; (N-1)/N for N runs, fill in"
            graph.edges += [_Edge(more, again, None, comment=why),
                            _Edge(more, done, None, comment="1/N for N runs, fill in")]
            problems.append(Problem(
                N_("{what}: how many times it runs is not in the file, so the probability of "
                   'running again is a placeholder "?", fill it in ((N-1)/N for N runs)',
                   what=what),
                element=node_id, file=source, severity="warning"))
            continue
        n = repeat.times
        graph.edges += [
            _Edge(more, again, None, probability=(n - 1) / n,
                  comment=f"{repeat.what}: runs {n} times on average, ({n}-1)/{n}"),
            _Edge(more, done, None, probability=1 / n, comment=f"1/{n}")]
        problems.append(Problem(
            N_("{what}: costed {n} times, through a loop back taken with probability "
               "{again}/{n} (the expected count {n} is exact; a simulation draws the count "
               "around {n}, one run after another)", what=what, n=n, again=n - 1),
            element=node_id, file=source, severity="warning"))
    if once:
        problems.append(Problem(
            N_("{count} task(s) carry a loop marker (standardLoopCharacteristics) with no "
               "count: {ids}; each is costed once, as {simulator} runs them with these "
               "parameters (add a loop back with its probability where one repeats)",
               count=len(once), ids=listed(once), simulator=simulator),
            file=source, severity="warning"))


def _flatten(graph: _Graph, problems: list[Problem], source: str | None, *,
             simulator: str | None = None) -> None:
    """Resolve subprocess exits, add the loops of repeated elements and remove
    pass-through nodes (``simulator``: see :func:`_repeat_loops`)."""
    for edge in graph.edges:
        if edge.flow_id is not None:  # drawn flows leave a subprocess from its exit
            edge.source = graph.exits.get(edge.source, edge.source)
    known = graph.nodes
    for edge in list(graph.edges):
        for end in (edge.source, edge.target):
            if end not in known:
                problems.append(Problem(
                    N_("sequence flow {id} refers to {end}, which is not a supported element "
                       "of this process", id=quoted(edge.flow_id), end=quoted(end)),
                    element=edge.flow_id, file=source))
                graph.edges.remove(edge)
                break
    _repeat_loops(graph, problems, source, simulator=simulator)
    # Flows by source and target, kept up to date: looking them up in the list of all
    # flows for each pass node made this quadratic (6 s for 1,000 boundary events).
    outs_of: dict[str, list[_Edge]] = {}
    ins_of: dict[str, list[_Edge]] = {}
    for edge in graph.edges:
        outs_of.setdefault(edge.source, []).append(edge)
        ins_of.setdefault(edge.target, []).append(edge)
    removed: set[int] = set()
    changed = True
    while changed:
        changed = False
        for node_id, node in list(graph.nodes.items()):
            if node.kind != "pass":
                continue
            ins = ins_of.get(node_id, [])
            outs = outs_of.get(node_id, [])
            if len(outs) > 1:
                node.kind = "parallel"
                node.note = "several flows leave here in the BPMN: an implicit parallel split"
                continue
            if not outs:
                node.kind = "exclusive"  # dangling; the validator names it
                continue
            (out,) = outs
            target = out.target
            if target == node_id:  # a flow from a pass node to itself: left for the validator
                node.kind = "exclusive"
                continue
            if len(ins) > 1 and graph.nodes[target].kind == "parallel":
                node.kind = "exclusive"
                node.note = "an implicit merge in the BPMN"
                continue
            # The flows into the node go on to its target; the flow out of it goes.
            removed.add(id(out))
            ins_of[target].remove(out)
            for edge in ins:
                edge.target = target
                ins_of[target].append(edge)
            ins_of.pop(node_id, None)
            outs_of.pop(node_id, None)
            del graph.nodes[node_id]
            changed = True
    graph.edges = [e for e in graph.edges if id(e) not in removed]
    # Two flows between the same two nodes (an exclusive choice whose branches both end,
    # two empty parallel branches): the second passes through a gateway of its own, so each
    # keeps its probability or its token.
    seen: set[tuple[str, str]] = set()
    for edge in list(graph.edges):
        if (edge.source, edge.target) in seen:
            via = f"{edge.source}#via"
            while via in graph.nodes:
                via += "'"
            graph.nodes[via] = _Node(via, "exclusive", None, "",
                                     note="a second flow between the same two elements")
            graph.edges.append(_Edge(via, edge.target, None))
            edge.target = via
        seen.add((edge.source, edge.target))


# --- the model text ---------------------------------------------------------------------


def _tidy(value: Any) -> Any:
    """Whole numbers as integers (``30``, not ``30.0``), in values and inside durations."""
    if isinstance(value, dict):
        return {key: _tidy(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_tidy(item) for item in value]
    if isinstance(value, float) and math.isfinite(value) and value == int(value) \
            and abs(value) < 1e15:
        return int(value)
    return value


def _one_line(value: Any) -> Any:
    """A duration, a mapping of minutes or units: on one line when it is a mapping."""
    return OneLine(_tidy(value)) if isinstance(value, dict) else _tidy(value)


def bpmn_to_model_text(
    data: bytes,
    *,
    source: str,
    params: dict | None = None,
    process: str | None = None,
    variant: str | None = None,
    pool: str | None = None,
) -> tuple[str, list[Problem]]:
    """Convert a BPMN 2.0 file into the text of an ``abc-costing/1`` model.

    Parameters
    ----------
    data : the BPMN file's bytes.
    source : the file name, used in the problems.
    params : Prosimos simulation parameters (the parsed JSON), if any.
    process : slug of the process (default: from the pool's or process's name or id).
    variant : slug of the variant (default: the one the file carries, else ``as_is``).
    pool : the pool to import (its id, its process's id or its name), needed when
        several pools have content (:func:`bpmn_to_model_texts` imports each).

    Returns
    -------
    ``(text, problems)``. When any problem is an error (unsafe or malformed XML,
    an unsupported element) ``text`` is empty. Warnings list what was assumed
    and every ``"?"`` placeholder left to fill in.

    Examples
    --------
    >>> text, problems = bpmn_to_model_text(b"<!DOCTYPE x [<!ENTITY a 'b'>]><x/>",
    ...                                     source="evil.bpmn")
    >>> text, problems[0].message
    ('', 'BPMN files need no DTD; refused for safety (the file declares a DTD or entities)')
    """
    try:
        root = _parse_xml(data, source)
        chosen, element = _choose_pool(root, source, pool)
    except _Refused as refused:
        return "", refused.problems
    text, problems, _ = _pool_text(root, chosen, element, source=source, params=params,
                                   process=process, variant=variant, pools=None)
    return text, problems


@dataclass(frozen=True)
class PoolText:
    """One pool of a BPMN file as the text of a model.

    Attributes:
      pool: the pool it was made from.
      text: the model's text (empty when the pool could not be imported).
      problems: what the import assumed, left to fill in, or could not do.
      target: where the model goes in a library, ``process/variant.yaml``
        (None without a text).
    """

    pool: BpmnPool
    text: str
    problems: tuple[Problem, ...]
    target: str | None = None


def bpmn_to_model_texts(
    data: bytes, *, source: str, params: dict | None = None, variant: str | None = None
) -> tuple[list[PoolText], list[Problem]]:
    """Every pool of a BPMN file that has content, each as the model of a process of its own.

    A message a pool waits for (a receive task or a message catch event that a
    message flow from another pool enters) becomes a wait of that pool's model:
    elapsed minutes without labour, a ``"?"`` to fill in. Processes are named
    after their pools, each a different slug.

    Returns ``(pools, problems)``: one :class:`PoolText` per pool, and the
    problems that stop the whole file (unsafe or malformed XML, no process).

    Examples
    --------
    >>> xml = f'''<definitions xmlns="{BPMN_NS}">
    ...   <collaboration id="c">
    ...     <participant id="shop" name="Shop" processRef="p1"/>
    ...     <participant id="bank" name="Bank" processRef="p2"/>
    ...     <messageFlow id="m" sourceRef="pay" targetRef="paid"/>
    ...   </collaboration>
    ...   <process id="p1"><startEvent id="s1"/><receiveTask id="paid" name="Payment in"/>
    ...     <endEvent id="e1"/><sequenceFlow id="f1" sourceRef="s1" targetRef="paid"/>
    ...     <sequenceFlow id="f2" sourceRef="paid" targetRef="e1"/></process>
    ...   <process id="p2"><startEvent id="s2"/><task id="pay" name="Pay"/>
    ...     <endEvent id="e2"/><sequenceFlow id="f3" sourceRef="s2" targetRef="pay"/>
    ...     <sequenceFlow id="f4" sourceRef="pay" targetRef="e2"/></process>
    ... </definitions>'''.encode()
    >>> pools, problems = bpmn_to_model_texts(xml, source="pay.bpmn")
    >>> [(p.pool.name, p.text.split("process: ")[1].split()[0]) for p in pools]
    [('Shop', 'shop'), ('Bank', 'bank')]
    >>> pools[0].problems[0].message.split(":")[0]
    "receiveTask 'paid' waits for a message from 'Bank' (bank)"
    >>> print(pools[0].text.split("activities:")[1].split("gateways:")[0].strip())
    payment_in:  # BPMN receiveTask 'paid'
        name: "Payment in"
        wait: "?"  # not in the file: minutes waiting for the message from 'Bank' (bank), fill in
    """
    try:
        root = _parse_xml(data, source)
    except _Refused as refused:
        return [], refused.problems
    pools = _pools(root)
    if not pools:
        return [], [Problem(N_("the file has no process with tasks or events"), file=source)]
    slugs = UniqueIds()
    texts = []
    for pool, element in pools:
        text, problems, target = _pool_text(
            root, pool, element, source=source, params=params,
            process=slugs.new(_process_slug(element, pool)), variant=variant, pools=pools)
        texts.append(PoolText(pool, text, tuple(problems), target))
    return texts, []


def bpmn_pools(data: bytes, *, source: str) -> tuple[list[BpmnPool], list[Problem]]:
    """The pools of a BPMN file that have content, for a user to choose from.

    >>> bpmn_pools(b"<x/>", source="x.bpmn")[1][0].message[:21]
    'not a BPMN 2.0 file: '
    """
    try:
        root = _parse_xml(data, source)
    except _Refused as refused:
        return [], refused.problems
    return [pool for pool, _ in _pools(root)], []


def _process_slug(element: Element, pool: BpmnPool) -> str:
    """The process slug a pool's model gets: the one our export wrote, else from its name."""
    abc = _abc_child(element, "model")
    wanted = abc.get("process") if abc is not None else None
    return _as_slug(wanted or _slug(_clean_name(element.get("name")) or pool.name
                                    or element.get("id") or "process"))


def _pool_text(root: Element, pool: BpmnPool, element: Element, *, source: str,
               params: dict | None, process: str | None, variant: str | None,
               pools: list[tuple[BpmnPool, Element]] | None
               ) -> tuple[str, list[Problem], str | None]:
    """The model text of one pool of a parsed file (see :func:`bpmn_to_model_text`),
    its problems and its place in a library (``process/variant.yaml``)."""
    problems: list[Problem] = []
    graph = _Graph(senders=_message_senders(root, pools or _pools(root), element))
    try:
        _read_container(element, graph, problems, source, subprocess=None, depth=0)
        lanes = _read_lanes(element, graph)
        _flatten(graph, problems, source, simulator="Prosimos" if params
                 else "BIMP" if next(root.iter(f"{{{QBP_NS}}}processSimulationInfo"), None)
                 is not None else None)
    except _Refused as refused:
        return "", refused.problems, None
    for flow in root.iter(f"{{{BPMN_NS}}}messageFlow"):
        target = graph.nodes.get(flow.get("targetRef") or "")
        if (target is not None and target.waits_for is None and target.kind != "start"
                and target.tag != "startEvent"):
            problems.append(Problem(
                N_("message flow {id} is ignored: {tag} {target} is not a receive task or a "
                   "message catch event, so no wait for the message is in the model",
                   id=quoted(flow.get("id")), tag=target.tag, target=quoted(target.bpmn_id)),
                element=flow.get("id"),
                file=source, severity="warning"))
    starts = [n for n in graph.nodes.values() if n.kind == "start"]
    if len(starts) > 1:
        ids = ", ".join(repr(n.bpmn_id) for n in starts)
        problems.append(Problem(N_("the process has {count} start events ({ids}); "
                                   "abc-costing needs exactly one", count=len(starts), ids=ids),
                                file=source))
    if any(p.severity == "error" for p in problems):
        return "", problems, None

    parameters = [p for p in (read_qbp(root, problems, source),
                              read_prosimos(params, problems, source) if params else None)
                  if p is not None]
    writer = _Writer(graph, lanes, parameters, element, source=source,
                     process=process or _process_slug(element, pool), variant=variant,
                     problems=problems, pool_name=pool.name)
    return writer.text(), problems, f"{writer.process}/{writer.variant}.yaml"


class _Writer:
    """Builds the model (plain data and comments) from the flattened graph and the parameters."""

    def __init__(self, graph: _Graph, lanes: dict[str, tuple[str, str | None]],
                 parameters: list[SimulationParameters], process_element: Element, *, source: str,
                 process: str, variant: str | None, problems: list[Problem],
                 pool_name: str | None = None):
        self.graph, self.lanes, self.parameters = graph, lanes, parameters
        self.source, self.problems = source, problems
        self.element = process_element
        self.abc_model = _abc_child(process_element, "model")
        abc = self.abc_model.attrib if self.abc_model is not None else {}
        self.title = (_clean_name(abc.get("title")) or _clean_name(process_element.get("name"))
                      or pool_name)
        self.process = _as_slug(process)
        self.variant = _as_slug(variant or abc.get("variant") or "as_is")
        self.node_ids = UniqueIds()
        self.resource_ids = UniqueIds()
        self.resources: dict[str, tuple[str, dict[str, Any]]] = {}  # source key -> (id, entry)
        self.ids = {}
        for node in graph.nodes.values():
            wanted = node.abc_id or (_slug(node.name) if node.name and node.name.isascii()
                                     else _slug(node.bpmn_id))
            self.ids[node.bpmn_id] = self.node_ids.new(wanted)

    def warn(self, message: Message, element: str | None) -> None:
        self.problems.append(Problem(message, element=element, file=self.source,
                                     severity="warning"))

    # resources

    def _abc_resources(self) -> None:
        if self.abc_model is None:
            return
        for resource in _children(self.abc_model, "resource", ABC_NAMESPACE):
            rid = self.resource_ids.new(resource.get("id") or "resource")
            entry: dict[str, Any] = {}
            for key, value in resource.attrib.items():
                if key == "id":
                    continue
                number = _float(value) if key not in ("kind", "name") else None
                entry[key] = value if number is None else _tidy(number)
            self.resources[f"abc:{rid}"] = (rid, entry)

    def _resource(self, key: str, wanted: str, name: str | None, rate: float | None,
                  origin: str, note: str | None = None,
                  info: SimulationResource | None = None) -> str:
        if key in self.resources:
            return self.resources[key][0]
        rid = self.resource_ids.new(_slug(wanted))
        entry: dict[str, Any] = {"kind": Commented("labor", note)}
        if name:
            entry["name"] = name
        if rate is None:
            entry["rate_per_hour"] = Commented(PLACEHOLDER, _FILL_IN)
            self.warn(N_('no rate in the file: rate_per_hour is a placeholder "?", fill it in'),
                      rid)
        else:
            entry["rate_per_hour"] = Commented(_tidy(rate), origin)
        if info is not None and info.headcount is not None:
            entry["headcount"] = Commented(_tidy(info.headcount), origin)
        if info is not None and info.hours_per_day is not None:
            entry["hours_per_day"] = Commented(_tidy(info.hours_per_day), info.calendar_note)
            entry["days_per_month"] = _tidy(info.days_per_month)
        self.resources[key] = (rid, entry)
        return rid

    def _parameter_resource(self, params: SimulationParameters, key: str) -> str:
        info = params.resources.get(key)
        if info is None:
            return self._resource(f"{params.origin}:{key}", key, None, None, params.origin)
        return self._resource(f"{params.origin}:{key}", info.name if info.name and
                              info.name.isascii() else key, info.name, info.rate_per_hour,
                              params.origin, info=info)

    # activities

    def _activity(self, node: _Node) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if node.name:
            entry["name"] = node.name
        if node.abc is not None:
            return entry | self._abc_activity(node.abc)
        if node.wait is not None:  # a timer: elapsed time, no work
            minutes, why = node.wait
            if minutes == PLACEHOLDER:
                self.warn(N_('timer {tag} {id} gives no duration: its wait is a placeholder '
                             '"?", fill in the minutes', tag=node.tag, id=quoted(node.bpmn_id)),
                          self.ids[node.bpmn_id])
            return entry | {"wait": Commented(_tidy(minutes), why)}
        if node.note:
            return entry | {"labor": Commented(OneLine({}), node.note)}
        for params in reversed(self.parameters):  # Prosimos JSON wins over embedded QBP
            durations = params.durations.get(node.bpmn_id)
            if not durations:
                continue
            labor = {self._parameter_resource(params, r): d for r, d in durations}
            placeholder = any(d == PLACEHOLDER for d in labor.values())
            if placeholder:
                self.warn(N_('a duration could not be read: labor minutes are a placeholder '
                             '"?"'),
                          self.ids[node.bpmn_id])
            entry["labor"] = Commented(_one_line(labor), _FILL_IN if placeholder
                                       else params.origin + ", minutes")
            if len(labor) > 1:
                # The simulator gives each execution to ONE of the task's resources: say so,
                # so that a queue simulation does not hold them all at once.
                entry["one_of"] = Commented(_one_line({r: 1 / len(labor) for r in labor}),
                                            "any one of them does each execution, an equal "
                                            "share each; labor is each one's share of minutes")
            if node.bpmn_id in params.fixed_cost:
                fixed = params.fixed_cost[node.bpmn_id]
                entry["other_cost"] = Commented(_tidy(fixed), _FILL_IN if fixed == PLACEHOLDER
                                                else params.origin + ", per execution")
            return entry
        if node.waits_for is not None:  # waiting for a message is elapsed time, not work
            sender = f" from {node.waits_for}" if node.waits_for else ""
            self.warn(N_('{tag} {id} waits for a message from {sender}: its wait is a '
                         'placeholder "?", fill in the minutes', tag=node.tag,
                         id=quoted(node.bpmn_id), sender=node.waits_for) if node.waits_for
                      else N_('{tag} {id} waits for a message: its wait is a placeholder "?", '
                              'fill in the minutes', tag=node.tag, id=quoted(node.bpmn_id)),
                      self.ids[node.bpmn_id])
            return entry | {"wait": Commented(PLACEHOLDER, "not in the file: minutes waiting "
                                              f"for the message{sender}, fill in")}
        if node.lane is not None:
            lane_id, lane_name = self.lanes[node.lane]
            rid = self._resource(f"lane:{lane_id}", lane_name if lane_name and
                                 lane_name.isascii() else lane_id, lane_name, None,
                                 "lane", note=f"lane {lane_id!r} in the BPMN")
        else:
            rid = self._resource("performer", "performer", None, None, "",
                                 note="the BPMN gives these tasks no lane")
        self.warn(N_('no duration in the file: labor minutes are a placeholder "?", fill them '
                     'in'),
                  self.ids[node.bpmn_id])
        entry["labor"] = Commented(OneLine({rid: PLACEHOLDER}),
                                   "not in the file: minutes per execution, fill in")
        return entry

    def _abc_activity(self, abc: Element) -> dict[str, Any]:
        def duration(element: Element) -> Any:
            try:
                values = [float(v) for v in (element.get("parameters") or "").split()]
                kind = element.get("distribution") or "fixed"
                match kind:  # text from the file: an unknown name is a placeholder to fill in
                    case "fixed":
                        return values[0]
                    case "lognormal":
                        return {"lognormal": {"mean": values[0], "sd": values[1]}}
                    case "triangular" | "pert" | "uniform":
                        return {kind: values}
                    case _:
                        return PLACEHOLDER
            except (ValueError, IndexError):
                return PLACEHOLDER  # parse_model_text names it

        entry: dict[str, Any] = {}
        labor = {e.get("resource") or "?": duration(e)
                 for e in _children(abc, "labor", ABC_NAMESPACE)}
        uses = {e.get("resource") or "?": _float(e.get("units")) or 0.0
                for e in _children(abc, "uses", ABC_NAMESPACE)}
        if labor:
            entry["labor"] = _one_line(labor)
        shares = {e.get("resource") or "?": _float(e.get("one_of_share"))
                  for e in _children(abc, "labor", ABC_NAMESPACE) if e.get("one_of_share")}
        if shares:  # alternatives (one_of); an unreadable share is a "?" the check names
            entry["one_of"] = _one_line({r: PLACEHOLDER if v is None else v
                                         for r, v in shares.items()})
        if uses:
            entry["uses"] = _one_line(uses)
        other = _float(abc.get("other_cost"))
        if other:
            entry["other_cost"] = _tidy(other)
        wait = next(iter(_children(abc, "wait", ABC_NAMESPACE)), None)
        if wait is not None:
            entry["wait"] = _one_line(duration(wait))
        needs = [e.get("activity") or "?" for e in _children(abc, "needs", ABC_NAMESPACE)]
        if needs:  # what the task waits for, as our own export wrote it
            entry["needs"] = needs
        if abc.get("value"):
            entry["value"] = abc.get("value")
        return entry

    # flows

    def _known_probability(self, flow_id: str | None) -> tuple[float | None, str | None]:
        """A flow's probability as the file gives it (our export's, then the parameters')."""
        abc = self.graph.flow_abc.get(flow_id or "")
        if abc is not None and _float(abc.get("probability")) is not None:
            return _float(abc.get("probability")), None
        for params in reversed(self.parameters):
            if flow_id in params.probabilities:
                return params.probabilities[flow_id or ""], params.origin
        return None, None

    def _probability(self, edge: _Edge) -> tuple[Any, str | None]:
        if edge.probability is not None:  # routing the importer made (a repeat's loop)
            return edge.probability, edge.comment
        if edge.complement is not None:  # an optional branch not taken: 1 - taken
            taken, origin = self._known_probability(edge.complement)
            if taken is not None and taken <= 1:
                note = f"1 - {_tidy(taken)}" + (f", {origin}" if origin else "")
                return round(1 - taken, 12), note
            return PLACEHOLDER, edge.comment
        known, origin = self._known_probability(edge.flow_id)
        if known is not None:
            return known, origin
        return PLACEHOLDER, (edge.comment
                             or "not in the file: probability of this branch, fill in")

    def _flows(self) -> list[Any]:
        flows: list[Any] = []
        outgoing: dict[str, int] = {}
        for edge in self.graph.edges:
            outgoing[edge.source] = outgoing.get(edge.source, 0) + 1
        for edge in self.graph.edges:
            ends: list[Any] = [self.ids[edge.source], self.ids[edge.target]]
            comment = None
            if self.graph.nodes[edge.source].kind == "exclusive" and outgoing[edge.source] > 1:
                probability, comment = self._probability(edge)
                # A loop the importer made has said its own "?" already, once for both flows.
                if probability == PLACEHOLDER and not edge.source.endswith("#repeat"):
                    self.warn(N_('no probability in the file for the flow {source} → {target}: '
                                 'a placeholder "?", fill it in', source=ends[0],
                                 target=ends[1]), ends[0])
                ends.append(_tidy(probability))
            flows.append(Commented(ends, comment))
        return flows

    def _currency(self) -> Commented:
        currency = self.abc_model.get("currency") if self.abc_model is not None else None
        currency = currency if currency and re.fullmatch(r"[A-Z]{3}", currency) else None
        comment = None
        for params in self.parameters:
            if params.currency and re.fullmatch(r"[A-Z]{3}", params.currency):
                currency, comment = params.currency, params.origin
        if currency is None:
            return Commented("RUB", "not in the file: the default; change if needed")
        return Commented(currency, comment)

    def text(self) -> str:
        self._abc_resources()
        activities: dict[str, Any] = {}
        gateways: dict[str, Any] = {}
        events: dict[str, Any] = {}
        for node in self.graph.nodes.values():
            nid = self.ids[node.bpmn_id]
            if node.kind == "activity":
                where = f"BPMN {node.tag} {node.bpmn_id!r}" if nid != node.bpmn_id else None
                activities[nid] = Commented(self._activity(node), where)
            else:
                body = {"kind": node.kind}
                if node.name:
                    body["name"] = node.name
                target = events if node.kind in ("start", "end") else gateways
                target[nid] = Commented(OneLine(body), node.note)
        flows = self._flows()

        document: dict[str, Any] = {
            "format": "abc-costing/1", "process": self.process, "variant": self.variant}
        if self.title:
            document["title"] = self.title
        document["currency"] = self._currency()
        volume = (_float(self.abc_model.get("volume_per_year"))
                  if self.abc_model is not None else None)
        above_resources: tuple[str, ...] = ("",)
        simulated = next((p for p in reversed(self.parameters)
                          if p.volume_per_year is not None), None)
        if volume is not None:
            document["volume_per_year"] = _tidy(volume)
        elif simulated is not None and simulated.volume_per_year is not None:
            document["volume_per_year"] = Commented(_tidy(simulated.volume_per_year),
                                                    simulated.volume_note)
        else:
            above_resources = ("volume_per_year: instances per year (optional; not in "
                               "the file)", "")
        document["resources"] = Commented(dict(self.resources.values()), above=above_resources)
        document |= {"activities": activities, "gateways": gateways, "events": events,
                     "flows": flows}
        return yaml_text(document, header=[
            f"Imported from {self.source} by abc-costing import-bpmn.",
            'Values written "?" were not in the file: fill them in, then check this file with',
            "  abc-costing validate FILE (in a library it is saved as "
            f"{self.process}/{self.variant}.yaml)",
        ])


# --- export -------------------------------------------------------------------------------

_SIZES = {"activity": (100, 80), "exclusive": (50, 50), "parallel": (50, 50),
          "start": (36, 36), "end": (36, 36)}
_TAGS = {"activity": "userTask", "exclusive": "exclusiveGateway",
         "parallel": "parallelGateway", "start": "startEvent", "end": "endEvent"}
_X_STEP, _Y_STEP, _MARGIN = 180, 100, 60
_NCNAME = re.compile(r"[^\W\d][\w.-]*")
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _attr(value: Any) -> str:
    text = _XML_INVALID.sub("", str(value))
    return quoteattr(text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def _simple_layout(model: ProcessModel) -> dict[str, tuple[float, float]]:
    """Layers by longest path from the start, back edges set aside; rows in file order."""
    graph = nx.DiGraph()
    graph.add_nodes_from(model.node_kinds)
    graph.add_edges_from((f.source, f.target) for f in model.flows)
    starts = [n for n, k in model.node_kinds.items() if k == "start"]
    back = {(u, v) for u, v, d in nx.dfs_labeled_edges(graph, starts[0] if starts else None)
            if d == "nontree" and nx.has_path(graph, v, u)} if starts else set()
    dag = nx.DiGraph(e for e in graph.edges if e not in back)
    dag.add_nodes_from(graph)
    if not nx.is_directed_acyclic_graph(dag):
        dag = nx.DiGraph()
        dag.add_nodes_from(graph)
    layer: dict[str, int] = {}
    for node in nx.topological_sort(dag):
        layer[node] = max((layer[p] + 1 for p in dag.predecessors(node)), default=0)
    rows: dict[int, list[str]] = {}
    for node in model.node_kinds:
        rows.setdefault(layer[node], []).append(node)
    xy = {}
    for x, nodes in rows.items():
        for i, node in enumerate(nodes):
            xy[node] = (float(x), i - (len(nodes) - 1) / 2)
    return xy


def model_to_bpmn(
    model: ProcessModel, *, layout: Mapping[str, tuple[float, float]] | None = None
) -> bytes:
    """Write ``model`` as a BPMN 2.0 file with a laid-out diagram.

    Activities become user tasks, gateways and events keep their kinds, and
    every node gets a ``BPMNShape`` and every flow a ``BPMNEdge``, left to
    right, in a pool with one lane per labour resource: a task sits in the
    lane of the resource that spends the most minutes on it, a gateway or
    event beside its neighbours (see :func:`_lanes`). ``layout`` maps node
    ids to (x, y) in layers and rows (as
    :func:`abc_costing.reports.figures.process_flow_layout` gives it; the
    command line passes that one); without it a simpler layering is used.
    Rates, minutes, costs and probabilities travel in ``abc:`` extension
    elements, so :func:`bpmn_to_model_text` reads the same model back.

    Examples
    --------
    >>> from abc_costing.formats import load_model, parse_model_text
    >>> model = load_model("process_models/contract_approval/as_is.yaml")
    >>> xml = model_to_bpmn(model)
    >>> xml.count(b"<bpmndi:BPMNShape "), len(model.node_kinds)  # + the pool and 5 lanes
    (24, 18)
    >>> xml.count(b"<bpmn:lane ")
    5
    >>> text, _ = bpmn_to_model_text(xml, source="as_is.bpmn")
    >>> parse_model_text(text)[0] == model
    True
    """
    if model.case_classes:
        # BPMN has no place for a probability per class, and a mean over the
        # classes would cost a loop wrongly once read back: nothing is written.
        raise ModelError([Problem(
            N_("BPMN export cannot carry case classes yet (a flow's probability by class "
               "has no BPMN form); the model file is the only complete record"),
            element="case_classes", path=("case_classes",))])
    xy = dict(layout) if layout is not None else _simple_layout(model)
    kinds = model.node_kinds
    missing = [n for n in kinds if n not in xy]
    if missing:
        fallback = _simple_layout(model)
        xy.update({n: fallback[n] for n in missing})
    bpmn_ids = UniqueIds()
    ids = {n: bpmn_ids.new(n if _NCNAME.fullmatch(n) else f"_{n}") for n in kinds}
    process_id = bpmn_ids.new("Process_" + (model.process if _NCNAME.fullmatch(
        "P" + model.process) else "1"))
    flow_ids = [bpmn_ids.new(f"Flow_{i + 1}") for i in range(len(model.flows))]

    collaboration_id = bpmn_ids.new("Collaboration_1")
    participant_id = bpmn_ids.new("Participant_1")
    lane_of, lanes = _lanes(model, xy)
    lane_ids = [bpmn_ids.new(f"Lane_{i + 1}") for i in range(len(lanes))]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<bpmn:definitions xmlns:bpmn="{BPMN_NS}" xmlns:bpmndi="{BPMNDI_NS}" '
           f'xmlns:dc="{DC_NS}" xmlns:di="{DI_NS}" xmlns:abc="{ABC_NAMESPACE}" '
           'id="Definitions_1" targetNamespace="http://bpmn.io/schema/bpmn" '
           'exporter="abc-costing" exporterVersion="1">',
           f"  <bpmn:collaboration id={_attr(collaboration_id)}>",
           f"    <bpmn:participant id={_attr(participant_id)} "
           f"name={_attr(model.title or model.process)} processRef={_attr(process_id)}/>",
           "  </bpmn:collaboration>",
           f'  <bpmn:process id={_attr(process_id)} isExecutable="false"'
           + (f" name={_attr(model.title)}" if model.title else "") + ">",
           "    <bpmn:extensionElements>"]
    header = {"process": model.process, "variant": model.variant, "currency": model.currency,
              "title": model.title, "volume_per_year": model.volume_per_year}
    out.append("      <abc:model " + " ".join(
        f"{k}={_attr(_number(v) if isinstance(v, float) else v)}"
        for k, v in header.items() if v is not None) + ">")
    for rid, resource in model.resources.items():
        fields = resource.model_dump(exclude_unset=True, exclude_none=True)
        fields.setdefault("kind", resource.kind)
        attrs = " ".join(f"{k}={_attr(_number(v) if isinstance(v, float) else v)}"
                         for k, v in fields.items())
        out.append(f"        <abc:resource id={_attr(rid)} {attrs}/>")
    out += ["      </abc:model>", "    </bpmn:extensionElements>",
            '    <bpmn:laneSet id="LaneSet_1">']
    for (label, members), lane_id in zip(lanes, lane_ids, strict=True):
        out.append(f"      <bpmn:lane id={_attr(lane_id)} name={_attr(label)}>")
        out += [f"        <bpmn:flowNodeRef>{escape(ids[n])}</bpmn:flowNodeRef>"
                for n in members]
        out.append("      </bpmn:lane>")
    out.append("    </bpmn:laneSet>")

    incoming: dict[str, list[str]] = {n: [] for n in kinds}
    outgoing: dict[str, list[str]] = {n: [] for n in kinds}
    for flow, fid in zip(model.flows, flow_ids, strict=True):
        outgoing.setdefault(flow.source, []).append(fid)
        incoming.setdefault(flow.target, []).append(fid)
    for node, kind in kinds.items():
        tag = _TAGS[kind]
        name = model.display_name(node) if model.display_name(node) != node else None
        attrs = f"id={_attr(ids[node])}" + (f" name={_attr(name)}" if name else "")
        if ids[node] != node:
            attrs += f" abc:id={_attr(node)}"
        out.append(f"    <bpmn:{tag} {attrs}>")
        if kind == "activity":
            out.extend(_activity_extension(model, node))
        out += [f"      <bpmn:incoming>{escape(f)}</bpmn:incoming>" for f in incoming[node]]
        out += [f"      <bpmn:outgoing>{escape(f)}</bpmn:outgoing>" for f in outgoing[node]]
        out.append(f"    </bpmn:{tag}>")
    for flow, fid in zip(model.flows, flow_ids, strict=True):
        attrs = (f"id={_attr(fid)} sourceRef={_attr(ids.get(flow.source, flow.source))} "
                 f"targetRef={_attr(ids.get(flow.target, flow.target))}")
        if flow.probability is None:
            out.append(f"    <bpmn:sequenceFlow {attrs}/>")
            continue
        out += [f"    <bpmn:sequenceFlow {attrs} name={_attr(f'{flow.probability:.0%}')}>",
                "      <bpmn:extensionElements>",
                f"        <abc:flow probability={_attr(repr(flow.probability))}/>",
                "      </bpmn:extensionElements>",
                "    </bpmn:sequenceFlow>"]
    out.append("  </bpmn:process>")
    out += _diagram(model, xy, ids, flow_ids, lane_of, lanes, lane_ids,
                    collaboration_id, participant_id)
    out.append("</bpmn:definitions>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _duration_element(tag: str, duration: Duration, extra: str = "") -> str:
    parameters = " ".join(repr(float(p)) for p in duration.parameters)
    return (f"        <abc:{tag}{extra} distribution={_attr(duration.distribution)} "
            f"parameters={_attr(parameters)}/>")


def _activity_extension(model: ProcessModel, node: str) -> list[str]:
    activity = model.activities[node]
    attrs = f" value={_attr(activity.value)}"
    if activity.other_cost:
        attrs += f" other_cost={_attr(repr(activity.other_cost))}"
    lines = ["      <bpmn:extensionElements>", f"        <abc:activity{attrs}>"]
    for rid, duration in activity.labor.items():
        share = (f" one_of_share={_attr(repr(activity.one_of[rid]))}"
                 if rid in activity.one_of else "")
        lines.append("  " + _duration_element("labor", duration,
                                              f" resource={_attr(rid)}{share}"))
    for rid, units in activity.uses.items():
        lines.append(f"          <abc:uses resource={_attr(rid)} units={_attr(repr(units))}/>")
    if activity.wait.mean_minutes or activity.wait.distribution != "fixed":
        lines.append("  " + _duration_element("wait", activity.wait))
    for needed in activity.needs:
        lines.append(f"          <abc:needs activity={_attr(needed)}/>")
    return lines + ["        </abc:activity>", "      </bpmn:extensionElements>"]


def _lanes(model: ProcessModel, xy: Mapping[str, tuple[float, float]]
           ) -> tuple[dict[str, int], list[tuple[str, list[str]]]]:
    """Each node's lane, and the lanes (label, nodes) from top to bottom.

    A task goes to the labour resource that spends the most minutes on it
    ("(no labour)" when none does). A gateway or event goes to the lane of
    its first predecessor that has one, else of its first successor, so
    splits sit beside the task they follow. Lanes are ordered by their
    leftmost node: the lane where the process starts is on top.
    """
    kinds = model.node_kinds
    owner: dict[str, str] = {}
    for node, activity in model.activities.items():
        labour = [(d.mean_minutes, -i, rid) for i, (rid, d) in enumerate(activity.labor.items())]
        owner[node] = max(labour)[2] if labour else ""
    predecessors: dict[str, list[str]] = {n: [] for n in kinds}
    successors: dict[str, list[str]] = {n: [] for n in kinds}
    for flow in model.flows:
        if flow.source in kinds and flow.target in kinds:
            successors[flow.source].append(flow.target)
            predecessors[flow.target].append(flow.source)
    for neighbours in (predecessors, successors):
        changed = True
        while changed:
            changed = False
            for node in kinds:
                if node not in owner:
                    found = next((owner[n] for n in neighbours[node] if n in owner), None)
                    if found is not None:
                        owner[node], changed = found, True
    first = next(iter(owner.values()), "")
    for node in kinds:
        owner.setdefault(node, first)
    resources = list(model.resources)
    keys = sorted(set(owner.values()), key=lambda k: (
        min(xy[n][0] for n in kinds if owner[n] == k),
        resources.index(k) if k in model.resources else len(resources)))
    index = {k: i for i, k in enumerate(keys)}

    def label(key: str) -> str:
        resource = model.resources.get(key)
        return (resource.name or key) if resource is not None else "(no labour)"

    lanes = [(label(k), [n for n in kinds if owner[n] == k]) for k in keys]
    return {n: index[owner[n]] for n in kinds}, lanes


_LANE_PADDING, _POOL_LABEL = 20, 30


def _diagram(model: ProcessModel, xy: Mapping[str, tuple[float, float]], ids: dict[str, str],
             flow_ids: list[str], lane_of: Mapping[str, int],
             lanes: list[tuple[str, list[str]]], lane_ids: list[str], collaboration_id: str,
             participant_id: str) -> list[str]:
    kinds = model.node_kinds
    # Inside its lane a node keeps its layer (x) and its rank among the lane's nodes of
    # that layer, in the layout's row order, so branches stay stacked as drawn.
    row_in_lane: dict[str, int] = {}
    rows_of_lane = [1] * len(lanes)
    by_cell: dict[tuple[int, float], list[str]] = {}
    for node in sorted(kinds, key=lambda n: xy[n][1]):
        by_cell.setdefault((lane_of[node], xy[node][0]), []).append(node)
    for (lane, _), nodes in by_cell.items():
        for rank, node in enumerate(nodes):
            row_in_lane[node] = rank
        rows_of_lane[lane] = max(rows_of_lane[lane], len(nodes))
    lane_top, top = [], float(_MARGIN)
    for rows in rows_of_lane:
        lane_top.append(top)
        top += rows * _Y_STEP + 2 * _LANE_PADDING
    pool_bottom = top
    left = min(x for x, _ in xy.values())
    right = max(x for x, _ in xy.values())
    pool_x = _MARGIN - _POOL_LABEL - 20
    # Wide enough for the last column and the turn a loop back makes after it.
    pool_width = (right - left) * _X_STEP + 50 + _X_STEP / 2 + 20 + _POOL_LABEL + 20 + 50
    centre = {n: (_MARGIN + 50 + (x - left) * _X_STEP,
                  lane_top[lane_of[n]] + _LANE_PADDING + (row_in_lane[n] + 0.5) * _Y_STEP)
              for n, (x, _) in xy.items()}
    below = pool_bottom + 30  # loops going back run under the pool
    out = ['  <bpmndi:BPMNDiagram id="BPMNDiagram_1">',
           f'    <bpmndi:BPMNPlane id="BPMNPlane_1" bpmnElement={_attr(collaboration_id)}>',
           f"      <bpmndi:BPMNShape id={_attr(participant_id + '_di')} "
           f'bpmnElement={_attr(participant_id)} isHorizontal="true">',
           f'        <dc:Bounds x="{pool_x:g}" y="{_MARGIN:g}" width="{pool_width:g}" '
           f'height="{pool_bottom - _MARGIN:g}"/>',
           "      </bpmndi:BPMNShape>"]
    for lane, lane_id in enumerate(lane_ids):
        height = rows_of_lane[lane] * _Y_STEP + 2 * _LANE_PADDING
        out += [f"      <bpmndi:BPMNShape id={_attr(lane_id + '_di')} "
                f'bpmnElement={_attr(lane_id)} isHorizontal="true">',
                f'        <dc:Bounds x="{pool_x + _POOL_LABEL:g}" y="{lane_top[lane]:g}" '
                f'width="{pool_width - _POOL_LABEL:g}" height="{height:g}"/>',
                "      </bpmndi:BPMNShape>"]
    for node, kind in kinds.items():
        w, h = _SIZES[kind]
        cx, cy = centre[node]
        marker = ' isMarkerVisible="true"' if kind == "exclusive" else ""
        out += [f"      <bpmndi:BPMNShape id={_attr(ids[node] + '_di')} "
                f"bpmnElement={_attr(ids[node])}{marker}>",
                f'        <dc:Bounds x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w}" '
                f'height="{h}"/>',
                "      </bpmndi:BPMNShape>"]
    for flow, fid in zip(model.flows, flow_ids, strict=True):
        if flow.source not in centre or flow.target not in centre:
            continue
        (sx, sy), (tx, ty) = centre[flow.source], centre[flow.target]
        sw, sh = _SIZES[kinds[flow.source]]
        tw, th = _SIZES[kinds[flow.target]]
        # Turns are made in the free gaps between columns, never across a node.
        gap_before_target, gap_after_source = tx - _X_STEP / 2, sx + _X_STEP / 2
        if tx > sx:
            start, end = (sx + sw / 2, sy), (tx - tw / 2, ty)
            points = ([start, end] if sy == ty else
                      [start, (gap_before_target, sy), (gap_before_target, ty), end])
        else:  # a loop back: under the pool, to the left, and in from the left
            points = [(sx + sw / 2, sy), (gap_after_source, sy), (gap_after_source, below),
                      (gap_before_target, below), (gap_before_target, ty), (tx - tw / 2, ty)]
        out.append(f"      <bpmndi:BPMNEdge id={_attr(fid + '_di')} bpmnElement={_attr(fid)}>")
        out += [f'        <di:waypoint x="{x:g}" y="{y:g}"/>' for x, y in points]
        out.append("      </bpmndi:BPMNEdge>")
    return out + ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
