"""Corrections and feedback over a real Mosquitto, with the real agent and its history."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import Probe, _dispatcher, home_config, running, unique

from hausgeist.history import SqlHistory
from hausgeist.home import Home
from hausgeist.integration.service import AgentService
from hausgeist.root import Ports, Root

pytestmark = pytest.mark.mqtt


async def _settle(agent: object, entity_id: str, state: str, probe: Probe) -> None:
    deadline = time.monotonic() + 5
    while agent.states.get(entity_id).state != state and time.monotonic() < deadline:  # type: ignore[attr-defined]
        await probe.quiet(0.02)


async def test_undo_and_a_correction_drive_the_real_devices(
    mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = unique()
    z2m = f"{base}_z2m"
    config = home_config(base, mosquitto.port)
    assert config.mqtt is not None
    home = Home.from_config(config)
    data = tmp_path / "data"
    history = SqlHistory.open(None, data)
    dispatcher = _dispatcher(config.mqtt, home.registry, home.states, data, {})
    agent = Root(home, Ports(dispatcher=dispatcher, history=history), data_dir=data).agent
    service = AgentService(agent, dispatcher, config.mqtt)
    probe = Probe(mosquitto.host, mosquitto.port, [f"{base}/#", f"{z2m}/+/set"])
    caplog.set_level(logging.INFO, logger="hausgeist")

    def command(text: str, request_id: str) -> str:
        return json.dumps({"text": text, "id": request_id, "session": "s", "area": "kitchen"})

    async with probe, running(service):
        await probe.publish(f"{base}/command", command("turn on the light", "r1"))
        await probe.wait_for(lambda m: m.topic == f"{z2m}/Kitchen Light/set")
        await probe.publish(f"{z2m}/Kitchen Light", json.dumps({"state": "ON"}))
        await _settle(agent, "light.kitchen", "on", probe)
        await probe.publish(f"{base}/command", command("undo", "r2"))
        sets = await probe.wait_for(
            lambda m: m.topic == f"{z2m}/Kitchen Light/set" and b"OFF" in m.payload
        )
        await probe.publish(f"{z2m}/Kitchen Light", json.dumps({"state": "OFF"}))
        await _settle(agent, "light.kitchen", "off", probe)
        await probe.publish(f"{base}/command", command("turn on the light", "r3"))
        await probe.wait_for(lambda m: m.topic == f"{base}/response" and b'"r3"' in m.payload)
        await probe.publish(f"{z2m}/Kitchen Light", json.dumps({"state": "ON"}))
        await _settle(agent, "light.kitchen", "on", probe)
        await probe.publish(f"{base}/command", command("no, the living room lamp", "r4"))
        lamp = await probe.wait_for(lambda m: m.topic == f"{z2m}/Living Room Lamp/set")
        await probe.wait_for(lambda m: m.topic == f"{base}/response" and b'"r4"' in m.payload)
        await probe.publish(f"{base}/feedback", json.dumps({"id": "r4", "right": True}))
        await probe.publish(f"{base}/feedback", b"right!")
        deadline = time.monotonic() + 5
        while "feedback on r4" not in caplog.text and time.monotonic() < deadline:
            await probe.quiet(0.05)
        answers = {
            m.json()["id"]: m.json() for m in probe.on(f"{base}/response") if "id" in m.json()
        }
    history.close()
    assert json.loads(sets[-1].payload) == {"state": "OFF"}
    assert answers["r2"]["status"] == "done"
    assert answers["r2"]["reply"].startswith("Undone")
    assert json.loads(lamp[0].payload) == {"state": "ON"}
    assert [a["entity_id"] for a in answers["r4"]["actions"]] == [
        "light.kitchen",
        "light.living_room",
    ]
    assert "feedback on r4" in caplog.text
    assert "ignored feedback" in caplog.text
