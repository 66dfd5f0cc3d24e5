"""``hausgeist wyoming``: the agent as a Wyoming conversation agent for Home Assistant."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hausgeist.agent import Agent, Dispatcher
from hausgeist.commands.common import EXIT_OK, UsageError, load_live, read_again
from hausgeist.errors import HausgeistError
from hausgeist.home import Home
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history

if TYPE_CHECKING:
    from hausgeist.integration.homeassistant.link import HomeAssistantLink

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
        link.on_state(live_states(lambda: agent.home))
        link.on_registry(_follow_registry(link, config_path, agent, satellites))
    print(f"hausgeist: Wyoming conversation agent on {args.uri}", flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.uri, root.agent, satellites))
    finally:
        root.close()
        if link is not None:
            link.close()
    return EXIT_OK


def live_states(home: Callable[[], Home]) -> Callable[[str, str | None, dict[str, Any]], None]:
    """Home Assistant's ``state_changed`` into the current home's states (its entities)."""

    def changed(entity_id: str, state: str | None, attributes: dict[str, Any]) -> None:
        now = home()
        if state is None or now.registry.get(entity_id) is None:
            return
        now.states.set(entity_id, state, attributes)

    return changed


REGISTRY_SETTLE_S = 1.0
"""Registry events come in bursts (an area made, then entities moved into it): read once."""


def _follow_registry(
    link: HomeAssistantLink, config_path: Path, agent: Agent, satellites: dict[str, str]
) -> Callable[[], None]:
    """When Home Assistant's registries change, read its home again and use it."""
    pending: list[threading.Timer] = []

    def reread() -> None:
        try:
            config = read_again(link, config_path)
        except HausgeistError as exc:
            log.warning("Home Assistant's registry changed but could not be read again: %s", exc)
            return
        agent.replace_home(Home.from_config(config))
        for key in [k for k in satellites if k not in config.voice.satellites]:
            del satellites[key]
        satellites.update({**link.places, **config.voice.satellites})
        log.info("Home Assistant's registry changed: %d devices now", len(config.devices))

    def changed() -> None:
        for timer in pending:
            timer.cancel()
        pending.clear()
        timer = threading.Timer(REGISTRY_SETTLE_S, reread)
        timer.daemon = True
        pending.append(timer)
        timer.start()

    return changed
