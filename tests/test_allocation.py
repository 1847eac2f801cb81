"""The allocation engine (issue 13) against figures worked out by hand."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from abc_costing.engine.allocation import AllocationResult, StageBalance, allocate
from abc_costing.model import (
    AllocationRule,
    DriverQuantity,
    LedgerLine,
    ObjectInstances,
    ObjectRevenue,
)
from tests.conftest import parse

# draft by a clerk (600 an hour = 10 a minute), then sign by a lawyer (1200 an hour = 20 a minute)
CONTRACT = parse("""
resources:
  clerk: {kind: labor, rate_per_hour: 600}
  lawyer: {kind: labor, rate_per_hour: 1200}
activities:
  draft: {labor: {clerk: 30}}
  sign: {labor: {lawyer: 12}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, draft], [draft, sign], [sign, e]]
""", variant="as_is")


def line(account: str, centre: str, item: str, amount: float) -> LedgerLine:
    return LedgerLine(period="2026-01", account=account, cost_centre=centre, cost_item=item,
                      amount=amount)


def two_stage(lines: list[LedgerLine], *, rates: dict[str, float] | None = None
              ) -> AllocationResult:
    rules = [AllocationRule(id="office", account="26", cost_centre="office", to=("clerk", "lawyer"),
                            basis="percent", shares={"clerk": 60.0, "lawyer": 40.0}),
             AllocationRule(id="legal", cost_centre="legal", to=("lawyer",), basis="even")]
    return allocate(
        lines, rules, models=[CONTRACT], rates_per_unit=rates,
        instances=[ObjectInstances(cost_object="A", process=CONTRACT.process, instances=6),
                   ObjectInstances(cost_object="B", process=CONTRACT.process, instances=4)],
        revenue=[ObjectRevenue(cost_object="A", amount=5000.0)])


LEDGER = [line("26", "office", "salary", 5000.0), line("26", "legal", "fees", 1000.0),
          line("44", "sales", "ads", 700.0)]


def test_oracle_stage_balancing_example():
    # 100 to assign; three receivers of 30 (3 m² each at 10 a m²): 90 assigned,
    # 100 − 90 = 10 idle, nothing unassigned.
    rule = AllocationRule(id="rent", to=("a", "b", "c"), basis="rate", driver="m2",
                          rate_per_unit=10.0)
    m2 = [DriverQuantity(driver="m2", receiver=r, quantity=3.0) for r in "abc"]
    result = allocate([line("26", "adm", "rent", 100.0)], [rule], drivers=m2,
                      pools=("a", "b", "c"))
    b = result.balance("ledger", "rent")
    assert (b.input, b.assigned, b.idle, b.unassigned, b.over_driven) == (100, 90, 10, 0, 0)
    assert result.to_receivers == {"a": 30.0, "b": 30.0, "c": 30.0}
    assert not b.flagged and b.difference == 0


def test_two_stage_allocation_by_hand():
    result = two_stage(LEDGER)
    assert result.problems == ()
    # Stage 1: office 5000 → clerk 60 % = 3000, lawyer 40 % = 2000; legal 1000 → lawyer;
    # 44/sales/ads 700 matches no rule: unassigned.
    assert result.pool_totals == {"clerk": 3000.0, "lawyer": 3000.0}
    assert result.balance("ledger", "(no rule)").unassigned == 700
    # Stage 2: 6 + 4 = 10 contracts. clerk 10 × 30 min × 10 = 3000 (idle 0);
    # lawyer 10 × 12 min × 20 = 2400, idle 3000 − 2400 = 600.
    clerk, lawyer = result.balance("pools", "clerk"), result.balance("pools", "lawyer")
    assert (clerk.assigned, clerk.idle) == pytest.approx((3000, 0))
    assert (lawyer.assigned, lawyer.idle) == pytest.approx((2400, 600))
    # Activities: draft 3000 / 10 = 300 a contract, sign 2400 / 10 = 240.
    per_instance = {a.activity: a.cost_per_instance for a in result.activities}
    assert per_instance == pytest.approx({"draft": 300, "sign": 240})
    # Stage 3: A 6 × (300 + 240) = 3240, B 4 × 540 = 2160; A's margin 5000 − 3240 = 1760.
    a, b = result.object("A"), result.object("B")
    assert (a.cost, a.revenue, a.margin) == pytest.approx((3240, 5000, 1760))
    assert (b.cost, b.revenue, b.margin) == (pytest.approx(2160), None, None)


def test_cost_object_is_instances_times_cost_per_instance_of_the_exact_engine():
    from abc_costing.engine import cost_model
    # With the ledger paying exactly for the minutes used, an object's cost is its
    # instances × the exact engine's cost per instance: 6 × (30 × 10 + 12 × 20) = 3240.
    result = two_stage([line("26", "office", "salary", 5000.0),
                        line("26", "legal", "fees", 400.0)])
    exact = cost_model(CONTRACT).cost_per_instance
    assert exact == 540
    assert result.object("A").cost == pytest.approx(6 * exact)
    assert result.balance("pools", "lawyer").idle == pytest.approx(0)  # 2000 + 400 − 2400


def test_reciprocal_support_centres_against_the_closed_form():
    # IT gets 1000 from the ledger, HR 500. IT sends 20 % to HR and 80 % to the clerk;
    # HR sends 10 % to IT and 90 % to the lawyer.
    # IT = 1000 + 0.1 HR, HR = 500 + 0.2 IT  =>  IT = (1000 + 0.1 × 500) / (1 − 0.1 × 0.2)
    it = (1000 + 0.1 * 500) / (1 - 0.1 * 0.2)  # 1071.428…
    hr = 500 + 0.2 * it  # 714.285…
    rules = [
        AllocationRule(id="it direct", cost_centre="IT", to=("it",), basis="even"),
        AllocationRule(id="hr direct", cost_centre="HR", to=("hr",), basis="even"),
        AllocationRule(id="it out", from_centre="it", to=("hr", "clerk"), basis="percent",
                       shares={"hr": 20.0, "clerk": 80.0}),
        AllocationRule(id="hr out", from_centre="hr", to=("it", "lawyer"), basis="driver",
                       driver="heads"),
    ]
    heads = [DriverQuantity(driver="heads", receiver="it", quantity=1.0),
             DriverQuantity(driver="heads", receiver="lawyer", quantity=9.0)]
    result = allocate([line("26", "IT", "servers", 1000.0), line("26", "HR", "staff", 500.0)],
                      rules, drivers=heads, support_centres=("it", "hr"),
                      pools=("clerk", "lawyer"))
    assert result.support_totals == pytest.approx({"it": it, "hr": hr})
    assert result.pool_totals == pytest.approx({"clerk": 0.8 * it, "lawyer": 0.9 * hr})
    # Nothing is lost: the pools get the whole ledger, 0.8 IT + 0.9 HR = 1500.
    assert math.fsum(result.pool_totals.values()) == pytest.approx(1500)
    assert result.balance("support", "it").assigned == pytest.approx(it)


def test_idle_unassigned_and_over_driven():
    rules = [AllocationRule(id="part", cost_item="rent", to=("p",), basis="percent",
                            shares={"p": 75.0}),
             AllocationRule(id="tickets", cost_item="help", to=("p", "idle pool"), basis="rate",
                            driver="tickets", rate_per_unit=50.0)]
    tickets = [DriverQuantity(driver="tickets", receiver="p", quantity=3.0)]
    result = allocate([line("26", "x", "rent", 200.0), line("26", "x", "help", 100.0)],
                      rules, drivers=tickets, pools=("p", "idle pool"))
    # 75 % of 200 = 150 assigned, 50 unassigned.
    part = result.balance("ledger", "part")
    assert (part.assigned, part.unassigned) == (150, 50)
    # 3 tickets × 50 = 150 asked of 100: over-driven by 100 − 150 = −50, flagged.
    over = result.balance("ledger", "tickets")
    assert (over.assigned, over.idle, over.over_driven, over.difference) == (150, 0, -50, 0)
    assert over.flagged
    # No activity uses pool p (no models): its 150 + 150 = 300 stays unassigned at stage 2.
    assert result.balance("pools", "p").unassigned == 300


def test_the_balance_sums_to_the_ledger_total_to_the_kopeck():
    lines = [line("26", "office", "salary", 1234.56), line("26", "office", "bonus", 0.07),
             line("26", "legal", "fees", 1000.01), line("44", "sales", "ads", 99.99),
             line("26", "office", "salary", -34.56)]  # a reversal
    result = two_stage(lines)
    # 1234.56 + 0.07 + 1000.01 + 99.99 − 34.56 = 2300.07
    total = Decimal("2300.07")
    leaks = [b.kopecks() for b in result.balances]
    left_behind = sum((k["idle"] + k["unassigned"] + k["over_driven"] for k in leaks),
                      Decimal(0))
    objects = sum((Decimal(o.cost) for o in result.objects), Decimal(0)).quantize(Decimal("0.01"))
    assert left_behind + objects == total
    assert Decimal(result.ledger_total).quantize(Decimal("0.01")) == total
    for k in leaks:  # every printed balance reads input = parts, difference 0.00
        assert k["input"] == k["assigned"] + k["idle"] + k["unassigned"] + k["over_driven"]
        assert k["difference"] == 0


def test_printed_parts_add_up_to_the_printed_input():
    # The float 0.005 is 0.005000…0104 in decimal and rounds half up to 0.01, so three
    # parts would print 0.03; the float 0.015 is 0.01499… and prints 0.01. The largest
    # remainder takes two kopecks back: parts 0.01 + 0.00 + 0.00 = 0.01.
    k = StageBalance("pools", "p", 0.015, 0.005, 0.005, 0.005).kopecks()
    assert k["input"] == Decimal("0.01")
    assert sorted([k["assigned"], k["idle"], k["unassigned"]]) == [0, 0, Decimal("0.01")]
    assert k["difference"] == 0


amounts = st.floats(min_value=0.01, max_value=1e7)


@settings(max_examples=40, deadline=None)
@given(salary=amounts, fees=amounts, ads=amounts, k=st.floats(min_value=0.01, max_value=1e3))
def test_scaling_the_ledger_and_the_rates_by_k_scales_every_figure(salary, fees, ads, k):
    # Stage 1 and the support centres are linear in the ledger. The pools charge the
    # activities at the period's rate, so the rates are scaled too (the same minutes
    # cost k times as much); then every figure of every stage is k times the base.
    lines = [line("26", "office", "salary", salary), line("26", "legal", "fees", fees),
             line("44", "sales", "ads", ads)]
    base = two_stage(lines)
    scaled = two_stage([x.model_copy(update={"amount": x.amount * k}) for x in lines],
                       rates={"clerk": 10.0 * k, "lawyer": 20.0 * k})
    for b, s in zip(base.balances, scaled.balances, strict=True):
        for name in ("input", "assigned", "idle", "unassigned", "over_driven"):
            assert getattr(s, name) == pytest.approx(getattr(b, name) * k, rel=1e-9, abs=1e-6)
    for b_obj, s_obj in zip(base.objects, scaled.objects, strict=True):
        assert s_obj.cost == pytest.approx(b_obj.cost * k, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(salary=amounts, bonus=amounts, moved=st.floats(min_value=-1e6, max_value=1e6))
def test_moving_money_between_two_lines_of_one_pool_changes_nothing_downstream(
        salary, bonus, moved):
    # salary and bonus both go to the office rule (60/40): moving money from one to the
    # other leaves the rule's total, so the pools, activities and objects, as they were.
    before = two_stage([line("26", "office", "salary", salary),
                        line("26", "office", "bonus", bonus)])
    after = two_stage([line("26", "office", "salary", salary - moved),
                       line("26", "office", "bonus", bonus + moved)])
    assert after.pool_totals == pytest.approx(before.pool_totals, rel=1e-9, abs=1e-6)
    for a, b in zip(after.objects, before.objects, strict=True):
        assert a.cost == pytest.approx(b.cost, rel=1e-9)
    for a_bal, b_bal in zip(after.balances, before.balances, strict=True):
        assert (a_bal.stage, a_bal.node) == (b_bal.stage, b_bal.node)
        assert (a_bal.input, a_bal.idle) == pytest.approx((b_bal.input, b_bal.idle),
                                                          rel=1e-9, abs=1e-6)


def test_a_rule_sending_more_than_100_percent_is_refused():
    with pytest.raises(ValidationError, match="sends 110 % of a line; at most 100 %"):
        AllocationRule(id="x", to=("a", "b"), basis="percent", shares={"a": 60.0, "b": 50.0})


def test_drivers_summing_to_zero_and_unknown_receivers_are_problems():
    rules = [AllocationRule(id="hc", to=("a", "b"), basis="driver", driver="headcount"),
             AllocationRule(id="typo", to=("a", "nobody"), basis="even")]
    zero = [DriverQuantity(driver="headcount", receiver=r, quantity=0.0) for r in "ab"]
    result = allocate([line("26", "x", "y", 10.0)], rules, drivers=zero, pools=("a", "b"))
    assert [(p.element, p.message) for p in result.problems] == [
        ("hc", "driver 'headcount' sums to 0 over the rule's receivers: nothing to allocate by"),
        ("typo", "rule sends money to 'nobody', neither a pool nor a support centre")]
    assert result.balances == () and result.objects == ()  # nothing half-allocated


def test_circular_support_centres_with_no_solution_are_a_problem():
    # IT sends everything to HR and HR everything to IT: I − Sᵀ = [[1, −1], [−1, 1]], singular.
    rules = [AllocationRule(id="in", to=("it",), basis="even"),
             AllocationRule(id="it", from_centre="it", to=("hr",), basis="even"),
             AllocationRule(id="hr", from_centre="hr", to=("it",), basis="even")]
    result = allocate([line("26", "IT", "servers", 10.0)], rules,
                      support_centres=("it", "hr"), pools=("p",))
    assert [p.message for p in result.problems] == [
        "support centres 'it', 'hr' send all their money to each other and none to a pool: "
        "the reciprocal system has no solution"]
    assert result.pool_totals == {}


def test_instances_of_a_process_without_a_model_are_a_warning():
    result = allocate([], [], instances=[ObjectInstances(cost_object="A", process="ghost",
                                                         instances=3)])
    assert [(p.element, p.severity) for p in result.problems] == [("ghost/as_is", "warning")]
    assert result.object("A").cost == 0  # 3 × a cost per instance nobody defines


def test_the_period_rate_is_the_pool_money_over_its_capacity():
    # Lawyer pool 2000 + 1000 = 3000 for 150 minutes of capacity: 20 a minute. The
    # 10 contracts use 10 × 12 = 120 minutes: 2400 assigned, (150 − 120) × 20 = 600 idle.
    rules = [AllocationRule(id="office", cost_centre="office", to=("clerk", "lawyer"),
                            basis="percent", shares={"clerk": 60.0, "lawyer": 40.0}),
             AllocationRule(id="legal", cost_centre="legal", to=("lawyer",), basis="even")]
    counts = [ObjectInstances(cost_object="A", process=CONTRACT.process, instances=10)]
    result = allocate(LEDGER[:2], rules, models=[CONTRACT], instances=counts,
                      capacities={"lawyer": 150.0})
    assert result.pool_rates["lawyer"] == pytest.approx(3000 / 150)
    assert result.rate_basis == {"lawyer": "capacity", "clerk": "model"}
    lawyer = result.balance("pools", "lawyer")
    assert (lawyer.assigned, lawyer.idle) == pytest.approx((2400, 600))
    # 100 minutes of capacity: 30 a minute; the 120 minutes used ask 3600 of 3000:
    # over-driven by 3000 − 3600 = −600, flagged.
    short = allocate(LEDGER[:2], rules, models=[CONTRACT], instances=counts,
                     capacities={"lawyer": 100.0}).balance("pools", "lawyer")
    assert (short.assigned, short.over_driven, short.flagged) == (pytest.approx(3600),
                                                                  pytest.approx(-600), True)
    # A rate given for the period wins over the capacity.
    given = allocate(LEDGER[:2], rules, models=[CONTRACT], instances=counts,
                     capacities={"lawyer": 100.0}, rates_per_unit={"lawyer": 15.0})
    assert given.rate_basis["lawyer"] == "given"
    assert given.balance("pools", "lawyer").assigned == pytest.approx(120 * 15)


def test_trace_backward_from_a_cost_object_by_hand():
    from abc_costing.engine.allocation import Node, trace
    result = two_stage(LEDGER)
    back = trace(result, [Node("object", "A")], direction="backward")
    # A: 6 × 300 of the clerk (all of it from office salary) + 6 × 240 = 1440 of the
    # lawyer, whose 3000 came 2000 from office salary and 1000 from legal fees:
    # office salary 1800 + 1440 × 2/3 = 2760, legal fees 1440 × 1/3 = 480.
    assert dict(back.of_kind("ledger")) == pytest.approx(
        {"26 / office / salary": 2760, "26 / legal / fees": 480})
    assert back.total == pytest.approx(3240) == result.object("A").cost
    assert dict(back.of_kind("activity"))[f"{CONTRACT.process}/as_is/sign"] == pytest.approx(1440)


def test_trace_forward_from_a_ledger_line_by_hand():
    from abc_costing.engine.allocation import Node, trace
    result = two_stage(LEDGER)
    fees = trace(result, [Node("ledger", "26 / legal / fees")])
    # 1000 to the lawyer, who spends 2400 of 3000 on signing: 800 signed, 200 idle;
    # the 800 split 6 : 4 between A and B.
    assert dict(fees.of_kind("pool")) == pytest.approx({"lawyer": 1000})
    assert dict(fees.of_kind("idle")) == pytest.approx({"lawyer": 200})
    assert dict(fees.of_kind("object")) == pytest.approx({"A": 480, "B": 320})


def test_trace_from_every_ledger_line_reaches_the_objects_and_sinks_in_full():
    from abc_costing.engine.allocation import SINK_KINDS, Node, trace
    rules = [
        AllocationRule(id="it direct", cost_centre="IT", to=("it",), basis="even"),
        AllocationRule(id="hr direct", cost_centre="HR", to=("hr",), basis="even"),
        AllocationRule(id="office", cost_centre="office", to=("clerk", "lawyer"),
                       basis="percent", shares={"clerk": 50.0, "lawyer": 40.0}),
        AllocationRule(id="it out", from_centre="it", to=("hr", "clerk"), basis="percent",
                       shares={"hr": 20.0, "clerk": 80.0}),
        AllocationRule(id="hr out", from_centre="hr", to=("it", "lawyer"), basis="even"),
    ]
    result = allocate(
        [line("26", "IT", "servers", 1000.0), line("26", "HR", "staff", 500.0),
         line("26", "office", "salary", 4000.0), line("44", "x", "ads", 70.0)],
        rules, support_centres=("it", "hr"), models=[CONTRACT],
        instances=[ObjectInstances(cost_object="A", process=CONTRACT.process, instances=3),
                   ObjectInstances(cost_object="B", process=CONTRACT.process, instances=1)])
    ledger = [Node("ledger", name) for name in result.ledger_groups]
    forward = trace(result, ledger)
    stops = math.fsum(m for n, m in forward.amounts.items() if n.kind in SINK_KINDS)
    assert forward.total == result.ledger_total == 5570
    assert stops == pytest.approx(5570)
    for cost_object in ("A", "B"):
        assert dict(forward.of_kind("object"))[cost_object] == pytest.approx(
            result.object(cost_object).cost)
        back = trace(result, [Node("object", cost_object)], direction="backward")
        assert math.fsum(m for _, m in back.of_kind("ledger")) == pytest.approx(
            result.object(cost_object).cost)
    # Linearity: the lines traced one by one add up to all of them traced together.
    one_by_one = [trace(result, [node]) for node in ledger]
    assert math.fsum(t.amounts.get(Node("object", "A"), 0.0) for t in one_by_one) == \
        pytest.approx(dict(forward.of_kind("object"))["A"])


def test_period_capacity_follows_the_production_calendar():
    from abc_costing.engine.allocation import period_capacities
    team = parse("""
resources:
  lawyer: {kind: labor, cost_per_month: 360000, capacity_hours_per_month: 360}
  courier: {kind: per_use, cost_per_use: 600}
activities:
  sign: {labor: {lawyer: 12}, uses: {courier: 1}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, sign], [sign, e]]
""")
    # January 2026 has 120 working hours, the average month 1972 / 12 = 164.33 h:
    # 360 h × 60 × 120 / 164.33 = 15 772.8 minutes. A per-use pool has no capacity.
    capacities, rule, notes = period_capacities([team], "2026-01")
    assert capacities == {"lawyer": pytest.approx(360 * 60 * 120 / (1972 / 12))}
    assert notes == [] and "120" in rule
    # A month with no shipped calendar keeps the average month, and says so.
    capacities, _, notes = period_capacities([team], "2031-05")
    assert capacities == {"lawyer": 360 * 60} and notes[0].severity == "warning"


def test_an_account_takes_its_sub_accounts():
    # 44 takes 44.01 and 44.02 (1С's sub-accounts), not 440; 44.02 alone takes only itself.
    rules = [AllocationRule(id="44.02", account="44.02", to=("b",), basis="even"),
             AllocationRule(id="44", account="44", to=("a",), basis="even")]
    lines = [line("44.01", "x", "ads", 10.0), line("44.02", "x", "ads", 20.0),
             line("44", "x", "ads", 40.0), line("440", "x", "ads", 80.0)]
    result = allocate(lines, rules, pools=("a", "b"))
    assert result.pool_totals == {"a": 10.0 + 40.0, "b": 20.0}
    assert result.balance("ledger", "(no rule)").unassigned == 80.0
    assert [next((r.id for r in rules if r.matches(li)), None) for li in lines] == \
        ["44", "44.02", "44", None]


codes = st.sampled_from(["20", "20.01", "26", "44", "44.01", "Аренда", "ФОТ", "*"])


@given(st.lists(st.tuples(codes, codes, codes), min_size=1, max_size=6),
       st.lists(st.tuples(codes.filter(lambda c: c != "*"), codes.filter(lambda c: c != "*"),
                          codes.filter(lambda c: c != "*")), min_size=1, max_size=12))
@settings(max_examples=60, deadline=None)
def test_the_vectorised_first_rule_is_the_first_rule_that_matches(selectors, keys):
    rules = [AllocationRule(id=f"r{i}", account=a, cost_centre=c, cost_item=t, to=("p",),
                            basis="even") for i, (a, c, t) in enumerate(selectors)]
    lines = [line(a, c, t, 1.0) for a, c, t in keys]
    result = allocate(lines, rules, pools=("p",))
    expected: dict[str, float] = {}
    for li in lines:
        first = next((r.id for r in rules if r.matches(li)), "(no rule)")
        expected[first] = expected.get(first, 0.0) + 1.0
    assert {b.node: b.input for b in result.balances if b.stage == "ledger" and b.input} == \
        expected
