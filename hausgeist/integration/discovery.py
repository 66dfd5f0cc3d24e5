"""Discovery: device config entries (CONTRACT §1 form) from what bridges announce on MQTT.

- ``devices_from_z2m_bridge``: Zigbee2MQTT's retained ``<base>/bridge/devices`` list, one entry
  per control (light, switch per endpoint, cover, lock, fan, thermostat) and per reading
  (temperature, humidity, contact, occupancy...).
- ``devices_from_ha_discovery``: one Home Assistant MQTT discovery message,
  ``<prefix>/<component>/[<node_id>/]<object_id>/config`` (abbreviations and ``~`` expanded).

Pure functions: ``hausgeist discover`` collects the retained messages and feeds them here. The
parsing lives beside each dialect's adapter (``adapters/*_discovery.py``)."""

from hausgeist.integration.adapters.homeassistant_discovery import devices_from_ha_discovery
from hausgeist.integration.adapters.zigbee2mqtt_discovery import (
    MAX_BRIDGE_PAYLOAD,
    devices_from_z2m_bridge,
)

__all__ = ["MAX_BRIDGE_PAYLOAD", "devices_from_ha_discovery", "devices_from_z2m_bridge"]
