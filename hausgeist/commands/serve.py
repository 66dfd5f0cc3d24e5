"""``hausgeist run`` and ``hausgeist demo``: choose the ports, wire the agent, the broker and the service.

Without an ``mqtt:`` section both start an embedded broker (MQTT 3.1.1) on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hausgeist.agent import Agent, Dispatcher
from hausgeist.commands.automations import (
    conversation_of,
    publish_topics,
    reader_for,
    rule_loader,
    rule_switches,
    saved_rules,
)
from hausgeist.commands.common import follow_registry, read_again
from hausgeist.config.models import Config, MqttConfig
from hausgeist.home import Home
from hausgeist.integration.adapters.base import StateUpdate
from hausgeist.integration.aggregates import AggregateInbox, ContributionDesk
from hausgeist.integration.automation_runner import AutomationRunner
from hausgeist.integration.broker import PROTOCOL as EMBEDDED_PROTOCOL
from hausgeist.integration.broker import EmbeddedBroker
from hausgeist.integration.dispatcher import MqttDispatcher
from hausgeist.integration.hermes import HermesBridge
from hausgeist.integration.link import LinkSettings, MqttProtocol, quiet_socket_races
from hausgeist.integration.topics import Topics
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history

if TYPE_CHECKING:
    from hausgeist.integration.homeassistant.link import HomeAssistantLink
    from hausgeist.integration.simulator import SimulatedHome

log = logging.getLogger(__name__)


def run_agent(
    config: Config,
    config_path: Path,
    *,
    broker_port: int | None = None,
    data_dir: Path | None = None,
    homeassistant: HomeAssistantLink | None = None,
) -> int:
    """Run the agent on the configured (or an embedded) broker until SIGINT/SIGTERM; with
    ``homeassistant``, Home Assistant's entities are reached through it."""
    return asyncio.run(_run_agent(config, config_path, broker_port, data_dir, homeassistant))


def run_demo(
    config: Config, *, broker_port: int | None = None, simulate: bool | None = None
) -> int:
    """The agent, a simulated home and a prompt, on an embedded broker unless one is configured.

    ``simulate`` (default: only with the embedded broker) makes every device of the
    configuration answer in its own dialect (Zigbee2MQTT, Tasmota, Home Assistant MQTT,
    generic; a virtual one as a Zigbee2MQTT device); on a real broker the real devices do."""
    return asyncio.run(_run_demo(config, broker_port, simulate))


async def _run_agent(
    config: Config,
    config_path: Path,
    broker_port: int | None,
    data_dir: Path | None,
    homeassistant: HomeAssistantLink | None = None,
) -> int:
    from hausgeist.integration.service import AgentService

    quiet_socket_races(asyncio.get_running_loop())
    data = data_dir or default_data_dir(config)
    home = Home.from_config(config)
    fresh = None if homeassistant is None else partial(read_again, homeassistant, config_path)
    loader = rule_loader(config_path, config, fresh)
    _, rules = loader()  # a bad rule stops the start here, with its key path and line
    async with _broker(config, broker_port) as (mqtt, protocol):
        dispatcher = MqttDispatcher.open(
            mqtt,
            home.registry,
            home.states,
            data,
            reply_topics=[
                *mqtt.reply_topics,
                *publish_topics(rules),
                *(["hermes/#"] if config.voice.hermes else []),
            ],
        )
        history = open_history(config, data)
        calls: Dispatcher = dispatcher
        if homeassistant is not None:
            from hausgeist.integration.homeassistant.dispatch import (
                HomeAssistantDispatcher,
                RoutedDispatcher,
            )

            calls = RoutedDispatcher(  # the registry of now: Home Assistant's may be read again
                lambda: root.agent.registry, dispatcher, HomeAssistantDispatcher(homeassistant)
            )
        root = Root(home, Ports(dispatcher=calls, history=history))
        runner = AutomationRunner(
            loader,
            dispatcher,
            mqtt.base_topic,
            conversation=conversation_of(home),
            reader=reader_for(home, root.llm),
            watch=[config_path, saved_rules(config), rule_switches(config)],
            record=None if history is None else history.record_runs,
            home=config.home,
            calls=calls,
        )
        if homeassistant is not None:
            loop = asyncio.get_running_loop()
            agent = root.agent
            homeassistant.on_state(_ha_states(agent, runner, loop, homeassistant))

            def reload_rules(_config: Config) -> None:
                loop.call_soon_threadsafe(runner.reload, "Home Assistant's registry changed")

            homeassistant.on_registry(
                follow_registry(homeassistant, config_path, agent, reload_rules)
            )
        root.warm_up_in_background()
        try:
            service = AgentService(
                root.agent,
                dispatcher,
                mqtt,
                protocol=protocol,
                session_expiry_s=mqtt.session_expiry_s,
                automations=runner,
                announce=mqtt.announce,
                aggregates=AggregateInbox(root.agent, config.federation, mqtt.base_topic)
                if root.agent.learner is not None
                else None,
                contributions=ContributionDesk(
                    root.agent,
                    config.federation,
                    mqtt.base_topic,
                    dispatcher.outbox,
                    dispatcher.doorbell,
                )
                if root.agent.learner is not None
                else None,
                hermes=HermesBridge(
                    root.agent, dispatcher.outbox, dispatcher.doorbell, config.voice.satellites
                )
                if config.voice.hermes
                else None,
            )
            log.info("hausgeist: %s, data in %s", config_path, data)
            with _stop_on_signals(service.stop):
                await service.run()
        finally:
            runner.close()
            root.close()
    return 0


def _ha_states(
    agent: Agent,
    runner: AutomationRunner,
    loop: asyncio.AbstractEventLoop,
    link: HomeAssistantLink,
) -> Callable[[str, str | None, dict[str, Any]], None]:
    """Home Assistant's ``state_changed`` into the agent's states, its learner (a device
    switched back by hand) and the rules (on the loop)."""

    def changed(entity_id: str, state: str | None, attributes: dict[str, Any]) -> None:
        if state is None or entity_id not in link.entities:
            return
        agent.states.set(entity_id, state, attributes)
        for meant in agent.observe(entity_id, state):
            log.info("learned from Home Assistant's states: %s", meant)
        update = StateUpdate(entity_id, state, attributes)
        loop.call_soon_threadsafe(runner.on_state, [update])

    return changed


async def _run_demo(config: Config, broker_port: int | None, simulate: bool | None) -> int:
    from hausgeist.integration.console import DemoConsole
    from hausgeist.integration.service import AgentService

    quiet_socket_races(asyncio.get_running_loop())
    home = Home.from_config(config)
    with tempfile.TemporaryDirectory(prefix="hausgeist-demo-") as tmp:
        data = Path(tmp)
        async with _broker(config, broker_port) as (mqtt, protocol):
            dispatcher = MqttDispatcher.open(mqtt, home.registry, home.states, data)
            root = Root(home, Ports(dispatcher=dispatcher), data_dir=data)
            try:
                settings = LinkSettings.from_config(mqtt, protocol)
                console = DemoConsole(settings, Topics(mqtt.base_topic), home.registry, home.states)
                service = AgentService(
                    root.agent,
                    dispatcher,
                    mqtt,
                    protocol=protocol,
                    on_state=console.state_changed,
                )
                simulated = config.mqtt is None if simulate is None else simulate
                async with asyncio.TaskGroup() as tg:
                    # One after the other: amqtt 0.12 can drop a client that connects while
                    # another one subscribes (it iterates a dict that the other changes).
                    home_task = None
                    if simulated:
                        simulation = _simulated_home(home, mqtt)
                        home_task = tg.create_task(simulation.run(), name="simulated-home")
                        await simulation.wait_ready()
                    running = tg.create_task(service.run(), name="agent-service")
                    await service.wait_ready()
                    prompt = tg.create_task(console.run(), name="demo-prompt")
                    with (
                        _stop_on_signals(lambda: _cancel(prompt)),
                        contextlib.suppress(asyncio.CancelledError),
                    ):
                        await prompt
                    service.stop()
                    await running
                    if home_task is not None:
                        home_task.cancel()
            finally:
                root.close()
    return 0


def _simulated_home(home: Home, mqtt: MqttConfig) -> SimulatedHome:
    from hausgeist.integration.simulator import SimulatedHome

    return SimulatedHome(home.registry, mqtt.host, mqtt.port)


def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()


@asynccontextmanager
async def _broker(
    config: Config, port: int | None
) -> AsyncIterator[tuple[MqttConfig, MqttProtocol]]:
    """The configured broker, or an embedded one for as long as the block runs."""
    if config.mqtt is not None:
        yield config.mqtt, MqttProtocol.V5
        return
    async with EmbeddedBroker(port) as broker:
        yield MqttConfig(host=broker.host, port=broker.port), EMBEDDED_PROTOCOL


@contextlib.contextmanager
def _stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop)
            handled.append(sig)
    try:
        yield
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)
