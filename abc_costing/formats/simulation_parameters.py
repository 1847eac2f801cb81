"""Simulation parameters as other tools write them: BIMP/QBP and Prosimos/Optimos.

:mod:`abc_costing.formats.bpmn` builds a model from a BPMN file's structure;
this module reads the numbers a simulator keeps beside it, as the simulator
itself reads them, and turns each into the ``abc-costing/1`` terms:

* **durations** (always seconds in both tools) become minutes. A distribution
  our format has (fixed, uniform, triangular) is kept exactly; any other
  becomes ``lognormal {mean, sd}`` with the same mean and standard deviation
  (the exact engine uses the mean, the simulation samples the shape);
* **arrivals** become ``volume_per_year``: one arrival per mean inter-arrival
  time during the arrival calendar's open hours, ``52 × open hours a week ×
  3600 / mean seconds``;
* **calendars** become a pool's ``hours_per_day`` and ``days_per_month``: the
  days of the week with any open time, their open hours shared evenly among
  them, and ``days a week × 52 / 12`` days a month;
* **fixed costs** (QBP ``fixedCost`` of a task, Prosimos ``fixed_cost_fn`` of a
  resource profile) become the task's ``other_cost``.

BIMP/QBP (``qbp:processSimulationInfo``), as the QBP engine reads it
(``RandomGenerator.fromDistributionInfo`` of ``qbp-simulator-engine.jar``):
FIXED ``mean``; NORMAL ``mean``, sd ``arg1``; EXPONENTIAL mean ``arg1``
(``mean`` ignored); UNIFORM ``arg1``..``arg2``; TRIANGULAR mode ``mean``, min
``arg1``, max ``arg2``; LOGNORMAL and GAMMA ``mean``, variance ``arg1``;
HISTOGRAM a mixture of bins (``probability`` in percent, one distribution
each). ``NaN`` and missing attributes are "not given"; ``<qbp:timeUnit>``
(child or attribute) only says how the editor displays the seconds. Older
BIMP editors wrote FIXED as ``mean="0" arg1="600"``; a FIXED with no positive
``mean`` therefore takes ``arg1``.

Prosimos/Optimos JSON, in the current layout (lists of ``{"task_id": ...}``
with ``{"value": x}`` parameters, read by ``pix_framework``) or the legacy one
(dictionaries keyed by id, plain numbers, scipy conventions). Which
convention a distribution uses is told by its number of parameters, the way
each Prosimos version reads them: ``fix [v]``; ``norm [mean, sd, (min, max)]``
in both; pix ``expon [mean, min, max]``, ``lognorm``/``gamma [mean, variance,
min, max]``, ``uniform [min, max]``; scipy ``expon``/``uniform [loc, scale,
(min, max)]``, ``lognorm [s, loc, scale, (min, max)]`` (mean ``loc + scale ·
exp(s²/2)``), ``gamma [a, loc, scale, ...]`` (mean ``loc + a · scale``),
``triang [c, loc, scale, ...]``, ``exponnorm [K, loc, scale, ...]`` (mean
``loc + K · scale``).

Bounds ``(min, max)``, where a distribution has them, are kept as Prosimos
keeps them: both versions draw again until a value is within [min, max] and
not below 0 (rejection, not clipping), so the durations follow the
distribution conditional on [max(min, 0), max]: its mean and variance are
those of the truncated distribution (closed forms for norm, expon, gamma and
lognorm; quadrature for triang and exponnorm; a cut uniform stays a narrower
uniform). pix_framework gives up after 100 misses and uses a fallback (the
mean when within the bounds, else their midpoint); that value is mixed in with
its probability ``(1 − p)^100``, p the mass within the bounds. Bounds that cut
nothing change nothing; min = max gives that value; bounds holding none of the
distribution are a warning and a placeholder. Distributions without bounds
(``fix``, pix ``uniform``, scipy forms without the last two numbers) keep
their own mean.

Examples
--------
>>> qbp_duration_seconds("EXPONENTIAL", mean=None, arg1=1800.0, arg2=None)
(1800.0, 3240000.0, None)
>>> prosimos_duration({"distribution_name": "gamma",
...                    "distribution_params": [2.0, 0.0, 300.0]}, legacy=True)
{'lognormal': {'mean': 10.0, 'sd': 7.0710678118654755}}
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element

from abc_costing.i18n import N_, Message
from abc_costing.numbers import Figure
from abc_costing.problems import Problem, listed, quoted

__all__ = [
    "QBP_NS",
    "PLACEHOLDER",
    "WEEKS_PER_YEAR",
    "finite_non_negative",
    "SimulationResource",
    "SimulationParameters",
    "prosimos_duration",
    "qbp_duration_seconds",
    "read_prosimos",
    "read_qbp",
    "weekly_hours",
]

QBP_NS = "http://www.qbp-simulator.com/Schema201212"
PLACEHOLDER = "?"
#: Weeks in a year and in a month (52 / 12) for calendars and arrival rates.
WEEKS_PER_YEAR = 52
_WEEKDAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_DAY_SECONDS = 86_400.0


@dataclass
class SimulationResource:
    """One resource as a simulator describes it.

    Attributes:
      key: its id in the parameters.
      name: display name, if any.
      rate_per_hour: cost per hour, None when not given.
      headcount: people in it (None: one).
      hours_per_day, days_per_month: its calendar, None when it has none.
      calendar_note: how the calendar was turned into those two numbers.
    """

    key: str
    name: str | None
    rate_per_hour: float | None
    headcount: float | None
    hours_per_day: float | None = None
    days_per_month: float | None = None
    calendar_note: str | None = None


@dataclass
class SimulationParameters:
    """What a simulator's parameters say about a process.

    Attributes:
      origin: where they come from, written as a comment beside each value.
      resources: resource key -> resource.
      durations: task (BPMN id) -> [(resource key, duration in minutes or "?")];
        with several resources each does an equal share of the executions.
      fixed_cost: task -> money per execution, or "?" when unreadable.
      probabilities: sequence flow id -> branching probability.
      currency: ISO code, when given.
      volume_per_year, volume_note: the arrival rate as instances a year and how.
    """

    origin: str
    resources: dict[str, SimulationResource] = field(default_factory=dict)
    durations: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    fixed_cost: dict[str, Any] = field(default_factory=dict)
    probabilities: dict[str, float] = field(default_factory=dict)
    currency: str | None = None
    volume_per_year: float | None = None
    volume_note: str | None = None


# --- numbers ------------------------------------------------------------------------------


def finite_non_negative(value: Any) -> float | None:
    """A finite, non-negative number, or None ("NaN", text, negative, missing).

    >>> finite_non_negative("600"), finite_non_negative("NaN"), finite_non_negative(-1)
    (600.0, None, None)
    """
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _headcount(value: Any) -> float | None:
    amount = finite_non_negative(value)
    return amount if amount and amount > 1 else None  # one person is the default


# --- distributions --------------------------------------------------------------------------

# (mean seconds, variance seconds², exact form in seconds or None)
_Fit = tuple[float, float, tuple[str, list[float]] | None]


def _fit_to_minutes(fit: _Fit) -> Any:
    """A duration in minutes in the model's terms, from a fitted distribution."""
    mean, variance, exact = fit
    if exact is not None:
        name, values = exact
        minutes = [v / 60.0 for v in values]
        return minutes[0] if name == "fixed" else {name: minutes}
    sd = math.sqrt(max(variance, 0.0))
    if mean <= 0 or sd <= 0:
        return max(mean, 0.0) / 60.0
    return {"lognormal": {"mean": mean / 60.0, "sd": sd / 60.0}}


def _scaled(duration: Any, factor: float) -> Any:
    """``duration`` × ``factor``: one of N resources does 1/N of the executions."""
    if factor == 1 or duration == PLACEHOLDER:
        return duration
    if isinstance(duration, dict):
        (name, args), = duration.items()
        if name == "lognormal":
            return {name: {k: v * factor for k, v in args.items()}}
        return {name: [v * factor for v in args]}
    return duration * factor


def _fixed(value: float) -> _Fit:
    return value, 0.0, ("fixed", [value])


def _uniform(low: float, high: float) -> _Fit | None:
    if not 0 <= low <= high:
        return None
    return (low + high) / 2, (high - low) ** 2 / 12, ("uniform", [low, high])


def _triangular(low: float, mode: float, high: float) -> _Fit | None:
    if not 0 <= low <= mode <= high:
        return None
    mean = (low + mode + high) / 3
    variance = (low**2 + mode**2 + high**2 - low * mode - low * high - mode * high) / 18
    return mean, variance, ("triangular", [low, mode, high])


def _moments(mean: float, variance: float) -> _Fit | None:
    return (mean, variance, None) if mean >= 0 and variance >= 0 else None


def qbp_duration_seconds(kind: str, *, mean: float | None, arg1: float | None,
                         arg2: float | None) -> _Fit | None:
    """Mean, variance (seconds) and exact form of a QBP distribution; None if unreadable.

    Parameters are read as the QBP engine reads them (see the module's notes);
    None stands for a missing or ``NaN`` attribute.

    >>> qbp_duration_seconds("FIXED", mean=0.0, arg1=600.0, arg2=None)  # older editors
    (600.0, 0.0, ('fixed', [600.0]))
    >>> qbp_duration_seconds("GAMMA", mean=321.9, arg1=62743.0, arg2=0.0)[:2]
    (321.9, 62743.0)
    """
    match kind:
        case "FIXED":
            value = mean if mean else arg1 if arg1 is not None else mean
            return None if value is None else _fixed(value)
        case "NORMAL":
            return None if mean is None or arg1 is None else _moments(mean, arg1**2)
        case "EXPONENTIAL":  # the engine draws with rate 1 / arg1
            value = arg1 if arg1 else mean if mean else arg1
            return None if value is None else _moments(value, value**2)
        case "UNIFORM":
            return None if arg1 is None or arg2 is None else _uniform(arg1, arg2)
        case "TRIANGULAR":
            if mean is None or arg1 is None or arg2 is None:
                return None
            return _triangular(arg1, mean, arg2)
        case "LOGNORMAL" | "GAMMA":  # mean and variance
            return None if mean is None or arg1 is None else _moments(mean, arg1)
        case _:
            return None


def _qbp_attribute(element: Element, name: str) -> float | None:
    return finite_non_negative(element.get(name))


def _qbp_fit(element: Element, depth: int = 0) -> _Fit | None:
    kind = (element.get("type") or "").strip().upper()
    if kind != "HISTOGRAM":
        return qbp_duration_seconds(kind, mean=_qbp_attribute(element, "mean"),
                                    arg1=_qbp_attribute(element, "arg1"),
                                    arg2=_qbp_attribute(element, "arg2"))
    if depth > 2:  # a histogram of histograms of histograms: not a real file
        return None
    bins = [(finite_non_negative(b.get("probability")),
             next(iter(_qbp_children(b, "distribution")), None))
            for group in _qbp_children(element, "histogramDataBins")
            for b in _qbp_children(group, "histogramData")]
    fits = [(p, _qbp_fit(d, depth + 1)) for p, d in bins if d is not None]
    total = sum(p for p, _ in fits if p is not None)
    if not fits or total <= 0 or any(p is None or f is None for p, f in fits):
        return None
    # A mixture: mean Σ w·m, variance Σ w·(v + m²) − mean², weights normalised to 1.
    mean = sum(p * f[0] for p, f in fits if p is not None and f is not None) / total
    second = sum(p * (f[1] + f[0] ** 2) for p, f in fits
                 if p is not None and f is not None) / total
    return _moments(mean, max(second - mean**2, 0.0))


def _qbp_children(element: Element, local: str) -> list[Element]:
    return [c for c in element if c.tag == f"{{{QBP_NS}}}{local}"]


def _scipy_read(name: str, p: list[float]) -> tuple[_Fit | None, _Draw | None] | None:
    """scipy's (shapes..., loc, scale[, min, max]) as Prosimos 1.x draws them."""
    shapes = {"expon": 0, "norm": 0, "uniform": 0, "lognorm": 1, "gamma": 1, "triang": 1,
              "exponnorm": 1}[name]
    if len(p) not in (shapes + 2, shapes + 4):
        return None
    loc, scale = p[shapes], p[shapes + 1]
    draw = (_Draw(name, tuple(p[:shapes]), loc, scale, p[-2], p[-1], fallback=None)
            if len(p) == shapes + 4 else None)
    fit: _Fit | None
    match name:
        case "expon":
            fit = _moments(loc + scale, scale**2)
        case "norm":
            fit = _moments(loc, scale**2)
        case "uniform":
            fit = _uniform(loc, loc + scale)
        case "lognorm":  # scipy: loc + scale · exp(s²/2)
            s = p[0]
            fit = _moments(loc + scale * math.exp(s**2 / 2),
                           scale**2 * math.exp(s**2) * (math.exp(s**2) - 1))
        case "gamma":
            fit = _moments(loc + p[0] * scale, p[0] * scale**2)
        case "triang":
            fit = None if p[0] > 1 else _triangular(loc, loc + p[0] * scale, loc + scale)
        case "exponnorm":
            fit = _moments(loc + p[0] * scale, scale**2 * (1 + p[0] ** 2))
        case _:
            return None
    return fit, draw


def _pix_read(name: str, p: list[float], *, legacy: bool
              ) -> tuple[_Fit | None, _Draw | None] | None:
    """pix_framework's parameters (also ``fix``, ``default`` and ``norm`` of Prosimos 1.x)."""
    # After 100 misses pix draws this value; Prosimos 1.x (legacy files) redraws forever.
    def fallback(mean: float | None, low: float, high: float) -> float | None:
        return None if legacy else _pix_fallback(mean, low, high)

    match name:
        case "fix":
            return _fixed(p[0]), None
        case "default":  # Prosimos 1.x: uniform between the two values
            return (_uniform(p[0], p[1]), None) if len(p) >= 2 else None
        case "norm" if len(p) in (2, 4):
            draw = (_Draw("norm", (), p[0], abs(p[1]), p[2], p[3], fallback(p[0], p[2], p[3]))
                    if len(p) == 4 else None)
            # with bounds, the mean may be below 0: only the part from 0 up is drawn
            return ((p[0], p[1] ** 2, None), draw) if draw else (_moments(p[0], p[1] ** 2), None)
        case "expon" if len(p) == 3:  # pix: mean, min, max; drawn as min + expon(mean − min)
            scale = p[0] - p[1] if p[0] >= p[1] else p[0]
            return (_moments(p[1] + scale, scale**2),
                    _Draw("expon", (), p[1], scale, p[1], p[2], fallback(p[0], p[1], p[2])))
        case "uniform" if len(p) == 2 and not legacy and p[0] <= p[1]:  # pix: min, max
            return _uniform(p[0], p[1]), None
        case "lognorm" | "gamma" if len(p) == 4 and not legacy:  # pix: mean, variance
            mean, variance = p[0], p[1]
            if mean <= 0 or variance <= 0:  # no shape to draw from: the mean itself
                return _moments(mean, variance), None
            if name == "lognorm":  # pix fits lognorm(sigma, scale=exp(mu)) to the moments
                sigma = math.sqrt(math.log1p(variance / mean**2))
                shapes, scale = (sigma,), mean / math.sqrt(1 + variance / mean**2)
            else:  # gamma(a = mean² / variance, scale = variance / mean)
                shapes, scale = (mean**2 / variance,), variance / mean
            return (_moments(mean, variance),
                    _Draw(name, shapes, 0.0, scale, p[2], p[3], fallback(mean, p[2], p[3])))
        case "expon" | "uniform" | "lognorm" | "gamma" | "triang" | "exponnorm":
            return _scipy_read(name, p)
        case _:
            return None


def _prosimos_fit(name: str, p: list[float], *, legacy: bool) -> _Fit | _NoDraw | None:
    read = _pix_read(name, p, legacy=legacy)
    if read is None:
        return None
    fit, draw = read
    if draw is None:
        return fit
    return _bounded(fit, draw)


# --- Prosimos: bounds ---------------------------------------------------------------------

#: pix_framework's ``DurationDistribution.generate_sample`` tries this many draws for one
#: value before it gives up and uses its fallback value.
_PIX_DRAWS = 100


@dataclass(frozen=True)
class _Draw:
    """How Prosimos draws one distribution that has bounds.

    Attributes:
      scipy_name, shapes, loc, scale: the distribution, as ``scipy.stats`` names it.
      low, high: the file's min and max (seconds); a draw outside them, or below 0, is
        drawn again (both Prosimos versions).
      fallback: the value pix_framework uses after ``_PIX_DRAWS`` misses; None for
        Prosimos 1.x (legacy files), which draws until it hits.
    """

    scipy_name: str
    shapes: tuple[float, ...]
    loc: float
    scale: float
    low: float
    high: float
    fallback: float | None


@dataclass(frozen=True)
class _NoDraw:
    """Bounds that leave nothing to draw; ``reason`` ends the warning."""

    reason: str


def _pix_fallback(mean: float | None, low: float, high: float) -> float:
    """pix_framework's value after too many misses: the mean when within [min, max], else
    the midpoint, never below 0."""
    value = mean if mean is not None and mean >= 0 else None
    if value is None or not low <= value <= high:
        value = low + (high - low) / 2
    return max(value, 0.0)


def _bounded(fit: _Fit | None, draw: _Draw) -> _Fit | _NoDraw | None:
    """``fit`` as Prosimos draws it: again and again until within [max(min, 0), max].

    The draws that are kept follow the distribution conditional on that interval (its
    mean and variance are those of the truncated distribution, not of the clipped one);
    pix_framework's fallback after ``_PIX_DRAWS`` misses is mixed in with its probability.
    """
    low, high = max(draw.low, 0.0), draw.high
    if high < low:
        return _no_draw(draw)
    if high == low:  # the conditional distribution's limit, and pix's fallback
        return _fixed(low)
    if fit is not None and fit[1] == 0:  # a point mass (sd 0, scale 0)
        return fit if low <= fit[0] <= high else _no_draw(draw)
    from scipy import stats  # here, not at the top: importing the formats stays quick

    dist = getattr(stats, draw.scipy_name)(*draw.shapes, loc=draw.loc, scale=draw.scale)
    if not math.isfinite(float(dist.mean())):  # parameters scipy (and Prosimos) refuse
        return None
    first, last = (float(x) for x in dist.support())
    if low <= first and high >= last:  # the bounds cut nothing off
        return fit
    low, high = max(low, first), min(high, last)
    mass = _between(dist, low, high) if low < high else 0.0
    if not mass > 0:
        return _no_draw(draw)
    if fit is not None and fit[2] is not None and fit[2][0] == "uniform" and (
            draw.fallback is None):
        return _uniform(low, high)  # a uniform cut is a narrower uniform
    mean, variance = _truncated_moments(dist, draw, low, high, mass)
    if draw.fallback is not None:
        missed = math.exp(_PIX_DRAWS * math.log1p(-mass)) if mass < 1 else 0.0
        second = (1 - missed) * (variance + mean**2) + missed * draw.fallback**2
        mean = (1 - missed) * mean + missed * draw.fallback
        variance = max(second - mean**2, 0.0)
    return _moments(mean, variance)


def _no_draw(draw: _Draw) -> _NoDraw:
    then = (N_("Prosimos 1.x would draw forever") if draw.fallback is None else
            N_("Prosimos would use its fallback {seconds} s every time",
               seconds=Figure.as_written(draw.fallback)))
    return _NoDraw(N_("its bounds [{low}, {high}] s hold none of the distribution ({then})",
                      low=Figure.as_written(draw.low), high=Figure.as_written(draw.high),
                      then=then))


def _between(dist: Any, low: float, high: float) -> float:
    """P(low < X < high), from the tail that keeps its digits."""
    if low > float(dist.median()):
        return float(dist.sf(low) - dist.sf(high))
    return float(dist.cdf(high) - dist.cdf(low))


def _truncated_moments(dist: Any, draw: _Draw, low: float, high: float,
                       mass: float) -> tuple[float, float]:
    """Mean and variance of ``dist`` conditional on [low, high] (which holds ``mass``)."""
    from scipy import stats

    loc, scale = draw.loc, draw.scale
    match draw.scipy_name:
        case "norm":
            sd = abs(scale)
            cut = stats.truncnorm((low - loc) / sd, (high - loc) / sd, loc=loc, scale=sd)
            mean, variance = (float(v) for v in cut.stats("mv"))
            return mean, variance
        case "expon" | "gamma":
            # E[Y^k; l < Y < u] of Y ~ Gamma(a, θ) is θ^k·a·…·(a+k−1)·P_{Gamma(a+k)}(l < Y/θ < u)
            a = draw.shapes[0] if draw.shapes else 1.0  # expon is gamma with a = 1
            u_low, u_high = (low - loc) / scale, (high - loc) / scale
            m1 = a * _between(stats.gamma(a + 1), u_low, u_high) / mass
            m2 = a * (a + 1) * _between(stats.gamma(a + 2), u_low, u_high) / mass
            return loc + scale * m1, scale**2 * max(m2 - m1**2, 0.0)
        case "lognorm":
            # ln Y ~ N(μ, s): E[Y^k; l < Y < u] = exp(kμ + k²s²/2)·P_{N(μ + ks², s)}(ln l, ln u)
            s, mu = draw.shapes[0], math.log(scale)
            z_low = math.log(low - loc) if low > loc else -math.inf
            z_high = math.log(high - loc)
            m1, m2 = (math.exp(k * mu + k * k * s * s / 2)
                      * _between(stats.norm(mu + k * s * s, s), z_low, z_high) / mass
                      for k in (1, 2))
            return loc + m1, max(m2 - m1**2, 0.0)
        case _:  # triang, exponnorm, uniform: by quadrature
            mean = float(dist.expect(lambda x: x, lb=low, ub=high, conditional=True))
            variance = float(dist.expect(lambda x: (x - mean) ** 2, lb=low, ub=high,
                                         conditional=True))
            return mean, variance


def _params(raw: Any) -> list[float] | None:
    if not isinstance(raw, list) or not raw:
        return None
    values: list[float] = []
    for item in raw:
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            return None
        try:
            number = float(value)
        except ValueError:
            return None
        if not math.isfinite(number):
            return None
        values.append(number)
    return values


def prosimos_duration(entry: Mapping[str, Any], *, legacy: bool) -> Any | None:
    """A Prosimos distribution (seconds) as a duration in minutes, as Prosimos draws it
    (within its bounds); None if unreadable or if its bounds hold none of it.

    ``legacy`` says the file uses the dictionary layout (Prosimos 1.x, scipy
    conventions throughout); see the module's notes for the rules.

    >>> expon = prosimos_duration({"distribution_name": "expon",  # mean, min, max
    ...     "distribution_params": [{"value": 600}, {"value": 0}, {"value": 3600}]},
    ...     legacy=False)
    >>> round(expon["lognormal"]["mean"] * 60, 2)  # seconds: drawn again above 3600 s
    591.05
    >>> prosimos_duration({"distribution_name": "weibull_min",
    ...                    "distribution_params": [1.5, 0, 600]}, legacy=True) is None
    True
    """
    fit = _prosimos_entry_fit(entry, legacy=legacy)
    return None if fit is None or isinstance(fit, _NoDraw) else _fit_to_minutes(fit)


def _prosimos_entry_fit(entry: Mapping[str, Any], *, legacy: bool) -> _Fit | _NoDraw | None:
    name = entry.get("distribution_name")
    p = _params(entry.get("distribution_params"))
    if not isinstance(name, str) or p is None:
        return None
    try:
        return _prosimos_fit(name, p, legacy=legacy)
    except IndexError:
        return None


# --- calendars ------------------------------------------------------------------------------

_TIME = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?")


def _seconds_of_day(text: Any) -> float | None:
    """Seconds since midnight of ``09:00``, ``17:00:00.000+00:00``, ``23:59:59.999``."""
    match = _TIME.match(str(text)) if text is not None else None
    if match is None:
        return None
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    fraction = float("0." + match[4]) if match[4] else 0.0
    value = hours * 3600 + minutes * 60 + seconds + fraction
    if hours > 24 or minutes > 59 or seconds > 59 or value > _DAY_SECONDS:
        return None
    # 23:59:59.999 is how Prosimos writes "until midnight"
    return _DAY_SECONDS if value >= _DAY_SECONDS - 1 else value


def _days(first: Any, last: Any) -> list[int] | None:
    try:
        start = _WEEKDAYS.index(str(first).strip().upper())
        end = _WEEKDAYS.index(str(last).strip().upper())
    except ValueError:
        return None
    return [(start + i) % 7 for i in range((end - start) % 7 + 1)]


def weekly_hours(periods: Iterable[tuple[Any, Any, Any, Any]]) -> tuple[float, int] | None:
    """Open hours a week and the number of weekdays with any open time.

    ``periods`` are (from weekday, to weekday, begin time, end time), each day
    of the range open from begin to end; overlapping periods count once, and
    a period ending at or before its start runs past midnight into the next day.
    None when a day or a time cannot be read.

    >>> weekly_hours([("MONDAY", "FRIDAY", "09:00:00", "17:00:00"),
    ...               ("FRIDAY", "FRIDAY", "16:00:00", "18:00:00")])
    (41.0, 5)
    >>> weekly_hours([("SATURDAY", "SATURDAY", "22:00", "06:00")])  # into Sunday
    (8.0, 2)
    """
    open_by_day: dict[int, list[tuple[float, float]]] = {}
    for first, last, begin_text, end_text in periods:
        days = _days(first, last)
        begin, end = _seconds_of_day(begin_text), _seconds_of_day(end_text)
        if days is None or begin is None or end is None:
            return None
        for day in days:
            if end > begin:
                open_by_day.setdefault(day, []).append((begin, end))
            else:
                open_by_day.setdefault(day, []).append((begin, _DAY_SECONDS))
                if end > 0:
                    open_by_day.setdefault((day + 1) % 7, []).append((0.0, end))
    total_seconds, days_open = 0.0, 0
    for spans in open_by_day.values():
        covered, reach = 0.0, 0.0
        for begin, end in sorted(spans):
            if end > reach:
                covered += end - max(begin, reach)
                reach = end
        if covered > 0:
            total_seconds += covered
            days_open += 1
    return total_seconds / 3600.0, days_open


def _calendar(name: str, periods: list[tuple[Any, Any, Any, Any]]
              ) -> tuple[float, float, str] | None:
    """(hours_per_day, days_per_month, how) of a weekly calendar; None when never open."""
    week = weekly_hours(periods)
    if week is None or week[1] == 0:
        return None
    hours, days = week
    hours_per_day = hours / days
    days_per_month = days * WEEKS_PER_YEAR / 12
    note = (f"calendar {quoted(name)}: {_short(hours)} h a week over {days} days; "
            f"days_per_month = {days} × {WEEKS_PER_YEAR} / 12")
    return hours_per_day, days_per_month, note


def _short(value: float) -> str:
    return f"{value:.6g}"


def _volume(params: SimulationParameters, fit: _Fit | None, calendar_hours: float,
            calendar_what: str, what: str) -> None:
    if fit is None or fit[0] <= 0:
        return
    mean_seconds = fit[0]
    params.volume_per_year = WEEKS_PER_YEAR * calendar_hours * 3600.0 / mean_seconds
    params.volume_note = (
        f"{params.origin}: one arrival every {_short(mean_seconds)} s on average ({what}) "
        f"during {_short(calendar_hours)} open hours a week ({calendar_what}) × "
        f"{WEEKS_PER_YEAR} weeks")


# --- BIMP / QBP -------------------------------------------------------------------------------


def read_qbp(root: Element, problems: list[Problem], source: str | None
             ) -> SimulationParameters | None:
    """The ``qbp:processSimulationInfo`` of a BPMN file (None when it has none).

    Unreadable durations, arrival rates and timetables are warnings naming
    the element; an unreadable duration is the placeholder ``"?"``.
    """
    info = next(root.iter(f"{{{QBP_NS}}}processSimulationInfo"), None)
    if info is None:
        return None
    params = SimulationParameters("from BIMP/QBP simulation info", currency=info.get("currency"))

    def warn(message: Message, element: str | None) -> None:
        problems.append(Problem(message, element=element, file=source, severity="warning"))

    calendars: dict[str, tuple[float, float, str] | None] = {}
    weekly: dict[str, float] = {}
    arrival_calendar: str | None = None
    for group in _qbp_children(info, "timetables"):
        for timetable in _qbp_children(group, "timetable"):
            tid = timetable.get("id") or ""
            periods = [(r.get("fromWeekDay"), r.get("toWeekDay"), r.get("fromTime"),
                        r.get("toTime")) for rules in _qbp_children(timetable, "rules")
                       for r in _qbp_children(rules, "rule")]
            week = weekly_hours(periods)
            if week is None:
                warn(N_("timetable {id} has a rule whose day or time cannot be read; it is "
                        "not used", id=quoted(tid)), tid)
                continue
            weekly[tid] = week[0]
            calendars[tid] = _calendar(timetable.get("name") or tid, periods)
            if "ARRIVAL" in tid.upper() or (arrival_calendar is None
                                            and timetable.get("default") == "true"):
                arrival_calendar = tid
    for group in _qbp_children(info, "resources"):
        for resource in _qbp_children(group, "resource"):
            key = resource.get("id") or ""
            name = resource.get("name")
            entry = SimulationResource(key, " ".join(name.split()) if name else None,
                                       finite_non_negative(resource.get("costPerHour")),
                                       _headcount(resource.get("totalAmount")))
            calendar = calendars.get(resource.get("timetableId") or "")
            if calendar is not None:
                entry.hours_per_day, entry.days_per_month, entry.calendar_note = calendar
            params.resources[key] = entry
    for group in _qbp_children(info, "elements"):
        for element in _qbp_children(group, "element"):
            _qbp_element(element, params, warn)
    for group in _qbp_children(info, "sequenceFlows"):
        for flow in _qbp_children(group, "sequenceFlow"):
            p = finite_non_negative(flow.get("executionProbability"))
            if p is not None and flow.get("elementId"):
                params.probabilities[flow.get("elementId") or ""] = p
    arrival = next(iter(_qbp_children(info, "arrivalRateDistribution")), None)
    if arrival is not None:
        fit = _qbp_fit(arrival)
        if fit is None or fit[0] <= 0:
            warn(N_("arrival rate distribution {type} cannot be read; volume_per_year is left "
                    "out", type=quoted(arrival.get("type"))), None)
        elif arrival_calendar is not None:
            _volume(params, fit, weekly[arrival_calendar], f"timetable {arrival_calendar!r}",
                    (arrival.get("type") or "").lower())
        else:
            _volume(params, fit, 168.0, "no arrival timetable: around the clock",
                    (arrival.get("type") or "").lower())
    return params


def _qbp_element(element: Element, params: SimulationParameters, warn: Any) -> None:
    task = element.get("elementId") or ""
    ids = [(r.text or "").strip() for g in _qbp_children(element, "resourceIds")
           for r in _qbp_children(g, "resourceId")]
    dist = next(iter(_qbp_children(element, "durationDistribution")), None)
    fit = _qbp_fit(dist) if dist is not None else None
    if dist is not None and fit is None:
        warn(N_("duration distribution {type} of task {task} cannot be read (mean={mean}, "
                "arg1={arg1}, arg2={arg2}); its minutes are a placeholder",
                type=quoted(dist.get("type")), task=quoted(task), mean=repr(dist.get("mean")),
                arg1=repr(dist.get("arg1")), arg2=repr(dist.get("arg2"))), task)
    duration = PLACEHOLDER if fit is None else _fit_to_minutes(fit)
    if ids:
        params.durations[task] = [(r, _scaled(duration, 1 / len(ids))) for r in ids]
    fixed = finite_non_negative(element.get("fixedCost"))
    if fixed:
        params.fixed_cost[task] = fixed


# --- Prosimos / Optimos ----------------------------------------------------------------------

_PROSIMOS_KEYS = frozenset({
    "resource_profiles", "task_resource_distribution", "gateway_branching_probabilities",
    "arrival_time_distribution", "arrival_time_calendar", "resource_calendars",
    "event_distribution", "batch_processing", "case_attributes", "prioritisation_rules",
    "branch_rules", "event_attributes", "global_attributes", "gateway_execution_limit",
    "model_type", "granule_size", "multitask", "process_model",
})


def _items(section: Any, key: str) -> list[tuple[str, Any]]:
    """Prosimos sections are lists of {key: id, ...} (older files: dicts by id)."""
    if isinstance(section, dict):
        return [(str(k), v) for k, v in section.items()]
    if isinstance(section, list):
        return [(str(e.get(key)), e) for e in section if isinstance(e, dict)]
    return []


def _periods(entries: Any) -> list[tuple[Any, Any, Any, Any]]:
    return [(e.get("from"), e.get("to"), e.get("beginTime"), e.get("endTime"))
            for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def read_prosimos(params: Mapping[str, Any], problems: list[Problem],
                  source: str | None) -> SimulationParameters:
    """Prosimos/Optimos simulation parameters (the parsed JSON), either layout.

    >>> found = []
    >>> p = read_prosimos({"arrival_time_distribution": {"distribution_name": "fix",
    ...     "distribution_params": [{"value": 3600}]}}, found, "p.json")
    >>> p.volume_per_year  # every hour around the clock: 168 h × 52 weeks
    8736.0
    """
    result = SimulationParameters("from Prosimos parameters")

    def warn(message: Message, element: str | None = None) -> None:
        problems.append(Problem(message, element=element, file=source, severity="warning"))

    for key in params:
        if key not in _PROSIMOS_KEYS:
            warn(N_("Prosimos parameters: unknown key {key} ignored", key=quoted(key)))
    if params.get("branch_rules"):
        warn(N_("Prosimos parameters: branch_rules (conditions) are not used; branching "
                "probabilities are"))
    legacy = isinstance(params.get("task_resource_distribution"), dict)
    calendars = _prosimos_calendars(params, warn)
    fixed_by_resource = _prosimos_resources(params, result, calendars, warn)
    _prosimos_tasks(params, result, fixed_by_resource, legacy=legacy, warn=warn)
    _prosimos_branches(params, result, warn)
    arrival = params.get("arrival_time_distribution")
    if isinstance(arrival, dict):
        fit = _prosimos_entry_fit(arrival, legacy=legacy)
        name = quoted(arrival.get("distribution_name"))
        if isinstance(fit, _NoDraw):
            warn(N_("Prosimos arrival distribution {name}: {reason}; volume_per_year is left "
                    "out", name=name, reason=fit.reason))
        elif fit is None or fit[0] <= 0:
            warn(N_("Prosimos arrival distribution {name} cannot be read; volume_per_year is "
                    "left out", name=name))
        else:
            periods = _periods(params.get("arrival_time_calendar"))
            week = weekly_hours(periods) if periods else None
            hours, what = ((week[0], "arrival_time_calendar") if week is not None
                           else (168.0, "no arrival calendar: around the clock"))
            if periods and week is None:
                warn(N_("Prosimos arrival_time_calendar cannot be read; arrivals are taken "
                        "around the clock"))
            _volume(result, fit, hours, what, str(arrival.get("distribution_name")))
    return result


def _prosimos_calendars(params: Mapping[str, Any], warn: Any
                        ) -> dict[str, tuple[float, float, str] | None]:
    calendars: dict[str, tuple[float, float, str] | None] = {}
    for cid, entry in _items(params.get("resource_calendars"), "id"):
        # current layout: {"id", "time_periods": [...]}; legacy: id -> [periods]
        periods = _periods(entry.get("time_periods") if isinstance(entry, dict) else entry)
        calendar = _calendar(cid, periods) if periods else None
        if calendar is None:
            warn(N_("Prosimos calendar {id} cannot be read or is never open; its resources "
                    "get no working calendar", id=quoted(cid)), cid)
        calendars[cid] = calendar
    return calendars


def _prosimos_resources(params: Mapping[str, Any], result: SimulationParameters,
                        calendars: Mapping[str, tuple[float, float, str] | None],
                        warn: Any) -> dict[str, Any]:
    """Reads the resource profiles; returns each resource's fixed cost per execution."""
    fixed_by_resource: dict[str, Any] = {}
    for pool_id, pool in _items(params.get("resource_profiles"), "id"):
        if not isinstance(pool, dict):
            continue
        fixed_text = pool.get("fixed_cost_fn")
        fixed: Any = None
        if fixed_text is not None:
            fixed = finite_non_negative(fixed_text)
            if fixed is None:
                warn(N_("fixed_cost_fn {value} of resource profile {id} is not a number; the "
                        "other_cost of its tasks is a placeholder", value=quoted(fixed_text),
                        id=quoted(pool_id)), pool_id)
                fixed = PLACEHOLDER
        for member in pool.get("resource_list") or []:
            if not isinstance(member, dict) or member.get("id") is None:
                continue
            key = str(member["id"])
            name = " ".join(str(member.get("name") or pool.get("name") or "").split())
            entry = SimulationResource(key, name or None,
                                       finite_non_negative(member.get("cost_per_hour")),
                                       _headcount(member.get("amount")))
            # legacy layout: calendars keyed by resource id
            calendar = calendars.get(str(member.get("calendar") or key))
            if calendar is not None:
                entry.hours_per_day, entry.days_per_month, entry.calendar_note = calendar
            result.resources[key] = entry
            if fixed:
                fixed_by_resource[key] = fixed
    return fixed_by_resource


def _prosimos_tasks(params: Mapping[str, Any], result: SimulationParameters,
                    fixed_by_resource: Mapping[str, Any], *, legacy: bool, warn: Any) -> None:
    shared: list[str] = []  # tasks several resources can do: said once, not once per task
    _read_prosimos_tasks(params, result, fixed_by_resource, legacy=legacy, warn=warn,
                         shared=shared)
    if shared:
        warn(N_("{count} task(s) can each be done by any one of several resources (how many "
                "in brackets: {tasks}); each resource is assumed to do an equal share of a "
                "task's executions, written as one_of: change the shares if you know them",
                count=len(shared), tasks=listed(shared)), None)


def _read_prosimos_tasks(params: Mapping[str, Any], result: SimulationParameters,
                         fixed_by_resource: Mapping[str, Any], *, legacy: bool, warn: Any,
                         shared: list[str]) -> None:
    for task, entry in _items(params.get("task_resource_distribution"), "task_id"):
        if isinstance(entry, dict) and "resources" in entry:
            candidates = [(str(r.get("resource_id")), r) for r in entry["resources"]
                          if isinstance(r, dict)]
        elif isinstance(entry, dict):
            candidates = [(str(k), v) for k, v in entry.items() if isinstance(v, dict)]
        else:
            candidates = []
        durations: list[tuple[str, Any]] = []
        for resource, dist in candidates:
            fit = _prosimos_entry_fit(dist, legacy=legacy)
            name, of_task = quoted(dist.get("distribution_name")), quoted(task)
            if isinstance(fit, _NoDraw):
                warn(N_("Prosimos distribution {name} of task {task} (resource {resource}): "
                        "{reason}; its minutes are a placeholder", name=name, task=of_task,
                        resource=quoted(resource), reason=fit.reason), task)
            elif fit is None:
                warn(N_("Prosimos distribution {name} of task {task} cannot be read (resource "
                        "{resource}, parameters {parameters}); its minutes are a placeholder",
                        name=name, task=of_task, resource=quoted(resource),
                        parameters=quoted(dist.get("distribution_params"))), task)
            duration = PLACEHOLDER if fit is None or isinstance(fit, _NoDraw) else (
                _fit_to_minutes(fit))
            durations.append((resource, duration))
        if not durations:
            continue
        if len(durations) > 1:
            shared.append(f"{quoted(task)} ({len(durations)})")
        result.durations[task] = [(r, _scaled(d, 1 / len(durations))) for r, d in durations]
        fixed = [fixed_by_resource.get(r) for r, _ in durations]
        if PLACEHOLDER in fixed:
            result.fixed_cost[task] = PLACEHOLDER
        elif any(fixed):
            # each candidate does 1/N of the executions, paying its profile's fixed cost
            result.fixed_cost[task] = sum(f or 0.0 for f in fixed) / len(fixed)


def _prosimos_branches(params: Mapping[str, Any], result: SimulationParameters,
                       warn: Any) -> None:
    for gateway, entry in _items(params.get("gateway_branching_probabilities"), "gateway_id"):
        if isinstance(entry, dict) and isinstance(entry.get("probabilities"), list):
            pairs = [(str(p.get("path_id")), p.get("value")) for p in entry["probabilities"]
                     if isinstance(p, dict)]
        elif isinstance(entry, dict):
            pairs = [(str(k), v) for k, v in entry.items()]
        else:
            pairs = []
        for flow, value in pairs:
            p = finite_non_negative(value)
            if p is None:
                warn(N_("branching probability of flow {flow} at gateway {gateway} is not a "
                        "number", flow=quoted(flow), gateway=quoted(gateway)), gateway)
            else:
                result.probabilities[flow] = p
