"""Odd state never breaks the core: whatever a device or a request says its state is, every
question and command gets a decision (the example home, every kind of device)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hausgeist.config import load_config
from hausgeist.devices import DeviceRegistry, EntityState, StateStore
from hausgeist.devices.effects import apply_call
from hausgeist.domains.attributes import SHAPES
from hausgeist.paths import example_config
from hausgeist.understanding import Request, Understanding

TEXTS = (
    "how humid is the bathroom",
    "what is the temperature in the living room",
    "what's on the shopping list",
    "remove eggs from the shopping list",
    "what is the volume of the kitchen speaker",
    "turn the volume up on the kitchen speaker",
    "make it a degree warmer",
    "what is the thermostat set to",
    "what's playing on the tv",
    "brighten the desk lamp",
    "make the desk lamp warm white",
    "what is the brightness of the desk lamp",
    "set the bedroom fan to 50 percent",
    "turn the bedroom fan up",
    "open the blinds halfway",
    "what position are the blinds",
    "set the humidifier to 45",
    "how much battery has the robot vacuum",
    "set the boiler to eco",
    "turn on the boiler",
    "turn on the heating",
    "set the heating to cool",
    "is the tv on",
    "is anyone in the hallway",
    "turn off everything",
)

values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**20, max_value=10**300)
    | st.floats()
    | st.text(max_size=6)
    | st.sampled_from(["NaN", "inf", "1e999", "on", "off", "heat", "[41]", "unknown"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["summary", "name", "status", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
attributes = st.dictionaries(st.sampled_from(sorted(SHAPES)), values, max_size=10)


@pytest.fixture(scope="module")
def example() -> tuple[Understanding, StateStore, DeviceRegistry]:
    config = load_config(example_config(), env={})
    registry = DeviceRegistry.from_config(config)
    return Understanding(registry, config.policy), StateStore.from_registry(registry), registry


def _decide(core: Understanding, states: StateStore, text: str) -> None:
    decision, _ = core.decide(Request(text), states)
    assert decision.reply
    for call in decision.actions:  # what carrying it out does to a virtual device
        apply_call(call, states.get(call.entity_id))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(TEXTS), values, attributes)
def test_any_state_laid_over_every_device_is_decided_on(
    example: tuple[Understanding, StateStore, DeviceRegistry],
    text: str,
    state: Any,
    attrs: dict[str, Any],
) -> None:
    core, states, registry = example
    over = states.override({d.entity_id: {"state": state, "attributes": attrs} for d in registry})
    _decide(core, over, text)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(TEXTS),
    st.none() | st.text(max_size=6) | st.sampled_from(["NaN", "inf", "1e999", "on", "heat"]),
    attributes,
)
def test_questions_read_even_attributes_that_bypassed_the_store(
    example: tuple[Understanding, StateStore, DeviceRegistry],
    text: str,
    state: str | None,
    attrs: dict[str, Any],
) -> None:
    """The store drops unreadable attributes; the core does not rely on it."""
    core, _, registry = example
    raw = StateStore()
    raw._states = {d.entity_id: EntityState(state, attrs) for d in registry}
    core.decide(Request(text), raw)
