"""``hausgeist ask`` sends through a configured broker; ``hausgeist discover`` lists devices."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
import yaml
from mosquitto_process import Mosquitto, free_port
from paho.mqtt.enums import CallbackAPIVersion

pytestmark = [pytest.mark.mqtt, pytest.mark.process]


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "home.yaml"
    path.write_text(
        "areas: [{id: kitchen, name: Kitchen}]\n"
        f"mqtt: {{host: 127.0.0.1, port: {port}, base_topic: oneshot}}\n"
        "devices:\n"
        "  - id: light.kitchen\n"
        "    name: Kitchen Light\n"
        "    area: kitchen\n"
        "    attributes: {supported_color_modes: [brightness]}\n"
        "    mqtt: {type: zigbee2mqtt, topic: zigbee2mqtt/Kitchen Light}\n",
        encoding="utf-8",
    )
    return path


def _hausgeist(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    env["HAUSGEIST_DATA_DIR"] = str(tmp_path / "data")
    return subprocess.run(
        [sys.executable, "-m", "hausgeist", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


class _Listener:
    """A plain paho subscriber that keeps what arrives."""

    def __init__(self, port: int, topic: str) -> None:
        self.messages: list[tuple[str, bytes, Any]] = []
        self.arrived = threading.Event()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *_a: subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.client.subscribe(topic, qos=1)
        assert subscribed.wait(5)

    def _on_message(self, _c: mqtt.Client, _u: object, msg: mqtt.MQTTMessage) -> None:
        self.messages.append((msg.topic, bytes(msg.payload), msg.properties))
        self.arrived.set()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def test_ask_publishes_the_action_to_the_device(tmp_path: Path, mosquitto: Mosquitto) -> None:
    listener = _Listener(mosquitto.port, "zigbee2mqtt/Kitchen Light/set")
    try:
        run = _hausgeist(
            tmp_path,
            "ask",
            "--json",
            "--config",
            str(_config(tmp_path, mosquitto.port)),
            "dim the kitchen light to 40 percent",
        )
        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["status"] == "done"
        assert listener.arrived.wait(5)
        topic, payload, properties = listener.messages[0]
        assert topic == "zigbee2mqtt/Kitchen Light/set"
        assert json.loads(payload) == {"state": "ON", "brightness": 102}
        assert properties.MessageExpiryInterval <= 30
    finally:
        listener.close()


def test_dry_run_publishes_nothing(tmp_path: Path, mosquitto: Mosquitto) -> None:
    listener = _Listener(mosquitto.port, "zigbee2mqtt/#")
    try:
        run = _hausgeist(
            tmp_path,
            "ask",
            "--json",
            "--dry-run",
            "--config",
            str(_config(tmp_path, mosquitto.port)),
            "turn off the kitchen light",
        )
        assert json.loads(run.stdout)["status"] == "done"
        assert not listener.arrived.wait(1.0)
    finally:
        listener.close()


def test_ask_with_the_broker_down_says_so_and_does_not_crash(tmp_path: Path) -> None:
    run = _hausgeist(
        tmp_path,
        "ask",
        "--json",
        "--config",
        str(_config(tmp_path, free_port())),
        "turn off the kitchen light",
    )
    assert run.returncode == 0, run.stderr
    answer = json.loads(run.stdout)
    assert answer["status"] == "refused"
    assert answer["actions"] == []
    assert "broker" in answer["reply"]


def test_discover_prints_config_entries(tmp_path: Path, mosquitto: Mosquitto) -> None:
    bridge = [
        {"friendly_name": "Coordinator", "type": "Coordinator", "ieee_address": "0x00"},
        {
            "friendly_name": "Hall Lamp",
            "type": "Router",
            "ieee_address": "0x01",
            "supported": True,
            "definition": {
                "exposes": [
                    {
                        "type": "light",
                        "features": [
                            {"name": "state", "property": "state", "type": "binary"},
                            {"name": "brightness", "property": "brightness", "type": "numeric"},
                        ],
                    }
                ]
            },
        },
    ]
    ha = {
        "name": "Porch Switch",
        "cmd_t": "porch/set",
        "stat_t": "porch/state",
        "uniq_id": "porch1",
    }
    publisher = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    publisher.connect("127.0.0.1", mosquitto.port)
    publisher.loop_start()
    publisher.publish(
        "zigbee2mqtt/bridge/devices", json.dumps(bridge), qos=1, retain=True
    ).wait_for_publish(5)
    publisher.publish(
        "homeassistant/switch/porch/config", json.dumps(ha), qos=1, retain=True
    ).wait_for_publish(5)
    publisher.disconnect()
    publisher.loop_stop()
    run = _hausgeist(
        tmp_path, "discover", "--seconds", "1.5", "--config", str(_config(tmp_path, mosquitto.port))
    )
    assert run.returncode == 0, run.stderr
    devices = yaml.safe_load(run.stdout)["devices"]
    names = {d["name"] for d in devices}
    assert {"Hall Lamp", "Porch Switch"} <= names
    hall = next(d for d in devices if d["name"] == "Hall Lamp")
    assert hall["id"].startswith("light.")
    assert hall["mqtt"] == {"type": "zigbee2mqtt", "topic": "zigbee2mqtt/Hall Lamp"}
