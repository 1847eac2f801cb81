"""Model text from plain data: the one way this tool writes YAML.

Names come from users: activity and resource names in an event log, task and
lane names in a BPMN file, a log's file name. Written into a model by string
formatting, a name holding a line break and ``other_cost: 1000000`` becomes a
field of the model. So every model text is built here, as plain data handed to
one YAML emitter (ruamel.yaml), never by joining strings:

* every key and value goes through the emitter. A string is written plain only
  when it looks like an identifier (``clerk``, ``abc-costing/1``) and no YAML
  reader takes it for anything but a string; every other string is
  double-quoted, where the emitter escapes line breaks and control characters.
  Invisible format characters (bidi overrides, zero-width marks) are escaped
  too (``"\\u202E"``), so that what a reviewer sees in the file is what the
  model holds;
* comments are made safe in one place, :func:`comment_safe`: no line breaks,
  no control or bidi characters, long text shortened.

The document is ordinary dicts, lists and scalars, with two wrappers for the
layout: :class:`Commented` puts comments at the end of an entry's line or
above it, :class:`OneLine` writes a mapping on one line (``{clerk: 30}``).
A list of scalars without comments is written on one line (``[a, b, 0.7]``).

Examples
--------
>>> print(yaml_text({
...     "format": "abc-costing/1",
...     "resources": Commented({"clerk": {
...         "name": "Иванова\\nother_cost: 1000000",
...         "rate_per_hour": Commented("?", "not in the log: fill in")}}, above=("",)),
...     "activities": {"draft": {"labor": Commented(OneLine({"clerk": 30}), "from the log")}},
...     "flows": [Commented(["start", "draft"], "2 of 2"), ["draft", "end"]],
... }, header=["Mined from log.csv\\nother_cost: 1"]), end="")
# Mined from log.csv other_cost: 1
format: abc-costing/1
<BLANKLINE>
resources:
  clerk:
    name: "Иванова\\nother_cost: 1000000"
    rate_per_hour: "?"  # not in the log: fill in
activities:
  draft:
    labor: {clerk: 30}  # from the log
flows:
  - [start, draft]  # 2 of 2
  - [draft, end]
"""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import RoundTripEmitter
from ruamel.yaml.error import CommentMark
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.tag import Tag
from ruamel.yaml.tokens import CommentToken

__all__ = ["COMMENT_MAX_CHARS", "Commented", "OneLine", "comment_safe", "yaml_text"]

#: Comments longer than this are cut (a name of 1,000 characters helps nobody in a comment).
COMMENT_MAX_CHARS = 200


@dataclass(frozen=True)
class Commented:
    """A value with the comments written beside it.

    Attributes:
      value: the value (a scalar, a mapping, a list, or a :class:`OneLine`).
      comment: written at the end of the line of its key or list item.
      above: comment lines written above its key; ``""`` is a blank line.
        Only for entries of a mapping.
    """

    value: Any
    comment: str | None = None
    above: tuple[str, ...] = ()


@dataclass(frozen=True)
class OneLine:
    """A mapping written on one line, in flow style: ``labor: {clerk: 30}``.

    Everything inside it is written on that line too; it cannot hold comments.
    """

    value: Mapping[str, Any]


# --- comments ---------------------------------------------------------------------------

_BREAKS = re.compile(r"[\t\n\v\f\r\x1c-\x1f\x85\u2028\u2029]+")
_NOT_ASCII_PRINTABLE = re.compile(r"[^\x20-\x7e]")


def _hidden(character: str) -> bool:
    """A control, an invisible format character (bidi, zero-width), a lone surrogate, or
    U+FFFE/U+FFFF (noncharacters, which YAML does not allow in a file)."""
    return (unicodedata.category(character) in ("Cc", "Cf", "Cs")
            or character in "\ufffe\uffff")


def comment_safe(text: str, *, max_chars: int = COMMENT_MAX_CHARS) -> str:
    """``text`` made fit for one comment line: what it says, never structure.

    Line breaks and tabs become spaces; control characters and invisible
    format characters (bidi overrides, zero-width marks) become ``?``; text
    longer than ``max_chars`` is cut, ending in ``…``.

    >>> comment_safe("Иванова\\nother_cost: 1000000\\x00 \\u202eevil\\ufffe")
    'Иванова other_cost: 1000000? ?evil?'
    >>> comment_safe("x" * 10, max_chars=5)
    'xxxx…'
    """
    flat = _NOT_ASCII_PRINTABLE.sub(lambda m: "?" if _hidden(m[0]) else m[0],
                                    _BREAKS.sub(" ", text))
    return flat if len(flat) <= max_chars else flat[: max_chars - 1] + "…"


def _comment_lines(lines: Iterable[str]) -> list[str]:
    return [comment_safe(line) for line in lines]


def _end_of_line(node: CommentedMap | CommentedSeq, key: str | int, comment: str) -> None:
    # yaml_add_eol_comment would put one space before "#"; a leading space gives two,
    # the usual "value  # comment".
    token = CommentToken(" # " + comment_safe(comment), CommentMark(0))
    node._yaml_add_eol_comment([token, None], key=key)


# --- strings and numbers ----------------------------------------------------------------

# Written plain: starts with a letter or "_", then word characters, ".", "/" or "-".
# No YAML reader (1.1 or 1.2) takes such a word for a number; the words below it
# takes for booleans or null are quoted.
_PLAIN = re.compile(r"[^\W\d][\w./-]*")
_NOT_STRINGS = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n"})


def _plain(text: str) -> bool:
    return _PLAIN.fullmatch(text) is not None and text.lower() not in _NOT_STRINGS


@functools.cache
def _tag(suffix: Any) -> Any:
    return Tag(suffix=suffix) if isinstance(suffix, str) else suffix


class _Representer(RoundTripRepresenter):
    """Scalars as model files write them; no anchors, ever."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    # ruamel makes a Tag per node and decodes its URI each time: a fifth of the
    # writing time. One Tag per kind, decoded once, is all a model needs.
    def represent_scalar(self, tag: Any, value: Any, style: Any = None,
                         anchor: Any = None) -> Any:
        return super().represent_scalar(_tag(tag), value, style=style, anchor=anchor)

    def represent_sequence(self, tag: Any, sequence: Any, flow_style: Any = None) -> Any:
        return super().represent_sequence(_tag(tag), sequence, flow_style=flow_style)

    def represent_mapping(self, tag: Any, mapping: Any, flow_style: Any = None) -> Any:
        return super().represent_mapping(_tag(tag), mapping, flow_style=flow_style)

    def represent_str(self, data: str) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:str", data,
                                     style=None if _plain(data) else '"')

    def represent_float(self, data: float) -> Any:
        if not math.isfinite(data):
            raise ValueError(f"cannot write {data!r} into a model file")
        text = repr(data)  # the shortest text that reads back as the same float
        if "e" in text and "." not in text:
            text = text.replace("e", ".0e")  # 1e+16 is a string to YAML 1.1 readers
        return self.represent_scalar("tag:yaml.org,2002:float", text)

    def represent_none(self, data: None) -> Any:
        return self.represent_scalar("tag:yaml.org,2002:null", "null")


_Representer.add_representer(str, _Representer.represent_str)
_Representer.add_representer(float, _Representer.represent_float)
_Representer.add_representer(type(None), _Representer.represent_none)


def _escaped_if_invisible(match: re.Match[str]) -> str:
    # Controls and line breaks the emitter has already escaped; format characters
    # (bidi overrides, zero-width marks) it writes as they are, and the noncharacters
    # U+FFFE and U+FFFF too, which YAML does not allow in a file: a resource of that name
    # in a log made a mined model that its own reader refused.
    character = match[0]
    if unicodedata.category(character) != "Cf" and character not in "\ufffe\uffff":
        return character
    code = ord(character)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


class _EscapingStream:
    """Passes text on, with invisible format characters escaped."""

    def __init__(self, stream: Any):
        self.stream = stream

    def write(self, data: str) -> None:
        self.stream.write(_NOT_ASCII_PRINTABLE.sub(_escaped_if_invisible, data))


class _Emitter(RoundTripEmitter):
    """Double-quoted scalars also escape invisible format characters."""

    def write_double_quoted(self, text: Any, split: Any = True) -> None:
        # Only inside double quotes is "\u202E" the same text as the character itself.
        stream = self.stream
        self.stream = _EscapingStream(stream)
        try:
            super().write_double_quoted(text, split)
        finally:
            self.stream = stream


# --- the document -----------------------------------------------------------------------

_SCALARS = (str, int, float, bool, type(None))


def _unwrap(item: Any) -> tuple[Any, str | None, tuple[str, ...]]:
    if isinstance(item, Commented):
        return item.value, item.comment, tuple(item.above)
    return item, None, ()


def _loses_a_line_break(value: Any) -> bool:
    """Whether ruamel's emitter may lose a line break in ``value`` if its key had an
    end-of-line comment: a block list (``k:  # c`` then ``- {}``, ``- 0``, ``- 0`` comes
    out as ``- 0 -`` / ``0``, another list). Such a comment goes on the line above its
    key instead, as one on a list item that is itself a block mapping or list; model
    files comment scalars, one-line values and mappings, which keep theirs at the end
    of the line."""
    return isinstance(value, CommentedSeq) and not value.fa.flow_style() and len(value) > 0


def _node(value: Any, *, flow: bool, indent: int) -> Any:
    """``value`` as ruamel's commented containers, with the layout the wrappers ask for."""
    if isinstance(value, OneLine):
        return _node(value.value, flow=True, indent=indent)
    if isinstance(value, Commented):
        raise TypeError("Commented belongs directly under a mapping key or in a list")
    if isinstance(value, Mapping):
        mapping = CommentedMap()
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"model keys are strings, not {type(key).__name__}: {key!r}")
            inner, comment, above = _unwrap(item)
            if flow and (comment or above):
                raise ValueError(f"a one-line mapping cannot hold comments (at {key!r})")
            mapping[key] = _node(inner, flow=flow, indent=indent + 2)
            for line in _comment_lines(above):
                mapping.yaml_set_comment_before_after_key(key, before=line or "\n",
                                                          indent=indent)
            if comment and _loses_a_line_break(mapping[key]):
                mapping.yaml_set_comment_before_after_key(key, before=comment_safe(comment),
                                                          indent=indent)
            elif comment:
                _end_of_line(mapping, key, comment)
        if flow:
            mapping.fa.set_flow_style()
        return mapping
    if isinstance(value, list | tuple):
        items = [_unwrap(item) for item in value]
        one_line = flow or all(isinstance(inner, _SCALARS) and not comment and not above
                               for inner, comment, above in items)
        if any(above or (flow and comment) for _, comment, above in items):
            raise ValueError("comments in a list go at the end of a block item's line")
        # Filled at once: each append to a CommentedSeq re-sorts the comments it holds.
        sequence = CommentedSeq(_node(inner, flow=one_line, indent=indent + 2)
                                for inner, _, _ in items)
        for index, (_, comment, _) in enumerate(items):
            if comment and isinstance(sequence[index], CommentedSeq | CommentedMap) \
                    and not sequence[index].fa.flow_style() and len(sequence[index]) > 0:
                sequence.yaml_set_comment_before_after_key(index, before=comment_safe(comment),
                                                           indent=indent + 2)
            elif comment:
                _end_of_line(sequence, index, comment)
        if one_line:
            sequence.fa.set_flow_style()
        return sequence
    if isinstance(value, _SCALARS):
        return value
    raise TypeError(f"cannot write {type(value).__name__} into a model file: {value!r}")


def yaml_text(document: Mapping[str, Any], *, header: Iterable[str] = ()) -> str:
    """The YAML text of ``document``, with ``header`` as comment lines at the top.

    ``document`` is plain data (dicts with string keys, lists, strings,
    numbers, booleans, None) wrapped where needed in :class:`Commented` and
    :class:`OneLine`; a ``""`` header line is a blank line. Every key and value
    is written by the YAML emitter and every comment through
    :func:`comment_safe`, so no text in the document can change its structure.
    Non-finite numbers raise ValueError: a model cannot hold them.

    >>> print(yaml_text({"title": "Приём: заявки # 1", "volume_per_year": 1.5e16,
    ...                  "process": "yes", "events": {}}), end="")
    title: "Приём: заявки # 1"
    volume_per_year: 1.5e+16
    process: "yes"
    events: {}
    """
    root = _node(document, flow=False, indent=0)
    if not isinstance(root, CommentedMap):
        raise TypeError("a model document is a mapping")
    lines = _comment_lines(header)
    if lines:
        # "#" written here: ruamel only adds it to a line that is not blank to Python,
        # and a no-break space is blank to Python but text to YAML.
        root.yaml_set_start_comment("\n".join(f"# {line}" if line else ""
                                               for line in lines) + "\n")
    yaml = YAML(typ="rt")
    yaml.Representer = _Representer
    yaml.Emitter = _Emitter
    yaml.width = 1 << 30  # never fold a long name over two lines
    yaml.indent(mapping=2, sequence=4, offset=2)
    buffer = io.StringIO()
    yaml.dump(root, buffer)
    return buffer.getvalue()
