"""Follow-ups in a conversation: "yes", the PIN, "no", answers to "which one?", and what is not.

A reply answers the question a previous answer left open only when it is an answer (a
candidate's name or words of it, its room or floor, an ordinal, "both", "all", "the other
one", a yes or a no, the PIN) and carries no action of its own other than the pending one.
Anything else is a new request: the pending question is dropped, the reply says so, and
the request is decided as if nothing were pending (it may ask "which one?" itself). A
question is answered, never taken for a choice. A new command after "say yes" is never a
yes; only the pending action said again ("ok, now disarm it") is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from hausgeist.config.models import PolicyLevel
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.understanding import replies
from hausgeist.understanding.intents import Intent
from hausgeist.understanding.negation import negated
from hausgeist.understanding.policy import Policy
from hausgeist.understanding.questions import looks_like_question
from hausgeist.understanding.sessions import Conversation, PendingClarify, PendingConfirm
from hausgeist.understanding.text import singular, tokenize
from hausgeist.understanding.types import Decision, Request, Status
from hausgeist.understanding.vocabulary import STOP_WORDS

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
    ]
)
_POLITE = frozenset(
    {"it", "that", "this", "thanks", "thank", "you", "cheers", "now", "then", "just"}
    | {"oh", "um", "uh", "er", "erm", "well", "so", "hmm"}
)
"""Words around a yes or a no that change nothing ("yes, do that", "no thanks", "oh never
mind"). "it" is one of them, no yes and no no: "ok now disarm it" is no refusal."""
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
    "fifth": 4,
    "5": 4,
    "last": -1,
}
_OTHER = frozenset({"other", "another"})
_FILLER = frozenset(
    {"the", "one", "ones", "in", "a", "i", "mean", "meant", "please", "that", "of", "on"}
    | {"number", "option", "thanks", "thank", "you", "cheers", "just", "only", "no", "yes"}
)
_REPLY_WORDS = STOP_WORDS | YES | NO | _POLITE
_ANSWER_WORDS = STOP_WORDS | _FILLER | _ALL | _OTHER | set(_ORDINALS) | YES | NO | _POLITE
"""Words an answer to "which one?" may hold besides the words of the candidates' names: a
reply with any other word ("the desk lights", "opne the blind") is no answer."""


class Planned(Protocol):
    """The calls the core planned for an action on some devices, or why there are none."""

    @property
    def calls(self) -> Sequence[ServiceCall]: ...
    @property
    def status(self) -> Status | None: ...
    @property
    def reply(self) -> str: ...


class Core(Protocol):
    """What follow-ups need of the understanding core (``core.Understanding``)."""

    @property
    def registry(self) -> DeviceRegistry: ...
    @property
    def policy(self) -> Policy: ...

    def reading(self, words: list[str]) -> Intent | None:
        """The action ``words`` ask for by the core's rules, or None."""

    def calls_for(
        self, intent: Intent, devices: Sequence[Device], states: StateStore, trace: list[str]
    ) -> Planned:
        """The calls of ``intent`` on ``devices``."""

    def finish(
        self, calls: Sequence[ServiceCall], trace: list[str], confidence: float, source: str
    ) -> Decision:
        """The policy applied to ``calls`` and the reply phrased."""

    def decide(
        self, request: Request, states: StateStore, conversation: Conversation | None
    ) -> tuple[Decision, Conversation]:
        """The decision on a request."""


@dataclass(frozen=True)
class _Reply:
    """A follow-up as the core's rules read it."""

    raw: tuple[str, ...]
    """Every word said (fillers and all), no commas."""
    said: tuple[str, ...]
    """The words without greetings and polite openers, no commas."""
    intent: Intent | None
    """The action its own words ask for."""
    question: bool

    @property
    def rest(self) -> list[str]:
        """The words its action did not use (all words said when it has none), singular."""
        if self.intent is None:
            return [singular(w) for w in self.raw]
        return [singular(w) for i, w in enumerate(self.said) if i not in self.intent.consumed]

    @property
    def words(self) -> frozenset[str]:
        return frozenset(self.raw)

    def only(self, allowed: frozenset[str]) -> bool:
        """Whether every word said is one of ``allowed``."""
        return self.words <= allowed


class FollowUp:
    """Completes what a previous answer of the same session left open, or drops it."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def handle(
        self,
        request: Request,
        tokens: list[str],
        conversation: Conversation,
        states: StateStore,
        trace: list[str],
    ) -> tuple[Decision, Conversation] | None:
        """The decision when something was pending (an answer to it, or a new request with the
        pending part dropped); None when nothing was. ``tokens``: the request's words
        without greetings and polite openers."""
        if conversation.confirm is None and conversation.clarify is None:
            return None
        words = [t for t in tokenize(request.text) if t != ","]
        if not words:
            return None
        said = [t for t in tokens if t != ","]
        found = negated(said)
        if found is not None and (found[1] or self.core.reading(found[0]) is not None):
            # "don't unlock the front door" names a candidate and the pending verb: no answer.
            trace.append("follow-up: it says what not to do")
            return self._new_request(request, conversation, states, trace)
        reply = _Reply(
            tuple(words),
            tuple(said),
            _own(self.core.reading(said) if said else None, said),
            bool(said) and looks_like_question(said),
        )
        if reply.intent is not None:
            trace.append(f"follow-up: its own action is {reply.intent.action.value}")
        if conversation.confirm is not None:
            answer = self._confirm(reply, conversation.confirm, conversation, states, trace)
        else:
            assert conversation.clarify is not None
            answer = self._clarify(reply, conversation.clarify, conversation, states, trace)
        if answer is not None:
            return answer
        return self._new_request(request, conversation, states, trace)

    def _new_request(
        self, request: Request, conversation: Conversation, states: StateStore, trace: list[str]
    ) -> tuple[Decision, Conversation]:
        pending = conversation.confirm.calls if conversation.confirm is not None else ()
        trace.append("follow-up: not an answer, so a new request; the pending one is dropped")
        fresh = Conversation(previous=conversation.previous)
        decision, after = self.core.decide(request, states, fresh)
        note = replies.dropped_reply(pending, self.core.registry)
        return replace(
            decision,
            reply=f"{decision.reply} {note}",
            trace=(*trace, *decision.trace),
            note=note,
        ), after

    def _confirm(
        self,
        reply: _Reply,
        pending: PendingConfirm,
        conversation: Conversation,
        states: StateStore,
        trace: list[str],
    ) -> tuple[Decision, Conversation] | None:
        after = Conversation(previous=conversation.previous)
        if reply.only(YES | NO | _POLITE):
            if reply.words & NO:
                return self._declined("OK, I won't do it.", after, trace)
            if reply.words & YES:
                trace.append("follow-up: yes")
                return self._yes(pending, conversation, after, trace)
            return None  # "thanks", "it": no yes
        if reply.question:
            return None
        if reply.intent is None:
            digits = "".join(w for w in reply.said if w.isdigit())
            if pending.pin and digits:
                return self._pin(digits, pending, after, trace)
            if reply.words & YES and self._names_only(reply, pending):  # "yes, the front door"
                trace.append("follow-up: yes")
                return self._yes(pending, conversation, after, trace)
            if reply.raw[0] in NO:  # "no, I meant the back door"
                return self._declined("OK, I won't do it.", after, trace)
            return None
        if self._restates(reply, pending, states):
            trace.append("follow-up: the pending action said again, a yes")
            return self._yes(pending, conversation, after, trace)
        return None

    def _yes(
        self,
        pending: PendingConfirm,
        conversation: Conversation,
        after: Conversation,
        trace: list[str],
    ) -> tuple[Decision, Conversation]:
        if pending.pin:
            trace.append("follow-up: a PIN is needed, a yes is not enough")
            return Decision(
                Status.CONFIRM,
                "Please say the PIN to confirm.",
                pending=pending.calls,
                source="policy",
                trace=tuple(trace),
            ), conversation
        return self._run(pending, trace), after

    def _pin(
        self, digits: str, pending: PendingConfirm, after: Conversation, trace: list[str]
    ) -> tuple[Decision, Conversation]:
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

    def _declined(
        self, reply: str, after: Conversation, trace: list[str]
    ) -> tuple[Decision, Conversation]:
        trace.append("follow-up: declined")
        return Decision(Status.REFUSED, reply, source="session", trace=tuple(trace)), after

    def _restates(self, reply: _Reply, pending: PendingConfirm, states: StateStore) -> bool:
        """Whether ``reply`` asks for exactly the pending calls: their action, on their devices,
        named by nothing but words of their names ("unlock it", "yes, open the garage")."""
        assert reply.intent is not None
        if not self._names_only(reply, pending):
            return False
        devices = [d for c in pending.calls if (d := self.core.registry.get(c.entity_id))]
        planned = self.core.calls_for(reply.intent, devices, states, [])
        return planned.status is None and tuple(planned.calls) == pending.calls

    def _names_only(self, reply: _Reply, pending: PendingConfirm) -> bool:
        """Whether the words ``reply``'s action did not use name nothing but the pending calls'
        devices (or nothing at all: "it", "now", "please")."""
        devices = [d for c in pending.calls if (d := self.core.registry.get(c.entity_id))]
        named = {w for d in devices for w in self._known(d)}
        return all(w in named or w in _REPLY_WORDS for w in reply.rest)

    def _run(self, pending: PendingConfirm, trace: list[str]) -> Decision:
        reply = replies.action_reply(pending.calls, self.core.registry)
        return Decision(
            Status.DONE, reply, actions=pending.calls, source="session", trace=tuple(trace)
        )

    def _clarify(
        self,
        reply: _Reply,
        pending: PendingClarify,
        conversation: Conversation,
        states: StateStore,
        trace: list[str],
    ) -> tuple[Decision, Conversation] | None:
        after = Conversation(previous=conversation.previous)
        if reply.words & NO and reply.only(NO | _POLITE):
            return self._declined("OK, never mind.", after, trace)
        if reply.question:
            return None
        if reply.intent is not None and not _same(reply.intent, pending.intent):
            return None
        candidates = [d for e in pending.candidates if (d := self.core.registry.get(e)) is not None]
        chosen = self._choose(reply.rest, candidates, conversation.previous)
        if not chosen:
            return None
        trace.append(f"follow-up: chose {', '.join(d.name for d in chosen)}")
        result = self.core.calls_for(pending.intent, chosen, states, trace)
        if result.status is not None:
            return Decision(
                result.status, result.reply, source="session", trace=tuple(trace)
            ), after
        decision = self.core.finish(
            [*result.calls, *pending.done], trace, confidence=1.0, source="session"
        )
        pin = any(self.core.policy.level(c) is PolicyLevel.PIN for c in decision.pending)
        pending_confirm = PendingConfirm(decision.pending, pin) if decision.pending else None
        touched = tuple(d.entity_id for d in chosen)
        return decision, Conversation(confirm=pending_confirm, previous=touched)

    def _choose(
        self, words: list[str], candidates: list[Device], previous: tuple[str, ...]
    ) -> list[Device]:
        """The candidates ``words`` pick; none when a word is neither a word of a candidate
        nor one an answer is made of."""
        known = {w for d in candidates for w in self._known(d)}
        if any(w not in known and w not in _ANSWER_WORDS for w in words):
            return []
        said = set(words) - _FILLER
        if said & _ALL:
            return candidates
        scored = [(self._score(said, d), d) for d in candidates]
        best = max((s for s, _ in scored), default=0)
        top = [d for s, d in scored if s == best]
        if best > 0 and (len(top) == 1 or len({d.area_id for d in top}) == 1):
            return top
        if said & _OTHER:  # "the other one": the one not just talked about
            others = [d for d in candidates if d.entity_id not in previous]
            return others if len(others) == 1 and len(others) < len(candidates) else []
        for word in words:
            index = _ORDINALS.get(word)
            if index is not None and -len(candidates) <= index < len(candidates):
                return [candidates[index]]
        return []

    def _score(self, said: set[str], device: Device) -> int:
        """How many words of ``said`` name ``device``; a floor counts only when said whole
        ("first" alone is an ordinal, "first floor" a floor)."""
        words, floors = self._names(device)
        return len(said & words) + sum(len(f) for f in floors if f <= said)

    def _known(self, device: Device) -> set[str]:
        """Every word that names ``device``, its room or its floor."""
        words, floors = self._names(device)
        return words.union(*floors)

    def _names(self, device: Device) -> tuple[set[str], list[set[str]]]:
        """The words of ``device``'s names and its room's, and its floor's names."""
        registry = self.core.registry
        area = registry.areas.get(device.area_id) if device.area_id else None
        names = [device.name, *device.aliases, device.entity_id.split(".")[1].replace("_", " ")]
        if area is not None:
            names += [area.name, *area.aliases]
        floor = registry.floors.get(area.floor_id) if area and area.floor_id else None
        floors = [] if floor is None else [_words(n) for n in (floor.name, *floor.aliases)]
        return {w for n in names for w in _words(n)}, floors


def _own(intent: Intent | None, said: list[str]) -> Intent | None:
    """``intent`` unless all it read is a first "on" before a name: "on the TV, please"
    answers "the TV or the speaker?", it does not ask to turn the TV on."""
    if intent is not None and intent.consumed == {0} and said[0] == "on" and len(said) > 1:
        return None
    return intent


def _words(name: str) -> set[str]:
    return {singular(t) for t in tokenize(name)}


def _same(said: Intent, pending: Intent) -> bool:
    """Whether a reply's own action is the pending one (the value too, when it says one)."""
    if said.action is not pending.action:
        return False
    return said.value is None or pending.value is None or said.value == pending.value
