"""SimulatedHome without a broker: where each device lives, and a broker that is not there."""

from __future__ import annotations

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


def test_every_device_gets_a_zigbee2mqtt_topic() -> None:
    assert dict(SimulatedHome(HOME).topics) == {
        "light.kitchen": "zigbee2mqtt/Ceiling Light",
        "light.bedroom": "zigbee2mqtt/Ceiling Light (light.bedroom)",
        "switch.plug": "zigbee2mqtt/Plug",
        "lock.door": "z2m/Front Door",
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
