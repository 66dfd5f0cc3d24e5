"""Plain-text views of a home: the device table (``hausgeist devices``) and the one-line
summary that ``hausgeist check`` prints. Pure functions: text out, nothing printed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hausgeist.config.models import (
    Config,
    DeviceMqtt,
    GenericDevice,
    HomeAssistantMqttDevice,
    MqttConfig,
    TasmotaDevice,
    Zigbee2MqttDevice,
)
from hausgeist.devices.registry import Area, Device, DeviceRegistry, Floor
from hausgeist.devices.state import StateStore
from hausgeist.domains.capabilities import DOMAINS

HEADERS = ("ENTITY", "NAME", "ALIASES", "CLASS", "STATE", "REACHED")
NO_FLOOR = "No floor"
NO_AREA = "No area"
_INDENT = "    "


def format_registry(registry: DeviceRegistry, states: StateStore | None = None) -> str:
    """The devices grouped by floor and area, one row each, then a summary line.

    States come from ``states`` when given (live), else from the configuration."""
    rows = [(_row(device, states), device) for device in registry]
    width = _widths([HEADERS, *(row for row, _ in rows)])
    by_id = {device.entity_id: row for row, device in rows}
    lines = [_INDENT + _line(HEADERS, width)]
    for heading, areas in _floor_groups(registry):
        lines.append(heading)
        for area_heading, devices in areas:
            if area_heading:
                lines.append(f"  {area_heading}")
            lines.extend(_INDENT + _line(by_id[d.entity_id], width) for d in devices)
            if not devices:
                lines.append(f"{_INDENT}(no devices)")
    lines += ["", _summary_line(registry)]
    return "\n".join(line.rstrip() for line in lines)


def format_summary(config: Config) -> str:
    """``OK: 25 devices in 8 areas on 2 floors; domains: light 7, ...; mqtt: embedded broker``."""
    visible = [d.id for d in config.devices if not d.hidden]
    hidden = len(config.devices) - len(visible)
    counts = _counts(len(visible), hidden, len(config.areas), len(config.floors), _domains(visible))
    return f"OK: {counts}; mqtt: {_broker(config.mqtt)}"


def format_notes(config: Config, most: int = 12) -> list[str]:
    """Lines worth a note after the summary: the entities of Home Assistant domains hausgeist
    neither acts on nor offers a service of, kept only to answer questions about them."""
    kept = [
        d.id
        for d in config.devices
        if not d.hidden
        and (spec := DOMAINS.get(d.id.split(".", 1)[0])) is not None
        and not spec.contract
        and not spec.services
    ]
    if not kept:
        return []
    shown = ", ".join(kept[:most]) + (f" and {len(kept) - most} more" if len(kept) > most else "")
    what = f"{_plural(len(kept), 'entity')} of Home Assistant domains hausgeist does not act on"
    return [f"note: {what}, kept only for questions: {shown}"]


def _summary_line(registry: DeviceRegistry) -> str:
    return _counts(
        len(registry),
        len(registry.hidden_ids),
        len(registry.areas),
        len(registry.floors),
        _domains(registry.devices),
    )


def _counts(devices: int, hidden: int, areas: int, floors: int, domains: str) -> str:
    text = f"{_plural(devices, 'device')} in {_plural(areas, 'area')}"
    text += f" on {_plural(floors, 'floor')}"
    if hidden:
        text += f" ({hidden} hidden)"
    return f"{text}; domains: {domains or 'none'}"


def _domains(entity_ids: Iterable[str]) -> str:
    """``light 7, cover 3``, in the order of the capability tables."""
    count = Counter(entity_id.split(".", 1)[0] for entity_id in entity_ids)
    order = [*DOMAINS, *sorted(set(count) - set(DOMAINS))]
    return ", ".join(f"{domain} {count[domain]}" for domain in order if count[domain])


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def _broker(mqtt: MqttConfig | None) -> str:
    if mqtt is None:
        return "embedded broker"
    tls = " with TLS" if mqtt.tls is not None else ""
    return f"broker {mqtt.host}:{mqtt.port}{tls}, base topic '{mqtt.base_topic}'"


# --- grouping ----------------------------------------------------------------------------

Group = tuple[str, list[Device]]


def _floor_groups(registry: DeviceRegistry) -> list[tuple[str, list[Group]]]:
    """Floors (by level, then as configured), each with its areas and their devices;
    areas without a floor and devices without an area come last."""
    floors = sorted(
        registry.floors.values(),
        key=lambda f: (f.level is None, f.level if f.level is not None else 0),
    )
    groups: list[tuple[str, list[Group]]] = []
    for floor in floors:
        areas = [a for a in registry.areas.values() if a.floor_id == floor.id]
        groups.append((_heading(floor), [_area_group(registry, a) for a in areas]))
    loose = [a for a in registry.areas.values() if a.floor_id not in registry.floors]
    if loose:
        groups.append((NO_FLOOR, [_area_group(registry, a) for a in loose]))
    homeless = [d for d in registry if d.area_id not in registry.areas]
    if homeless:
        groups.append((NO_AREA, [("", homeless)]))
    return groups


def _area_group(registry: DeviceRegistry, area: Area) -> Group:
    return _heading(area), registry.in_area(area.id)


def _heading(place: Floor | Area) -> str:
    aliases = f"; also {', '.join(place.aliases)}" if place.aliases else ""
    return f"{place.name} ({place.id}{aliases})"


# --- rows --------------------------------------------------------------------------------


def _row(device: Device, states: StateStore | None) -> tuple[str, ...]:
    return (
        device.entity_id,
        device.name,
        ", ".join(device.aliases) or "-",
        device.device_class or "-",
        _state(device, states),
        reached(device.mqtt),
    )


def _state(device: Device, states: StateStore | None) -> str:
    state: str | None
    attributes: Mapping[str, Any]
    if states is None:
        state, attributes = device.initial_state, device.initial_attributes
    else:
        known = states.get(device.entity_id)
        if not known.available:
            return "unavailable"
        state, attributes = known.state, known.attributes
    if state is None:
        return "unknown"
    unit = attributes.get("unit_of_measurement")
    return f"{state} {unit}" if isinstance(unit, str) and unit else state


def reached(mqtt: DeviceMqtt | None) -> str:
    """How a device is reached: ``virtual``, ``zigbee2mqtt zigbee2mqtt/Kitchen Light``, ..."""
    match mqtt:
        case None:
            return "virtual"
        case Zigbee2MqttDevice(topic=topic, endpoint=endpoint):
            return f"zigbee2mqtt {topic}" + (f" endpoint {endpoint}" if endpoint else "")
        case TasmotaDevice(topic=topic, relay=relay, sensor=sensor):
            extra = f" relay {relay}" if relay is not None else ""
            return f"tasmota {topic}{extra}" + (f" sensor {sensor}" if sensor else "")
        case HomeAssistantMqttDevice(command_topic=command, state_topic=state):
            # A read-only entity (a sensor) has only a state topic.
            return f"homeassistant {command or state or '(no topic)'}"
        case GenericDevice(commands=commands):
            topics = dict.fromkeys(command.topic for command in commands.values())
            return f"generic {', '.join(topics)}"


def _widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(row[column]) for row in rows) for column in range(len(HEADERS))]


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
