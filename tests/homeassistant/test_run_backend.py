"""`hausgeist run` on a Home Assistant home (issue 16): a command on the broker acts on Home
Assistant's entities through its services, and a rule reacts to a change made in Home
Assistant (its state_changed events reach the automation engine) by calling another of
its services."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.ha_core import (
    HomeAssistant,
    entity_state,
    free_port,
    hausgeist_process,
    home_config,
    wait_for_port,
)
from hausgeist.devices.actions import ServiceCall
from hausgeist.integration.homeassistant.link import HomeAssistantLink


def _wait(link: HomeAssistantLink, entity_id: str, state: str, within: float = 15) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if entity_state(link, entity_id) == state:
            return True
        time.sleep(0.1)
    return False


def test_run_acts_through_home_assistant_and_its_rules_hear_it(
    homeassistant: HomeAssistant, tmp_path: Path
) -> None:
    port = free_port()
    rule = {
        "id": "coffee_light",
        "triggers": [{"trigger": "state", "entity_id": "switch.coffee_machine", "to": "on"}],
        "actions": [{"action": "light.turn_on", "target": {"entity_id": "light.bedroom_lamp"}}],
    }
    config = home_config(tmp_path / "home.yaml", homeassistant, automations=[rule])
    agent = hausgeist_process(
        ["run", "--config", str(config), "--broker-port", str(port)], tmp_path / "data"
    )
    answers: list[dict[str, object]] = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="ha-run-test")
    online = threading.Event()

    def received(_c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        if message.topic == "hausgeist/status":
            if message.payload == b"online":
                online.set()
        else:
            answers.append(json.loads(message.payload))

    client.on_message = received
    try:
        wait_for_port(port, agent)
        client.connect("127.0.0.1", port)
        client.subscribe([("hausgeist/response", 1), ("hausgeist/status", 1)])
        client.loop_start()
        with HomeAssistantLink.open(homeassistant.url, homeassistant.token) as link:
            for entity_id in ("light.kitchen_ceiling", "light.bedroom_lamp"):
                link.call_service(ServiceCall(service="light.turn_off", entity_id=entity_id))
            link.call_service(
                ServiceCall(service="switch.turn_off", entity_id="switch.coffee_machine")
            )
            assert online.wait(30), "the agent did not say it is online"
            client.publish("hausgeist/command", "turn on the kitchen ceiling", qos=1)
            assert _wait(link, "light.kitchen_ceiling", "on"), answers
            link.call_service(
                ServiceCall(service="switch.turn_on", entity_id="switch.coffee_machine")
            )
            assert _wait(link, "light.bedroom_lamp", "on")  # the rule heard Home Assistant
            # a name given in Home Assistant while the agent runs is heard
            link.command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": "light.kitchen_ceiling",
                    "aliases": ["cooking light"],
                }
            )
            deadline = time.monotonic() + 20
            while entity_state(link, "light.kitchen_ceiling") != "off":
                assert time.monotonic() < deadline, answers
                client.publish("hausgeist/command", "turn off the cooking light", qos=1)
                time.sleep(1.0)
            link.command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": "light.kitchen_ceiling",
                    "aliases": [],
                }
            )
        deadline = time.monotonic() + 5
        while not answers and time.monotonic() < deadline:
            time.sleep(0.05)
        assert answers, "no answer on hausgeist/response"
        assert answers[0]["status"] == "done", answers
    finally:
        client.loop_stop()
        agent.terminate()
        agent.wait(timeout=30)
