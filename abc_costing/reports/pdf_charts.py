"""The report's plotly figures drawn as vector graphics by reportlab, with no browser.

The PDF report used to render its figures to PNG with kaleido, which starts
Chromium and loads plotly.js: 6 s for the start and about 1 s a figure on the
project's 2-core machine, over 30 s under load. :func:`figure_drawing` draws
the same figure objects (:mod:`abc_costing.reports.figures` builds them, so
what a chart shows is defined once) as a reportlab ``Drawing`` in a few
milliseconds: bars (grouped or stacked, upright or lying), waterfalls, and
the process graph's lines, markers, texts, arrows and colour scale. Text is
set in the report's embedded font, so Cyrillic prints as it does in the
tables and can be searched and copied.

Only what those figures use is drawn; a figure with another kind of trace
raises :class:`ChartError` (the report then shows the figures as tables).
Hover texts have no place on paper and are left out; a hatched bar (the
baseline in the value-class chart) is drawn pale without its hatching.

Coordinates are the figure's CSS pixels (the size the figure would be
rendered at), y upwards; the report scales the drawing to its page.

Examples
--------
>>> import abc_costing as abc
>>> from abc_costing.reports.figures import cost_breakdown_figure
>>> from abc_costing.reports.pdf_report import _register_fonts
>>> _register_fonts()
>>> result = abc.cost_model(abc.load_model("process_models/contract_approval/as_is.yaml"))
>>> drawing = figure_drawing(cost_breakdown_figure(result), width_px=860, height_px=400,
...                          font="DejaVuSans", bold_font="DejaVuSans-Bold")
>>> drawing.width, drawing.height
(860, 400)
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from reportlab.graphics.shapes import Circle, Drawing, Group, Line, Path, Polygon, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase import pdfmetrics

from abc_costing.problems import AbcCostingError
from abc_costing.reports.figures import GRID, INK, MUTED
from abc_costing.reports.views import format_number

__all__ = ["ChartError", "figure_drawing"]

TICKS = 6                  # about this many value-axis ticks
TITLE_PX = 16              # the figure's title (plotly draws it at 1.4 × 12 ≈ 17 px)
SUBTITLE_PX = 11
LEGEND_PX = 11
LEGEND_ROW_PX = 26         # the legend's band under the plot
TEXT_PAD_PX = 3            # between a bar's end and its text
LINE_SPACING = 1.2         # line height of multi-line labels, in font sizes


class ChartError(AbcCostingError):
    """A figure this module cannot draw (a kind of trace the report does not use)."""


@dataclass(frozen=True)
class _Fonts:
    regular: str
    bold: str


@dataclass(frozen=True)
class _Box:
    """The plot area in drawing coordinates (y upwards)."""

    left: float
    bottom: float
    right: float
    top: float


# --- Small pieces -----------------------------------------------------------------------------


def _lines(text: object) -> list[str]:
    """Plotly's label markup (``<br>`` between lines, ``&lt;`` escapes) as plain lines."""
    if text is None:
        return [""]
    return [html.unescape(part) for part in str(text).replace("<br>", "\n").split("\n")]


def _colour(value: Any, default: str = INK) -> colors.Color:
    """A plotly colour (``#rrggbb``, ``rgba(r,g,b,a)``, a name) as a reportlab colour.

    A translucent colour is blended onto white: the page is white, and an
    opaque colour keeps viewers from compositing.
    """
    if value is None:
        return colors.HexColor(default)
    text = str(value).strip()
    if text.startswith("rgb"):
        parts = [float(p) for p in text[text.index("(") + 1:text.index(")")].split(",")]
        alpha = parts[3] if len(parts) == 4 else 1.0
        r, g, b = (alpha * p / 255 + (1 - alpha) for p in parts[:3])
        return colors.Color(r, g, b)
    if text.startswith("#"):
        return colors.HexColor(text)
    found = colors.toColor(text, None)
    if found is None:
        raise ChartError(f"unknown colour {text!r}")
    return found


def _per_point(value: Any, count: int) -> list[Any]:
    """A plotly property given once or per point, as one value per point."""
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value] * count


def _scale_colour(scale: Sequence[Sequence[Any]], fraction: float) -> colors.Color:
    """The colour at ``fraction`` (0–1) of a plotly colour scale, linearly between stops."""
    fraction = min(1.0, max(0.0, fraction))
    stops = [(float(at), _colour(c)) for at, c in scale]
    for (a, ca), (b, cb) in zip(stops, stops[1:], strict=False):
        if fraction <= b:
            t = 0.0 if b == a else (fraction - a) / (b - a)
            return colors.linearlyInterpolatedColor(ca, cb, 0, 1, t)
    return stops[-1][1]


def _nice_ticks(low: float, high: float, count: int = TICKS) -> list[float]:
    """Round tick values covering ``low``–``high``: steps of 1, 2, 2.5 or 5 × 10^k.

    >>> _nice_ticks(0, 10368.69)  # 10 368.69 / 5 gaps = 2 073.7, rounded up to 2 500
    [0.0, 2500.0, 5000.0, 7500.0, 10000.0, 12500.0]
    """
    if high <= low:
        high = low + 1.0
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step + 1e-9) * step
    ticks = [first]
    while ticks[-1] < high - 1e-9 * step:
        ticks.append(ticks[-1] + step)
    return [round(t, 10) for t in ticks]


def _tick_label(value: float) -> str:
    # The figures' MONEY_TICKS: whole units, thousands spaced.
    return format_number(value, 0)


def _width(text: str, font: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font, size)


def _text_block(group: Group, lines: Sequence[str], *, x: float, y: float, size: float,
                font: str, colour: colors.Color, anchor: str = "middle",
                valign: str = "middle") -> None:
    """Lines of text around (x, y): ``valign`` says whether y is their top, middle or
    bottom."""
    leading = size * LINE_SPACING
    height = leading * len(lines)
    top = {"top": y, "middle": y + height / 2, "bottom": y + height}[valign]
    for i, line in enumerate(lines):
        baseline = top - leading * i - size * 0.85
        group.add(String(x, baseline, line, fontName=font, fontSize=size, fillColor=colour,
                         textAnchor=anchor))


def _title(group: Group, figure: go.Figure, *, width: float, height: float,
           fonts: _Fonts) -> None:
    layout = figure.layout
    x = 0.01 * width + 10
    if layout.title.text:
        group.add(String(x, height - 30, _lines(layout.title.text)[0], fontName=fonts.bold,
                         fontSize=TITLE_PX, fillColor=colors.HexColor(INK)))
    subtitle = layout.title.subtitle.text if layout.title.subtitle else None
    if subtitle:
        group.add(String(x, height - 48, _lines(subtitle)[0], fontName=fonts.regular,
                         fontSize=SUBTITLE_PX, fillColor=colors.HexColor(MUTED)))


def _legend(group: Group, items: Sequence[tuple[str, colors.Color]], *, left: float,
            y: float, fonts: _Fonts) -> None:
    x = left
    for name, colour in items:
        group.add(Rect(x, y - 4, 14, 9, fillColor=colour, strokeColor=None))
        group.add(String(x + 19, y - 3, name, fontName=fonts.regular, fontSize=LEGEND_PX,
                         fillColor=colors.HexColor(INK)))
        x += 19 + _width(name, fonts.regular, LEGEND_PX) + 22


def _margins(figure: go.Figure) -> tuple[float, float, float, float]:
    margin = figure.layout.margin
    return (margin.l if margin.l is not None else 80, margin.r if margin.r is not None else 80,
            margin.t if margin.t is not None else 100, margin.b if margin.b is not None else 80)


# --- Bars and waterfalls --------------------------------------------------------------------


@dataclass(frozen=True)
class _Bar:
    """One bar: its category, its slot in the category's band, where it starts and ends."""

    category: int
    slot: int
    start: float
    end: float
    colour: colors.Color
    outline: colors.Color | None
    text: str
    text_position: str


def _bar_traces(figure: go.Figure) -> tuple[list[list[str]], list[_Bar], int, bool,
                                             list[tuple[str, colors.Color]]]:
    """Categories (as label lines), bars, slots per band, whether bars lie, legend items."""
    traces = list(figure.data)
    lying = traces[0].orientation == "h"
    categories: list[str] = []
    for trace in traces:
        for label in (trace.y if lying else trace.x):
            if label not in categories:
                categories.append(label)
    stacked = figure.layout.barmode in ("relative", "stack")
    slots = 1 if stacked else len(traces)
    bars: list[_Bar] = []
    legend: list[tuple[str, colors.Color]] = []
    ends_up: dict[int, float] = {}
    ends_down: dict[int, float] = {}
    for slot, trace in enumerate(traces):
        labels = trace.y if lying else trace.x
        values = trace.x if lying else trace.y
        n = len(values)
        fills = _per_point(trace.marker.color, n)
        outlines = _per_point(trace.marker.line.color if trace.marker.line else None, n)
        texts = _per_point(trace.text, n)
        positions = _per_point(trace.textposition or "none", n)
        for k, (label, value) in enumerate(zip(labels, values, strict=True)):
            category = categories.index(label)
            start = 0.0
            if stacked:
                ends = ends_up if value >= 0 else ends_down
                start = ends.get(category, 0.0)
                ends[category] = start + value
            bars.append(_Bar(category, 0 if stacked else slot, start, start + value,
                             _colour(fills[k]), None if outlines[k] is None
                             else _colour(outlines[k]), "" if texts[k] is None
                             else str(texts[k]), str(positions[k])))
        if trace.showlegend is not False and len(traces) > 1:
            legend.append((html.unescape(trace.name or ""), _colour(fills[0])))
    return [_lines(c) for c in categories], bars, slots, lying, legend


def _waterfall_bars(trace: Any) -> tuple[list[list[str]], list[_Bar], list[float]]:
    """A waterfall's categories and bars, and the running level between each pair."""
    bars: list[_Bar] = []
    levels: list[float] = []
    running = 0.0
    up = _colour(trace.increasing.marker.color)
    down = _colour(trace.decreasing.marker.color)
    total = _colour(trace.totals.marker.color)
    for k, (value, measure) in enumerate(zip(trace.y, trace.measure, strict=True)):
        text = "" if trace.text is None else str(_per_point(trace.text, len(trace.y))[k])
        match measure:
            case "absolute":
                start, running, colour = 0.0, value, total
            case "total":  # plotly draws the running sum, which the figure reconciles to
                start, colour = 0.0, total
            case "relative":
                start, running = running, running + value
                colour = up if value > 0 else down
            case _:
                raise ChartError(f"waterfall measure {measure!r}")
        bars.append(_Bar(k, 0, start, running, colour, None, text,
                         str(trace.textposition or "outside")))
        levels.append(running)
    return [_lines(c) for c in trace.x], bars, levels


def _bar_chart(figure: go.Figure, *, width: float, height: float, fonts: _Fonts) -> Group:
    """Bars and waterfalls: a value axis with a grid, category labels, texts, legend."""
    layout = figure.layout
    traces = list(figure.data)
    connectors: list[float] = []
    legend: list[tuple[str, colors.Color]] = []
    if traces[0].type == "waterfall":
        categories, bars, connectors = _waterfall_bars(traces[0])
        slots, lying = 1, False
        gap = 0.3
    else:
        categories, bars, slots, lying, legend = _bar_traces(figure)
        gap = layout.bargap if layout.bargap is not None else 0.2
    group = Group()
    _title(group, figure, width=width, height=height, fonts=fonts)
    ink, muted, grid = colors.HexColor(INK), colors.HexColor(MUTED), colors.HexColor(GRID)
    base_size = float(layout.font.size or 12)
    label_size = base_size if lying else 10.0
    value_axis = layout.xaxis if lying else layout.yaxis
    category_axis = layout.yaxis if lying else layout.xaxis
    axis_title = value_axis.title.text or ""

    low = min([0.0, *(min(b.start, b.end) for b in bars)])
    high = max([0.0, *(max(b.start, b.end) for b in bars)])
    ticks = _nice_ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])

    _, margin_r, margin_t, _ = _margins(figure)
    top = height - margin_t
    bottom = 12.0 + (LEGEND_ROW_PX if legend else 0)
    left = 20.0
    right = width - margin_r
    rotated = not lying and (category_axis.tickangle or 0) != 0
    label_leading = label_size * LINE_SPACING
    if lying:
        left += max(_width(line, fonts.regular, label_size)
                    for lines in categories for line in lines) + 8
        bottom += base_size * 2 + 18          # tick labels and the axis title under the plot
    else:
        left += base_size * 1.4 + max(_width(_tick_label(t), fonts.regular, base_size)
                                      for t in ticks) + 8
        if rotated:   # names stood up, their lines side by side
            bottom += max(_width(line, fonts.regular, label_size)
                          for lines in categories for line in lines) + 8
        else:
            bottom += label_leading * max(len(lines) for lines in categories) + 8
    # Texts outside the bars need room beyond the largest.
    if any(b.text and b.text_position in ("outside", "auto") for b in bars):
        longest = max(_width(b.text, fonts.regular, 10) for b in bars)
        if lying:
            right -= longest + TEXT_PAD_PX
        else:
            top -= 10 + TEXT_PAD_PX
    box = _Box(left, bottom, right, top)

    def value_at(value: float) -> float:
        span = high - low
        if lying:
            return box.left + (value - low) / span * (box.right - box.left)
        return box.bottom + (value - low) / span * (box.top - box.bottom)

    count = len(categories)
    band = ((box.top - box.bottom) if lying else (box.right - box.left)) / count
    bar_room = band * (1 - gap)
    slot_width = bar_room / slots

    def band_start(category: int) -> float:
        # Horizontal bars run top to bottom (the figures reverse the y axis).
        if lying:
            return box.top - band * (category + 1)
        return box.left + band * category

    # Grid and value axis.
    for tick in ticks:
        at = value_at(tick)
        label = _tick_label(tick)
        if lying:
            group.add(Line(at, box.bottom, at, box.top, strokeColor=grid, strokeWidth=1))
            group.add(String(at, box.bottom - base_size - 2, label, fontName=fonts.regular,
                             fontSize=base_size, fillColor=ink, textAnchor="middle"))
        else:
            group.add(Line(box.left, at, box.right, at, strokeColor=grid, strokeWidth=1))
            group.add(String(box.left - 6, at - base_size * 0.35, label,
                             fontName=fonts.regular, fontSize=base_size, fillColor=ink,
                             textAnchor="end"))
    if lying:
        group.add(String((box.left + box.right) / 2, box.bottom - 2 * base_size - 10,
                         axis_title, fontName=fonts.regular, fontSize=base_size,
                         fillColor=ink, textAnchor="middle"))
    else:
        title = Group(String(0, 0, axis_title, fontName=fonts.regular, fontSize=base_size,
                             fillColor=ink, textAnchor="middle"))
        title.translate(20 + base_size, (box.bottom + box.top) / 2)
        title.rotate(90)
        group.add(title)

    # Category labels.
    for k, lines in enumerate(categories):
        middle = band_start(k) + band / 2
        if lying:
            _text_block(group, lines, x=box.left - 6, y=middle, size=label_size,
                        font=fonts.regular, colour=ink, anchor="end")
        elif rotated:
            leading = label_size * LINE_SPACING
            for i, line in enumerate(lines):
                label = Group(String(0, 0, line, fontName=fonts.regular, fontSize=label_size,
                                     fillColor=ink, textAnchor="end"))
                # the first line leftmost, the block centred on the bar
                x = middle + label_size * 0.35 + leading * (i - (len(lines) - 1) / 2)
                label.translate(x, box.bottom - 6)
                label.rotate(90)
                group.add(label)
        else:
            _text_block(group, lines, x=middle, y=box.bottom - 6, size=label_size,
                        font=fonts.regular, colour=ink, valign="top")

    # Connectors of a waterfall: from one bar's end to the next bar.
    for k, level in enumerate(connectors[:-1]):
        at = value_at(level)
        x0 = band_start(k) + (band + bar_room) / 2
        group.add(Line(x0, at, x0 + band - bar_room, at, strokeColor=grid, strokeWidth=1))

    # Bars and their texts.
    for bar in bars:
        offset = band_start(bar.category) + (band - bar_room) / 2 + bar.slot * slot_width
        a, b = sorted((value_at(bar.start), value_at(bar.end)))
        if lying:  # the first trace on top, as plotly draws a reversed axis
            offset = band_start(bar.category) + band - (band - bar_room) / 2 \
                - (bar.slot + 1) * slot_width
            rect = Rect(a, offset + slot_width * 0.05, b - a, slot_width * 0.9)
        else:
            rect = Rect(offset + slot_width * 0.05, a, slot_width * 0.9, b - a)
        rect.fillColor, rect.strokeColor = bar.colour, bar.outline
        rect.strokeWidth = 1.2 if bar.outline is not None else 0
        group.add(rect)
        if not bar.text or bar.text_position == "none":
            continue
        size = 10.0
        text_width = _width(bar.text, fonts.regular, size)
        forward = bar.end >= bar.start
        if lying:
            y = offset + slot_width / 2 - size * 0.35
            inside = bar.text_position == "auto" and text_width + 2 * TEXT_PAD_PX < b - a
            if inside:
                group.add(String(b - TEXT_PAD_PX if forward else a + TEXT_PAD_PX, y,
                                 bar.text, fontName=fonts.regular, fontSize=size,
                                 fillColor=colors.white,
                                 textAnchor="end" if forward else "start"))
            else:
                group.add(String(b + TEXT_PAD_PX if forward else a - TEXT_PAD_PX, y,
                                 bar.text, fontName=fonts.regular, fontSize=size,
                                 fillColor=ink, textAnchor="start" if forward else "end"))
        else:
            x = offset + slot_width / 2
            # A waterfall's text goes beyond the bar's end in its direction.
            y = b + TEXT_PAD_PX if forward else a - TEXT_PAD_PX - size * 0.8
            group.add(String(x, y, bar.text, fontName=fonts.regular, fontSize=size,
                             fillColor=ink, textAnchor="middle"))
    if legend:
        _legend(group, legend, left=box.left, y=12 + LEGEND_ROW_PX / 2, fonts=fonts)
    group.add(Line(box.left, box.bottom, box.left if lying else box.right,
                   box.top if lying else box.bottom, strokeColor=muted, strokeWidth=0.8))
    return group


# --- The process graph: lines, markers, texts, arrows ------------------------------------------


def _smooth_path(points: Sequence[tuple[float, float]], *, colour: colors.Color,
                 width: float, dash: Sequence[float] | None) -> Path:
    """A curve through ``points`` (Catmull–Rom as cubic Béziers), as plotly's spline."""
    path = Path(strokeColor=colour, strokeWidth=width, fillColor=None,
                strokeDashArray=dash)
    path.moveTo(*points[0])
    for i in range(len(points) - 1):
        p0 = points[max(0, i - 1)]
        p1, p2 = points[i], points[i + 1]
        p3 = points[min(len(points) - 1, i + 2)]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        path.curveTo(c1[0], c1[1], c2[0], c2[1], p2[0], p2[1])
    return path


def _runs(xs: Sequence[Any], ys: Sequence[Any]) -> list[list[tuple[float, float]]]:
    """Plotly's lines (points with ``None`` between separate lines) as lists of points."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            runs.append([])
        else:
            runs[-1].append((float(x), float(y)))
    return [run for run in runs if len(run) > 1]


def _marker(symbol: str, x: float, y: float, size: float, *, fill: colors.Color,
            outline: colors.Color, outline_width: float) -> Any:
    half = size / 2
    match symbol:
        case "square":
            shape: Any = Rect(x - half, y - half, size, size)
        case "diamond":
            # plotly's diamond reaches 1.3 × the half size along the axes
            d = half * 1.3
            shape = Polygon([x - d, y, x, y + d, x + d, y, x, y - d])
        case "circle":
            shape = Circle(x, y, half)
        case _:
            raise ChartError(f"marker symbol {symbol!r}")
    shape.fillColor, shape.strokeColor, shape.strokeWidth = fill, outline, outline_width
    return shape


def _arrow(group: Group, annotation: Any, *, to_px: Any) -> None:
    """An annotation's arrow: from (ax, ay) to (x, y), kept off the nodes by the standoffs."""
    tip, tail = to_px(annotation.x, annotation.y), to_px(annotation.ax, annotation.ay)
    length = math.dist(tip, tail)
    if length == 0:
        return
    ux, uy = (tip[0] - tail[0]) / length, (tip[1] - tail[1]) / length
    standoff, start = annotation.standoff or 0, annotation.startstandoff or 0
    if standoff + start >= length:
        return
    end = (tip[0] - ux * standoff, tip[1] - uy * standoff)
    begin = (tail[0] + ux * start, tail[1] + uy * start)
    colour = _colour(annotation.arrowcolor, MUTED)
    width = annotation.arrowwidth or 1
    head = 3.5 * width * (annotation.arrowsize or 1)
    base = (end[0] - ux * head, end[1] - uy * head)
    group.add(Line(begin[0], begin[1], base[0], base[1], strokeColor=colour,
                   strokeWidth=width))
    group.add(Polygon([end[0], end[1], base[0] - uy * head * 0.55, base[1] + ux * head * 0.55,
                       base[0] + uy * head * 0.55, base[1] - ux * head * 0.55],
                      fillColor=colour, strokeColor=None))


def _colour_bar(group: Group, marker: Any, box: _Box, *, fonts: _Fonts) -> None:
    """A horizontal colour scale centred under the plot, with its ticks and title."""
    bar = marker.colorbar
    cmin, cmax = float(marker.cmin or 0.0), float(marker.cmax or 1.0)
    length = (bar.len or 0.5) * (box.right - box.left)
    left = (box.left + box.right) / 2 - length / 2
    thickness = bar.thickness or 12
    top = box.bottom - 30
    ink = colors.HexColor(INK)
    steps = 60
    for i in range(steps):
        group.add(Rect(left + length * i / steps, top - thickness, length / steps + 0.3,
                       thickness, strokeColor=None,
                       fillColor=_scale_colour(marker.colorscale, (i + 0.5) / steps)))
    for tick in _nice_ticks(cmin, cmax):
        if tick > cmax + 1e-9 * max(1.0, abs(cmax)):
            break
        x = left + (tick - cmin) / (cmax - cmin) * length
        group.add(String(x, top - thickness - 12, _tick_label(tick), fontName=fonts.regular,
                         fontSize=10, fillColor=ink, textAnchor="middle"))
    title = bar.title.text if bar.title else None
    if title:
        group.add(String(left + length / 2, top + 5, _lines(title)[0], fontName=fonts.regular,
                         fontSize=11, fillColor=ink, textAnchor="middle"))


def _scatter_chart(figure: go.Figure, *, width: float, height: float,
                   fonts: _Fonts) -> Group:
    """The process graph: its flows, loops, nodes, names, arrows and probabilities."""
    layout = figure.layout
    group = Group()
    _title(group, figure, width=width, height=height, fonts=fonts)
    margin_l, margin_r, margin_t, margin_b = _margins(figure)
    box = _Box(margin_l, margin_b, width - margin_r, height - margin_t)
    (x0, x1), (y0, y1) = layout.xaxis.range, layout.yaxis.range

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (box.left + (x - x0) / (x1 - x0) * (box.right - box.left),
                box.bottom + (y - y0) / (y1 - y0) * (box.top - box.bottom))

    marker_traces = []
    for trace in figure.data:
        mode = trace.mode or "lines"
        if mode == "lines":
            line = trace.line
            dash = {"dash": (6, 4), "dot": (2, 3)}.get(line.dash or "solid")
            for run in _runs(trace.x, trace.y):
                points = [to_px(x, y) for x, y in run]
                group.add(_smooth_path(points, colour=_colour(line.color, MUTED),
                                       width=line.width or 1, dash=dash))
        elif "markers" in mode:
            marker_traces.append(trace)
        else:
            raise ChartError(f"scatter mode {mode!r}")
    for annotation in layout.annotations:
        if annotation.showarrow and not annotation.text:
            _arrow(group, annotation, to_px=to_px)
    # Nodes over the flows, names and probabilities over everything.
    texts: list[tuple[Any, ...]] = []
    for trace in marker_traces:
        marker = trace.marker
        n = len(trace.x)
        size = float(marker.size or 6)
        fills = _per_point(marker.color, n)
        numeric = bool(fills) and all(isinstance(f, (int, float)) for f in fills)
        cmin, cmax = float(marker.cmin or 0.0), float(marker.cmax or 1.0)
        outline = _colour(marker.line.color if marker.line else None)
        outline_width = (marker.line.width if marker.line else None) or 0
        positions = _per_point(trace.textposition or "middle center", n)
        labels = _per_point(trace.text, n)
        font_size = float((trace.textfont.size if trace.textfont else None) or 12)
        font_colour = _colour(trace.textfont.color if trace.textfont else None)
        for k in range(n):
            x, y = to_px(trace.x[k], trace.y[k])
            fill = (_scale_colour(marker.colorscale, (fills[k] - cmin) / (cmax - cmin))
                    if numeric else _colour(fills[k], "white"))
            group.add(_marker(marker.symbol or "circle", x, y, size, fill=fill,
                              outline=outline, outline_width=outline_width))
            if labels[k] and "text" in (trace.mode or ""):
                texts.append((_lines(labels[k]), x, y, size, str(positions[k]), font_size,
                              font_colour))
        if marker.showscale:
            _colour_bar(group, marker, box, fonts=fonts)
    for lines, x, y, size, position, font_size, font_colour in texts:
        valign, offset = {"bottom": ("top", -size / 2 - 2), "top": ("bottom", size / 2 + 2),
                          "middle": ("middle", 0.0)}[position.split()[0]]
        _text_block(group, lines, x=x, y=y + offset, size=font_size, font=fonts.regular,
                    colour=font_colour, valign=valign)
    for annotation in layout.annotations:
        if annotation.text and not annotation.showarrow:
            x, y = to_px(annotation.x, annotation.y)
            size = float((annotation.font.size if annotation.font else None) or 12)
            text = _lines(annotation.text)[0]
            half = _width(text, fonts.regular, size) / 2 + 1
            if annotation.bgcolor:
                group.add(Rect(x - half, y - size * 0.6, 2 * half, size * 1.2,
                               fillColor=_colour(annotation.bgcolor), strokeColor=None))
            group.add(String(x, y - size * 0.35, text, fontName=fonts.regular, fontSize=size,
                             fillColor=_colour(annotation.font.color if annotation.font
                                               else None), textAnchor="middle"))
    return group


# --- The entry point ------------------------------------------------------------------------------


def figure_drawing(figure: go.Figure, *, width_px: int, height_px: int, font: str,
                   bold_font: str) -> Drawing:
    """``figure`` drawn by reportlab at ``width_px`` × ``height_px`` (in drawing units).

    ``font`` and ``bold_font`` are reportlab font names registered by the
    caller (the report's DejaVu Sans, which has Cyrillic). Raises
    :class:`ChartError` for a figure with a kind of trace the report's
    figures do not use.

    Examples
    --------
    >>> import abc_costing as abc
    >>> from abc_costing.reports.figures import cost_waterfall_figure
    >>> from abc_costing.reports.pdf_report import _register_fonts
    >>> _register_fonts()
    >>> load = abc.load_model
    >>> comparison = abc.compare_models(load("process_models/contract_approval/as_is.yaml"),
    ...     load("process_models/contract_approval/template_esign.yaml"))
    >>> drawing = figure_drawing(cost_waterfall_figure(comparison), width_px=860,
    ...                          height_px=640, font="DejaVuSans", bold_font="DejaVuSans-Bold")
    >>> len(drawing.contents) == 1
    True
    """
    fonts = _Fonts(font, bold_font)
    kinds = {trace.type for trace in figure.data}
    if not kinds:
        raise ChartError("the figure has no traces")
    if kinds == {"bar"} or kinds == {"waterfall"} and len(figure.data) == 1:
        group = _bar_chart(figure, width=width_px, height=height_px, fonts=fonts)
    elif kinds == {"scatter"}:
        group = _scatter_chart(figure, width=width_px, height=height_px, fonts=fonts)
    else:
        raise ChartError(f"cannot draw a figure of {', '.join(sorted(kinds))} traces")
    drawing = Drawing(width_px, height_px)
    drawing.add(group)
    return drawing
