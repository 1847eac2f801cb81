"""Numbers typed by users: one rule, whatever the browser's or the machine's language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abc_costing.formats.typed_numbers import parse_typed_number


@pytest.mark.parametrize(("typed", "meant"), [
    ("1 500,50", 1500.5),          # Russian: space groups thousands, comma is the decimal mark
    ("1500.50", 1500.5),           # the same amount with a point
    ("1500,50", 1500.5),
    ("1\u00a0500,5", 1500.5),      # no-break space, as Excel and browsers copy it
    ("1\u202f500,5", 1500.5),      # narrow no-break space (Russian typography)
    ("1 500 000", 1_500_000.0),
    ("0,125", 0.125),              # a leading 0 cannot be a thousands group
    ("0.3", 0.3),
    ("1234,567", 1234.567),        # four digits before the mark: not a thousands group
    ("1,5000", 1.5),
    (",5", 0.5),
    ("  42 ", 42.0),
    ("−20", -20.0),                # the minus sign U+2212 is a minus, never dropped
    ("-1400", -1400.0),
])
def test_typed_amounts_mean_one_thing(typed, meant):
    assert parse_typed_number(typed) == meant


@pytest.mark.parametrize(("typed", "words"), [
    ("1.500,50", "mixes ',' and '.'"),          # German 1500.5 or nonsense: refused
    ("1,500.50", "mixes ',' and '.'"),          # English grouping: refused, not guessed
    ("1,500", "is ambiguous: 1.5 or 1500?"),    # 1.5 to a Russian, 1500 to an English reader
    ("12.345", "is ambiguous: 12.345 or 12345?"),
    ("1.500.000", "uses '.' more than once"),
    ("15 00", "is not a number"),               # groups of three only
    ("1e3", "is not a number"),
    ("inf", "is not a number"),
    ("nan", "is not a number"),
    ("١٢", "is not a number"),                  # only ASCII digits
    ("", "is empty"),
    ("9" * 41, "too long"),
])
def test_what_could_be_read_two_ways_is_refused(typed, words):
    with pytest.raises(ValueError) as caught:
        parse_typed_number(typed)
    assert words in str(caught.value)


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False,
                   allow_infinity=False))
def test_an_amount_written_the_russian_way_reads_back_exactly(amount):
    # "1 234 567,89": groups of three separated by spaces, comma decimals
    whole, _, fraction = f"{amount:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", " ")
    assert parse_typed_number(f"{grouped},{fraction}") == float(f"{whole}.{fraction}")
    assert parse_typed_number(f"{whole}.{fraction}") == float(f"{whole}.{fraction}")
