"""Every kind of resource is priced by every consumer, each against a hand-worked figure.

The kinds are read from the records' own union (``ResourceRecord``), not listed
here: a kind added to the union without a hand-worked case below fails the
first test, and one that some consumer does not handle fails the others (the
consumers match the kinds exhaustively, ending in ``assert_never``), instead of
being priced silently as if it were some other kind.
"""

from __future__ import annotations

import io
from typing import get_args

import pytest
import yaml
from openpyxl import load_workbook

from abc_costing.engine import capacity_report, cost_model, sensitivity
from abc_costing.model import (
    LaborResource,
    PerUseResource,
    Resource,
    ResourceKind,
    ResourceRecord,
    UnitCosts,
)
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.workbook import workbook_bytes
from abc_costing.simulation import simulate
from tests.conftest import model_text, parse
from tests.test_workbook import table

# record -> (the resource as written, how one execution uses it, its unit costs,
#            cost per instance, pool minutes a month at 1,200 instances a year)
HAND_WORKED = {
    LaborResource: (
        {"kind": "labor", "rate_per_hour": 600}, {"labor": {"r": 30}},
        UnitCosts(rate_per_minute=10.0, cost_per_use=0.0),  # 600 / 60
        300.0,  # 30 min × 10 ₽/min
        3000.0,  # 1200 / 12 = 100 a month × 30 min
    ),
    PerUseResource: (
        {"kind": "per_use", "cost_per_use": 500}, {"uses": {"r": 2}},
        UnitCosts(rate_per_minute=0.0, cost_per_use=500.0),
        1000.0,  # 2 uses × 500 ₽
        None,  # bought per use: no pool of people
    ),
}
KINDS = get_args(ResourceRecord)


def test_every_kind_of_resource_has_a_hand_worked_case():
    assert set(KINDS) == set(HAND_WORKED)
    # The kind names the engine reports are exactly the union's tags.
    tags = [get_args(record.model_fields["kind"].annotation)[0] for record in KINDS]
    assert sorted(tags) == sorted(get_args(ResourceKind))


def model_body(record) -> str:
    resource, usage, *_ = HAND_WORKED[record]
    return yaml.safe_dump({
        "volume_per_year": 1200,
        "resources": {"r": resource},
        "activities": {"a": usage},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "a"], ["a", "e"]],
    }, allow_unicode=True)


@pytest.mark.parametrize("record", KINDS, ids=lambda record: record.__name__)
def test_each_kind_has_its_unit_costs(record):
    resource, _, unit_costs, *_ = HAND_WORKED[record]
    parsed = Resource.validate_python(resource)
    assert type(parsed) is record
    assert parsed.unit_costs == unit_costs


@pytest.mark.parametrize("record", KINDS, ids=lambda record: record.__name__)
def test_each_kind_is_costed_simulated_and_ranked_by_hand(record):
    resource, _, unit_costs, cost, _ = HAND_WORKED[record]
    model = parse(model_body(record))
    result = cost_model(model)
    assert result.cost_per_instance == cost
    priced = result.resource("r")
    assert (priced.kind, priced.cost_per_instance) == (resource["kind"], cost)
    assert (priced.rate_per_minute, priced.cost_per_use) == unit_costs
    # Fixed amounts: every simulated instance costs the same as the exact figure.
    simulated = simulate(model, runs=20, rng=1).cost_per_instance
    assert (simulated.mean, simulated.max) == (cost, cost)
    # ±10% of the price moves the cost by ±10% of the resource's part (all of it here).
    price = next(item for item in sensitivity(model) if item.element == "r")
    assert (price.cost_low, price.cost_high) == pytest.approx((0.9 * cost, 1.1 * cost))


@pytest.mark.parametrize("record", KINDS, ids=lambda record: record.__name__)
def test_each_kind_is_loaded_on_a_pool_only_if_it_is_people(record):
    *_, pool_minutes = HAND_WORKED[record]
    report = capacity_report([parse(model_body(record), variant="as_is")])
    pools = {pool.id: pool.minutes_per_month for pool in report.pools}
    assert pools == ({} if pool_minutes is None else {"r": pool_minutes})


@pytest.mark.parametrize("record", KINDS, ids=lambda record: record.__name__)
def test_each_kind_is_priced_in_the_workbook(record, tmp_path):
    *_, cost, _ = HAND_WORKED[record]
    path = tmp_path / "model.yaml"
    path.write_text(model_text(model_body(record)), encoding="utf-8")
    inputs = build_report_inputs(path, baseline_path=None, user="auditor@example.com",
                                 change_log=None)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)), data_only=True)
    assert table(book["Resources"])["r"]["cost_per_instance"].value == pytest.approx(cost)


def test_the_reader_has_a_stand_in_for_every_resource_kind():
    # A broken resource is replaced by a valid one of its kind so that the checks across
    # records still know its id: every kind needs one, and each must be a valid record.
    from typing import get_args

    from abc_costing.formats.yaml_model import RESOURCE_STAND_INS
    from abc_costing.model import Resource, ResourceKind

    assert set(RESOURCE_STAND_INS) == set(get_args(ResourceKind))
    for kind, fields in RESOURCE_STAND_INS.items():
        assert Resource.validate_python({"kind": kind, **fields}).kind == kind
