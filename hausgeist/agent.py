"""The agent: one request in, a decision carried out and recorded.

It is given everything it talks to (its :class:`~hausgeist.home.Home` and its ports) and
builds nothing itself: :mod:`hausgeist.root` is the one place that wires it.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import HausgeistError, IntegrationError
from hausgeist.history.entry import HistoryEntry
from hausgeist.history.learned import LearningEvent
from hausgeist.home import Home
from hausgeist.learning.learner import Corrected, Learner, Prepared, Turn, Words
from hausgeist.understanding import (
    Conversation,
    Decision,
    Request,
    SessionStore,
    Status,
    Understanding,
)

log = logging.getLogger("hausgeist.agent")


class Dispatcher(Protocol):
    """Carries actions out on real devices; called from a worker thread."""

    def dispatch(self, calls: Sequence[ServiceCall]) -> None:
        """Send ``calls``; raise IntegrationError when they cannot be sent."""

    def reaches(self, device: Device) -> bool:
        """Whether ``device`` is a real one this dispatcher sends to (else it is virtual)."""


class History(Protocol):
    """Where requests and decisions are recorded (``SqlHistory``); never blocks a command."""

    def record(self, entry: HistoryEntry) -> None:
        """Keep one request and its decision."""

    def close(self) -> None:
        """Flush what waits and close."""


@runtime_checkable
class Entries(Protocol):
    """A history that finds a request by its id (``SqlHistory``)."""

    def entry(self, request_id: str) -> HistoryEntry | None:
        """The entry kept under ``request_id``."""


class HandOverResult(Protocol):
    """What the stage behind the core made of a request (``StageResult``)."""

    @property
    def decision(self) -> Decision | None:
        """The stage's decision; None when it declines."""

    @property
    def conversation(self) -> Conversation | None:
        """The conversation after the stage's decision."""

    @property
    def trace(self) -> tuple[str, ...]:
        """What the stage did."""


class HandOver(Protocol):
    """Asked when the core does not understand (the LLM stage, or a fake in tests)."""

    def consider(
        self, request: Request, states: StateStore, conversation: Conversation
    ) -> HandOverResult:
        """Decide a request the core handed over, or decline."""

    def close(self) -> None:
        """Free what the stage holds (the model)."""


@runtime_checkable
class Rebinds(Protocol):
    """A hand-over that follows the home when it changes (the LLM stage)."""

    def rebind(self, understanding: Understanding) -> None:
        """Use ``understanding`` (a new registry's) from the next request on."""


class Clock(Protocol):
    """Where the agent reads the time of day (a fixed or stepped one in tests and replays)."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current time in UTC."""
        return datetime.now(UTC)


@dataclass(frozen=True)
class Outcome:
    """A request, what was decided, and how long it took."""

    request: Request
    """What was asked."""
    decision: Decision
    """What was decided (after dispatch: a failed dispatch turns ``done`` into ``refused``)."""
    latency_ms: float
    """Time from the request to the decision being carried out."""
    request_id: str = ""
    """The id the history keeps it under (the request's own, else a new one)."""

    def as_json(self) -> dict[str, Any]:
        """The contract's JSON answer, with ``id`` when the request had one."""
        return self.decision.as_json(self.latency_ms, self.request.request_id)


class Agent:
    """One home's agent. ``handle`` is synchronous and thread-safe."""

    def __init__(
        self,
        home: Home,
        *,
        dispatcher: Dispatcher | None = None,
        history: History | None = None,
        handover: HandOver | None = None,
        clock: Clock | None = None,
        learner: Learner | None = None,
    ) -> None:
        self.home = home
        self.dispatcher = dispatcher
        """Real devices; None: every device is virtual here."""
        self.history = history
        """Where requests are recorded; None: nowhere."""
        self.handover = handover
        """Asked when the core hands over (the LLM stage); None: the core's answer stands."""
        self.clock: Clock = clock or SystemClock()
        self.handover_on = True
        """Whether the hand-over is asked (the LLM stage's switch on Home Assistant)."""
        self.sessions = SessionStore(ttl_s=home.config.policy.confirm_timeout_s)
        self.learner = learner
        """What the agent learned of its household; None: it learns nothing."""
        self._turns: OrderedDict[str, Turn] = OrderedDict()
        """Each session's last request, for a correction of it."""
        self._switched: dict[str, tuple[Turn, str | None]] = {}
        """Devices the agent just switched: the turn, and the state it left them in."""
        self._lock = threading.Lock()

    def replace_home(self, home: Home) -> None:
        """Use ``home`` (the registry read again: Home Assistant's changed) from the next
        request on; conversations and the hand-over follow it."""
        with self._lock:
            self.home = home
            if isinstance(self.handover, Rebinds):
                self.handover.rebind(home.understanding)
            if self.learner is not None:
                self.learner.rebind(home.understanding)

    @property
    def registry(self) -> DeviceRegistry:
        """The home's devices."""
        return self.home.registry

    @property
    def states(self) -> StateStore:
        """Live device state; adapters write what devices report."""
        return self.home.states

    def local_time(self, request: Request) -> datetime:
        """When ``request`` was said, in the home's time zone."""
        zone = self.home.config.location.zone
        said = request.time
        if said is None:
            return self.clock.now().astimezone(zone)
        return said.replace(tzinfo=zone) if said.tzinfo is None else said.astimezone(zone)

    def handle(self, request: Request, *, dry_run: bool = False) -> Outcome:
        """Understand, police, carry out (unless ``dry_run``) and record one request."""
        started = time.perf_counter()
        rid = request.request_id or uuid.uuid4().hex
        when = self.local_time(request)
        states = self.states.override(request.state) if request.state else self.states
        learner = self.learner
        with self._lock:
            before = self.sessions.get(request.session)
            last = self._turns.get(request.session) if request.session is not None else None
            corrected = (
                learner.correct(request, last, before, states, when, rid)
                if learner is not None
                else None
            )
            if corrected is not None:
                prepared = corrected.prepared
                decision, conversation = corrected.decision, corrected.conversation
            else:
                prepared = (
                    learner.prepare(request, when)
                    if learner is not None
                    else Prepared(request, request, Words(None, None))
                )
                decision, conversation = self.home.understanding.decide(
                    prepared.request, states, before
                )
            handover = (
                self.handover
                if decision.status is Status.NOT_UNDERSTOOD and self.handover_on
                else None
            )
            if handover is None:
                self.sessions.put(request.session, conversation)
        if handover is not None:
            # Outside the lock: the core keeps answering other requests while the model thinks.
            # The core's conversation, not ``before``: a reply the core did not take for an
            # answer has dropped what was pending, and the model must not answer it either.
            decision, conversation = _hand_over(
                handover, prepared.request, states, conversation, decision
            )
            self.sessions.put_unless_newer(request.session, before, conversation)
        if learner is not None:
            decision, prepared = learner.finish(decision, prepared, states, when)
        changed = {c.entity_id: states.get(c.entity_id) for c in decision.actions}
        if decision.status is Status.DONE and decision.actions and not dry_run:
            decision = self._carry_out(decision)
        if learner is not None and not dry_run:
            self._learn(
                learner, rid, prepared, decision, last, changed, when, corrected, conversation
            )
        outcome = Outcome(request, decision, (time.perf_counter() - started) * 1000, rid)
        self._record(outcome, when)
        return outcome

    def _learn(
        self,
        learner: Learner,
        rid: str,
        prepared: Prepared,
        decision: Decision,
        last: Turn | None,
        changed: dict[str, Any],
        when: datetime,
        corrected: Corrected | None,
        conversation: Conversation,
    ) -> None:
        """Learn from the request (never at the cost of the answer: a failure is logged)."""
        try:
            with self._lock:
                turn = learner.learn(
                    rid,
                    prepared,
                    decision,
                    last,
                    changed,
                    self.states,
                    when,
                    conversation=conversation,
                    corrected=corrected,
                )
                self._note_switched(turn, learner)
                session = prepared.original.session
                if session is not None:
                    self._turns.pop(session, None)
                    self._turns[session] = turn
                    while len(self._turns) > self.sessions.max_sessions:
                        self._turns.popitem(last=False)
        except Exception:  # learning must never cost a request its answer
            log.exception("cannot learn from request %s", rid)

    def _note_switched(self, turn: Turn, learner: Learner) -> None:
        """Remember what ``turn`` switched, for what happens to it by hand (under the lock)."""
        window = learner.settings.window_s
        for key, (earlier, _) in list(self._switched.items()):
            if (turn.when - earlier.when).total_seconds() > window:
                del self._switched[key]
        if turn.decision.status is not Status.DONE:
            return
        for call in turn.decision.actions:
            if call.service.endswith((".turn_on", ".turn_off")):
                self._switched[call.entity_id] = (turn, call.service.rsplit("_", 1)[1])

    def observe(self, entity_id: str, state: str | None) -> list[str]:
        """A device reported ``state`` (the state feed, after the store has it): a device the
        agent just switched, switched back by hand, or another of its kind in its room switched
        instead, is evidence for the learner. What it meant, in words."""
        learner = self.learner
        if learner is None or state not in {"on", "off"} or not self._switched:
            return []
        when = self.clock.now()
        with self._lock:
            for acted, (turn, left) in list(self._switched.items()):
                if (when - turn.when).total_seconds() > learner.settings.window_s:
                    del self._switched[acted]
                    continue
                if entity_id == acted and state == left:
                    continue  # the device saying it did what it was told
                if entity_id != acted and state != left:
                    continue
                meant = learner.by_hand(turn, entity_id, state, acted, when)
                if meant:
                    del self._switched[acted]
                    return meant
        return []

    def feedback(self, request_id: str, *, right: bool) -> list[str]:
        """A person's verdict on an earlier request (``<base>/feedback``); what it changed.

        Raises HausgeistError when nothing is learned here or the request is unknown."""
        learner = self.learner
        if learner is None:
            raise HausgeistError("learning is off (learning.enabled, or no history to keep it)")
        entry = self.history.entry(request_id) if isinstance(self.history, Entries) else None
        if entry is None:
            raise HausgeistError(f"no request '{request_id}' in the history")
        with self._lock:
            return learner.feedback(entry, right=right, when=self.clock.now())

    def learn_with(self, make: Callable[[Learner], Sequence[LearningEvent]]) -> list[LearningEvent]:
        """Events ``make`` derives from what was learned so far, kept and applied at once
        under the agent's lock (a federation's aggregate adopted while requests run).

        Raises HausgeistError when nothing is learned here."""
        learner = self.learner
        if learner is None:
            raise HausgeistError("learning is off (learning.enabled, or no history to keep it)")
        with self._lock:
            events = list(make(learner))
            learner.keep(events)
        return events

    def _carry_out(self, decision: Decision) -> Decision:
        dispatcher = self.dispatcher
        real = [
            c
            for c in decision.actions
            if dispatcher is not None
            and (d := self.registry.get(c.entity_id)) is not None
            and dispatcher.reaches(d)
        ]
        if real and self.dispatcher is not None:
            try:
                self.dispatcher.dispatch(real)
            except IntegrationError as exc:
                return replace(
                    decision,
                    status=Status.REFUSED,
                    actions=(),
                    reply=f"I understood, but could not reach the devices: {exc}",
                )
        for call in decision.actions:
            device = self.registry.get(call.entity_id)
            if device is not None and (dispatcher is None or not dispatcher.reaches(device)):
                state, attributes = apply_call(call, self.states.get(call.entity_id))
                self.states.set(call.entity_id, state, attributes)
        return decision

    def _record(self, outcome: Outcome, when: datetime) -> None:
        if self.history is None:
            return
        request, decision = outcome.request, outcome.decision
        self.history.record(
            HistoryEntry(
                request_id=outcome.request_id,
                time=when,
                text=request.text,
                channel=request.channel,
                status=decision.status.value,
                source=decision.source,
                reply=decision.reply,
                actions=[a.as_json() for a in decision.actions],
                pending=[a.as_json() for a in decision.pending],
                latency_ms=outcome.latency_ms,
                area=request.area,
                device=request.device,
                session=request.session,
                confidence=decision.confidence,
                home=self.home.config.home,
            )
        )

    def close(self) -> None:
        """Flush and close the history store; free the model."""
        if self.history is not None:
            self.history.close()
        if self.handover is not None:
            self.handover.close()


def _hand_over(
    handover: HandOver,
    request: Request,
    states: StateStore,
    conversation: Conversation,
    decision: Decision,
) -> tuple[Decision, Conversation]:
    """The stage's decision; the core's (with the stage's trace) when it declines."""
    result = handover.consider(request, states, conversation)
    if result.decision is None:
        return replace(decision, trace=(*decision.trace, *result.trace)), conversation
    trace = (*decision.trace, *result.decision.trace)
    decided = result.decision
    if decision.note and decision.note not in decided.reply:
        # What the core said of the request's context (a dropped question) holds whoever answers.
        decided = replace(decided, reply=f"{decided.reply} {decision.note}", note=decision.note)
    return replace(decided, trace=trace), result.conversation or conversation
