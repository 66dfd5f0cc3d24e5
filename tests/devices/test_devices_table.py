"""The plain-text device table and the one-line summary of ``hausgeist check``."""

from __future__ import annotations

import pytest

from hausgeist.config import Config, load_config_text
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.devices.table import format_registry, format_summary

SMALL = """
floors:
  - {id: upstairs, name: Upstairs, level: 1}
  - {id: ground, name: Ground floor, aliases: [downstairs], level: 0}
areas:
  - {id: bedroom, name: Bedroom, floor: upstairs}
  - {id: kitchen, name: Kitchen, aliases: [galley], floor: ground}
  - {id: garden, name: Garden}
  - {id: attic, name: Attic, floor: upstairs}
devices:
  - id: light.kitchen
    name: Kitchen Light
    aliases: [ceiling, main light]
    area: kitchen
    state: "on"
    mqtt: {type: zigbee2mqtt, topic: zigbee2mqtt/Kitchen Light}
  - id: switch.kettle
    name: Kettle
    area: kitchen
    device_class: outlet
    state: "off"
    mqtt: {type: tasmota, topic: tasmota_kettle, relay: 2}
  - id: sensor.bedroom_temperature
    name: Bedroom Temperature
    area: bedroom
    device_class: temperature
    state: "19.5"
    attributes: {unit_of_measurement: "°C"}
    mqtt: {type: homeassistant, state_topic: bedroom/temperature}
  - id: cover.garden_gate
    name: Garden Gate
    area: garden
    device_class: gate
    mqtt:
      type: generic
      commands:
        open_cover: {topic: gate/cmd, payload: OPEN}
        close_cover: {topic: gate/cmd, payload: CLOSE}
        stop_cover: {topic: gate/stop}
  - id: todo.shopping_list
    name: Shopping List
  - id: switch.server_rack
    name: Server Rack
    area: kitchen
    hidden: true
"""


@pytest.fixture
def small() -> Config:
    return load_config_text(SMALL)


@pytest.fixture
def registry(small: Config) -> DeviceRegistry:
    return DeviceRegistry.from_config(small)


def _row(table: str, entity_id: str) -> list[str]:
    """The cells of a row, cut at the header's column starts."""
    header, *lines = table.splitlines()
    starts = [header.index(title) for title in header.split()]
    line = next(line for line in lines if line.split() and line.split()[0] == entity_id)
    ends = [*starts[1:], None]
    return [line[start:end].strip() for start, end in zip(starts, ends, strict=True)]


def test_grouped_by_floor_then_area(registry: DeviceRegistry) -> None:
    lines = format_registry(registry).splitlines()
    headings = [line for line in lines if line and not line.startswith("    ")]
    assert headings == [
        "Ground floor (ground; also downstairs)",
        "  Kitchen (kitchen; also galley)",
        "Upstairs (upstairs)",
        "  Bedroom (bedroom)",
        "  Attic (attic)",
        "No floor",
        "  Garden (garden)",
        "No area",
        (
            "5 devices in 4 areas on 2 floors (1 hidden); domains: light 1, switch 1, cover 1, "
            "sensor 1, todo 1"
        ),
    ]


def test_rows_sit_under_their_area(registry: DeviceRegistry) -> None:
    lines = format_registry(registry).splitlines()
    at = {line.split()[0]: i for i, line in enumerate(lines) if line.startswith("    ")}
    kitchen = lines.index("  Kitchen (kitchen; also galley)")
    assert kitchen < at["light.kitchen"] < at["switch.kettle"] < lines.index("Upstairs (upstairs)")
    assert at["todo.shopping_list"] > lines.index("No area")
    assert lines[lines.index("  Attic (attic)") + 1] == "    (no devices)"


def test_header_and_columns_line_up(registry: DeviceRegistry) -> None:
    lines = format_registry(registry).splitlines()
    assert lines[0].split() == ["ENTITY", "NAME", "ALIASES", "CLASS", "STATE", "REACHED"]
    rows = [line for line in lines if line.startswith("    ") and "." in line.split()[0]]
    name_column = lines[0].index("NAME")
    assert all(row[name_column - 1] == " " and row[name_column] != " " for row in rows)


@pytest.mark.parametrize(
    ("entity_id", "cells"),
    [
        (
            "light.kitchen",
            [
                "light.kitchen",
                "Kitchen Light",
                "ceiling, main light",
                "-",
                "on",
                "zigbee2mqtt zigbee2mqtt/Kitchen Light",
            ],
        ),
        (
            "switch.kettle",
            ["switch.kettle", "Kettle", "-", "outlet", "off", "tasmota tasmota_kettle relay 2"],
        ),
        (
            "sensor.bedroom_temperature",
            [
                "sensor.bedroom_temperature",
                "Bedroom Temperature",
                "-",
                "temperature",
                "19.5 °C",
                "homeassistant bedroom/temperature",
            ],
        ),
        (
            "cover.garden_gate",
            [
                "cover.garden_gate",
                "Garden Gate",
                "-",
                "gate",
                "unknown",
                "generic gate/cmd, gate/stop",
            ],
        ),
        (
            "todo.shopping_list",
            ["todo.shopping_list", "Shopping List", "-", "-", "unknown", "virtual"],
        ),
    ],
)
def test_row(registry: DeviceRegistry, entity_id: str, cells: list[str]) -> None:
    assert _row(format_registry(registry), entity_id) == cells


def test_hidden_devices_are_not_listed(registry: DeviceRegistry) -> None:
    assert "server_rack" not in format_registry(registry)


def test_live_states_win_over_the_config(registry: DeviceRegistry) -> None:
    states = StateStore.from_registry(registry)
    states.set("light.kitchen", "off")
    states.set("sensor.bedroom_temperature", "20.1")
    states.set_available("switch.kettle", False)
    table = format_registry(registry, states)
    assert _row(table, "light.kitchen")[4] == "off"
    assert _row(table, "sensor.bedroom_temperature")[4] == "20.1 °C"
    assert _row(table, "switch.kettle")[4] == "unavailable"


def test_an_empty_store_knows_nothing(registry: DeviceRegistry) -> None:
    table = format_registry(registry, StateStore())
    assert _row(table, "light.kitchen")[4] == "unknown"


def test_empty_home() -> None:
    table = format_registry(DeviceRegistry.from_config(load_config_text("")))
    assert table.splitlines()[-1] == "0 devices in 0 areas on 0 floors; domains: none"


def test_singular_counts() -> None:
    config = load_config_text(
        "floors: [{id: g, name: G}]\nareas: [{id: k, name: K, floor: g}]\n"
        "devices: [{id: light.a, name: A, area: k}]\n"
    )
    assert format_summary(config) == (
        "OK: 1 device in 1 area on 1 floor; domains: light 1; mqtt: embedded broker"
    )


def test_summary_counts_and_broker(small: Config) -> None:
    assert format_summary(small) == (
        "OK: 5 devices in 4 areas on 2 floors (1 hidden); domains: light 1, switch 1, "
        "cover 1, sensor 1, todo 1; mqtt: embedded broker"
    )


@pytest.mark.parametrize(
    ("mqtt", "said"),
    [
        ("mqtt: {host: broker.local}", "broker broker.local:1883, base topic 'hausgeist'"),
        (
            "mqtt: {host: 10.0.0.2, port: 8883, base_topic: home/agent, tls: {}}",
            "broker 10.0.0.2:8883 with TLS, base topic 'home/agent'",
        ),
    ],
)
def test_summary_names_the_broker(mqtt: str, said: str) -> None:
    assert format_summary(load_config_text(mqtt + "\n")).endswith(f"; mqtt: {said}")


def test_summary_and_table_agree(small: Config, registry: DeviceRegistry) -> None:
    summary = format_summary(small).removeprefix("OK: ").rsplit("; mqtt:", 1)[0]
    assert format_registry(registry).splitlines()[-1] == summary
