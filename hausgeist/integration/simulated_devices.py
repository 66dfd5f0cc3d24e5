"""The simulated home's devices, one kind per adapter type, each speaking its own dialect.

A simulated device listens on the topics the agent sends its commands to, turns a command
into service calls (the inverse of the agent's adapter), and publishes its state where the
agent reads it: Zigbee2MQTT JSON on ``<topic>``, Tasmota's ``stat/<topic>/RESULT`` and
``tele/<topic>/SENSOR``, a Home Assistant device's state topics, a generic device's
``state_topic``. Devices without ``mqtt`` settings are simulated as Zigbee2MQTT devices at
``zigbee2mqtt/<Device Name>`` (``hausgeist demo --simulate``)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from hausgeist.config.models import (
    GenericDevice,
    HomeAssistantMqttDevice,
    TasmotaDevice,
    Zigbee2MqttDevice,
)
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.adapters.generic_device import GenericEntity
from hausgeist.integration.adapters.homeassistant import COMMAND_KEYS
from hausgeist.integration.adapters.homeassistant_device import HaEntity
from hausgeist.integration.adapters.payload import dump, json_object, text
from hausgeist.integration.adapters.tasmota_device import TasmotaEntity, commands_of
from hausgeist.integration.adapters.zigbee2mqtt_device import calls_of_set, state_message
from hausgeist.integration.adapters.zigbee2mqtt_keys import Z2mEntity

_LOG = logging.getLogger(__name__)


class SimulatedDevice(Protocol):
    """One simulated device (a Zigbee2MQTT topic or a Tasmota board may hold several entities)."""

    @property
    def entity_ids(self) -> tuple[str, ...]:
        """The entities it holds."""
        ...

    def listens(self) -> frozenset[str]:
        """The topics its commands arrive on."""
        ...

    def calls(self, topic: str, payload: bytes, states: StateStore) -> list[ServiceCall]:
        """What a command asks of its entities; PayloadError when it cannot be read."""
        ...

    def messages(self, states: StateStore) -> list[Publish]:
        """Its state, on the topics the agent reads it from (retained)."""
        ...

    def online(self) -> list[Publish]:
        """Its availability message, if it has an availability topic."""
        ...


class Z2mGroup:
    """The entities of one Zigbee2MQTT topic (several on a multi-gang device)."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.entities: list[Z2mEntity] = []

    @property
    def entity_ids(self) -> tuple[str, ...]:
        return tuple(e.entity_id for e in self.entities)

    def listens(self) -> frozenset[str]:
        return frozenset({f"{self.topic}/set"})

    def calls(self, topic: str, payload: bytes, _states: StateStore) -> list[ServiceCall]:
        message = json_object(payload, topic)
        return [call for entity in self.entities for call in calls_of_set(entity, message)]

    def messages(self, states: StateStore) -> list[Publish]:
        message: dict[str, Any] = {}
        for entity in self.entities:
            message.update(state_message(entity, states.get(entity.entity_id)))
        clean = {k: v for k, v in message.items() if v is not None}
        return [Publish(self.topic, dump(clean), retain=True)]

    def online(self) -> list[Publish]:
        return [Publish(f"{self.topic}/availability", b"online", retain=True)]


class TasmotaBoard:
    """The relays, lights, fans, shutters and sensors of one Tasmota topic."""

    def __init__(self, topic: str) -> None:
        self.topic = topic
        self.entities: list[TasmotaEntity] = []

    @property
    def entity_ids(self) -> tuple[str, ...]:
        return tuple(e.entity_id for e in self.entities)

    def listens(self) -> frozenset[str]:
        return frozenset({f"cmnd/{self.topic}/+"})

    def calls(self, topic: str, payload: bytes, _states: StateStore) -> list[ServiceCall]:
        commands = commands_of(topic.rpartition("/")[2], text(payload, topic))
        return [c for name, value in commands for e in self.entities for c in e.calls(name, value)]

    def messages(self, states: StateStore) -> list[Publish]:
        result: dict[str, Any] = {}
        sensor: dict[str, Any] = {}
        for entity in self.entities:
            current = states.get(entity.entity_id)
            _merge(sensor, entity.sensor(current) or {})
            if entity.config.sensor is None:
                result.update(entity.result(current))
        out = [Publish(f"stat/{self.topic}/RESULT", dump(result), retain=True)] if result else []
        if sensor:
            out.append(Publish(f"tele/{self.topic}/SENSOR", dump(sensor), retain=True))
        return out

    def online(self) -> list[Publish]:
        return [Publish(f"tele/{self.topic}/LWT", b"Online", retain=True)]


class HaDevice:
    """A device configured with Home Assistant's MQTT keys."""

    def __init__(self, entity: HaEntity) -> None:
        self.entity = entity
        self.entity_ids = (entity.entity_id,)

    def listens(self) -> frozenset[str]:
        return frozenset(t for k in COMMAND_KEYS if (t := getattr(self.entity.config, k)))

    def calls(self, topic: str, payload: bytes, _states: StateStore) -> list[ServiceCall]:
        said = text(payload, topic)
        return [c for key in self.entity.keys_of(topic) for c in self.entity.calls(key, said)]

    def messages(self, states: StateStore) -> list[Publish]:
        return self.entity.messages(states.get(self.entity.entity_id))

    def online(self) -> list[Publish]:
        topic = self.entity.config.availability_topic
        return [Publish(topic, b"online", retain=True)] if topic else []


class GenericSimulated:
    """A device configured with topics and payload templates."""

    def __init__(self, entity: GenericEntity) -> None:
        self.entity = entity
        self.entity_ids = (entity.entity_id,)

    def listens(self) -> frozenset[str]:
        return frozenset(c.topic for c in self.entity.config.commands.values())

    def calls(self, topic: str, payload: bytes, states: StateStore) -> list[ServiceCall]:
        current = states.get(self.entity.entity_id)
        return self.entity.calls(topic, text(payload, topic), current)

    def messages(self, states: StateStore) -> list[Publish]:
        return self.entity.messages(states.get(self.entity.entity_id))

    def online(self) -> list[Publish]:
        topic = self.entity.config.availability_topic
        return [Publish(topic, b"online", retain=True)] if topic else []


def simulated_devices(registry: DeviceRegistry) -> list[SimulatedDevice]:
    """A simulated device for every visible device of ``registry``, in its own dialect."""
    z2m: dict[str, Z2mGroup] = {}
    boards: dict[str, TasmotaBoard] = {}
    others: list[SimulatedDevice] = []
    for device in registry:
        config = device.mqtt
        if isinstance(config, TasmotaDevice):
            topic = config.topic.strip("/")
            boards.setdefault(topic, TasmotaBoard(topic)).entities.append(
                TasmotaEntity(device.entity_id, config)
            )
        elif isinstance(config, HomeAssistantMqttDevice):
            others.append(HaDevice(HaEntity(device.entity_id, config)))
        elif isinstance(config, GenericDevice):
            others.append(GenericSimulated(GenericEntity(device.entity_id, config)))
        else:
            if not isinstance(config, Zigbee2MqttDevice):
                topic = f"zigbee2mqtt/{device.name}"
                if topic in z2m:  # two devices of one name, in different rooms
                    topic = f"{topic} ({device.entity_id})"
                config = Zigbee2MqttDevice(type="zigbee2mqtt", topic=topic)
            entity = Z2mEntity.of(device, config)
            z2m.setdefault(entity.topic, Z2mGroup(entity.topic)).entities.append(entity)
    devices: list[SimulatedDevice] = [*z2m.values(), *boards.values(), *others]
    return [d for d in devices if _servable(d)]


def _servable(device: SimulatedDevice) -> bool:
    topics = [t.removesuffix("/+") for t in device.listens()]  # a board's commands: cmnd/<t>/+
    wild = [t for t in [*topics, *(p.topic for p in device.online())] if "#" in t or "+" in t]
    if wild:
        _LOG.warning("not simulating %s: topic %r has a wildcard", device.entity_ids, wild[0])
    return not wild


def _merge(into: dict[str, Any], more: dict[str, Any]) -> None:
    """``more`` laid into ``into``, nested objects merged (two readings of one sensor board)."""
    for key, value in more.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
