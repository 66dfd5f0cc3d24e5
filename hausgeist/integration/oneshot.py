"""A short synchronous broker session for one-off commands: ``ask`` sends its actions and
``discover`` listens for devices announcing themselves. The long-running agent uses
``service`` instead; this is paho's blocking client behind one small class."""

from __future__ import annotations

import ssl
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hausgeist.config.models import MqttConfig
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters import AdapterSet

Handler = Callable[[str, bytes], None]


@contextmanager
def session(
    config: MqttConfig, *, timeout_s: float = 5.0, on_message: Handler | None = None
) -> Iterator[mqtt.Client]:
    """A connected paho client (MQTT 5) for the length of the ``with`` block."""
    client = mqtt.Client(
        CallbackAPIVersion.VERSION2,
        client_id=f"{config.client_id}-oneshot-{uuid.uuid4().hex[:8]}",
        protocol=mqtt.MQTTv5,
    )
    if config.username is not None:
        client.username_pw_set(config.username, config.password)
    if config.tls is not None:
        client.tls_set(
            config.tls.ca_certs,
            config.tls.certfile,
            config.tls.keyfile,
            cert_reqs=ssl.CERT_REQUIRED,
        )
    connected = threading.Event()
    refused: list[str] = []

    def on_connect(
        _c: mqtt.Client, _u: object, _f: object, reason: object, _p: object = None
    ) -> None:
        if getattr(reason, "is_failure", False):
            refused.append(str(reason))
        connected.set()

    client.on_connect = on_connect
    if on_message is not None:
        client.on_message = lambda _c, _u, msg: on_message(msg.topic, bytes(msg.payload))
    where = f"{config.host}:{config.port}"
    try:
        client.connect(config.host, config.port, keepalive=config.keepalive)
    except (OSError, ValueError) as exc:
        raise IntegrationError(
            f"cannot reach the MQTT broker at {where}: {exc}; is it running?"
        ) from exc
    client.loop_start()
    try:
        if not connected.wait(timeout_s) or refused:
            why = refused[0] if refused else "no answer"
            raise IntegrationError(
                f"the MQTT broker at {where} refused the connection: {why}; check mqtt: in the config"
            )
        yield client
    finally:
        client.disconnect()
        client.loop_stop()


class OneShotDispatcher:
    """Sends a request's actions through the device adapters and waits for the broker's PUBACKs."""

    def __init__(
        self,
        config: MqttConfig,
        registry: DeviceRegistry,
        states: StateStore,
        timeout_s: float = 5.0,
    ) -> None:
        self.config = config
        self.adapters = AdapterSet.from_registry(registry)
        self.states = states
        self.timeout_s = timeout_s

    def reaches(self, device: Device) -> bool:
        """The devices with an ``mqtt:`` section (the others are virtual)."""
        return device.mqtt is not None

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        """Publish every call's messages with QoS 1 and a message expiry; IntegrationError if any fails."""
        publishes = [
            p for call in calls for p in self.adapters.encode(call, self.states.get(call.entity_id))
        ]
        allowed = self.adapters.allowed_topics()
        for message in publishes:
            if message.topic not in allowed:
                raise IntegrationError(
                    f"refusing to publish to {message.topic}: not a topic of a registered device"
                )
        properties = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        properties.MessageExpiryInterval = self.config.action_expiry_s
        with session(self.config, timeout_s=self.timeout_s) as client:
            infos = [
                client.publish(
                    m.topic, m.payload, qos=m.qos, retain=m.retain, properties=properties
                )
                for m in publishes
            ]
            deadline = time.monotonic() + self.timeout_s
            for info in infos:
                info.wait_for_publish(max(0.0, deadline - time.monotonic()))
                if not info.is_published():
                    raise IntegrationError(
                        f"the broker did not confirm the message to {info.mid}; nothing more was sent"
                    )
