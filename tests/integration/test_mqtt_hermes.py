"""Rhasspy 2 Hermes over a real Mosquitto: an NLU query is answered with the HA intent or
intentNotRecognized, echoing id, siteId and sessionId; a pending confirmation continues the
session; a siteId gives the room; malformed queries are dropped with a log line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import Probe, home_config, running, unique

from hausgeist.home import Home
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.hermes import HermesBridge
from hausgeist.integration.service import AgentService
from hausgeist.root import Ports, Root

pytestmark = pytest.mark.mqtt


def _service(base: str, port: int, data: Path) -> tuple[AgentService, Home]:
    config = home_config(base, port)
    assert config.mqtt is not None
    home = Home.from_config(config)
    dispatcher = MqttDispatcher.open(
        config.mqtt, home.registry, home.states, data, reply_topics=["hermes/#"]
    )
    agent = Root(home, Ports(dispatcher=dispatcher), data_dir=data).agent
    hermes = HermesBridge(agent, dispatcher.outbox, dispatcher.doorbell, {"kitchen-sat": "kitchen"})
    return AgentService(agent, dispatcher, config.mqtt, hermes=hermes), home


async def test_queries_are_answered_in_hermes_terms(mosquitto: Mosquitto, tmp_path: Path) -> None:
    base = unique()
    service, home = _service(base, mosquitto.port, tmp_path / "data")
    async with (
        Probe(
            mosquitto.host,
            mosquitto.port,
            [
                "hermes/intent/#",
                "hermes/nlu/intentNotRecognized",
                "hermes/dialogueManager/#",
                f"{base}_z2m/+/set",
            ],
        ) as probe,
        running(service),
    ):
        await probe.publish(
            "hermes/nlu/query",
            json.dumps(
                {
                    "input": "turn on the light",
                    "siteId": "kitchen-sat",
                    "id": "q1",
                    "sessionId": "s1",
                }
            ),
        )
        [intent] = await probe.wait_for(lambda m: m.topic == "hermes/intent/HassTurnOn")
        [end] = await probe.wait_for(lambda m: m.topic == "hermes/dialogueManager/endSession")
        await probe.wait_for(lambda m: m.topic == f"{base}_z2m/Kitchen Light/set")
        await probe.publish(
            "hermes/nlu/query",
            json.dumps(
                {
                    "input": "recite a poem about turnips",
                    "siteId": "x",
                    "id": "q2",
                    "sessionId": "s2",
                }
            ),
        )
        [missed] = await probe.wait_for(lambda m: m.topic == "hermes/nlu/intentNotRecognized")
        await probe.publish(
            "hermes/nlu/query",
            json.dumps({"input": "unlock the front door", "id": "q3", "sessionId": "s3"}),
        )
        [cont] = await probe.wait_for(lambda m: m.topic == "hermes/dialogueManager/continueSession")
        await probe.publish("hermes/nlu/query", b"\xff not json")
        await probe.publish("hermes/nlu/query", json.dumps({"input": 42}))
        await probe.publish(
            "hermes/nlu/query", json.dumps({"input": "yes", "id": "q4", "sessionId": "s3"})
        )
        found = await probe.wait_for(
            lambda m: m.topic.startswith("hermes/intent/") and m.json().get("id") == "q4"
        )
        [unlock] = await probe.wait_for(lambda m: m.topic == f"{base}_z2m/Front Door/set")
    said = intent.json()
    assert (said["id"], said["siteId"], said["sessionId"]) == ("q1", "kitchen-sat", "s1")
    assert said["intent"]["intentName"] == "HassTurnOn"
    assert said["slots"][0]["value"]["value"] == "light.kitchen"
    assert end.json()["sessionId"] == "s1"
    assert (missed.json()["id"], missed.json()["sessionId"]) == ("q2", "s2")
    assert cont.json()["sessionId"] == "s3"
    assert found[0].json()["sessionId"] == "s3"
    assert json.loads(unlock.payload) == {"state": "UNLOCK"}
    assert home.registry.get("lock.front_door") is not None
