"""Times as a reader says them: working days, hours and minutes, never "13 327 min".

Two kinds of minutes, never mixed up in what a reader sees:

- **working time**: labour minutes (what a person spends on a task), and the
  queue simulation's clock (:mod:`abc_costing.simulation.queueing`, which
  counts working minutes only: people work only on it) with its
  ``cycle_time_minutes``. Said by :func:`duration` in working days of the
  process's calendar (``hours_per_day``: the queue simulation's calendar,
  :func:`~abc_costing.simulation.queueing.simulated_calendar`, the longest
  working day of the model's labour pools, else 8 h), so a 600-minute task is
  "1 day 2 hr" on an 8 h day.
- **elapsed (calendar) time**: ``wait`` (the file format: "elapsed minutes with
  no labour": a client thinking it over, a delivery, run on through nights and
  weekends), the queue simulation's ``cycle_time_elapsed_minutes`` (arrival to
  end on the real calendar), the Monte Carlo and expected cycle times (waits
  and the work's own minutes laid end to end, no nights or queues: the elapsed
  time of an instance nobody keeps waiting overnight) and an event log's
  timestamps. Said by :func:`elapsed` in days of 24 h; Russian writes such a
  day «сут.» (сутки), the unit a Russian reader never takes for a working day
  («дн.» next to working days would be read as either), English "days" under
  a label that says "calendar".

:func:`duration` says a time under an hour in minutes (one decimal, a robot's
0.5 min stays visible) and a longer one split into days, hours and minutes,
a day being ``hours_per_day`` long.

Babel's ``format_timedelta`` does not fit: it rounds to a single unit
("2 weeks") and takes a day as 24 h. The split is made here; the unit words,
their short forms, their plural forms and the numbers' marks in the reader's
language are CLDR's, as Babel's ``format_unit`` writes them, so Russian reads
``27 дн. 6 ч 7 мин``. They are the handful in :data:`_UNIT_PATTERNS`, copied from
Babel (tests/test_durations.py checks each one, and every text, against Babel):
loading Babel's locale data for them cost each command 0.05-0.1 s of CPU.

Examples
--------
>>> duration(13327, "en", hours_per_day=8)   # 27 × 480 + 6 × 60 + 7
'27 days 6 hr 7 min'
>>> duration(13327, "ru", hours_per_day=8)
'27 дн. 6 ч 7 мин'
>>> duration(45.5, "ru"), duration(0.25, "en"), duration(120, "en")
('45,5 мин', '0.3 min', '2 hr')
>>> elapsed(1440, "ru"), elapsed(3900, "ru"), elapsed(3900, "en")  # a wait of one day; 65 h
('1 сут.', '2 сут. 17 ч', '2 days 17 hr')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from abc_costing.i18n import Language
from abc_costing.numbers import number, rounded_for_display

__all__ = ["DEFAULT_HOURS_PER_DAY", "HOURS_PER_CALENDAR_DAY", "Duration", "duration", "elapsed"]

#: The working day when the model states none: the queue simulation's default too.
DEFAULT_HOURS_PER_DAY = 8.0
#: A day of elapsed calendar time (event logs' timestamps).
HOURS_PER_CALENDAR_DAY = 24.0
_MINUTES_PER_HOUR = 60
# A whole number with grouped thousands, and one with at most one decimal: CLDR number
# patterns, and the decimals each keeps.
_WHOLE, _TENTHS = "#,##0", "#,##0.#"
_PLACES = {_WHOLE: 0, _TENTHS: 1}

#: CLDR's short duration units (Babel's ``Locale._data["unit_patterns"]["duration-<unit>"]
#: ["short"]``, Babel 2.19) by language, unit and plural category: every category the
#: language has, so a category the rules below pick always has its text.
_UNIT_PATTERNS: dict[Language, dict[str, dict[str, str]]] = {
    "en": {"day": {"one": "{0} day", "other": "{0} days"},
           "hour": {"one": "{0} hr", "other": "{0} hr"},
           "minute": {"one": "{0} min", "other": "{0} min"}},
    "ru": {"day": {"one": "{0} дн.", "few": "{0} дн.", "many": "{0} дн.", "other": "{0} дн."},
           "hour": {"one": "{0} ч", "few": "{0} ч", "many": "{0} ч", "other": "{0} ч"},
           "minute": {"one": "{0} мин", "few": "{0} мин", "many": "{0} мин",
                      "other": "{0} мин"}},
}
#: ``str.translate`` tables from Python's "," and "." to CLDR's thousands separator and
#: decimal mark (Russian groups by a no-break space, U+00A0, here as Babel writes it).
_CLDR_MARKS: dict[Language, dict[int, str]] = {
    "en": str.maketrans({}), "ru": str.maketrans({",": "\u00a0", ".": ","})}


def _plural(amount: Decimal | int, language: Language) -> str:
    """The CLDR plural category of ``amount`` (Babel's ``Locale.plural_form``): by its
    integer digits ``i`` and its visible decimals ``v`` (``Decimal("1.0")`` has one, so
    English says "1.0 days").

    >>> _plural(1, "en"), _plural(Decimal("1.0"), "en"), _plural(22, "ru"), _plural(12, "ru")
    ('one', 'other', 'few', 'many')
    """
    exponent = amount.as_tuple().exponent if isinstance(amount, Decimal) else 0
    visible = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    whole = int(amount.copy_abs()) if isinstance(amount, Decimal) else abs(amount)
    if language == "en":  # one: i = 1 and v = 0
        return "one" if whole == 1 and not visible else "other"
    if visible:  # ru: every rule asks v = 0
        return "other"
    if whole % 10 == 1 and whole % 100 != 11:
        return "one"
    if 2 <= whole % 10 <= 4 and not 12 <= whole % 100 <= 14:
        return "few"
    return "many"  # i % 10 = 0 or 5..9, or i % 100 = 11..14: every other whole number


def _figure(amount: Decimal | int, pattern: str, language: Language) -> str:
    """``amount`` (not negative) in the CLDR ``pattern`` as Babel's ``format_decimal`` writes
    it: rounded half to even to the pattern's decimals, a trailing zero decimal left out.

    >>> _figure(Decimal("45.0"), _TENTHS, "ru"), _figure(1234, _WHOLE, "ru") == "1\u00a0234"
    ('45', True)
    """
    places = _PLACES[pattern]
    if isinstance(amount, Decimal):
        text = format(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN),
                      ",f")
        if places:
            text = text.rstrip("0").rstrip(".")
    else:
        text = format(amount, ",")
    return text.translate(_CLDR_MARKS[language])


def _unit(amount: Decimal | int, unit: str, language: Language, pattern: str) -> str:
    # Written by its type and digits (Decimal("45.0") and 45 are equal, yet their plural
    # forms may differ), so a cached text is the one written for this very amount.
    return _unit_text(isinstance(amount, Decimal), str(amount), unit, language, pattern)


@lru_cache(maxsize=4096)  # a table's column says the same few times over and over
def _unit_text(decimal: bool, written: str, unit: str, language: Language,
               pattern: str) -> str:
    amount = Decimal(written) if decimal else int(written)
    return _UNIT_PATTERNS[language][unit][_plural(amount, language)].format(
        _figure(amount, pattern, language))


def duration(minutes: float, language: Language = "en", *,
             hours_per_day: float = DEFAULT_HOURS_PER_DAY) -> str:
    """``minutes`` of working time as days, hours and minutes in ``language``
    (elapsed time: :func:`elapsed`).

    Under an hour: minutes with at most one decimal. From an hour: whole
    minutes (rounded half away from zero), split into days of
    ``hours_per_day`` hours, hours and minutes, leaving out a part that is
    zero. ``hours_per_day`` is taken to the whole minute; it must be in
    (0, 24] (a model's calendar is checked when the model is read, so a wrong
    one here is a programmer's error). Negative times (a change) get a
    leading minus; an infinite one is ``∞``.

    >>> duration(13327, "ru", hours_per_day=24)  # the same minutes as elapsed days
    '9 дн. 6 ч 7 мин'
    >>> duration(-90, "en"), duration(-7.5, "ru"), duration(-0.01, "en")
    ('-1 hr 30 min', '-7,5 мин', '0 min')
    >>> duration(59.96, "en"), duration(float("inf"), "ru")
    ('1 hr', '∞')
    >>> duration(480, "ru"), duration(481, "ru", hours_per_day=7.5)
    ('1 дн.', '1 дн. 31 мин')
    """
    if not 0 < hours_per_day <= HOURS_PER_CALENDAR_DAY:
        raise ValueError(f"hours_per_day must be in (0, 24], got {hours_per_day!r}")
    if math.isinf(minutes):
        return "∞" if minutes > 0 else "-∞"
    sign = "-" if minutes < 0 else ""
    tenths = rounded_for_display(abs(minutes), 1)
    if tenths < _MINUTES_PER_HOUR:
        if not tenths:
            return _unit(0, "minute", language, _WHOLE)  # never "-0 min"
        return sign + _unit(tenths, "minute", language, _TENTHS)
    return sign + _split(minutes, language, hours_per_day=hours_per_day)


def _split(minutes: float, language: Language, *, hours_per_day: float,
           calendar: bool = False) -> str:
    """``|minutes|`` (at least an hour) as days, hours and minutes; ``calendar``: the
    days are сутки in Russian."""
    whole = int(rounded_for_display(abs(minutes), 0))
    day = max(1, round(hours_per_day * _MINUTES_PER_HOUR))
    days, rest = divmod(whole, day)
    hours, mins = divmod(rest, _MINUTES_PER_HOUR)
    parts = [_unit(n, unit, language, _WHOLE)
             for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute")) if n]
    if calendar and days and language == "ru":
        # CLDR has no сутки; the short form does not decline (1, 2, 5 сут.).
        parts[0] = f"{number(days, 0, language)} сут."
    return " ".join(parts)


def elapsed(minutes: float, language: Language = "en") -> str:
    """``minutes`` of elapsed (calendar) time, nights and weekends included, in days of
    24 hours: «сут.» in Russian (see the module docstring for which figures are elapsed).

    >>> elapsed(10080, "ru"), elapsed(10080, "en"), elapsed(45, "ru"), elapsed(-1500, "ru")
    ('7 сут.', '7 days', '45 мин', '-1 сут. 1 ч')
    """
    if math.isinf(minutes) or rounded_for_display(abs(minutes), 1) < _MINUTES_PER_HOUR:
        return duration(minutes, language, hours_per_day=HOURS_PER_CALENDAR_DAY)
    sign = "-" if minutes < 0 else ""
    return sign + _split(minutes, language, hours_per_day=HOURS_PER_CALENDAR_DAY,
                         calendar=True)


@dataclass(frozen=True)
class Duration:
    """A time inside a text made before its reader is known (a problem, a reason in a
    table cell): written by :func:`duration` in the reader's language when the text is
    said (:func:`abc_costing.i18n.translate` calls :meth:`in_language`); its ``str`` is
    the English form, so the English text of a message reads it so.

    Attributes:
      minutes: working minutes, exact.
      signed: write a ``+`` before a rise (a change in time).
      hours_per_day: the working day the time is said in (see :func:`duration`).
      elapsed: the minutes are elapsed (calendar) time, said by :func:`elapsed`.

    >>> from abc_costing.i18n import N_, translate
    >>> m = N_("{name} {time} ({amount})", name="Юрист", time=Duration(-83.3, signed=True),
    ...        amount="-2 258,95")
    >>> m, translate(m, "ru")
    ('Юрист -1 hr 23 min (-2 258,95)', 'Юрист -1 ч 23 мин (-2 258,95)')
    >>> str(Duration(24.75, signed=True)), str(Duration(0.01, signed=True))
    ('+24.8 min', '0 min')
    """

    minutes: float
    signed: bool = False
    hours_per_day: float = DEFAULT_HOURS_PER_DAY
    elapsed: bool = False

    def in_language(self, language: Language) -> str:
        """The time as a reader of ``language`` says it.

        >>> Duration(13327, hours_per_day=8).in_language("ru")
        '27 дн. 6 ч 7 мин'
        """
        text = (elapsed(self.minutes, language) if self.elapsed
                else duration(self.minutes, language, hours_per_day=self.hours_per_day))
        rises = self.minutes > 0 and not rounded_for_display(self.minutes, 1).is_zero()
        return f"+{text}" if self.signed and rises else text

    def __str__(self) -> str:
        return self.in_language("en")
