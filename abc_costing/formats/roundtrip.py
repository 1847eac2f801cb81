"""Editing a model file in place, keeping the author's comments, order and layout.

Analysts edit model files by hand and through the dashboard; a save must
change the values that were edited and nothing else. :class:`EditableModel`
holds the round-trip document (ruamel.yaml) and applies edits addressed by
key path; :meth:`EditableModel.to_text` gives the new text, which the caller
validates and stores (:mod:`abc_costing.store`).

Examples
--------
>>> text = '''format: abc-costing/1
... resources:
...   clerk: {kind: labor, rate_per_hour: 600}   # оклад 80 000 ₽
... '''
>>> doc = EditableModel.from_text(text)
>>> doc.get(("resources", "clerk", "rate_per_hour"))
600
>>> doc.set(("resources", "clerk", "rate_per_hour"), 650)
>>> print(doc.to_text(), end="")
format: abc-costing/1
resources:
  clerk: {kind: labor, rate_per_hour: 650}   # оклад 80 000 ₽
"""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

__all__ = ["EditableModel", "EntryComments", "KeyPath", "entry_comments"]

KeyPath = Sequence[str | int]


def _yaml_for(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a long line the author wrote
    # Keep the author's list style: "  - [a, b]" under "flows:" or "- [a, b]".
    indented = re.search(r"^( +)- ", text, flags=re.MULTILINE)
    if indented:
        offset = len(indented.group(1))
        yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    else:
        yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def _compact(value: Any) -> Any:
    """New containers are written in flow style, like the shipped models."""
    if isinstance(value, dict):
        mapping = CommentedMap((k, _compact(v)) for k, v in value.items())
        mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        sequence = CommentedSeq(_compact(v) for v in value)
        sequence.fa.set_flow_style()
        return sequence
    return value


class EditableModel:
    """A model file's round-trip document with edits by key path.

    Paths are tuples of mapping keys and list indexes, as in
    ``("activities", "draft", "labor", "manager")`` or ``("flows", 4, 2)``.
    """

    def __init__(self, document: Any, yaml: YAML, original_text: str):
        self._document = document
        self._yaml = yaml
        self._original_text = original_text

    @classmethod
    def from_text(cls, text: str) -> EditableModel:
        """Parse ``text`` (it should already have been validated by the reader)."""
        yaml = _yaml_for(text)
        return cls(yaml.load(text), yaml, text)

    def get(self, path: KeyPath) -> Any:
        """The value at ``path`` (raises KeyError/IndexError when absent)."""
        node = self._document
        for part in path:
            node = node[part]
        return node

    def set(self, path: KeyPath, value: Any) -> None:
        """Set the value at ``path``, creating missing mappings on the way.

        A new key is appended after the existing ones; an existing key keeps
        its place and its comment.
        """
        if not path:
            raise ValueError("empty path")
        node = self._document
        for part in path[:-1]:
            if isinstance(node, dict) and part not in node:
                node[part] = _compact({})
            node = node[part]
        last = path[-1]
        if isinstance(node, list) and isinstance(last, int) and last == len(node):
            node.append(_compact(value))
        else:
            node[last] = _compact(value)

    def delete(self, path: KeyPath) -> None:
        """Remove the key or list item at ``path``."""
        parent = self.get(path[:-1])
        del parent[path[-1]]

    def to_text(self) -> str:
        """The document as YAML text, comments and order kept."""
        buffer = io.StringIO()
        self._yaml.dump(self._document, buffer)
        return _keep_original_spacing(self._original_text, buffer.getvalue())


@dataclass(frozen=True)
class EntryComments:
    """The comments an author wrote at one entry of a mapping, and at each entry inside it.

    Attributes:
      above: the comment lines between the entry's key and the key (or list
        item) before it, without ``#``, in order; blank lines left out.
      end_of_line: the comment at the end of its key's line, or None.
      inner: the same for each key of its value, when that is a mapping.
    """

    above: tuple[str, ...] = ()
    end_of_line: str | None = None
    inner: Mapping[str, EntryComments] = field(default_factory=dict)


def entry_comments(text: str, path: KeyPath) -> EntryComments:
    """The comments written at the mapping entry ``path`` of ``text`` and inside it.

    A comment belongs to the key below it (or ends the key's own line), so
    moving an entry elsewhere can take what its author wrote about it along.
    An entry that is not there has no comments.

    >>> text = '''resources:
    ...   clerk: {kind: labor, rate_per_hour: 600}   # оклад 80 000 ₽
    ...   lawyer:
    ...     kind: labor
    ...     # оклад 150 000 ₽ × 1,302
    ...     # на весь пул
    ...     cost_per_month: 585900   # 3 × 195300
    ... '''
    >>> entry_comments(text, ("resources", "clerk")).end_of_line
    'оклад 80 000 ₽'
    >>> lawyer = entry_comments(text, ("resources", "lawyer")).inner
    >>> lawyer["cost_per_month"]
    EntryComments(above=('оклад 150 000 ₽ × 1,302', 'на весь пул'), end_of_line='3 × 195300', \
inner={})
    """
    document = YAML(typ="rt").load(text)
    parent = document
    for part in path[:-1]:
        parent = parent.get(part) if isinstance(parent, CommentedMap) else None
    if not isinstance(parent, CommentedMap) or path[-1] not in parent:
        return EntryComments()
    lines = text.splitlines()
    starts = sorted(set(_line_starts(document)))
    return _comments_at(parent, path[-1], lines, starts)


def _line_starts(node: Any) -> Iterator[int]:
    """The line of every key and list item in ``node`` (0-based)."""
    if isinstance(node, CommentedMap):
        for key, value in node.items():
            yield node.lc.key(key)[0]
            yield from _line_starts(value)
    elif isinstance(node, CommentedSeq):
        for index, value in enumerate(node):
            yield node.lc.item(index)[0]
            yield from _line_starts(value)


def _comments_at(parent: CommentedMap, key: Any, lines: list[str], starts: list[int]
                 ) -> EntryComments:
    line = parent.lc.key(key)[0]
    before = max((s for s in starts if s < line), default=-1)
    above = tuple(stripped[1:].strip() for stripped in (x.strip() for x in lines[before + 1:line])
                  if stripped.startswith("#"))
    # ruamel keeps a key's end-of-line comment as the first line of the comment token
    # that follows its value (later lines of that token are comments above the next key)
    token = (parent.ca.items.get(key) or [None, None, None])[2]
    first = token.value.split("\n", 1)[0].strip() if token is not None else ""
    end_of_line = first[1:].strip() if first.startswith("#") else None
    value = parent[key]
    inner = ({str(k): _comments_at(value, k, lines, starts) for k in value}
             if isinstance(value, CommentedMap) else {})
    return EntryComments(above, end_of_line, inner)


def _keep_original_spacing(original: str, dumped: str) -> str:
    """Take back every line the edit did not touch exactly as the author wrote it.

    ruamel keeps comments and order but normalises spacing inside a line
    (``lawyer:  {`` aligned by hand becomes ``lawyer: {``); lines that differ
    only in such spacing are restored from the original. Spacing between two
    words is part of a value (``name: Подготовка  договора``), so a line whose
    only change is there is not restored; and should a restored line still
    change a value, every line that differs at all is taken from the dumped text.
    """
    before, after = original.splitlines(keepends=True), dumped.splitlines(keepends=True)

    def squeeze(line: str) -> str:
        # Only spacing next to YAML punctuation (or at the ends) is layout.
        return re.sub(r"\s*([:,{}\[\]#])\s*", r"\1 ", line.strip())

    def merge(same: Callable[[str], str]) -> str:
        matcher = difflib.SequenceMatcher(
            a=[same(x) for x in before], b=[same(x) for x in after], autojunk=False)
        merged: list[str] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            merged.extend(before[i1:i2] if tag == "equal" else after[j1:j2])
        text = "".join(merged)
        if original.endswith("\n") != text.endswith("\n"):
            text = text + "\n" if original.endswith("\n") else text.rstrip("\n")
        return text

    text = merge(squeeze)
    if text != dumped and _data(text) != _data(dumped):
        text = merge(lambda line: line.rstrip())
    return text


def _data(text: str) -> Any:
    try:
        return yaml.load(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
