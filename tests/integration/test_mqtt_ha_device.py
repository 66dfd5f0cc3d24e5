"""The agent as a Home Assistant device over MQTT discovery, on a real Mosquitto (issue 16):
its discovery messages (retained, compared with a snapshot), the switches' states, the
automations switch pausing and resuming the rules, a payload that is neither ON nor OFF
ignored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import FakeAgent, Probe, home_yaml, running, unique

from hausgeist.automations.loading import check_all, world_of
from hausgeist.config import load_config
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.integration.automation_runner import AutomationRunner
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.service import AgentService

pytestmark = pytest.mark.mqtt

SNAPSHOT = Path(__file__).parent / "snapshots" / "ha_device.json"
RULE = """
automations:
  - id: door_light
    triggers: [{trigger: state, entity_id: lock.front_door, to: unlocked}]
    actions: [{action: light.turn_on, target: {entity_id: light.kitchen}}]
"""


def _service(path: Path, data: Path) -> AgentService:
    config = load_config(path, env={})
    assert config.mqtt is not None
    registry = DeviceRegistry.from_config(config)
    states = StateStore.from_registry(registry)
    dispatcher = MqttDispatcher.open(config.mqtt, registry, states, data)

    def load() -> Any:
        fresh = load_config(path, env={})
        world = world_of(fresh, [])
        return world, check_all(world, [(list(fresh.automations), ("automations",), None, "t")])

    runner = AutomationRunner(load, dispatcher, config.mqtt.base_topic)
    agent = FakeAgent(config, dispatcher, registry, states)
    agent.handover_on = True  # type: ignore[attr-defined]  # the real Agent's switch
    return AgentService(agent, dispatcher, config.mqtt, automations=runner, announce=True)


def _normal(config: dict[str, Any], base: str) -> dict[str, Any]:
    """The payload with this run's names made the snapshot's (and no version)."""
    text = json.dumps(config, sort_keys=True).replace(base, "BASE")
    found = json.loads(text)
    found["device"].pop("sw_version")
    found["origin"].pop("sw_version")
    return dict(found)


async def test_the_agent_is_announced_and_its_switches_work(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    path = tmp_path / "home.yaml"
    path.write_text(home_yaml(base, mosquitto.port) + RULE, encoding="utf-8")
    service = _service(path, tmp_path / "data")
    z2m = f"{base}_z2m"
    topics = [f"homeassistant/+/{base}/+/config", f"{base}/#", f"{z2m}/+/set"]
    async with Probe(mosquitto.host, mosquitto.port, topics) as probe, running(service):
        configs = await probe.wait_for(
            lambda m: m.topic.startswith("homeassistant/") and m.topic.endswith("/config"),
            within=5,
        )
        await probe.quiet(0.5)
        announced = {
            m.topic.replace(base, "BASE"): _normal(m.json(), base)
            for m in probe.messages
            if m.topic.startswith("homeassistant/")
        }
        assert configs
        # retained: a Home Assistant that connects later still finds the device
        async with Probe(mosquitto.host, mosquitto.port, topics[:1]) as late:
            kept = await late.wait_for(lambda m: m.retain, within=5)
            await late.quiet(0.3)
            assert len([m for m in late.messages if m.retain]) == len(announced)
        assert kept
        assert [m.payload for m in probe.on(f"{base}/automations/pause")] == [b"ON"]
        assert [m.payload for m in probe.on(f"{base}/llm")] == [b"ON"]
        # the automations switch off: the rule does not run; on again: it does
        await probe.publish(f"{base}/automations/pause/set", "OFF")
        await probe.wait_for(
            lambda m: m.topic == f"{base}/automations/pause" and m.payload == b"OFF"
        )
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        await probe.quiet(0.5)
        assert probe.on(f"{z2m}/Kitchen Light/set") == []
        await probe.publish(f"{base}/automations/pause/set", "banana")
        await probe.publish(f"{base}/automations/pause/set", "ON")
        await probe.wait_for(
            lambda m: m.topic == f"{base}/automations/pause" and m.payload == b"ON"
        )
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "LOCK"}))
        await probe.publish(f"{z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        [light] = await probe.wait_for(lambda m: m.topic == f"{z2m}/Kitchen Light/set")
        await probe.publish(f"{base}/llm/set", "OFF")
        await probe.wait_for(lambda m: m.topic == f"{base}/llm" and m.payload == b"OFF")
    assert json.loads(light.payload) == {"state": "ON"}
    assert service._agent.handover_on is False  # type: ignore[attr-defined]
    if not SNAPSHOT.exists():  # written once, then reviewed and kept in the repository
        SNAPSHOT.write_text(json.dumps(announced, indent=2, sort_keys=True) + "\n")
    assert announced == json.loads(SNAPSHOT.read_text())
