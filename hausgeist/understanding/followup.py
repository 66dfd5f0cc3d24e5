"""Follow-ups in a conversation: "yes", the PIN, "no", and answers to "which one?"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hausgeist.devices.registry import Device
from hausgeist.devices.state import StateStore
from hausgeist.understanding import replies
from hausgeist.understanding.sessions import Conversation, PendingClarify, PendingConfirm
from hausgeist.understanding.text import singular, tokenize
from hausgeist.understanding.types import Decision, Status

if TYPE_CHECKING:
    from hausgeist.understanding.core import Understanding

YES = frozenset(
    [
        "yes",
        "yeah",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "confirm",
        "confirmed",
        "correct",
        "affirmative",
        "please",
        "go",
        "ahead",
        "do",
        "it",
        "right",
        "absolutely",
        "definitely",
        "certainly",
        "proceed",
        "y",
    ]
)
NO = frozenset(
    [
        "no",
        "nope",
        "nah",
        "cancel",
        "stop",
        "abort",
        "never",
        "mind",
        "nevermind",
        "don't",
        "not",
        "n",
        "forget",
        "it",
    ]
)
_ALL = frozenset({"all", "both", "every", "each", "everything", "them"})
_ORDINALS = {
    "first": 0,
    "1": 0,
    "second": 1,
    "2": 1,
    "third": 2,
    "3": 2,
    "fourth": 3,
    "4": 3,
    "last": -1,
}
_FILLER = frozenset({"the", "one", "in", "a", "i", "mean", "meant", "please", "that", "of", "on"})


class FollowUp:
    """Completes what a previous answer of the same session left open."""

    def __init__(self, core: Understanding) -> None:
        self.core = core

    def handle(
        self, tokens: list[str], conversation: Conversation, states: StateStore, trace: list[str]
    ) -> tuple[Decision, Conversation] | None:
        """A decision when ``tokens`` answer the open question; None when they are a new request."""
        if conversation.confirm is not None:
            return self._confirm(tokens, conversation.confirm, conversation, trace)
        if conversation.clarify is not None:
            return self._clarify(tokens, conversation.clarify, conversation, states, trace)
        return None

    def _confirm(
        self,
        tokens: list[str],
        pending: PendingConfirm,
        conversation: Conversation,
        trace: list[str],
    ) -> tuple[Decision, Conversation] | None:
        words = set(tokens)
        digits = "".join(t for t in tokens if t.isdigit())
        after = Conversation(previous=conversation.previous)
        if pending.pin and digits:
            if digits == (self.core.policy.pin or ""):
                trace.append("follow-up: correct PIN")
                return self._run(pending, trace), after
            trace.append("follow-up: wrong PIN")
            return Decision(
                Status.REFUSED,
                "That PIN is not right, so I did nothing.",
                source="policy",
                trace=tuple(trace),
            ), after
        if words and words <= YES | {"it", "do", "go", "ahead", "that", "thanks"}:
            if pending.pin:
                trace.append("follow-up: yes, but a PIN is needed")
                return Decision(
                    Status.CONFIRM,
                    "Please say the PIN to confirm.",
                    pending=pending.calls,
                    source="policy",
                    trace=tuple(trace),
                ), conversation
            trace.append("follow-up: confirmed")
            return self._run(pending, trace), after
        if words & NO and len(tokens) <= 4:
            trace.append("follow-up: declined")
            return Decision(
                Status.REFUSED, "OK, I won't do it.", source="session", trace=tuple(trace)
            ), after
        trace.append("follow-up: not an answer to the confirmation, dropped it")
        return None

    def _run(self, pending: PendingConfirm, trace: list[str]) -> Decision:
        reply = replies.action_reply(pending.calls, self.core.registry)
        return Decision(
            Status.DONE, reply, actions=pending.calls, source="session", trace=tuple(trace)
        )

    def _clarify(
        self,
        tokens: list[str],
        pending: PendingClarify,
        conversation: Conversation,
        states: StateStore,
        trace: list[str],
    ) -> tuple[Decision, Conversation] | None:
        candidates = [d for e in pending.candidates if (d := self.core.registry.get(e)) is not None]
        words = set(tokens)
        after = Conversation(previous=conversation.previous)
        if words & NO and len(tokens) <= 3:
            return Decision(
                Status.REFUSED, "OK, never mind.", source="session", trace=tuple(trace)
            ), after
        chosen = self._choose(tokens, candidates)
        if not chosen:
            trace.append("follow-up: not an answer to 'which one', dropped it")
            return None
        trace.append(f"follow-up: chose {', '.join(d.name for d in chosen)}")
        result = self.core.calls_for(pending.intent, chosen, states, trace)
        if result.status is not None:
            return Decision(
                result.status, result.reply, source="session", trace=tuple(trace)
            ), after
        decision = self.core.finish([*result.calls, *pending.done], trace, source="session")
        pending_confirm = PendingConfirm(decision.pending, pin=False) if decision.pending else None
        touched = tuple(d.entity_id for d in chosen)
        return decision, Conversation(confirm=pending_confirm, previous=touched)

    def _choose(self, tokens: list[str], candidates: list[Device]) -> list[Device]:
        words = {singular(t) for t in tokens} - _FILLER
        if words & _ALL:
            return candidates
        scored = [(self._overlap(words, d), d) for d in candidates]
        best = max((s for s, _ in scored), default=0)
        top = [d for s, d in scored if s == best]
        if best > 0 and (len(top) == 1 or len({d.area_id for d in top}) == 1):
            return top
        for word, index in _ORDINALS.items():
            if word in tokens and -len(candidates) <= index < len(candidates):
                return [candidates[index]]
        return []

    def _overlap(self, words: set[str], device: Device) -> int:
        area = self.core.registry.areas.get(device.area_id) if device.area_id else None
        names = [device.name, *device.aliases, device.entity_id.split(".")[1].replace("_", " ")]
        if area is not None:
            names += [area.name, *area.aliases]
        known = {singular(t) for n in names for t in tokenize(n)}
        return len(words & known)
