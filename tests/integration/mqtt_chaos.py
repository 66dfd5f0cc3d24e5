"""Helpers for fault-injection tests: a test client that survives broker restarts and the
agent as a process of its own (``hausgeist run``) that can be killed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiomqtt
from mqtt_helpers import quick_ack
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from hausgeist.integration.link import PUBLISH_ID_PROPERTY, REQUEST_ID_PROPERTY

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Received:
    topic: str
    payload: bytes
    properties: dict[str, str]


@dataclass
class ResilientClient:
    """Reconnects forever with a persistent session; records every message it gets."""

    host: str
    port: int
    client_id: str
    topics: list[str]
    received: list[Received] = field(default_factory=list)
    connected: asyncio.Event = field(default_factory=asyncio.Event)
    connections: int = 0
    _client: aiomqtt.Client | None = None

    async def run(self) -> None:
        while True:
            props = Properties(PacketTypes.CONNECT)
            props.SessionExpiryInterval = 3600
            client = aiomqtt.Client(
                self.host,
                self.port,
                identifier=self.client_id,
                protocol=aiomqtt.ProtocolVersion.V5,
                clean_start=False,
                properties=props,
                timeout=3,
                socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            )
            try:
                async with client:
                    for topic in self.topics:
                        await client.subscribe(topic, qos=1)
                    self._client = client
                    self.connections += 1
                    self.connected.set()
                    async for message in client.messages:
                        quick_ack(client)
                        self._record(message)
            except aiomqtt.MqttError:
                # paho acknowledged what is still queued in aiomqtt: keep it, or it is lost.
                while not client._queue.empty():
                    self._record(client._queue.get_nowait())
            finally:
                self._client = None
                self.connected.clear()
            await asyncio.sleep(0.05)

    def _record(self, message: aiomqtt.Message) -> None:
        user = dict(getattr(message.properties, "UserProperty", None) or [])
        payload = message.payload if isinstance(message.payload, bytes) else b""
        self.received.append(Received(message.topic.value, payload, user))

    async def publish(self, topic: str, payload: bytes) -> bool:
        client = self._client
        if client is None:
            return False
        try:
            await client.publish(topic, payload, qos=1, timeout=2)
        except aiomqtt.MqttError:
            return False
        quick_ack(client)
        return True

    def on(self, topic: str) -> list[Received]:
        return [m for m in self.received if m.topic == topic]

    def per_request(self) -> dict[str, list[Received]]:
        out: dict[str, list[Received]] = defaultdict(list)
        for message in self.received:
            rid = message.properties.get(REQUEST_ID_PROPERTY)
            if rid is not None:
                out[rid].append(message)
        return out

    @staticmethod
    def publish_id(message: Received) -> str | None:
        return message.properties.get(PUBLISH_ID_PROPERTY)


def answers_by_id(messages: list[Received]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages:
        answer = json.loads(message.payload)
        if "id" in answer:
            out[answer["id"]].append(answer)
    return out


def _cli_has_run() -> bool:
    probe = subprocess.run(
        [sys.executable, "-m", "hausgeist", "run", "--help"],
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    return probe.returncode == 0


def agent_command(config: Path) -> list[str]:
    """``hausgeist run --config FILE`` (through the runner until the CLI has ``run``)."""
    if _cli_has_run():
        return [sys.executable, "-m", "hausgeist", "run", "--config", str(config)]
    code = (
        "import sys, logging; from pathlib import Path;"
        "logging.basicConfig(level=logging.INFO);"
        "from hausgeist.config import load_config;"
        "from hausgeist.commands.serve import run_agent;"
        f"p = Path({str(config)!r}); sys.exit(run_agent(load_config(p), p))"
    )
    return [sys.executable, "-c", code]


class AgentProcess:
    """The agent as a separate process, to kill -9 and start again."""

    def __init__(self, config: Path, data_dir: Path, log: Path) -> None:
        self.command = agent_command(config)
        self.env = {**os.environ, "HAUSGEIST_DATA_DIR": str(data_dir)}
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO
            )
        self.starts += 1

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def terminate(self) -> int | None:
        self._signal(signal.SIGTERM)
        return self.process.returncode if self.process else None

    def _signal(self, sig: signal.Signals) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.kill()
