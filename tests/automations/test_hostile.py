"""Hostile input on trigger topics and in states: huge, binary, deeply nested, not what a rule
expects. The engine never raises, never acts on it, and goes on with the next event."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_cases import HOME, engine_for

from hausgeist.config import load_config

RULES = [
    {
        "id": "json",
        "triggers": [
            {
                "trigger": "mqtt",
                "topic": "sensors/#",
                "value_template": "{{ value_json.alarm }}",
                "payload": "fire",
            }
        ],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.hall"}}],
    },
    {
        "id": "exact",
        "triggers": [{"trigger": "mqtt", "topic": "sensors/+/button", "payload": "press"}],
        "actions": [{"action": "switch.turn_on", "target": {"entity_id": "switch.fan"}}],
    },
    {
        "id": "numbers",
        "triggers": [{"trigger": "numeric_state", "entity_id": "sensor.temp", "above": 1e9}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.porch"}}],
    },
]
START = datetime(2026, 1, 10, 12, tzinfo=ZoneInfo("Europe/Berlin"))
EXAMPLES = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
CONFIG = load_config(HOME, env={})


def _nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


payloads = st.one_of(
    st.binary(max_size=2048),
    st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.integers(1, 200_000).map(_nested),
    st.integers(1, 3).map(lambda n: b"{" * (10**n)),
    st.just(b'{"alarm": ' + b"9" * 5000 + b"}"),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=5), c, max_size=4),
        max_leaves=30,
    ).map(lambda v: json.dumps(v).encode()),
)


@EXAMPLES
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sensors/a", "sensors/x/button", "sensors/a/b/c/d", "other"]), payloads
        ),
        max_size=8,
    )
)
def test_hostile_payloads_on_trigger_topics_never_act(messages: list[tuple[str, bytes]]) -> None:
    engine = engine_for(CONFIG, RULES)
    engine.start(START)
    for i, (topic, payload) in enumerate(messages):
        engine.advance(START + timedelta(seconds=i))
        engine.mqtt_message(topic, payload)
    done = [e for e in engine.drain() if e.error is None]
    assert done == [], done


@EXAMPLES
@given(
    st.lists(
        st.one_of(
            st.text(max_size=50), st.just("nan"), st.just("inf"), st.just("1e400"), st.none()
        ),
        max_size=10,
    )
)
def test_odd_states_never_break_a_numeric_trigger(states: list[str | None]) -> None:
    engine = engine_for(CONFIG, RULES)
    engine.start(START)
    for i, state in enumerate(states):
        engine.advance(START + timedelta(seconds=i))
        engine.set_state("sensor.temp", state, {"battery": state})
    assert [e for e in engine.drain() if e.error is None] == []


def test_a_matching_message_still_acts_after_hostile_ones() -> None:
    engine = engine_for(CONFIG, RULES)
    engine.start(START)
    engine.mqtt_message("sensors/a", _nested(100_000))
    engine.mqtt_message("sensors/a", b"\xff\xfe")
    engine.mqtt_message("sensors/a", b'{"alarm": "fire"}')
    assert [(e.automation, e.entity_id) for e in engine.drain()] == [("json", "light.hall")]
