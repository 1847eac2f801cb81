"""The exact engine against figures computed by hand (the arithmetic is in each test)."""

from __future__ import annotations

import pytest

from abc_costing.engine import cost_model, expected_executions
from tests.conftest import parse

RESOURCES = """
resources:
  clerk:   {kind: labor, rate_per_hour: 600}          # 10 ₽/min
  lawyer:  {kind: labor, cost_per_month: 330000, capacity_hours_per_month: 110}  # 50 ₽/min
  courier: {kind: per_use, cost_per_use: 500}
"""


def test_sequence_adds_labour_uses_and_other_cost():
    model = parse(RESOURCES + """
volume_per_year: 1200
activities:
  draft: {labor: {clerk: 60}, uses: {courier: 1}, other_cost: 150}
  review: {labor: {lawyer: 30, clerk: 15}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, draft], [draft, review], [review, e]]
""")
    result = cost_model(model)
    draft = 60 * 10 + 1 * 500 + 150  # 1250
    review = 30 * 50 + 15 * 10  # 1650
    assert result.activity("draft").cost_per_execution == pytest.approx(draft)
    assert result.activity("review").cost_per_execution == pytest.approx(review)
    assert result.cost_per_instance == pytest.approx(2900)
    assert result.cost_per_year == pytest.approx(2900 * 1200)
    assert result.resource("clerk").minutes_per_instance == pytest.approx(75)
    assert result.resource("clerk").cost_per_instance == pytest.approx(750)
    assert result.resource("lawyer").cost_per_instance == pytest.approx(1500)
    assert result.resource("courier").uses_per_instance == pytest.approx(1)
    assert result.resource("courier").cost_per_instance == pytest.approx(500)
    assert result.other_cost_per_instance == pytest.approx(150)
    assert result.labor_minutes_per_instance == pytest.approx(105)  # 60 + 30 + 15


def test_time_driven_rate_is_cost_over_practical_capacity():
    model = parse(RESOURCES + """
activities:
  review: {labor: {lawyer: 1}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, review], [review, e]]
""")
    # 330 000 ₽ / (110 h × 60 min) = 50 ₽ per minute
    assert model.resources["lawyer"].rate_per_minute == pytest.approx(50)
    assert cost_model(model).cost_per_instance == pytest.approx(50)


@pytest.mark.parametrize(
    ("duration", "mean_minutes"),
    [
        ("30", 30),
        ("{triangular: [10, 20, 60]}", (10 + 20 + 60) / 3),
        ("{pert: [10, 20, 60]}", (10 + 4 * 20 + 60) / 6),
        ("{uniform: [10, 50]}", (10 + 50) / 2),
        ("{lognormal: {mean: 42, sd: 12}}", 42),
    ],
)
def test_engine_uses_the_mean_of_each_distribution(duration, mean_minutes):
    model = parse(RESOURCES + f"""
activities:
  a: {{labor: {{clerk: {duration}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, a], [a, e]]
""")
    assert cost_model(model).cost_per_instance == pytest.approx(mean_minutes * 10)


def test_exclusive_split_weights_each_branch_by_its_probability():
    model = parse(RESOURCES + """
activities:
  small: {labor: {clerk: 10}}      # 100 ₽
  large: {labor: {lawyer: 20}}     # 1000 ₽
  close: {other_cost: 7}
gateways:
  size: {kind: exclusive}
  merge: {kind: exclusive}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, size]
  - [size, small, 0.6]
  - [size, large, 0.4]
  - [small, merge]
  - [large, merge]
  - [merge, close]
  - [close, e]
""")
    result = cost_model(model)
    assert result.activity("small").expected_executions == pytest.approx(0.6)
    assert result.activity("large").expected_executions == pytest.approx(0.4)
    assert result.activity("close").expected_executions == pytest.approx(1.0)
    assert result.cost_per_instance == pytest.approx(0.6 * 100 + 0.4 * 1000 + 7)  # 467


def test_parallel_block_runs_every_branch_once_and_joins_once():
    model = parse(RESOURCES + """
activities:
  legal: {labor: {lawyer: 30}}     # 1500 ₽
  finance: {labor: {clerk: 20}}    # 200 ₽
  it: {labor: {clerk: 5}}          # 50 ₽
  sign: {labor: {clerk: 10}}       # 100 ₽
gateways:
  fork: {kind: parallel}
  join: {kind: parallel}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, fork]
  - [fork, legal]
  - [fork, finance]
  - [fork, it]
  - [legal, join]
  - [finance, join]
  - [it, join]
  - [join, sign]
  - [sign, e]
""")
    result = cost_model(model)
    executions = result.expected_executions
    assert executions["fork"] == pytest.approx(1)
    assert executions["join"] == pytest.approx(1)  # three tokens in, one out
    assert executions["sign"] == pytest.approx(1)
    assert result.cost_per_instance == pytest.approx(1500 + 200 + 50 + 100)
    assert result.end_probabilities == {"e": pytest.approx(1)}


REWORK = RESOURCES + """
activities:
  work: {labor: {clerk: 30}}        # 300 ₽
  check: {labor: {lawyer: 6}}       # 300 ₽
gateways:
  again: {kind: exclusive}
  ok: {kind: exclusive}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, again]
  - [again, work]
  - [work, check]
  - [check, ok]
  - [ok, e, {exit}]
  - [ok, again, {redo}]
"""


@pytest.mark.parametrize("redo", [0.0, 0.3, 0.5, 0.9, 0.99])
def test_rework_loop_costs_c_over_one_minus_r(redo):
    model = parse(REWORK.replace("{exit}", str(round(1 - redo, 10))).replace("{redo}", str(redo)))
    result = cost_model(model)
    one_pass = 300 + 300
    assert result.activity("work").expected_executions == pytest.approx(1 / (1 - redo))
    assert result.cost_per_instance == pytest.approx(one_pass / (1 - redo))


def test_nested_loops_multiply():
    model = parse(RESOURCES + """
activities:
  prepare: {labor: {clerk: 10}}    # 100 ₽, outer loop only
  fix: {labor: {clerk: 5}}         # 50 ₽, inner loop
gateways:
  outer_merge: {kind: exclusive}
  inner_merge: {kind: exclusive}
  inner_ok: {kind: exclusive}
  outer_ok: {kind: exclusive}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, outer_merge]
  - [outer_merge, prepare]
  - [prepare, inner_merge]
  - [inner_merge, fix]
  - [fix, inner_ok]
  - [inner_ok, outer_ok, 0.75]
  - [inner_ok, inner_merge, 0.25]
  - [outer_ok, e, 0.8]
  - [outer_ok, outer_merge, 0.2]
""")
    result = cost_model(model)
    outer = 1 / (1 - 0.2)  # 1.25 passes through the outer loop
    inner = 1 / (1 - 0.25)  # 4/3 fixes per outer pass
    assert result.activity("prepare").expected_executions == pytest.approx(outer)
    assert result.activity("fix").expected_executions == pytest.approx(outer * inner)
    assert result.cost_per_instance == pytest.approx(outer * 100 + outer * inner * 50)  # 208.33


def test_several_ends_share_the_instances():
    model = parse(RESOURCES + """
activities:
  call: {labor: {clerk: 6}}        # 60 ₽
  meet: {labor: {clerk: 60}}       # 600 ₽
gateways:
  interested: {kind: exclusive}
  callback: {kind: exclusive}
events:
  s: {kind: start}
  lost: {kind: end}
  won: {kind: end}
flows:
  - [s, callback]
  - [callback, call]
  - [call, interested]
  - [interested, meet, 0.2]
  - [interested, lost, 0.5]
  - [interested, callback, 0.3]
  - [meet, won]
""")
    result = cost_model(model)
    calls = 1 / (1 - 0.3)  # callbacks until the lead decides
    assert result.activity("call").expected_executions == pytest.approx(calls)
    assert result.end_probabilities["won"] == pytest.approx(0.2 * calls)  # 2/7
    assert result.end_probabilities["lost"] == pytest.approx(0.5 * calls)  # 5/7
    assert sum(result.end_probabilities.values()) == pytest.approx(1)
    assert result.cost_per_instance == pytest.approx(calls * 60 + 0.2 * calls * 600)


def test_parallel_block_inside_a_loop_and_a_loop_inside_a_branch():
    model = parse(RESOURCES + """
activities:
  legal: {labor: {lawyer: 10}}     # 500 ₽, redone inside its branch 1/(1-0.5) = 2 times
  finance: {labor: {clerk: 10}}    # 100 ₽
gateways:
  round: {kind: exclusive}
  fork: {kind: parallel}
  legal_again: {kind: exclusive}
  legal_ok: {kind: exclusive}
  join: {kind: parallel}
  done: {kind: exclusive}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, round]
  - [round, fork]
  - [fork, legal_again]
  - [legal_again, legal]
  - [legal, legal_ok]
  - [legal_ok, join, 0.5]
  - [legal_ok, legal_again, 0.5]
  - [fork, finance]
  - [finance, join]
  - [join, done]
  - [done, e, 0.75]
  - [done, round, 0.25]
""")
    result = cost_model(model)
    rounds = 1 / (1 - 0.25)  # 4/3 rounds of the whole block
    assert result.expected_executions["join"] == pytest.approx(rounds)
    assert result.activity("legal").expected_executions == pytest.approx(rounds * 2)
    assert result.activity("finance").expected_executions == pytest.approx(rounds)
    assert result.cost_per_instance == pytest.approx(rounds * (2 * 500 + 100))  # 1466.67


def test_rollups_reconcile_to_the_total():
    model = parse(RESOURCES + """
activities:
  a: {labor: {clerk: 12, lawyer: 3}, uses: {courier: 2}, other_cost: 40, value: value_adding}
  b: {labor: {clerk: 7}, value: waste, other_cost: 5}
  c: {uses: {courier: 0.5}}
gateways: {x: {kind: exclusive}, m: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows:
  - [s, a]
  - [a, x]
  - [x, b, 0.35]
  - [x, m, 0.65]
  - [b, m]
  - [m, c]
  - [c, e]
""")
    r = cost_model(model)
    a = 12 * 10 + 3 * 50 + 2 * 500 + 40  # 1310
    b = 0.35 * (7 * 10 + 5)  # 26.25
    c = 0.5 * 500  # 250
    assert r.cost_per_instance == pytest.approx(a + b + c)
    assert sum(x.cost_per_instance for x in r.activities) == pytest.approx(r.cost_per_instance)
    assert sum(x.cost_per_instance for x in r.resources) + r.other_cost_per_instance == (
        pytest.approx(r.cost_per_instance))
    assert r.by_value == {"value_adding": pytest.approx(a), "business": pytest.approx(c),
                          "waste": pytest.approx(b)}
    assert sum(x.share for x in r.activities) == pytest.approx(1)


def test_without_a_volume_there_is_no_cost_per_year():
    model = parse("""
activities: {a: {other_cost: 10}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
""")
    result = cost_model(model)
    assert result.volume_per_year is None and result.cost_per_year is None
    assert result.cost_per_instance == 10


def test_expected_executions_of_a_probability_zero_branch_are_zero():
    model = parse("""
activities: {never: {other_cost: 1000}, always: {other_cost: 1}}
gateways: {x: {kind: exclusive}, m: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, x], [x, never, 0], [x, always, 1], [never, m], [always, m], [m, e]]
""")
    routing = expected_executions(model)
    assert routing.by_node["never"] == 0
    assert cost_model(model).cost_per_instance == pytest.approx(1)
