"""``hausgeist wyoming``: the agent as a Wyoming conversation agent for Home Assistant."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any

from hausgeist.agent import Dispatcher
from hausgeist.commands.common import EXIT_OK, UsageError, load_live
from hausgeist.home import Home
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history

log = logging.getLogger(__name__)


def wyoming(args: argparse.Namespace) -> int:
    """Serve ``--uri`` until stopped."""
    from hausgeist.integration.wyoming_server import serve

    if not args.uri.startswith(("tcp://", "unix://")):
        raise UsageError(f"--uri {args.uri!r}: use tcp://HOST:PORT (or unix://PATH)")
    config, _, link = load_live(args.config)
    home = Home.from_config(config)
    data = default_data_dir(config)
    dispatcher: Dispatcher | None = None
    if link is not None:
        from hausgeist.integration.homeassistant.dispatch import HomeAssistantDispatcher

        dispatcher = HomeAssistantDispatcher(link)
        link.on_state(live_states(home))
    elif config.mqtt is not None:
        from hausgeist.integration.oneshot import OneShotDispatcher

        dispatcher = OneShotDispatcher(config.mqtt, home.registry, home.states)
    root = Root(
        home, Ports(dispatcher=dispatcher, history=open_history(config, data)), data_dir=data
    )
    root.warm_up_in_background()
    print(f"hausgeist: Wyoming conversation agent on {args.uri}", flush=True)
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(serve(args.uri, root.agent, config.voice.satellites))
    finally:
        root.close()
        if link is not None:
            link.close()
    return EXIT_OK


def live_states(home: Home) -> Callable[[str, str | None, dict[str, Any]], None]:
    """Home Assistant's ``state_changed`` into the home's states (its known entities)."""

    def changed(entity_id: str, state: str | None, attributes: dict[str, Any]) -> None:
        if state is None or home.registry.get(entity_id) is None:
            return
        home.states.set(entity_id, state, attributes)

    return changed
