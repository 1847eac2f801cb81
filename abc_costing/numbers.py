"""Numbers and money as a reader of each language reads them: one formatter for every output.

The terminal, the PDF, the dashboard's tables and metrics, the charts' axes and
tooltips and the workbook's number formats all take their figures from here,
so a page never shows ``9 436 887.33`` next to ``1,177,600.00`` and ``1200``.

Russian (``ru``) follows the Russian typographic and accounting convention, as
the CLDR data of Babel (:mod:`babel.numbers`) gives it, with one adjustment:

- thousands are grouped by a *narrow* no-break space (U+202F, ``10 368,69``;
  CLDR says U+00A0), as issue 14 asks and as Russian typesetting prefers;
- the decimal mark is a comma;
- the currency follows the amount after a no-break space (U+00A0): the sign
  ``₽`` for roubles, the ISO code for any other currency (``10 368,69 USD``),
  since ``$`` alone does not say whose dollar;
- a percentage has a no-break space before ``%`` (``25,0 %``), as CLDR's ``ru``.

English (``en``) follows Babel's ``en`` (CLDR) form, as issue 14 asks: thousands
grouped by a comma, a decimal point (``1,200``, ``12,442,423.28``, ``53.1%``), and the
currency's ISO code *before* the amount, the way Babel's
``format_currency(..., locale="en")`` writes a currency it has no sign for
(``RUB10,368.69``), with one adjustment: a no-break space between the code and
the figure (``RUB 10,368.69``), CLDR's own ``currencySpacing`` (Babel does not apply
it), so the code is never broken off at a line end. A minus leads, as in Babel and in
Excel: ``-RUB 2,559.93``. Every currency is written by its ISO code, USD and EUR
too (``USD 10,368.69``, never ``$10,368.69``): an auditor must know whose dollar
(US, Canadian, Australian, ...), and a report that mixes currencies must not show
one of them by sign and another by code.

A text made before its reader is known (a problem, the reason in a ranking's cell:
English now, Russian later) cannot take either form when it is made; it holds its
figures as :class:`Figure` values, which :func:`abc_costing.i18n.translate` writes in
the reader's form when it says the text (``2,559.93`` to an English reader,
``2 559,93`` to a Russian one).

Rounding is the accountants' (half away from zero, as Excel's ``ROUND``) in
:func:`rounded_for_display`, to the currency's minor unit
(:func:`currency_digits`: 2 for RUB, USD, EUR, KZT; 0 for JPY). Figures stay exact
in every result; only the text shown is rounded.

Examples
--------
>>> money(10368.691, "RUB", "ru") == "10\\u202f368,69\\u00a0₽"
True
>>> money(10368.691, "RUB", "en") == "RUB\\u00a010,368.69"
True
>>> money(1234567.5, "JPY", "ru") == "1\\u202f234\\u202f568\\u00a0JPY"
True
>>> percent(0.25, "ru") == "25,0\\u00a0%", percent(0.25, "en")
(True, '25.0%')
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal
from functools import cache

from abc_costing.i18n import Language

__all__ = ["COMMON_CURRENCY_DIGITS", "UNKNOWN_CURRENCY_DIGITS", "Figure", "amount",
           "currency_digits", "currency_leads", "currency_sign", "excel_money_format",
           "money", "number", "number_column", "percent", "percent_column",
           "plotly_separators", "rounded_for_display", "signed_amount", "with_currency"]

#: Digits of an amount whose currency is not known (a table mixing none): Babel's own
#: default for a code it does not list.
UNKNOWN_CURRENCY_DIGITS = 2
#: The minor-unit digits of the currencies met in most files, as Babel (CLDR) gives them
#: (tests/test_records_imports.py checks each): known without importing Babel, 0.03-0.04 s
#: of CPU that `validate` and a rouble model's `cost` would spend for these alone.
COMMON_CURRENCY_DIGITS = {"RUB": 2, "USD": 2, "EUR": 2, "CNY": 2, "KZT": 2, "BYN": 2,
                          "GBP": 2}

NARROW_NBSP = "\u202f"  # Russian thousands: a figure never breaks, and stays compact
NBSP = "\u00a0"         # between a figure and its currency or per cent sign

#: (decimal mark, thousands separator) of each language.
_MARKS: dict[Language, tuple[str, str]] = {"en": (".", ","), "ru": (",", NARROW_NBSP)}
#: ``str.translate`` tables from en's marks to each language's.
_MARK_TABLES = {language: str.maketrans(",.", group + point)
                for language, (point, group) in _MARKS.items()}
#: The signs a Russian reader knows without a code; any other currency shows its ISO code.
_RUSSIAN_SIGNS = {"RUB": "₽"}


@cache  # Babel looks the currency up in its CLDR tables: once per currency, not per cell
def currency_digits(currency: str | None) -> int:
    """Digits after the decimal mark of ``currency``'s minor unit (RUB 2, JPY 0).

    >>> currency_digits("RUB"), currency_digits("JPY"), currency_digits(None)
    (2, 0, 2)
    """
    if currency is None:
        return UNKNOWN_CURRENCY_DIGITS
    if currency in COMMON_CURRENCY_DIGITS:
        return COMMON_CURRENCY_DIGITS[currency]
    # Babel loaded on the first currency, not with every command (--help writes none)
    from babel.numbers import get_currency_precision

    return int(get_currency_precision(currency))


def rounded_for_display(value: float, digits: int) -> Decimal:
    """``value`` rounded to ``digits`` decimals the accountants' way: half away from zero.

    This is what Excel's and LibreOffice's ``ROUND`` do, so a figure reads the
    same in the workbook as in the terminal, the PDF, the CSV and the
    dashboard. Like them it rounds the number as written with 15 significant
    digits, not its binary approximation: 2.675 is stored as 2.67499999…,
    yet every spreadsheet (and an accountant) rounds it to 2.68. Python's
    ``round`` and ``format`` round half to even on the binary value instead
    (100.125 → 100.12, 2.675 → 2.67), which is why they are never used for
    display. Only text shown to people is rounded; every figure stays exact
    in the results.

    >>> rounded_for_display(100.125, 2), round(100.125, 2)
    (Decimal('100.13'), 100.12)
    >>> rounded_for_display(2.675, 2), rounded_for_display(-100.125, 2)
    (Decimal('2.68'), Decimal('-100.13'))
    >>> rounded_for_display(0.5, 0), rounded_for_display(-0.001, 2)
    (Decimal('1'), Decimal('0.00'))
    >>> rounded_for_display(1.7e29, 2)
    Decimal('170000000000000000000000000000.00')
    """
    written = Decimal(format(value, ".15g"))
    rounded = written.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP,
                               context=_EVERY_DIGIT)
    return rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00"


#: Room for every digit of the largest float (1.8e308) and its decimals: the default
#: context's 28 digits refused to show a cost per year above 1e26 (a valid model's
#: volume × rate × minutes) and ended the command in a traceback.
_EVERY_DIGIT = Context(prec=400)


def number(value: float, digits: int, language: Language = "en") -> str:
    """``value`` with ``digits`` decimals, rounded half away from zero, thousands grouped.

    Babel writes the figure in the language's pattern (already rounded here, so its
    own half-even rounding never applies); the separators are then the ones above.

    >>> number(1234567.125, 2), number(29.25, 1), number(-0.04, 1), number(1200, 0)
    ('1,234,567.13', '29.3', '0.0', '1,200')
    >>> number(1234567.125, 2, "ru") == "1\\u202f234\\u202f567,13"
    True
    >>> number(-1200, 0, "ru") == "-1\\u202f200"
    True
    """
    # Babel's "#,##0.00" pattern in "en" (what this wrote before, 0.25 ms a figure) is
    # Python's own ",.2f" of the already rounded Decimal: the same digits and grouping,
    # 40 times faster; a 10 000-activity table has 40 000 figures.
    text = format(rounded_for_display(value, digits), f",.{digits}f")
    # en's "," and "." are placeholders here: swapped for the language's marks in one pass
    return text.translate(_MARK_TABLES[language])


#: Where :func:`number_column` writes a figure straight from its float: while
#: ``|value| * 10**digits`` stays under this, the figure as written with 15 significant
#: digits lies within 5e-4 of the value in units of the last decimal shown (and the float
#: product within 1.2e-4 of the exact one), so a figure more than :data:`_TIE_MARGIN`
#: from a half rounds the same way from either: the float's own correctly rounded
#: ``format`` is then :func:`rounded_for_display`'s text.
_STRAIGHT_BELOW = 1e12
_TIE_MARGIN = 1e-3
#: From how many values numpy (when loaded) looks at a column, rather than a loop.
_VECTOR_FROM = 64


def number_column(values: Sequence[float], digits: int, language: Language = "en") -> list[str]:
    """:func:`number` of each of ``values`` (finite floats), the same text, written at once.

    A table's column has one rule for all its cells (digits, marks), so the rule is read
    once; a figure far from a half (almost every one) is written by Python's ``format``
    of the float itself, 8 times faster than the exact decimal rounding, which still
    writes every figure within a hair of a half, and every huge one.

    >>> number_column([1234567.125, -0.001, 2.675, 1e15 + 0.5], 2)  # 15 digits, as number
    ['1,234,567.13', '0.00', '2.68', '1,000,000,000,000,000.00']
    >>> number_column([1200.0, -7.25], 1, "ru") == ["1\u202f200,0", "-7,3"]
    True
    """
    pattern = f",.{digits}f"
    texts = [format(value, pattern) for value in values]
    exact, zero = _not_straight(values, 10.0 ** digits)
    for i in exact:
        texts[i] = format(rounded_for_display(values[i], digits), pattern)
    for i in zero:  # a minus before a figure that rounds to nothing: "0.00", not "-0.00"
        texts[i] = texts[i].removeprefix("-")
    if language == "en":  # en's marks are the placeholders themselves
        return texts
    # one translate of the whole column (no figure holds a line break) instead of one a cell
    return "\n".join(texts).translate(_MARK_TABLES[language]).split("\n") if texts else []


def _not_straight(values: Sequence[float], scale: float) -> tuple[list[int], list[int]]:
    """Which of ``values`` (shown to ``1 / scale``) Python's ``format`` of the float does
    not write as :func:`number` does: (those to round exactly, those it writes "-0.00").

    With numpy already loaded (every costing command loads it), one look at the whole
    column; else (loading numpy for a table would cost more than it saves) a loop.
    """
    numpy = sys.modules.get("numpy")
    if numpy is None or len(values) < _VECTOR_FROM:
        exact, zero = [], []
        for i, value in enumerate(values):
            shifted = abs(value) * scale
            if not (shifted < _STRAIGHT_BELOW and abs(shifted % 1.0 - 0.5) > _TIE_MARGIN):
                exact.append(i)
            elif shifted < 0.5 and math.copysign(1.0, value) < 0:
                zero.append(i)
        return exact, zero
    column = numpy.asarray(values, dtype=numpy.float64)
    shifted = numpy.abs(column) * scale
    straight = (shifted < _STRAIGHT_BELOW) & (numpy.abs(shifted % 1.0 - 0.5) > _TIE_MARGIN)
    return (numpy.flatnonzero(~straight).tolist(),
            numpy.flatnonzero(straight & (shifted < 0.5) & numpy.signbit(column)).tolist())


def percent_column(shares: Sequence[float], language: Language = "en",
                   digits: int = 1) -> list[str]:
    """:func:`percent` of each of ``shares`` (finite floats), written at once.

    >>> percent_column([0.25, 0.00125], digits=2)
    ['25.00%', '0.13%']
    """
    sign = _percent_sign(language)
    return [figure + sign for figure in number_column([s * 100 for s in shares], digits,
                                                      language)]


@dataclass(frozen=True)
class Figure:
    """A number inside a text made before its reader is known (a problem, a reason in a
    table cell): the text is English now and said again in Russian later, so the figure
    keeps its value and is written in the reader's form only when the text is said.

    :func:`abc_costing.i18n.translate` calls :meth:`in_language` for each value of a
    message that has one; ``str`` (and so the English text of the message) is the
    English form. A frozen dataclass: messages holding figures pickle and compare.

    Attributes:
      value: the number, exact.
      digits: decimals shown (rounded half away from zero, as Excel's ``ROUND``), or
        ``None`` for the figure as written (:meth:`as_written`).
      signed: write a ``+`` before a rise (a change); ``0.00`` for none.
      currency: ISO code written beside the figure as :func:`money` writes it; ``None``
        for a figure whose currency the text (or its table's header) already names.

    >>> from abc_costing.i18n import N_, translate
    >>> m = N_("{name} ({amount})", name="Check", amount=Figure(-2559.925, 2))
    >>> m, translate(m, "ru") == "Check (-2\\u202f559,93)"
    ('Check (-2,559.93)', True)
    >>> Figure(-1319.22, 2, signed=True).in_language("ru") == "-1\\u202f319,22"
    True
    >>> str(Figure(150, 2, signed=True)), str(Figure(0.004, 2, signed=True))
    ('+150.00', '0.00')
    >>> Figure(10368.691, 2, currency="RUB").in_language("ru") == "10\u202f368,69\u00a0₽"
    True
    """

    value: float
    digits: int | None
    signed: bool = False
    currency: str | None = None

    @classmethod
    def money(cls, value: float, currency: str, *, signed: bool = False,
              named: bool = True) -> Figure:
        """An amount of ``currency`` to its minor unit; with the currency written unless
        ``named`` is false (a column whose header names it).

        >>> str(Figure.money(1234.5, "JPY")).replace("\u00a0", " ")
        'JPY 1,235'
        >>> str(Figure.money(-0.5, "RUB", signed=True, named=False))
        '-0.50'
        """
        return cls(value, currency_digits(currency), signed=signed,
                   currency=currency if named else None)

    @classmethod
    def as_written(cls, value: float) -> Figure:
        """``value`` as ``{:g}`` writes it (six significant digits, no grouping, an
        exponent for a huge or tiny one), with the reader's decimal mark: a figure the
        user wrote or a bound (a stated capacity, a calendar's hours, a limit).

        >>> [str(Figure.as_written(v)) for v in (8.0, 30.4, 1200, 1 / 3, 1e12)]
        ['8', '30.4', '1200', '0.333333', '1e+12']
        >>> Figure.as_written(7.5).in_language("ru"), Figure.as_written(2.5e-7).in_language("ru")
        ('7,5', '2,5e-07')
        """
        return cls(value, None)

    def in_language(self, language: Language) -> str:
        """The figure as a reader of ``language`` reads it.

        >>> Figure(75774.314, 2).in_language("en"), Figure(29.25, 1).in_language("ru")
        ('75,774.31', '29,3')
        """
        if self.digits is None:
            text = format(self.value, "+g" if self.signed else "g")
            text = text.replace(".", _MARKS[language][0])
        else:
            text = number(self.value, self.digits, language)
            if self.signed:
                text = _with_sign(text, self.value, self.digits)
        return text if self.currency is None else with_currency(text, self.currency, language)

    def __str__(self) -> str:
        return self.in_language("en")


def _with_sign(text: str, value: float, digits: int) -> str:
    """``text`` (``value`` written to ``digits``) with a plus before a rise: a change."""
    if text.startswith("-") or rounded_for_display(value, digits).is_zero():
        return text
    return f"+{text}"


def amount(value: float, currency: str | None, language: Language = "en") -> str:
    """Money without its currency (a table cell under a header that names it): the
    currency's minor unit, half away from zero.

    >>> amount(1234567.891, "RUB"), amount(1234567.891, "JPY"), amount(-0.001, "RUB")
    ('1,234,567.89', '1,234,568', '0.00')
    >>> amount(100.125, "RUB")  # half a kopeck: as Excel's ROUND, not 100.12
    '100.13'
    >>> amount(10368.691, "RUB", "ru") == "10\\u202f368,69"
    True
    """
    return number(value, currency_digits(currency), language)


def currency_sign(currency: str, language: Language = "en") -> str:
    """How ``currency`` is written beside an amount: ``₽`` for roubles in Russian, the ISO
    code otherwise (in English always the code: whose dollar, see the module's notes).

    >>> currency_sign("RUB", "ru"), currency_sign("USD", "ru"), currency_sign("RUB", "en")
    ('₽', 'USD', 'RUB')
    """
    if language == "ru":
        return _RUSSIAN_SIGNS.get(currency, currency)
    return currency


def money(value: float, currency: str, language: Language = "en") -> str:
    """Money with its currency: ``10 368,69 ₽`` in Russian, ``RUB 10,368.69`` in English
    (a no-break space after the code, or before the Russian sign).

    >>> money(10368.691, "USD", "ru") == "10\\u202f368,69\\u00a0USD"
    True
    >>> money(-2559.925, "EUR", "ru") == "-2\\u202f559,93\\u00a0EUR"
    True
    >>> [m.replace("\\u00a0", " ") for m in (money(1500000, "KZT"), money(1234.5, "JPY"),
    ...                                     money(-2559.925, "USD"))]
    ['KZT 1,500,000.00', 'JPY 1,235', '-USD 2,559.93']
    """
    return with_currency(amount(value, currency, language), currency, language)


def currency_leads(language: Language = "en") -> bool:
    """Whether ``language`` writes the currency before the amount (``RUB 10,368.69``) rather
    than after it (``10 368,69 ₽``): a range of two amounts names it once, on that side.

    >>> currency_leads("en"), currency_leads("ru")
    (True, False)
    """
    return language == "en"


def with_currency(figure: str, currency: str, language: Language = "en") -> str:
    """``figure`` (already written) with ``currency`` where :func:`money` puts it: for a
    figure written elsewhere, as a chart's ``%{value:,.2f}`` that plotly fills in.

    >>> with_currency("%{value:,.2f}", "RUB", "ru") == "%{value:,.2f}\\u00a0₽"
    True
    >>> [with_currency(f, "USD").replace("\\u00a0", " ") for f in ("-1,319.22", "+150.00")]
    ['-USD 1,319.22', '+USD 150.00']
    """
    sign = currency_sign(currency, language)
    if not currency_leads(language):
        return f"{figure}{NBSP}{sign}"
    # the sign leads the code, as Babel's en and Excel's "[$RUB] #,##0.00" put a minus
    sign_of_change, digits = ((figure[0], figure[1:]) if figure.startswith(("-", "+"))
                              else ("", figure))
    return f"{sign_of_change}{sign}{NBSP}{digits}"


def signed_amount(value: float, currency: str | None, language: Language = "en") -> str:
    """Money without its currency with the sign always written, for changes: ``+150.00``,
    ``-1,319.22``, ``0.00`` for a change that rounds to nothing.

    >>> signed_amount(150, "RUB"), signed_amount(-0.001, "RUB"), signed_amount(-1319.22, "RUB")
    ('+150.00', '0.00', '-1,319.22')
    >>> signed_amount(150, "RUB", "ru")
    '+150,00'
    """
    return _with_sign(amount(value, currency, language), value, currency_digits(currency))


def percent(share: float, language: Language = "en", digits: int = 1) -> str:
    """A fraction as a percentage with ``digits`` decimals, rounded half away from zero.

    >>> percent(0.25), percent(0.00125, digits=2), percent(0.3333, digits=0)
    ('25.0%', '0.13%', '33%')
    >>> percent(0.125, "ru") == "12,5\\u00a0%"
    True
    """
    return number(share * 100, digits, language) + _percent_sign(language)


def _percent_sign(language: Language) -> str:
    """What follows a percentage: Russian keeps it apart by a no-break space."""
    return f"{NBSP}%" if language == "ru" else "%"


def plotly_separators(language: Language = "en") -> str:
    """Plotly's ``layout.separators`` (decimal mark, then thousands) for ``language``: axis
    ticks and tooltips read as :func:`number` writes.

    >>> plotly_separators("en"), plotly_separators("ru") == ",\\u202f"
    ('.,', True)
    """
    point, group = _MARKS[language]
    return point + group


def excel_money_format(currency: str | None, language: Language = "en") -> str:
    """An Excel number format for money in ``currency``: the currency's digits and its sign,
    where the language puts it (``10 368,69 ₽`` in Russian, ``RUB 10,368.69`` in English).

    The cell stays a number; Excel draws the thousands and decimal marks by the
    reader's own settings (``#,##0.00`` is the format code's notation, not the
    display), so only the digits and the sign are the writer's choice. The English
    code before the figure is a currency tag, ``[$RUB]``, which Excel and LibreOffice
    both read as literal text and which keeps the minus before it (``-RUB 1,319.22``),
    as :func:`money` writes it. Without a currency (a column mixing several), digits
    only.

    >>> excel_money_format("RUB", "ru"), excel_money_format("RUB", "en")
    ('#,##0.00\\\\ "₽"', '[$RUB] #,##0.00')
    >>> excel_money_format("JPY", "ru"), excel_money_format("JPY"), excel_money_format(None)
    ('#,##0\\\\ "JPY"', '[$JPY] #,##0', '#,##0.00')
    """
    digits = currency_digits(currency)
    body = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if currency is None:
        return body
    if language == "ru":
        return f'{body}\\ "{currency_sign(currency, language)}"'
    return f"[${currency_sign(currency, language)}] {body}"
