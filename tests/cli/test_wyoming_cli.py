"""`hausgeist wyoming --uri tcp://HOST:PORT` as its own process, spoken to by the `wyoming`
package's client (CONTRACT section 6)."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from cli_support import HOME
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient
from wyoming.handle import Handled, NotHandled
from wyoming.info import Describe, Info

from benchmarks.ha_core import hausgeist_process, wait_for_port


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _talk(port: int) -> tuple[Info, str, str]:
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Describe().event())
        described = await client.read_event()
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text="turn on the kitchen ceiling").event())
        handled = await client.read_event()
    async with AsyncTcpClient("127.0.0.1", port) as client:
        await client.write_event(Transcript(text="banana orbit telescope").event())
        not_handled = await client.read_event()
    assert described is not None
    assert handled is not None
    assert not_handled is not None
    return Info.from_event(described), handled.type, not_handled.type


def test_the_wyoming_server_answers(tmp_path: Path) -> None:
    port = _port()
    config = tmp_path / "home.yaml"
    config.write_text(
        HOME.read_text(encoding="utf-8") + "llm: {enabled: false}\n", encoding="utf-8"
    )
    uri = f"tcp://127.0.0.1:{port}"
    server = hausgeist_process(["wyoming", "--config", str(config), "--uri", uri], tmp_path / "d")
    try:
        wait_for_port(port, server)
        info, handled, not_handled = asyncio.run(_talk(port))
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert info.handle[0].name == "hausgeist"
    assert Handled.is_type(handled)
    assert NotHandled.is_type(not_handled)
