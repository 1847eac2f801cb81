"""The Ledger page's figures: the Sankey's money by hand, and its identities on the shipped period."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import pytest

from abc_costing.engine.allocation import AllocationResult, PeriodInputs, allocate
from abc_costing.model import AllocationRule, DriverQuantity, LedgerLine
from abc_costing.reports.figures import COST_DOWN_COLOUR, COST_UP_COLOUR, PLOT_WIDTH_PX
from abc_costing.reports.ledger_figures import (
    OTHER_POOLS,
    ledger_sankey_figure,
    margin_figure,
    sankey_flows,
)
from abc_costing.workflows.ledger import balance_period
from abc_costing.workflows.library import open_library
from tests.conftest import LIBRARY
from tests.test_allocation import LEDGER, two_stage


def line(centre: str, item: str, amount: float) -> LedgerLine:
    return LedgerLine(period="2026-01", account="26", cost_centre=centre, cost_item=item,
                      amount=amount)


def inputs_for(lines: list[LedgerLine], *, centres: dict[str, str] | None = None,
               pools: dict[str, str] | None = None) -> PeriodInputs:
    """The period's inputs as far as the figures read them (names, currency, period)."""
    return PeriodInputs(period="2026-01", scenario="actual", currency="RUB", lines=tuple(lines),
                        rules=(), drivers=(), support_centres=centres or {}, pools=pools or {},
                        models=(), instances=(), revenue=(), capacities={})


def reciprocal() -> tuple[AllocationResult, PeriodInputs]:
    # IT gets 1000 from the ledger, HR 500; IT sends 20 % to HR and 80 % to the clerk,
    # HR 10 % to IT and 90 % to the lawyer (tests/test_allocation.py's closed form).
    rules = [
        AllocationRule(id="it direct", cost_centre="IT", to=("it",), basis="even"),
        AllocationRule(id="hr direct", cost_centre="HR", to=("hr",), basis="even"),
        AllocationRule(id="it out", from_centre="it", to=("hr", "clerk"), basis="percent",
                       shares={"hr": 20.0, "clerk": 80.0}),
        AllocationRule(id="hr out", from_centre="hr", to=("it", "lawyer"), basis="percent",
                       shares={"it": 10.0, "lawyer": 90.0}),
    ]
    lines = [line("IT", "servers", 1000.0), line("HR", "staff", 500.0)]
    result = allocate(lines, rules, support_centres=("it", "hr"), pools=("clerk", "lawyer"))
    return result, inputs_for(lines, centres={"it": "ИТ-отдел", "hr": "Служба персонала"},
                              pools={"clerk": "Бухгалтер", "lawyer": "Юрист"})


def test_reciprocal_centres_are_drawn_by_the_money_each_got_from_the_ledger():
    result, inputs = reciprocal()
    flows = sankey_flows(result, inputs)
    # A rouble IT got from the ledger ends with the clerk with 0.8 + 0.2 × 0.1 × 0.8 + …
    # = 0.8 / (1 − 0.2 × 0.1) = 0.8 / 0.98; with the lawyer 0.2 × 0.9 / 0.98.
    # A rouble of HR: lawyer 0.9 / 0.98, clerk 0.1 × 0.8 / 0.98.
    assert flows.links == pytest.approx({
        ("account:26", "centre:it"): 1000.0,
        ("account:26", "centre:hr"): 500.0,
        ("centre:it", "pool:clerk"): 1000 * 0.8 / 0.98,     # 816.33
        ("centre:it", "pool:lawyer"): 1000 * 0.18 / 0.98,   # 183.67
        ("centre:hr", "pool:lawyer"): 500 * 0.9 / 0.98,     # 459.18
        ("centre:hr", "pool:clerk"): 500 * 0.08 / 0.98,     # 40.82
        # no model uses the pools: all of their money is unassigned at stage 3
        ("pool:clerk", "unassigned"): 1000 * 0.8 / 0.98 + 500 * 0.08 / 0.98,
        ("pool:lawyer", "unassigned"): 1000 * 0.18 / 0.98 + 500 * 0.9 / 0.98,
    })
    # the clerk's money is the reciprocal solution's: 0.8 × IT = 0.8 × 1050 / 0.98
    assert flows.into("pool:clerk") == pytest.approx(result.pool_totals["clerk"])
    assert flows.labels["centre:it"] == "ИТ-отдел" and flows.labels["pool:lawyer"] == "Юрист"
    assert flows.labels["account:26"] == "Account 26"


def test_over_driven_money_is_a_source_and_what_stops_is_a_sink():
    rules = [AllocationRule(id="part", cost_item="rent", to=("p",), basis="percent",
                            shares={"p": 75.0}),
             AllocationRule(id="tickets", cost_item="help", to=("p",), basis="rate",
                            driver="tickets", rate_per_unit=50.0)]
    tickets = [DriverQuantity(driver="tickets", receiver="p", quantity=3.0)]
    lines = [line("x", "rent", 200.0), line("x", "help", 100.0)]
    result = allocate(lines, rules, drivers=tickets, pools=("p",))
    flows = sankey_flows(result, inputs_for(lines))
    # rent: 75 % of 200 = 150 to p, 50 unassigned; help: 3 tickets × 50 = 150 asked of
    # 100, so the 100 and 50 over-driven go to p; p (no activity) leaves 300 unassigned.
    assert flows.links == pytest.approx({
        ("account:26", "pool:p"): 150.0 + 100.0,
        ("account:26", "unassigned"): 50.0,
        ("over_driven", "pool:p"): 50.0,
        ("pool:p", "unassigned"): 300.0,
    })
    assert flows.labels["over_driven"] == "Over-driven (beyond the money)"


@pytest.fixture(scope="module")
def shipped():
    balance = balance_period(open_library(LIBRARY), period="2026-01")
    assert balance.ok
    return balance.result, balance.inputs


def test_the_shipped_period_flows_keep_every_rouble(shipped):
    result, inputs = shipped
    flows = sankey_flows(result, inputs)
    accounts = {key for key in flows.labels if key.startswith("account:")}
    assert accounts == {"account:25", "account:26", "account:44"}
    assert math.fsum(flows.out_of(a) for a in accounts) == pytest.approx(result.ledger_total)
    for o in result.objects:
        assert flows.into(f"object:{o.cost_object}") == pytest.approx(o.cost)
    assert flows.into("idle") == pytest.approx(math.fsum(b.idle for b in result.balances))
    assert flows.into("unassigned") == pytest.approx(
        math.fsum(b.unassigned for b in result.balances))
    # every node between the ledger and the sinks passes on what it gets
    for node in flows.labels:
        if node.partition(":")[0] in ("centre", "pool", "process"):
            assert flows.into(node) == pytest.approx(flows.out_of(node)), node


def test_pools_beyond_the_largest_are_one_other_pools_node(shipped):
    result, inputs = shipped
    flows = sankey_flows(result, inputs, top_pools=3)
    pools = [key for key in flows.labels if key.startswith("pool:")]
    assert len(pools) == 4 and pools[-1] == OTHER_POOLS
    money = sorted(result.pool_totals.values(), reverse=True)
    # the three largest pools by name, the rest (over 20 pools) in one node
    assert flows.into(OTHER_POOLS) == pytest.approx(math.fsum(money[3:]))
    assert flows.labels[OTHER_POOLS] == f"Other pools ({len([m for m in money if m]) - 3})"


def test_the_figure_draws_the_flows_and_keeps_pools_in_one_column(shipped):
    result, inputs = shipped
    figure = ledger_sankey_figure(result, inputs)
    sankey = figure.data[0]
    flows = sankey_flows(result, inputs)
    ids = list(sankey.node.customdata)
    assert ids == list(flows.labels)
    drawn = {(ids[s], ids[t]): v for s, t, v, text in zip(
        sankey.link.source, sankey.link.target, sankey.link.value, sankey.link.customdata,
        strict=True) if text is not None}
    assert drawn == pytest.approx(flows.links)
    spacers = [v for v, text in zip(sankey.link.value, sankey.link.customdata, strict=True)
               if text is None]
    assert all(v < 1e-6 * result.ledger_total for v in spacers)
    x = dict(zip(ids, sankey.node.x, strict=True))
    # the production pool gets only ledger money (all unassigned), yet stands with the pools
    assert {x[key] for key in ids if key.startswith("pool:")} == {x["pool:lawyer"]}
    assert x["centre:it"] < x["pool:production"] < x[next(k for k in ids
                                                          if k.startswith("process:"))]


def test_margin_bars_are_the_objects_cost_and_margin_coloured_by_sign():
    result = two_stage(LEDGER)
    figure = margin_figure(result, currency="RUB")
    cost, margin = figure.data
    by_object = {o.cost_object: o for o in result.objects}
    assert list(cost.customdata) == ["A", "B"]  # A has revenue (a margin), B none
    assert list(cost.x) == pytest.approx([by_object["A"].cost, by_object["B"].cost])
    a = by_object["A"]
    assert margin.x[0] == pytest.approx(5000.0 - a.cost) and margin.x[1] is None
    assert margin.marker.color[0] == (COST_UP_COLOUR if a.margin < 0 else COST_DOWN_COLOUR)
    assert margin.text[1] == "no revenue"


# --- readability at 1366 px and the reader's language (issue 14) -------------------------

LONG_POOL = "Юридический отдел и служба безопасности по согласованию договоров"
LONG_CENTRE = "Информационные технологии и обслуживание рабочих мест"


def label_boxes(figure) -> list[tuple[str, float, float, float, float]]:
    """Each node label's box (id, left, right, top, bottom) in pixels of the plot area,
    estimated from its text (0.6 em a character, 1.2 em a line) and plotly's placement:
    right of the bar, left of it in the last column, centred on the bar's height."""
    sankey = figure.data[0]
    width_px = PLOT_WIDTH_PX - figure.layout.margin.l - figure.layout.margin.r
    height_px = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b
    font_px = sankey.textfont.size
    last = max(sankey.node.x)
    half_bar = sankey.node.thickness / 2
    boxes = []
    for node, label, x, y in zip(sankey.node.customdata, sankey.node.label, sankey.node.x,
                                 sankey.node.y, strict=True):
        lines = label.split("<br>")
        wide = max(len(line) for line in lines) * 0.6 * font_px
        high = len(lines) * 1.2 * font_px
        centre_x, centre_y = x * width_px, y * height_px
        left = (centre_x - half_bar - 2 - wide if x == last else centre_x + half_bar + 2)
        boxes.append((node, left, left + wide, centre_y - high / 2, centre_y + high / 2))
    return boxes


def test_sankey_labels_never_overlap_at_1366_px(shipped):
    result, inputs = shipped
    # Long Russian names of every pool, as a 1C chart of accounts has them.
    long_names = replace(inputs, pools={pool: f"{LONG_POOL} ({pool})" for pool in inputs.pools},
                         support_centres={centre: f"{LONG_CENTRE} ({centre})"
                                          for centre in inputs.support_centres})
    figure = ledger_sankey_figure(result, long_names, language="ru")
    sankey = figure.data[0]
    boxes = label_boxes(figure)
    width_px = PLOT_WIDTH_PX - figure.layout.margin.l - figure.layout.margin.r
    bars = {x * width_px for x in sankey.node.x}
    for (a, left, right, top, bottom), (b, left2, right2, top2, bottom2) in \
            itertools.combinations(boxes, 2):
        apart = right <= left2 or right2 <= left or bottom <= top2 or bottom2 <= top
        assert apart, (a, b)
    half_bar = sankey.node.thickness / 2
    for node, left, right, _, _ in boxes:
        assert 0 <= left and right <= width_px, node  # inside the plot
        # no label runs into another column's bars
        assert not any(left < bar + half_bar and bar - half_bar < right for bar in bars), node
    # The pools' labels are cut, the hover names them whole.
    pools = [k for k, key in enumerate(sankey.node.customdata) if key.startswith("pool:")
             and key != OTHER_POOLS]
    assert all(sankey.node.label[k].endswith("…") for k in pools)
    assert all(LONG_POOL in sankey.node.hovertemplate[k] for k in pools)
    assert any(key.startswith("centre:") for key in sankey.node.customdata)


def test_sankey_and_margins_in_russian(shipped):
    result, inputs = shipped
    figure = ledger_sankey_figure(result, inputs, language="ru")
    assert figure.layout.title.text == (f"Куда уходят деньги за {inputs.period} "
                                        f"({inputs.scenario}), RUB")
    labels = dict(zip(figure.data[0].node.customdata, figure.data[0].node.label, strict=True))
    assert labels["idle"] == "Простой (неиспользуемая<br>мощность)"
    assert ledger_sankey_figure(result, inputs).data[0].node.label[
        list(figure.data[0].node.customdata).index("idle")] == "Idle (unused capacity)"
    margins = margin_figure(result, currency="RUB", language="ru")
    assert [t.name for t in margins.data] == ["Стоимость обслуживания", "Маржа"]
