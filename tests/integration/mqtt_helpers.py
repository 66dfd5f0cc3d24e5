"""Fakes and probes for the MQTT tests: a tiny agent with the real Agent's interface,
a home configuration, and a test client that records what crosses the broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import socket
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import aiomqtt

from hausgeist.config import Config, load_config_text
from hausgeist.config.models import MqttConfig
from hausgeist.devices import DeviceRegistry, ServiceCall, StateStore
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.link import REQUEST_ID_PROPERTY
from hausgeist.integration.service import AgentService
from hausgeist.understanding.types import Decision, Request, Status

HOME = """
areas:
  - {id: kitchen, name: Kitchen}
  - {id: living_room, name: Living Room}
devices:
  - id: light.kitchen
    name: Kitchen Light
    area: kitchen
    state: "off"
    mqtt: {type: zigbee2mqtt, topic: "{z2m}/Kitchen Light"}
  - id: light.living_room
    name: Living Room Lamp
    area: living_room
    state: "off"
    mqtt: {type: zigbee2mqtt, topic: "{z2m}/Living Room Lamp"}
  - id: lock.front_door
    name: Front Door
    state: locked
    mqtt: {type: zigbee2mqtt, topic: "{z2m}/Front Door"}
  - id: switch.virtual_fan
    name: Virtual Fan
    state: "off"
llm: {enabled: false}
"""


def unique(prefix: str = "hg") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def home_yaml(base_topic: str, port: int, mqtt_extra: str = "") -> str:
    """The test home; devices live below ``<base_topic>_z2m/``."""
    return HOME.replace("{z2m}", f"{base_topic}_z2m") + (
        f"mqtt: {{host: 127.0.0.1, port: {port}, base_topic: {base_topic},"
        f" client_id: {base_topic}{mqtt_extra}}}\n"
    )


def home_config(base_topic: str, port: int, mqtt_extra: str = "") -> Config:
    return load_config_text(home_yaml(base_topic, port, mqtt_extra))


@dataclass(frozen=True)
class FakeOutcome:
    request: Request
    decision: Decision
    latency_ms: float

    def as_json(self) -> dict[str, Any]:
        return self.decision.as_json(self.latency_ms, self.request.request_id)


_TURN = re.compile(r"^turn (on|off) (?:the )?(.+)$", re.IGNORECASE)
_DIM = re.compile(r"^set (?:the )?(.+) to (\d+) ?%$", re.IGNORECASE)


class FakeAgent:
    """Understands 'turn on/off <name>' and 'set <name> to N%'; dispatches like the real one."""

    def __init__(
        self,
        config: Config,
        dispatcher: MqttDispatcher,
        registry: DeviceRegistry,
        states: StateStore,
    ) -> None:
        del config
        self.registry = registry
        self.states = states
        self.dispatcher = dispatcher
        self.handled: list[Request] = []
        self.verdicts: list[tuple[str, bool]] = []
        self.delay_s = 0.0
        self._lock = threading.Lock()

    def handle(self, request: Request, *, dry_run: bool = False) -> FakeOutcome:
        start = time.perf_counter()
        time.sleep(self.delay_s)
        decision = self._decide(request.text)
        if decision.status is Status.DONE and not dry_run:
            self.dispatcher.dispatch(decision.actions)
        with self._lock:
            self.handled.append(request)
        return FakeOutcome(request, decision, (time.perf_counter() - start) * 1000)

    def feedback(self, request_id: str, *, right: bool) -> list[str]:
        """The fake learns nothing; it keeps the verdicts."""
        self.verdicts.append((request_id, right))
        return []

    def observe(self, entity_id: str, state: str | None) -> list[str]:
        """The fake learns nothing from the state feed."""
        del entity_id, state
        return []

    def _decide(self, text: str) -> Decision:
        if match := _TURN.match(text.strip()):
            return self._act(match.group(2), f"turn_{match.group(1).lower()}", {})
        if match := _DIM.match(text.strip()):
            return self._act(match.group(1), "turn_on", {"brightness_pct": int(match.group(2))})
        return Decision(Status.NOT_UNDERSTOOD, "Sorry, I did not understand that.", source="fake")

    def _act(self, name: str, service: str, data: dict[str, Any]) -> Decision:
        devices = self.registry.named(name)
        if not devices:
            return Decision(Status.REFUSED, f"There is no {name}.", source="fake")
        device = devices[0]
        call = ServiceCall(
            service=f"{device.domain}.{service}", entity_id=device.entity_id, data=data
        )
        return Decision(Status.DONE, "Done.", actions=(call,), source="fake")


def make_service(config: Config, data_dir: Path, **kwargs: Any) -> tuple[AgentService, FakeAgent]:
    assert config.mqtt is not None
    registry = DeviceRegistry.from_config(config)
    states = StateStore.from_registry(registry)
    dispatcher = _dispatcher(config.mqtt, registry, states, data_dir, kwargs)
    agent = FakeAgent(config, dispatcher, registry, states)
    service = AgentService(agent, dispatcher, config.mqtt, **kwargs)
    return service, agent


def make_real_service(config: Config, data_dir: Path, **kwargs: Any) -> tuple[AgentService, Any]:
    """The service with the real Agent (no history, no LLM unless the config asks)."""
    from hausgeist.home import Home
    from hausgeist.root import Ports, Root

    assert config.mqtt is not None
    home = Home.from_config(config)
    dispatcher = _dispatcher(config.mqtt, home.registry, home.states, data_dir, kwargs)
    agent = Root(home, Ports(dispatcher=dispatcher), data_dir=data_dir).agent
    service = AgentService(agent, dispatcher, config.mqtt, **kwargs)
    return service, agent


def _dispatcher(
    mqtt: MqttConfig,
    registry: DeviceRegistry,
    states: StateStore,
    data_dir: Path,
    kwargs: dict[str, Any],
) -> MqttDispatcher:
    """The dispatcher a test's service runs on (``reply_topics`` and ``adapters`` are its)."""
    return MqttDispatcher.open(
        mqtt,
        registry,
        states,
        data_dir,
        reply_topics=kwargs.pop("reply_topics", ()),
        adapters=kwargs.pop("adapters", None),
    )


@contextlib.asynccontextmanager
async def running(service: AgentService) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(service.run(), name="service-under-test")
    try:
        async with asyncio.timeout(10):
            await service.wait_ready()
        yield task
    finally:
        service.stop()
        try:
            async with asyncio.timeout(15):
                await task
        except TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


def quick_ack(client: aiomqtt.Client) -> None:
    """ACK at once (Linux), so a broker with Nagle on does not hold its next packet 40 ms."""
    sock = client._client.socket()
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None and isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


@dataclass
class Seen:
    topic: str
    payload: bytes
    retain: bool
    request_id: str | None
    expiry_s: int | None = None

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Probe:
    """A test client: records every message on its subscriptions."""

    host: str
    port: int
    topics: Sequence[str]
    client_id: str | None = None
    persistent: bool = False
    messages: list[Seen] = field(default_factory=list)
    _client: aiomqtt.Client | None = None
    _task: asyncio.Task[None] | None = None
    _new: asyncio.Event = field(default_factory=asyncio.Event)

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = 3600 if self.persistent else 0
        self._client = aiomqtt.Client(
            self.host,
            self.port,
            identifier=self.client_id,
            protocol=aiomqtt.ProtocolVersion.V5,
            clean_start=not self.persistent,
            properties=props,
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self._client.pending_calls_threshold = 100_000
        await self._client.__aenter__()
        for topic in self.topics:
            await self._client.subscribe(topic, qos=1)
        self._task = asyncio.create_task(self._collect(self._client))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await self._task
        if self._client is not None:
            with contextlib.suppress(aiomqtt.MqttError):
                await self._client.__aexit__(None, None, None)
        self._client = None

    async def _collect(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            quick_ack(client)
            props = message.properties
            user = dict(getattr(props, "UserProperty", None) or [])
            expiry = getattr(props, "MessageExpiryInterval", None)
            payload = message.payload if isinstance(message.payload, bytes) else b""
            self.messages.append(
                Seen(
                    message.topic.value,
                    payload,
                    message.retain,
                    user.get(REQUEST_ID_PROPERTY),
                    expiry,
                )
            )
            self._new.set()

    async def publish(
        self, topic: str, payload: bytes | str, *, qos: int = 1, retain: bool = False
    ) -> None:
        assert self._client is not None
        await self._client.publish(topic, payload, qos=qos, retain=retain)
        quick_ack(self._client)

    def on(self, topic: str) -> list[Seen]:
        return [m for m in self.messages if m.topic == topic]

    async def wait_for(self, predicate: Any, within: float = 5) -> list[Seen]:
        async with asyncio.timeout(within):
            while True:
                found = [m for m in self.messages if predicate(m)]
                if found:
                    return found
                self._new.clear()
                await self._new.wait()

    async def quiet(self, seconds: float = 0.3) -> None:
        await asyncio.sleep(seconds)

    def by_request(self, topic_suffix: str = "/set") -> dict[str, int]:
        counts: dict[str, int] = defaultdict(int)
        for m in self.messages:
            if m.topic.endswith(topic_suffix) and m.request_id is not None:
                counts[m.request_id] += 1
        return counts


class ServiceThread:
    """The service on an event loop of its own thread, for synchronous tests (hypothesis)."""

    def __init__(self, config: Config, data_dir: Path, *, real_agent: bool = False) -> None:
        self.real_agent = real_agent
        self.config = config
        self.data_dir = data_dir
        self.service: AgentService | None = None
        self.agent: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="service-thread", daemon=True)
        self.error: BaseException | None = None

    def __enter__(self) -> Self:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"the service did not start: {self.error!r}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self.service is not None:
            self._loop.call_soon_threadsafe(self.service.stop)
        self._thread.join(15)

    def _main(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            build = make_real_service if self.real_agent else make_service
            self.service, self.agent = build(self.config, self.data_dir)
            task = asyncio.create_task(self.service.run())
            await self.service.wait_ready()
            self._ready.set()
            await task

        try:
            asyncio.run(main())
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            self.error = exc
            self._ready.set()

    @property
    def alive(self) -> bool:
        return self._thread.is_alive() and self.error is None


class SyncClient:
    """A blocking paho client for synchronous tests: publish, and record what arrives."""

    def __init__(self, host: str, port: int, topics: Sequence[str]) -> None:
        from paho.mqtt.client import CallbackAPIVersion, Client, MQTTMessage

        self.messages: list[tuple[str, bytes]] = []
        self._lock = threading.Lock()
        self._client = Client(CallbackAPIVersion.VERSION2, protocol=5)

        def on_message(_c: Any, _u: Any, message: MQTTMessage) -> None:
            with self._lock:
                self.messages.append((message.topic, message.payload))

        self._client.on_message = on_message
        self._client.connect(host, port)
        self._client.loop_start()
        for topic in topics:
            self._client.subscribe(topic, qos=1)
        time.sleep(0.2)

    def publish(self, topic: str, payload: bytes | str) -> None:
        self._client.publish(topic, payload, qos=1).wait_for_publish(5)

    def seen(self) -> list[tuple[str, bytes]]:
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        self._client.loop_stop()
        self._client.disconnect()
