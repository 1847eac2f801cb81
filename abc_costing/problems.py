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

from dataclasses import dataclass, replace
from typing import Literal

__all__ = ["AbcCostingError", "Problem", "ModelError", "has_errors"]

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
        where = self.file or ""
        if self.line is not None:
            where = f"{where}:{self.line}" if where else f"line {self.line}"
        parts = [where] if where else []
        if self.element:
            parts.append(self.element)
        if self.severity == "warning":
            parts.append("warning")
        parts.append(self.message)
        return ": ".join(parts)

    def located(self, *, file: str | None = None, line: int | None = None) -> Problem:
        """Return a copy with the file and/or line filled in (existing values win)."""
        return replace(self, file=self.file or file, line=self.line or line)


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
