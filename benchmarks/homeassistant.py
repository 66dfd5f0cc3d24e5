"""Home Assistant as the backend, measured against a real core (issue 16): the registry's
import for a home of about 500 entities, request -> call_service answer for requests the
core decides, and Wyoming transcript -> handled beside the same request through `ask`'s
path in the same run.

The core (``.ha/``, scripts/install-homeassistant) is started with ~500 template lights and
their input booleans (every light is exposed to Assist by Home Assistant's default).

Usage: ``python -m benchmarks.homeassistant [--lights 250] [--requests 200]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from wyoming.asr import Transcript
from wyoming.client import AsyncTcpClient

from benchmarks.ha_core import (
    HomeAssistant,
    extra_name,
    free_port,
    hausgeist_process,
    wait_for_port,
)
from hausgeist.commands.common import with_homeassistant
from hausgeist.home import Home
from hausgeist.integration.homeassistant.dispatch import HomeAssistantDispatcher
from hausgeist.integration.homeassistant.link import HomeAssistantLink
from hausgeist.root import Ports, Root
from hausgeist.understanding import Request


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]


async def _wyoming(port: int, texts: list[str]) -> list[float]:
    took = []
    for text in texts:
        t0 = time.perf_counter()
        async with AsyncTcpClient("127.0.0.1", port) as client:
            await client.write_event(Transcript(text=text).event())
            await client.read_event()
        took.append((time.perf_counter() - t0) * 1000)
    return took


def _over_wyoming(config: Path, tmp: Path, texts: list[str]) -> list[float]:
    """The same requests to `hausgeist wyoming` as its own process, one connection each."""
    port = free_port()
    uri = f"tcp://127.0.0.1:{port}"
    server = hausgeist_process(["wyoming", "--config", str(config), "--uri", uri], tmp / "data")
    try:
        wait_for_port(port, server)
        return asyncio.run(_wyoming(port, texts))
    finally:
        server.terminate()
        server.wait(30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lights", type=int, default=250, help="extra template lights")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        ha = HomeAssistant(Path(tmp) / "ha", free_port(), extra_lights=args.lights)
        ha.prepare()
        started = time.perf_counter()
        ha.start()
        print(f"Home Assistant started in {time.perf_counter() - started:.1f} s")
        try:
            config = Path(tmp) / "home.yaml"
            config.write_text(
                yaml.safe_dump(
                    {
                        "homeassistant": {"url": ha.url, "token": ha.token},
                        "llm": {"enabled": False},
                        "history": {"enabled": False},
                    }
                ),
                encoding="utf-8",
            )
            imports = []
            for _ in range(3):
                t0 = time.perf_counter()
                merged, link = with_homeassistant(config)
                imports.append(time.perf_counter() - t0)
                link.close()
            taken = len(merged.devices)
            with HomeAssistantLink.open(ha.url, ha.token) as counting:
                held = len(counting.command({"type": "get_states"}))
            print(
                f"registry import: {taken} of its {held} entities taken (those Assist sees), "
                f"median {statistics.median(imports) * 1000:.0f} ms (connect, read, check, merge)"
            )
            merged, link = with_homeassistant(config)
            home = Home.from_config(merged)
            root = Root(home, Ports(dispatcher=HomeAssistantDispatcher(link)))
            texts = [
                f"turn {'on' if i % 2 == 0 else 'off'} the {extra_name(i % args.lights).lower()}"
                for i in range(args.requests)
            ]
            total: list[float] = []
            for text in texts:
                t0 = time.perf_counter()
                outcome = root.agent.handle(Request(text))
                total.append((time.perf_counter() - t0) * 1000)
                assert outcome.decision.status.value == "done", outcome.decision.reply
            print(
                f"request -> call_service answered ({args.requests}, core-decided, in process): "
                f"p50 {_pct(total, 50):.1f} ms, p95 {_pct(total, 95):.1f} ms"
            )
            root.close()
            link.close()
            wyoming = _over_wyoming(config, Path(tmp), texts)
            print(
                f"Wyoming transcript -> handled (same requests, own process): "
                f"p50 {_pct(wyoming, 50):.1f} ms, p95 {_pct(wyoming, 95):.1f} ms; "
                f"overhead over the in-process path p50 "
                f"{_pct(wyoming, 50) - _pct(total, 50):.1f} ms"
            )
        finally:
            ha.remove()


if __name__ == "__main__":
    main()
