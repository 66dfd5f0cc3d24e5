"""Every run of a rule leaves a trace (issue 15, "seeing what ran"): its trigger, each
condition's result, its calls, publishes, waits and errors, and how it ended, including the
runs that a condition, the mode or a restart ended early."""

from __future__ import annotations

from typing import Any

import yaml
from test_engine_cases import HOME, engine_for, replay

from hausgeist.automations.engine import Engine
from hausgeist.automations.trace import MAX_STEPS, RunTrace
from hausgeist.config import load_config


def _engine(rules: str) -> Engine:
    return engine_for(load_config(HOME, env={}), yaml.safe_load(rules))


def _run(engine: Engine, events: list[str]) -> list[RunTrace]:
    replay(engine, events)
    return engine.drain_traces()


MOTION = """
- id: hall_motion
  alias: Hall light on motion
  triggers: [{trigger: state, entity_id: binary_sensor.motion, to: "on"}]
  conditions: [{condition: state, entity_id: input_boolean.guest, state: "off"}]
  actions:
    - action: light.turn_on
      target: {entity_id: light.hall}
      data: {brightness_pct: 40}
    - delay: "00:02:00"
    - action: light.turn_off
      target: {entity_id: light.hall}
"""


def test_a_finished_run_says_what_fired_what_held_and_each_step() -> None:
    engine = _engine(MOTION)
    [trace] = _run(engine, ["18:00 start", "18:00:05 binary_sensor.motion=on", "18:03"])
    assert trace.automation == "hall_motion"
    assert trace.alias == "Hall light on motion"
    assert trace.result == "finished"
    assert trace.error is None
    assert trace.trigger["entity_id"] == "binary_sensor.motion"
    assert trace.trigger["to_state"] == "on"
    assert trace.trigger["from_state"] == "off"
    assert trace.conditions == [{"index": 0, "condition": "state", "result": True}]
    assert [s["step"] for s in trace.steps] == ["call", "delay", "call"]
    assert trace.steps[0]["service"] == "light.turn_on"
    assert trace.steps[0]["data"] == {"brightness_pct": 40}
    assert trace.steps[2]["at"].endswith("18:02:05+01:00")
    assert trace.finished is not None
    assert (trace.finished - trace.started).total_seconds() == 120
    assert trace.as_json()["result"] == "finished"


def test_a_run_is_handed_over_only_once_it_has_ended() -> None:
    engine = _engine(MOTION)
    assert _run(engine, ["18:00 start", "18:00:05 binary_sensor.motion=on"]) == []
    engine.advance(engine.world.now.replace(minute=5))
    [trace] = engine.drain_traces()
    assert trace.result == "finished"
    assert engine.drain_traces() == []


def test_a_condition_that_fails_ends_the_run_with_its_result() -> None:
    engine = _engine(MOTION)
    [trace] = _run(
        engine,
        ["18:00 start", "18:00:01 input_boolean.guest=on", "18:00:05 binary_sensor.motion=on"],
    )
    assert trace.result == "condition not met"
    assert trace.conditions == [{"index": 0, "condition": "state", "result": False}]
    assert trace.steps == []


def test_single_mode_skips_and_restart_cancels_with_the_reason() -> None:
    engine = _engine(MOTION)
    traces = _run(
        engine,
        [
            "18:00 start",
            "18:00:05 binary_sensor.motion=on",
            "18:00:10 binary_sensor.motion=off",
            "18:00:20 binary_sensor.motion=on",
            "18:05",
        ],
    )
    assert [(t.result, t.error) for t in traces] == [
        ("skipped", "already running (mode: single)"),
        ("finished", None),
    ]
    restart = _engine(MOTION.replace("alias: Hall light on motion", "alias: x\n  mode: restart"))
    traces = _run(
        restart,
        [
            "18:00 start",
            "18:00:05 binary_sensor.motion=on",
            "18:00:10 binary_sensor.motion=off",
            "18:00:20 binary_sensor.motion=on",
            "18:05",
        ],
    )
    assert [t.result for t in traces] == ["cancelled", "finished"]
    assert "restart" in (traces[0].error or "")


def test_a_refused_call_is_an_error_in_the_trace() -> None:
    engine = _engine(
        """
- id: unlock_on_arrival
  triggers: [{trigger: mqtt, topic: home/arrived}]
  actions: [{action: lock.unlock, target: {entity_id: lock.front}}]
"""
    )
    [trace] = _run(engine, ["18:00 start", "18:00:01 mqtt home/arrived yes"])
    assert trace.result == "error"
    assert "policy: allow" in (trace.error or "")
    assert trace.trigger == {
        "platform": "mqtt",
        "id": "0",
        "idx": "0",
        "topic": "home/arrived",
        "payload": "yes",
    }
    assert [s["step"] for s in trace.steps] == ["error"]


def test_waits_publishes_and_timeouts_are_steps() -> None:
    engine = _engine(
        """
- id: door_left_open
  triggers: [{trigger: state, entity_id: binary_sensor.door, to: "on"}]
  actions:
    - wait_for_trigger: [{trigger: state, entity_id: binary_sensor.door, to: "off"}]
      timeout: "00:01:00"
    - if: "{{ not wait.completed }}"
      then: [{action: mqtt.publish, data: {topic: home/notify, payload: door open}}]
"""
    )
    [trace] = _run(engine, ["18:00 start", "18:00:01 binary_sensor.door=on", "18:02"])
    steps = [s["step"] for s in trace.steps]
    assert steps == ["wait for trigger", "wait timed out", "publish"]
    assert trace.steps[2]["payload"] == "door open"


def test_a_long_run_keeps_its_first_steps_and_counts_the_rest() -> None:
    engine = _engine(
        """
- id: many
  triggers: [{trigger: mqtt, topic: go}]
  actions:
    - repeat:
        count: 500
        sequence: [{action: light.toggle, target: {entity_id: light.hall}}]
"""
    )
    [trace] = _run(engine, ["18:00 start", "18:00:01 mqtt go x"])
    assert len(trace.steps) == MAX_STEPS
    assert trace.dropped_steps == 500 - MAX_STEPS
    assert trace.result == "finished"


def test_every_run_id_is_new() -> None:
    engine = _engine(MOTION.replace("alias: Hall light on motion", "alias: x\n  mode: parallel"))
    events = ["18:00 start"] + [
        f"18:00:{i:02d} binary_sensor.motion={'on' if i % 2 else 'off'}" for i in range(1, 40)
    ]
    traces: list[Any] = _run(engine, [*events, "18:10"])
    assert len(traces) == 20
    assert len({t.run_id for t in traces}) == 20
