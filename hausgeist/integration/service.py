"""The agent on MQTT: commands in, device publishes and answers out, device state in.

``AgentService.run()`` keeps one connection to the broker at a time, reconnecting with
backoff, and runs three named tasks: the connection (receive + send), the command desk
(one command at a time, ``agent.handle`` in a worker thread) and, on stop, the drain.
Everything that must survive a crash goes through the
:class:`~hausgeist.integration.outbox.Outbox` first.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from hausgeist.config.models import MqttConfig
from hausgeist.errors import HausgeistError, PayloadError
from hausgeist.integration.adapters.base import StateUpdate
from hausgeist.integration.aggregates import AggregateInbox, ContributionDesk
from hausgeist.integration.automation_runner import AutomationRunner
from hausgeist.integration.backoff import Backoff
from hausgeist.integration.commands import CommandDesk
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.ha_device import Switches, announcements, node_id
from hausgeist.integration.hermes import HermesBridge
from hausgeist.integration.link import (
    BrokerConnectionError,
    BrokerLink,
    Incoming,
    LinkSettings,
    MqttProtocol,
)
from hausgeist.integration.payloads import MAX_COMMAND_BYTES, OFFLINE, ONLINE
from hausgeist.integration.ports import AgentLike
from hausgeist.integration.sender import OutboxSender
from hausgeist.integration.state_feed import apply_updates

log = logging.getLogger(__name__)


class AgentService:
    """Runs an agent on an MQTT broker (contract §4)."""

    def __init__(
        self,
        agent: AgentLike,
        dispatcher: MqttDispatcher,
        mqtt: MqttConfig,
        *,
        protocol: MqttProtocol = MqttProtocol.V5,
        session_expiry_s: int = 300,
        shutdown_timeout_s: float = 10.0,
        max_command_bytes: int = MAX_COMMAND_BYTES,
        backoff: Backoff | None = None,
        on_state: Callable[[StateUpdate], None] | None = None,
        automations: AutomationRunner | None = None,
        hermes: HermesBridge | None = None,
        announce: bool = False,
        aggregates: AggregateInbox | None = None,
        contributions: ContributionDesk | None = None,
    ) -> None:
        self._agent = agent
        self._aggregates = aggregates
        self._contributions = contributions
        self._settings = LinkSettings.from_config(mqtt, protocol, session_expiry_s)
        self.policy = dispatcher.policy
        """Where the agent may publish."""
        self.topics = self.policy.topics
        """The agent's own topics."""
        self._adapters = dispatcher.adapters
        self.outbox = dispatcher.outbox
        """The durable outbox."""
        self._sender = OutboxSender(self.outbox, self.policy, dispatcher.doorbell)
        self._desk = CommandDesk(
            agent,
            self.outbox,
            self.policy,
            wake=dispatcher.doorbell.ring,
            max_command_bytes=max_command_bytes,
        )
        self._backoff = backoff or Backoff()
        self._shutdown_timeout_s = shutdown_timeout_s
        self._on_state = on_state
        self._automations = automations
        self._hermes = hermes
        self._announce = (
            announcements(self.topics, mqtt.discovery_prefix, node_id(mqtt.client_id))
            if announce
            else []
        )
        self._switches = Switches(self.topics)
        self._stopping = asyncio.Event()
        self._commands_done = asyncio.Event()
        self._ready = asyncio.Event()
        self._deadline = float("inf")

    # --- lifecycle ----------------------------------------------------------------------

    async def run(self) -> None:
        """Serve until :meth:`stop`; then finish in-flight work, say ``offline``, disconnect."""
        self._sender.doorbell.listen(asyncio.get_running_loop())
        self.outbox.prune()
        self._desk.resume()
        try:
            async with asyncio.TaskGroup() as tg:
                tg.create_task(self._connection_loop(), name="mqtt-connection")
                tg.create_task(self._commands(), name="mqtt-commands")
                if self._automations is not None:
                    tg.create_task(self._automations.run(self._stopping), name="automations")
                if self._hermes is not None:
                    tg.create_task(self._hermes.run(self._stopping), name="hermes")
        finally:
            self._sender.doorbell.listen(None)
            self.outbox.close()

    def stop(self) -> None:
        """Ask :meth:`run` to end cleanly (call on the loop; signal handlers do)."""
        if not self._stopping.is_set():
            log.info("stopping: finishing work in progress")
            self._deadline = time.monotonic() + self._shutdown_timeout_s
            self._stopping.set()

    async def wait_ready(self) -> None:
        """Wait until connected, subscribed and ``online``."""
        await self._ready.wait()

    @property
    def ready(self) -> bool:
        """Whether the service is connected and serving now."""
        return self._ready.is_set()

    async def _commands(self) -> None:
        try:
            await self._desk.run(self._stopping, lambda: self._deadline)
        finally:
            self._commands_done.set()

    # --- the connection -----------------------------------------------------------------

    async def _connection_loop(self) -> None:
        while True:
            try:
                async with BrokerLink(self._settings, will=(self.topics.status, OFFLINE)) as link:
                    self._backoff.reset()
                    await self._serve(link)
                    return
            except BrokerConnectionError as exc:
                self._ready.clear()
                if self._stopping.is_set():
                    log.warning("%s; stopping without the broker", exc)
                    return
                delay = self._backoff.next_delay()
                log.warning("%s; retrying in %.1f s", exc, delay)
                await self._sleep_unless_stopping(delay)

    async def _serve(self, link: BrokerLink) -> None:
        rules = self._automations.subscriptions() if self._automations is not None else []
        rules += self._hermes.subscriptions() if self._hermes is not None else []
        switches = self._switches.command_topics if self._announce else []
        await link.subscribe(
            [
                self.topics.command,
                self.topics.feedback,
                *([self._aggregates.topic] if self._aggregates is not None else []),
                *([self._contributions.topic] if self._contributions is not None else []),
                *self._adapters.subscriptions(),
                *rules,
                *switches,
            ]
        )
        await self._announce_device(link)
        await link.publish(self.topics.status, ONLINE, qos=1, retain=True)
        log.info("serving on %s (%s)", self._settings.endpoint, self.topics.command)
        self._ready.set()
        try:
            async with asyncio.TaskGroup() as tg:
                receiving = tg.create_task(self._receive(link), name="mqtt-receive")
                sending = tg.create_task(self._sender.run(link), name="mqtt-send")
                await self._stopping.wait()
                await self._finish_work()
                receiving.cancel()
                sending.cancel()
        except BaseExceptionGroup as group:
            raise _first_connection_error(group) from None
        finally:
            self._ready.clear()
        await link.publish(self.topics.status, OFFLINE, qos=1, retain=True)
        log.info("stopped cleanly")

    async def _announce_device(self, link: BrokerLink) -> None:
        """Tell Home Assistant about the agent's entities (MQTT discovery, retained) and the
        switches' states."""
        if not self._announce:
            return
        for item in self._announce:
            await link.publish(item.topic, item.payload, qos=1, retain=True)
        await self._publish_switches(link)

    async def _publish_switches(self, link: BrokerLink) -> None:
        self._switches.automations = not (
            self._automations is not None and self._automations.paused
        )
        self._switches.llm = getattr(self._agent, "handover_on", True)
        for topic, payload in self._switches.states():
            await link.publish(topic, payload, qos=1, retain=True)

    async def _switch(self, link: BrokerLink, topic: str, payload: bytes) -> None:
        """A switch's command from Home Assistant: apply it, say its state."""
        which = self._switches.command(topic, payload)
        if which is None:
            log.info("ignored %r on %s: send ON or OFF", payload[:40], topic)
        elif which == "automations" and self._automations is not None:
            self._automations.pause(not self._switches.automations)
        elif which == "llm" and hasattr(self._agent, "handover_on"):
            self._agent.handover_on = self._switches.llm
        await self._publish_switches(link)

    async def _finish_work(self) -> None:
        try:
            async with asyncio.timeout(max(0.0, self._deadline - time.monotonic())):
                await self._commands_done.wait()
                await self._sender.drained()
        except TimeoutError:
            log.warning("stopping with work left in the outbox; it is sent at the next start")

    async def _sleep_unless_stopping(self, delay: float) -> None:
        try:
            async with asyncio.timeout(delay):
                await self._stopping.wait()
        except TimeoutError:
            pass

    # --- receiving ----------------------------------------------------------------------

    async def _receive(self, link: BrokerLink) -> None:
        async for message in link.messages():
            if message.topic == self.topics.command and self._stopping.is_set():
                # Not acknowledged: the broker keeps it in our session for the next start.
                continue
            try:
                if self._announce and message.topic in self._switches.command_topics:
                    await self._switch(link, message.topic, message.payload)
                else:
                    self._on_message(message)
            except Exception:
                log.exception("failed on a message on %s; dropped it", message.topic)
            link.ack(message)  # after the command is stored: a crash before here redelivers

    def _on_message(self, message: Incoming) -> None:
        if message.topic == self.topics.feedback:
            if not message.retain:
                loop = asyncio.get_running_loop()
                loop.run_in_executor(None, self._feedback, message.payload)
            return
        desk = self._contributions
        if desk is not None and message.topic == desk.topic:
            if not message.payload:
                return  # a retained request being cleared
            if message.retain:
                log.warning("ignored a retained request on %s: clear it", desk.topic)
            elif self._aggregates is not None:
                loop = asyncio.get_running_loop()
                loop.run_in_executor(self._aggregates.worker, desk.on_message, message.payload)
            return
        if self._aggregates is not None and message.topic == self._aggregates.topic:
            if not message.payload:
                return  # a retained aggregate being cleared
            loop = asyncio.get_running_loop()
            loop.run_in_executor(
                self._aggregates.worker, self._aggregates.on_message, message.payload
            )
            return
        if message.topic != self.topics.command:
            self._on_device_message(message.topic, message.payload)
        elif message.retain:
            log.warning("ignored a retained command on %s: clear it", message.topic)
        else:
            self._desk.receive(message.payload)

    def _feedback(self, payload: bytes) -> None:
        """A verdict on an earlier request: the learner takes it (off the event loop: it
        reads the history). A bad one is logged with what to send instead."""
        verdict = _verdict(payload)
        if verdict is None:
            log.warning(
                'ignored feedback on %s: send {"id": "<request id>", "right": true|false}',
                self.topics.feedback,
            )
            return
        request_id, right = verdict
        try:
            changed = self._agent.feedback(request_id, right=right)
        except HausgeistError as exc:
            log.warning("feedback not taken: %s", exc)
            return
        log.info("feedback on %s (%s): %s", request_id, right, "; ".join(changed) or "noted")

    def _on_device_message(self, topic: str, payload: bytes) -> None:
        if self._hermes is not None and topic in self._hermes.subscriptions():
            self._hermes.on_message(payload)
            return
        rules = self._automations
        if rules is not None and rules.wants(topic):
            try:
                rules.on_message(topic, payload)
            except Exception:  # a rule's failure must never stop the stream
                log.exception("the automations failed on a message on %s", topic)
        try:
            updates = self._adapters.decode(topic, payload)
        except PayloadError as exc:
            if rules is None or not rules.wants(topic):
                log.info("ignored a device message on %s: %s", topic, exc)
            return
        apply_updates(self._agent.states, updates)
        for update in updates:
            for meant in self._agent.observe(update.entity_id, update.state):
                log.info("learned from the state feed: %s", meant)
        if self._on_state is not None:
            for update in updates:
                self._on_state(update)
        if rules is not None and updates:
            try:
                rules.on_state(updates)
            except Exception:
                log.exception("the automations failed on a state report from %s", topic)


def _first_connection_error(group: BaseExceptionGroup[Any]) -> BaseException:
    matched, rest = group.split(BrokerConnectionError)
    if rest is not None or matched is None:
        return group
    leaf: BaseException = matched
    while isinstance(leaf, BaseExceptionGroup):
        leaf = leaf.exceptions[0]
    return leaf


def _verdict(payload: bytes) -> tuple[str, bool] | None:
    """``{"id": ..., "right": true|false}`` read; None when it is not that."""
    try:
        body = json.loads(payload)
    except ValueError:
        return None
    if not isinstance(body, dict) or not isinstance(body.get("right"), bool):
        return None
    request_id = body.get("id")
    if not isinstance(request_id, str | int) or isinstance(request_id, bool):
        return None
    return str(request_id), body["right"]
