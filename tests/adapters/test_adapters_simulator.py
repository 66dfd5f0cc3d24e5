"""SimulatedHome without a broker: where each device lives, and a broker that is not there."""

from __future__ import annotations

import json
import socket

import pytest
from adapter_helpers import registry_of

from hausgeist.errors import IntegrationError
from hausgeist.integration.simulator import SimulatedHome

HOME = registry_of(
    {"id": "light.kitchen", "name": "Ceiling Light"},
    {"id": "light.bedroom", "name": "Ceiling Light"},
    {"id": "switch.plug", "name": "Plug", "mqtt": {"type": "tasmota", "topic": "plug"}},
    {"id": "lock.door", "name": "Door", "mqtt": {"type": "zigbee2mqtt", "topic": "z2m/Front Door"}},
    {"id": "light.odd", "name": "Odd", "mqtt": {"type": "zigbee2mqtt", "topic": "z2m/#"}},
)


def test_every_device_is_simulated_in_its_dialect_and_virtual_ones_as_zigbee2mqtt() -> None:
    assert dict(SimulatedHome(HOME).topics) == {
        "light.kitchen": "zigbee2mqtt/Ceiling Light/set",
        "light.bedroom": "zigbee2mqtt/Ceiling Light (light.bedroom)/set",
        "switch.plug": "cmnd/plug/+",
        "lock.door": "z2m/Front Door/set",
    }


async def test_a_missing_broker_is_an_integration_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(IntegrationError, match="is it running"):
        await SimulatedHome(HOME, "127.0.0.1", port).run()


async def test_commands_a_device_cannot_carry_out_are_refused() -> None:
    registry = registry_of(
        {"id": "water_heater.boiler", "name": "Boiler", "state": "eco"},
        {"id": "light.plain", "name": "Plain", "state": "off",
         "attributes": {"supported_color_modes": ["onoff"]}},
    )  # fmt: skip
    home = SimulatedHome(registry)
    hostile = b'{"service": "set_operation_mode", "data": {"operation_list": 5}}'
    await home._handle("zigbee2mqtt/Boiler/set", hostile)
    await home._handle("zigbee2mqtt/Boiler/set", b'{"service": "turn_on"}')
    assert home.states.get("water_heater.boiler").state == "eco"
    assert "operation_list" not in home.states.get("water_heater.boiler").attributes
    await home._handle("zigbee2mqtt/Plain/set", b'{"state": "ON", "brightness": 100}')
    assert home.states.get("light.plain").state == "off"
    await home._handle("zigbee2mqtt/Plain/set", b'{"state": "ON"}')
    assert home.states.get("light.plain").state == "on"


def _calls(home: SimulatedHome, topic: str, payload: bytes) -> list[tuple[str, str, dict]]:
    found = []
    for device in home._devices:
        if any(
            t == topic or (t.endswith("/+") and topic.startswith(t[:-1])) for t in device.listens()
        ):
            found += [
                (c.service, c.entity_id, c.data) for c in device.calls(topic, payload, home.states)
            ]
    return found


BOARD = registry_of(
    {"id": "switch.one", "name": "One", "state": "off",
     "mqtt": {"type": "tasmota", "topic": "board", "relay": 1}},
    {"id": "light.two", "name": "Two", "state": "off",
     "mqtt": {"type": "tasmota", "topic": "board", "relay": 2}},
    {"id": "fan.three", "name": "Three", "mqtt": {"type": "tasmota", "topic": "fan"}},
    {"id": "switch.shared", "name": "Shared", "state": "on",
     "mqtt": {"type": "generic", "state_topic": "s/state",
              "commands": {"turn_on": {"topic": "s/cmd", "payload": "power {state}"},
                           "switch.turn_off": {"topic": "s/cmd", "payload": "power {state}"}}}},
    {"id": "switch.ha", "name": "Ha", "state": "off",
     "mqtt": {"type": "homeassistant", "command_topic": "h/set", "state_topic": "h/state",
              "payload_on": "yes", "payload_off": "no"}},
)  # fmt: skip


@pytest.mark.parametrize(
    ("topic", "payload", "calls"),
    [
        ("cmnd/board/POWER1", b"TOGGLE", [("switch.toggle", "switch.one", {})]),
        ("cmnd/board/power2", b"on", [("light.turn_on", "light.two", {})]),
        ("cmnd/board/POWER3", b"ON", []),
        (
            "cmnd/board/Backlog",
            b"POWER2 ON;NoDelay;HSBColor 120,100,40",
            [
                ("light.turn_on", "light.two", {}),
                ("light.turn_on", "light.two",
                 {"hs_color": [120.0, 100.0], "brightness_pct": 40}),
            ],
        ),
        ("cmnd/fan/FanSpeed", b"0", [("fan.turn_off", "fan.three", {})]),
        ("cmnd/fan/FanSpeed", b"2", [("fan.set_percentage", "fan.three", {"percentage": 66})]),
        ("s/cmd", b"power off", [("switch.turn_off", "switch.shared", {})]),
        ("s/cmd", b"power on", [("switch.turn_on", "switch.shared", {})]),
        ("s/cmd", b"volume 3", []),
        ("h/set", b"no", [("switch.turn_off", "switch.ha", {})]),
        ("h/set", b"ON", []),
    ],
)  # fmt: skip
def test_commands_are_read_in_each_dialect(topic: str, payload: bytes, calls: list) -> None:
    assert _calls(SimulatedHome(BOARD), topic, payload) == calls


def test_one_tasmota_board_reports_all_its_relays_at_once() -> None:
    home = SimulatedHome(BOARD)
    home.states.set("light.two", "on", {"brightness": 255})
    [board] = [d for d in home._devices if "switch.one" in d.entity_ids]
    [result] = board.messages(home.states)
    assert result.topic == "stat/board/RESULT"
    assert json.loads(result.payload) == {"POWER1": "OFF", "POWER2": "ON", "Dimmer": 100}
