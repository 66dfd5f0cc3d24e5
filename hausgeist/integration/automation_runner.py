"""The automation engine on MQTT: device reports and trigger-topic messages in, the rules'
service calls out through the same dispatcher (outbox, device adapters) as spoken commands.

The engine is pure and synchronous; this adapter gives it the wall clock, feeds it on the
event loop, and runs its timers. It keeps its own copy of the device states, fed by the
same reports as the agent's, so it sees each change as a change. Rules reload on
``<base>/automations/reload`` or when their files change; a bad reload keeps the old rules
and says why."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from hausgeist.agent import Dispatcher
from hausgeist.automations.engine import Conversation, Emitted, Engine
from hausgeist.automations.rules import Rule
from hausgeist.automations.trace import RunTrace
from hausgeist.automations.triggers import topic_matches
from hausgeist.automations.words import RuleReader
from hausgeist.automations.world import World
from hausgeist.devices.actions import ServiceCall
from hausgeist.errors import HausgeistError
from hausgeist.history.runs import AutomationRun
from hausgeist.integration.adapters.base import StateUpdate
from hausgeist.integration.dispatcher import MqttDispatcher

log = logging.getLogger(__name__)

Loader = Callable[[], tuple[World, list[Rule]]]
"""Reads the rules again (and the world they run in); raises ConfigError when they are bad."""


RecordRuns = Callable[[Sequence[AutomationRun]], None]
"""Keeps ended runs (the history's ``record_runs``: a spool write and fsync); never raises."""


class _RunKeeper:
    """Hands ended runs to ``record`` from its own thread, many at a time: the spool's fsync
    never waits on the event loop, and a burst of runs costs one write, not one each."""

    def __init__(self, record: RecordRuns) -> None:
        self._record = record
        self._queue: queue.SimpleQueue[AutomationRun | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="automation-runs", daemon=True)
        self._thread.start()

    def put(self, runs: Iterable[AutomationRun]) -> None:
        for run in runs:
            self._queue.put(run)

    def close(self, timeout: float = 5.0) -> None:
        """Keep what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while not stopping:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
            if batch:
                try:
                    self._record(batch)
                except Exception:  # the rules must outlive any failure to keep their runs
                    log.exception("cannot keep %d automation runs", len(batch))
            if stopping:
                return


def run_record(trace: RunTrace, home: str | None) -> AutomationRun:
    """The history's record of an ended run."""
    return AutomationRun(
        run_id=trace.run_id,
        automation=trace.automation,
        alias=trace.alias,
        started=trace.started,
        finished=trace.finished,
        result=trace.result,
        error=trace.error,
        trigger=trace.trigger,
        conditions=trace.conditions,
        steps=trace.steps,
        dropped_steps=trace.dropped_steps,
        home=home,
    )


def _now() -> datetime:
    return datetime.now(UTC)


class AutomationRunner:
    """Runs the rules of a home beside the agent service."""

    def __init__(
        self,
        load: Loader,
        dispatcher: MqttDispatcher,
        base_topic: str,
        *,
        conversation: Conversation | None = None,
        reader: RuleReader | None = None,
        watch: Iterable[Path] = (),
        clock: Callable[[], datetime] = _now,
        record: RecordRuns | None = None,
        home: str | None = None,
        calls: Dispatcher | None = None,
    ) -> None:
        self._load = load
        self._paused = False
        self._calls = calls if calls is not None else dispatcher
        self._keeper = _RunKeeper(record) if record is not None else None
        self._home = home
        self._dispatcher = dispatcher
        self._conversation = conversation
        self._reader = reader
        self._clock = clock
        self._watch = list(watch)
        self._stamps = self._file_stamps()
        self.reload_topic = f"{base_topic}/automations/reload"
        self.add_topic = f"{base_topic}/automations/add"
        self.add_answer_topic = f"{base_topic}/automations/add/result"
        world, rules = load()
        world.apply_effects = False
        self.engine = Engine(rules, world, conversation)
        self._subscribed: tuple[Engine, list[str], frozenset[str], tuple[str, ...]] | None = None
        self.engine.start(clock())

    def subscriptions(self) -> list[str]:
        """Topics the rules listen on, and the reload and add topics."""
        return list(self._topics()[0])

    def wants(self, topic: str) -> bool:
        _, plain, wild = self._topics()
        return topic in plain or any(topic_matches(t, topic) for t in wild)

    def _topics(self) -> tuple[list[str], frozenset[str], tuple[str, ...]]:
        """The topics (sorted), the plain ones and the filters, worked out once per engine."""
        if self._subscribed is None or self._subscribed[0] is not self.engine:
            topics = {self.reload_topic, self.add_topic}
            for rule in self.engine.rules:
                for trigger in rule.triggers:
                    if trigger["trigger"] == "mqtt":
                        topics.add(trigger["topic"])
            listed = sorted(topics)
            plain = frozenset(t for t in listed if "+" not in t and "#" not in t)
            wild = tuple(t for t in listed if t not in plain)
            self._subscribed = (self.engine, listed, plain, wild)
        return self._subscribed[1:]

    @property
    def paused(self) -> bool:
        """Whether the rules are paused (Home Assistant's "Automations" switch off)."""
        return self._paused

    def pause(self, paused: bool) -> None:
        """Pause the rules (runs in progress end, events and timers are not looked at) or
        start them again from the files."""
        if paused == self._paused:
            return
        self._paused = paused
        self.reload("paused" if paused else "resumed")
        log.info("automations %s", "paused" if paused else "running again")

    def on_message(self, topic: str, payload: bytes) -> None:
        """A message on a topic the rules (or the reload/add topics) listen on."""
        if topic == self.reload_topic:
            self.reload("a reload message")
            return
        if topic == self.add_topic:
            self._add(payload)
            return
        if self._paused:
            return
        self.engine.advance(self._clock())
        self.engine.mqtt_message(topic, payload)
        self._settle()

    def on_state(self, updates: Iterable[StateUpdate]) -> None:
        """Devices reported: the rules see each change."""
        if self._paused:
            return
        self.engine.advance(self._clock())
        for update in updates:
            if update.state is None and not update.attributes:
                continue
            current = self.engine.world.states.get(update.entity_id)
            state = update.state if update.state is not None else current.state
            self.engine.set_state(update.entity_id, state, dict(update.attributes))
        self._settle()

    async def run(self, stopping: asyncio.Event) -> None:
        """Run the rules' timers on the wall clock until ``stopping``."""
        while not stopping.is_set():
            if not self._paused:
                self.engine.advance(self._clock())
            self._settle()
            if self._file_stamps() != self._stamps:
                self.reload("a changed file")
            due = self.engine.next_timer()
            wait = 1.0 if due is None else max(0.0, min(1.0, (due - self._clock()).total_seconds()))
            try:
                async with asyncio.timeout(wait):
                    await stopping.wait()
            except TimeoutError:
                pass

    def reload(self, why: str) -> bool:
        """Read the rules again; on a problem keep the running ones and say why."""
        self._stamps = self._file_stamps()
        try:
            world, rules = self._load()
        except HausgeistError as exc:
            log.error("automations not reloaded (%s): %s; the old rules keep running", why, exc)  # noqa: TRY400 - the file is at fault; a traceback says nothing more
            return False
        old = self.engine.world
        world.apply_effects = False
        world.states = old.states
        world.changed = old.changed
        self.engine = Engine(rules, world, self._conversation)
        if not self._paused:  # paused: nothing is scheduled until they run again
            self.engine.start(self._clock())
        log.info("automations reloaded (%s): %d rules", why, len(rules))
        return True

    def _file_stamps(self) -> dict[Path, float]:
        stamps = {}
        for path in self._watch:
            try:
                stamps[path] = path.stat().st_mtime
            except OSError:
                stamps[path] = -1.0
        return stamps

    def _settle(self) -> None:
        """Send what the rules did; keep the runs that ended."""
        self._dispatch(self.engine.drain())
        traces = self.engine.drain_traces()
        if self._keeper is not None and traces:
            self._keeper.put(run_record(trace, self._home) for trace in traces)

    def close(self) -> None:
        """Keep the runs that ended (the history writes them), then stop."""
        self._settle()
        if self._keeper is not None:
            self._keeper.close()

    def _dispatch(self, emitted: list[Emitted]) -> None:
        for item in emitted:
            if item.error is not None:
                log.warning("automation %s: %s", item.automation, item.error)
            elif item.mqtt is not None:
                self._dispatcher.outbox.enqueue_answer(
                    item.mqtt["topic"], item.mqtt["payload"].encode()
                )
                self._dispatcher.doorbell.ring()
            elif item.service is not None and item.entity_id is not None:
                call = ServiceCall(service=item.service, entity_id=item.entity_id, data=item.data)
                try:
                    self._calls.dispatch([call])
                except HausgeistError as exc:
                    log.warning("automation %s: cannot send %s: %s", item.automation, call, exc)

    def _add(self, payload: bytes) -> None:
        """``automations/add``: text (or {"text": ...}) in, the rule made of it out, not saved
        (saving is the command line's, after a yes)."""
        if self._reader is None:
            return
        try:
            raw = payload.decode("utf-8")
            text = json.loads(raw).get("text", "") if raw.lstrip().startswith("{") else raw
        except (UnicodeDecodeError, ValueError, AttributeError):
            text = ""
        made = self._reader.read(str(text)) if text else None
        answer = (
            {
                "status": "not_understood",
                "automation": None,
                "summary": "",
                "reply": 'Send the rule as UTF-8 text or {"text": ...}.',
            }
            if made is None
            else {
                "status": made.status,
                "automation": made.automation,
                "summary": made.summary,
                "reply": made.reply,
            }
        )
        self._dispatcher.outbox.enqueue_answer(self.add_answer_topic, json.dumps(answer).encode())
        self._dispatcher.doorbell.ring()
