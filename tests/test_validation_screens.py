"""The screens in C that let validation and the reader skip the element-by-element look.

A screen only ever says "nothing to report here"; whatever it lets through is looked at
element by element as before. On generated models broken in random ways, the problems
(messages, their order, elements, paths) are the same with the screens on and off, and
the reader's screen of a file's bytes finds what the searches of its text find.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from abc_costing import validation
from abc_costing.formats.yaml_model import (
    MAX_DIGITS,
    _control_character,
    _long_number,
    _refusal,
)
from abc_costing.model import ProcessModel
from abc_costing.validation import _costs_surely_finite, validate_model
from tests.strategies import generated_models

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _mutated(data: dict[str, Any], draw: st.DrawFn) -> dict[str, Any]:
    """``data`` (a generated model's file form) with up to four random slips."""
    data = {**data, "flows": [list(flow) for flow in data["flows"]],
            "activities": {a: dict(record) for a, record in data["activities"].items()},
            "gateways": dict(data.get("gateways", {})),
            "resources": dict(data["resources"])}
    nodes = [*data["activities"], *data["gateways"], *data["events"]]
    activities = list(data["activities"])
    for _ in range(draw(st.integers(0, 4))):
        slip = draw(st.sampled_from([
            "ghost flow", "self loop", "twice", "drop flow", "kind", "unknown labor",
            "labor of the other kind", "duplicate id", "needs", "one_of", "unused",
            "classes", "probability", "zero exit"]))
        flows = data["flows"]
        if slip == "ghost flow":
            flows.append([draw(st.sampled_from(nodes)), "ghost"])
        elif slip == "self loop":
            node = draw(st.sampled_from(nodes))
            flows.append([node, node])
        elif slip == "twice" and flows:
            flows.append(list(draw(st.sampled_from(flows))))
        elif slip == "drop flow" and flows:
            flows.pop(draw(st.integers(0, len(flows) - 1)))
        elif slip == "kind" and data["gateways"]:
            gateway = draw(st.sampled_from(sorted(data["gateways"])))
            data["gateways"][gateway] = {"kind": draw(st.sampled_from(["exclusive",
                                                                        "parallel"]))}
        elif slip == "unknown labor":
            activity = draw(st.sampled_from(activities))
            data["activities"][activity]["labor"] = {"nobody": 5}
        elif slip == "labor of the other kind":
            data["resources"]["c9"] = {"kind": "per_use", "cost_per_use": 3}
            data["activities"][draw(st.sampled_from(activities))]["labor"] = {"c9": 5}
        elif slip == "duplicate id":
            data["gateways"][draw(st.sampled_from(activities))] = {"kind": "exclusive"}
        elif slip == "needs":
            activity = draw(st.sampled_from(activities))
            data["activities"][activity]["needs"] = draw(st.lists(
                st.sampled_from([*activities, "ghost"]), max_size=2))
        elif slip == "one_of":
            activity = draw(st.sampled_from(activities))
            labor = data["activities"][activity].get("labor", {})
            data["activities"][activity]["one_of"] = {r: draw(st.sampled_from([0, 0.5, 1]))
                                                      for r in [*labor, "r1"]}
        elif slip == "unused":
            data["resources"]["idle"] = {"kind": "labor", "rate_per_hour": 100}
        elif slip == "classes":
            data["case_classes"] = {"small": {"share": 0.5}, "large": {"share": 0.5}}
        elif slip == "probability" and flows:
            flow = draw(st.sampled_from(flows))
            flow[2:] = [draw(st.sampled_from([0.5, 0.0, 1e-9, {"small": 1}]))]
        elif slip == "zero exit":
            for flow in flows:
                if len(flow) > 2 and not isinstance(flow[2], dict):
                    flow[2] = 0.0 if flow[2] < 0.5 else 1.0
    return data


@st.composite
def broken_models(draw: st.DrawFn) -> dict[str, Any]:
    return _mutated(draw(generated_models(max_leaves=8)).data, draw)


def _problems(data: dict[str, Any], *, screens: bool, infinite: bool) -> list[str]:
    model = ProcessModel.model_validate(data)
    if infinite:  # model_copy skips the records' bounds: the one way to an inf cost
        first = next(iter(model.activities))
        model = model.model_copy(update={"activities": {
            **model.activities,
            first: model.activities[first].model_copy(update={"other_cost": math.inf})}})
    validation._SCREENS = screens
    try:
        return [f"{p.severity} {p.element} {p.path} {p}" for p in validate_model(model)]
    finally:
        validation._SCREENS = True


@SETTINGS
@given(broken_models(), st.booleans())
def test_validation_says_the_same_with_and_without_its_screens(data, infinite):
    try:
        ProcessModel.model_validate(data)
    except ValidationError:
        assume(False)  # a slip the records refuse: not the checks' business
    screened = _problems(data, screens=True, infinite=infinite)
    assert screened == _problems(data, screens=False, infinite=infinite)


@SETTINGS
@given(generated_models(max_leaves=8))
def test_a_generated_model_passes_every_screen_and_validates(generated):
    # The screens are meant for the usual model: a valid one has no error either way
    # (a resource no task happens to use is a warning).
    model = ProcessModel.model_validate(generated.data)
    assert _costs_surely_finite(model)
    assert {p.severity for p in validate_model(model)} <= {"warning"}


def test_the_cost_bound_catches_inf_and_nan_and_passes_large_finite_amounts():
    base = {"format": "abc-costing/1", "process": "p", "variant": "v",
            "resources": {"clerk": {"kind": "labor", "rate_per_hour": 1e12}},
            "activities": {"a": {"labor": {"clerk": 1e7}, "other_cost": 1e12}}}
    model = ProcessModel.model_validate(base)
    # 1e12 per hour = 1e12 / 60 per minute, × 1e7 minutes ≈ 1.7e17, + 1e12: far below 1e300
    assert _costs_surely_finite(model)
    for odd in (math.inf, math.nan, -math.inf):
        changed = model.model_copy(update={"activities": {
            "a": model.activities["a"].model_copy(update={"other_cost": odd})}})
        assert not _costs_surely_finite(changed)


# --- the reader's screen of a file's bytes ---------------------------------------------------

_ALPHABET = st.sampled_from(["a", "Ж", "«", "»", "\xa0", "\x85", "\x80", "\x9b", "\x9f",
                             "\xa0", "\x00", "\x08", "\t", "\n", "\r", "\x1b", "\x7f",
                             "\ufeff", "\ufffd", "\ufffe", "\uffff", "\ud800", "7", "€"])


@settings(max_examples=500, deadline=None)
@given(st.lists(_ALPHABET, max_size=40).map("".join))
def test_the_byte_screen_refuses_what_the_text_searches_refuse(text):
    expected = _control_character(text) or _long_number(text)
    assert _refusal(text) == expected
    if "\ud800" not in text:  # a file's bytes: what the reader passes along
        assert _refusal(text, text.encode("utf-8")) == expected


@pytest.mark.parametrize("digits", [MAX_DIGITS - 1, MAX_DIGITS, 2 * MAX_DIGITS])
def test_a_run_of_digits_is_refused_from_the_limit_on(digits):
    text = "title: Ж\nother: 1" + "7" * (digits - 1) + "\n"
    found = _refusal(text)
    assert found == _long_number(text)
    # "other: " is 7 characters: the run starts at column 8 of line 2
    assert (found is None) == (digits < MAX_DIGITS)
    if found is not None:
        assert found.line == 2 and f"a number of {digits:,} digits at column 8" in found.message
