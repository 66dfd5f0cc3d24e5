"""Home Assistant's WebSocket API, as one long-lived connection (issue 16).

The link runs its own event loop in a thread, so the agent's synchronous ports (the
dispatcher is called from a worker thread) and the asyncio services can both use it. It
authenticates with a long-lived access token (or the add-on's ``SUPERVISOR_TOKEN``), reads
the registries and the states, subscribes to ``state_changed``, and calls services,
answering Home Assistant's own error. A connection that drops is made again with backoff
and its subscriptions renewed; a bad token or URL is said plainly and not retried."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from hausgeist.devices.actions import ServiceCall
from hausgeist.errors import IntegrationError

log = logging.getLogger("hausgeist.homeassistant")

T = TypeVar("T")

FIRST_RETRY_S = 0.5
LAST_RETRY_S = 30.0
MAX_MESSAGE = 64 * 1024 * 1024
"""A home's registries can be tens of megabytes in one message."""

StateListener = Callable[[str, str | None, dict[str, Any]], None]
"""(entity_id, state or None when removed, attributes), called on the link's thread."""
REGISTRY_EVENTS = (
    "area_registry_updated",
    "device_registry_updated",
    "entity_registry_updated",
    "floor_registry_updated",
)
"""What Home Assistant says when its registries change (floors from 2024.4 on)."""


class HomeAssistantError(IntegrationError):
    """Home Assistant answered a command with an error (its code and message)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Snapshot:
    """What Home Assistant holds about the home, as its registries list it."""

    version: str
    states: list[dict[str, Any]]
    areas: list[dict[str, Any]]
    floors: list[dict[str, Any]]
    devices: list[dict[str, Any]]
    entities: list[dict[str, Any]]
    exposed: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Entity id -> the assistants it is exposed or not exposed to (``{"conversation":
    true}``); empty where nobody has said."""
    expose_new: bool = True
    """Whether entities nobody has said anything about are exposed to Assist (its default)."""


class HomeAssistantLink:
    """One WebSocket connection to Home Assistant, kept up in its own thread."""

    def __init__(self, url: str, token: str, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self._token = token
        self.timeout_s = timeout_s
        self.version = ""
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="homeassistant")
        self._thread.daemon = True
        self._ids = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Any]] = {}
        self._listeners: list[StateListener] = []
        self._registry_listeners: list[Callable[[], None]] = []
        self._socket: ClientConnection | None = None
        self._connected = asyncio.Event()
        self._closing = False
        self._keeper: asyncio.Task[None] | None = None
        self._fatal: IntegrationError | None = None
        self.entities: frozenset[str] = frozenset()
        """The entities the home took from Home Assistant (set by whoever reads it)."""
        self.places: dict[str, str] = {}
        """Its device and entity ids -> area ids (set by whoever reads it): a satellite's room."""

    # --- from any thread -------------------------------------------------------------------

    @classmethod
    def open(cls, url: str, token: str, *, timeout_s: float = 10.0) -> HomeAssistantLink:
        """Connect and authenticate now; IntegrationError saying why when it cannot."""
        link = cls(url, token, timeout_s=timeout_s)
        link._thread.start()
        try:
            link._run(link._first_connect(), timeout_s + 1)
        except BaseException:
            link.close()
            raise
        return link

    def snapshot(self) -> Snapshot:
        """The registries, the exposure settings and every state."""
        return self._run(self._snapshot(), self.timeout_s * 3)

    def call_service(self, call: ServiceCall) -> None:
        """Carry out ``call``; HomeAssistantError with Home Assistant's own message."""
        domain, _, service = call.service.partition(".")
        self._run(
            self._command(
                {
                    "type": "call_service",
                    "domain": domain,
                    "service": service,
                    "service_data": dict(call.data),
                    "target": {"entity_id": call.entity_id},
                }
            ),
            self.timeout_s,
        )

    def command(self, message: Mapping[str, Any]) -> Any:
        """Any WebSocket command (``{"type": ...}``); its result."""
        return self._run(self._command(dict(message)), self.timeout_s)

    def on_state(self, listener: StateListener) -> None:
        """Call ``listener`` on every ``state_changed`` (subscribed once, renewed on reconnect),
        and at once with every state as it is now: what changed between a snapshot read
        earlier and the subscription is not missed."""
        first = not self._listeners
        self._listeners.append(listener)
        if first:
            self._run(self._subscribe(), self.timeout_s)
        self._tell_states([listener], self.command({"type": "get_states"}))

    def on_registry(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` whenever an area, device, entity or floor registry changes."""
        first = not self._registry_listeners
        self._registry_listeners.append(listener)
        if first:
            self._run(self._subscribe_registry(), self.timeout_s)

    def close(self) -> None:
        """Close the connection and stop the thread."""
        if self._closing:
            return
        self._closing = True
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                self._run(self._shutdown(), 5)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _run(self, coroutine: Awaitable[T], timeout: float) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(_as_coroutine(coroutine), self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise IntegrationError(
                f"Home Assistant at {self.url} did not answer within {timeout:.0f} s"
            ) from None

    # --- on the link's loop ------------------------------------------------------------------

    async def _first_connect(self) -> None:
        await self._connect()
        self._keeper = asyncio.create_task(self._keep(), name="homeassistant-keeper")

    async def _connect(self) -> None:
        try:
            socket = await asyncio.wait_for(
                connect(self.url, max_size=MAX_MESSAGE, open_timeout=self.timeout_s),
                self.timeout_s,
            )
        except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
            raise IntegrationError(
                f"cannot reach Home Assistant at {self.url} ({exc}); check homeassistant.url "
                "(ws://HOST:8123/api/websocket) and that Home Assistant is running"
            ) from exc
        try:
            hello = json.loads(await socket.recv())
            if hello.get("type") != "auth_required":
                raise IntegrationError(f"{self.url} is no Home Assistant WebSocket API")
            await socket.send(json.dumps({"type": "auth", "access_token": self._token}))
            answer = json.loads(await socket.recv())
        except ConnectionClosed as exc:
            raise IntegrationError(f"Home Assistant closed the connection: {exc}") from exc
        if answer.get("type") == "auth_invalid":
            await socket.close()
            self._fatal = IntegrationError(
                f"Home Assistant at {self.url} refused the token ({answer.get('message')}); "
                "make a long-lived access token in your Home Assistant profile (Security) "
                "and put it in homeassistant.token"
            )
            raise self._fatal
        if answer.get("type") != "auth_ok":
            await socket.close()
            raise IntegrationError(f"unexpected answer to the login: {answer}")
        self.version = str(answer.get("ha_version", hello.get("ha_version", "")))
        self._socket = socket
        self._connected.set()
        asyncio.create_task(self._read(socket), name="homeassistant-reader")  # noqa: RUF006 - it ends with the socket
        log.info("connected to Home Assistant %s at %s", self.version, self.url)

    async def _read(self, socket: ClientConnection) -> None:
        try:
            async for raw in socket:
                try:
                    message = json.loads(raw)
                except ValueError:
                    log.warning("Home Assistant sent a message that is not JSON; ignored")
                    continue
                self._dispatch(message)
        except ConnectionClosed:
            pass
        finally:
            if self._socket is socket:
                self._socket = None
                self._connected.clear()
                for waiting in self._waiting.values():
                    if not waiting.done():
                        waiting.set_exception(
                            IntegrationError("the connection to Home Assistant dropped")
                        )
                self._waiting.clear()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "event":
            event = message.get("event") or {}
            data = event.get("data") or {}
            entity_id = data.get("entity_id")
            if event.get("event_type") in REGISTRY_EVENTS:
                for registry_listener in self._registry_listeners:
                    try:
                        registry_listener()
                    except Exception:
                        log.exception("a registry listener failed")
            elif isinstance(entity_id, str):
                self._tell(self._listeners, entity_id, data.get("new_state"))
            return
        waiting = self._waiting.pop(message.get("id", -1), None)
        if waiting is None or waiting.done():
            return
        if kind == "result" and message.get("success"):
            waiting.set_result(message.get("result"))
        elif kind == "result":
            error = message.get("error") or {}
            waiting.set_exception(
                HomeAssistantError(
                    str(error.get("code", "unknown_error")), str(error.get("message", message))
                )
            )
        else:
            waiting.set_result(message)

    async def _command(self, message: dict[str, Any]) -> Any:
        if self._fatal is not None:
            raise self._fatal
        try:
            await asyncio.wait_for(self._connected.wait(), self.timeout_s)
        except TimeoutError:
            raise IntegrationError(
                f"not connected to Home Assistant at {self.url}; it is tried again"
            ) from None
        socket = self._socket
        if socket is None:
            raise IntegrationError("the connection to Home Assistant dropped")
        number = next(self._ids)
        answer: asyncio.Future[Any] = self._loop.create_future()
        self._waiting[number] = answer
        await socket.send(json.dumps({**message, "id": number}))
        return await answer

    async def _snapshot(self) -> Snapshot:
        states = await self._command({"type": "get_states"})
        areas = await self._command({"type": "config/area_registry/list"})
        try:
            floors = await self._command({"type": "config/floor_registry/list"})
        except HomeAssistantError:  # before 2024.4: no floors
            floors = []
        devices = await self._command({"type": "config/device_registry/list"})
        entities = await self._entities()
        try:
            exposed = await self._command({"type": "homeassistant/expose_entity/list"})
            new = await self._command(
                {"type": "homeassistant/expose_new_entities/get", "assistant": "conversation"}
            )
        except HomeAssistantError:
            exposed, new = {"exposed_entities": {}}, {"expose_new": True}
        return Snapshot(
            self.version,
            list(states or []),
            list(areas or []),
            list(floors or []),
            list(devices or []),
            entities,
            dict((exposed or {}).get("exposed_entities") or {}),
            bool((new or {}).get("expose_new", True)),
        )

    async def _entities(self) -> list[dict[str, Any]]:
        """The entity registry with aliases (``get_entries``; the plain list has none)."""
        listed = list(await self._command({"type": "config/entity_registry/list"}) or [])
        ids = [e["entity_id"] for e in listed if isinstance(e, dict) and "entity_id" in e]
        try:
            full = await self._command(
                {"type": "config/entity_registry/get_entries", "entity_ids": ids}
            )
        except HomeAssistantError:
            return listed
        return [full.get(e["entity_id"]) or e for e in listed if isinstance(e, dict)]

    async def _subscribe(self) -> None:
        await self._command({"type": "subscribe_events", "event_type": "state_changed"})

    async def _replay_states(self) -> None:
        self._tell_states(self._listeners, await self._command({"type": "get_states"}))

    def _tell_states(self, listeners: list[StateListener], states: Any) -> None:
        """Every state of a ``get_states`` answer to ``listeners``."""
        for state in states or []:
            if isinstance(state, dict) and isinstance(state.get("entity_id"), str):
                self._tell(listeners, state["entity_id"], state)

    @staticmethod
    def _tell(listeners: list[StateListener], entity_id: str, new: Any) -> None:
        """One entity's state (a state object, or None when it was removed) to ``listeners``."""
        state = new.get("state") if isinstance(new, dict) else None
        attributes = new.get("attributes") if isinstance(new, dict) else None
        for listener in listeners:
            try:
                listener(entity_id, state, dict(attributes or {}))
            except Exception:
                log.exception("a state listener failed on %s", entity_id)

    async def _subscribe_registry(self) -> None:
        for event_type in REGISTRY_EVENTS:
            try:
                await self._command({"type": "subscribe_events", "event_type": event_type})
            except HomeAssistantError as exc:  # floors before 2024.4
                log.debug("no %s events: %s", event_type, exc)

    async def _keep(self) -> None:
        """Connect again whenever the connection drops, with backoff; renew the subscription."""
        delay = FIRST_RETRY_S
        while not self._closing:
            if self._socket is not None:
                await asyncio.sleep(0.2)
                continue
            log.warning(
                "the connection to Home Assistant at %s dropped; connecting again", self.url
            )
            try:
                await self._connect()
                if self._listeners:
                    await self._subscribe()
                    await self._replay_states()  # what changed while it was away
                if self._registry_listeners:
                    await self._subscribe_registry()
                delay = FIRST_RETRY_S
            except IntegrationError as exc:
                if self._fatal is not None:
                    log.error("%s", exc)  # noqa: TRY400 - the token is at fault, not the code
                    return
                log.warning("%s; trying again in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, LAST_RETRY_S)

    async def _shutdown(self) -> None:
        if self._keeper is not None:
            self._keeper.cancel()
        if self._socket is not None:
            await self._socket.close()


async def _as_coroutine(awaitable: Awaitable[T]) -> T:
    return await awaitable
