"""The Wyoming conversation agent, driven by the ``wyoming`` package's own client: describe
-> info with a handle program; transcript -> handled / not-handled; a confirmation carried
over two connections by the conversation id; a satellite's room; garbage and hang-ups
dropped without stopping the server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info

from hausgeist.config import load_config_text
from hausgeist.home import Home
from hausgeist.integration.wyoming_server import serve
from hausgeist.root import Ports, Root

HOME = (Path(__file__).parents[1] / "understanding" / "home.yaml").read_text(encoding="utf-8")
SATELLITES = "voice: {satellites: {kitchen-satellite: kitchen, office-puck: office}}\nllm: {enabled: false}\n"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def _serving(tmp_path: Path) -> AsyncIterator[tuple[int, Home]]:
    config = load_config_text(HOME + SATELLITES)
    home = Home.from_config(config)
    root = Root(home, Ports(), data_dir=tmp_path)
    port = _port()
    task = asyncio.create_task(
        serve(f"tcp://127.0.0.1:{port}", root.agent, config.voice.satellites)
    )
    for _ in range(100):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            break
        except OSError:
            await asyncio.sleep(0.02)
    try:
        yield port, home
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        root.close()


@pytest.fixture
def server(tmp_path: Path) -> Path:
    return tmp_path


async def _ask(
    port: int, text: str, context: dict[str, object] | None = None
) -> Handled | NotHandled:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text=text, context=context).event())
        event = await client.read_event()
    assert event is not None
    if Handled.is_type(event.type):
        return Handled.from_event(event)
    assert NotHandled.is_type(event.type), event.type
    return NotHandled.from_event(event)


async def test_describe_gives_a_handle_program(server: Path) -> None:
    async with _serving(server) as (port, _):
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Describe().event())
            event = await client.read_event()
        assert event is not None
        info = Info.from_event(event)
        [program] = info.handle
        assert program.name == "hausgeist"
        assert program.supports_home_control
        assert program.models[0].languages == ["en"]


async def test_a_transcript_is_handled_and_acted_on(server: Path) -> None:
    async with _serving(server) as (port, home):
        answer = await _ask(port, "turn on the kitchen ceiling", {"conversation_id": "c1"})
        assert isinstance(answer, Handled)
        assert "Kitchen Ceiling" in (answer.text or "")
        assert answer.context == {"conversation_id": "c1"}
        assert home.states.get("light.kitchen_ceiling").state == "on"


async def test_what_is_not_understood_is_not_handled(server: Path) -> None:
    async with _serving(server) as (port, _):
        answer = await _ask(port, "sing me a song about cheese")
        assert isinstance(answer, NotHandled)


async def test_a_confirmation_over_two_utterances(server: Path) -> None:
    async with _serving(server) as (port, home):
        first = await _ask(port, "unlock the back door", {"conversation_id": "talk-7"})
        assert isinstance(first, Handled)
        assert "yes" in (first.text or "").casefold()
        assert home.states.get("lock.back_door").state == "unlocked"  # the test home's state
        await _ask(port, "lock the back door", {"conversation_id": "x"})
        assert home.states.get("lock.back_door").state == "locked"
        ask = await _ask(port, "unlock the back door", {"conversation_id": "talk-8"})
        assert "yes" in (ask.text or "").casefold()
        other = await _ask(port, "yes", {"conversation_id": "someone-else"})
        assert home.states.get("lock.back_door").state == "locked", other.text
        done = await _ask(port, "yes", {"conversation_id": "talk-8"})
        assert isinstance(done, Handled)
        assert home.states.get("lock.back_door").state == "unlocked"


async def test_a_satellite_gives_its_room(server: Path) -> None:
    async with _serving(server) as (port, home):
        answer = await _ask(port, "turn off the light", {"satellite_id": "office-puck"})
        assert isinstance(answer, Handled)
        assert home.states.get("light.office_desk").state == "off"
        assert home.states.get("light.kitchen_pendant").state == "on"


async def test_garbage_and_hang_ups_do_not_stop_the_server(server: Path) -> None:
    async with _serving(server) as (port, _):
        for junk in (
            b"\xff\xfe not json\n",
            b'{"type": "transcript", "data_length": 99}\n{"te',
            b"{" * 10000 + b"\n",
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(junk)
            await writer.drain()
            writer.close()
            del reader
        answer = await _ask(port, "turn on the kitchen ceiling")
        assert isinstance(answer, Handled)
