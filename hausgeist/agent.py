"""The composition root: wires configuration, registry, state, understanding, policy, history
and dispatch. Every entry point (CLI ``ask``, MQTT ``run``, ``demo``) goes through :class:`Agent`."""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from hausgeist.config.models import Config
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.effects import apply_call
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import HistoryError, IntegrationError
from hausgeist.history import HistoryEntry, SqlHistory
from hausgeist.llm_runtime.stage import Generator, LlmStage
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.tune.store import effective_llm
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


@dataclass(frozen=True)
class Outcome:
    """A request, what was decided, and how long it took."""

    request: Request
    """What was asked."""
    decision: Decision
    """What was decided (after dispatch: a failed dispatch turns ``done`` into ``refused``)."""
    latency_ms: float
    """Time from the request to the decision being carried out."""

    def as_json(self) -> dict[str, Any]:
        """The contract's JSON answer, with ``id`` when the request had one."""
        return self.decision.as_json(self.latency_ms, self.request.request_id)


class Agent:
    """One home's agent. ``handle`` is synchronous and thread-safe."""

    def __init__(
        self,
        config: Config,
        *,
        dispatcher: Dispatcher | None = None,
        history: SqlHistory | None = None,
        llm_model: Callable[[], Generator] | None = None,
    ) -> None:
        self.config = config
        self.registry = DeviceRegistry.from_config(config)
        self.states = StateStore.from_registry(self.registry)
        self.understanding = Understanding(self.registry, config.policy)
        self.sessions = SessionStore(ttl_s=config.policy.confirm_timeout_s)
        self.dispatcher = dispatcher
        self.history = history
        llm_config, self.tune = effective_llm(config) if llm_model is None else (config.llm, None)
        """This home's tuned model (``hausgeist model tune``) when one is active and
        ``llm.model`` is not set; None: the configured or stock model."""
        kept = default_data_dir(config) / "cache" / "prompts"
        self.llm = (
            LlmStage(self.understanding, llm_config, load=llm_model, kept_prefixes=kept)
            if config.llm.enabled
            else None
        )
        """Asked when the core hands over; its model (``llm_model``, default: the home's tuned
        model, else the configured GGUF file) is loaded on the first hand-over and kept."""
        self._lock = threading.Lock()

    @classmethod
    def build(
        cls,
        config: Config,
        *,
        dispatcher: Dispatcher | None = None,
        history: bool = True,
        data_dir: Path | None = None,
    ) -> Agent:
        """An agent with its history store opened (a store that cannot open is reported, not fatal)."""
        store = None
        if history and config.history.enabled:
            try:
                store = SqlHistory.open(config.history.url, data_dir or default_data_dir(config))
            except HistoryError as exc:
                log.warning("history is off for this run: %s", exc)
        return cls(config, dispatcher=dispatcher, history=store)

    def handle(self, request: Request, *, dry_run: bool = False) -> Outcome:
        """Understand, police, carry out (unless ``dry_run``) and record one request."""
        started = time.perf_counter()
        states = self.states.override(request.state) if request.state else self.states
        with self._lock:
            before = self.sessions.get(request.session)
            decision, conversation = self.understanding.decide(request, states, before)
            handed_over = decision.status is Status.NOT_UNDERSTOOD and self.llm is not None
            if not handed_over:
                self.sessions.put(request.session, conversation)
        if handed_over and self.llm is not None:
            # Outside the lock: the core keeps answering other requests while the model thinks.
            # The core's conversation, not ``before``: a reply the core did not take for an
            # answer has dropped what was pending, and the model must not answer it either.
            decision, conversation = _ask_llm(self.llm, request, states, conversation, decision)
            self.sessions.put_unless_newer(request.session, before, conversation)
        if decision.status is Status.DONE and decision.actions and not dry_run:
            decision = self._carry_out(decision)
        outcome = Outcome(request, decision, (time.perf_counter() - started) * 1000)
        self._record(outcome)
        return outcome

    def _carry_out(self, decision: Decision) -> Decision:
        real = [
            c
            for c in decision.actions
            if (d := self.registry.get(c.entity_id)) is not None and d.mqtt
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
            if device is not None and (device.mqtt is None or self.dispatcher is None):
                state, attributes = apply_call(call, self.states.get(call.entity_id))
                self.states.set(call.entity_id, state, attributes)
        return decision

    def _record(self, outcome: Outcome) -> None:
        if self.history is None:
            return
        request, decision = outcome.request, outcome.decision
        self.history.record(
            HistoryEntry(
                request_id=request.request_id or uuid.uuid4().hex,
                time=datetime.now(UTC),
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
            )
        )

    def close(self) -> None:
        """Flush and close the history store; free the model."""
        if self.history is not None:
            self.history.close()
        if self.llm is not None:
            self.llm.close()


def _ask_llm(
    llm: LlmStage,
    request: Request,
    states: StateStore,
    conversation: Conversation,
    decision: Decision,
) -> tuple[Decision, Conversation]:
    """The LLM stage's decision; the core's (with the stage's trace) when it declines."""
    result = llm.consider(request, states, conversation)
    if result.decision is None:
        return replace(decision, trace=(*decision.trace, *result.trace)), conversation
    trace = (*decision.trace, *result.decision.trace)
    return replace(result.decision, trace=trace), result.conversation or conversation
