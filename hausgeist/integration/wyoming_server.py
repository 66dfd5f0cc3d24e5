"""The agent as a Wyoming conversation agent ("handle" program): Home Assistant's voice
pipeline (its Wyoming integration, by host and port) sends each utterance's ``transcript``
and gets ``handled`` (the reply) or ``not-handled``.

Home Assistant opens one connection per utterance and sends ``context`` with its
``conversation_id`` (and ``device_id``/``satellite_id``): the conversation id is the agent's
session, so a "yes" or an answer to "which one?" in the next utterance completes the
request; a satellite mapped in ``voice.satellites`` gives the request its room. The
protocol is the ``wyoming`` package's; nothing else here touches a socket."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from wyoming.asr import Transcript
from wyoming.event import Event
from wyoming.handle import Handled, NotHandled
from wyoming.info import Attribution, Describe, HandleModel, HandleProgram, Info
from wyoming.server import AsyncEventHandler, AsyncServer

from hausgeist import __version__
from hausgeist.integration.ports import AgentLike
from hausgeist.understanding import Request, Status

log = logging.getLogger(__name__)

MAX_TEXT = 2000
ATTRIBUTION = Attribution(name="hausgeist", url="https://github.com/hausgeist/hausgeist")


def info() -> Info:
    """What the server offers: one ``handle`` program for English, home control included."""
    program = HandleProgram(
        name="hausgeist",
        attribution=ATTRIBUTION,
        installed=True,
        description="A local-first home agent",
        version=__version__,
        models=[
            HandleModel(
                name="hausgeist",
                attribution=ATTRIBUTION,
                installed=True,
                description="deterministic core and local model",
                version=__version__,
                languages=["en"],
            )
        ],
        supports_home_control=True,
    )
    return Info(handle=[program])


class TranscriptHandler(AsyncEventHandler):
    """One connection: describe -> info, transcript -> handled / not-handled."""

    def __init__(
        self,
        agent: AgentLike,
        satellites: Mapping[str, str],
        lock: asyncio.Lock,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        super().__init__(reader, writer)
        self._agent = agent
        self._satellites = satellites
        self._lock = lock

    async def run(self) -> None:
        """Serve the connection; a peer that sends garbage or goes away mid-event is
        logged and dropped, never the server."""
        try:
            await super().run()
        except (ValueError, UnicodeDecodeError, asyncio.IncompleteReadError, OSError) as exc:
            log.info("wyoming: dropped a connection that sent something unreadable: %s", exc)

    async def handle_event(self, event: Event) -> bool:
        if Describe.is_type(event.type):
            await self.write_event(info().event())
            return True
        if Transcript.is_type(event.type):
            await self.write_event(await self._answer(Transcript.from_event(event)))
            return True
        log.debug("wyoming: ignored a %s event", event.type)
        return True

    async def _answer(self, transcript: Transcript) -> Event:
        context: dict[str, Any] = dict(transcript.context or {})
        text = transcript.text if isinstance(transcript.text, str) else ""
        if not text.strip():
            return NotHandled(text="Sorry, I didn't catch that.", context=context).event()
        if len(text) > MAX_TEXT:
            return NotHandled(
                text=f"That is {len(text)} characters; say it in {MAX_TEXT}.", context=context
            ).event()
        satellite = context.get("satellite_id") or context.get("device_id")
        area = self._satellites.get(str(satellite)) if satellite is not None else None
        session = context.get("conversation_id")
        request = Request(
            text, area, None, None if session is None else str(session), channel="wyoming"
        )
        async with self._lock:  # one decision at a time, as on MQTT
            outcome = await asyncio.to_thread(self._agent.handle, request)
        decision = outcome.decision
        if decision.status is Status.NOT_UNDERSTOOD:
            return NotHandled(text=decision.reply, context=context).event()
        return Handled(text=decision.reply, context=context).event()


async def serve(
    uri: str,
    agent: AgentLike,
    satellites: Mapping[str, str],
    *,
    ready: Callable[[], None] | None = None,
) -> None:
    """Serve ``uri`` (``tcp://HOST:PORT``) until cancelled."""
    server = AsyncServer.from_uri(uri)
    lock = asyncio.Lock()
    factory = partial(TranscriptHandler, agent, satellites, lock)  # the caller may update it
    if ready is not None:
        asyncio.get_running_loop().call_later(0.2, ready)
    await server.run(factory)
