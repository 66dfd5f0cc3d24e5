"""Commands from ``<base>/command``: read, stored, handled one at a time, answered.

Runs on the service's event loop; only ``agent.handle`` goes to a worker thread. A
command with an id that was seen before is answered again from the outbox and never
handled twice.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from hausgeist.errors import PayloadError
from hausgeist.integration.dispatcher import CURRENT_COMMAND
from hausgeist.integration.outbox import Accepted, CommandState, Outbox, StoredCommand
from hausgeist.integration.payloads import (
    Command,
    decode_command,
    encode_answer,
    error_answer,
    salvage_reply,
)
from hausgeist.integration.ports import AgentLike
from hausgeist.integration.recent import RecentAnswers
from hausgeist.integration.topics import PublishPolicy
from hausgeist.understanding.types import Request

log = logging.getLogger(__name__)

_PRUNE_EVERY = 1000  # answers between two prunings of the outbox


class CommandDesk:
    """Takes commands in (:meth:`receive`) and works through them (:meth:`run`)."""

    def __init__(
        self,
        agent: AgentLike,
        outbox: Outbox,
        policy: PublishPolicy,
        *,
        wake: Callable[[], None],
        max_command_bytes: int,
    ) -> None:
        self._agent = agent
        self._outbox = outbox
        self._policy = policy
        self._topics = policy.topics
        self._wake = wake
        self._max_bytes = max_command_bytes
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._recent = RecentAnswers()
        # Repeats of a command still running that want the answer on another topic.
        self._also_answer: dict[str, set[str]] = {}
        self._answered = 0

    def resume(self) -> None:
        """Queue the commands a crash left unanswered, oldest first."""
        for stored in self._outbox.unfinished():
            log.info("resuming command %s left unfinished", _label(stored.command))
            self._queue.put_nowait(stored.key)

    # --- intake (on the loop) -----------------------------------------------------------

    def receive(self, payload: bytes) -> None:
        """A payload from the command topic: store it as a command, or answer why not."""
        try:
            command = decode_command(payload, self._max_bytes)
        except PayloadError as exc:
            self._reject(payload, exc)
            return
        reply_topic = self._topics.response
        if command.reply_to is not None:
            if not self._policy.may_reply_to(command.reply_to):
                self._refuse_reply_to(command)
                return
            reply_topic = command.reply_to
        self._accept(command, reply_topic)

    def _accept(self, command: Command, reply_topic: str) -> None:
        if command.id is not None and (known := self._recent.get(command.id)) is not None:
            self._answer_again(command, reply_topic, known)
            return
        result = self._outbox.accept(command, reply_topic)
        if isinstance(result, Accepted):
            self._queue.put_nowait(result.key)
            return
        stored = result.stored
        if stored.answer is not None:
            self._answer_again(command, reply_topic, stored.answer)
            return
        log.info("repeat of command %s while it is being handled", _label(command))
        if reply_topic != stored.reply_topic:
            self._also_answer.setdefault(stored.key, set()).add(reply_topic)

    def _answer_again(self, command: Command, reply_topic: str, answer: bytes) -> None:
        log.info("repeat of command %s: answered again, not run again", _label(command))
        if command.id is not None:
            self._recent.put(command.id, answer)
        self._outbox.enqueue_answer(reply_topic, answer, command.id)
        self._wake()

    def _refuse_reply_to(self, command: Command) -> None:
        log.warning(
            "refused command %s: reply_to %r not allowed", _label(command), command.reply_to
        )
        reply = (
            f"reply_to '{command.reply_to}' is not allowed: use a topic without wildcards"
            f" under '{self._topics.base}/' or one the configuration allows"
        )
        answer = error_answer(
            reply, request_id=command.id, status="refused", error="reply_to_not_allowed"
        )
        self._answer_now(self._topics.response, answer, command.id)

    def _reject(self, payload: bytes, exc: PayloadError) -> None:
        log.warning("dropped a command payload: %s", exc)
        request_id, reply_to = salvage_reply(payload, self._max_bytes)
        if request_id is None and reply_to is None:
            return
        topic = self._topics.response
        if reply_to and self._policy.may_reply_to(reply_to):
            topic = reply_to
        reply = f"I could not read that command: {exc}"
        self._answer_now(
            topic, error_answer(reply, request_id=request_id, error="bad_payload"), request_id
        )

    def _answer_now(self, topic: str, answer: dict[str, Any], request_id: str | None) -> None:
        self._outbox.enqueue_answer(topic, encode_answer(answer), request_id)
        self._wake()

    # --- handling -----------------------------------------------------------------------

    async def run(self, stopping: asyncio.Event, deadline: Callable[[], float]) -> None:
        """Handle queued commands until ``stopping``; then the rest, until ``deadline()``."""
        while (key := await self._next(stopping, deadline)) is not None:
            await self._process(key)

    async def _next(self, stopping: asyncio.Event, deadline: Callable[[], float]) -> str | None:
        while True:
            if stopping.is_set():
                if time.monotonic() >= deadline() or self._queue.empty():
                    return None
                return self._queue.get_nowait()
            if not self._queue.empty():
                return self._queue.get_nowait()
            getter = asyncio.ensure_future(self._queue.get())
            stopper = asyncio.ensure_future(stopping.wait())
            done, _ = await asyncio.wait({getter, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            if getter in done:
                return getter.result()
            getter.cancel()

    async def _process(self, key: str) -> None:
        stored = self._outbox.command(key)
        if stored.state is CommandState.DISPATCHED:
            # Its actions were stored before a crash: never run it again, just answer.
            answer = _recovered_answer(stored)
        else:
            answer = await asyncio.to_thread(self._handle, stored)
        data = encode_answer(answer)
        self._outbox.record_answer(key, data)
        for topic in self._also_answer.pop(key, set()):
            self._outbox.enqueue_answer(topic, data, stored.command.id)
        if stored.command.id is not None:
            self._recent.put(stored.command.id, data)
        self._wake()
        self._answered += 1
        if self._answered % _PRUNE_EVERY == 0:
            self._outbox.prune()

    def _handle(self, stored: StoredCommand) -> dict[str, Any]:
        """In the worker thread: let the agent handle one command."""
        command = stored.command
        CURRENT_COMMAND.set(stored.key)  # this thread's copy of the context only
        request = Request(
            text=command.text,
            area=command.area,
            device=command.device,
            session=command.session,
            request_id=command.id,
            channel="mqtt",
        )
        try:
            return self._agent.handle(request).as_json()
        except Exception:
            log.exception("the agent failed on command %s", _label(command))
            again = self._outbox.command(stored.key)
            if again.state is CommandState.DISPATCHED:
                return _recovered_answer(again)
            return error_answer(
                "Something went wrong while handling that; the agent's log says what.",
                request_id=command.id,
                error="internal",
            )


def _recovered_answer(stored: StoredCommand) -> dict[str, Any]:
    """The answer of a command whose actions went out before the agent could answer."""
    answer: dict[str, Any] = {
        "status": "done",
        "reply": "Done.",
        "actions": list(stored.calls),
        "pending": [],
        "source": "outbox",
        "confidence": 1.0,
        "latency_ms": round((time.time() - stored.created) * 1000, 3),
    }
    if stored.command.id is not None:
        answer["id"] = stored.command.id
    return answer


def _label(command: Command) -> str:
    text = command.text if len(command.text) <= 60 else command.text[:57] + "..."
    return f"{command.id!r} ({text!r})" if command.id is not None else repr(text)
