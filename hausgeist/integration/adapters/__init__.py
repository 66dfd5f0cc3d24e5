"""Device adapters: Home Assistant service calls to MQTT messages and device messages to state.

One adapter per entity, one dialect each: Zigbee2MQTT, Tasmota, Home Assistant MQTT
(discovery form) and generic templates. ``AdapterSet`` is what the service loop uses."""

from hausgeist.integration.adapters.adapter_set import AdapterSet, adapter_for
from hausgeist.integration.adapters.base import DeviceAdapter, Publish, StateUpdate
from hausgeist.integration.adapters.generic import GenericAdapter
from hausgeist.integration.adapters.homeassistant import HomeAssistantMqttAdapter
from hausgeist.integration.adapters.payload import MAX_PAYLOAD
from hausgeist.integration.adapters.tasmota import TasmotaAdapter
from hausgeist.integration.adapters.zigbee2mqtt import Zigbee2MqttAdapter

__all__ = [
    "MAX_PAYLOAD",
    "AdapterSet",
    "DeviceAdapter",
    "GenericAdapter",
    "HomeAssistantMqttAdapter",
    "Publish",
    "StateUpdate",
    "TasmotaAdapter",
    "Zigbee2MqttAdapter",
    "adapter_for",
]
