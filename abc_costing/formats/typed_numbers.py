"""Numbers as people type them: one documented rule, the same in every browser and file.

A number typed by a user (a rate in the Edit page, an amount in a CSV rates
table) is read by these rules, never by a browser's or a machine's locale:

- digits are ASCII ``0``–``9``; a sign may lead (``-``, ``−`` or ``+``);
- thousands may be grouped with spaces (ordinary, no-break or narrow
  no-break), in groups of three: ``1 500 000``;
- the decimal mark is a comma **or** a point, written once: ``1500,50`` and
  ``1500.50`` both mean 1500.5;
- anything that could be read two ways is refused instead of guessed:
  both marks in one number (``1.500,50``, ``1,500.50``), a mark used twice
  (``1.500.000``), or one mark followed by exactly three digits after a
  non-zero whole part (``1,500`` is 1.5 to a Russian reader and 1500 to an
  English one; write ``1500`` or ``1,5``);
- no exponents, ``inf`` or ``nan``; at most 40 characters.

Examples
--------
>>> parse_typed_number("1 500,50"), parse_typed_number("1500.50"), parse_typed_number("0,125")
(1500.5, 1500.5, 0.125)
>>> parse_typed_number("−20")
-20.0
>>> parse_typed_number("1,500")
Traceback (most recent call last):
...
ValueError: '1,500' is ambiguous: 1.5 or 1500? Write 1500 or 1,5 (spaces group thousands)
"""

from __future__ import annotations

import re

from abc_costing.i18n import N_
from abc_costing.numbers import Figure
from abc_costing.problems import quoted

__all__ = ["MAX_TYPED_LENGTH", "parse_typed_number"]

#: Longer texts are refused unread: no amount needs more.
MAX_TYPED_LENGTH = 40

_SPACES = "\u0020\u00a0\u202f\u2009"
_NO_SPACES = str.maketrans("", "", _SPACES)
_SIGNS = {"-": -1.0, "\u2212": -1.0, "+": 1.0}
_GROUPED = re.compile(r"[0-9]{1,3}(?:[" + _SPACES + r"][0-9]{3})+")
_PLAIN = re.compile(r"[0-9]+")
_FRACTION = re.compile(r"[0-9]+")
# The common, unambiguous forms in one match (a 100,000-line ledger reads each amount
# once): an optional minus, digits grouped by spaces or not, an optional fraction.
_USUAL = re.compile(r"(-?)([0-9]{1,3}(?:[" + _SPACES + r"][0-9]{3})+|[0-9]+)(?:([,.])([0-9]+))?")


def parse_typed_number(text: str) -> float:
    """Read ``text`` by the rules of the module docstring; raise ValueError saying why not.

    >>> parse_typed_number("12")
    12.0
    >>> parse_typed_number("1.500,50")
    Traceback (most recent call last):
    ...
    ValueError: '1.500,50' mixes ',' and '.': write 1 500,50 or 1500.50
    """
    raw = str(text)
    usual = _USUAL.fullmatch(raw) if len(raw) <= MAX_TYPED_LENGTH else None
    if usual is not None:
        minus, whole, mark, fraction = usual.groups()
        # "1,500" (three digits after a mark, a short non-zero whole part) is ambiguous:
        # the full rules below refuse it with the reason.
        if not (fraction is not None and len(fraction) == 3 and len(whole) <= 3
                and int(whole) != 0):
            digits = whole.translate(_NO_SPACES)
            number = float(f"{digits}.{fraction}" if mark else digits)
            return -number if minus else number
    shown = quoted(raw, limit=MAX_TYPED_LENGTH)
    if len(raw) > MAX_TYPED_LENGTH:
        raise ValueError(N_("{value} is too long for a number (at most {limit} characters)",
                            value=shown, limit=MAX_TYPED_LENGTH))
    body = raw.strip(_SPACES + "\t")
    if not body:
        raise ValueError(N_("is empty; write a number such as 1500,50"))
    sign = 1.0
    if body[0] in _SIGNS:
        sign, body = _SIGNS[body[0]], body[1:].lstrip(_SPACES)
    marks = [mark for mark in ",." if mark in body]
    if len(marks) == 2:
        raise ValueError(N_("{value} mixes ',' and '.': write 1 500,50 or 1500.50", value=shown))
    whole, fraction = body, None
    if marks:
        mark = marks[0]
        if body.count(mark) > 1:
            raise ValueError(N_("{value} uses {mark} more than once: group thousands with "
                                "spaces (1 500 000) and write one decimal mark", value=shown,
                                mark=repr(mark)))
        whole, fraction = body.split(mark)
        if not _FRACTION.fullmatch(fraction):
            raise ValueError(N_("{value} is not a number: digits must follow {mark}",
                                value=shown, mark=repr(mark)))
        grouped = any(space in whole for space in _SPACES)
        if (len(fraction) == 3 and not grouped and _PLAIN.fullmatch(whole)
                and len(whole) <= 3 and int(whole) != 0):
            short = f"{float(f'{whole}.{fraction}'):g}".replace(".", mark)
            raise ValueError(N_("{value} is ambiguous: {small} or {large}? Write {large} or "
                                "{short} (spaces group thousands)", value=shown,
                                small=Figure.as_written(float(f"{whole}.{fraction}")),
                                large=f"{whole}{fraction}", short=short))
    if whole == "" and fraction is not None:
        whole = "0"  # ",5" is 0,5
    if not (_PLAIN.fullmatch(whole) or _GROUPED.fullmatch(whole)):
        raise ValueError(N_("{value} is not a number: use digits, one ',' or '.' for "
                            "decimals and spaces between thousands (1 500,50)", value=shown))
    digits = "".join(ch for ch in whole if ch not in _SPACES)
    return sign * float(f"{digits}.{fraction}" if fraction is not None else digits)
