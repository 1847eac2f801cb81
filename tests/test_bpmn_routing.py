"""Routing BPMN leaves implicit, made explicit by the importer: several flows leaving a task,
parallel branches ending at separate end events, boundary events, event-based and inclusive
gateways, several start events, timers and event subprocesses.

Each imported model has its "?" placeholders filled in here and is costed; the cost is
worked out by hand in each test. data/bpmn/miwg/A.3.0.bpmn is the MIWG reference model
A.3.0 (CC BY 3.0, see data/README.md).
"""

from __future__ import annotations

import pytest

from abc_costing import workflows as wf
from abc_costing.engine import cost_model
from abc_costing.formats.bpmn import bpmn_to_model_text, iso_duration_minutes
from tests.test_bpmn_structure import DATA, bpmn, errors, filled, flows, process


def imported(body: str, name: str = "x.bpmn"):
    text, problems = bpmn_to_model_text(bpmn(process(body)), source=name)
    assert errors(problems) == [], errors(problems)
    return text, problems


def tasks(*names: str) -> str:
    return "".join(f'<task id="{n}" name="{n.upper()}"/>' for n in names)


def warned(problems, element: str) -> list[str]:
    return [p.message for p in problems if p.element == element and p.severity == "warning"]


# --- several flows leaving a task; branches ending apart ----------------------------------


def test_unconditioned_flows_leaving_a_task_split_in_parallel_and_join_before_one_end():
    # Old code: "activity has 2 outgoing flows" (and, with a gateway, "parallel split is not
    # closed by a parallel join: its branches never meet again").
    body = ('<startEvent id="s"/>' + tasks("a", "b", "c") + '<endEvent id="e1"/><endEvent id="e2"/>'
            + flows("s>a", "a>b", "a>c", "b>e1", "c>e2"))
    text, _ = imported(body)
    model = filled(text, rate_per_hour=60, minutes={"A": 10, "B": 20, "C": 30})
    assert sorted(g.kind for g in model.gateways.values()) == ["parallel", "parallel"]
    assert [e for e, ev in model.events.items() if ev.kind == "end"] == ["a_split_end"]
    # Every token runs: 10 + 20 + 30 = 60 at 1 per minute.
    assert cost_model(model).cost_per_instance == pytest.approx(60)


def test_parallel_gateway_whose_branches_end_apart_each_with_a_choice():
    # The branch through b chooses between two ends; they merge, then wait for c's branch.
    body = ('<startEvent id="s"/><parallelGateway id="p"/><exclusiveGateway id="x"/>'
            + tasks("b", "c", "d") + '<endEvent id="e1"/><endEvent id="e2"/><endEvent id="e3"/>'
            + flows("s>p", "p>b", "p>c", "b>x", "x>d", "x>e1", "d>e2", "c>e3"))
    text, _ = imported(body)
    model = filled(text, rate_per_hour=60, minutes={"B": 4, "C": 6, "D": 10},
                   probabilities={("x", "d"): 0.25, ("x", "p_branch1"): 0.75})
    # 4 + 6 + 0.25 × 10 = 12.5
    assert cost_model(model).cost_per_instance == pytest.approx(12.5)


def test_conditional_flows_leaving_a_task_are_an_exclusive_choice_with_the_default():
    # Old code: "conditional sequence flow ... is not supported", no model.
    body = ('<startEvent id="s"/><task id="a" name="A" default="f_a_c"/>' + tasks("b", "c")
            + '<endEvent id="e"/>'
            + '<sequenceFlow id="f_a_b" sourceRef="a" targetRef="b"><conditionExpression>'
              "${big}</conditionExpression></sequenceFlow>"
            + flows("s>a", "a>c", "b>e", "c>e"))
    text, problems = imported(body)
    [told] = [m for m in warned(problems, "a") if "conditional" in m]
    assert told.startswith("conditional sequence flows leave task 'a': an exclusive choice")
    model = filled(text, rate_per_hour=60, minutes={"A": 1, "B": 10, "C": 2},
                   probabilities={("a_choice", "b"): 0.2, ("a_choice", "c"): 0.8})
    assert model.gateways["a_choice"].kind == "exclusive"
    # 1 + 0.2 × 10 + 0.8 × 2 = 4.6
    assert cost_model(model).cost_per_instance == pytest.approx(4.6)


def test_a_task_entered_by_several_flows_is_an_exclusive_merge():
    # A rework loop back into the task itself: x = 1 / (1 - 0.5) = 2 runs of a.
    body = ('<startEvent id="s"/>' + tasks("a") + '<exclusiveGateway id="ok"/><endEvent id="e"/>'
            + flows("s>a", "a>ok", "ok>a", "ok>e"))
    text, _ = imported(body)
    model = filled(text, rate_per_hour=60, minutes={"A": 3},
                   probabilities={("ok", "a"): 0.5, ("ok", "e"): 0.5})
    assert cost_model(model).cost_per_instance == pytest.approx(2 * 3)


def test_two_branches_of_a_choice_into_the_same_node_keep_their_probabilities():
    # Both branches of x end: after the ends are joined, each keeps a flow of its own.
    body = ('<startEvent id="s"/><parallelGateway id="p"/><exclusiveGateway id="x"/>'
            + tasks("a") + '<endEvent id="e1"/><endEvent id="e2"/><endEvent id="e3"/>'
            + flows("s>p", "p>a", "p>x", "x>e1", "x>e2", "a>e3"))
    text, _ = imported(body)
    model = filled(text, rate_per_hour=60, minutes={"A": 7},
                   probabilities={("x", "p_branch2"): 0.4, ("x", "x_via"): 0.6})
    assert cost_model(model).cost_per_instance == pytest.approx(7)


# --- boundary events ----------------------------------------------------------------------


def test_interrupting_boundary_event_is_a_choice_after_the_task():
    # Old code: "boundary event 'late' is not supported", no model.
    body = ('<startEvent id="s"/>' + tasks("t", "n", "x")
            + '<boundaryEvent id="late" attachedToRef="t"><timerEventDefinition/></boundaryEvent>'
            + '<endEvent id="e1"/><endEvent id="e2"/>'
            + flows("s>t", "t>n", "n>e1", "late>x", "x>e2"))
    text, problems = imported(body)
    [told] = [m for m in warned(problems, "t") if "boundary" in m]
    assert "interrupt task 't'" in told and "counted either way" in told
    model = filled(text, rate_per_hour=60, minutes={"T": 10, "N": 5, "X": 40},
                   probabilities={("t_outcome", "n"): 0.9, ("t_outcome", "x"): 0.1})
    # t's 10 minutes either way; then 0.9 × 5 + 0.1 × 40 = 8.5; 18.5
    assert cost_model(model).cost_per_instance == pytest.approx(18.5)


def test_non_interrupting_boundary_event_is_an_optional_branch_beside_the_flow():
    body = ('<startEvent id="s"/>' + tasks("t", "n", "r")
            + '<boundaryEvent id="remind" attachedToRef="t" cancelActivity="false">'
              "<messageEventDefinition/></boundaryEvent>"
            + '<endEvent id="e1"/><endEvent id="e2"/>'
            + flows("s>t", "t>n", "n>e1", "remind>r", "r>e2"))
    text, problems = imported(body)
    assert "non-interrupting message boundary event 'remind'" in warned(problems, "remind")[0]
    model = filled(text, rate_per_hour=60, minutes={"T": 10, "N": 5, "R": 8},
                   probabilities={("remind_fires", "r"): 0.25,
                                  ("remind_fires", "t_during_branch2"): 0.75})
    # 10 + 5 + 0.25 × 8 = 17: the reminder's path beside the normal one, a quarter of the time.
    assert cost_model(model).cost_per_instance == pytest.approx(17)


def test_boundary_event_on_a_subprocess_says_the_subprocess_is_counted_whole():
    sub = ('<subProcess id="sub"><startEvent id="is"/><task id="a" name="A"/><endEvent id="ie"/>'
           + flows("is>a", "a>ie") + "</subProcess>")
    body = ('<startEvent id="s"/>' + sub + tasks("x")
            + '<boundaryEvent id="err" attachedToRef="sub"><errorEventDefinition/></boundaryEvent>'
            + '<endEvent id="e1"/><endEvent id="e2"/>' + flows("s>sub", "sub>e1", "err>x", "x>e2"))
    text, problems = imported(body)
    assert "everything in the subprocess is counted either way" in warned(problems, "sub")[0]
    model = filled(text, rate_per_hour=60, minutes={"A": 10, "X": 30},
                   probabilities={("sub_outcome", "e1"): 0.8, ("sub_outcome", "x"): 0.2})
    # 10 + 0.2 × 30 = 16
    assert cost_model(model).cost_per_instance == pytest.approx(16)


def test_miwg_a3_both_kinds_of_boundary_event_on_a_collapsed_subprocess():
    # The MIWG reference A.3.0 (old code: refused): task 1, then a collapsed subprocess with
    # an interrupting escalation (-> task 4 -> end 2) and a non-interrupting message
    # (-> task 3 -> end 1) on it; normally task 2 -> end 1.
    text, problems = bpmn_to_model_text((DATA / "bpmn" / "miwg" / "A.3.0.bpmn").read_bytes(),
                                        source="A.3.0.bpmn")
    assert errors(problems) == []
    sub = "_1ae31d1b-2559-4f78-a3ec-47986a49db48"
    stop, go = "_178e16eb-4c9e-4ea0-9644-7c5fb2b71825", "_428dcbf5-8e5e-48e0-9c0c-d93003fa8c82"
    # Node ids are the BPMN ids as slugs (no leading "_").
    outcome, fires = f"{sub[1:]}_outcome", f"{go[1:]}_fires"
    model = filled(text, rate_per_hour=60,
                   minutes={"Task 1": 1, "Collapsed Sub-Process": 2, "Task 2": 4, "Task 3": 8,
                            "Task 4": 16},
                   probabilities={(outcome, "task_2"): 0.75, (outcome, "task_4"): 0.25,
                                  (fires, "task_3"): 0.5,
                                  (fires, f"{sub[1:]}_during_branch2"): 0.5})
    assert stop in text and model.gateways[f"{sub[1:]}_during"].kind == "parallel"
    # 1 + 2 + (0.75 × 4 + 0.25 × 16) + 0.5 × 8 = 3 + 7 + 4 = 14
    assert cost_model(model).cost_per_instance == pytest.approx(14)


def test_compensation_boundary_event_and_its_handler_are_left_out_and_said_so():
    body = ('<startEvent id="s"/>' + tasks("book")
            + '<boundaryEvent id="undo" attachedToRef="book"><compensateEventDefinition/>'
              '</boundaryEvent><task id="cancel" isForCompensation="true"/><endEvent id="e"/>'
            + '<association id="as" sourceRef="undo" targetRef="cancel"/>'
            + flows("s>book", "book>e"))
    text, problems = imported(body)
    assert "compensation handler" in warned(problems, "cancel")[0]
    assert "left out with its handler" in warned(problems, "undo")[0]
    model = filled(text, rate_per_hour=60, minutes={"BOOK": 5})
    assert list(model.activities) == ["book"]
    assert cost_model(model).cost_per_instance == pytest.approx(5)


# --- event-based gateway, timers, several starts -------------------------------------------


def test_event_based_gateway_is_a_choice_and_its_timer_waits_its_duration():
    # Old code: "event-based gateway 'g' is not supported", no model.
    body = ('<startEvent id="s"/>' + tasks("ask", "go", "chase")
            + '<eventBasedGateway id="g"/><endEvent id="e"/>'
            + '<intermediateCatchEvent id="answer" name="Answer"><messageEventDefinition/>'
              "</intermediateCatchEvent>"
            + '<intermediateCatchEvent id="two_hours" name="Two hours"><timerEventDefinition>'
              "<timeDuration>PT2H</timeDuration></timerEventDefinition></intermediateCatchEvent>"
            + '<exclusiveGateway id="m"/>'
            + flows("s>ask", "ask>g", "g>answer", "g>two_hours", "answer>go", "two_hours>chase",
                    "go>m", "chase>m", "m>e"))
    text, problems = imported(body)
    assert any("whichever event comes first" in m for m in warned(problems, "g"))
    model = filled(text, rate_per_hour=60, minutes={"ASK": 2, "GO": 10, "CHASE": 5},
                   waits={"Answer": 30},
                   probabilities={("g", "answer"): 0.6, ("g", "two_hours"): 0.4})
    assert model.activities["two_hours"].wait.mean_minutes == 120  # PT2H
    assert model.activities["two_hours"].labor == {}
    # 2 + 0.6 × 10 + 0.4 × 5 = 10 (waits take time, not money)
    assert cost_model(model).cost_per_instance == pytest.approx(10)


def test_iso_durations_in_minutes():
    assert iso_duration_minutes("PT2H") == 120
    assert iso_duration_minutes("P7D") == 7 * 24 * 60
    assert iso_duration_minutes("P1W") == 7 * 24 * 60
    assert iso_duration_minutes("P1DT1H30M") == 24 * 60 + 60 + 30
    assert iso_duration_minutes("PT90S") == 1.5
    assert iso_duration_minutes("PT0,5H") == 30
    for text in ("P1M", "P1Y", "PT", "P", "2h", "${later}", ""):
        assert iso_duration_minutes(text) is None, text


def test_timer_without_a_duration_is_a_placeholder_wait():
    body = ('<startEvent id="s"/><intermediateCatchEvent id="t"><timerEventDefinition>'
            "<timeDate>2026-01-01T00:00:00</timeDate></timerEventDefinition>"
            '</intermediateCatchEvent><endEvent id="e"/>' + flows("s>t", "t>e"))
    text, problems = imported(body)
    assert 'wait: "?"  # timer with a date or cycle (timeDate/timeCycle)' in text
    assert any('placeholder "?"' in m for m in warned(problems, "t"))


def test_several_start_events_are_a_choice_at_one_new_start():
    # Old code: "the process has 2 start events", no model.
    body = ('<startEvent id="web"/><startEvent id="mail"/>' + tasks("type", "check")
            + '<endEvent id="e"/>' + flows("web>check", "mail>type", "type>check", "check>e"))
    text, problems = imported(body)
    assert any("2 start events ('web', 'mail')" in p.message for p in problems)
    model = filled(text, rate_per_hour=60, minutes={"TYPE": 6, "CHECK": 4},
                   probabilities={("start_choose", "check"): 0.7,
                                  ("start_choose", "type"): 0.3})
    # 4 + 0.3 × 6 = 5.8
    assert cost_model(model).cost_per_instance == pytest.approx(5.8)


def test_several_start_events_of_a_subprocess_are_a_choice_too():
    sub = ('<subProcess id="sub"><startEvent id="s1"/><startEvent id="s2"/>' + tasks("a", "b")
           + '<endEvent id="ie"/>' + flows("s1>a", "s2>b", "a>ie", "b>ie") + "</subProcess>")
    text, problems = imported('<startEvent id="s"/>' + sub + '<endEvent id="e"/>'
                              + flows("s>sub", "sub>e"))
    assert any(p.element == "sub" and "2 start events" in p.message for p in problems)
    model = filled(text, rate_per_hour=60, minutes={"A": 10, "B": 20},
                   probabilities={("sub_choose", "a"): 0.5, ("sub_choose", "b"): 0.5})
    assert cost_model(model).cost_per_instance == pytest.approx(15)


# --- inclusive gateways ---------------------------------------------------------------------


def or_block(inner: str = "") -> str:
    """An OR split of three branches (a, b, c) joined by an OR join, then d."""
    return ('<startEvent id="s"/><inclusiveGateway id="or"/><inclusiveGateway id="orj"/>'
            + tasks("a", "b", "c", "d") + '<endEvent id="e"/>' + inner
            + flows("s>or", "or>a", "or>b", "or>c", "a>orj", "b>orj", "c>orj", "orj>d", "d>e"))


def test_inclusive_gateway_expected_cost_is_the_sum_of_probability_times_branch_cost():
    # Old code: "inclusive gateway 'or' is not supported", no model.
    text, problems = imported(or_block())
    assert any("exact" in m for m in warned(problems, "or"))
    p = {"a": 0.5, "b": 0.3, "c": 0.8}
    minutes = {"A": 10, "B": 20, "C": 40, "D": 1}
    probabilities = {}
    for i, branch in enumerate("abc", start=1):
        probabilities[f"or_take{i}", branch] = p[branch]
        probabilities[f"or_take{i}", f"or_merge{i}"] = 1 - p[branch]
    model = filled(text, rate_per_hour=60, minutes=minutes, probabilities=probabilities)
    assert model.gateways["or"].kind == model.gateways["orj"].kind == "parallel"
    # Σ p·C + d = 0.5 × 10 + 0.3 × 20 + 0.8 × 40 + 1 = 5 + 6 + 32 + 1 = 44
    hand = sum(p[b] * minutes[b.upper()] for b in "abc") + minutes["D"]
    assert hand == pytest.approx(44)
    assert cost_model(model).cost_per_instance == pytest.approx(hand)


def test_inclusive_branch_probabilities_from_bimp_fill_the_skip_flow_too():
    # BIMP/QBP gives each OR branch its own probability; the skip flow is 1 - p.
    qbp = ('<extensionElements><qbp:processSimulationInfo xmlns:qbp="http://www.qbp-simulator'
           '.com/Schema201212" id="q" processInstances="10" currency="EUR"><qbp:sequenceFlows>'
           '<qbp:sequenceFlow elementId="f_or_a" executionProbability="0.5"/>'
           '<qbp:sequenceFlow elementId="f_or_b" executionProbability="0.3"/>'
           '<qbp:sequenceFlow elementId="f_or_c" executionProbability="0.8"/>'
           "</qbp:sequenceFlows></qbp:processSimulationInfo></extensionElements>")
    text, _ = imported(or_block(qbp))
    assert "[or_take1, or_merge1, 0.5]" in text and "[or_take2, or_merge2, 0.7]" in text
    assert "[or_take3, or_merge3, 0.2]" in text and "[or_take3, c, 0.8]" in text


def test_an_empty_inclusive_branch_costs_nothing_and_is_dropped():
    body = ('<startEvent id="s"/><inclusiveGateway id="or"/><inclusiveGateway id="orj"/>'
            + tasks("a") + '<endEvent id="e"/>' + flows("s>or", "or>a", "or>orj", "a>orj", "orj>e"))
    text, _ = imported(body)
    model = filled(text, rate_per_hour=60, minutes={"A": 10},
                   probabilities={("or_take1", "a"): 0.4, ("or_take1", "or_merge1"): 0.6})
    assert cost_model(model).cost_per_instance == pytest.approx(4)


def test_inclusive_join_no_split_opened_is_refused_by_name():
    body = ('<startEvent id="s"/><parallelGateway id="p"/><inclusiveGateway id="orj"/>'
            + tasks("a", "b") + '<endEvent id="e"/>'
            + flows("s>p", "p>a", "p>b", "a>orj", "b>orj", "orj>e"))
    text, problems = bpmn_to_model_text(bpmn(process(body)), source="x.bpmn")
    assert text == "" and [p.element for p in problems if p.severity == "error"] == ["orj"]


# --- event subprocesses ---------------------------------------------------------------------


def event_sub(interrupting: str) -> str:
    return (f'<subProcess id="esp" triggeredByEvent="true"><startEvent id="es" '
            f'isInterrupting="{interrupting}"><messageEventDefinition/></startEvent>'
            '<task id="x" name="X"/><endEvent id="ee"/>' + flows("es>x", "x>ee") + "</subProcess>")


@pytest.mark.parametrize("interrupting", ["false", "true"])
def test_event_subprocess_is_an_optional_branch_beside_the_main_flow(interrupting):
    # Old code: "event subprocess 'esp' is not supported", no model.
    body = ('<startEvent id="s"/>' + tasks("a", "b") + '<endEvent id="e"/>'
            + event_sub(interrupting) + flows("s>a", "a>b", "b>e"))
    text, problems = imported(body)
    [told] = warned(problems, "esp")
    assert ("an upper bound" in told) == (interrupting == "true")
    assert ("exact" in told) == (interrupting == "false")
    model = filled(text, rate_per_hour=60, minutes={"A": 3, "B": 7, "X": 50},
                   probabilities={("esp_fires", "x"): 0.1,
                                  ("esp_fires", "s_events_branch2"): 0.9})
    # 3 + 7 + 0.1 × 50 = 15
    assert cost_model(model).cost_per_instance == pytest.approx(15)


def test_the_import_workflow_fills_in_to_a_valid_model():
    # Through the application layer: once the "?" are numbers the text validates.
    body = ('<startEvent id="s"/>' + tasks("t", "n", "r")
            + '<boundaryEvent id="b" attachedToRef="t" cancelActivity="false"/>'
            + '<endEvent id="e"/>' + flows("s>t", "t>n", "n>e", "b>r"))
    text, _ = imported(body)
    filled_text = text.replace('"?"', "0.5").replace("rate_per_hour: 0.5", "rate_per_hour: 60")
    model, _, _, problems = wf.check_model_text(filled_text, source_name="x.yaml")
    assert model is not None, [str(p) for p in problems]
    assert [p for p in problems if p.severity == "error"] == []
