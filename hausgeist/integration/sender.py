"""Outbox to broker: every stored publish goes out in order, QoS 1, and is marked done
only once the broker acknowledged it. What a broken connection left unacknowledged goes
out again on the next one."""

from __future__ import annotations

import asyncio
import logging
import time

from hausgeist.integration.link import (
    PUBLISH_ID_PROPERTY,
    REQUEST_ID_PROPERTY,
    BrokerConnectionError,
    BrokerLink,
)
from hausgeist.integration.outbox import Outbox, Outgoing, PublishKind
from hausgeist.integration.topics import PublishPolicy

log = logging.getLogger(__name__)

_WINDOW = 64  # publishes awaiting their PUBACK at once
_SETTLE_S = 0.25  # after a disconnect, time for PUBACKs already read to be recorded


class Doorbell:
    """Tells the sender that there may be something new to send; rung from any thread.

    The sender listens on its event loop while it runs; a ring with nobody listening is
    not needed (the sender reads the whole outbox when it starts)."""

    def __init__(self) -> None:
        self.event = asyncio.Event()
        """Set by a ring; the listener clears it before it looks."""
        self._loop: asyncio.AbstractEventLoop | None = None

    def listen(self, loop: asyncio.AbstractEventLoop | None) -> None:
        """Deliver rings to ``loop`` (None: stop delivering)."""
        self._loop = loop

    def ring(self) -> None:
        """Wake the listener; safe from any thread."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self.event.set()
        else:
            loop.call_soon_threadsafe(self.event.set)


class OutboxSender:
    """Sends the outbox over one connection at a time (:meth:`run`)."""

    def __init__(self, outbox: Outbox, policy: PublishPolicy, doorbell: Doorbell) -> None:
        self._outbox = outbox
        self._policy = policy
        self.doorbell = doorbell
        """Rung when there may be something new to send."""
        self._progress = asyncio.Event()
        self._error: BrokerConnectionError | None = None

    async def run(self, link: BrokerLink) -> None:
        """Send until cancelled; raise BrokerConnectionError when a publish fails."""
        self._error = None
        window = asyncio.Semaphore(_WINDOW)
        inflight: set[asyncio.Task[None]] = set()
        cursor = 0
        try:
            while True:
                if self._error is not None:
                    raise self._error
                self.doorbell.event.clear()
                batch = self._outbox.outgoing(after_seq=cursor, limit=_WINDOW)
                if not batch:
                    await self.doorbell.event.wait()
                    continue
                for item in batch:
                    await window.acquire()
                    cursor = item.seq
                    task = asyncio.create_task(
                        self._publish(link, item, window), name=f"mqtt-publish-{item.seq}"
                    )
                    inflight.add(task)
                    task.add_done_callback(inflight.discard)
        finally:
            await _settle(inflight)

    async def drained(self) -> None:
        """Wait until nothing in the outbox waits for a PUBACK."""
        while self._outbox.open_count():
            self._progress.clear()
            await self._progress.wait()

    async def _publish(self, link: BrokerLink, item: Outgoing, window: asyncio.Semaphore) -> None:
        try:
            await self._send(link, item)
            self._progress.set()
        except BrokerConnectionError as exc:
            self._error = exc
            self.doorbell.event.set()
        finally:
            window.release()

    async def _send(self, link: BrokerLink, item: Outgoing) -> None:
        now = time.time()
        if item.expires is not None and item.expires <= now:
            # A stale action (an unlock minutes late) is worse than none.
            log.warning("dropped a stale action to %s (older than action_expiry_s)", item.topic)
            self._outbox.mark_done(item.seq, "expired")
            return
        if not self._policy.may_publish(item.topic):
            log.error("refused to publish to %r: not an allowed topic", item.topic)
            self._outbox.mark_done(item.seq, "refused")
            return
        device = item.kind is PublishKind.DEVICE
        await link.publish(
            item.topic,
            item.payload,
            qos=item.qos,
            retain=item.retain,
            expiry_s=item.remaining_s(now) if device else None,
            user_properties=_trace(item) if device else (),
        )
        self._outbox.mark_done(item.seq, "sent")


async def _settle(inflight: set[asyncio.Task[None]]) -> None:
    """Let publishes whose PUBACK was already read finish; cancel the rest (sent again later)."""
    if not inflight:
        return
    _, pending = await asyncio.wait(set(inflight), timeout=_SETTLE_S)
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _trace(item: Outgoing) -> list[tuple[str, str]]:
    """User properties that tell a device log which command a message came from."""
    trace = [(PUBLISH_ID_PROPERTY, str(item.seq))]
    if item.request_id is not None:
        trace.append((REQUEST_ID_PROPERTY, item.request_id))
    return trace
