"""The exact expected cycle time: by hand, against a process tree's own sum, and against
the Monte Carlo simulation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abc_costing.cli import main
from abc_costing.engine import activity_elapsed_minutes, expected_cycle_time
from abc_costing.model import Activity, ProcessModel
from abc_costing.problems import ModelError
from abc_costing.simulation import simulate
from abc_costing.synthetic import Choice, Loop, Node, Parallel, Sequence, Task
from tests.conftest import parse
from tests.strategies import generated_models


def minutes(body: str) -> float:
    return expected_cycle_time(parse(body)).minutes


def test_a_sequence_adds_waits_and_labour():
    # a: 30 min of work after 60 min of waiting; b: 45 min; 30 + 60 + 45 = 135
    assert minutes("""\
    resources: {clerk: {kind: labor, rate_per_hour: 600}}
    activities: {a: {labor: {clerk: 30}, wait: 60}, b: {labor: {clerk: 45}}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, a], [a, b], [b, e]]
    """) == pytest.approx(135.0)


def test_durations_count_at_their_mean():
    # triangular (10 + 20 + 60) / 3 = 30; pert (10 + 4 × 20 + 60) / 6 = 25; 30 + 25 = 55
    assert minutes("""\
    resources: {clerk: {kind: labor, rate_per_hour: 600}}
    activities: {a: {labor: {clerk: {triangular: [10, 20, 60]}}},
                 b: {wait: {pert: [10, 20, 60]}}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, a], [a, b], [b, e]]
    """) == pytest.approx(55.0)


def test_an_exclusive_split_mixes_its_branches_by_probability():
    # 10 + 0.3 × 100 + 0.7 × 20 + 5 = 59
    assert minutes("""\
    activities: {a: {wait: 10}, b: {wait: 100}, c: {wait: 20}, d: {wait: 5}}
    gateways: {x: {kind: exclusive}, m: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, a], [a, x], [x, b, 0.3], [x, c, 0.7], [b, m], [c, m], [m, d], [d, e]]
    """) == pytest.approx(59.0)


def test_a_rework_loop_divides_by_the_chance_of_leaving():
    # 50 min redone with probability 0.2: 50 / (1 - 0.2) = 62.5
    assert minutes("""\
    activities: {work: {wait: 50}}
    gateways: {again: {kind: exclusive}, ok: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, again], [again, work], [work, ok], [ok, e, 0.8], [ok, again, 0.2]]
    """) == pytest.approx(62.5)


BLOCK = """\
resources: {clerk: {kind: labor, rate_per_hour: 600}, lawyer: {kind: labor, rate_per_hour: 1200}}
activities:
  a: {labor: {clerk: 30}}
  b: {labor: {lawyer: 45}, wait: 15}
  c: {labor: {clerk: 20}}
  d: {labor: {clerk: 10}}
gateways: {split: {kind: parallel}, join: {kind: parallel}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, split], [split, a], [split, b], [split, c], [a, join], [b, join], [c, join],
        [join, d], [d, e]]
"""


def test_a_parallel_block_takes_its_longest_branch():
    cycle = expected_cycle_time(parse(BLOCK))
    # branches 30, 45 + 15 = 60 and 20; then d: 60 + 10 = 70
    assert cycle.branch_minutes == {"split": pytest.approx((30.0, 60.0, 20.0))}
    assert cycle.minutes == pytest.approx(70.0)
    assert cycle.exact and cycle.lower_bound_blocks == ()


NESTED = """\
activities:
  a: {wait: 20}
  b: {wait: 35}
  c: {wait: 10}
  check: {wait: 5}
gateways:
  again: {kind: exclusive}
  ok: {kind: exclusive}
  outer: {kind: parallel}
  outer_join: {kind: parallel}
  inner: {kind: parallel}
  inner_join: {kind: parallel}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, again], [again, outer], [outer, inner], [inner, a], [inner, b], [a, inner_join],
        [b, inner_join], [inner_join, c], [c, outer_join], [outer, outer_join],
        [outer_join, check], [check, ok], [ok, e, 0.9], [ok, again, 0.1]]
"""


def test_a_block_inside_a_block_inside_a_rework_loop():
    cycle = expected_cycle_time(parse(NESTED))
    # inner block max(20, 35) = 35, then c 10: outer branches 45 and 0 (a bare flow);
    # each round 45 + 5 = 50, redone with probability 0.1: 50 / 0.9
    assert cycle.branch_minutes["inner"] == pytest.approx((20.0, 35.0))
    assert cycle.branch_minutes["outer"] == pytest.approx((45.0, 0.0))
    assert cycle.minutes == pytest.approx(50.0 / 0.9)


CHOICE_IN_A_BRANCH = """\
activities: {a: {wait: 10}, b: {wait: 40}, c: {wait: 0}, d: {wait: 25}}
gateways: {split: {kind: parallel}, join: {kind: parallel}, x: {kind: exclusive},
           m: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, split], [split, a], [split, d], [a, x], [x, b, 0.5], [x, c, 0.5], [b, m], [c, m],
        [m, join], [d, join], [join, e]]
"""


def test_a_branch_whose_time_varies_makes_the_block_a_lower_bound():
    cycle = expected_cycle_time(parse(CHOICE_IN_A_BRANCH))
    # branch 1 takes 10 + 40 or 10 + 0, on average 30; branch 2 takes 25: max(30, 25) = 30
    assert cycle.minutes == pytest.approx(30.0)
    assert not cycle.exact and cycle.lower_bound_blocks == ("split",)
    # the true expected time: 0.5 × max(50, 25) + 0.5 × max(10, 25) = 37.5 >= 30
    simulated = simulate(parse(CHOICE_IN_A_BRANCH), runs=20_000, rng=11).cycle_time_minutes
    low, high = simulated.ci95
    assert low <= 37.5 <= high and cycle.minutes < low


def test_a_random_duration_in_one_branch_also_makes_a_bound():
    body = BLOCK.replace("c: {labor: {clerk: 20}}", "c: {labor: {clerk: {uniform: [10, 30]}}}")
    cycle = expected_cycle_time(parse(body))
    assert cycle.minutes == pytest.approx(70.0) and cycle.lower_bound_blocks == ("split",)


def test_roles_on_one_task_work_together_and_alternatives_average():
    together = Activity.model_validate({"labor": {"lawyer": 40, "manager": 25}, "wait": 30})
    assert activity_elapsed_minutes(together) == 70.0  # 30 + max(40, 25)
    # anna does half the executions in 20 min of her own, boris half in 60: 10 + 30
    either = Activity.model_validate({"labor": {"anna": 10, "boris": 30},
                                      "one_of": {"anna": 0.5, "boris": 0.5}})
    assert activity_elapsed_minutes(either) == 40.0


def test_an_invalid_model_is_refused():
    model = ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": "v",
        "activities": {"a": {}}, "events": {"e": {"kind": "end"}}, "flows": [["a", "e"]]})
    with pytest.raises(ModelError):
        expected_cycle_time(model)


MIXED = """\
resources: {clerk: {kind: labor, rate_per_hour: 600}, lawyer: {kind: labor, rate_per_hour: 1200}}
activities:
  enter: {labor: {clerk: 12}}
  fix: {labor: {clerk: 30}, wait: 240}
  legal: {labor: {lawyer: 45}, wait: 60}
  finance: {labor: {clerk: 25}}
  sign: {labor: {lawyer: 5}}
gateways: {again: {kind: exclusive}, ok: {kind: exclusive}, split: {kind: parallel},
           join: {kind: parallel}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, again], [again, enter], [enter, ok], [ok, fix, 0.25], [ok, split, 0.75],
        [fix, again], [split, legal], [split, finance], [legal, join], [finance, join],
        [join, sign], [sign, e]]
"""


def test_the_exact_figure_lies_in_the_simulations_confidence_interval():
    # fixed durations: each round 12 min, redone after 30 + 240 with probability 0.25, so
    # 12 / 0.75 + 0.25 / 0.75 × 270 = 16 + 90 = 106; then max(105, 25) + 5 = 110: 216
    model = parse(MIXED)
    cycle = expected_cycle_time(model)
    assert cycle.exact and cycle.minutes == pytest.approx(216.0)
    simulated = simulate(model, runs=50_000, rng=5).cycle_time_minutes
    low, high = simulated.ci95
    assert low <= cycle.minutes <= high


# -- properties ------------------------------------------------------------------------------


def _tree_minutes(node: Node, elapsed: dict[str, float]) -> float:
    """The expected minutes of a process tree, by its own structure."""
    match node:
        case Task(id=task_id):
            return elapsed[task_id]
        case Sequence(children=children):
            return sum(_tree_minutes(child, elapsed) for child in children)
        case Choice(branches=branches):
            return sum(p * _tree_minutes(child, elapsed) for p, child in branches)
        case Parallel(branches=branches):
            return max(_tree_minutes(child, elapsed) for child in branches)
        case Loop(body=body, redo_probability=redo):
            return _tree_minutes(body, elapsed) / (1 - redo)
    raise AssertionError(node)


@settings(max_examples=60, deadline=None)
@given(generated_models())
def test_the_solve_agrees_with_the_trees_own_sum(generated):
    model = ProcessModel.model_validate(generated.data)
    cycle = expected_cycle_time(model)
    assert cycle.minutes == pytest.approx(_tree_minutes(generated.tree, cycle.elapsed_minutes),
                                          rel=1e-9, abs=1e-9)


def _scaled(duration: Any, factor: float) -> Any:
    if isinstance(duration, dict):
        ((name, parameters),) = duration.items()
        if name == "lognormal":
            return {name: {key: value * factor for key, value in parameters.items()}}
        return {name: [value * factor for value in parameters]}
    return duration * factor


@settings(max_examples=60, deadline=None)
@given(generated_models(), st.sampled_from([0.5, 2.0, 3.0]))
def test_scaling_every_time_scales_the_cycle_time(generated, factor):
    data = generated.data
    scaled = {**data, "activities": {
        activity_id: {**record,
                      **({"labor": {r: _scaled(d, factor) for r, d in record["labor"].items()}}
                         if "labor" in record else {}),
                      **({"wait": _scaled(record["wait"], factor)} if "wait" in record else {})}
        for activity_id, record in data["activities"].items()}}
    before = expected_cycle_time(ProcessModel.model_validate(data)).minutes
    after = expected_cycle_time(ProcessModel.model_validate(scaled)).minutes
    assert after == pytest.approx(factor * before, rel=1e-9, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(generated_models(), st.data())
def test_a_task_that_takes_no_time_changes_nothing(generated, data):
    model_data = generated.data
    flows = model_data["flows"]
    at = data.draw(st.integers(0, len(flows) - 1))
    source, target, *probability = flows[at]
    with_nothing = {**model_data,
                    "activities": {**model_data["activities"], "nothing": {}},
                    "flows": [*flows[:at], [source, "nothing", *probability],
                              ["nothing", target], *flows[at + 1:]]}
    before = expected_cycle_time(ProcessModel.model_validate(model_data)).minutes
    after = expected_cycle_time(ProcessModel.model_validate(with_nothing)).minutes
    assert after == pytest.approx(before, rel=1e-9, abs=1e-9)


# -- the CLI ---------------------------------------------------------------------------------


def test_cost_prints_the_expected_cycle_time(write_model, capsys):
    path = write_model(BLOCK)
    assert main(["cost", str(path)]) == 0
    assert "Expected cycle time: 1 hr 10 min" in capsys.readouterr().out  # 70 min
    assert main(["cost", str(path), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["cycle_time"]["expected_minutes"] == pytest.approx(70.0)
    assert document["cycle_time"]["exact"] is True


def test_cost_says_the_cycle_time_in_calendar_days(write_model, capsys):
    # a 30-min task, then a day of waiting (1440 elapsed minutes, nights included), then
    # 45 min: 1515 min = 1 day of 24 h, 1 h 15 min; never "3 days" of 8 working hours
    path = write_model("""\
    resources: {clerk: {kind: labor, rate_per_hour: 600}}
    activities: {a: {labor: {clerk: 30}}, b: {labor: {clerk: 45}, wait: 1440}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, a], [a, b], [b, e]]
    """)
    assert main(["cost", str(path)]) == 0
    assert "Expected cycle time: 1 day 1 hr 15 min" in capsys.readouterr().out
    assert main(["--lang", "ru", "cost", str(path)]) == 0
    assert "Ожидаемая длительность цикла: 1 сут. 1 ч 15 мин" in capsys.readouterr().out


def test_cost_says_at_least_when_a_block_is_a_bound(write_model, capsys):
    assert main(["--lang", "ru", "cost", str(write_model(CHOICE_IN_A_BRANCH))]) == 0
    assert ("Ожидаемая длительность цикла: не менее 30 мин (параллельные блоки split учтены "
            "по самой долгой в среднем ветви)") in capsys.readouterr().out


def test_case_classes_mix_their_cycle_times_by_share():
    # small cases (60 %) leave after the first 50-min round; large ones (40 %) go back
    # half the time: 50 / (1 - 0.5) = 100. Mixed: 0.6 × 50 + 0.4 × 100 = 70.
    assert minutes("""\
    case_classes: {small: {share: 0.6}, large: {share: 0.4}}
    activities: {work: {wait: 50}}
    gateways: {merge: {kind: exclusive}, ok: {kind: exclusive}}
    events: {s: {kind: start}, e: {kind: end}}
    flows: [[s, merge], [merge, work], [work, ok], [ok, e, {small: 1, large: 0.5}],
            [ok, merge, {small: 0, large: 0.5}]]
    """) == pytest.approx(70.0)


def test_the_shipped_value_tiers_cycle_time_is_the_share_weighted_mix_of_its_tiers():
    from abc_costing.formats import load_model

    model = load_model("process_models/contract_approval/value_tiers.yaml")
    by_class = {k: expected_cycle_time(model.for_class(k)).minutes for k in model.case_classes}
    mixed = sum(model.case_classes[k].share * m for k, m in by_class.items())
    assert expected_cycle_time(model).minutes == pytest.approx(mixed, rel=1e-12)
    # the large tier waits for the director too, so it takes longest
    assert by_class["large"] > by_class["small"]
