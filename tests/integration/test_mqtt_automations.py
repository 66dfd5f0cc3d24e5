"""Automations live on a real Mosquitto: a device report fires a rule, whose call reaches the
device's /set topic through the same outbox and adapters as a spoken command; a message on
a trigger topic fires one; mqtt.publish publishes; a reload message reloads, and a bad
reload keeps the old rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from mosquitto_process import Mosquitto
from mqtt_helpers import FakeAgent, Probe, home_yaml, running, unique

from hausgeist.automations.loading import check_all, world_of
from hausgeist.automations.words import RuleReader
from hausgeist.commands.automations import apply_switches, read_switches
from hausgeist.config import load_config
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.history import SqlHistory
from hausgeist.home import Home
from hausgeist.integration.automation_runner import AutomationRunner
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.service import AgentService

pytestmark = pytest.mark.mqtt

RULES = [
    {
        "id": "door_light",
        "triggers": [{"trigger": "state", "entity_id": "lock.front_door", "to": "unlocked"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.kitchen"}}],
    },
    {
        "id": "button",
        "triggers": [{"trigger": "mqtt", "topic": "{base}_buttons/+", "payload": "press"}],
        "actions": [
            {
                "action": "light.turn_on",
                "target": {"entity_id": "light.living_room"},
                "data": {"brightness_pct": 40},
            },
            {
                "action": "mqtt.publish",
                "data": {"topic": "{base}/notify", "payload": "pressed {{ trigger.topic }}"},
            },
        ],
    },
]


def _write(path: Path, base: str, port: int, rules: list[object]) -> None:
    text = home_yaml(base, port) + yaml.safe_dump({"automations": rules}).replace("{base}", base)
    path.write_text(text, encoding="utf-8")


def _service(path: Path, data: Path, history: SqlHistory | None = None) -> AgentService:
    config = load_config(path, env={})
    switches = data / "automation-switches.json"
    assert config.mqtt is not None
    registry = DeviceRegistry.from_config(config)
    states = StateStore.from_registry(registry)
    dispatcher = MqttDispatcher.open(
        config.mqtt, registry, states, data, reply_topics=[f"{config.mqtt.base_topic}/#"]
    )

    def load() -> tuple[object, list[object]]:
        fresh = load_config(path, env={})
        world = world_of(fresh, [])
        rules = check_all(world, [(list(fresh.automations), ("automations",), None, str(path))])
        return world, apply_switches(rules, read_switches(switches))

    home = Home.from_config(config)
    runner = AutomationRunner(
        load,
        dispatcher,
        config.mqtt.base_topic,
        reader=RuleReader(home.understanding, home.states),
        watch=[path, switches],
        record=None if history is None else history.record_runs,
        home="test home",
    )  # type: ignore[arg-type]
    agent = FakeAgent(config, dispatcher, registry, states)
    return AgentService(agent, dispatcher, config.mqtt, automations=runner)


async def test_rules_run_live(mosquitto: Mosquitto, tmp_path: Path) -> None:
    base = unique()
    path = tmp_path / "home.yaml"
    _write(path, base, mosquitto.port, RULES)
    service = _service(path, tmp_path / "data")
    z2m = f"{base}_z2m"
    topics = [f"{base}/#", f"{z2m}/+/set"]
    async with Probe(mosquitto.host, mosquitto.port, topics) as probe, running(service):
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        [light] = await probe.wait_for(lambda m: m.topic == f"{z2m}/Kitchen Light/set")
        await probe.publish(f"{base}_buttons/hall", "press")
        [lamp] = await probe.wait_for(lambda m: m.topic == f"{z2m}/Living Room Lamp/set")
        [note] = await probe.wait_for(lambda m: m.topic == f"{base}/notify")
        await probe.publish(f"{base}_buttons/hall", "release")
        await probe.quiet(0.5)
    assert json.loads(light.payload) == {"state": "ON"}
    assert json.loads(lamp.payload) == {"state": "ON", "brightness": 102}
    assert note.payload == f"pressed {base}_buttons/hall".encode()
    assert len(probe.on(f"{z2m}/Living Room Lamp/set")) == 1


async def test_a_reload_message_reloads_and_a_bad_reload_keeps_the_old_rules(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    path = tmp_path / "home.yaml"
    _write(path, base, mosquitto.port, RULES[:1])
    service = _service(path, tmp_path / "data")
    z2m = f"{base}_z2m"
    async with (
        Probe(mosquitto.host, mosquitto.port, [f"{z2m}/+/set", f"{base}/#"]) as probe,
        running(service),
    ):
        bad = [*RULES[:1], {"id": "x", "triggers": [{"trigger": "teleport"}], "actions": []}]
        _write(path, base, mosquitto.port, bad)
        await probe.publish(f"{base}/automations/reload", "")
        await probe.quiet(0.3)
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        [light] = await probe.wait_for(lambda m: m.topic == f"{z2m}/Kitchen Light/set")
        changed = [
            {
                **RULES[0],
                "actions": [
                    {"action": "light.turn_on", "target": {"entity_id": "light.living_room"}}
                ],
            }
        ]
        _write(path, base, mosquitto.port, changed)
        await probe.publish(f"{base}/automations/reload", "")
        await probe.quiet(0.3)
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "LOCK"}))
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        [lamp] = await probe.wait_for(lambda m: m.topic == f"{z2m}/Living Room Lamp/set")
    assert json.loads(light.payload) == {"state": "ON"}
    assert json.loads(lamp.payload) == {"state": "ON"}


async def test_a_rule_is_made_from_words_over_mqtt(mosquitto: Mosquitto, tmp_path: Path) -> None:
    base = unique()
    path = tmp_path / "home.yaml"
    _write(path, base, mosquitto.port, [])
    service = _service(path, tmp_path / "data")
    async with Probe(mosquitto.host, mosquitto.port, [f"{base}/#"]) as probe, running(service):
        await probe.publish(
            f"{base}/automations/add",
            json.dumps({"text": "when the front door is unlocked, turn on the kitchen light"}),
        )
        [answer] = await probe.wait_for(lambda m: m.topic == f"{base}/automations/add/result")
    made = answer.json()
    assert made["status"] == "confirm"
    assert made["automation"]["triggers"] == [
        {"trigger": "state", "entity_id": "lock.front_door", "to": "unlocked"}
    ]


async def test_every_run_is_kept_and_a_rule_switched_off_stops(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    path = tmp_path / "home.yaml"
    data = tmp_path / "data"
    _write(path, base, mosquitto.port, RULES)
    history = SqlHistory.open(None, data)
    service = _service(path, data, history)
    z2m = f"{base}_z2m"
    async with (
        Probe(mosquitto.host, mosquitto.port, [f"{z2m}/+/set", f"{base}/#"]) as probe,
        running(service),
    ):
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        await probe.wait_for(lambda m: m.topic == f"{z2m}/Kitchen Light/set")
        await probe.publish(f"{base}_buttons/hall", "press")
        await probe.wait_for(lambda m: m.topic == f"{base}/notify")
        (data / "automation-switches.json").write_text('{"door_light": false}')
        await probe.quiet(1.5)  # the runner sees the file change and reloads
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "LOCK"}))
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        await probe.quiet(0.5)
    assert len(probe.on(f"{z2m}/Kitchen Light/set")) == 1  # off: it did not run again
    runner = service._automations  # the test closes it, as serve.py does
    assert runner is not None
    runner.close()
    assert history.flush(10) == 0
    runs = history.runs(home="test home")
    history.close()
    assert [(r.automation, r.result) for r in runs] == [
        ("button", "finished"),
        ("door_light", "finished"),
    ]
    button, door = runs
    assert door.trigger["entity_id"] == "lock.front_door"
    assert door.trigger["to_state"] == "unlocked"
    assert [(s["step"], s["service"]) for s in door.steps] == [("call", "light.turn_on")]
    assert [s["step"] for s in button.steps] == ["call", "publish"]
    assert button.trigger["payload"] == "press"
