"""The Wyoming conversation agent on a Home Assistant home (issue 16): what Home Assistant's
voice pipeline would send, through the `wyoming` package's own client, acts on Home
Assistant's entities, and answers from its live states (a change made in Home Assistant
is known at once)."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled

from benchmarks.ha_core import (
    HomeAssistant,
    entity_state,
    free_port,
    hausgeist_process,
    home_config,
    wait_for_port,
)
from hausgeist.devices.actions import ServiceCall
from hausgeist.integration.homeassistant.link import HomeAssistantLink


async def _say(port: int, text: str, context: dict[str, str] | None = None) -> tuple[str, str]:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text=text, context=context).event())
        event = await client.read_event()
    assert event is not None
    return event.type, str((event.data or {}).get("text", ""))


def test_voice_acts_on_home_assistant_and_hears_its_changes(
    homeassistant: HomeAssistant, tmp_path: Path
) -> None:
    port = free_port()
    config = home_config(tmp_path / "home.yaml", homeassistant)
    uri = f"tcp://127.0.0.1:{port}"
    server = hausgeist_process(["wyoming", "--config", str(config), "--uri", uri], tmp_path / "d")
    try:
        wait_for_port(port, server)
        with HomeAssistantLink.open(homeassistant.url, homeassistant.token) as link:
            link.call_service(
                ServiceCall(service="switch.turn_off", entity_id="switch.coffee_machine")
            )
            kind, reply = asyncio.run(_say(port, "turn on the coffee machine"))
            assert Handled.is_type(kind), reply
            assert "Coffee Machine" in reply
            assert entity_state(link, "switch.coffee_machine") == "on"
            link.call_service(
                ServiceCall(service="switch.turn_off", entity_id="switch.coffee_machine")
            )
            time.sleep(0.5)  # the agent hears the change over its subscription
            kind, reply = asyncio.run(_say(port, "is the coffee machine on"))
            assert Handled.is_type(kind), reply
            assert reply.startswith("No"), reply
            # a satellite's room from Home Assistant's registry: "the light" is that room's
            link.call_service(
                ServiceCall(service="light.turn_off", entity_id="light.living_room_lamp")
            )
            kind, reply = asyncio.run(
                _say(port, "turn on the light", {"satellite_id": "sensor.living_room_temperature"})
            )
            assert Handled.is_type(kind), reply
            assert "Living Room Lamp" in reply
            assert entity_state(link, "light.living_room_lamp") == "on"
            # the household names the coffee machine in Home Assistant: the agent follows
            link.command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": "switch.coffee_machine",
                    "aliases": ["espresso maker"],
                }
            )
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                kind, reply = asyncio.run(_say(port, "turn off the espresso maker"))
                if Handled.is_type(kind) and "Coffee Machine" in reply:
                    break
                time.sleep(0.5)
            assert "Coffee Machine" in reply, reply
            link.command(
                {
                    "type": "config/entity_registry/update",
                    "entity_id": "switch.coffee_machine",
                    "aliases": [],
                }
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
