"""``hausgeist wyoming``: the agent as a Wyoming conversation agent for Home Assistant."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from hausgeist.agent import Agent, Dispatcher
from hausgeist.commands.common import EXIT_OK, UsageError, follow_registry, load_live
from hausgeist.config import Config
from hausgeist.home import Home
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history

log = logging.getLogger(__name__)


def wyoming(args: argparse.Namespace) -> int:
    """Serve ``--uri`` until stopped."""
    from hausgeist.integration.wyoming_server import serve

    if not args.uri.startswith(("tcp://", "unix://")):
        raise UsageError(f"--uri {args.uri!r}: use tcp://HOST:PORT (or unix://PATH)")
    config, config_path, link = load_live(args.config)
    home = Home.from_config(config)
    data = default_data_dir(config)
    dispatcher: Dispatcher | None = None
    if link is not None:
        from hausgeist.integration.homeassistant.dispatch import HomeAssistantDispatcher

        dispatcher = HomeAssistantDispatcher(link)
    elif config.mqtt is not None:
        from hausgeist.integration.oneshot import OneShotDispatcher

        dispatcher = OneShotDispatcher(config.mqtt, home.registry, home.states)
    root = Root(
        home, Ports(dispatcher=dispatcher, history=open_history(config, data)), data_dir=data
    )
    root.warm_up_in_background()
    # a satellite's room: the configuration's map, else Home Assistant's registry
    satellites = {**(link.places if link is not None else {}), **config.voice.satellites}
    if link is not None:
        agent = root.agent
        link.on_state(live_states(agent))

        def satellites_of(now: Config) -> None:
            for key in [k for k in satellites if k not in now.voice.satellites]:
                del satellites[key]
            satellites.update({**link.places, **now.voice.satellites})

        link.on_registry(follow_registry(link, config_path, agent, satellites_of))
    print(f"hausgeist: Wyoming conversation agent on {args.uri}", flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.uri, root.agent, satellites))
    finally:
        root.close()
        if link is not None:
            link.close()
    return EXIT_OK


def live_states(agent: Agent) -> Callable[[str, str | None, dict[str, Any]], None]:
    """Home Assistant's ``state_changed`` into the current home's states (its entities) and
    the learner (a device switched back by hand right after the agent switched it)."""

    def changed(entity_id: str, state: str | None, attributes: dict[str, Any]) -> None:
        now = agent.home
        if state is None or now.registry.get(entity_id) is None:
            return
        now.states.set(entity_id, state, attributes)
        for meant in agent.observe(entity_id, state):
            log.info("learned from Home Assistant's states: %s", meant)

    return changed
