"""The LLM stage: asked only when the deterministic core hands a request over.

It writes the prompt, lets the model answer under the registry's grammar, parses the
answer with pydantic, validates every call against the registry, and keeps it only
when the confidence gate passes and the calls agree with what the core reads in the
words. Accepted calls go through the core's own policy and replies
(:meth:`Understanding.finish`), so a model can never skip a confirmation.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hausgeist.devices.actions import validate_call
from hausgeist.errors import ActionError, ModelError
from hausgeist.llm_stage.choice import MAX_OPTIONS, choice_grammar, choice_prompt
from hausgeist.llm_stage.examples import own_examples
from hausgeist.llm_stage.gate import Thresholds, choice_confidence
from hausgeist.llm_stage.generation import GenerationRequest, ModelTimeoutError
from hausgeist.llm_stage.handover import skip_reason
from hausgeist.llm_stage.home import HomeModel
from hausgeist.llm_stage.mentions import Mentions, read_mentions
from hausgeist.llm_stage.schema import AnswerError, LlmAnswer, parse_answer
from hausgeist.understanding import (
    Conversation,
    Decision,
    PendingConfirm,
    Request,
    Status,
    Understanding,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from hausgeist.llm_stage.examples import OwnExample

    OwnSource = Callable[[], tuple[int, Sequence[OwnExample]]]

    from hausgeist.config.models import LlmConfig
    from hausgeist.devices.actions import ServiceCall
    from hausgeist.devices.state import StateStore
    from hausgeist.llm_stage.gate import Confidence
    from hausgeist.llm_stage.generation import Generation, Generator

log = logging.getLogger("hausgeist.llm")

MAX_TOKENS = 160
"""Room for the longest answer the grammar allows in practice (four calls with data)."""
TIMEOUT_REPLY = "Sorry, working that out took too long. Could you say it more simply?"
_REFUSALS = {
    "no_such_device": "I don't know that device.",
    "not_possible": "That device can't do that.",
}


@dataclass(frozen=True)
class StageResult:
    """What the stage made of a handed-over request."""

    decision: Decision | None
    """The stage's decision, or None when it declines (the core's decision stands)."""
    conversation: Conversation | None
    """The conversation after the stage's decision (None when it declines)."""
    trace: tuple[str, ...]
    """What the stage did, for ``ask --explain`` (also when it declines)."""


class LlmStage:
    """The model behind the core; ``load`` gives it (the llama.cpp runtime in service:
    :func:`~hausgeist.llm_runtime.load_runtime`), on the first hand-over, and it is kept."""

    def __init__(
        self,
        core: Understanding,
        config: LlmConfig,
        load: Callable[[], Generator],
        own: OwnSource | None = None,
    ) -> None:
        """``own``: the household's confirmed requests and their version (the learner's
        :meth:`~hausgeist.learning.learner.Learner.examples`); they are the first examples."""
        self.core = core
        self.config = config
        self.own = own
        self._own_version: int | None = None
        self.thresholds = Thresholds(min_confidence=config.min_confidence)
        self._load = load
        self.model: Generator | None = None
        self.home: HomeModel | None = None
        self._failed: str | None = None
        self._primed = ""
        self._setup = threading.Lock()
        self._home_lock = threading.Lock()

    def consider(
        self,
        request: Request,
        states: StateStore,
        conversation: Conversation,
        examples: int | None = None,
    ) -> StageResult:
        """Try to decide a request the core handed over."""
        reason = skip_reason(request.text)
        if reason is not None:
            return _decline(f"llm: not asked ({reason})")
        trace: list[str] = []
        try:
            # Whether to ask at all is decided before the model is loaded or its fixed prompt
            # evaluated: a request it will not be asked costs no model time, even cold.
            home = self._home(states)
            mentions = read_mentions(request.text, self.core.index).within(conversation.clarify)
            hopeless = home.agreement.unanswerable(mentions)
            if hopeless is not None:
                return _decline(f"llm: not asked ({hopeless})")
            ready = self._ready(states, trace)
            if ready is None:
                return _decline(f"llm: unavailable ({self._failed})")
            model, home = ready
            area = _area(request, self.core)
            prompt, allowed = home.ask(
                request.text, mentions, area, states, conversation.previous, examples
            )
            if not allowed.whole:
                trace.append(f"llm: the words leave {allowed.entities} possible devices")
            started = time.perf_counter()
            asked = GenerationRequest(
                prompt.prefix, prompt.suffix, allowed.grammar, MAX_TOKENS, allowed.forcer
            )
            generation = model.generate(asked, self.config.timeout_s)
        except ModelTimeoutError as exc:
            return _timed_out(*trace, f"llm: {exc}")
        except ModelError as exc:
            return _decline(*trace, f"llm: failed ({exc})")
        ms = (time.perf_counter() - started) * 1000
        cost = (
            f"llm: {ms:.0f} ms, {generation.prompt_tokens_evaluated}/{generation.prompt_tokens}"
            f" prompt tokens evaluated, {len(prompt.examples)} examples,"
            f" {generation.completion_tokens} answer tokens in {generation.model_steps} steps,"
            f" {generation.threads} threads"
        )
        trace += [f"llm raw: {generation.text}", cost]
        return self._judge(home, request, states, mentions, generation, trace, allowed.entities)

    def _judge(
        self,
        home: HomeModel,
        request: Request,
        states: StateStore,
        mentions: Mentions,
        generation: Generation,
        trace: list[str],
        targets: int,
    ) -> StageResult:
        try:
            answer = parse_answer(generation.text)
        except AnswerError as exc:
            return _decline(*trace, f"llm rejected: {exc}")
        confidence = choice_confidence(generation)
        trace.append(f"llm confidence: {confidence}")
        forced_refusal = targets == 0 and answer.refuse is not None
        if forced_refusal:  # the words leave no device that can do it: the model only says why
            trace.append("llm: no device can be the target, the refusal needs no confidence")
        elif not self.thresholds.passes(confidence):
            return _decline(*trace, "llm rejected: not confident enough")
        if answer.unknown:
            return _decline(*trace, "llm: does not know either")
        if answer.refuse is not None:
            return self._refusal(home, answer, mentions, confidence, trace)
        return self._calls(home, request, states, answer, mentions, confidence, trace)

    def _refusal(
        self,
        home: HomeModel,
        answer: LlmAnswer,
        mentions: Mentions,
        confidence: Confidence,
        trace: list[str],
    ) -> StageResult:
        disagreement = home.agreement.refusal_disagreement(answer.refuse or "", mentions)
        if disagreement is not None:
            return _decline(*trace, f"llm rejected: {disagreement}")
        trace.append(f"llm accepted: refuse ({answer.refuse})")
        reply = _REFUSALS[answer.refuse or "not_possible"]
        decision = Decision(
            Status.REFUSED, reply, source="llm", confidence=confidence.score, trace=tuple(trace)
        )
        return StageResult(decision, Conversation(), tuple(trace))

    def _calls(
        self,
        home: HomeModel,
        request: Request,
        states: StateStore,
        answer: LlmAnswer,
        mentions: Mentions,
        confidence: Confidence,
        trace: list[str],
    ) -> StageResult:
        calls: list[ServiceCall] = []
        for raw in answer.calls or []:
            call = raw.as_service_call()
            try:
                attributes = states.get(call.entity_id).attributes
                calls.append(validate_call(call, self.core.registry, attributes))
            except ActionError as exc:
                return _decline(*trace, f"llm rejected: invalid call ({exc})")
        disagreement = home.agreement.disagreement(calls, mentions, _area(request, self.core))
        if disagreement is not None:
            return _decline(*trace, f"llm rejected: {disagreement}")
        trace.append("llm accepted: " + "; ".join(str(c) for c in calls))
        decision = self.core.finish(calls, trace, confidence.score, source="llm")
        pending = decision.pending
        needs_pin = any(self.core.policy.level(c).value == "pin" for c in pending)
        touched = tuple(c.entity_id for c in (*decision.actions, *pending))
        conversation = Conversation(
            confirm=PendingConfirm(pending, needs_pin) if pending else None, previous=touched
        )
        return StageResult(decision, conversation, decision.trace)

    def choose(self, question: str, options: Sequence[str], text: str) -> str | None:
        """The option the model picks for ``text`` under a grammar of only ``options``, when
        it is sure enough; None when it is not, cannot load, or there are too many."""
        if not options or len(options) > MAX_OPTIONS:
            return None
        with self._setup:
            model = self._model()
        if model is None:
            return None
        # Asked twice, the options in both orders: a small model leans to the first option
        # it reads, so only an answer that survives the order counts.
        answers = [self._choose_once(model, question, list(options), text)]
        if answers[0] is not None and len(options) > 1:
            answers.append(self._choose_once(model, question, list(reversed(options)), text))
        if None in answers or len(set(answers)) != 1:
            log.info("the model's choices %r depend on the order: not sure", answers)
            return None
        return answers[0]

    def _choose_once(
        self, model: Generator, question: str, options: list[str], text: str
    ) -> str | None:
        prefix, suffix = choice_prompt(question, options, text)
        longest = max(len(o) for o in options)
        asked = GenerationRequest(prefix, suffix, choice_grammar(options), longest // 2 + 8)
        try:
            generation = model.generate(asked, self.config.timeout_s)
        except ModelError as exc:
            log.warning("the model could not choose: %s", exc)
            return None
        answer = generation.text.strip()
        confidence = choice_confidence(generation)
        if answer not in options or not self.thresholds.passes(confidence):
            log.info("the model's choice %r is not sure enough (%s)", answer, confidence)
            return None
        return answer

    def rebind(self, understanding: Understanding) -> None:
        """Use a new home's understanding; its prompt and grammar are built again."""
        with self._home_lock:
            self.core = understanding
            self.home = None

    def warm_up(self, states: StateStore) -> bool:
        """Load the model, build the home and prime its fixed prompt now (a long-running service
        calls this in the background at start, so the first hand-over is not the slow one)."""
        return self._ready(states, []) is not None

    def _ready(self, states: StateStore, trace: list[str]) -> tuple[Generator, HomeModel] | None:
        """The model loaded and the home built with its fixed prompt evaluated: once, by whoever
        asks first (the others wait); None when the model cannot be loaded."""
        with self._setup:
            model = self._model()
            if model is None:
                return None
            home = self._home(states)
            if home.prompts.prefix != self._primed:  # a new home: evaluate its fixed part
                started = time.perf_counter()
                tokens = model.prime(home.prompts.prefix)
                self._primed = home.prompts.prefix
                ms = (time.perf_counter() - started) * 1000
                done = f"{tokens} tokens" if tokens else "kept from an earlier run"
                trace.append(f"llm: primed the fixed prompt ({done}) in {ms:.0f} ms")
            return model, home

    def _model(self) -> Generator | None:
        if self.model is None and self._failed is None:
            try:
                self.model = self._load()
            except ModelError as exc:
                self._failed = str(exc)
                log.warning("the LLM stage is off for this run: %s", exc)
        return self.model

    def _home(self, states: StateStore) -> HomeModel:
        # Its own lock: whether to ask is decided while a warm-up holds the model's.
        with self._home_lock:
            if self.home is None or not self.home.matches(self.core.registry):
                self.home = HomeModel.build(self.core, states, self.config)
                self._own_version = None
            if self.own is None:
                if self.home.bank.own:
                    self.home.bank.set_own([])
                self._own_version = None
            else:
                version, own = self.own()
                if version != self._own_version:
                    self.home.bank.set_own(own_examples(own, self.core.registry, states))
                    self._own_version = version
            return self.home

    def close(self) -> None:
        """Free the model, if it was loaded."""
        with self._setup:
            if self.model is not None:
                self.model.close()
                self.model = None


def _area(request: Request, core: Understanding) -> str | None:
    if request.area is not None:
        return request.area
    device = core.registry.get(request.device) if request.device else None
    return device.area_id if device is not None else None


def _timed_out(*trace: str) -> StageResult:
    decision = Decision(
        Status.NOT_UNDERSTOOD, TIMEOUT_REPLY, source="llm", confidence=0.0, trace=trace
    )
    return StageResult(decision, None, trace)


def _decline(*trace: str) -> StageResult:
    return StageResult(None, None, tuple(trace))
