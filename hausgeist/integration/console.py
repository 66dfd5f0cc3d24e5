"""The interactive prompt of ``hausgeist demo``: type a command, see the answer, the
actions and the devices changing. It talks to the agent over MQTT like any other client."""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import threading
import uuid
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from rich.console import Console
from rich.table import Table

from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.integration.adapters.base import StateUpdate
from hausgeist.integration.link import BrokerConnectionError, BrokerLink, LinkSettings
from hausgeist.integration.topics import Topics

_QUIT = {"quit", "exit", "q"}
_STYLE = {
    "done": "green",
    "answer": "cyan",
    "confirm": "yellow",
    "clarify": "yellow",
    "refused": "red",
    "not_understood": "magenta",
}
_SHOWN = ("brightness", "color_temp_kelvin", "current_position", "temperature", "percentage")


class DemoConsole:
    """Reads lines from stdin, sends them as commands, prints answers and state changes."""

    def __init__(
        self,
        settings: LinkSettings,
        topics: Topics,
        registry: DeviceRegistry,
        states: StateStore,
        console: Console | None = None,
    ) -> None:
        self._session = uuid.uuid4().hex[:8]
        self._settings = replace(
            settings, client_id=f"{settings.client_id}-demo-{self._session}", session_expiry_s=0
        )
        self._topics = topics
        self._reply_topic = f"{topics.base}/demo/{self._session}"
        self._registry = registry
        self._states = states
        self._console = console or Console(highlight=False)
        self._shown: dict[str, tuple[str | None, tuple[Any, ...]]] = {}
        self._answers: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._awaited: set[str] = set()  # entities an answer just acted on
        self._reported = asyncio.Event()

    def state_changed(self, update: StateUpdate) -> None:
        """Print a device's new state when it differs from what was shown (service hook)."""
        state = self._states.get(update.entity_id)
        view = (state.state, tuple(state.attributes.get(k) for k in _SHOWN))
        if self._shown.get(update.entity_id) == view:
            return
        first = update.entity_id not in self._shown
        self._shown[update.entity_id] = view
        self._awaited.discard(update.entity_id)
        if not self._awaited:
            self._reported.set()
        if first:
            return
        device = self._registry.get(update.entity_id)
        name = device.name if device else update.entity_id
        extra = _attributes(state.attributes)
        available = "" if state.available else " [red](offline)[/]"
        self._console.print(f"  [blue]●[/] {name}: [bold]{state.state}[/]{extra}{available}")

    async def run(self) -> None:
        """The prompt loop; returns on ``quit`` or end of input."""
        self._print_devices()
        self._console.print("Type a command ([bold]quit[/] to leave).")
        prompt = _Prompt("you> ")
        async with BrokerLink(self._settings) as link:
            await link.subscribe([self._reply_topic])
            async with asyncio.TaskGroup() as tg:
                listener = tg.create_task(self._listen(link), name="demo-answers")
                while (text := await prompt.read()) is not None:
                    if text.strip().lower() in _QUIT:
                        break
                    if text.strip():
                        await self._ask(link, text.strip())
                else:
                    self._console.print()  # end of input: end the prompt's line
                listener.cancel()

    async def _listen(self, link: BrokerLink) -> None:
        with contextlib.suppress(BrokerConnectionError):
            async for message in link.messages():
                link.ack(message)
                with contextlib.suppress(ValueError):
                    answer = json.loads(message.payload)
                    if isinstance(answer, dict):
                        self._answers.put_nowait(answer)

    async def _ask(self, link: BrokerLink, text: str) -> None:
        request_id = uuid.uuid4().hex[:12]
        command = {
            "text": text,
            "id": request_id,
            "session": self._session,
            "reply_to": self._reply_topic,
        }
        await link.publish(self._topics.command, json.dumps(command).encode())
        try:
            async with asyncio.timeout(30):
                while (answer := await self._answers.get()).get("id") != request_id:
                    pass
        except TimeoutError:
            self._console.print("[red]No answer within 30 s: is the agent running?[/]")
            return
        self._print_answer(answer)
        await self._await_devices(answer)

    async def _await_devices(self, answer: Mapping[str, Any]) -> None:
        """Give the devices a moment to report, so their new state prints before the prompt."""
        self._awaited = {str(a.get("entity_id")) for a in answer.get("actions", [])}
        if not self._awaited:
            return
        self._reported.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(1.0):
                await self._reported.wait()
        self._awaited = set()

    def _print_answer(self, answer: Mapping[str, Any]) -> None:
        status = str(answer.get("status", "?"))
        style = _STYLE.get(status, "white")
        self._console.print(f"[{style}]{answer.get('reply', '')}[/]  [dim]({status})[/]")
        for action in answer.get("actions", []):
            self._console.print(f"  [dim]→ {_call(action)}[/]")
        for action in answer.get("pending", []):
            self._console.print(f"  [yellow]… waiting for yes: {_call(action)}[/]")

    def _print_devices(self) -> None:
        table = Table(title="The home", show_lines=False)
        for column in ("device", "area", "state"):
            table.add_column(column)
        for device in self._registry:
            state = self._states.get(device.entity_id)
            self._shown[device.entity_id] = (
                state.state,
                tuple(state.attributes.get(k) for k in _SHOWN),
            )
            table.add_row(device.name, device.area_id or "", f"{state.state}")
        self._console.print(table)


def _attributes(attributes: Mapping[str, Any]) -> str:
    shown = [f"{k}={attributes[k]}" for k in _SHOWN if attributes.get(k) is not None]
    return f" [dim]({', '.join(shown)})[/]" if shown else ""


def _call(action: Mapping[str, Any]) -> str:
    data = " ".join(f"{k}={v}" for k, v in dict(action.get("data") or {}).items())
    return f"{action.get('service')} {action.get('entity_id')} {data}".rstrip()


class _Prompt:
    """Reads one line of stdin per ``read()`` in a daemon thread (Ctrl-C never waits on it)."""

    def __init__(self, prompt: str) -> None:
        self._prompt = prompt
        self._loop = asyncio.get_running_loop()
        self._requests: queue.SimpleQueue[asyncio.Future[str | None]] = queue.SimpleQueue()
        threading.Thread(target=self._serve, name="demo-stdin", daemon=True).start()

    async def read(self) -> str | None:
        """The next line, or None at the end of input."""
        future: asyncio.Future[str | None] = self._loop.create_future()
        self._requests.put(future)
        return await future

    def _serve(self) -> None:
        while True:
            future = self._requests.get()
            try:
                line: str | None = input(self._prompt)
            except (EOFError, KeyboardInterrupt, OSError):
                line = None
            self._loop.call_soon_threadsafe(_resolve, future, line)
            if line is None:
                return


def _resolve(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)
