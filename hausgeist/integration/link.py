"""The agent service's connection to the broker, over aiomqtt and paho.

Two other modules speak MQTT on their own: ``oneshot`` (the blocking publishes of a
one-shot ``hausgeist ask``) and ``simulator`` (the demo's simulated devices).

One :class:`BrokerLink` is one MQTT connection. Its errors are translated here into
:class:`BrokerConnectionError`; the service reconnects with a fresh link, so nothing
lives on in paho's in-memory queues: re-sending is the outbox's job alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import TracebackType
from typing import Any, Self

import aiomqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hausgeist.config.models import MqttConfig, TlsConfig
from hausgeist.errors import IntegrationError

log = logging.getLogger(__name__)

REQUEST_ID_PROPERTY = "hausgeist-request-id"
"""MQTT 5 user property on device publishes: the id of the command that caused them."""
PUBLISH_ID_PROPERTY = "hausgeist-publish-id"
"""MQTT 5 user property on device publishes: the outbox entry; a re-sent message keeps it."""


_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class BrokerConnectionError(IntegrationError):
    """The broker cannot be reached, refused us, or the connection broke."""


class MqttProtocol(StrEnum):
    """The MQTT version spoken to the broker."""

    V5 = "5"
    """MQTT 5: session expiry, message expiry, user properties."""
    V311 = "3.1.1"
    """MQTT 3.1.1, for brokers that speak nothing newer (the embedded amqtt)."""


@dataclass(frozen=True)
class LinkSettings:
    """How to reach and greet the broker."""

    host: str
    """Broker host name or address."""
    port: int
    """Broker port."""
    client_id: str
    """MQTT client id; the broker keeps the session under it."""
    username: str | None = None
    """User name, when the broker wants one."""
    password: str | None = None
    """Password for ``username``."""
    tls: TlsConfig | None = None
    """CA, client certificate and key, or None for plain TCP."""
    keepalive: int = 60
    """Seconds between pings."""
    protocol: MqttProtocol = MqttProtocol.V5
    """MQTT version."""
    session_expiry_s: int = 300
    """How long the broker keeps our subscriptions and queued commands while we are away
    (0: a clean session each time)."""
    timeout_s: float = 10.0
    """How long to wait for the broker's answer to connect, subscribe or publish."""

    @classmethod
    def from_config(
        cls, mqtt: MqttConfig, protocol: MqttProtocol = MqttProtocol.V5, session_expiry_s: int = 300
    ) -> LinkSettings:
        """Settings from the configuration's ``mqtt:`` section."""
        return cls(
            host=mqtt.host,
            port=mqtt.port,
            client_id=mqtt.client_id,
            username=mqtt.username,
            password=mqtt.password,
            tls=mqtt.tls,
            keepalive=mqtt.keepalive,
            protocol=protocol,
            session_expiry_s=session_expiry_s,
        )

    @property
    def endpoint(self) -> str:
        """``mqtt://host:port`` (``mqtts`` with TLS), for messages."""
        scheme = "mqtts" if self.tls is not None else "mqtt"
        return f"{scheme}://{self.host}:{self.port}"


@dataclass(frozen=True)
class Incoming:
    """A message the broker delivered to us."""

    topic: str
    """Where it was published."""
    payload: bytes
    """Its bytes."""
    qos: int
    """QoS it was delivered with."""
    mid: int
    """Packet id, to acknowledge it."""
    retain: bool
    """Whether it is a retained message."""


class BrokerLink:
    """One connection: ``async with BrokerLink(...) as link``, then subscribe/publish/receive.

    QoS 1 messages we receive are acknowledged only when :meth:`ack` is called, so a
    command is not lost if the agent dies before it is stored."""

    def __init__(self, settings: LinkSettings, *, will: tuple[str, bytes] | None = None) -> None:
        self.settings = settings
        v5 = settings.protocol is MqttProtocol.V5
        keep = settings.session_expiry_s > 0
        extra: dict[str, Any] = {"clean_session": not keep}
        if v5:
            # MQTT 5 keeps a session only with an expiry interval; clean_start alone is not enough.
            props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            props.SessionExpiryInterval = settings.session_expiry_s
            extra = {"clean_start": not keep, "properties": props}
        self._client = aiomqtt.Client(
            settings.host,
            settings.port,
            identifier=settings.client_id,
            username=settings.username,
            password=settings.password,
            protocol=aiomqtt.ProtocolVersion.V5 if v5 else aiomqtt.ProtocolVersion.V311,
            will=aiomqtt.Will(will[0], will[1], qos=1, retain=True) if will else None,
            keepalive=settings.keepalive,
            timeout=settings.timeout_s,
            tls_params=_tls_params(settings.tls),
            tls_insecure=bool(settings.tls.insecure) if settings.tls is not None else None,
            # Small MQTT packets must not wait for Nagle's algorithm (40 ms with delayed ACKs).
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            **extra,
        )
        # aiomqtt warns from 10 pending publishes on; the service keeps up to 64 in flight.
        self._client.pending_calls_threshold = 256
        self._paho = _enable_manual_ack(self._client)

    async def __aenter__(self) -> Self:
        try:
            await self._client.__aenter__()
        except aiomqtt.MqttError as exc:
            raise BrokerConnectionError(
                f"cannot connect to the MQTT broker at {self.settings.endpoint}: {exc}"
            ) from exc
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with contextlib.suppress(aiomqtt.MqttError):  # the connection is gone either way
            await self._client.__aexit__(exc_type, exc, tb)

    async def subscribe(self, topics: Sequence[str], qos: int = 1) -> None:
        """Subscribe to every topic in ``topics``."""
        if not topics:
            return
        try:
            await self._client.subscribe([(t, qos) for t in topics])
        except aiomqtt.MqttError as exc:
            raise BrokerConnectionError(f"subscribing failed: {exc}") from exc

    async def publish(
        self,
        topic: str,
        payload: bytes,
        *,
        qos: int = 1,
        retain: bool = False,
        expiry_s: int | None = None,
        user_properties: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Publish; with QoS 1 this returns once the broker acknowledged (PUBACK).

        ``expiry_s`` and ``user_properties`` are MQTT 5 only (left out on 3.1.1)."""
        props = self._props(expiry_s, user_properties)
        try:
            await self._client.publish(topic, payload, qos=qos, retain=retain, properties=props)
        except aiomqtt.MqttError as exc:
            raise BrokerConnectionError(f"publishing to {topic!r} failed: {exc}") from exc
        self._ack_now()

    def _props(
        self, expiry_s: int | None, user_properties: Sequence[tuple[str, str]]
    ) -> Properties | None:
        if self.settings.protocol is not MqttProtocol.V5:
            return None
        if expiry_s is None and not user_properties:
            return None
        props = Properties(PacketTypes.PUBLISH)  # type: ignore[no-untyped-call]
        if expiry_s is not None:
            props.MessageExpiryInterval = expiry_s
        if user_properties:
            props.UserProperty = list(user_properties)
        return props

    async def messages(self) -> AsyncIterator[Incoming]:
        """Messages as they arrive; raises BrokerConnectionError when the connection breaks."""
        try:
            async for message in self._client.messages:
                self._ack_now()
                payload = message.payload
                yield Incoming(
                    topic=message.topic.value,
                    payload=payload if isinstance(payload, bytes) else str(payload).encode(),
                    qos=message.qos,
                    mid=message.mid,
                    retain=message.retain,
                )
        except aiomqtt.MqttError as exc:
            raise BrokerConnectionError(
                f"lost the MQTT broker at {self.settings.endpoint}: {exc}"
            ) from exc

    def _ack_now(self) -> None:
        # A broker that leaves Nagle's algorithm on (Mosquitto's default) holds its next
        # packet to us until we ACK the last one, and Linux delays that ACK by up to 40 ms.
        # Asking for a quick ACK after each read sends the pending ACK at once.
        sock = self._paho.socket() if self._paho is not None else None
        if _QUICKACK is not None and isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)

    def ack(self, message: Incoming) -> None:
        """Acknowledge a received message (after it was stored or handled)."""
        if self._paho is not None and message.qos > 0:
            self._paho.ack(message.mid, message.qos)


def _tls_params(tls: TlsConfig | None) -> aiomqtt.TLSParameters | None:
    if tls is None:
        return None
    # `insecure` skips the host name check only (as Home Assistant's MQTT option does);
    # the certificate chain is always verified.
    return aiomqtt.TLSParameters(
        ca_certs=tls.ca_certs,
        certfile=tls.certfile,
        keyfile=tls.keyfile,
        cert_reqs=ssl.CERT_REQUIRED,
    )


def _enable_manual_ack(client: aiomqtt.Client) -> Any:
    # aiomqtt 2.5 has no public switch for application acknowledgements yet
    # (empicano/aiomqtt#345); paho-mqtt >= 2.0 has one on the client aiomqtt wraps.
    paho = getattr(client, "_client", None)
    if paho is None or not hasattr(paho, "manual_ack_set") or not hasattr(paho, "ack"):
        return None
    paho.manual_ack_set(on=True)
    return paho


def quiet_socket_races(loop: asyncio.AbstractEventLoop) -> None:
    """Log at debug, not as an error, a known harmless race of aiomqtt 2.5.

    When the broker drops the connection, paho may ask the loop to watch a socket for
    writing after the socket was closed; asyncio then reports ``[Errno 9] Bad file
    descriptor`` from ``add_writer`` with a traceback. The connection is being replaced
    anyway. Every other error goes to the handler that was there before."""
    previous = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        handle = repr(context.get("handle", ""))
        if (
            isinstance(exc, OSError)
            and exc.errno == errno.EBADF
            and ("add_writer" in handle or "add_reader" in handle)
        ):
            log.debug("ignored a closed-socket race in the MQTT client: %s", exc)
            return
        if previous is not None:
            previous(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)
