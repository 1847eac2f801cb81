"""Problems found in a user's data, and the exception that carries them.

A problem is a record, not a printed line: every stage (reading, validation,
comparison) returns the problems it found, and the caller shows them together.

Examples
--------
>>> p = Problem("sum of probabilities is 0.9, not 1", element="approved",
...             file="as_is.yaml", line=12)
>>> str(p)
'as_is.yaml:12: approved: sum of probabilities is 0.9, not 1'
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.numbers import Figure, number

__all__ = ["AbcCostingError", "Count", "Problem", "ModelError", "QUOTED_CHARS", "cut",
           "grouped_money", "has_errors", "listed", "quoted"]

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in a model file.

    Attributes:
      message: what is wrong, in words a user can act on.
      element: the id of the element concerned (activity, resource, gateway,
        event, ``flows[3]``), or a top-level field name; ``None`` for the file.
      file: the file it was found in, when known.
      line: 1-based line in that file, when known.
      severity: ``"error"`` makes the model unusable; ``"warning"`` does not.
      path: where in the document the problem sits (keys and list indexes);
        used to find ``line`` after the fact.
    """

    message: str
    element: str | None = None
    file: str | None = None
    line: int | None = None
    severity: Severity = "error"
    path: tuple[str | int, ...] = ()

    def __str__(self) -> str:
        return self.text("en")

    def text(self, language: Language) -> str:
        """The problem as one line in ``language``: file, line, element, message.

        >>> Problem("no exit", element="rework", line=4, severity="warning").text("ru")
        'строка 4: rework: предупреждение: no exit'
        """
        _ = translator(language)
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else _("line {line}", line=self.line)
        parts = [where] if where else []
        if self.element:
            parts.append(self.element)
        if self.severity == "warning":
            parts.append(_("warning"))
        parts.append(translate(self.message, language))
        return ": ".join(parts)

    def located(self, *, file: str | None = None, line: int | None = None) -> Problem:
        """Return a copy with the file and/or line filled in (existing values win)."""
        # The constructor, not dataclasses.replace: five times faster, and a file
        # with 50,000 warnings locates each of them.
        return Problem(self.message, self.element, self.file or file, self.line or line,
                       self.severity, self.path)


#: Characters of a user's text quoted in a message; the rest is cut (see :func:`quoted`).
QUOTED_CHARS = 60


def cut(text: str, limit: int = QUOTED_CHARS) -> str:
    """``text`` as a message shows it: cut after ``limit`` characters, with "…".

    For an element id or a name that a problem names (as its element, or inside
    a sentence that already says what it is), where :func:`quoted` would add
    quotes and a length.

    >>> cut("согласование"), cut("Ж" * 100, 5)
    ('согласование', 'ЖЖЖЖЖ…')
    """
    return text if len(text) <= limit else text[:limit] + "…"


class Count(int):
    """A count a message shows with its thousands grouped, in the reader's way.

    The English texts write ``{count:,}`` (``50,000``); the Russian ones ``{count:_}``,
    which a ``Count`` shows as :func:`abc_costing.numbers.number` writes Russian figures,
    grouped by narrow no-break spaces (``50 000``: a comma is the decimal mark in
    Russian, and a number never wraps).

    >>> f"{Count(50_000):,} | {Count(50_000):_} | {Count(7)}"
    '50,000 | 50\u202f000 | 7'
    """

    def __format__(self, spec: str) -> str:
        if spec == "_":
            return number(int(self), 0, "ru")
        return format(int(self), spec)

    def __reduce__(self) -> tuple[object, ...]:  # a plain int's would make it an int again
        return (Count, (int(self),))


def listed(names: Iterable[str], *, limit: int = 8) -> str:
    """The first ``limit`` names joined by commas, then how many in all: a message
    about a model with 50,000 resources must not list them all.

    >>> listed(["a", "b"]), listed(f"r{i}" for i in range(50_000))
    ('a, b', 'r0, r1, r2, r3, r4, r5, r6, r7, … (50,000 in all)')
    """
    shown, count = [], 0
    for count, name in enumerate(names, 1):
        if count <= limit:
            shown.append(name)
    if count <= limit:
        return ", ".join(shown)
    return N_("{names}, … ({count:,} in all)", names=", ".join(shown), count=Count(count))


def grouped_money(amount: float) -> Figure:
    """Money for a message whose currency is not known or is named apart: two decimals,
    said in the reader's form when the message is (a message is made before its reader
    is known: :class:`abc_costing.numbers.Figure`).

    >>> str(grouped_money(75774.314)), str(grouped_money(100.125))  # half away from zero
    ('75,774.31', '100.13')
    >>> grouped_money(75774.314).in_language("ru") == "75\u202f774,31"
    True
    """
    return Figure(amount, 2)


def quoted(value: object, *, limit: int = QUOTED_CHARS) -> str:
    """``repr(value)`` for a message, cut short, in time bounded by ``limit``.

    A message names what the user wrote, but never repeats a huge input whole:
    a text longer than ``limit`` characters is cut and its length said, an
    integer too long to print is described by its digits, and only the first
    items of a list or mapping are shown. Work does not grow with the input.

    >>> quoted("Ж" * 10_000_000)
    "'ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ…' (10,000,000 characters)"
    >>> quoted(10**5000), quoted(10**5000 - 1), quoted(1e308)
    ('an integer of 5,001 digits', 'an integer of 5,000 digits', '1e+308')
    >>> quoted(["a", {"b": 1}, *range(8)])
    "['a', {'b': 1}, 0, 1, 2, 3, …] (10 items)"
    """
    return _quoted(value, limit, depth=0)


_ITEMS = 6  # items of a list or mapping shown


def _quoted(value: object, limit: int, *, depth: int) -> str:
    if isinstance(value, str):
        if len(value) <= limit:
            return repr(value)
        shown = repr(value[:limit])
        return N_("{text} ({count:,} characters)", text=f"{shown[:-1]}…{shown[-1]}",
                  count=Count(len(value)))
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        if value.bit_length() <= 64:
            return repr(value)
        # Its digits counted without str(), which is quadratic and refused past 4,300
        # digits: from its bits, then one power of ten to settle the last one.
        digits = int(value.bit_length() * math.log10(2)) + 1
        if value.bit_length() > 400_000:  # past 120,000 digits the power costs too
            return N_("an integer of about {count:,} digits", count=Count(digits))
        return N_("an integer of {count:,} digits",
                  count=Count(digits - (abs(value) < 10 ** (digits - 1))))
    items: list[str]
    if isinstance(value, dict):
        pairs = list(zip(range(_ITEMS), value.items(), strict=False))
        items = [f"{_quoted(k, limit, depth=depth + 1)}: {_quoted(v, limit, depth=depth + 1)}"
                 for _, (k, v) in pairs] if depth < 2 else []
        opening, closing = "{", "}"
    elif isinstance(value, list | tuple | set | frozenset):
        firsts = [v for _, v in zip(range(_ITEMS), value, strict=False)]
        items = [_quoted(v, limit, depth=depth + 1) for v in firsts] if depth < 2 else []
        opening, closing = ("[", "]") if isinstance(value, list) else \
            ("(", ")") if isinstance(value, tuple) else ("{", "}")
    else:
        return N_("a {type}", type=type(value).__name__)
    count = len(value)
    if len(items) == count:
        return opening + ", ".join(items) + closing
    return N_("{items} ({count:,} items)", items=opening + ", ".join([*items, "…"]) + closing,
              count=Count(count))


def has_errors(problems: list[Problem]) -> bool:
    """True when any problem is an error (warnings alone leave a model usable).

    >>> has_errors([Problem("unused resource", severity="warning")])
    False
    """
    return any(p.severity == "error" for p in problems)


class AbcCostingError(Exception):
    """The base of every error abc-costing raises on purpose.

    A caller that wants to tell a user's mistake (a bad file, a refused save,
    a report that does not match) from a programming error catches this one
    class; every subclass carries a message that names what is wrong.

    >>> issubclass(ModelError, AbcCostingError)
    True
    """


class ModelError(AbcCostingError):
    """A model could not be used; ``problems`` lists every reason found.

    >>> err = ModelError([Problem("unknown format", file="m.yaml")])
    >>> str(err)
    'm.yaml: unknown format'
    """

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
