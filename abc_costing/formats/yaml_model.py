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
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from abc_costing.memory import cyclic_gc_paused
from abc_costing.model import FORMAT, ProcessModel
from abc_costing.problems import ModelError, Problem, has_errors
from abc_costing.validation import validate_model

__all__ = [
    "MAX_FILE_BYTES",
    "parse_model_text",
    "parse_yaml_data",
    "model_from_data",
    "read_model",
    "load_model",
    "load_library",
    "model_files",
]

# yaml_rs 0.1.6 crashes the process (SIGSEGV) on any call made after the
# thread that first imported it has exited. Streamlit runs each rerun on a new
# thread, so the dashboard hit it. Importing it on a worker thread that lives
# as long as the process avoids the fault (tests/test_yaml_threads.py).
_YAML_RS_HOME = ThreadPoolExecutor(max_workers=1, thread_name_prefix="yaml_rs-home")
yaml_rs = _YAML_RS_HOME.submit(importlib.import_module, "yaml_rs").result()

#: Model files larger than this are refused unread (a 10,000-activity model is ~1.5 MB).
MAX_FILE_BYTES = 32 * 1024 * 1024

_ALIAS_LIMITS = yaml_rs.AliasLimits(
    max_total_replayed_events=200_000, max_replay_stack_depth=32
)
_ELEMENT_SECTIONS = ("resources", "activities", "gateways", "events")
_TOP_LEVEL_DEFAULTS: dict[str, Any] = {
    "process": "unnamed",
    "variant": "unnamed",
    "title": None,
    "currency": "RUB",
    "volume_per_year": None,
}


def parse_model_text(
    text: str, *, source: str | None = None
) -> tuple[ProcessModel | None, list[Problem]]:
    """Parse and validate the text of a model file.

    Returns ``(model, problems)``: ``model`` is ``None`` when any problem is an
    error; warnings come back with a usable model. ``source`` names the file in
    the problems.
    """
    with cyclic_gc_paused():
        data, problems = _parse_yaml(text)
        model, problems = _build_and_check(data) if data is not None else (None, problems)
    if problems:
        problems = _with_lines(problems, text)
        problems = [p.located(file=source) for p in problems]
    return (None if has_errors(problems) else model), problems


def model_from_data(
    data: dict[str, Any], *, source: str | None = None
) -> tuple[ProcessModel | None, list[Problem]]:
    """Validate already-parsed file data (as :func:`parse_yaml_data` returns it).

    Used to re-check an edited model quickly, without writing YAML text;
    problems name the element but carry no line numbers.
    """
    with cyclic_gc_paused():
        model, problems = _build_and_check(data)
    problems = [p.located(file=source) for p in problems]
    return (None if has_errors(problems) else model), problems


def parse_yaml_data(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The plain data of a model file's text (dicts, lists, numbers, strings), or problems."""
    data, problems = _parse_yaml(text)
    return data, (_with_lines(problems, text) if problems else problems)


def read_model(path: str | Path) -> tuple[ProcessModel | None, list[Problem]]:
    """Read and validate a model file; like :func:`parse_model_text` but from disk.

    A missing, unreadable, oversized or non-UTF-8 file is reported as a problem.
    """
    path = Path(path)
    source = str(path)
    try:
        if path.is_dir():
            return None, [Problem("is a folder, not a model file", file=source)]
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(f"file is {size:,} bytes; model files are limited to "
                                  f"{MAX_FILE_BYTES:,} bytes", file=source)]
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem("file not found", file=source)]
    except OSError as err:
        return None, [Problem(f"cannot read file: {err.strerror or err}", file=source)]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        return None, [Problem("file is not UTF-8 text (save it as UTF-8)", file=source, line=line)]
    return parse_model_text(text, source=source)


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
    """The model files under ``directory`` (``*.yaml`` and ``*.yml``, recursively), sorted."""
    directory = Path(directory)
    files = [p for pattern in ("*.yaml", "*.yml") for p in directory.rglob(pattern)]
    # Skip hidden files and folders (editor backups, .git) below the folder itself.
    return sorted(
        p for p in files
        if not any(part.startswith(".") for part in p.relative_to(directory).parts)
    )


def load_library(
    directory: str | Path,
) -> tuple[list[tuple[Path, ProcessModel]], list[Problem]]:
    """Read every model file under ``directory``.

    Returns the valid models with their paths, and the problems of every file
    (a broken file does not hide the others). A missing folder is a problem.
    """
    directory = Path(directory)
    if not directory.is_dir():
        return [], [Problem("folder not found", file=str(directory))]
    loaded: list[tuple[Path, ProcessModel]] = []
    problems: list[Problem] = []
    with cyclic_gc_paused():
        for path in model_files(directory):
            model, found = read_model(path)
            problems.extend(found)
            if model is not None:
                loaded.append((path, model))
    if not loaded and not problems:
        problems.append(Problem("no model files (*.yaml) in this folder", file=str(directory)))
    return loaded, problems


# --- parsing -----------------------------------------------------------------


def _parse_yaml(text: str) -> tuple[dict[str, Any] | None, list[Problem]]:
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
        return None, [Problem("YAML is nested too deeply or too large to read")]
    if data is None:
        return None, [Problem("file is empty; a model starts with 'format: abc-costing/1'")]
    if not isinstance(data, dict):
        return None, [Problem("a model file is a mapping of fields (format, process, variant, "
                              f"...), not a {type(data).__name__}")]
    return data, []


def _syntax_problem(text: str, err: Exception) -> Problem:
    message = str(err).splitlines()[0]
    duplicate = _find_duplicate_key(text)
    if duplicate is not None:
        key, line, first_line = duplicate
        return Problem(f"duplicate key {key!r} (first defined on line {first_line}); "
                       "YAML would silently keep only the last one", line=line)
    try:
        yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as marked:
        mark = marked.problem_mark or marked.context_mark
        what = marked.problem or marked.context or message
        return Problem(f"YAML syntax error: {what}",
                       line=mark.line + 1 if mark is not None else None)
    except yaml.YAMLError:
        pass
    found = re.search(r"line (\d+)", message)
    detail = re.sub(r"at line \d+, column \d+", "", message).strip()
    return Problem(f"YAML error: {detail}",
                   line=int(found.group(1)) if found else None)


def _find_duplicate_key(text: str) -> tuple[str, int, int] | None:
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return None
    stack = [root] if root is not None else []
    visited: set[int] = set()  # aliases share nodes: walk each once
    while stack:
        node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first_seen: dict[str, int] = {}
            for key, value in node.value:
                line = key.start_mark.line + 1
                if isinstance(key, yaml.ScalarNode):
                    if key.value in first_seen:
                        return key.value, line, first_seen[key.value]
                    first_seen[key.value] = line
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return None


# --- records and checks --------------------------------------------------------


def _build_and_check(data: dict[str, Any]) -> tuple[ProcessModel | None, list[Problem]]:
    if "format" not in data:
        return None, [Problem(f"missing 'format: {FORMAT}' (the first line of every model)",
                              element="format", path=("format",))]
    if data["format"] != FORMAT:
        return None, [Problem(f"unknown format {data['format']!r}; this version of abc-costing "
                              f"reads {FORMAT}", element="format", path=("format",))]
    try:
        model = ProcessModel.model_validate(data)
    except ValidationError as err:
        problems = [_field_problem(e, data) for e in err.errors(include_url=False)]
        return None, problems + _check_what_is_left(data, err)
    return model, validate_model(model)


def _check_what_is_left(data: dict[str, Any], err: ValidationError) -> list[Problem]:
    """Run the cross-record checks on the elements that did read cleanly.

    Broken activities and resources are kept as empty stand-ins so that
    references to them stay known; when a gateway, event or flow is broken
    the routing checks are skipped, as their findings would be guesses.
    """
    repaired = {k: (dict(v) if isinstance(v, dict) else v) for k, v in data.items()}
    routing_known = True
    dropped: set[str] = set()
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
            elif head == "resources" and kind in ("labor", "per_use"):
                stand_in = {"rate_per_hour": 0} if kind == "labor" else {"cost_per_use": 0}
                repaired[head][element_id] = {"kind": kind, **stand_in}
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
    return [p for p in problems if not any(repr(d) in p.message for d in dropped)]


def _renumber_flow(problem: Problem, kept: list[int]) -> Problem:
    if problem.path[:1] != ("flows",) or len(problem.path) < 2:
        return problem
    original = kept[int(problem.path[1])]
    return Problem(problem.message, element=f"flows[{original}]", severity=problem.severity,
                   path=("flows", original, *problem.path[2:]))


_FLOW_PARTS = {0: "from", 1: "to", 2: "probability", "source": "from", "target": "to"}

def _field_problem(error: dict[str, Any], data: dict[str, Any]) -> Problem:
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
    if head in _ELEMENT_SECTIONS and len(path) >= 2:
        element, field_path = str(path[1]), path[2:]
    elif head == "flows" and len(path) >= 2:
        # A flow is written as a list; name its part by the field, not the index.
        element = f"flows[{path[1]}]"
        field_path = [_FLOW_PARTS.get(part, part) for part in loc[2:3]]
    else:
        element, field_path = (str(head) if head is not None else None), path[1:]
    message = _field_message(error, data)
    field = ".".join(str(p) for p in field_path)
    whole_flow = head == "flows" and message.startswith("a flow is")
    if field and error["type"] not in ("extra_forbidden",) and not whole_flow:
        message = f"{field}: {message}"
    line_path = tuple(path)
    return Problem(message, element=element, path=line_path)


def _field_message(error: dict[str, Any], data: dict[str, Any]) -> str:
    kind, msg = error["type"], error["msg"]
    given = error.get("input")
    if kind in ("too_long", "named_tuple_type") or (kind == "missing" and isinstance(
            error["loc"][-1], int)):
        return f"a flow is [from, to] or [from, to, probability], got {given!r}"
    if kind == "value_error":
        return _say_got(msg.removeprefix("Value error, "))
    if kind == "extra_forbidden":
        return f"unknown field {error['loc'][-1]!r} (misspelt? see the format in the README)"
    if kind == "missing":
        return f"required field {error['loc'][-1]!r} is missing"
    if kind == "union_tag_not_found":
        return "kind is missing; use labor or per_use"
    if kind == "union_tag_invalid":
        return f"kind {given.get('kind')!r} is unknown; use labor or per_use"
    if kind == "string_type" and error["loc"][:1] == ("flows",):
        return f"flow ends must be element ids (got {given!r})"
    if kind == "greater_than_equal" and error.get("ctx", {}).get("ge") == 0:
        return f"must not be negative (got {given!r})"
    if kind == "greater_than" and error.get("ctx", {}).get("gt") == 0:
        return f"must be positive (got {given!r})"
    if kind == "less_than_equal":
        return f"must be at most {error['ctx']['le']:g} (got {given!r})"
    if kind in ("float_type", "float_parsing", "int_type", "int_parsing"):
        return f"must be a number (got {given!r})"
    if kind == "finite_number":
        return f"must be a finite number (got {given!r})"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not a slug: use letters, digits, '_' and '-' only"
    if isinstance(given, dict | list):
        return msg
    return f"{msg} (got {given!r})"


def _say_got(message: str) -> str:
    return re.sub(r", got (.*)$", r" (got \1)", message)


# --- lines -----------------------------------------------------------------------


def _with_lines(problems: list[Problem], text: str) -> list[Problem]:
    if all(p.line is not None or not p.path for p in problems):
        return problems
    lines = _line_index(text)
    located = []
    for problem in problems:
        line = None
        for n in range(len(problem.path), 0, -1):
            line = lines.get(problem.path[:n])
            if line is not None:
                break
        located.append(problem.located(line=line))
    return located


def _line_index(text: str) -> dict[tuple[str | int, ...], int]:
    """Map every key path and list index in the document to its 1-based line."""
    try:
        root = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[tuple[str | int, ...], int] = {}
    stack: list[tuple[tuple[str | int, ...], Any]] = [((), root)] if root is not None else []
    visited: set[int] = set()  # aliases share nodes: walk each once
    while stack:
        path, node = stack.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, key.value)
                lines.setdefault(child, key.start_mark.line + 1)
                stack.append((child, value))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                child = (*path, i)
                lines.setdefault(child, item.start_mark.line + 1)
                stack.append((child, item))
    return lines
