"""BPMN structure as other tools write it: collapsed and implicit-start subprocesses, ad-hoc
subprocesses, multi-instance and loop elements, several pools with message flows between them.

Each imported model has its "?" placeholders filled in by hand here, then is costed: the cost
is worked out in each test. Files under data/bpmn/miwg are from the BPMN MIWG test suite
(CC BY 3.0, see data/README.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from abc_costing import workflows as wf
from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import model_from_data, parse_yaml_data
from abc_costing.formats.bpmn import BPMN_NS, bpmn_pools, bpmn_to_model_text, bpmn_to_model_texts
from abc_costing.model import ProcessModel

DATA = Path(__file__).parent / "data"


def process(body: str, *, pid: str = "p", name: str | None = None) -> str:
    named = f' name="{name}"' if name else ""
    return f'<process id="{pid}"{named}>{body}</process>'


def bpmn(*processes: str, collaboration: str = "") -> bytes:
    return (f'<definitions xmlns="{BPMN_NS}">{collaboration}{"".join(processes)}'
            "</definitions>").encode()


def flows(*pairs: str) -> str:
    """``"a>b"`` pairs as sequence flows."""
    return "".join(f'<sequenceFlow id="f_{a}_{b}" sourceRef="{a}" targetRef="{b}"/>'
                   for a, b in (pair.split(">") for pair in pairs))


def errors(problems) -> list[str]:
    return [p.message for p in problems if p.severity == "error"]


def filled(text: str, *, rate_per_hour: float, minutes: dict[str, float] | None = None,
           waits: dict[str, float] | None = None,
           probabilities: dict[tuple[str, str], float] | None = None) -> ProcessModel:
    """The imported model with its "?" filled in: every rate, the minutes of each named
    activity (by BPMN name), the waits, the probabilities of the named flows."""
    data, problems = parse_yaml_data(text)
    assert data is not None, problems
    for resource in data["resources"].values():
        assert resource["rate_per_hour"] == "?"
        resource["rate_per_hour"] = rate_per_hour
    by_name = {a.get("name"): a for a in data["activities"].values()}
    for name, value in (minutes or {}).items():
        labor = by_name[name]["labor"]
        assert list(labor.values()) == ["?"]
        by_name[name]["labor"] = {key: value for key in labor}
    for name, value in (waits or {}).items():
        assert by_name[name]["wait"] == "?"
        by_name[name]["wait"] = value
    for flow in data["flows"]:
        if len(flow) == 3 and flow[2] == "?":
            flow[2] = (probabilities or {})[flow[0], flow[1]]
    model, problems = model_from_data(data)
    assert model is not None, problems
    return model


# --- subprocesses ------------------------------------------------------------------------


def test_collapsed_subprocess_is_one_task():
    # Old code: "subprocess 'checks' needs exactly one start event, has 0", no model.
    data = (DATA / "cases" / "collapsed_subprocess.bpmn").read_bytes()
    text, problems = bpmn_to_model_text(data, source="collapsed_subprocess.bpmn")
    assert errors(problems) == []
    assert "background_checks:  # BPMN subProcess 'checks'" in text
    model = filled(text, rate_per_hour=1200,
                   minutes={"Collect documents": 10, "Background checks": 30})
    # 1200 per hour = 20 per minute; (10 + 30) minutes × 20 = 800.
    assert cost_model(model).cost_per_instance == pytest.approx(800)
    assert [(f.source, f.target) for f in model.flows] == [
        ("start", "collect_documents"), ("collect_documents", "background_checks"),
        ("background_checks", "end")]


def test_subprocess_without_start_event_starts_at_every_node_no_flow_enters():
    # BPMN's implicit start: a and b have no incoming flow, so both start together; each
    # ends without an end event, so the subprocess ends when both are done.
    sub = ('<subProcess id="sub" name="Checks"><task id="a" name="A"/><task id="b" name="B"/>'
           "</subProcess>")
    data = bpmn(process('<startEvent id="s"/>' + sub + '<task id="c" name="C"/><endEvent id="e"/>'
                        + flows("s>sub", "sub>c", "c>e")))
    text, problems = bpmn_to_model_text(data, source="implicit.bpmn")
    assert errors(problems) == []
    model = filled(text, rate_per_hour=60, minutes={"A": 10, "B": 20, "C": 5})
    assert sorted(g.kind for g in model.gateways.values()) == ["parallel", "parallel"]
    # 60 per hour = 1 per minute; a, b and c each run once: 10 + 20 + 5 = 35.
    assert cost_model(model).cost_per_instance == pytest.approx(35)


def test_subprocess_without_start_event_with_one_chain_is_a_sequence():
    sub = ('<subProcess id="sub"><task id="a" name="A"/><task id="b" name="B"/>'
           + flows("a>b") + "</subProcess>")
    data = bpmn(process('<startEvent id="s"/>' + sub + '<endEvent id="e"/>'
                        + flows("s>sub", "sub>e")))
    text, problems = bpmn_to_model_text(data, source="chain.bpmn")
    assert errors(problems) == []
    model = filled(text, rate_per_hour=60, minutes={"A": 7, "B": 8})
    assert model.gateways == {}
    assert {(f.source, f.target) for f in model.flows} == {("s", "a"), ("a", "b"), ("b", "e")}
    assert cost_model(model).cost_per_instance == pytest.approx(7 + 8)


def test_process_without_start_and_end_events_gets_them():
    data = bpmn(process('<task id="a" name="A"/><task id="b" name="B"/>' + flows("a>b")))
    text, problems = bpmn_to_model_text(data, source="bare.bpmn")
    assert errors(problems) == []
    model = filled(text, rate_per_hour=120, minutes={"A": 1, "B": 2})
    assert sorted(e.kind for e in model.events.values()) == ["end", "start"]
    # 120 per hour = 2 per minute; (1 + 2) × 2 = 6.
    assert cost_model(model).cost_per_instance == pytest.approx(6)


def test_ad_hoc_subprocess_costs_each_task_once_and_says_so():
    # Old code: "ad-hoc subprocess 'adhoc' is not supported", no model.
    sub = ('<adHocSubProcess id="adhoc"><task id="a" name="A"/><task id="b" name="B"/>'
           "</adHocSubProcess>")
    data = bpmn(process('<startEvent id="s"/>' + sub + '<endEvent id="e"/>'
                        + flows("s>adhoc", "adhoc>e")))
    text, problems = bpmn_to_model_text(data, source="adhoc.bpmn")
    assert errors(problems) == []
    assert [p.element for p in problems if "ad-hoc subprocess 'adhoc'" in p.message] == ["adhoc"]
    model = filled(text, rate_per_hour=60, minutes={"A": 4, "B": 6})
    assert cost_model(model).cost_per_instance == pytest.approx(4 + 6)


# --- multi-instance and loops -------------------------------------------------------------

MI_SUB = ('<subProcess id="review" name="Review"><multiInstanceLoopCharacteristics '
          'isSequential="{sequential}"><loopCardinality>{count}</loopCardinality>'
          '</multiInstanceLoopCharacteristics><startEvent id="is"/><task id="r" name="Read"/>'
          '<endEvent id="ie"/>' + flows("is>r", "r>ie") + "</subProcess>")


def mi_process(count: str, sequential: str = "true") -> bytes:
    body = ('<startEvent id="s"/><task id="t" name="Prepare"/>'
            + MI_SUB.format(count=count, sequential=sequential)
            + '<endEvent id="e"/>' + flows("s>t", "t>review", "review>e"))
    return bpmn(process(body))


@pytest.mark.parametrize("sequential", ["true", "false"])
def test_multi_instance_subprocess_is_costed_as_many_times_as_it_runs(sequential):
    # Old code: costed once, no warning (10 + 5 = 15).
    text, problems = bpmn_to_model_text(mi_process("3", sequential), source="mi.bpmn")
    assert errors(problems) == []
    [told] = [p for p in problems if "multi-instance" in p.message]
    assert told.element == "review" and "costed 3 times" in told.message
    model = filled(text, rate_per_hour=60, minutes={"Prepare": 5, "Read": 10})
    result = cost_model(model)
    # Loop back with probability 2/3: expected runs 1 / (1 - 2/3) = 3; 5 + 3 × 10 = 35.
    assert result.expected_executions["read"] == pytest.approx(3)
    assert result.cost_per_instance == pytest.approx(35)


def test_multi_instance_task_is_costed_as_many_times_as_it_runs():
    task = ('<userTask id="t" name="Sign"><multiInstanceLoopCharacteristics>'
            "<loopCardinality> 4 </loopCardinality></multiInstanceLoopCharacteristics>"
            "</userTask>")
    data = bpmn(process('<startEvent id="s"/>' + task + '<endEvent id="e"/>'
                        + flows("s>t", "t>e")))
    text, problems = bpmn_to_model_text(data, source="mi_task.bpmn")
    assert errors(problems) == []
    model = filled(text, rate_per_hour=60, minutes={"Sign": 2.5})
    # 4 runs × 2.5 minutes × 1 per minute = 10.
    assert cost_model(model).cost_per_instance == pytest.approx(10)


@pytest.mark.parametrize("count", ["${reviewers.size()}", ""])
def test_multi_instance_count_not_a_number_is_a_placeholder_never_a_silent_one(count):
    text, problems = bpmn_to_model_text(mi_process(count), source="mi.bpmn")
    [told] = [p for p in problems if "multi-instance" in p.message]
    assert told.element == "review" and 'placeholder "?"' in told.message
    if count:
        assert "'${reviewers.size()}'" in told.message
    # The model cannot be costed until the count is filled in: 4 runs -> 3/4 and 1/4.
    model, found = wf.check_model_text(text, source_name="mi.yaml")[::3]
    assert model is None and any("probability: must be a number" in p.message for p in found)
    model = filled(text, rate_per_hour=60, minutes={"Prepare": 5, "Read": 10},
                   probabilities={("review_repeat", "review_again"): 0.75,
                                  ("review_repeat", "e"): 0.25})
    assert cost_model(model).cost_per_instance == pytest.approx(5 + 4 * 10)


def test_standard_loop_is_a_placeholder_too():
    task = '<task id="t" name="Call"><standardLoopCharacteristics/></task>'
    data = bpmn(process('<startEvent id="s"/>' + task + '<endEvent id="e"/>'
                        + flows("s>t", "t>e")))
    _, problems = bpmn_to_model_text(data, source="loop.bpmn")
    assert [p.element for p in problems if "a loop (standardLoopCharacteristics)"
            in p.message] == ["t"]


def test_multi_instance_in_the_miwg_reference_file_names_the_task():
    data = (DATA / "bpmn" / "miwg" / "C.7.0.bpmn").read_bytes()
    text, problems = bpmn_to_model_text(data, source="C.7.0.bpmn")
    assert errors(problems) == []
    [told] = [p for p in problems if "multi-instance" in p.message]
    assert told.element == "_a36ddf2f-23c1-46c5-86d4-bd2a0eb42535"
    assert "no loopCardinality" in told.message


# --- pools and messages -------------------------------------------------------------------

SHOP = process('<startEvent id="s1"/><task id="order" name="Order"/>'
               '<receiveTask id="paid" name="Payment in"/>'
               '<intermediateCatchEvent id="confirmed" name="Confirmed">'
               '<messageEventDefinition/></intermediateCatchEvent>'
               '<task id="ship" name="Ship"/><endEvent id="e1"/>'
               + flows("s1>order", "order>paid", "paid>confirmed", "confirmed>ship", "ship>e1"),
               pid="p_shop")
BANK = process('<startEvent id="s2"/><task id="pay" name="Pay"/><endEvent id="e2"/>'
               + flows("s2>pay", "pay>e2"), pid="p_bank")
COLLABORATION = ('<collaboration id="c"><participant id="shop" name="Shop" processRef="p_shop"/>'
                 '<participant id="bank" name="Bank" processRef="p_bank"/>'
                 '<participant id="client" name="Client"/>'
                 '<messageFlow id="m1" sourceRef="order" targetRef="s2"/>'
                 '<messageFlow id="m2" sourceRef="pay" targetRef="paid"/>'
                 '<messageFlow id="m3" sourceRef="client" targetRef="confirmed"/>'
                 "</collaboration>")
TWO_POOLS = bpmn(SHOP, BANK, collaboration=COLLABORATION)


def test_each_pool_is_a_process_and_messages_it_waits_for_are_waits():
    # Old code: "the file has 2 pools with processes", nothing imported.
    pools, problems = bpmn_to_model_texts(TWO_POOLS, source="shop.bpmn")
    assert problems == []
    assert [(p.pool.name, p.target) for p in pools] == [("Shop", "shop/as_is.yaml"),
                                                        ("Bank", "bank/as_is.yaml")]
    shop, bank = pools
    waits = {p.element: p.message for p in shop.problems if "waits for a message" in p.message}
    assert waits == {
        "payment_in": "receiveTask 'paid' waits for a message from 'Bank' (bank): its wait "
                      'is a placeholder "?", fill in the minutes',
        "confirmed": "intermediateCatchEvent 'confirmed' waits for a message from 'Client': "
                     'its wait is a placeholder "?", fill in the minutes'}
    model = filled(shop.text, rate_per_hour=60, minutes={"Order": 3, "Ship": 4},
                   waits={"Payment in": 1440, "Confirmed": 60})
    # Waits take time, not money: 3 + 4 = 7 at 1 per minute.
    assert model.activities["payment_in"].wait.mean_minutes == 1440
    assert model.activities["payment_in"].labor == {}
    assert cost_model(model).cost_per_instance == pytest.approx(7)
    # The bank's process starts on the shop's message: nothing to wait for inside it.
    bank_model = filled(bank.text, rate_per_hour=60, minutes={"Pay": 2})
    assert cost_model(bank_model).cost_per_instance == pytest.approx(2)


def test_one_pool_is_chosen_by_name_or_id_and_a_missing_choice_is_named():
    text, problems = bpmn_to_model_text(TWO_POOLS, source="shop.bpmn")
    assert text == "" and errors(problems) == [
        "the file has 2 pools with processes ('Shop', 'Bank'); choose one pool, or import "
        "each pool as a process of its own"]
    for name in ("Bank", "bank", "p_bank"):
        text, problems = bpmn_to_model_text(TWO_POOLS, source="shop.bpmn", pool=name)
        assert errors(problems) == [] and "process: bank" in text
    _, problems = bpmn_to_model_text(TWO_POOLS, source="shop.bpmn", pool="Post")
    assert errors(problems) == ["the file has no pool 'Post'; its pools: 'Shop', 'Bank'"]
    assert [p.label for p in bpmn_pools(TWO_POOLS, source="shop.bpmn")[0]] == [
        "'Shop' (shop)", "'Bank' (bank)"]


def test_pools_named_alike_get_different_processes():
    collaboration = ('<collaboration id="c"><participant id="a" name="Pool" processRef="p1"/>'
                     '<participant id="b" name="Pool" processRef="p2"/></collaboration>')
    one = '<startEvent id="s{0}"/><task id="t{0}"/><endEvent id="e{0}"/>'
    data = bpmn(process(one.format(1) + flows("s1>t1", "t1>e1"), pid="p1"),
                process(one.format(2) + flows("s2>t2", "t2>e2"), pid="p2"),
                collaboration=collaboration)
    pools, _ = bpmn_to_model_texts(data, source="pools.bpmn")
    assert [p.target for p in pools] == ["pool/as_is.yaml", "pool_2/as_is.yaml"]
    _, problems = bpmn_to_model_text(data, source="pools.bpmn", pool="Pool")
    assert errors(problems) == ["2 pools are named 'Pool': choose one by its id (a, b)"]


def test_miwg_c1_each_pool_on_its_own():
    # Signavio's export of the MIWG reference C.1.0: the team assistant's pool has an
    # event-based gateway (old code: refused); the process engine's pool imports.
    assistant, engine = wf.import_bpmn_pools(DATA / "bpmn" / "miwg" / "C.1.0.bpmn",
                                             source_name="C.1.0.bpmn")
    assert assistant.pool is not None and assistant.pool.name == "Team-Assistant"
    assert all("(got '?')" in m for m in errors(assistant.problems))  # placeholders only
    [told] = [p for p in assistant.problems if "event-based gateway" in p.message]
    assert told.element == "sid-F0D29912-929D-491C-8D23-73BD80CF980A"
    # Scan 5, archive 2, assign 3; then the review message (0.7: review 20) or the 7 days
    # timer (0.3, no timeDuration in this export: a "?" wait); waits cost nothing:
    # 5 + 2 + 3 + 0.7 × 20 = 24 minutes at 1 per minute.
    gate = "sid-f0d29912-929d-491c-8d23-73bd80cf980a"
    model = filled(assistant.text, rate_per_hour=60,
                   minutes={"Scan Invoice": 5, "Archive original": 2, "Assign approver": 3,
                            "Review and document result": 20},
                   waits={"Approver to be assigned": 60, "Invoice review needed": 60,
                          "7 days": 10080},
                   probabilities={(gate, "invoice_review_needed"): 0.7, (gate, "7_days"): 0.3})
    assert cost_model(model).cost_per_instance == pytest.approx(24)
    assert engine.pool is not None and engine.pool.name == "Process Engine - Invoice Receipt"
    assert engine.target == "bpmn_miwg_test_case_c_1_0/as_is.yaml" and engine.text
    ignored = sorted(p.element for p in engine.problems if "is ignored" in p.message)
    assert ignored == ["sid-915AC9A0-CD35-4DF2-93F7-4535397622F8",
                       "sid-AB6EB7C8-DF5E-42C2-88D0-FA166583AF15"]


# --- the command line ----------------------------------------------------------------------


def test_cli_names_the_pools_imports_one_or_all(tmp_path, capsys):
    source = tmp_path / "shop.bpmn"
    source.write_bytes(TWO_POOLS)
    assert main(["import-bpmn", str(source), "-o", str(tmp_path / "x.yaml")]) == 1
    err = capsys.readouterr().err
    assert "2 pools with processes ('Shop', 'Bank')" in err and "--pool" in err
    assert not (tmp_path / "x.yaml").exists()

    # One pool: written, exit 1 until its placeholders are filled in.
    assert main(["import-bpmn", str(source), "--pool", "Bank",
                 "-o", str(tmp_path / "bank.yaml")]) == 1
    assert "process: bank" in (tmp_path / "bank.yaml").read_text()
    capsys.readouterr()

    out_dir = tmp_path / "models"
    assert main(["import-bpmn", str(source), "--all-pools", "--variant", "drawn",
                 "-o", str(out_dir)]) == 1
    captured = capsys.readouterr()
    assert "pool 'Shop' (shop):" in captured.out and "pool 'Bank' (bank):" in captured.out
    assert sorted(str(p.relative_to(out_dir)) for p in out_dir.rglob("*.yaml")) == [
        "bank/drawn.yaml", "shop/drawn.yaml"]
    assert 'wait: "?"' in (out_dir / "shop" / "drawn.yaml").read_text()

    assert main(["import-bpmn", str(source), "--all-pools", "--pool", "Bank",
                 "-o", str(out_dir)]) == 2


def test_cli_all_pools_filled_in_files_exit_zero(tmp_path, capsys):
    # A file our export wrote carries its costs: one pool, nothing to fill in, exit 0.
    exported = tmp_path / "c.bpmn"
    assert main(["export-bpmn", "process_models/contract_approval/as_is.yaml",
                 "-o", str(exported)]) == 0
    assert main(["import-bpmn", str(exported), "--all-pools", "--variant", "back",
                 "-o", str(tmp_path / "out")]) == 0
    text = (tmp_path / "out" / "contract_approval" / "back.yaml").read_text()
    model, _, _, problems = wf.check_model_text(text, source_name="back.yaml")
    assert model is not None and errors(problems) == []

