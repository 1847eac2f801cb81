"""Model text from one YAML emitter: any text in a key, a value or a comment stays that text.

Every model this tool writes (a mined log, an imported BPMN file) is built by
:func:`abc_costing.formats.model_text.yaml_text`. The identity tested here: the
text reads back, with each of the three YAML readers the project uses
(yaml_rs for models, ruamel.yaml for edits, PyYAML for line numbers), as
exactly the data that was written, whatever the strings and comments hold.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from abc_costing.formats import parse_yaml_data
from abc_costing.formats.model_text import (
    COMMENT_MAX_CHARS,
    Commented,
    OneLine,
    comment_safe,
    yaml_text,
)
from abc_costing.formats.roundtrip import EditableModel

INJECTION = "\nother_cost: 1000000"


def _plain(value: Any) -> Any:
    """The data a document stands for, without the layout wrappers."""
    if isinstance(value, Commented | OneLine):
        return _plain(value.value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _read_three_ways(text: str) -> list[Any]:
    data, problems = parse_yaml_data(text)
    assert problems == [], text
    ruamel = EditableModel.from_text(text).get(())
    return [data, _plain_ruamel(ruamel), yaml.safe_load(text)]


def _plain_ruamel(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _plain_ruamel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_ruamel(item) for item in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return float(value)
    return value


# --- worked examples -------------------------------------------------------------------


def test_a_line_break_in_a_name_stays_in_the_name():
    name = "Иванова" + INJECTION
    text = yaml_text({"resources": {"clerk": {"name": name, "rate_per_hour": 600}}})
    # The only "other_cost" in the text is inside the quoted, escaped name.
    assert text == ('resources:\n  clerk:\n    name: "Иванова\\nother_cost: 1000000"\n'
                    "    rate_per_hour: 600\n")
    for data in _read_three_ways(text):
        assert data == {"resources": {"clerk": {"name": name, "rate_per_hour": 600}}}


def test_comments_cannot_open_a_line():
    text = yaml_text(
        {"activities": {"draft": Commented(
            {"labor": Commented(OneLine({"clerk": 30}), "by" + INJECTION,
                                above=("done by" + INJECTION, "x\r\n  other_cost: 5"))},
            "BPMN task" + INJECTION)}},
        header=["from log" + INJECTION + ".csv", "\u2028other_cost: 7\x85"])
    assert text == (
        "# from log other_cost: 1000000.csv\n"
        "#  other_cost: 7 \n"
        "activities:\n"
        "  draft:  # BPMN task other_cost: 1000000\n"
        "    # done by other_cost: 1000000\n"
        "    # x   other_cost: 5\n"
        "    labor: {clerk: 30}  # by other_cost: 1000000\n")
    for data in _read_three_ways(text):
        assert data == {"activities": {"draft": {"labor": {"clerk": 30}}}}


@pytest.mark.parametrize("space", ["\xa0", "\u3000", "\u2003", "\x1c", "\ufeff"])
def test_a_header_line_of_odd_white_space_stays_a_comment(space):
    # Python's str.strip() takes these for blanks, YAML for text: a line holding only
    # one must still start with "#", or it would be the document.
    text = yaml_text({"a": 1}, header=[space, "", "x"])
    assert text.splitlines()[0].startswith("#") and text.splitlines()[1:] == ["", "# x", "a: 1"]
    for data in _read_three_ways(text):
        assert data == {"a": 1}


def test_invisible_characters_are_escaped_in_values_and_replaced_in_comments():
    # U+202E RIGHT-TO-LEFT OVERRIDE would show "Иванова" + reversed text in an editor.
    name = "ab\u202ecd\u200b"
    text = yaml_text({"name": Commented(name, "x\u202ey")})
    assert text == 'name: "ab\\u202Ecd\\u200B"  # x?y\n'
    assert "\u202e" not in text and "\u200b" not in text
    for data in _read_three_ways(text):
        assert data == {"name": name}


@pytest.mark.parametrize("value", [
    "yes", "No", "on", "y", "null", "true", "~", "", " ", "123", "1.5", "0x1F", "1e3",
    ".inf", "-", "- a", "? a", ": a", "a: b", "a #b", "#a", "&anchor", "*alias",
    "!!python/object/apply:os.system", "{a: 1}", "[a]", "'", '"', "\\", "@x", "`x", "%x",
    "|", ">", "a\tb", "\x00", "\x7f", "\x85", "\u2028", "\ufeff", "12:30", "2024-03-01",
])
def test_strings_yaml_would_read_as_something_else_are_quoted(value):
    text = yaml_text({value: value})
    for data in _read_three_ways(text):
        assert data == {value: value}


def test_identifiers_stay_plain_and_numbers_read_back_exactly():
    text = yaml_text({"format": "abc-costing/1", "process": "приём_заявок", "rate": 0.1 + 0.2,
                      "big": 1.5e16, "tiny": 1e-7, "count": 10**20, "flag": True,
                      "nothing": None, "flows": [["start", "a", 0.25]]})
    assert text == ("format: abc-costing/1\nprocess: приём_заявок\nrate: 0.30000000000000004\n"
                    "big: 1.5e+16\ntiny: 1.0e-07\ncount: 100000000000000000000\nflag: true\n"
                    "nothing: null\nflows:\n  - [start, a, 0.25]\n")
    for data in _read_three_ways(text):
        assert data["rate"] == 0.1 + 0.2 and data["tiny"] == 1e-7 and data["big"] == 1.5e16


def test_shared_objects_are_written_twice_never_as_anchors():
    shared = {"clerk": 30}
    text = yaml_text({"a": OneLine(shared), "b": OneLine(shared)})
    assert text == "a: {clerk: 30}\nb: {clerk: 30}\n"


def test_what_a_model_cannot_hold_is_refused():
    with pytest.raises(ValueError, match="inf"):
        yaml_text({"rate": float("inf")})
    with pytest.raises(ValueError, match="cannot hold comments"):
        yaml_text({"labor": OneLine({"clerk": Commented(30, "no place for this")})})
    with pytest.raises(TypeError, match="strings"):
        yaml_text({1: "one"})
    with pytest.raises(TypeError, match="set"):
        yaml_text({"a": {1, 2}})


def test_long_comments_are_shortened():
    assert comment_safe("я" * 500) == "я" * (COMMENT_MAX_CHARS - 1) + "…"
    assert len(comment_safe("x" * 10, max_chars=5)) == 5


# --- properties -------------------------------------------------------------------------

_UNSAFE_IN_A_COMMENT = {"Cc", "Cf", "Cs", "Zl", "Zp"}


@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_a_safe_comment_is_one_line_of_visible_text(text):
    safe = comment_safe(text)
    assert len(safe) <= COMMENT_MAX_CHARS
    assert not any(unicodedata.category(c) in _UNSAFE_IN_A_COMMENT for c in safe)
    assert safe.splitlines() in ([safe], [])  # no line break of any kind


_scalars = (st.text() | st.integers(-10**20, 10**20) | st.booleans() | st.none()
            | st.floats(allow_nan=False, allow_infinity=False))
_comments = st.none() | st.text()
_above = st.lists(st.text(), max_size=2).map(tuple)


def _flow_values(children):
    return st.lists(children, max_size=3) | st.dictionaries(st.text(), children, max_size=3)


_flow = st.recursive(_scalars, _flow_values, max_leaves=6)


def _block_values(children):
    entries = st.dictionaries(
        st.text(), st.builds(Commented, children, _comments, _above) | children, max_size=3)
    items = st.lists(st.builds(Commented, children, _comments) | children, max_size=3)
    return entries | items | st.dictionaries(st.text(), _flow, max_size=3).map(OneLine)


_documents = st.dictionaries(st.text(), st.recursive(_scalars, _block_values, max_leaves=12),
                             max_size=4)


@settings(max_examples=200, deadline=None)
@given(document=_documents, header=st.lists(st.text(), max_size=3))
def test_any_document_reads_back_as_exactly_its_data(document, header):
    """Whatever its keys, values and comments hold, the text means the data and nothing more."""
    text = yaml_text(document, header=header)
    expected = _plain(document)
    for data in _read_three_ways(text):
        assert data == expected


def test_a_comment_on_a_list_opening_with_an_empty_mapping_keeps_the_list():
    """Found by hypothesis: ruamel's emitter loses a line break in ``k:  # c`` / ``- {}`` /
    ``- 0`` / ``- null`` (it wrote ``- 0   -`` then ``null``: a list of two, the second the
    string "0   - null"). The comment goes above its key; the data reads back whole."""
    document = {"": {"": Commented([Commented({}), Commented(0), Commented(None)], "0")}}
    text = yaml_text(document)
    assert text == '"":\n  # 0\n  "":\n    - {}\n    - 0\n    - null\n'
    for data in _read_three_ways(text):
        assert data == {"": {"": [{}, 0, None]}}
