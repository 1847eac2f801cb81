"""Figures of the spread behind the averages: distributions, capacity, queues, sensitivity.

Pure functions returning plotly figures, used by the dashboard's Simulation
page; colours and money formatting follow :mod:`abc_costing.reports.figures`.

Examples
--------
>>> import abc_costing as abc
>>> from abc_costing.engine.sensitivities import sensitivity
>>> model = abc.load_model("process_models/contract_approval/as_is.yaml")
>>> fig = tornado_figure(sensitivity(model), currency=model.currency, top=5)
>>> len(fig.data), len(fig.data[0].y)
(2, 5)
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from abc_costing.durations import elapsed
from abc_costing.engine.capacity import CapacityReport
from abc_costing.engine.sensitivities import SensitivityItem, tornado_data
from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.numbers import money, number, percent, plotly_separators
from abc_costing.reports.figures import (
    BASELINE_COLOUR,
    CANDIDATE_COLOUR,
    COST_DOWN_COLOUR,
    COST_UP_COLOUR,
    FONT,
    GRID,
    LEGEND_BELOW,
    TOTAL_COLOUR,
    _text,
    _unique_labels,
    _wrap,
)
from abc_costing.reports.tables import format_amount
from abc_costing.simulation.monte_carlo import SimulationResult
from abc_costing.simulation.queueing import QueueResult

__all__ = ["distribution_figure", "capacity_figure", "queue_utilization_figure",
           "tornado_figure"]

_MEASURES = {
    "cost_per_instance": N_("Cost per instance"),
    "cycle_time_minutes": N_("Cycle time"),
}
_SERIES_COLOURS = (BASELINE_COLOUR, CANDIDATE_COLOUR)
#: Cycle times all under this many minutes are drawn in minutes, longer ones in hours.
_SHORT_MINUTES = 120.0


def _layout(fig: go.Figure, *, title: str, height: int) -> go.Figure:
    fig.update_layout(title=dict(text=title, x=0.01), font=FONT, height=height,
                      plot_bgcolor="white", paper_bgcolor="white", legend=LEGEND_BELOW,
                      margin=dict(l=20, r=20, t=60, b=40))
    fig.update_xaxes(gridcolor=GRID)
    fig.update_yaxes(gridcolor=GRID)
    return fig


def _time_scale(results: Sequence[tuple[str, SimulationResult]]) -> tuple[float, str]:
    """Minutes per axis unit of the cycle-time axis, and its name.

    Minutes only for short processes (every run under two hours); else hours
    (of elapsed time: labour and waits laid end to end), a number an axis can
    space evenly and that reads well up to a few hundred.
    """
    longest = max((r.cycle_time_minutes.histogram_edges[-1] for _, r in results
                   if r.cycle_time_minutes.histogram_edges), default=0.0)
    return (1.0, N_("min")) if longest < _SHORT_MINUTES else (60.0, N_("hours"))


def distribution_figure(
    results: Sequence[tuple[str, SimulationResult]], *, measure: str = "cost_per_instance",
    language: Language = "en",
) -> go.Figure:
    """Overlaid histograms (share of instances per bin) of several simulated variants.

    ``measure`` is ``cost_per_instance`` or ``cycle_time_minutes``; each
    series is drawn from the result's own histogram, as a share of its runs so
    that variants with different run counts compare; texts in ``language``. Cycle
    times are on an axis of hours (minutes when every run is under two
    hours); the legend says each mean and p90 as a time
    (:func:`abc_costing.durations.duration`, in ``language``, days of ``hours_per_day``).

    >>> import numpy as np
    >>> from abc_costing import load_model
    >>> from abc_costing.simulation import simulate
    >>> result = simulate(load_model("process_models/contract_approval/as_is.yaml"), runs=500,
    ...                   rng=np.random.default_rng(1))
    >>> fig = distribution_figure([("as_is", result)], measure="cycle_time_minutes")
    >>> fig.layout.xaxis.title.text
    'Cycle time, hours'
    """
    if measure not in _MEASURES:
        raise ValueError(f"measure must be one of {', '.join(_MEASURES)}")
    _ = translator(language)
    measure_name = translate(_MEASURES[measure], language)
    fig = go.Figure()
    unit = ""
    per_unit = 1.0
    if measure == "cycle_time_minutes":
        per_unit, unit = _time_scale(results)
    for (label, result), colour in zip(results, _SERIES_COLOURS * len(results), strict=False):
        statistics = getattr(result, measure)
        edges = [edge / per_unit for edge in statistics.histogram_edges]
        centres = [(a + b) / 2 for a, b in zip(edges, edges[1:], strict=False)]
        widths = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        total = sum(statistics.histogram_counts) or 1
        if measure == "cost_per_instance":
            unit = result.currency
            mean, p90 = (money(m, unit, language) for m in (statistics.mean, statistics.p90))
            name = _("{label} (mean {mean}, p90 {p90})", label=label, mean=mean, p90=p90)
        else:
            # labour and waits laid end to end, waits on the clock: elapsed time
            mean, p90 = (elapsed(m, language) for m in (statistics.mean, statistics.p90))
            name = _("{label} (mean {mean}, p90 {p90})", label=label, mean=mean, p90=p90)
        fig.add_trace(go.Bar(
            x=centres, y=[c / total for c in statistics.histogram_counts], width=widths,
            name=name, marker_color=colour, opacity=0.6,
            hovertemplate=_("{value}: {share} of instances", value="%{x:,.1f}",
                            share="%{y:.1%}") + "<extra>" + label + "</extra>"))
    fig.update_layout(barmode="overlay",
                      yaxis=dict(tickformat=".0%", title=_("share of instances")),
                      xaxis=dict(title=_("{measure}, {unit}", measure=measure_name,
                                         unit=translate(unit, language))
                                 if unit else measure_name, tickformat=",.0f"),
                      separators=plotly_separators(language))
    return _layout(fig, title=_("{measure}: simulated distribution", measure=measure_name),
                   height=380)


def capacity_figure(report: CapacityReport, *, language: Language = "en") -> go.Figure:
    """Utilisation of each labour pool with a known capacity; over 100% in red (texts in
    ``language``)."""
    _ = translator(language)
    pools = [p for p in report.pools if p.utilization is not None]
    pools.sort(key=lambda p: -(p.utilization or 0))
    values = [p.utilization * 100 for p in pools]  # type: ignore[operator]
    fig = go.Figure(go.Bar(
        x=values, y=[p.name for p in pools], orientation="h",
        marker_color=[COST_UP_COLOUR if p.shortage else CANDIDATE_COLOUR for p in pools],
        text=[percent(v / 100, language, 0) for v in values], textposition="auto",
        hovertext=[_("{pool}: {hours} h used per month", pool=p.name,
                     hours=number(p.hours_per_month, 0, language))
                   + (_("; FTE needed {fte}", fte=f"{p.fte_needed:.2f}")
                      if p.fte_needed is not None else "")
                   for p in pools], hoverinfo="text"))
    fig.add_vline(x=100, line_dash="dash", line_color=COST_UP_COLOUR)
    fig.update_layout(xaxis=dict(title=_("utilisation of practical capacity, %"),
                                 rangemode="tozero"),
                      yaxis=dict(autorange="reversed"), showlegend=False)
    return _layout(fig, title=_("Capacity: load per role at planned volumes"),
                   height=max(260, 110 + 34 * len(pools)))


def queue_utilization_figure(results: Sequence[tuple[str, QueueResult]], *,
                             language: Language = "en") -> go.Figure:
    """Simulated utilisation of each queued pool, one bar per variant, with its 95% interval.

    A diamond marks the offered load (the load the arrivals bring, worked out
    without simulating); the bar converges to it as the simulated days grow,
    unless the pool is overloaded (offered load ≥ 100%, a red bar), whose queue
    only grows. Pools of unknown capacity are not queued and not drawn. Texts in
    ``language``.

    >>> import numpy as np
    >>> from abc_costing import load_model
    >>> from abc_costing.simulation.queueing import simulate_queues
    >>> model = load_model("process_models/procurement/as_is.yaml")
    >>> result = simulate_queues(model, days=5, rng=np.random.default_rng(1), replications=2)
    >>> fig = queue_utilization_figure([("as_is", result)])
    >>> [trace.type for trace in fig.data]
    ['bar', 'scatter']
    """
    _ = translator(language)
    fig = go.Figure()
    pools = 0
    for (label, result), colour in zip(results, _SERIES_COLOURS * len(results), strict=False):
        queued = [r for r in result.resources if r.utilization is not None]
        pools = max(pools, len(queued))
        values = [r.utilization * 100 for r in queued]  # type: ignore[operator]
        intervals = [r.utilization_ci95 for r in queued]
        fig.add_trace(go.Bar(
            x=values, y=[r.name for r in queued], orientation="h", name=label,
            marker_color=[COST_UP_COLOUR if r.overloaded else colour for r in queued],
            error_x=dict(type="data", symmetric=False,
                         array=[0 if i is None else i[1] * 100 - v
                                for i, v in zip(intervals, values, strict=True)],
                         arrayminus=[0 if i is None else v - i[0] * 100
                                     for i, v in zip(intervals, values, strict=True)]),
            text=[percent(v / 100, language, 0) for v in values], textposition="inside",
            hovertext=[_("{variant}: {pool}: {share} simulated", variant=label, pool=r.name,
                         share=f"{v:.1f}%")
                       + ("" if i is None else " " + _("(95% CI {low} – {high})",
                                                       low=f"{i[0]:.1%}", high=f"{i[1]:.1%}"))
                       + ("" if r.offered_load is None
                          else _("; offered {share}", share=f"{r.offered_load:.1%}"))
                       for r, v, i in zip(queued, values, intervals, strict=True)],
            hoverinfo="text"))
        fig.add_trace(go.Scatter(
            x=[(r.offered_load or 0) * 100 for r in queued], y=[r.name for r in queued],
            mode="markers", name=_("{variant}: offered load", variant=label),
            marker=dict(symbol="diamond", size=10, color=TOTAL_COLOUR),
            hoverinfo="skip"))
    fig.add_vline(x=100, line_dash="dash", line_color=COST_UP_COLOUR)
    fig.update_layout(barmode="group",
                      xaxis=dict(title=_("utilisation of practical capacity, %"),
                                 rangemode="tozero"),
                      yaxis=dict(autorange="reversed"))
    return _layout(fig, title=_("Queues: simulated utilisation per role (95% interval)"),
                   height=max(280, 140 + 30 * pools * max(len(results), 1)))


#: Characters of a line of an input's name on the tornado's axis (two lines at most, then
#: "…"; the hover has it whole): the bars keep most of a 1366 px page.
TORNADO_LABEL_CHARS = 40


def tornado_figure(items: Sequence[SensitivityItem], *, currency: str,
                   top: int = 15, language: Language = "en") -> go.Figure:
    """The inputs the cost per instance is most sensitive to, largest first.

    Two bars per input: the change in cost when the input is lowered and
    when it is raised (by the relative change the items were computed with). Texts in
    ``language``.
    """
    _ = translator(language)
    data = tornado_data(list(items), top=top)
    # the inputs in words (two of one name get their paths), wrapped on the axis at 1366 px
    names = _unique_labels([translate(title, language) for title in data["title"]],
                           data["label"])
    ticks = [_wrap(name, TORNADO_LABEL_CHARS, 2) for name in names]
    fig = go.Figure()
    for key, name, colour in (("delta_low", _("input lowered"), COST_DOWN_COLOUR),
                              ("delta_high", _("input raised"), COST_UP_COLOUR)):
        fig.add_trace(go.Bar(
            x=data[key], y=ticks, orientation="h", name=name, marker_color=colour,
            # the whole name, and the path in the model file: the analyst edits that field
            hovertext=[_("{input}<br>{path}: {change}", input=_text(shown), path=_text(path),
                         change=format_amount(delta, currency, language))
                       for shown, path, delta in zip(names, data["label"], data[key],
                                                     strict=True)],
            hoverinfo="text"))
    base = data["base_cost"][0] if data["base_cost"] else 0.0
    fig.update_layout(barmode="overlay", yaxis=dict(autorange="reversed"),
                      xaxis=dict(title=_("change in cost per instance, {currency} (base "
                                         "{amount})", currency=currency,
                                         amount=format_amount(base, currency, language)),
                                 tickformat=",.0f"), separators=plotly_separators(language))
    return _layout(fig, title=_("Sensitivity: what moves the cost most"),
                   height=max(300, 120 + _row_px(ticks) * len(ticks)))


def _row_px(ticks: Sequence[str]) -> int:
    """A bar's height on the tornado: room for its label's lines, which must not touch.

    >>> _row_px(["a", "b"]), _row_px(["a", "b<br>c"])
    (28, 46)
    """
    lines = max((tick.count("<br>") + 1 for tick in ticks), default=1)
    return 28 + 18 * (lines - 1)
