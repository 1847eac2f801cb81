"""A duration's file form read by the short way equals the general reading.

``Duration._from_file_form`` takes plain numbers and ``{triangular|pert|uniform:
[...]}`` lists of plain numbers by a shorter way (it runs once per duration of a
file); everything it does not take goes to ``_file_form``, the general reading.
The property: for any input, both give the same fields, or both refuse it with
the same message.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from abc_costing.model.records import MAX_MINUTES, Duration, _file_form

numbers = st.one_of(
    st.integers(min_value=-5, max_value=200),
    st.integers(min_value=int(MAX_MINUTES) - 2, max_value=int(MAX_MINUTES) + 2),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-1.0, max_value=MAX_MINUTES * 1.01),
    st.sampled_from([0, 0.0, -0.0, True, False, None, "45", MAX_MINUTES, 10**400]),
)
# in range, so that the order and the count of parameters decide (the short way's own tests)
plain = st.one_of(st.integers(min_value=0, max_value=9), st.floats(min_value=0, max_value=9))
forms = st.one_of(
    numbers,
    st.builds(lambda name, args: {name: args}, st.sampled_from(["triangular", "pert", "uniform"]),
              st.lists(plain, min_size=1, max_size=4)),
    st.builds(lambda mean, sd: {"lognormal": {"mean": mean, "sd": sd}}, plain, plain),
    st.builds(lambda name, args: {name: args},
              st.sampled_from(["triangular", "pert", "uniform", "lognormal", "normal"]),
              st.one_of(st.lists(numbers, min_size=1, max_size=4),
                        st.lists(numbers, min_size=2, max_size=3).map(tuple),
                        st.fixed_dictionaries({"mean": numbers, "sd": numbers}),
                        st.dictionaries(st.sampled_from(["mean", "sd", "x"]), numbers,
                                        max_size=3), numbers)),
    st.dictionaries(st.sampled_from(["pert", "uniform"]), st.lists(numbers, min_size=2,
                                                                   max_size=3),
                    min_size=2, max_size=2),
)


def _reading(read, data):  # noqa: ANN001, ANN202 - the two readers of one form
    try:
        return "fields", read(data)
    except ValueError as error:
        return "refused", str(error)


def _same(left: object, right: object) -> bool:
    """Equal, with -0.0 told from 0.0 (a sign is kept as written)."""
    if isinstance(left, float) and isinstance(right, float):
        return math.copysign(1.0, left) == math.copysign(1.0, right) and (
            left == right or (math.isnan(left) and math.isnan(right)))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, tuple | list) and isinstance(right, tuple | list):
        return type(left) is type(right) and len(left) == len(right) and all(
            _same(a, b) for a, b in zip(left, right, strict=True))
    return type(left) is type(right) and left == right


@settings(max_examples=500)
@given(forms)
def test_the_short_way_reads_as_the_general_reading(data: object) -> None:
    short = _reading(Duration._from_file_form, data)
    general = _reading(_file_form, data)
    assert short[0] == general[0]
    assert _same(short[1], general[1])


@pytest.mark.parametrize(("written", "mean_minutes"), [
    (45, 45.0),
    ({"triangular": [10, 20, 60]}, 30.0),  # (10 + 20 + 60) / 3
    ({"pert": [10, 20, 60]}, 25.0),  # (10 + 4 × 20 + 60) / 6
    ({"uniform": [10, 20.5]}, 15.25),  # (10 + 20.5) / 2
    ({"pert": [5, 5, 5]}, 5.0),  # min = mode = max is allowed
    ({"lognormal": {"mean": 66, "sd": 9.5}}, 66.0),  # written by its mean
    ({"lognormal": {"mean": 0, "sd": 0}}, 0.0),
])
def test_common_forms_give_their_means(written: object, mean_minutes: float) -> None:
    assert Duration.model_validate(written).mean_minutes == mean_minutes


@pytest.mark.parametrize(("written", "said"), [
    (True, "duration must be a number, got True"),
    (-1, "duration must not be negative, got -1"),
    ({"pert": [10, 5, 60]}, "pert needs min <= mode <= max, got [10.0, 5.0, 60.0]"),
    ({"uniform": [1, 2, 3]}, "uniform needs [min, max], got [1, 2, 3]"),
    ({"lognormal": {"mean": 0, "sd": 1}}, "lognormal mean must be positive when sd is positive"),
])
def test_a_form_the_short_way_leaves_is_refused_as_before(written: object, said: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Duration.model_validate(written)
    assert said in str(caught.value)
