"""``hausgeist discover``: listen for Zigbee2MQTT's device list and Home Assistant discovery
messages for a few seconds and turn them into configuration entries."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from hausgeist.config.models import MqttConfig
from hausgeist.errors import PayloadError
from hausgeist.integration.discovery import devices_from_ha_discovery, devices_from_z2m_bridge
from hausgeist.integration.oneshot import session

log = logging.getLogger(__name__)


def discover(
    config: MqttConfig, *, seconds: float = 3.0, z2m_base: str = "zigbee2mqtt"
) -> list[dict[str, Any]]:
    """Device entries announced on the broker within ``seconds`` (retained messages arrive at once)."""
    found: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    prefix = config.discovery_prefix

    def on_message(topic: str, payload: bytes) -> None:
        try:
            if topic == f"{z2m_base}/bridge/devices":
                entries = devices_from_z2m_bridge(payload, base_topic=z2m_base)
            else:
                entry = devices_from_ha_discovery(topic, payload)
                entries = [entry] if entry is not None else []
        except PayloadError as exc:
            log.warning("skipped %s: %s", topic, exc)
            return
        with lock:
            for entry in entries:
                found[str(entry["id"])] = entry

    with session(config, on_message=on_message) as client:
        client.subscribe(
            [
                (f"{z2m_base}/bridge/devices", 1),
                (f"{prefix}/+/+/config", 1),
                (f"{prefix}/+/+/+/config", 1),
            ]
        )
        time.sleep(seconds)
    with lock:
        return [found[k] for k in sorted(found)]
