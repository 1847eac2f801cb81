"""The report's charts drawn by reportlab: the shapes are the figures' numbers.

Each test draws a figure of :mod:`abc_costing.reports.figures` with
:func:`figure_drawing` and measures the drawing's rectangles and texts: bar
lengths must be in the ratio of the costs they stand for, texts must be the
figures' own, and the process graph must have one marker per node.
"""

from __future__ import annotations

import plotly.graph_objects as go
import pytest
from reportlab.graphics.shapes import Circle, Group, Polygon, Rect, String
from reportlab.lib import colors

import abc_costing as abc
from abc_costing.reports.figures import (
    COST_DOWN_COLOUR,
    COST_SCALE,
    COST_UP_COLOUR,
    TOTAL_COLOUR,
    VALUE_COLOURS,
    cost_breakdown_figure,
    cost_by_value_figure,
    cost_waterfall_figure,
    process_flow_figure,
)
from abc_costing.reports.pdf_charts import ChartError, _colour, figure_drawing
from abc_costing.reports.pdf_report import FONT, FONT_BOLD, _register_fonts
from abc_costing.reports.tables import format_money
from tests.conftest import LIBRARY

AS_IS = LIBRARY / "contract_approval" / "as_is.yaml"
ESIGN = LIBRARY / "contract_approval" / "template_esign.yaml"


def _draw(figure: go.Figure, width_px: int = 860, height_px: int = 640):
    _register_fonts()
    return figure_drawing(figure, width_px=width_px, height_px=height_px, font=FONT,
                          bold_font=FONT_BOLD)


def _shapes(node) -> list:
    """Every shape of a drawing, groups opened."""
    found = []
    for item in getattr(node, "contents", []):
        found += _shapes(item) if isinstance(item, Group) else [item]
    return found


def _same(colour, hex_colour: str) -> bool:
    return colour is not None and colour.hexval() == colors.HexColor(hex_colour).hexval()


def _comparison():
    return abc.compare_models(abc.load_model(AS_IS), abc.load_model(ESIGN))


def test_waterfall_bars_are_in_the_ratio_of_the_costs_and_steps_close_the_gap():
    comparison = _comparison()
    shapes = _shapes(_draw(cost_waterfall_figure(comparison)))
    bars = [s for s in shapes if isinstance(s, Rect) and s.fillColor is not None
            and any(_same(s.fillColor, c) for c in (TOTAL_COLOUR, COST_UP_COLOUR,
                                                     COST_DOWN_COLOUR))]
    totals = [b for b in bars if _same(b.fillColor, TOTAL_COLOUR)]
    steps = [b for b in bars if b not in totals]
    baseline, candidate = totals
    # 10 368.69 / 4 863.09 = 2.1321...: the totals' heights are in that ratio.
    ratio = comparison.baseline.cost_per_instance / comparison.candidate.cost_per_instance
    assert baseline.height / candidate.height == pytest.approx(ratio, rel=1e-9)
    # Units per RUB from the baseline bar; the steps (saving down, extra cost up) add up
    # to the candidate's height: 10 368.69 − 5 505.60 = 4 863.09.
    per_rub = baseline.height / comparison.baseline.cost_per_instance
    signed = sum(-s.height if _same(s.fillColor, COST_DOWN_COLOUR) else s.height
                 for s in steps)
    assert baseline.height + signed == pytest.approx(candidate.height, rel=1e-9)
    changed = [a for a in comparison.activities if abs(a.delta) > 1e-9]
    assert len(steps) == len(changed)
    dearest = max(changed, key=lambda a: abs(a.delta))  # legal review: −2 559.93
    assert max(s.height for s in steps) == pytest.approx(abs(dearest.delta) * per_rub)
    texts = {s.text for s in shapes if isinstance(s, String)}
    assert format_money(comparison.baseline.cost_per_instance, "RUB") in texts
    assert "-2,559.93" in texts


def test_breakdown_bars_have_the_activities_costs_and_their_colours():
    result = abc.cost_model(abc.load_model(AS_IS))
    shapes = _shapes(_draw(cost_breakdown_figure(result), height_px=430))
    bars = {}
    for value, colour in VALUE_COLOURS.items():
        bars[value] = [s for s in shapes if isinstance(s, Rect) and _same(s.fillColor, colour)
                       and s.height > 9]  # the legend's swatches are 9 high
    legal = result.activity("legal_review")
    draft = result.activity("draft")
    widths = {b.width for group in bars.values() for b in group}
    per_rub = max(widths) / legal.cost_per_instance  # the dearest activity is legal review
    # Draft (value adding, the one green bar) is 1 433.33 RUB: width = 1 433.33 × per_rub.
    (green,) = bars["value_adding"]
    assert draft.value == "value_adding"
    assert green.width == pytest.approx(draft.cost_per_instance * per_rub, rel=1e-9)
    assert sum(len(group) for group in bars.values()) == len(result.activities)
    total_width = sum(b.width for group in bars.values() for b in group)
    assert total_width == pytest.approx(result.cost_per_instance * per_rub, rel=1e-9)
    texts = {s.text for s in shapes if isinstance(s, String)}
    assert "Юридическая проверка" in texts
    assert format_money(legal.cost_per_instance, "RUB") in texts


def test_value_chart_baseline_is_the_class_colour_at_45_percent_on_white():
    shapes = _shapes(_draw(cost_by_value_figure(_comparison()), height_px=420))
    # rgba(46,158,91,0.45) on white: 0.45 × 46/255 + 0.55 = 0.6312, 0.45 × 158/255 + 0.55
    # = 0.8288, 0.45 × 91/255 + 0.55 = 0.7106.
    pale = _colour("rgba(46,158,91,0.45)")
    assert (round(pale.red, 4), round(pale.green, 4), round(pale.blue, 4)) == (
        0.6312, 0.8288, 0.7106)
    assert any(isinstance(s, Rect) and s.fillColor is not None
               and s.fillColor.hexval() == pale.hexval() for s in shapes)


def test_process_graph_has_a_marker_per_node_and_the_dearest_activity_darkest():
    model = abc.load_model(AS_IS)
    result = abc.cost_model(model)
    shapes = _shapes(_draw(process_flow_figure(model, result), width_px=1000, height_px=560))
    squares = [s for s in shapes if isinstance(s, Rect) and s.width == s.height == 30]
    diamonds = [s for s in shapes if isinstance(s, Polygon) and len(s.points) == 8
                and s.strokeColor is not None]
    circles = [s for s in shapes if isinstance(s, Circle)]
    assert len(squares) == len(model.activities)
    gateways = len(model.gateways)
    assert len(diamonds) == gateways
    assert len(circles) == len(model.events)
    # cmax is the dearest activity's cost: its square has the scale's last colour.
    last = COST_SCALE[-1][1]
    assert sum(1 for s in squares if _same(s.fillColor, last)) == 1
    texts = [s.text for s in shapes if isinstance(s, String)]
    for probability in ("70%", "30%", "80%", "10%"):
        assert probability in texts


def test_a_figure_of_another_kind_is_refused():
    with pytest.raises(ChartError, match="pie"):
        _draw(go.Figure(go.Pie(values=[1, 2])))
