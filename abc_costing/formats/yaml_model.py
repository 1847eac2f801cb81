"""Reading ``abc-costing/1`` model files.

Files are parsed with ``yaml_rs`` (a YAML 1.2 parser written in Rust: a
10,000-activity model parses in about 0.1 s, where PyYAML needs seconds),
which rejects duplicate keys and caps alias expansion. Line numbers are only
needed when something is wrong, so only then is the text composed a second
time with PyYAML to find the line of every problem.

Every problem in a file is reported in one pass: field errors for all
elements, then the cross-record checks of :mod:`abc_costing.validation` on
what could be read.

Examples
--------
>>> text = '''
... format: abc-costing/1
... process: demo
... variant: as_is
... activities:
...   a: {other_cost: -5}
... events: {s: {kind: start}, e: {kind: end}}
... flows: [[s, a], [a, e]]
... '''
>>> model, problems = parse_model_text(text, source="demo.yaml")
>>> model is None, [str(p) for p in problems]
(True, ['demo.yaml:6: a: other_cost: must not be negative (got -5)'])
"""

from __future__ import annotations

import importlib
import os
import re
import stat
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from abc_costing.formats.advice_file import ADVICE_NAME
from abc_costing.formats.allocation_file import ALLOCATION_FOLDER
from abc_costing.formats.catalogue import (
    CATALOGUE_NAME,
    LoadedCatalogue,
    as_seen_by_a_model,
    catalogue_beside,
    catalogue_path_for,
    no_catalogue_note,
    read_catalogue,
    resolve_resources,
    unreadable_catalogue,
)
from abc_costing.i18n import N_, Message
from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import CATALOGUE_FORMAT, FORMAT, ProcessModel
from abc_costing.numbers import Figure
from abc_costing.problems import Count, ModelError, Problem, cut, has_errors, quoted
from abc_costing.validation import validate_model

__all__ = [
    "MAX_FILE_BYTES",
    "parse_model_text",
    "parse_yaml_data",
    "parse_library_file",
    "model_from_data",
    "read_model",
    "load_model",
    "load_library",
    "model_files",
    "said_by_pydantic",
]

# yaml_rs 0.1.6 crashes the process (SIGSEGV) on any call made after the
# thread that first imported it has exited. Streamlit runs each rerun on a new
# thread, so the dashboard hit it. Importing it on a worker thread that lives
# as long as the process avoids the fault (tests/test_yaml_threads.py).
_YAML_RS_HOME = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yaml_rs-home")
_Parsed = TypeVar("_Parsed")
yaml_rs = _YAML_RS_HOME.submit(importlib.import_module, "yaml_rs").result()

#: Model files larger than this are refused unread: 16 MiB holds about 120,000
#: activities (the benchmark's 100,000-activity model is 13.8 MB and is read, checked
#: and costed in under 10 s). The hostile shapes are refused by their own guards at
#: any size (alias expansion by _ALIAS_LIMITS, nesting by the RecursionError caught
#: below, control characters and runs of digits by _parse_yaml), and 16 MiB refuses a
#: 20 MB title. Slow but not stopped: a file this size with an error in every element
#: (each located by a second, slower pass with PyYAML) takes about a minute.
MAX_FILE_BYTES = 16 * 1024 * 1024

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=200_000, max_replay_stack_depth=32
)
_ELEMENT_SECTIONS = ("resources", "activities", "gateways", "events")
#: A valid record of each resource kind, standing in for a broken one so that the
#: checks across records still know its id (tests/test_resource_kinds.py keeps one
#: per kind).
RESOURCE_STAND_INS: dict[str, dict[str, float]] = {
    "labor": {"rate_per_hour": 0.0}, "per_use": {"cost_per_use": 0.0}}
_TOP_LEVEL_DEFAULTS: dict[str, Any] = {
    "process": "unnamed",
    "variant": "unnamed",
    "title": None,
    "currency": "RUB",
    "volume_per_year": None,
}


def parse_model_text(
    text: str, *, source: str | None = None, catalogue: LoadedCatalogue | None = None
) -> tuple[ProcessModel | None, list[Problem]]:
    """Parse and validate the text of a model file.

    Returns ``(model, problems)``: ``model`` is ``None`` when any problem is an
    error; warnings come back with a usable model. ``source`` names the file in
    the problems. ``catalogue`` is the library's resource catalogue the file's
    pools come from (see :mod:`abc_costing.formats.catalogue`); without one the
    file defines its own resources.
    """
    return _parsed_model(text, None, source=source, catalogue=catalogue)


def _parsed_model(text: str, raw: bytes | None, *, source: str | None,
                  catalogue: LoadedCatalogue | None
                  ) -> tuple[ProcessModel | None, list[Problem]]:
    """:func:`parse_model_text`, given the file's bytes ``raw`` too when it has them
    (the screen for control characters reads them, rather than encoding the text again)."""
    try:
        with cyclic_gc_paused():
            data, problems = _parse_yaml(text, raw)
            model, problems = (_build_and_check(data, catalogue) if data is not None
                               else (None, problems))
        problems = with_lines(problems, text, file=source)
    except Exception as error:  # one odd file must never take down a library or a page
        model, problems = None, [unexpected_problem(error).located(file=source)]
    return (None if has_errors(problems) else model), problems


def model_from_data(
    data: dict[str, Any], *, source: str | None = None,
    catalogue: LoadedCatalogue | None = None,
) -> tuple[ProcessModel | None, list[Problem]]:
    """Validate already-parsed file data (as :func:`parse_yaml_data` returns it).

    Used to re-check an edited model quickly, without writing YAML text;
    problems name the element but carry no line numbers.
    """
    try:
        with cyclic_gc_paused():
            model, problems = _build_and_check(data, catalogue)
    except Exception as error:  # see parse_model_text
        model, problems = None, [unexpected_problem(error)]
    problems = [p.located(file=source) for p in problems]
    return (None if has_errors(problems) else model), problems


def unexpected_problem(error: Exception) -> Problem:
    """A problem for an exception no check foresaw: named, never a traceback."""
    return Problem(N_("the file could not be read: {error}: {said} (a fault in abc-costing: "
                      "please report it with the file)", error=type(error).__name__,
                      said=cut(str(error), 200)))


def parse_yaml_data(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The plain data of a model file's text (dicts, lists, numbers, strings), or problems."""
    try:
        data, problems = _parse_yaml(text)
        return data, with_lines(problems, text)
    except Exception as error:  # see parse_model_text
        return None, [unexpected_problem(error)]


def parse_library_file(text: str, *, name: str, format: str, kind: Message, fields: str
                       ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The data of a library file that is not a model (a resource catalogue, an
    allocation file), or the problems that stop reading it: the YAML's, or a
    ``format`` other than ``format``. ``kind`` and ``fields`` word them for that
    file ("a resource catalogue", "format, currency, year, pools"), where the
    YAML reader words them for a model.

    >>> parse_library_file("", name="a.yaml", format="x/1", kind=N_("an x file"),
    ...                    fields="format")[1][0].message
    "file is empty; an x file starts with 'format: x/1'"
    """
    data, problems = parse_yaml_data(text)
    if data is None:
        return None, [_of_a_library_file(p, format=format, kind=kind, fields=fields
                                         ).located(file=name) for p in problems]
    if data.get("format") != format:
        message = (N_("{kind} starts with 'format: {format}'; got {value}", kind=kind,
                      format=format, value=quoted(data["format"])) if "format" in data
                   else N_("{kind} starts with 'format: {format}'", kind=kind, format=format))
        return None, with_lines([Problem(message, element="format", path=("format",))], text,
                                file=name)
    return data, []


def _of_a_library_file(problem: Problem, *, format: str, kind: Message, fields: str
                       ) -> Problem:
    if problem.message.startswith("file is empty"):
        return Problem(N_("file is empty; {kind} starts with 'format: {format}'", kind=kind,
                          format=format))
    if problem.message.startswith("a model file is a mapping"):
        what = problem.message.rsplit("not a ", 1)[-1]
        return Problem(N_("{kind} is a mapping of fields ({fields}), not a {type}", kind=kind,
                          fields=fields, type=what))
    return problem


def read_model(path: str | Path, *, catalogue: LoadedCatalogue | None | Literal["beside"]
               = "beside") -> tuple[ProcessModel | None, list[Problem]]:
    """Read and validate a model file; like :func:`parse_model_text` but from disk.

    A missing, unreadable, oversized or non-UTF-8 file is reported as a
    problem, and so is anything unexpected while reading it: one file never
    raises. The file's pools come from the catalogue beside it
    (:func:`abc_costing.formats.catalogue.catalogue_path_for`) unless another
    ``catalogue`` (or ``None``: the file's own resources only) is given. A
    catalogue that cannot be read makes the model unusable; a broken pool stops
    the model only when the model uses it (the catalogue's problems come back
    too, as warnings when the model reads without them).
    """
    path = Path(path)
    source = str(path)
    try:
        problems: list[Problem] = []
        looked_for_one = catalogue == "beside"
        if catalogue == "beside":
            catalogue, problems = catalogue_beside(path)
            if catalogue is None and has_errors(problems):
                return None, [*problems, unreadable_catalogue(
                    str(catalogue_path_for(path)), model_file=source)]
        model, found = _read_model(path, source, catalogue)
        if model is not None:
            return model, as_seen_by_a_model(problems) + found
        if looked_for_one and catalogue is None and any(
                "not defined under resources:" in p.message for p in found):
            found.append(no_catalogue_note(path, model_file=source))
        return None, problems + found
    except Exception as error:  # see parse_model_text
        return None, [unexpected_problem(error).located(file=source)]


def _read_model(path: Path, source: str, catalogue: LoadedCatalogue | None
                ) -> tuple[ProcessModel | None, list[Problem]]:
    text, raw, problems = read_text_file(path, source=source, what=N_("model files"))
    if text is None:
        return None, problems
    return _parsed_model(text, raw, source=source, catalogue=catalogue)


def read_library_file(path: str | Path, *, name: str | None, what: Message,
                      parse: Callable[[str, str, bytes], tuple[_Parsed | None, list[Problem]]]
                      ) -> tuple[_Parsed | None, list[Problem]]:
    """Read a library file that is not a model (a catalogue, an allocation file) and
    ``parse(text, source, raw_bytes)`` it; problems name ``name`` (default: the path).

    A missing, unreadable, oversized or non-UTF-8 file is one problem, and so is
    anything unexpected while parsing: one odd file never takes down a page.
    """
    path = Path(path)
    source = name or str(path)
    text, raw, problems = read_text_file(path, source=source, what=what)
    if text is None:
        return None, problems
    try:
        return parse(text, source, raw)
    except Exception as error:
        return None, [unexpected_problem(error).located(file=source)]


def read_text_file(path: Path, *, source: str, what: str
                   ) -> tuple[str | None, bytes, list[Problem]]:
    """A model or catalogue file's text and bytes, or the problem that stops reading it.

    A folder, a missing or unreadable file, one above :data:`MAX_FILE_BYTES`
    (``what`` names the kind of file in that message) or one that is not UTF-8.
    """
    # One open and one fstat of the open file (a library reads a thousand files; the
    # size is the file's own, not that of whatever the name points to a moment later).
    # Opened without waiting: a named pipe opened plainly waits for a writer for ever.
    try:
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb", buffering=0) as stream:
            status = os.fstat(stream.fileno())
            if stat.S_ISDIR(status.st_mode):
                return None, b"", [Problem(N_("is a folder, not a file"), file=source)]
            if not stat.S_ISREG(status.st_mode):
                return None, b"", [Problem(N_("is not a regular file (a pipe or a device); "
                                              "{what} are read from files on disk", what=what),
                                           file=source)]
            size = status.st_size
            if size > MAX_FILE_BYTES:
                return None, b"", [Problem(N_("file is {size:,} bytes; {what} are limited to "
                                              "{limit:,} bytes", size=Count(size), what=what,
                                              limit=Count(MAX_FILE_BYTES)), file=source)]
            raw = stream.read()
    except IsADirectoryError:
        return None, b"", [Problem(N_("is a folder, not a file"), file=source)]
    except FileNotFoundError:
        return None, b"", [Problem(N_("file not found"), file=source)]
    except OSError as err:
        if path.is_dir():  # a folder this user may not open says what it is all the same
            return None, b"", [Problem(N_("is a folder, not a file"), file=source)]
        return None, b"", [Problem(N_("cannot read file: {reason}", reason=err.strerror or err),
                                   file=source)]
    try:
        return raw.decode("utf-8-sig"), raw, []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, raw, [Problem(N_("file is not UTF-8 text (save it as UTF-8)"), file=source,
                                   line=line)]


def load_model(path: str | Path) -> ProcessModel:
    """Read a model file and return the model, or raise :class:`ModelError`.

    >>> load_model("process_models/contract_approval/as_is.yaml").process
    'contract_approval'
    """
    model, problems = read_model(path)
    if model is None:
        raise ModelError(problems)
    return model


def model_files(directory: str | Path) -> list[Path]:
    """The model files under ``directory`` (``*.yaml`` and ``*.yml``, recursively), sorted.

    A resource catalogue (``resources.yaml``) and a process's advice file
    (``advice.yaml``, :mod:`abc_costing.formats.advice_file`) are not models and are
    left out, and
    so is the library's ledger folder (``ledger/`` at the top: the allocation
    file and the period's files, :mod:`abc_costing.formats.allocation_file`).
    """
    directory = Path(directory)
    # One walk of the tree for both endings (a glob per ending walked it twice).
    files = [p for p in directory.rglob("*.y*ml") if p.suffix in (".yaml", ".yml")]
    # Skip hidden files and folders (editor backups, .git) below the folder itself.
    return sorted(
        p for p in files
        for parts in [p.relative_to(directory).parts]
        if not any(part.startswith(".") for part in parts)
        and p.name not in (CATALOGUE_NAME, ADVICE_NAME)
        and parts[0] != ALLOCATION_FOLDER
    )


def load_library(
    directory: str | Path,
) -> tuple[list[tuple[Path, ProcessModel]], list[Problem]]:
    """Read every model file under ``directory``.

    Returns the valid models with their paths, and the problems of every file
    (a broken file does not hide the others: whatever goes wrong with one file,
    even a fault of this package, is a problem of that file). A missing folder is
    a problem.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [], [Problem(N_("folder not found"), file=str(directory))]
    loaded: list[tuple[Path, ProcessModel]] = []
    problems: list[Problem] = []
    try:
        paths = model_files(directory)
    except OSError as err:  # a folder that cannot be listed (permissions, a link loop)
        return [], [Problem(N_("cannot list the folder: {reason}", reason=err.strerror or err),
                            file=str(directory))]
    catalogues: dict[Path, tuple[LoadedCatalogue | None, bool]] = {}
    # The models of a folder share its catalogue: looked for (two stat calls) once a folder.
    catalogue_of_folder: dict[Path, Path | None] = {}
    with cyclic_gc_paused():
        for path in paths:
            if path.parent not in catalogue_of_folder:
                catalogue_of_folder[path.parent] = catalogue_path_for(path)
            where = catalogue_of_folder[path.parent]
            if where is not None and where not in catalogues:
                catalogue, found = read_catalogue(where)
                problems.extend(found)  # reported once, not once per model
                catalogues[where] = catalogue, has_errors(found)
            catalogue, broken = catalogues[where] if where is not None else (None, False)
            if catalogue is None and broken:
                problems.append(unreadable_catalogue(str(where), model_file=str(path)))
                continue
            model, found = read_model(path, catalogue=catalogue)
            problems.extend(found)
            if model is not None:  # a broken pool stops only the models that use it
                loaded.append((path, model))
    if not loaded and not problems:
        problems.append(Problem(N_("no model files (*.yaml) in this folder"),
                                file=str(directory)))
    return loaded, problems


# --- parsing -----------------------------------------------------------------


def _parse_yaml(text: str, raw: bytes | None = None
                ) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The data of ``text``, or the problems that stop it; ``raw`` is the text as
    UTF-8 when the caller has it (a file's bytes), else it is encoded here."""
    refused = _refusal(text, raw)
    if refused is not None:
        return None, [refused]
    try:
        data = yaml_rs.loads(
            text,
            parse_datetime=False,
            alias_limits=_ALIAS_LIMITS,
            duplicate_key_policy=yaml_rs.DuplicateKeyPolicy.Error,
        )
    except yaml_rs.YAMLDecodeError as err:
        return None, [_syntax_problem(text, err)]
    except (RecursionError, MemoryError):
        return None, [Problem(N_("YAML is nested too deeply or too large to read"))]
    if data is None:
        return None, [Problem(N_("file is empty; a model starts with 'format: abc-costing/1'"))]
    if not isinstance(data, dict):
        return None, [Problem(N_("a model file is a mapping of fields (format, process, "
                                 "variant, ...), not a {type}", type=type(data).__name__))]
    return data, []


def _refusal(text: str, raw: bytes | None = None) -> Problem | None:
    """What :func:`_control_character` or else :func:`_long_number` says of ``text``,
    screened in C over its UTF-8 bytes ``raw`` first.

    Searching the text itself took 0.5 s of a 100,000-activity file (a character class
    over 14 million characters, and a look for a long run of digits at every digit); the
    bytes are screened in 0.05 s: a control character of C0 or DEL is one byte (deleting
    them changes the length), one of C1 is ``C2 80``-``C2 9F`` but NEL ``C2 85``, U+FFFE
    and U+FFFF are ``EF BF BE``/``BF`` (a lead byte never stands for a continuation
    byte in UTF-8), and a run of digits is a run of one byte once every digit is made
    the same. The text is searched, for the message, only when a screen finds one.

    >>> print(_refusal("title: «ok»\\nname: Ж\\x1b[2J\\n"))
    line 2: the file contains a control character (U+001B ESC) at column 8; a model file \
is plain text: remove it (everything after it would be lost)
    """
    if raw is None:
        raw = text.encode("utf-8", "surrogatepass")  # a lone surrogate is no control
    if (len(raw.translate(None, _C0_BYTES)) != len(raw) or _C1_BYTES.search(raw)
            or _NONCHARACTER_BYTES.search(raw)):
        refused = _control_character(text)
        if refused is not None:
            return refused
    if len(raw) >= MAX_DIGITS and _DIGITS_RUN_BYTES in raw.translate(_DIGITS_AS_NINE):
        return _long_number(text)
    return None


# Characters YAML does not allow in a file (its printable set leaves out the C0 and C1
# controls but tab, line feed, carriage return and NEL). yaml_rs stops reading at a NUL
# byte without a word, so a model cut short there would pass as valid: refused first.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
# The same characters as UTF-8 bytes, for _refusal's screen (the two searches with a
# literal first byte are the fast ones; one alternation of both was six times slower).
_C0_BYTES = bytes((*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f))
_C1_BYTES = re.compile(b"\xc2[\x80-\x84\x86-\x9f]")
_NONCHARACTER_BYTES = re.compile(b"\xef\xbf[\xbe\xbf]")
_CONTROL_NAMES = {"\x00": "NUL", "\x1b": "ESC", "\x7f": "DEL", "\x08": N_("backspace"),
                  "\x0c": N_("form feed"), "\x0b": N_("vertical tab")}


def _control_character(text: str) -> Problem | None:
    """A problem for the first control character of ``text``, or None (one linear scan).

    >>> print(_control_character("a: 1\\nb: 2\\x00c: 3\\n"))
    line 2: the file contains a control character (U+0000 NUL) at column 5; a model file \
is plain text: remove it (everything after it would be lost)
    """
    found = _CONTROL.search(text)
    if found is None:
        return None
    start = found.start()
    line_start = text.rfind("\n", 0, start) + 1
    char = found.group()
    code = f"U+{ord(char):04X}"
    name = N_("{code} {name}", code=code, name=_CONTROL_NAMES[char]) \
        if char in _CONTROL_NAMES else code
    return Problem(N_("the file contains a control character ({name}) at column {column}; "
                      "a model file is plain text: remove it (everything after it would be "
                      "lost)", name=name, column=start - line_start + 1),
                   line=text.count("\n", 0, start) + 1)


#: Digits in a row that refuse a file before it is parsed: turning a run of a million
#: digits into a Python integer takes yaml_rs over a second (it grows with the square
#: of the length); up to this many it takes milliseconds, and the records then say
#: which amount is too large.
MAX_DIGITS = 100_000
# A run's first digit only (the look-behind), so that the search stays linear.
_LONG_NUMBER = re.compile(f"(?<![0-9])[0-9]{{{MAX_DIGITS}}}")
_DIGIT_RUN = re.compile("[0-9]+")
_DIGITS_AS_NINE = bytes.maketrans(b"012345678", b"999999999")
_DIGITS_RUN_BYTES = b"9" * MAX_DIGITS


def _long_number(text: str) -> Problem | None:
    """A problem for the first run of more than :data:`MAX_DIGITS` digits, or None.

    >>> print(_long_number("a: 1\\nb: " + "7" * 200_000 + "\\n"))
    line 2: a number of 200,000 digits at column 4; no amount needs that many
    """
    found = _LONG_NUMBER.search(text)
    if found is None:
        return None
    start = found.start()
    run = _DIGIT_RUN.match(text, start)
    assert run is not None
    column = start - text.rfind("\n", 0, start)
    return Problem(N_("a number of {count:,} digits at column {column}; no amount needs that "
                      "many", count=Count(run.end() - start), column=column),
                   line=text.count("\n", 0, start) + 1)


_PLAIN_SCALARS = frozenset({str, int, float, bool, type(None)})


def _not_plain_data(data: dict[str, Any]) -> list[Problem]:
    """Problems for whatever YAML built that is not text, numbers, lists and mappings
    with text keys: a list or mapping used as a key, a number or ``null`` as an id,
    a ``!!set``. Each names the element and carries a path to its line.

    A key is addressed by its position in its mapping (an int) in the path, which
    :func:`line_index` records for every key.

    >>> for problem in _not_plain_data({"activities": {12: {}}, "x": {"y": {1, 2}}}):
    ...     print(problem)
    12: the key 12 is a number, not text; write it in quotes ('12')
    x: y: a set (!!set) is not allowed here; write a number, a text, a list [...] or a mapping {...}
    """
    problems: list[Problem] = []
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            for position, (key, value) in enumerate(node.items()):
                if key.__class__ is not str:
                    problems.append(_key_problem(path, position, key))
                elif value.__class__ not in _PLAIN_SCALARS:  # scalars need no visit
                    stack.append(((*path, key), value))
        elif isinstance(node, list):
            stack.extend(((*path, index), item) for index, item in enumerate(node)
                         if item.__class__ not in _PLAIN_SCALARS)
        else:
            what = N_("a set (!!set)") if isinstance(node, set | frozenset) else \
                N_("a {type}", type=type(node).__name__)
            problems.append(Problem(_at(path, N_(
                "{what} is not allowed here; write a number, a text, a list [...] or a "
                "mapping {{...}}", what=what)), element=_element_of(path), path=path))
    problems.reverse()  # the stack walked the document backwards
    return problems


def _points_to_odd_data(error: Mapping[str, Any]) -> bool:
    """Whether a records error may come from data that is not plain (see
    :func:`_not_plain_data`): a key that is not text, or a set where a value goes."""
    loc = error["loc"]
    return (loc[-1:] == ("[key]",) or any(not isinstance(part, str | int) for part in loc)
            or isinstance(error.get("input"), set | frozenset | tuple))


def _key_problem(path: tuple[str | int, ...], position: int, key: Any) -> Problem:
    message: Message
    if isinstance(key, tuple):
        message = N_("a key is a list ({value}); keys are text: a '? ' before a key is YAML's "
                     "complex key, not a name", value=quoted(list(key)))
    elif isinstance(key, frozenset):
        message = N_("a key is a mapping ({value}); keys are text: a '? ' before a key is "
                     "YAML's complex key, not a name", value=quoted(dict(key)))
    elif key is None:
        message = N_("the key {value} is read as null, not text; write it in quotes",
                     value=quoted(key))
    elif isinstance(key, bool):
        message = N_("the key {value} is read as a yes/no value, not text; write it in quotes",
                     value=quoted(key))
    elif isinstance(key, int | float):
        message = N_("the key {value} is a number, not text; write it in quotes ('{key}')",
                     value=quoted(key), key=key)
    else:
        message = N_("a key is a {type}, not text", type=type(key).__name__)
    in_section = len(path) == 1 and path[0] in _ELEMENT_SECTIONS
    element = _element_of(path) if not in_section else \
        (str(key) if isinstance(key, int | float) and not isinstance(key, bool) else path[0])
    return Problem(_at(path, message), element=str(element) if element else None,
                   path=(*path, position))


def _at(path: tuple[str | int, ...], message: Message) -> Message:
    """``message`` after the field it is about below its element ('labor: ...'), if any."""
    inner = [str(p) for p in path[2:]] if path[:1] and path[0] in _ELEMENT_SECTIONS \
        else [str(p) for p in path[1:]]
    return N_("{field}: {message}", field=".".join(cut(p) for p in inner),
              message=message) if inner else message


def _element_of(path: tuple[str | int, ...]) -> str | None:
    if len(path) >= 2 and path[0] in _ELEMENT_SECTIONS:
        return cut(str(path[1]))
    if len(path) >= 2 and path[0] == "flows":
        return f"flows[{path[1]}]"
    return cut(str(path[0])) if path else None


def _syntax_problem(text: str, err: Exception) -> Problem:
    """A problem for what yaml_rs refused: its own line and reason for a syntax error;
    for a duplicate key, both lines, found by a walk that stops at the duplicate."""
    said = str(err)
    first, _, rest = said.partition("\n")
    if first.startswith("duplicate mapping key"):
        duplicate = _find_duplicate_key(text)
        if duplicate is not None:
            key, line, first_line = duplicate
            return Problem(N_("duplicate key {key} (first defined on line {first_line}); YAML "
                              "would silently keep only the last one", key=quoted(key),
                              first_line=first_line), line=line)
    # yaml_rs says "YAML parse error at line 3, column 2", then may quote the line
    # (which can be huge), then the reason on the last line.
    found = re.search(r"at line (\d+), column (\d+)", first)
    reason = cut(rest.rpartition("\n")[2] if rest else first)
    if found is not None:
        reason = re.sub(r"\s*at line \d+, column \d+", "", reason) or "cannot be read"
        # The parser's reason stays in its words (it names YAML's own terms), quoted
        # in a sentence of the reader's language.
        return Problem(N_("YAML syntax error: {reason} (column {column})", reason=reason,
                          column=int(found.group(2))), line=int(found.group(1)))
    return Problem(N_("YAML error: {reason}", reason=cut(first)))


def _find_duplicate_key(text: str) -> tuple[str, int, int] | None:
    """(key, its line, the line of its first definition) of the first key written
    twice in one mapping, from PyYAML's parser events (no document is built)."""
    import yaml  # only for a file with a problem (see line_index)

    collection_start = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
    collection_end = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    any_node = (yaml.ScalarEvent, yaml.AliasEvent, *collection_start)
    # One frame per open collection: [keys seen -> line (None for a sequence),
    # whether the next node in it is a key].
    frames: list[list[Any]] = []
    parser = yaml.CSafeLoader(text)
    try:
        while (event := parser.get_event()) is not None:
            if isinstance(event, collection_end):
                frames.pop()
                continue
            if not isinstance(event, any_node):
                continue
            if frames and frames[-1][0] is not None:
                seen, is_key = frames[-1]
                frames[-1][1] = not is_key
                if is_key and isinstance(event, yaml.ScalarEvent):
                    line = event.start_mark.line + 1 if event.start_mark else 0
                    if event.value in seen:
                        return event.value, line, seen[event.value]
                    seen[event.value] = line
            if isinstance(event, collection_start):
                frames.append([{} if isinstance(event, yaml.MappingStartEvent) else None, True])
    except yaml.YAMLError:
        pass
    finally:
        parser.dispose()
    return None


# --- records and checks --------------------------------------------------------


def _build_and_check(data: dict[str, Any], catalogue: LoadedCatalogue | None
                     ) -> tuple[ProcessModel | None, list[Problem]]:
    if "format" not in data:
        return None, [Problem(N_("missing 'format: {format}' (the first line of every model)",
                                 format=FORMAT), element="format", path=("format",))]
    if data["format"] == CATALOGUE_FORMAT:
        return None, [Problem(N_("this is a resource catalogue ({name}), not a process model; "
                                 "keep it in the library folder, where the models beside it "
                                 "take their pools from it", name=CATALOGUE_NAME),
                              element="format", path=("format",))]
    if data["format"] != FORMAT:
        return None, [Problem(N_("unknown format {value}; this version of abc-costing reads "
                                 "{format}", value=quoted(data["format"]), format=FORMAT),
                              element="format", path=("format",))]
    data, use, resolving = resolve_resources(data, catalogue)
    try:
        model = ProcessModel.model_validate(data)
    except ValidationError as err:
        errors = err.errors(include_url=False)
        # A key that is not text or a !!set fails the records too; said plainly here
        # (looked for only when an error points that way: plain data is the rule).
        if any(_points_to_odd_data(e) for e in errors):
            odd = _not_plain_data(data)
            if odd:
                return None, odd
        problems = [field_problem(e, data) for e in errors]
        return None, resolving + problems + _check_what_is_left(data, err)
    if use is not None:
        model.resolved_with(use)
    return model, resolving + validate_model(model)


def _check_what_is_left(data: dict[str, Any], err: ValidationError) -> list[Problem]:
    """Run the cross-record checks on the elements that did read cleanly.

    Broken activities and resources are kept as empty stand-ins so that
    references to them stay known; when a gateway, event or flow is broken
    the routing checks are skipped, as their findings would be guesses.
    """
    repaired = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    routing_known = True
    dropped: set[str] = set()
    referenced: set[str] = set()  # resources named by activities that did not read
    broken_flows: set[int] = set()
    for error in err.errors(include_url=False):
        loc = error["loc"]
        head = loc[0] if loc else None
        if head in _TOP_LEVEL_DEFAULTS:
            repaired[head] = _TOP_LEVEL_DEFAULTS[head]
        elif head in _ELEMENT_SECTIONS and len(loc) >= 2 and isinstance(repaired.get(head), dict):
            element_id, original = loc[1], data[head].get(loc[1])
            kind = original.get("kind") if isinstance(original, dict) else None
            if head == "activities":
                repaired[head][element_id] = {}
                # The stand-in does no work: its resources are used all the same.
                for section in ("labor", "uses"):
                    named = original.get(section) if isinstance(original, dict) else None
                    if isinstance(named, dict):
                        referenced.update(str(r) for r in named)
            elif head == "resources" and kind in RESOURCE_STAND_INS:
                repaired[head][element_id] = {"kind": kind, **RESOURCE_STAND_INS[kind]}
            else:
                routing_known = False
                dropped.add(str(element_id))
                repaired[head].pop(element_id, None)
        elif head == "flows" and len(loc) >= 2 and isinstance(loc[1], int):
            routing_known = False
            broken_flows.add(loc[1])
        else:
            return []  # a whole section is malformed: nothing sound to check
    if broken_flows and isinstance(repaired.get("flows"), list):
        repaired["flows"] = [f for i, f in enumerate(repaired["flows"]) if i not in broken_flows]
    try:
        model = ProcessModel.model_validate(repaired)
    except ValidationError:
        return []
    problems = validate_model(model, include_routing=routing_known)
    if broken_flows:
        # Flow indexes shifted when broken flows were dropped; map them back.
        kept = [i for i in range(len(data["flows"])) if i not in broken_flows]
        problems = [_renumber_flow(p, kept) for p in problems]
    return [p for p in problems if not any(repr(d) in p.message for d in dropped)
            and not (p.path[:1] == ("resources",) and p.element in referenced
                     and p.message == "resource is not used by any activity")]


def _renumber_flow(problem: Problem, kept: list[int]) -> Problem:
    if problem.path[:1] != ("flows",) or len(problem.path) < 2:
        return problem
    original = kept[int(problem.path[1])]
    return Problem(problem.message, element=f"flows[{original}]", severity=problem.severity,
                   path=("flows", original, *problem.path[2:]))


_FLOW_PARTS = {0: "from", 1: "to", 2: "probability", "source": "from", "target": "to"}

def field_problem(error: Mapping[str, Any], data: dict[str, Any]) -> Problem:
    loc = error["loc"]
    path: list[str | int] = []
    node: Any = data
    for position, part in enumerate(loc):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif position == len(loc) - 1 and error["type"] in ("missing", "extra_forbidden"):
            pass  # the key that is missing or unwanted: name it
        else:
            continue  # a union tag such as 'labor' or 'function-after[...]'
        path.append(part)
    head = path[0] if path else None
    element: str | None
    if head in (*_ELEMENT_SECTIONS, "pools", "overrides") and len(path) >= 2:
        element, field_path = cut(str(path[1])), path[2:]
    elif head == "flows" and len(path) >= 2:
        # A flow is written as a list; name its part by the field, not the index.
        element = f"flows[{path[1]}]"
        field_path = [_FLOW_PARTS.get(part, part) for part in loc[2:3]]
    else:
        element, field_path = (cut(str(head)) if head is not None else None), path[1:]
    message = _field_message(error, data)
    field = ".".join(cut(str(p)) for p in field_path)
    whole_flow = head == "flows" and message.startswith("a flow is")
    if field and error["type"] not in ("extra_forbidden",) and not whole_flow:
        message = N_("{field}: {message}", field=field, message=message)
    line_path = tuple(path)
    return Problem(message, element=element, path=line_path)


def _field_message(error: Mapping[str, Any], data: dict[str, Any]) -> Message:
    """What a records error says, as a whole sentence in the reader's language.

    Pydantic's own English (``msg``) is used only for an error type this reader
    does not know; each known type is said by its ``ctx``.
    """
    kind = error["type"]
    given: Any = error.get("input")
    ctx: Any = error.get("ctx", {})

    def shown() -> str:  # only when the message shows the input: most do not
        return quoted(given)

    if kind in ("too_long", "named_tuple_type") or (kind == "missing" and isinstance(
            error["loc"][-1], int)):
        return N_("a flow is [from, to] or [from, to, probability], got {value}", value=shown())
    if kind == "value_error":
        said = said_by_pydantic(error)
        return _said_got(said) if said.template != "{message}" else \
            N_("{message}", message=_say_got(said))
    if kind == "extra_forbidden":
        return N_("unknown field {value} (misspelt? see the format in the README)",
                  value=quoted(error["loc"][-1]))
    if kind == "missing":
        return N_("required field {value} is missing", value=quoted(error["loc"][-1]))
    if kind == "union_tag_not_found":
        return N_("kind is missing; use labor or per_use")
    if kind == "union_tag_invalid":
        return N_("kind {value} is unknown; use labor or per_use", value=quoted(given.get("kind")))
    if kind == "string_type" and error["loc"][:1] == ("flows",):
        return N_("flow ends must be element ids (got {value})", value=shown())
    if kind == "string_too_long":
        if error["loc"][-1:] == ("[key]",):
            return N_("the id is {length:,} characters long; at most {limit:,} are allowed",
                      length=Count(len(given)), limit=Count(ctx["max_length"]))
        return N_("the text is {length:,} characters long; at most {limit:,} are allowed",
                  length=Count(len(given)), limit=Count(ctx["max_length"]))
    if kind == "greater_than_equal":
        bound = ctx.get("ge")
        return (N_("must not be negative (got {value})", value=shown()) if bound == 0
                else N_("must be at least {bound} (got {value})", bound=Figure.as_written(bound),
                        value=shown()))
    if kind == "greater_than" and ctx.get("gt") == 0:
        return N_("must be positive (got {value})", value=shown())
    if kind == "less_than_equal":
        return N_("must be at most {bound} (got {value})", bound=Figure.as_written(ctx["le"]),
                  value=shown())
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        if isinstance(given, int) and not isinstance(given, bool):
            return N_("is too large (got {value})", value=shown())  # no float holds it
        return N_("must be a number (got {value})", value=shown())
    if kind == "finite_number":
        return N_("must be a finite number (got {value})", value=shown())
    if kind == "string_pattern_mismatch":
        return N_("{value} is not a slug: use letters, digits, '_' and '-' only", value=shown())
    said = said_by_pydantic(error)
    if isinstance(given, dict | list):
        return said
    return N_("{message} (got {value})", message=said, value=shown())


def said_by_pydantic(error: Mapping[str, Any]) -> Message:
    """Pydantic's message for one of its errors (``msg``), as a text of ours.

    The records' own ``ValueError`` texts come back as they were raised (without
    pydantic's "Value error, "); a type this module knows is said again from its
    ``ctx`` (identical English); any other type keeps pydantic's English words.

    >>> said_by_pydantic({"type": "greater_than_equal", "msg": "Input should be greater "
    ...                   "than or equal to 0", "ctx": {"ge": 0}})
    'Input should be greater than or equal to 0'
    """
    kind, msg, ctx = error["type"], error["msg"], error.get("ctx") or {}
    if kind == "value_error":
        raised = ctx.get("error")
        said = raised.args[0] if isinstance(raised, ValueError) and raised.args else None
        if isinstance(said, Message):
            return said
        return N_("{message}", message=msg.removeprefix("Value error, "))
    known = _PYDANTIC_SAYS.get(kind)
    if known is not None:
        # pydantic writes a whole float bound as an integer ("to 0", not "to 0.0")
        values = {name: int(value) if isinstance(value, float) and value.is_integer()
                  else value for name in known.values for value in [ctx.get(name)]}
        expected = values.get("expected")
        if isinstance(expected, str) and " or " in expected:  # "'start' or 'end'"
            first, _, last = expected.rpartition(" or ")
            values["expected"] = N_("{first} or {last}", first=first, last=last)
        again = Message(known.template, values)
        if again == msg:  # said the same way, or pydantic changed its words: keep its own
            return again
    return N_("{message}", message=msg)


#: Pydantic's words for the error types a user's file meets, as our texts (the same
#: English, so nothing changes for an English reader); a placeholder is a ``ctx`` key.
_PYDANTIC_SAYS: dict[str, Message] = {
    "missing": N_("Field required"),
    "extra_forbidden": N_("Extra inputs are not permitted"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}", ge=0),
    "greater_than": N_("Input should be greater than {gt}", gt=0),
    "less_than_equal": N_("Input should be less than or equal to {le}", le=0),
    "less_than": N_("Input should be less than {lt}", lt=0),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "float_type": N_("Input should be a valid number"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_type": N_("Input should be a valid integer"),
    "finite_number": N_("Input should be a finite number"),
    "string_type": N_("Input should be a valid string"),
    "string_too_long": N_("String should have at most {max_length} characters", max_length=0),
    "string_too_short": N_("String should have at least {min_length} character",
                           min_length=0),
    "literal_error": N_("Input should be {expected}", expected=""),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "dict_type": N_("Input should be a valid dictionary"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "model_type": N_("Input should be a valid dictionary or instance of {class_name}",
                     class_name=""),
    "model_attributes_type": N_("Input should be a valid dictionary or object to extract "
                                "fields from"),
}


def _said_got(message: Message) -> Message:
    """A records' message ending in ", got X" said with the value in brackets."""
    if message.template == "{message}, got {value}":
        return N_("{message} (got {value})", **message.values)
    return message


def _say_got(message: str) -> str:
    return re.sub(r", got (.*)$", r" (got \1)", message)


# --- lines -----------------------------------------------------------------------


def with_lines(problems: list[Problem], text: str, *, file: str | None = None
                ) -> list[Problem]:
    """The problems with their lines (found from their paths) and ``file`` filled in."""
    wanted = [p.path for p in problems if p.line is None and p.path]
    lines = line_index(text, wanted) if wanted else {}
    located = []
    for problem in problems:
        line = None
        for n in range(len(problem.path), 0, -1):
            line = lines.get(problem.path[:n])
            if line is not None:
                break
        located.append(problem.located(file=file, line=line))
    return located


def line_index(text: str, wanted: Iterable[tuple[str | int, ...]]
                ) -> dict[tuple[str | int, ...], int]:
    """The 1-based line of each path in ``wanted`` and of each of their prefixes.

    A path is keys and list indexes; a mapping's key is also found by its
    position in the mapping (an int), which is how :func:`_not_plain_data`
    names a key that is not text. One pass over PyYAML's parser events (its C
    parser: no document is built, no scalar resolved), entering only the parts
    of the document that lead to a wanted path, so the time is linear in the
    text and small per event.

    >>> line_index("a:\\n  b: 1\\n? [x]\\n: 2\\n", [("a", "b"), (1,)])
    {('a',): 1, ('a', 'b'): 2, (1,): 3}
    """
    # Imported here: PyYAML is only needed once something is wrong, and importing it
    # is a few hundredths of a second of every command that reads a valid model.
    import yaml

    tree: dict[Any, Any] = {}  # the wanted paths as a trie
    for path in wanted:
        node = tree
        for part in path:
            node = node.setdefault(part, {})
    lines: dict[tuple[str | int, ...], int] = {}
    # One frame per open collection on a wanted path: [trie node, path, is a
    # mapping, position of the next entry, the next node is a key, the last key].
    frames: list[list[Any]] = []
    skipped = 0  # depth inside a collection no wanted path enters
    scalar, alias = yaml.ScalarEvent, yaml.AliasEvent
    mapping_start, sequence_start = yaml.MappingStartEvent, yaml.SequenceStartEvent
    mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
    # Classes compared by identity: this loop runs once per event of the file.
    parser = yaml.CSafeLoader(text)
    # what yaml.parse wraps, a quarter faster called directly
    next_event: Callable[[], Any] = parser.get_event
    try:
        while (event := next_event()) is not None:
            kind = event.__class__
            if skipped:
                if kind is mapping_start or kind is sequence_start:
                    skipped += 1
                elif kind is mapping_end or kind is sequence_end:
                    skipped -= 1
                continue
            if kind is mapping_end or kind is sequence_end:
                frames.pop()
                continue
            starts = kind is mapping_start or kind is sequence_start
            if not (starts or kind is scalar or kind is alias):
                continue  # stream and document events
            child: dict[Any, Any] | None = tree
            child_path: tuple[str | int, ...] = ()
            if frames:
                frame = frames[-1]
                node, path, position = frame[0], frame[1], frame[3]
                if frame[2] and frame[4]:  # a mapping's key
                    frame[4] = False
                    frame[5] = event.value if kind is scalar else None
                    if position in node:
                        lines.setdefault((*path, position), event.start_mark.line + 1)
                    if frame[5] is not None and frame[5] in node:
                        lines.setdefault((*path, frame[5]), event.start_mark.line + 1)
                    skipped = int(starts)  # a list or mapping as a key: nothing inside
                    continue
                frame[3] = position + 1
                if frame[2]:  # a mapping's value
                    frame[4] = True
                    part = frame[5]
                else:  # a list's item
                    part = position
                    if part in node:
                        lines.setdefault((*path, part), event.start_mark.line + 1)
                child = node.get(part) if part is not None else None
                child_path = (*path, part)
            if starts:
                if child is None:
                    skipped = 1
                else:
                    frames.append([child, child_path, kind is mapping_start, 0, True, None])
    except yaml.YAMLError:
        pass  # the lines found before the error stand
    finally:
        parser.dispose()
    return lines
