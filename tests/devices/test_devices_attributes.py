"""The attributes the agent reads have one shape each; the state store keeps only readable ones."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hausgeist.devices import StateStore
from hausgeist.domains.attributes import (
    SHAPES,
    attribute_problem,
    readable_state,
    state_problem,
)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("current_humidity", [41], "must be a number, got [41]"),
        ("current_humidity", {"value": 41}, "must be a number"),
        ("current_humidity", True, "must be a number, got True"),
        ("current_humidity", "41", "must be a number, got '41'"),
        ("volume_level", math.nan, "must be a number, got nan"),
        ("volume_level", 1e308, "must be a number"),
        pytest.param("volume_level", 10**5000, "too large to write", id="5000-digits"),
        ("hvac_modes", "heat", "must be a list of texts"),
        ("hvac_modes", ["heat", 1], "must be a list of texts"),
        ("rgb_color", [255, 0], "three numbers"),
        ("rgb_color", [255, 0, 300], "three numbers"),
        ("items", 5, "must be a list of texts or"),
        ("items", [{"summary": ["milk"]}], "must be a list of texts or"),
        ("is_volume_muted", "yes", "true or false"),
        ("unit_of_measurement", ["%"], "must be a text"),
    ],
)
def test_a_value_of_the_wrong_shape_is_named(name: str, value: Any, problem: str) -> None:
    found = attribute_problem(name, value)
    assert found is not None
    assert problem in found
    assert len(found) < 120, "the value is shortened, not written out whole"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("current_humidity", 41),
        ("current_humidity", 41.5),
        ("current_humidity", None),
        ("hvac_modes", ["off", "heat"]),
        ("rgb_color", [255, 0, 10]),
        ("items", ["milk", {"summary": "eggs", "status": "completed"}]),
        ("vendor_specific", [{"anything": [1, None]}]),
    ],
)
def test_a_readable_value_passes(name: str, value: Any) -> None:
    assert attribute_problem(name, value) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [([41], "must be a text, a number or true/false"), (math.inf, "at most"), ({}, "a text")],
)
def test_a_state_must_be_a_text_a_number_or_a_flag(value: Any, problem: str) -> None:
    found = state_problem(value)
    assert found is not None
    assert problem in found


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "1e400"])
def test_a_state_that_is_no_number_is_unknown(text: str) -> None:
    assert readable_state(text) is None


@pytest.mark.parametrize("text", ["on", "21.5", "-3", "unknown", ""])
def test_other_states_are_kept(text: str) -> None:
    assert readable_state(text) == text


def test_the_store_keeps_the_last_readable_value() -> None:
    states = StateStore()
    states.set("climate.hall", "heat", {"current_humidity": 40, "hvac_modes": ["heat"]})
    states.set("climate.hall", "nan", {"current_humidity": [41], "hvac_modes": None, "x": [1]})
    state = states.get("climate.hall")
    assert state.state is None
    assert state.attributes == {"current_humidity": 40, "hvac_modes": None, "x": [1]}


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=5)
    | st.sampled_from(["nan", "inf", "1e999"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)


@given(
    json_values,
    st.dictionaries(st.sampled_from(sorted(SHAPES)) | st.text(max_size=5), json_values),
)
def test_whatever_is_set_or_laid_over_only_readable_values_are_kept(
    state: Any, attributes: dict[str, Any]
) -> None:
    states = StateStore()
    states.set("sensor.a", state if isinstance(state, str) else None, attributes)
    over = states.override({"sensor.b": {"state": state, "attributes": attributes}})
    for entity_id in ("sensor.a", "sensor.b"):
        kept = over.get(entity_id)
        assert kept.state is None or isinstance(kept.state, str)
        assert kept.state is None or readable_state(kept.state) == kept.state
        for name, value in kept.attributes.items():
            assert attribute_problem(name, value) is None
