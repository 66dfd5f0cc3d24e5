"""Command-to-device latency of the agent over a real Mosquitto.

Starts its own Mosquitto (never the one on 1883) and the agent as its own process
(``hausgeist run``), then measures, in one run:

- the raw broker round trip: QoS 1 publish -> a subscriber has it (the floor);
- command -> device: publish a command on ``<base>/command`` -> the device's ``/set``
  message seen by a subscriber (the agent's whole path: receive, store, understand,
  dispatch, publish, PUBACK);
- command -> answer: the same command's answer on ``<base>/response``;
- sustained throughput: many commands published back to back, until every device
  message has arrived.

Usage: ``python benchmarks/mqtt_latency.py [--commands 500] [--burst 2000] [--no-history]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt

from hausgeist.integration.link import REQUEST_ID_PROPERTY

REPO = Path(__file__).resolve().parents[1]
MOSQUITTO = os.environ.get("HAUSGEIST_TEST_MOSQUITTO", "/usr/sbin/mosquitto")
BASE = "bench"
LIGHTS = ["Desk Lamp", "Hall Light", "Porch Light", "Floor Lamp"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def mosquitto(workdir: Path) -> Iterator[int]:
    port = _free_port()
    conf = workdir / "mosquitto.conf"
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\nuser {os.environ.get('USER', 'root')}\n"
        "max_queued_messages 100000\nmax_inflight_messages 1000\n"
    )
    process = subprocess.Popen([MOSQUITTO, "-c", str(conf)], stderr=subprocess.DEVNULL)
    try:
        _wait_port(port)
        yield port
    finally:
        process.kill()
        process.wait()


def _wait_port(port: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


def _config(path: Path, port: int, history: bool) -> Path:
    devices = "\n".join(
        f"  - {{id: light.{n.lower().replace(' ', '_')}, name: {n}, state: 'off',"
        f" mqtt: {{type: zigbee2mqtt, topic: 'bench/{n}'}}}}"
        for n in LIGHTS
    )
    path.write_text(
        f"devices:\n{devices}\n"
        f"mqtt: {{host: 127.0.0.1, port: {port}, base_topic: {BASE}, client_id: {BASE}}}\n"
        f"llm: {{enabled: false}}\nhistory: {{enabled: {str(history).lower()}}}\n"
    )
    return path


def _agent_command(config: Path) -> list[str]:
    help_run = subprocess.run(
        [sys.executable, "-m", "hausgeist", "run", "--help"],
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    if help_run.returncode == 0:
        return [sys.executable, "-m", "hausgeist", "run", "--config", str(config)]
    code = (
        "import sys; from pathlib import Path; from hausgeist.config import load_config;"
        "from hausgeist.commands.serve import run_agent;"
        f"p = Path({str(config)!r}); sys.exit(run_agent(load_config(p), p))"
    )
    return [sys.executable, "-c", code]


@dataclass
class Watcher:
    """Subscriber: when each request id's device message and answer arrived."""

    device_at: dict[str, float] = field(default_factory=dict)
    answer_at: dict[str, float] = field(default_factory=dict)
    echo_at: dict[str, float] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            now = time.perf_counter()
            _quick_ack(client)
            topic = message.topic.value
            payload = message.payload if isinstance(message.payload, bytes) else b""
            if topic.endswith("/set"):
                props = dict(getattr(message.properties, "UserProperty", None) or [])
                rid = props.get(REQUEST_ID_PROPERTY)
                if rid is not None:
                    self.device_at.setdefault(rid, now)
            elif topic == f"{BASE}/response":
                rid = json.loads(payload).get("id")
                if rid is not None:
                    self.answer_at.setdefault(rid, now)
            elif topic == "bench-echo":
                self.echo_at.setdefault(payload.decode(), now)
            self.changed.set()

    async def until(self, done: Any, within: float = 30) -> None:
        async with asyncio.timeout(within):
            while not done():
                self.changed.clear()
                await self.changed.wait()


def _quick_ack(client: aiomqtt.Client) -> None:
    # The measuring client ACKs at once, as the agent does, so that the broker's Nagle
    # (Mosquitto's default) does not add 40 ms to what is measured on our side.
    sock = client._client.socket()  # noqa: SLF001
    quickack = getattr(socket, "TCP_QUICKACK", None)
    if quickack is not None and isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)


def _command(i: int) -> bytes:
    name = LIGHTS[i % len(LIGHTS)].lower()
    return json.dumps(
        {"text": f"set the {name} brightness to {1 + i % 100}%", "id": f"b{i}"}
    ).encode()


async def _round_trips(client: aiomqtt.Client, watcher: Watcher, n: int) -> list[float]:
    out = []
    for i in range(n):
        key = f"e{i}"
        start = time.perf_counter()
        await client.publish("bench-echo", key.encode(), qos=1)
        _quick_ack(client)
        await watcher.until(lambda key=key: key in watcher.echo_at)
        out.append((watcher.echo_at[key] - start) * 1000)
    return out


async def _sequential(
    client: aiomqtt.Client, watcher: Watcher, first: int, n: int
) -> tuple[list[float], list[float]]:
    device, answer = [], []
    for i in range(first, first + n):
        rid = f"b{i}"
        start = time.perf_counter()
        await client.publish(f"{BASE}/command", _command(i), qos=1)
        _quick_ack(client)
        await watcher.until(lambda rid=rid: rid in watcher.device_at and rid in watcher.answer_at)
        device.append((watcher.device_at[rid] - start) * 1000)
        answer.append((watcher.answer_at[rid] - start) * 1000)
    return device, answer


async def _burst(client: aiomqtt.Client, watcher: Watcher, first: int, n: int) -> float:
    ids = [f"b{i}" for i in range(first, first + n)]
    start = time.perf_counter()
    await asyncio.gather(
        *(client.publish(f"{BASE}/command", _command(i), qos=1) for i in range(first, first + n))
    )
    await watcher.until(
        lambda: all(r in watcher.device_at and r in watcher.answer_at for r in ids), 300
    )
    last = max(max(watcher.device_at[r], watcher.answer_at[r]) for r in ids)
    return n / (last - start)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _row(name: str, values: list[float]) -> str:
    cells = [f"{_pct(values, q):8.2f}" for q in (50, 95, 99)]
    return f"{name:<34}{''.join(cells)}{statistics.fmean(values):8.2f}"


async def bench(port: int, commands: int, burst: int) -> dict[str, Any]:
    watcher = Watcher()
    async with aiomqtt.Client(
        "127.0.0.1",
        port,
        identifier="bench-client",
        protocol=aiomqtt.ProtocolVersion.V5,
        max_inflight_messages=1000,
        socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
    ) as client:
        client.pending_calls_threshold = 100_000
        for topic in ("bench/+/set", f"{BASE}/response", "bench-echo"):
            await client.subscribe(topic, qos=1)
        reader = asyncio.create_task(watcher.run(client))
        try:
            await _sequential(client, watcher, 0, 20)  # warm up
            echo = await _round_trips(client, watcher, commands)
            device, answer = await _sequential(client, watcher, 20, commands)
            rate = await _burst(client, watcher, 20 + commands, burst)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
                await reader
    return {
        "broker_round_trip_ms": echo,
        "command_to_device_ms": device,
        "command_to_answer_ms": answer,
        "sustained_per_s": rate,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--commands", type=int, default=500, help="sequential commands (default 500)"
    )
    parser.add_argument(
        "--burst", type=int, default=2000, help="back-to-back commands (default 2000)"
    )
    parser.add_argument("--no-history", action="store_true", help="run the agent without history")
    args = parser.parse_args()
    if not Path(MOSQUITTO).exists() and shutil.which("mosquitto") is None:
        print("mosquitto is not installed", file=sys.stderr)
        return 2
    with (
        tempfile.TemporaryDirectory(prefix="hausgeist-bench-") as tmp,
        mosquitto(Path(tmp)) as port,
    ):
        config = _config(Path(tmp) / "config.yaml", port, history=not args.no_history)
        env = {**os.environ, "HAUSGEIST_DATA_DIR": str(Path(tmp) / "data")}
        log = (Path(tmp) / "agent.log").open("wb")
        agent = subprocess.Popen(
            _agent_command(config), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO
        )
        try:
            time.sleep(0.5)
            results = asyncio.run(_with_agent_online(port, args.commands, args.burst))
        finally:
            agent.send_signal(signal.SIGTERM)
            agent.wait(30)
            log.close()
    history = "off" if args.no_history else "on"
    print(
        f"\nhausgeist over Mosquitto on 127.0.0.1 ({args.commands} sequential commands, "
        f"history {history}; milliseconds)\n"
    )
    print(f"{'':<34}{'p50':>8}{'p95':>8}{'p99':>8}{'mean':>8}")
    print(_row("broker round trip (QoS 1)", results["broker_round_trip_ms"]))
    print(_row("command -> device /set", results["command_to_device_ms"]))
    print(_row("command -> answer", results["command_to_answer_ms"]))
    print(
        f"\nsustained: {args.burst} commands back to back -> {results['sustained_per_s']:.0f} "
        "commands/s (each answered and sent to its device)"
    )
    return 0


async def _with_agent_online(port: int, commands: int, burst: int) -> dict[str, Any]:
    async with aiomqtt.Client("127.0.0.1", port, identifier="bench-wait") as client:
        await client.subscribe(f"{BASE}/status", qos=1)
        async with asyncio.timeout(60):
            async for message in client.messages:
                if message.payload == b"online":
                    break
    return await bench(port, commands, burst)


if __name__ == "__main__":
    sys.exit(main())
