"""Simulation parameters as BIMP/QBP and Prosimos/Optimos write them (issue 11)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import scipy.stats as st
from defusedxml.ElementTree import fromstring

from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.formats.bpmn import BPMN_NS, bpmn_to_model_text
from abc_costing.formats.simulation_parameters import (
    QBP_NS,
    prosimos_duration,
    qbp_duration_seconds,
    read_prosimos,
    weekly_hours,
)

CASES = Path(__file__).parent / "data" / "cases"


def imported(data: bytes, params: dict | None = None):
    text, problems = bpmn_to_model_text(data, source="x.bpmn", params=params)
    model, found = parse_model_text(text)
    assert model is not None, [str(p) for p in problems + found]
    return model, problems


def mean_minutes(duration) -> float:
    """The mean of a duration as the model file writes it."""
    if isinstance(duration, dict):
        (name, args), = duration.items()
        if name == "lognormal":
            return args["mean"]
        return sum(args) / len(args) if name == "uniform" else sum(args) / 3
    return duration


# --- BIMP/QBP --------------------------------------------------------------------------------


def test_the_textbook_bimp_dialect_gives_the_hand_computed_cost():
    # NaN placeholders, <qbp:timeUnit> children, FIXED in arg1 with mean 0, EXPONENTIAL in
    # arg1; the file's header comment: 7.50 + 1.25 + 30.00 + 1.50 = 40.25 EUR per instance.
    # Before: every duration was a "?" placeholder (NaN made the whole element unreadable).
    model, problems = imported((CASES / "qbp_dialect.bpmn").read_bytes())
    assert [p for p in problems if "placeholder" in p.message] == []
    assert cost_model(model).cost_per_instance == pytest.approx(40.25)
    # arrivals: EXPONENTIAL arg1 3600 s, one an hour during the default timetable's
    # Mon–Fri 09–17 = 40 h a week: 40 × 52 = 2080 a year
    assert model.volume_per_year == pytest.approx(2080)
    clerk = model.resources["clerk"]
    # 40 h over 5 days = 8 h a day; 5 days × 52 / 12 = 21.67 days a month; 2 clerks
    assert (clerk.headcount, clerk.hours_per_day) == (2, 8)
    assert clerk.days_per_month == pytest.approx(5 * 52 / 12)
    assert clerk.capacity_hours_per_month == pytest.approx(2 * 8 * 5 * 52 / 12)


QBP_CASES = [
    # kind, mean, arg1, arg2 -> (mean s, variance s²), as the QBP engine draws them
    ("FIXED", 600, 0, 0, 600, 0),  # Simod / pix writes the value in mean
    ("FIXED", 0, 600, None, 600, 0),  # older BIMP editors: in arg1, mean 0
    ("NORMAL", 900, 120, None, 900, 120**2),
    ("EXPONENTIAL", None, 1800, None, 1800, 1800**2),  # mean="NaN"
    ("EXPONENTIAL", 0, 1620, 0, 1620, 1620**2),  # Simod: mean="0"
    ("UNIFORM", 3600, 360, 780, 570, (780 - 360) ** 2 / 12),  # Simod's dummy mean 3600
    ("TRIANGULAR", 120, 60, 360, 180, None),  # mode in mean, min arg1, max arg2
    ("LOGNORMAL", 600, 90000, 0, 600, 90000),  # arg1 = variance
    ("GAMMA", 321.9, 62743.0, 0, 321.9, 62743.0),
]


@pytest.mark.parametrize(("kind", "mean", "arg1", "arg2", "expected_mean", "variance"),
                         QBP_CASES, ids=[c[0] + str(i) for i, c in enumerate(QBP_CASES)])
def test_each_qbp_distribution_has_the_mean_the_qbp_engine_draws(
        kind, mean, arg1, arg2, expected_mean, variance):
    fit = qbp_duration_seconds(kind, mean=mean, arg1=arg1, arg2=arg2)
    assert fit is not None
    assert fit[0] == pytest.approx(expected_mean)
    if variance is not None:
        assert fit[1] == pytest.approx(variance)
    if kind == "TRIANGULAR":  # scipy's triang(c, loc, scale): the same distribution
        c = (mean - arg1) / (arg2 - arg1)
        dist = st.triang(c, loc=arg1, scale=arg2 - arg1)
        assert (fit[0], fit[1]) == pytest.approx((dist.mean(), dist.var()))
    if kind == "GAMMA":  # the engine's Gamma(alpha = m²/v, lambda = m/v)
        dist = st.gamma(mean**2 / arg1, scale=arg1 / mean)
        assert (fit[0], fit[1]) == pytest.approx((dist.mean(), dist.var()))


def qbp_file(distributions: str, *, arrival: str = "", timetables: str = "") -> bytes:
    return f"""<definitions xmlns="{BPMN_NS}" xmlns:qbp="{QBP_NS}">
  <process id="p"><startEvent id="s"/><task id="t"/><endEvent id="e"/>
    <sequenceFlow id="a" sourceRef="s" targetRef="t"/>
    <sequenceFlow id="b" sourceRef="t" targetRef="e"/></process>
  <qbp:processSimulationInfo processInstances="10" currency="EUR">
    {arrival}{timetables}
    <qbp:resources><qbp:resource id="r" name="Clerk" totalAmount="1" costPerHour="60"
      timetableId="tt"/></qbp:resources>
    <qbp:elements><qbp:element elementId="t" fixedCost="2.5">{distributions}
      <qbp:resourceIds><qbp:resourceId>r</qbp:resourceId></qbp:resourceIds></qbp:element>
    </qbp:elements>
  </qbp:processSimulationInfo></definitions>""".encode()


def test_a_qbp_histogram_is_the_mixture_of_its_bins():
    # 25 % FIXED 600 s, 75 % UNIFORM 1200..2400 s: mean 0.25 × 600 + 0.75 × 1800 = 1500 s
    # = 25 min at 1 €/min = 25 €, plus the fixed cost 2.5 € = 27.5 €
    histogram = """<qbp:durationDistribution type="HISTOGRAM" mean="NaN" arg1="NaN" arg2="NaN">
      <qbp:histogramDataBins>
        <qbp:histogramData probability="25"><qbp:distribution type="FIXED" mean="600"
          arg1="NaN" arg2="NaN"/></qbp:histogramData>
        <qbp:histogramData probability="75"><qbp:distribution type="UNIFORM" mean="NaN"
          arg1="1200" arg2="2400"/></qbp:histogramData>
      </qbp:histogramDataBins></qbp:durationDistribution>"""
    model, _ = imported(qbp_file(histogram))
    assert model.activities["t"].labor["clerk"].mean_minutes == pytest.approx(25)
    assert cost_model(model).cost_per_instance == pytest.approx(27.5)


def test_an_unreadable_qbp_distribution_is_a_warning_naming_the_task():
    model_text, problems = bpmn_to_model_text(qbp_file(
        '<qbp:durationDistribution type="WEIBULL" mean="600" arg1="2" arg2="0"/>'),
        source="x.bpmn")
    assert 'labor: {clerk: "?"}' in model_text
    assert any(p.element == "t" and "'WEIBULL' of task 't' cannot be read" in p.message
               for p in problems)
    _, problems = bpmn_to_model_text(qbp_file(
        '<qbp:durationDistribution type="NORMAL" mean="NaN" arg1="NaN" arg2="NaN"/>'),
        source="x.bpmn")
    assert any("'NORMAL' of task 't' cannot be read" in p.message for p in problems)


def test_qbp_arrivals_without_a_timetable_run_around_the_clock():
    arrival = ('<qbp:arrivalRateDistribution type="FIXED" mean="1800" arg1="NaN" arg2="NaN">'
               "<qbp:timeUnit>minutes</qbp:timeUnit></qbp:arrivalRateDistribution>")
    model, _ = imported(qbp_file(
        '<qbp:durationDistribution type="FIXED" mean="60" arg1="0" arg2="0"/>',
        arrival=arrival))
    # one every 1800 s, 168 h a week: 168 × 2 × 52 = 17 472 a year
    assert model.volume_per_year == pytest.approx(17472)


def test_calendars_count_overlaps_once_and_run_past_midnight():
    # Mon–Fri 09–17 plus Friday 16–18 overlapping one hour: 40 + 1 = 41 h over 5 days
    assert weekly_hours([("MONDAY", "FRIDAY", "09:00:00.000+00:00", "17:00:00.000+00:00"),
                         ("FRIDAY", "FRIDAY", "16:00", "18:00")]) == (41.0, 5)
    # Saturday 22:00 to 06:00 is 2 h on Saturday and 6 h on Sunday
    assert weekly_hours([("SATURDAY", "SATURDAY", "22:00", "06:00")]) == (8.0, 2)
    # Prosimos writes "until midnight" as 23:59:59.999; Friday to Monday wraps the week
    assert weekly_hours([("FRIDAY", "MONDAY", "00:00:00", "23:59:59.999000")]) == (96.0, 4)
    assert weekly_hours([("FUNDAY", "MONDAY", "09:00", "10:00")]) is None


# --- Prosimos / Optimos ---------------------------------------------------------------------


def value(*numbers: float) -> list[dict]:
    return [{"value": n} for n in numbers]


SCIPY_CASES = [
    # legacy (scipy) parameters and the frozen scipy distribution they stand for
    ("expon", [0, 1800], st.expon(loc=0, scale=1800)),
    ("expon", [60, 1800, 0, 36000], st.expon(loc=60, scale=1800)),
    ("norm", [900, 120], st.norm(900, 120)),
    ("uniform", [240, 600], st.uniform(loc=240, scale=600)),
    ("lognorm", [0.5, 30, 600], st.lognorm(0.5, loc=30, scale=600)),
    ("gamma", [1.11552180134567, 0, 13293.868378108647],
     st.gamma(1.11552180134567, loc=0, scale=13293.868378108647)),
    ("gamma", [2.0, 60, 300, 0, 7200], st.gamma(2.0, loc=60, scale=300)),
    ("triang", [0.25, 60, 240], st.triang(0.25, loc=60, scale=240)),
    ("exponnorm", [0.98, 5173.6, 120.0], st.exponnorm(0.98, loc=5173.6, scale=120.0)),
]


@pytest.mark.parametrize(("name", "params", "dist"), SCIPY_CASES,
                         ids=[f"{c[0]}{len(c[1])}" for c in SCIPY_CASES])
def test_legacy_prosimos_distributions_have_scipys_mean(name, params, dist):
    duration = prosimos_duration({"distribution_name": name, "distribution_params": params},
                                 legacy=True)
    assert mean_minutes(duration) == pytest.approx(dist.mean() / 60)
    if isinstance(duration, dict) and "lognormal" in duration:
        assert duration["lognormal"]["sd"] == pytest.approx(dist.std() / 60)


PIX_CASES = [
    # current-layout (pix_framework) parameters without bounds, and their mean in seconds
    ("fix", value(600), 600),
    ("uniform", value(0, 1560), 780),  # min, max: the distribution itself
]


@pytest.mark.parametrize(("name", "params", "mean_seconds"), PIX_CASES,
                         ids=[c[0] for c in PIX_CASES])
def test_current_prosimos_distributions_have_pix_framework_means(name, params, mean_seconds):
    duration = prosimos_duration({"distribution_name": name, "distribution_params": params},
                                 legacy=False)
    assert mean_minutes(duration) == pytest.approx(mean_seconds / 60)


def pix_lognorm(mean: float, variance: float):
    """The lognormal pix_framework fits to a mean and a variance (loc 0)."""
    phi = math.sqrt(variance + mean**2)
    return st.lognorm(math.sqrt(math.log(phi**2 / mean**2)), scale=mean**2 / phi)


def kept_draws(dist, low: float, high: float, *, size: int, seed: int) -> np.ndarray:
    """Draws as Prosimos keeps them: outside [min, max] or below 0, drawn again."""
    draws = dist.rvs(size=size, random_state=np.random.default_rng(seed))
    return draws[(draws >= max(low, 0)) & (draws <= high)]


BOUNDED_CASES = [
    # layout, name, parameters, the distribution Prosimos draws from, its [min, max]
    ("pix", "expon", value(205.5, 0, 900), st.expon(scale=205.5), 0, 900),
    ("pix", "expon", value(9900, 6180, 19380), st.expon(loc=6180, scale=9900 - 6180),
     6180, 19380),  # min + expon(mean − min), from purchasing_example
    ("pix", "norm", value(330, 297.4, 0, 840), st.norm(330, 297.4), 0, 840),
    ("pix", "norm", value(-100, 300, -500, 900), st.norm(-100, 300), -500, 900),  # < 0 redrawn
    ("pix", "lognorm", value(225.7, 101110.2, 0, 840), pix_lognorm(225.7, 101110.2), 0, 840),
    ("pix", "gamma", value(600, 90000, 0, 1500), st.gamma(4, scale=150), 0, 1500),
    ("legacy", "expon", [60, 1800, 0, 3600], st.expon(loc=60, scale=1800), 0, 3600),
    ("legacy", "norm", [300, 200, 100, 600], st.norm(300, 200), 100, 600),
    ("legacy", "lognorm", [0.5, 30, 600, 100, 1200], st.lognorm(0.5, loc=30, scale=600),
     100, 1200),
    ("legacy", "gamma", [2.0, 60, 300, 200, 900], st.gamma(2.0, loc=60, scale=300), 200, 900),
    ("legacy", "triang", [0.25, 60, 240, 100, 250], st.triang(0.25, loc=60, scale=240),
     100, 250),
    ("legacy", "exponnorm", [0.98, 5173.6, 120.0, 5000, 5400],
     st.exponnorm(0.98, loc=5173.6, scale=120.0), 5000, 5400),
]


@pytest.mark.parametrize(("layout", "name", "params", "dist", "low", "high"), BOUNDED_CASES,
                         ids=[f"{c[0]}-{c[1]}{i}" for i, c in enumerate(BOUNDED_CASES)])
def test_a_bounded_distribution_has_the_mean_of_the_draws_prosimos_keeps(
        layout, name, params, dist, low, high):
    # Both Prosimos versions draw again until a value is within [min, max] and not below 0:
    # the durations follow the distribution conditional on that interval. Before, the
    # bounds were ignored (e.g. pix expon [205.5, 0, 900]: 205.5 s instead of 196.0 s).
    duration = prosimos_duration({"distribution_name": name, "distribution_params": params},
                                 legacy=layout == "legacy")
    kept = kept_draws(dist, low, high, size=400_000, seed=11)
    standard_error = kept.std() / math.sqrt(len(kept))
    assert abs(mean_minutes(duration) * 60 - kept.mean()) < 4 * standard_error
    if isinstance(duration, dict) and "lognormal" in duration:  # sd within 2 %
        assert duration["lognormal"]["sd"] * 60 == pytest.approx(kept.std(), rel=0.02)
    assert dist.mean() != pytest.approx(kept.mean(), rel=1e-3)  # the bounds do matter here


def test_bounded_normal_and_exponential_means_in_closed_form():
    # normal(μ 330, σ 297.4) on [0, 840]: μ + σ·(φ(α) − φ(β)) / (Φ(β) − Φ(α)),
    # α = (0 − 330) / 297.4, β = (840 − 330) / 297.4
    alpha, beta = -330 / 297.4, 510 / 297.4
    normal_mean = 330 + 297.4 * (st.norm.pdf(alpha) - st.norm.pdf(beta)) / (
        st.norm.cdf(beta) - st.norm.cdf(alpha))
    duration = prosimos_duration({"distribution_name": "norm",
                                  "distribution_params": value(330, 297.4, 0, 840)},
                                 legacy=False)
    assert mean_minutes(duration) == pytest.approx(normal_mean / 60)  # 374.74 s, not 330
    # exponential(θ 205.5) on [0, b = 900]: θ − b·e^(−b/θ) / (1 − e^(−b/θ)) = 196.0 s
    theta, b = 205.5, 900
    expon_mean = theta - b * math.exp(-b / theta) / (1 - math.exp(-b / theta))
    duration = prosimos_duration({"distribution_name": "expon",
                                  "distribution_params": value(theta, 0, b)}, legacy=False)
    assert mean_minutes(duration) == pytest.approx(expon_mean / 60)


def test_bounds_that_cut_nothing_change_nothing():
    # a uniform 240..840 and a triangular 60..300 inside bounds [0, 1000] / [0, 300]:
    # the same exact forms as without bounds
    for name, bare, bounds in (("uniform", [240, 600], [0, 1000]),
                               ("triang", [0.25, 60, 240], [0, 300])):
        assert prosimos_duration({"distribution_name": name,
                                  "distribution_params": bare + bounds}, legacy=True) == (
            prosimos_duration({"distribution_name": name, "distribution_params": bare},
                              legacy=True))
    assert prosimos_duration({"distribution_name": "uniform",
                              "distribution_params": [240, 600]}, legacy=True) == {
        "uniform": [4, 14]}  # loc 240 s, scale 600 s: 4..14 min
    # a uniform cut by its bounds is the narrower uniform: 240..840 within [300, 700]
    assert prosimos_duration({"distribution_name": "uniform",
                              "distribution_params": [240, 600, 300, 700]}, legacy=True) == {
        "uniform": [5, pytest.approx(700 / 60)]}


def test_bounds_with_min_equal_to_max_give_that_value():
    # the conditional distribution shrinks to the point; pix falls back to it as well
    for layout, name, params, seconds in (("pix", "norm", value(300, 60, 250, 250), 250),
                                          ("legacy", "lognorm", [0.5, 0, 600, 450, 450], 450),
                                          ("pix", "expon", value(600, 450, 450), 450)):
        assert prosimos_duration({"distribution_name": name, "distribution_params": params},
                                 legacy=layout == "legacy") == pytest.approx(seconds / 60)


def test_after_a_hundred_misses_pix_uses_its_fallback():
    # pix_framework draws at most 100 times for one value, then takes the mean if it is
    # within [min, max], else the midpoint. normal(1000, 100) on [1250, 1300] keeps
    # p = Φ(3) − Φ(2.5) = 0.49 % of draws, so (1 − p)^100 = 61 % of values are the
    # midpoint 1275 s. Emulated here draw by draw.
    dist, low, high, tries = st.norm(1000, 100), 1250, 1300, 100
    draws = dist.rvs(size=(40_000, tries), random_state=np.random.default_rng(5))
    inside = (draws >= low) & (draws <= high)
    first = inside.argmax(axis=1)
    values = np.where(inside.any(axis=1), draws[np.arange(len(draws)), first], 1275.0)
    standard_error = values.std() / math.sqrt(len(values))
    p = st.norm.cdf(3) - st.norm.cdf(2.5)
    assert (1 - p) ** 100 == pytest.approx(0.614, abs=1e-3)
    entry = {"distribution_name": "norm", "distribution_params": value(1000, 100, low, high)}
    assert abs(mean_minutes(prosimos_duration(entry, legacy=False)) * 60
               - values.mean()) < 4 * standard_error
    # Prosimos 1.x (legacy files) draws until it hits: the plain conditional mean
    conditional = st.truncnorm(2.5, 3, loc=1000, scale=100).mean()
    entry = {"distribution_name": "norm", "distribution_params": [1000, 100, low, high]}
    assert mean_minutes(prosimos_duration(entry, legacy=True)) == pytest.approx(
        conditional / 60)


def test_bounds_holding_none_of_the_distribution_are_a_warning_naming_the_task():
    # gamma from loc 60 s cannot fall within [0, 50]; normal(300, 60) never reaches
    # [100 000, 200 000] s in floating point; max below min holds nothing at all
    for params, reason in (([2.0, 60, 300, 0, 50], "[0, 50] s hold none"),
                           ([300, 60, 100_000, 200_000], "[100000, 200000] s hold none"),
                           ([300, 60, 900, 100], "[900, 100] s hold none")):
        name = "gamma" if len(params) == 5 else "norm"
        text, problems = bpmn_to_model_text(PURCHASE_BPMN, source="x.bpmn", params={
            "resource_profiles": {"clerks": {"name": "Clerks", "resource_list": [
                {"id": "clerk", "name": "Clerk", "cost_per_hour": 30, "amount": 1}]}},
            "task_resource_distribution": {"t_order": {"clerk": {
                "distribution_name": name, "distribution_params": params}}}})
        assert 'labor: {clerk: "?"}' in text and "nan" not in text.lower()
        assert any(p.element == "t_order" and reason in p.message
                   and "Prosimos 1.x would draw forever" in p.message for p in problems)
    found: list = []
    read_prosimos({"arrival_time_distribution": {"distribution_name": "expon",
                   "distribution_params": value(600, 900, 300)}}, found, "p.json")
    assert any("arrival distribution 'expon': its bounds [900, 300] s hold none" in p.message
               and "fallback 600 s" in p.message for p in found)


PURCHASE_BPMN = f"""<definitions xmlns="{BPMN_NS}"><process id="p">
  <startEvent id="s"/><task id="t_order" name="Create order"/>
  <task id="t_approve" name="Approve order"/><endEvent id="e"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="t_order"/>
  <sequenceFlow id="f2" sourceRef="t_order" targetRef="t_approve"/>
  <sequenceFlow id="f3" sourceRef="t_approve" targetRef="e"/>
</process></definitions>""".encode()


def person(name: str, rate: float, calendar: str) -> dict:
    return {"id": f"{name}_profile", "name": f"{name}_profile", "resource_list": [
        {"id": name, "name": name, "amount": 1, "cost_per_hour": rate, "calendar": calendar,
         "assignedTasks": ["t_order"]}]}


def week(*days: tuple[str, str, str]) -> list[dict]:
    return [{"from": d, "to": d, "beginTime": b, "endTime": e} for d, b, e in days]


# The layout of the public Optimos scenario purchasing_example (one profile per person,
# per-person calendars in hourly slots, an arrival calendar, pix-style parameters),
# reduced to three people so that every figure can be worked out by hand.
PURCHASE_JSON = {
    "process_model": "purchase.bpmn",
    "model_type": "CRISP",
    "granule_size": {"value": 60, "time_unit": "MINUTES"},
    "resource_profiles": [
        person("Kim", 20, "kim_calendar"), person("Lea", 40, "lea_calendar"),
        {"id": "managers", "name": "Managers", "fixed_cost_fn": "4", "resource_list": [
            {"id": "Max", "name": "Max", "amount": 2, "cost_per_hour": 60,
             "calendar": "lea_calendar", "assignedTasks": ["t_approve"]}]},
    ],
    "resource_calendars": [
        {"id": "kim_calendar", "name": "kim_calendar", "time_periods": week(
            ("MONDAY", "08:00:00", "12:00:00"), ("MONDAY", "13:00:00", "17:00:00"),
            ("WEDNESDAY", "22:00:00", "23:59:59.999000"))},
        {"id": "lea_calendar", "name": "lea_calendar", "time_periods": [
            {"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00",
             "endTime": "15:00:00"}]},
    ],
    "arrival_time_distribution": {"distribution_name": "lognorm",
                                  "distribution_params": value(7200, 2.0e7, 0, 86400)},
    "arrival_time_calendar": week(("MONDAY", "00:00:00", "23:59:59.999000"),
                                  ("TUESDAY", "08:00:00", "20:00:00")),
    "task_resource_distribution": [
        {"task_id": "t_order", "resources": [
            {"resource_id": "Kim", "distribution_name": "expon",
             "distribution_params": value(600, 0, 3600)},
            {"resource_id": "Lea", "distribution_name": "norm",
             "distribution_params": value(1200, 300, 0, 3600)}]},
        {"task_id": "t_approve", "resources": [
            {"resource_id": "Max", "distribution_name": "uniform",
             "distribution_params": value(300, 900)}]},
    ],
    "gateway_branching_probabilities": [],
    "event_distribution": [],
}


def test_an_optimos_scenario_gets_its_cost_volume_and_calendars():
    model, problems = imported(PURCHASE_BPMN, PURCHASE_JSON)
    assert [p for p in problems if p.severity == "error"] == []
    # Durations as Prosimos draws them, within their [min, max]:
    # Kim expon(θ 600) on [0, 3600]: θ − b·e^(−b/θ) / (1 − e^(−b/θ)) = 591.05 s (not 600);
    # Lea normal(1200, 300) on [0, 3600]: μ + σ·(φ(α) − φ(β)) / (Φ(β) − Φ(α)) = 1200.04 s
    kim_seconds = 600 - 3600 * math.exp(-6) / (1 - math.exp(-6))
    alpha, beta = (0 - 1200) / 300, (3600 - 1200) / 300
    lea_seconds = 1200 + 300 * (st.norm.pdf(alpha) - st.norm.pdf(beta)) / (
        st.norm.cdf(beta) - st.norm.cdf(alpha))
    # Create order is done by Kim OR Lea, one of them per execution, each half of the
    # orders at 20 and 40 an hour; Approve by one of the two Max: 10 min (uniform 5–15,
    # no bounds of its own) × 60/60 = 10, plus the managers' fixed cost 4 per execution
    assert cost_model(model).cost_per_instance == pytest.approx(
        0.5 * kim_seconds / 3600 * 20 + 0.5 * lea_seconds / 3600 * 40 + 10 + 4)
    order = model.activities["create_order"]
    assert {r: d.mean_minutes for r, d in order.labor.items()} == pytest.approx(
        {"kim": 0.5 * kim_seconds / 60, "lea": 0.5 * lea_seconds / 60})
    assert model.activities["approve_order"].other_cost == 4
    # arrivals: pix lognorm(mean 7200 s, variance 2e7) on [0, 86 400 s]: ln X ~ N(μ, s),
    # s² = ln(1 + 2e7 / 7200²), μ = ln 7200 − s²/2; mean within the bounds
    # 7200·Φ((ln 86400 − μ − s²)/s) / Φ((ln 86400 − μ)/s); during Monday 24 h + Tuesday
    # 12 h = 36 h a week: 36 × 3600 / mean × 52 a year (before: no volume at all, then 936)
    s2 = math.log1p(2.0e7 / 7200**2)
    mu, s = math.log(7200) - s2 / 2, math.sqrt(s2)
    arrival_seconds = 7200 * st.norm.cdf((math.log(86400) - mu - s2) / s) / st.norm.cdf(
        (math.log(86400) - mu) / s)
    assert model.volume_per_year == pytest.approx(36 * 3600 / arrival_seconds * 52)
    kim, lea, boss = (model.resources[r] for r in ("kim", "lea", "max"))
    # Kim: Monday 8 h + Wednesday 2 h = 10 h over 2 days: 5 h a day, 2 × 52 / 12 days
    assert (kim.hours_per_day, kim.days_per_month) == pytest.approx((5, 2 * 52 / 12))
    assert (lea.hours_per_day, lea.days_per_month) == pytest.approx((6, 5 * 52 / 12))
    assert boss.headcount == 2 and boss.capacity_hours_per_month == pytest.approx(
        2 * 6 * 5 * 52 / 12)


def test_the_legacy_dictionary_layout_reads_scipy_parameters():
    # As Prosimos' QBP converter wrote it: dicts by id, plain numbers, scipy conventions,
    # calendars keyed by resource.
    params = {
        "resource_profiles": {"clerks": {"name": "Clerks", "resource_list": [
            {"id": "clerk_1", "name": "Clerk_1", "cost_per_hour": "30", "amount": 1},
            {"id": "clerk_2", "name": "Clerk_2", "cost_per_hour": "30", "amount": 1}]}},
        "arrival_time_distribution": {"distribution_name": "gamma",
                                      "distribution_params": [2.0, 0, 900.0]},
        "arrival_time_calendar": [{"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00",
                                   "endTime": "17:00:00"}],
        "task_resource_distribution": {
            "t_order": {"clerk_1": {"distribution_name": "lognorm",
                                    "distribution_params": [0.5, 0, 600.0]},
                        "clerk_2": {"distribution_name": "lognorm",
                                    "distribution_params": [0.5, 0, 600.0]}},
            "t_approve": {"clerk_1": {"distribution_name": "uniform",
                                      "distribution_params": [240.0, 360.0]}}},
        "resource_calendars": {
            "clerk_1": [{"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00",
                         "endTime": "17:00:00"}],
            "clerk_2": [{"from": "MONDAY", "to": "FRIDAY", "beginTime": "09:00:00",
                         "endTime": "17:00:00"}]},
        "gateway_branching_probabilities": {},
    }
    model, _ = imported(PURCHASE_BPMN, params)
    order_seconds = st.lognorm(0.5, scale=600.0).mean()  # 600 × exp(0.125) = 679.8 s
    approve_seconds = 240 + 360 / 2  # uniform(loc 240, scale 360): 240..600, mean 420 s
    assert cost_model(model).cost_per_instance == pytest.approx(
        (order_seconds + approve_seconds) / 3600 * 30)
    # gamma(a 2, scale 900): mean 1800 s, in 40 h a week: 40 × 2 × 52 = 4160 a year
    assert model.volume_per_year == pytest.approx(4160)
    assert model.resources["clerk_1"].hours_per_day == 8


def test_an_unreadable_fixed_cost_or_arrival_is_a_warning_never_a_silent_value():
    params = {
        "resource_profiles": [{"id": "pool", "name": "Pool", "fixed_cost_fn": "3 * size",
                               "resource_list": [{"id": "r", "name": "R", "amount": 1,
                                                  "cost_per_hour": 60}]}],
        "arrival_time_distribution": {"distribution_name": "weibull_min",
                                      "distribution_params": value(1.5, 0, 600)},
        "task_resource_distribution": [{"task_id": "t_order", "resources": [
            {"resource_id": "r", "distribution_name": "fix",
             "distribution_params": value(60)}]}],
    }
    text, problems = bpmn_to_model_text(PURCHASE_BPMN, source="x.bpmn", params=params)
    messages = {p.element: p.message for p in problems}
    assert "'3 * size' of resource profile 'pool' is not a number" in messages["pool"]
    assert 'other_cost: "?"' in text
    assert any("arrival distribution 'weibull_min' cannot be read" in p.message
               for p in problems)
    assert "volume_per_year: instances per year (optional; not in the file)" in text


def test_an_exported_volume_wins_over_the_simulators():
    # a file this tool exported carries its volume in abc:model; it is not recomputed
    root = fromstring((CASES / "qbp_dialect.bpmn").read_bytes(), forbid_dtd=True)
    assert root.find(f"{{{BPMN_NS}}}process") is not None
    text = (CASES / "qbp_dialect.bpmn").read_text(encoding="utf-8").replace(
        "<extensionElements>", '<extensionElements><abc:model xmlns:abc="urn:abc-costing:'
        'bpmn:1" volume_per_year="500"/>', 1)
    model, _ = imported(text.encode())
    assert model.volume_per_year == 500


def test_a_loop_marker_with_no_count_runs_once_as_the_simulator_runs_it():
    # Simod marks a task that repeats in the log as a loop and fits its duration to every
    # run; BIMP and Prosimos ignore the marker. With their parameters the task runs once:
    # FIXED 600 s = 10 min × 1 EUR/min + 2.5 fixed = 12.5, and one warning says so.
    # Without parameters the count stays a "?" to fill in (tests/test_bpmn_structure.py).
    data = qbp_file('<qbp:durationDistribution type="FIXED" mean="600" arg1="0" arg2="0"/>')
    looped = data.replace(b'<task id="t"/>',
                          b'<task id="t" name="Check"><standardLoopCharacteristics/></task>')
    model, problems = imported(looped)
    assert cost_model(model).cost_per_instance == pytest.approx(10 * 1 + 2.5)
    [said] = [p for p in problems if "loop marker" in p.message]
    assert said.message.startswith("1 task(s) carry a loop marker") and "'Check'" in said.message
    assert "as BIMP runs them" in said.message
