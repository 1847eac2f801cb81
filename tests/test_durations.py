"""Times said as working days, hours and minutes (issue 14): never "13 327 min"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel import Locale
from babel.units import format_unit
from hypothesis import given, settings
from hypothesis import strategies as st

from abc_costing import cost_model, durations
from abc_costing.cli import main
from abc_costing.durations import duration
from abc_costing.i18n import LANGUAGES
from abc_costing.mining import TraceVariant
from abc_costing.reports.views import activities_view, process_hours_per_day, variants_view
from tests.conftest import parse

DAY_8_H = 8 * 60  # 480 working minutes


def test_the_issue_example_in_working_days_of_eight_hours():
    # 13 327 min: 27 days of 480 min = 12 960, leaving 367 = 6 × 60 + 7
    assert 27 * DAY_8_H + 6 * 60 + 7 == 13_327
    assert duration(13_327, "en", hours_per_day=8) == "27 days 6 hr 7 min"
    assert duration(13_327, "ru", hours_per_day=8) == "27 дн. 6 ч 7 мин"
    # the same minutes as elapsed calendar time: 9 × 1 440 = 12 960, the same 367 left
    assert duration(13_327, "ru", hours_per_day=24) == "9 дн. 6 ч 7 мин"


def test_short_times_stay_in_minutes_with_one_decimal():
    assert duration(45.5, "en") == "45.5 min" and duration(45.5, "ru") == "45,5 мин"
    assert duration(45.0, "ru") == "45 мин"  # no ",0"
    assert duration(0.25, "en") == "0.3 min"  # half up, a robot's step stays visible
    assert duration(59.94, "en") == "59.9 min"
    assert duration(59.96, "en") == "1 hr"  # 60.0 after rounding: an hour
    assert duration(0.04, "en") == duration(-0.04, "en") == "0 min"  # never "-0 min"


def test_zero_parts_are_left_out_and_whole_minutes_round_half_up():
    assert duration(DAY_8_H, "en") == "1 day"
    assert duration(DAY_8_H + 20, "en") == "1 day 20 min"  # no "0 hr"
    assert duration(90.5, "en") == "1 hr 31 min"  # 90.5 → 91 = 60 + 31
    assert duration(-90, "ru") == "-1 ч 30 мин" and duration(-7.5, "en") == "-7.5 min"


def test_russian_short_forms_are_the_same_for_every_number():
    # 1, 2 and 5 days: the CLDR short forms do not change with the number (день/дня/дней
    # would); English says 1 day, 2 days
    assert [duration(n * DAY_8_H, "ru") for n in (1, 2, 5, 21)] == [
        "1 дн.", "2 дн.", "5 дн.", "21 дн."]
    assert [duration(n * 60, "ru") for n in (1, 2, 5)] == ["1 ч", "2 ч", "5 ч"]
    assert [duration(n * DAY_8_H, "en") for n in (1, 2)] == ["1 day", "2 days"]
    # thousands grouped the locale's way (a no-break space in Russian)
    assert duration(1_234 * DAY_8_H, "ru") == "1\u00a0234 дн."
    assert duration(1_234 * DAY_8_H, "en") == "1,234 days"


def test_a_working_day_of_seven_and_a_half_hours():
    # 1 000 min on days of 450: 2 × 450 = 900, leaving 100 = 1 h 40 min
    assert duration(1_000, "ru", hours_per_day=7.5) == "2 дн. 1 ч 40 мин"


@pytest.mark.parametrize("hours", [0, -8, 24.5])
def test_a_working_day_outside_0_to_24_hours_is_a_programmers_error(hours):
    with pytest.raises(ValueError, match="hours_per_day"):
        duration(100, "en", hours_per_day=hours)


OWN_DAY = """\
volume_per_year: 252  # one a working day: 12 months × 21 days
resources:
  clerk: {kind: labor, rate_per_hour: 600, headcount: 2, hours_per_day: 12, days_per_month: 21}
activities:
  check: {labor: {clerk: 30}, wait: 1500}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, check], [check, e]]
"""


def test_a_model_says_its_times_in_its_own_working_day():
    model = parse(OWN_DAY)
    assert process_hours_per_day(model) == 12.0  # the clerk's day, the simulated clock's too
    view = activities_view(cost_model(model), model=model)
    wait = [c.key for c in view.columns].index("wait_minutes_per_execution")
    (_, first), _total = view.text_rows(brief=False)
    # A wait is elapsed time: 1 500 min = one day of 24 h (1 440) and 60 min, whatever the
    # working day (it was said as 2 working days of 12 h and 1 h: the wrong kind of day)
    assert first[wait] == "1 day 1 hr"
    assert view.in_language("ru").text_rows(brief=False)[0][1][wait] == "1 сут. 1 ч"
    assert view.rows[0].value("wait_minutes_per_execution") == 1500.0  # the CSV keeps minutes
    assert view.number_label("wait_minutes_per_execution") == "Wait per execution, min"
    assert not any(view.label(c.key).endswith(", min") for c in view.columns)


def test_an_event_logs_cycle_time_is_said_in_calendar_days():
    # timestamps are elapsed time, nights included: 13 327 min = 9 × 1 440 + 367
    variant = TraceVariant(("Регистрация", "Проверка"), 2, 1.0, 13_327.0, 35.0, 1100.0, None,
                           None)
    (row,) = variants_view([variant], currency="RUB").in_language("ru").text_rows()
    assert "9 дн. 6 ч 7 мин" in row[1] and "35 мин" in row[1]


def test_the_cli_says_times_without_minutes_min(capsys, write_model):
    path = write_model(OWN_DAY)
    for lang in ("en", "ru"):
        assert main(["--lang", lang, "cost", str(path)]) == 0
        out = capsys.readouterr().out
        assert ", min" not in out and ", мин" not in out
    # 30 min of labour per instance, under an hour: said in minutes
    assert main(["--lang", "en", "cost", str(path)]) == 0
    assert "Labour per instance: 30 min" in capsys.readouterr().out
    assert main(["--lang", "en", "simulate", str(path), "--queue", "--days", "5",
                 "--replications", "2", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    # every instance works 30 min and waits 1 500 elapsed minutes (two clerks, one arrival a
    # day: hardly a queue). The clock's week: 9–21, Monday–Friday. Arriving Monday–Thursday
    # at t, it goes on the next day at t + 1 h: 30 + 720 + 60 = 810 working minutes, 1 day
    # 1 hr 30 min of 12 h (the median); on the calendar 30 + 1 500 = 1 530 minutes, 1 day
    # 1 hr 30 min of 24 h. (Said before as 1 530 working minutes: 2 days of 12 h.)
    assert "Cycle time with queues, working days of 12 h: mean " in out
    assert "p50 1 day 1 hr 30 min" in out
    assert ("Cycle time with queues, calendar days (nights and weekends included): mean "
            in out)
    assert ", min" not in out


# --- the unit words and figures are Babel's (CLDR), without loading Babel's locale data ---


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("unit", ["day", "hour", "minute"])
def test_the_unit_table_is_babels_for_every_plural_form(language, unit):
    # every plural category the language has, each with Babel's short pattern: no more, no
    # fewer (en: one, other; ru: one, few, many, other), and Babel's "per" form left out
    babel_forms = dict(Locale.parse(language)._data["unit_patterns"][f"duration-{unit}"]
                       ["short"])
    babel_forms.pop("per")
    assert durations._UNIT_PATTERNS[language][unit] == babel_forms
    assert set(babel_forms) == ({"one", "other"} if language == "en"
                                else {"one", "few", "many", "other"})


def test_plural_forms_by_hand():
    # en: "one" only for 1 with no visible decimal; ru: 1, 21, 101 one; 2-4, 22-24 few;
    # 0, 5-20, 25, 111-114 many; any visible decimal other
    assert [durations._plural(n, "en") for n in (0, 1, 2, 11)] == ["other", "one", "other",
                                                                   "other"]
    assert durations._plural(Decimal("1.0"), "en") == "other"
    assert [durations._plural(n, "ru") for n in (1, 21, 101, 2, 4, 22, 0, 5, 11, 12, 14, 20,
                                                 25, 111, 112)] == [
        "one", "one", "one", "few", "few", "few", "many", "many", "many", "many", "many",
        "many", "many", "many", "many"]
    assert durations._plural(Decimal("2.5"), "ru") == durations._plural(Decimal("1.0"),
                                                                        "ru") == "other"
    # Babel says "1.0 days" in English (the decimal shown makes it plural), and so do we
    assert durations._unit(Decimal("1.0"), "day", "en", "#,##0.#") == "1 days"


@settings(max_examples=300, deadline=None)
@given(amount=st.one_of(st.integers(0, 10 ** 12),
                        st.decimals(min_value=0, max_value=10 ** 7, places=0),
                        st.decimals(min_value=0, max_value=10 ** 7, places=1),
                        st.decimals(min_value=0, max_value=1000, places=2)),
       language=st.sampled_from(LANGUAGES))
def test_plural_is_babels(amount, language):
    assert durations._plural(amount, language) == Locale.parse(language).plural_form(amount)


@settings(max_examples=300, deadline=None)
@given(amount=st.one_of(st.integers(0, 10 ** 12),
                        st.decimals(min_value=0, max_value=10 ** 7, places=1),
                        st.decimals(min_value=0, max_value=1000, places=2)),
       unit=st.sampled_from(["day", "hour", "minute"]), language=st.sampled_from(LANGUAGES),
       pattern=st.sampled_from(["#,##0", "#,##0.#"]))
def test_unit_text_is_babels_format_unit(amount, unit, language, pattern):
    # grouping (en ",", ru U+00A0 as CLDR says), the decimal mark, half-even rounding to the
    # pattern's decimals, a trailing ".0" left out, and the plural of the amount itself
    assert durations._unit(amount, unit, language, pattern) == str(format_unit(
        amount, f"duration-{unit}", length="short", format=pattern, locale=language))


def test_a_thousand_days_group_as_babel_does():
    # 1 000 days of 8 h = 480 000 min; ru groups by a no-break space (CLDR's, not numbers'
    # narrow one), en by a comma
    assert duration(1000 * DAY_8_H, "ru") == "1\u00a0000 дн."
    assert duration(1000 * DAY_8_H + 61, "en") == "1,000 days 1 hr 1 min"
