"""Handing out unique element ids when a model is built from another source (BPMN, a log).

>>> ids = UniqueIds()
>>> ids.new("review"), ids.new("review"), ids.new("review")
('review', 'review_2', 'review_3')
"""

from __future__ import annotations

__all__ = ["UniqueIds"]


class UniqueIds:
    """Unique ids in one namespace: ``wanted``, then ``wanted_2``, ``wanted_3``…"""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, wanted: str) -> str:
        """``wanted`` if it is free, else the first free ``wanted_N`` (N from 2)."""
        candidate, n = wanted, 2
        while candidate in self.taken:
            candidate, n = f"{wanted}_{n}", n + 1
        self.taken.add(candidate)
        return candidate
