"""The stage in the agent: asked only on a hand-over, its trace kept, the model loaded lazily."""

from __future__ import annotations

import concurrent.futures
import threading
from dataclasses import dataclass, field

from llm_support import HOME, FakeModel

from hausgeist.agent import Agent, HandOver
from hausgeist.config import load_config
from hausgeist.devices.actions import ServiceCall
from hausgeist.llm_stage.stage import StageResult
from hausgeist.root import Ports, Root
from hausgeist.understanding import Conversation, Decision, Request, Status
from hausgeist.understanding.sessions import PendingConfirm

HANDED_OVER = "sing me a song about cheese"


@dataclass
class FakeStage:
    """Answers every hand-over with the scripted result."""

    result: StageResult
    asked: list[str] = field(default_factory=list)

    def consider(self, request: Request, states, conversation) -> StageResult:
        del states, conversation
        self.asked.append(request.text)
        return self.result

    def close(self) -> None:
        pass


def _root(handover: HandOver | None = None, **env: str) -> Root:
    return Root.from_config(load_config(HOME, env=env), Ports(model=FakeModel, handover=handover))


def _agent(handover: HandOver | None = None, **env: str) -> Agent:
    return _root(handover, **env).agent


def _ask(agent: Agent, text: str, session: str | None = None) -> Decision:
    return agent.handle(Request(text, session=session), dry_run=True).decision


def test_a_declining_stage_keeps_the_cores_decision_and_adds_its_trace() -> None:
    stage = FakeStage(StageResult(None, None, ("llm rejected: not confident enough",)))
    agent = _agent(stage)
    decision = _ask(agent, HANDED_OVER)
    assert decision.status is Status.NOT_UNDERSTOOD
    assert decision.source == "core"
    assert decision.trace[-1] == "llm rejected: not confident enough"
    assert stage.asked == [HANDED_OVER]


def test_the_stages_decision_and_conversation_are_used() -> None:
    unlock = ServiceCall(service="lock.unlock", entity_id="lock.front_door")
    decision = Decision(
        Status.CONFIRM, "Unlock?", pending=(unlock,), source="llm", trace=("llm accepted",)
    )
    agent = _agent(
        FakeStage(
            StageResult(decision, Conversation(confirm=PendingConfirm((unlock,), pin=False)), ())
        )
    )
    first = _ask(agent, HANDED_OVER, "s")
    assert first.source == "llm"
    assert first.trace[0].startswith("tokens:")  # the core's steps come first
    assert first.trace[-1] == "llm accepted"
    confirmed = _ask(agent, "yes", "s")
    assert confirmed.status is Status.DONE
    assert confirmed.actions == (unlock,)


def test_requests_the_core_decides_never_reach_the_stage() -> None:
    stage = FakeStage(StageResult(None, None, ()))
    agent = _agent(stage)
    assert _ask(agent, "turn on the coffee machine").source == "core"
    assert stage.asked == []


def test_the_model_is_loaded_on_the_first_hand_over_only() -> None:
    root = _root()
    assert root.llm is not None
    _ask(root.agent, "turn on the coffee machine")
    assert root.llm.model is None
    root.close()


def test_the_llm_can_be_switched_off_from_the_environment() -> None:
    root = _root(HAUSGEIST_LLM__ENABLED="false")
    assert root.llm is None
    assert root.agent.handover is None
    agent = root.agent
    assert _ask(agent, HANDED_OVER).status is Status.NOT_UNDERSTOOD


@dataclass
class SlowStage:
    """Holds every hand-over until released, like a model that takes its time."""

    result: StageResult
    started: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def consider(self, request: Request, states, conversation) -> StageResult:
        del request, states, conversation
        self.started.set()
        assert self.release.wait(10)
        return self.result

    def close(self) -> None:
        pass


def test_the_core_keeps_answering_while_the_model_thinks() -> None:
    stage = SlowStage(StageResult(None, None, ("llm: does not know either",)))
    agent = _agent(stage)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(_ask, agent, HANDED_OVER, "s1")
        assert stage.started.wait(10)
        quick = _ask(agent, "turn on the kitchen ceiling light", "s2")  # answered meanwhile
        assert quick.status is Status.DONE
        assert not slow.done()
        stage.release.set()
        assert slow.result(10).status is Status.NOT_UNDERSTOOD


def test_a_late_model_answer_does_not_overwrite_a_newer_turn_of_its_session() -> None:
    unlock = ServiceCall(service="lock.unlock", entity_id="lock.front_door")
    pending = Conversation(confirm=PendingConfirm((unlock,), False))
    stage = SlowStage(
        StageResult(Decision(Status.CONFIRM, "Unlock?", pending=(unlock,)), pending, ())
    )
    agent = _agent(stage)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(_ask, agent, HANDED_OVER, "same")
        assert stage.started.wait(10)
        _ask(agent, "turn on the kitchen ceiling light", "same")  # the session moves on
        stage.release.set()
        assert slow.result(10).status is Status.CONFIRM
    assert agent.sessions.get("same").confirm is None  # the newer turn's state stands
    assert agent.sessions.get("same").previous == ("light.kitchen_ceiling",)


@dataclass
class RecordingStage:
    """Declines every hand-over, keeping the conversation it was given."""

    seen: list[Conversation] = field(default_factory=list)

    def consider(self, request: Request, states, conversation) -> StageResult:
        del request, states
        self.seen.append(conversation)
        return StageResult(None, None, ("llm: does not know either",))

    def close(self) -> None:
        pass


def test_a_reply_that_is_no_answer_reaches_the_stage_with_the_question_dropped() -> None:
    stage = RecordingStage()
    agent = _agent(stage)
    assert _ask(agent, "turn on the lamp", "s").status is Status.CLARIFY
    decision = _ask(agent, HANDED_OVER, "s")
    assert decision.status is Status.NOT_UNDERSTOOD
    assert "dropped" in decision.reply
    assert stage.seen[-1].clarify is None  # the model must not take it for an answer either
    assert agent.sessions.get("s").clarify is None
    assert _ask(agent, "the desk one", "s").status is not Status.DONE


def test_a_stage_decision_after_a_dropped_question_still_says_it_was_dropped() -> None:
    """Written before the fix: the core's "(I dropped the earlier …)" was lost whenever the
    model, not the core, decided the new request."""
    switch_on = ServiceCall(service="switch.turn_on", entity_id="switch.coffee_machine")
    stage = FakeStage(
        StageResult(Decision(Status.DONE, "Turned on the Coffee Machine.", (switch_on,)), None, ())
    )
    agent = _agent(stage)
    assert _ask(agent, "unlock the door", "s").status in {Status.CLARIFY, Status.CONFIRM}
    decision = _ask(agent, HANDED_OVER, "s")
    assert stage.asked == [HANDED_OVER]
    assert decision.reply.startswith("Turned on the Coffee Machine.")
    assert "dropped the earlier" in decision.reply
