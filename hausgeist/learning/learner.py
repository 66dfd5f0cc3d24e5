"""The learner: reads what it learned into requests, and learns from what follows them.

Called by the agent around the core, under the agent's lock: :meth:`Learner.prepare`
before the core reads a request (learned phrases said again in configured names),
:meth:`Learner.correct` instead of the core when the request corrects the previous answer,
:meth:`Learner.finish` after the decision (habits fill in values nobody said) and
:meth:`Learner.learn` once it was carried out. Pure apart from the sink it hands its
events to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any, Protocol, runtime_checkable

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device
from hausgeist.devices.state import EntityState, StateStore
from hausgeist.history.entry import HistoryEntry
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.learning import idioms, phrases
from hausgeist.learning.feedback import Correction, Fix, correction
from hausgeist.learning.knowledge import Habit, Knowledge, LearnedPhrase, Settings, period_of
from hausgeist.learning.undo import restore
from hausgeist.llm_stage.examples import OwnExample
from hausgeist.understanding import Conversation, Decision, Request, Status, Understanding, replies
from hausgeist.understanding.sessions import PendingConfirm

log = logging.getLogger("hausgeist.learning")

_ACTED = frozenset({Status.DONE, Status.CONFIRM})
_FAILED = frozenset({Status.REFUSED, Status.NOT_UNDERSTOOD})
_LEADING = ("the ", "my ", "our ", "one ", "that ", "this ")
_BRIGHTNESS_KEYS = frozenset(
    {"brightness", "brightness_pct", "brightness_step", "brightness_step_pct", "flash", "effect"}
)
_COLOUR_KEYS = frozenset(
    {"color_temp_kelvin", "rgb_color", "hs_color", "xy_color", "color_name", "kelvin", "white"}
)


@runtime_checkable
class LearningSink(Protocol):
    """Where learning events are kept (``SqlHistory``); never blocks a request."""

    def record_learning(self, events: Sequence[LearningEvent]) -> None:
        """Keep the events."""

    def learning_events(self, home: str | None = None) -> list[LearningEvent]:
        """Every event kept (``home``'s and those of no home), in the order kept. Raises
        HistoryError when they cannot be read."""


@dataclass(frozen=True)
class LearningSettings(Settings):
    """:class:`Settings` and the correction window."""

    window_s: float = 120.0
    """A correction ("no, the other one") counts within this many seconds of the answer."""


@dataclass(frozen=True)
class Turn:
    """What the agent last did in a session: what a correction refers to."""

    request: Request
    """The request as it was meant (a correction's own request is the corrected one)."""
    decision: Decision
    when: datetime
    """When it was said (local time)."""
    before: Mapping[str, EntityState] = field(default_factory=dict)
    """The states of the devices it changed, before it changed them."""
    said: Words = field(default_factory=lambda: Words.fixed(None, None))
    """The words it used for its device, and where."""
    used: tuple[str, ...] = ()
    """Learned items that decided it."""
    asked: tuple[str, ...] = ()
    """The devices a "which one?" offered."""
    offered: tuple[str, ...] = ()
    """The devices the learner asked among after "not that one"."""
    template: tuple[ServiceCall, ...] = ()
    """The calls to make on the device chosen among ``offered``."""
    request_id: str | None = None
    """The id the history keeps it under (its values are withdrawn by it)."""
    deferred: tuple[LearningEvent, ...] = ()
    """What it teaches once its pending actions get their yes (a correction that needs
    one teaches nothing until then)."""

    @property
    def phrase(self) -> str | None:
        """The words it used for its device ("big light")."""
        return self.said.phrase

    @property
    def scope(self) -> str | None:
        """The area the phrase was said in (or named)."""
        return self.said.scope


class Words:
    """The words a request used for its device, and the area they hold in: read only when a
    correction or an answer asks for them, so a request nobody corrects pays nothing."""

    def __init__(self, request: Request | None, core: Understanding | None) -> None:
        self._request = request
        self._core = core

    @classmethod
    def fixed(cls, phrase: str | None, scope: str | None) -> Words:
        words = cls(None, None)
        words.__dict__.update(phrase=phrase, scope=scope)  # the cached values, given
        return words

    @cached_property
    def phrase(self) -> str | None:
        if self._request is None or self._core is None:
            return None
        return phrases.object_phrase(self._request.text, self._core)

    @cached_property
    def scope(self) -> str | None:
        if self._request is None or self._core is None:
            return None
        named = phrases.places_named(phrases.words(self._request.text), self._core.index)
        if len(named) == 1:
            return next(iter(named))
        return None if named else self._request.area


@dataclass(frozen=True)
class Prepared:
    """A request as the core reads it, and what was learned into it."""

    request: Request
    """The request to decide (said again with learned phrases in configured names)."""
    original: Request
    """The request whose words ``said`` reads (for a correction: the corrected one)."""
    said: Words
    used: tuple[LearnedPhrase, ...] = ()
    habits: tuple[Habit, ...] = ()
    trace: tuple[str, ...] = ()
    teaches: bool = True
    """Whether what follows may teach the phrase (not after a place was corrected)."""
    idiom: str | None = None
    """The learned idiom (its item) the request was said again by."""


@dataclass(frozen=True)
class Corrected:
    """The decision for a correction, and the request it stands for."""

    decision: Decision
    conversation: Conversation
    prepared: Prepared
    events: tuple[LearningEvent, ...] = ()
    offered: tuple[str, ...] = ()
    template: tuple[ServiceCall, ...] = ()
    deferred: tuple[LearningEvent, ...] = ()
    """Taught only when the pending actions get their yes."""


class Learner:
    """One home's learned knowledge, used and extended request by request."""

    def __init__(
        self,
        understanding: Understanding,
        settings: LearningSettings | None = None,
        sink: LearningSink | None = None,
        *,
        home: str | None = None,
        events: Iterable[LearningEvent] = (),
    ) -> None:
        self.understanding = understanding
        self.settings = settings or LearningSettings()
        self.knowledge = Knowledge.folded(events, self.settings)
        self.sink = sink
        self.home = home

    def examples(self) -> tuple[int, list[OwnExample]]:
        """The household's confirmed requests, newest first, as the LLM stage takes them,
        and a version that changes whenever they may have."""
        knowledge = self.knowledge
        own = [
            OwnExample(m.text, m.area, tuple(calls))
            for m in reversed(knowledge.meant.values())
            if (calls := _calls(m.calls))
        ]
        return knowledge.version, own

    def rebind(self, understanding: Understanding) -> None:
        """Read requests with ``understanding`` (the registry changed) from now on."""
        self.understanding = understanding

    # -- before the core -------------------------------------------------------------------

    def prepare(self, request: Request, when: datetime) -> Prepared:
        """The request with learned phrases said in configured names."""
        index = self.understanding.index
        said = Words(request, self.understanding)
        if self.knowledge.has_idioms:
            idiomatic = self._idiom_said(request, said)
            if idiomatic is not None:
                return idiomatic
        if not self.knowledge.phrases or not self.knowledge.may_say(request.text):
            return Prepared(request, request, said)
        tokens = phrases.words(request.text)
        text, used, trace = request.text, [], []
        places: set[str] = set()
        spoken = phrases.phrases_in(tokens, self.knowledge.longest, self.knowledge.said)
        named = phrases.places_named(tokens, index) if spoken else set()
        for found in spoken:
            if phrases.is_configured(found.phrase, index) or phrases.inside_a_name(
                found, tokens, index
            ):
                continue
            item = self._meaning(found.phrase, request.area, named, when)
            device = self.understanding.registry.get(item.entity_id) if item else None
            if item is None or device is None:
                continue
            again = phrases.say_again(text, found.phrase, device.name)
            if again is not None:
                text = again
                used.append(item)
                trace.append(f"learned: '{found.phrase}' is {device.name} ({item.item_id})")
                if request.area is None and not named and item.area is not None:
                    places.add(item.area)
        if not used:
            return Prepared(request, request, said)
        # Said from nowhere, a phrase learned in a room is read there: its device's own name
        # may be shared with a device elsewhere ("the Arc Lamp" of the den and of the study).
        area = next(iter(places)) if len(places) == 1 else request.area
        changed = replace(request, text=text, area=area)
        return Prepared(changed, request, said, tuple(used), trace=tuple(trace))

    def _idiom_said(self, request: Request, said: Words) -> Prepared | None:
        """``request`` said again in the core's words when its words are a learned idiom:
        for the room it names (an idiom with a slot) or the one it was said in."""
        key = idioms.key_of(request.text, self.understanding.index)
        if key is None:
            return None
        found = self.knowledge.idiom(key.words, key.slot)
        if found is None:
            return None
        idiom, item = found
        where = key.area if key.slot else request.area
        area = self.understanding.registry.areas.get(where) if where is not None else None
        if area is None:
            return None  # said from nowhere in particular, an idiom has no room to act in
        changed = replace(request, text=idiom.says(area))
        trace = (f"learned idiom: '{idiom.text}' is {idiom.action} in {area.name} ({item})",)
        return Prepared(changed, request, said, trace=trace, teaches=False, idiom=item)

    def _meaning(
        self, phrase: str, area: str | None, named: set[str], when: datetime
    ) -> LearnedPhrase | None:
        """The learned meaning of ``phrase`` here: said in (or naming) its area; one learned
        anywhere only where no other place is named. Said from nowhere in particular (a
        phone, the command line) and naming no place, the one device it means in the whole
        home, if it means only one and the core does not read it as a kind of device of its
        own ("light" taught in the office still means any light from a phone)."""
        scopes: list[str | None] = [*sorted(named)] if named else [area]
        found = self.knowledge.best(phrase, [*scopes, None], when)
        if found is None and area is None and not named:
            if phrases.names_something(phrase, self.understanding.index):
                return None
            return self.knowledge.only(phrase, when)
        if found is None or found.area is not None or not named:
            return found
        device = self.understanding.registry.get(found.entity_id)
        return found if device is not None and device.area_id in named else None

    # -- corrections -----------------------------------------------------------------------

    def correct(
        self,
        request: Request,
        last: Turn | None,
        conversation: Conversation,
        states: StateStore,
        when: datetime,
        rid: str,
    ) -> Corrected | None:
        """The decision for a correction of ``last``; None when ``request`` is none."""
        if last is None or conversation.confirm is not None or conversation.clarify is not None:
            return None
        if (when - last.when).total_seconds() > self.settings.window_s:
            return None
        if last.offered:
            chosen = self._choice(request.text, last.offered)
            if chosen is not None:
                return self._redo(last, chosen, last.template, states, when, rid, undo=False)
        said = correction(request.text)
        if said is None:
            return None
        acted = last.decision.status is Status.DONE and bool(last.decision.actions)
        if said.fix is Fix.UNDO and acted:
            return self._undo(request, last, states, when, rid)
        if said.fix is Fix.OTHER and acted:
            return self._other(last, states, when, rid)
        if said.fix is Fix.NAMED and (acted or last.decision.status in _FAILED):
            return self._named(last, said, states, when, rid)
        return None

    def _undo(
        self, request: Request, last: Turn, states: StateStore, when: datetime, rid: str
    ) -> Corrected:
        calls, stuck = restore(last.decision.actions, last.before, states)
        trace = ["correction: undo"]
        decision = (
            self.understanding.finish(calls, trace, source="learning")
            if calls
            else Decision(Status.REFUSED, "", source="learning", trace=tuple(trace))
        )
        if stuck:
            names = ", ".join(self._name(e) for e in stuck)
            note = f"I don't know how {names} was before, so I left it."
            decision = replace(decision, reply=f"{decision.reply} {note}".strip())
        elif not calls:
            decision = replace(decision, status=Status.DONE, reply="It is already as it was.")
        elif decision.status is Status.DONE:
            decision = replace(decision, reply=f"Undone: {_lower_first(decision.reply)}")
        prepared = Prepared(request, request, Words.fixed(None, None), teaches=False)
        # An undo says the action was unwanted, not that its device was the wrong one: the
        # values it set are withdrawn, the phrases that chose the device stay; an idiom, whose
        # meaning is the action, goes.
        withdraw = (*self._withdrawn(last, when, rid), *self._idioms_against(last, when, rid))
        return Corrected(decision, self._after(decision, last), prepared, withdraw)

    def _other(self, last: Turn, states: StateStore, when: datetime, rid: str) -> Corrected:
        acted = {c.entity_id for c in last.decision.actions}
        others = [e for e in last.asked if e not in acted] or self._alternatives(acted)
        if len(others) == 1:
            return self._redo(last, others[0], last.decision.actions, states, when, rid)
        calls, _ = restore(last.decision.actions, last.before, states)
        trace = ["correction: not that one"]
        names = [self._name(e) for e in others]
        question = replies.clarify_reply(names) if names else "Which one do you mean?"
        undone = self.understanding.finish(calls, trace, source="learning") if calls else None
        if undone is not None and undone.status is not Status.DONE:
            prepared = Prepared(last.request, last.request, Words.fixed(None, None), teaches=False)
            return Corrected(undone, self._after(undone, last), prepared)
        reply = f"{undone.reply} {question}" if undone is not None else question
        decision = Decision(
            Status.CLARIFY,
            reply,
            actions=undone.actions if undone is not None else (),
            source="learning",
            trace=tuple(trace),
        )
        prepared = Prepared(last.request, last.request, last.said, teaches=False)
        return Corrected(
            decision,
            Conversation(previous=tuple(acted)),
            prepared,
            self._against(last, when, rid),
            offered=tuple(others),
            template=last.decision.actions,
        )

    def _alternatives(self, acted: set[str]) -> list[str]:
        """Devices like the one acted on (its domain, its room) that it could have been."""
        if len(acted) != 1:
            return []
        device = self.understanding.registry.get(next(iter(acted)))
        if device is None:
            return []
        return [
            d.entity_id
            for d in self.understanding.registry
            if d.domain == device.domain
            and d.area_id == device.area_id
            and d.entity_id != device.entity_id
            and not d.hidden
        ]

    def _redo(
        self,
        last: Turn,
        entity_id: str,
        calls: Sequence[ServiceCall],
        states: StateStore,
        when: datetime,
        rid: str,
        *,
        undo: bool = True,
    ) -> Corrected:
        """Put back what ``last`` did (unless ``undo`` is off: it was put back already) and
        make its calls on ``entity_id`` instead."""
        put_back = restore(last.decision.actions, last.before, states)[0] if undo else []
        moved = [c.model_copy(update={"entity_id": entity_id}) for c in calls]
        trace = [f"correction: {self._name(entity_id)} was meant"]
        decision = self.understanding.finish([*put_back, *moved], trace, source="learning")
        events = [*self._against(last, when, rid)] if undo else []
        taught = self._teach(last, entity_id, when, rid, "correction")
        if taught:
            taught += self._meant(last.request, moved, when, rid, "correction")
        prepared = Prepared(last.request, last.request, last.said, teaches=False)
        return _with_teaching(
            Corrected(decision, self._after(decision, last), prepared), events, taught
        )

    def _named(
        self, last: Turn, said: Correction, states: StateStore, when: datetime, rid: str
    ) -> Corrected | None:
        text, teaches = self._meant_text(last, said.meant)
        if text is None:
            return None
        meant = replace(last.request, text=text)
        decision, conversation = self.understanding.decide(meant, states, Conversation())
        if decision.status not in _ACTED or not (decision.actions or decision.pending):
            return None
        new = {c.entity_id for c in (*decision.actions, *decision.pending)}
        old = [c for c in last.decision.actions if c.entity_id not in new]
        undo, _ = restore(old, last.before, states)
        calls = [*undo, *decision.actions, *decision.pending]
        trace = [f"correction: {said.meant!r} was meant", *decision.trace]
        decided = self.understanding.finish(calls, trace, source="learning")
        events = [*self._against(last, when, rid)]
        meant_calls = [*decision.actions, *decision.pending]
        # Words the core did not read at all, meant as an action on a room, are an idiom;
        # otherwise the words for one device are a phrase for it.
        idiom = self._idiom(last, meant_calls, states) if teaches else None
        taught = []
        if idiom is None and teaches and len(new) == 1:
            taught = self._teach(last, next(iter(new)), when, rid, "correction")
        if taught or idiom is not None:
            taught += self._meant(last.request, meant_calls, when, rid, "correction", idiom)
        after = conversation
        if decided.pending:
            pin = self.understanding.policy.level(decided.pending[0]).value == "pin"
            after = Conversation(confirm=PendingConfirm(decided.pending, pin), previous=tuple(new))
        prepared = Prepared(meant, last.request, last.said, teaches=False)
        return _with_teaching(Corrected(decided, after, prepared), events, taught)

    def _idiom(
        self, last: Turn, calls: Sequence[ServiceCall], states: StateStore
    ) -> idioms.Idiom | None:
        """The idiom ``last`` was, corrected to ``calls``: only words the core alone did not
        understand at all (a "which one?" is not a new way of talking) make one."""
        alone, _ = self.understanding.decide(last.request, states, Conversation())
        if alone.status is not Status.NOT_UNDERSTOOD:
            return None
        return idioms.idiom_of(last.request, calls, self.understanding, states)

    def _meant_text(self, last: Turn, meant: str) -> tuple[str | None, bool]:
        """The earlier request said as the correction means it, and whether that names its
        device (a corrected device teaches its phrase; a corrected room does not)."""
        index = self.understanding.index
        tokens = phrases.words(meant)
        if not tokens:
            return None, False
        if self.understanding.reading(tokens) is not None:
            return meant, True  # a whole request: "no, turn on the hall light"
        rest = meant
        while rest.startswith(("in ", "at ", *_LEADING)):
            rest = rest.split(" ", 1)[1] if " " in rest else ""
        places = phrases.places_named(tokens, index)
        if places and phrases.object_phrase(meant, self.understanding) is None:
            return self._in_place(last.request.text, rest), False
        if last.phrase is None or not rest:
            return None, False
        return phrases.say_again(last.request.text, last.phrase, rest), True

    def _in_place(self, text: str, place: str) -> str:
        """``text`` with the place it names replaced by ``place`` (or ``place`` added)."""
        index = self.understanding.index
        tokens = phrases.words(text)
        for match in index.find(tokens):
            if any(e.kind.value in {"area", "floor"} for e in match.entries):
                said = " ".join(tokens[match.start : match.end])
                again = phrases.say_again(text, said, place)
                if again is not None:
                    return again
        return f"{text.rstrip(' .!?')} in the {place}"

    def _choice(self, text: str, offered: Sequence[str]) -> str | None:
        """The one of ``offered`` the words name best, if one stands out."""
        said = {w for w in phrases.words(text) if w not in {"the", "one", "a"}}
        scores: list[tuple[int, str]] = []
        for entity_id in offered:
            device = self.understanding.registry.get(entity_id)
            if device is None:
                continue
            names = [set(phrases.words(n)) for n in (device.name, *device.aliases)]
            scores.append((max(len(said & n) for n in names), entity_id))
        scores.sort(reverse=True)
        if not scores or scores[0][0] == 0 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
            return None
        return scores[0][1]

    def _after(self, decision: Decision, last: Turn) -> Conversation:
        touched = tuple(c.entity_id for c in (*decision.actions, *decision.pending))
        pending = None
        if decision.pending:
            pin = self.understanding.policy.level(decision.pending[0]).value == "pin"
            pending = PendingConfirm(decision.pending, pin)
        earlier = tuple(c.entity_id for c in last.decision.actions)
        return Conversation(confirm=pending, previous=touched or earlier)

    # -- after the core --------------------------------------------------------------------

    def finish(
        self, decision: Decision, prepared: Prepared, states: StateStore, when: datetime
    ) -> tuple[Decision, Prepared]:
        """Habits fill in what nobody said; a learned phrase is said in the reply."""
        if decision.status is not Status.DONE or not decision.actions:
            return decision, prepared
        calls, notes, habits = self._habits(decision.actions, states, when)
        if habits:
            reply = _before_stop(
                decision.reply, f", {' and '.join(notes)}, as usual {habits[0].period}"
            )
            decision = replace(
                decision,
                actions=tuple(calls),
                reply=reply,
                trace=(*decision.trace, *(f"habit: {h.item_id}" for h in habits)),
            )
            prepared = replace(prepared, habits=tuple(habits))
        acted = {c.entity_id for c in decision.actions}
        if any(p.entity_id in acted for p in prepared.used):
            note = " (you usually mean that one; say 'no' to change)"
            decision = replace(decision, reply=_before_stop(decision.reply, note))
        if prepared.trace:
            decision = replace(decision, trace=(*prepared.trace, *decision.trace))
        return decision, prepared

    def _habits(
        self, calls: Sequence[ServiceCall], states: StateStore, when: datetime
    ) -> tuple[list[ServiceCall], list[str], list[Habit]]:
        out: list[ServiceCall] = []
        notes: list[str] = []
        used: list[Habit] = []
        for call in calls:
            if call.service != "light.turn_on" or states.get(call.entity_id).state == "on":
                out.append(call)
                continue
            data = dict(call.data)
            for attribute, blocked, unit in (
                ("brightness_pct", _BRIGHTNESS_KEYS, "%"),
                ("color_temp_kelvin", _COLOUR_KEYS, " K"),
            ):
                if blocked & data.keys() or not _supports(attribute, states.get(call.entity_id)):
                    continue
                habit = self.knowledge.habit(call.entity_id, attribute, when)
                value = habit.value(when, self.settings) if habit is not None else None
                if habit is None or value is None:
                    continue
                data[attribute] = round(value)
                note = f"at {round(value)}{unit}"
                if note not in notes:
                    notes.append(note)
                used.append(habit)
            out.append(call.model_copy(update={"data": data}) if data != call.data else call)
        return out, notes, used

    def learn(
        self,
        rid: str,
        prepared: Prepared,
        decision: Decision,
        last: Turn | None,
        before: Mapping[str, EntityState],
        states: StateStore,
        when: datetime,
        *,
        conversation: Conversation | None = None,
        corrected: Corrected | None = None,
    ) -> Turn:
        """Learn from a request that was decided (and carried out), ``corrected`` when it was
        a correction; the turn it leaves."""
        fix = corrected or Corrected(decision, Conversation(), prepared)
        events: list[LearningEvent] = list(fix.events)
        recent = last is not None and (when - last.when).total_seconds() <= self.settings.window_s
        if recent and last is not None and last.deferred and _confirms(last, decision):
            events.extend(last.deferred)
        if decision.status in _ACTED:
            events.extend(self._used(prepared, when, rid))
        if decision.status is Status.DONE and decision.actions:
            if recent and last is not None and prepared.teaches:
                events.extend(self._answered(last, decision, prepared.original, when, rid))
            events.extend(
                self._values(prepared, decision, last if recent else None, states, when, rid)
            )
        self._keep(events)
        asked = conversation.clarify.candidates if conversation and conversation.clarify else ()
        origin, said = prepared.original, prepared.said
        if recent and last is not None and _answers(last, decision):
            # The answer to "which one?" stands for the request it completed: a correction
            # now corrects that one ("turn on the lamp"), not the words "the floor lamp".
            origin, said, asked = last.request, last.said, last.asked
        return Turn(
            origin,
            decision,
            when,
            before,
            said,
            tuple(p.item_id for p in prepared.used)
            + tuple(h.item_id for h in prepared.habits)
            + ((prepared.idiom,) if prepared.idiom else ()),
            tuple(asked),
            fix.offered,
            fix.template,
            rid,
            fix.deferred,
        )

    def _answered(
        self, last: Turn, decision: Decision, request: Request, when: datetime, rid: str
    ) -> list[LearningEvent]:
        """An answer to "which one?", or the same request said again in other words after a
        failure: evidence (1 each) for what the earlier phrase meant."""
        acted = {c.entity_id for c in decision.actions}
        if len(acted) != 1:
            return []
        entity = next(iter(acted))
        if last.asked and last.decision.status is Status.CLARIFY and entity in last.asked:
            source = "clarification"
        elif last.decision.status in _FAILED and _same_frame(last, request, self.understanding):
            source = "said again"
        else:
            return []
        taught = self._teach(last, entity, when, rid, source, weight=1.0)
        if taught:
            taught += self._meant(last.request, decision.actions, when, rid, source)
        return taught

    def _meant(
        self,
        request: Request,
        calls: Sequence[ServiceCall],
        when: datetime,
        rid: str | None,
        source: str,
        idiom: idioms.Idiom | None = None,
    ) -> list[LearningEvent]:
        """What ``request``'s words meant, as a person showed it: an example for the LLM
        stage and for ``model tune`` (kept while what showed it stands). Only where the
        same words teach a phrase (or feedback confirms them): a request that named a
        configured device, or a room corrected, is a change of mind, not a way of talking."""
        if not calls or not request.text.strip():
            return []
        data: dict[str, Any] = {
            "text": request.text,
            "area": request.area,
            "calls": [c.model_dump(mode="json") for c in calls],
            "source": source,
        }
        if idiom is not None:
            data["idiom"] = idiom.data()
        return [self._event(EventKind.MEANT, when, data, rid)]

    def _teach(
        self,
        last: Turn,
        entity_id: str,
        when: datetime,
        rid: str | None,
        source: str,
        weight: float | None = None,
    ) -> list[LearningEvent]:
        phrase = last.phrase
        index = self.understanding.index
        if phrase is None or phrases.is_configured(phrase, index):
            return []
        device = self.understanding.registry.get(entity_id)
        if device is None or _names_it(phrase, device):
            return []
        data = {
            "phrase": phrase,
            "entity_id": entity_id,
            "area": last.scope,
            "weight": self.settings.min_evidence if weight is None else weight,
            "source": source,
        }
        return [self._event(EventKind.PHRASE, when, data, rid)]

    def _against(self, last: Turn, when: datetime, rid: str) -> tuple[LearningEvent, ...]:
        """Evidence against the learned phrases that made ``last`` go wrong; its values are
        not what the person wanted."""
        events = [
            self._event(
                EventKind.AGAINST,
                when,
                {
                    "phrase": p.phrase,
                    "entity_id": p.entity_id,
                    "area": p.area,
                    "weight": max(p.weight, self.settings.min_evidence),
                },
                rid,
            )
            for key in last.used
            if (p := self.knowledge.phrases.get(key)) is not None
        ]
        return (*events, *self._idioms_against(last, when, rid), *self._withdrawn(last, when, rid))

    def _idioms_against(self, last: Turn, when: datetime, rid: str) -> tuple[LearningEvent, ...]:
        """The idiom that made ``last`` go wrong is forgotten (a correction in words may
        teach it anew)."""
        knowledge = self.knowledge
        return tuple(
            self._event(EventKind.FORGET, when, {"item": key}, rid)
            for key in last.used
            if key in knowledge.meant or key in knowledge.adopted_idioms
        )

    def _withdrawn(self, last: Turn, when: datetime, rid: str) -> tuple[LearningEvent, ...]:
        """The values ``last`` set are not what the person wanted."""
        if last.request_id is None:
            return ()
        return (self._event(EventKind.WITHDRAW, when, {"request": last.request_id}, rid),)

    def _used(self, prepared: Prepared, when: datetime, rid: str) -> list[LearningEvent]:
        keys = [p.item_id for p in prepared.used] + [h.item_id for h in prepared.habits]
        return [self._event(EventKind.USED, when, {"item": key}, rid) for key in keys]

    def _values(
        self,
        prepared: Prepared,
        decision: Decision,
        last: Turn | None,
        states: StateStore,
        when: datetime,
        rid: str,
    ) -> list[LearningEvent]:
        """The values the person chose (said, or corrected to): habits are read from them."""
        events: list[LearningEvent] = []
        filled = {h.entity_id for h in prepared.habits}
        for call in decision.actions:
            if call.entity_id in filled:
                continue
            for attribute, value in _chosen(call, states.get(call.entity_id)):
                corrected = last is not None and any(
                    c.entity_id == call.entity_id for c in last.decision.actions
                )
                if corrected and last is not None and last.request_id is not None:
                    withdraw = {"request": last.request_id}
                    events.append(self._event(EventKind.WITHDRAW, when, withdraw, rid))
                data = {
                    "entity_id": call.entity_id,
                    "attribute": attribute,
                    "value": value,
                    "local_time": when.isoformat(),
                    "period": period_of(when),
                }
                events.append(self._event(EventKind.VALUE, when, data, rid))
        return events

    # -- what happens by hand ----------------------------------------------------------------

    def by_hand(
        self, turn: Turn, entity_id: str, state: str, acted: str, when: datetime
    ) -> list[str]:
        """A device reported ``state`` within the window after ``turn`` switched ``acted``:
        switched back by hand counts against what chose it; another device of its kind in its
        room switched the same way instead counts (once) for that one. What it meant, in
        words (nothing when it means nothing)."""
        rid = turn.request_id or ""
        before = turn.before.get(acted)
        if entity_id == acted:
            if before is None or before.state != state:
                return []
            events = list(self._against(turn, when, rid))
            self._keep(events)
            return [f"{self._name(acted)} was switched back by hand"] if events else []
        device = self.understanding.registry.get(entity_id)
        first = self.understanding.registry.get(acted)
        if (
            device is None
            or first is None
            or (device.domain, device.area_id)
            != (
                first.domain,
                first.area_id,
            )
        ):
            return []
        taught = self._teach(turn, entity_id, when, rid, "by hand", weight=1.0)
        self._keep(taught)
        return [f"{self._name(entity_id)} was switched instead of {self._name(acted)}"] * bool(
            taught
        )

    # -- feedback and forgetting -------------------------------------------------------------

    def feedback(self, entry: HistoryEntry, *, right: bool, when: datetime) -> list[str]:
        """A person's verdict on an earlier request (as the history keeps it); what it
        changed, in words."""
        request_id = entry.request_id
        events = [
            self._event(
                EventKind.FEEDBACK, when, {"request": request_id, "right": right}, request_id
            )
        ]
        changed: list[str] = []
        used = [
            p
            for p in self.knowledge.phrases.values()
            if request_id in p.evidence or request_id in p.used_by
        ]
        for item in used:
            weight = 1.0 if right else max(item.weight, self.settings.min_evidence)
            data: dict[str, Any] = {"phrase": item.phrase, "entity_id": item.entity_id}
            data["area"] = item.area
            data |= {"weight": weight, "source": "feedback"}
            kind = EventKind.PHRASE if right else EventKind.AGAINST
            events.append(self._event(kind, when, data, request_id))
            how = "surer" if right else "forgotten"
            changed.append(f"'{item.phrase}' for {self._name(item.entity_id)}: {how}")
        if not right:
            events.append(
                self._event(EventKind.WITHDRAW, when, {"request": request_id}, request_id)
            )
            changed.append("the values it set are no longer read as habits")
        elif not used:
            said = Request(entry.text, entry.area, entry.device, entry.session)
            changed.extend(self._confirmed(said, entry.actions, when, request_id, events))
        if right and entry.status == "done" and entry.source != "learning":
            calls = _calls(entry.actions)
            said = Request(entry.text, entry.area, entry.device, entry.session)
            meant = self._meant(said, calls, when, request_id, "feedback")
            events.extend(meant)
            if meant:
                changed.append("kept as an example of what you mean")
        self._keep(events)
        return changed

    def _confirmed(
        self,
        said: Request,
        actions: Sequence[Mapping[str, Any]],
        when: datetime,
        request_id: str,
        events: list[LearningEvent],
    ) -> list[str]:
        """A request confirmed right: its words for its one device count once more."""
        entities = {str(a.get("entity_id")) for a in actions}
        phrase = phrases.object_phrase(said.text, self.understanding)
        if len(entities) != 1 or phrase is None:
            return []
        turn = Turn(said, Decision(Status.DONE, ""), when, said=Words(said, self.understanding))
        entity = next(iter(entities))
        taught = self._teach(turn, entity, when, request_id, "feedback", weight=1.0)
        events.extend(taught)
        return [f"'{phrase}' for {self._name(entity)}: one more time" for _ in taught]

    def forget(self, item: str | None, when: datetime) -> None:
        """Forget one learned item (None: everything)."""
        data: dict[str, Any] = {"all": True} if item is None else {"item": item}
        self._keep([self._event(EventKind.FORGET, when, data, None)])

    # -- helpers ---------------------------------------------------------------------------

    def _event(
        self, kind: EventKind, when: datetime, data: dict[str, Any], rid: str | None
    ) -> LearningEvent:
        return LearningEvent(kind, when, data, rid, self.home)

    def keep(self, events: Sequence[LearningEvent]) -> None:
        """Apply and keep events made outside the learner (a federation's adoption)."""
        self._keep(events)

    def _keep(self, events: Sequence[LearningEvent]) -> None:
        if not events:
            return
        for event in events:
            self.knowledge.apply(event)
        if self.sink is not None:
            self.sink.record_learning(events)

    def _name(self, entity_id: str) -> str:
        if self.understanding.registry.get(entity_id) is None:
            return entity_id
        return replies.describe([entity_id], self.understanding.registry)


def _calls(actions: Sequence[Mapping[str, Any]]) -> list[ServiceCall]:
    """The calls the history kept (none when one no longer reads)."""
    try:
        return [ServiceCall.model_validate(a) for a in actions]
    except ValueError:
        return []


def _with_teaching(
    corrected: Corrected, events: Sequence[LearningEvent], taught: Sequence[LearningEvent]
) -> Corrected:
    """What a correction teaches: now when it was carried out, after the yes when it waits
    for one, never when it was refused."""
    status = corrected.decision.status
    now = tuple(taught) if status is Status.DONE else ()
    later = tuple(taught) if status is Status.CONFIRM else ()
    return replace(corrected, events=(*events, *now), deferred=later)


def _confirms(last: Turn, decision: Decision) -> bool:
    """Whether ``decision`` carried out what ``last`` left waiting for a yes."""
    waiting = {c.entity_id for c in last.decision.pending}
    acted = {c.entity_id for c in decision.actions}
    return decision.status is Status.DONE and bool(acted) and acted <= waiting


def _answers(last: Turn, decision: Decision) -> bool:
    """Whether ``decision`` carried out the request ``last`` asked "which one?" about."""
    acted = {c.entity_id for c in decision.actions}
    return (
        last.decision.status is Status.CLARIFY
        and bool(last.asked)
        and bool(acted)
        and acted <= set(last.asked)
    )


def _names_it(phrase: str, device: Device) -> bool:
    """Whether ``phrase`` is already one of the device's own names."""
    said = phrase.casefold()
    return any(said == n.casefold() for n in (device.name, *device.aliases))


def _same_frame(last: Turn, request: Request, understanding: Understanding) -> bool:
    """Whether ``request`` says what ``last`` said with other words for the device."""
    phrase = phrases.object_phrase(request.text, understanding)
    if phrase is None or last.phrase is None or phrase == last.phrase:
        return False
    before = " ".join(phrases.words(last.request.text)).replace(last.phrase, "_")
    after = " ".join(phrases.words(request.text)).replace(phrase, "_")
    return before == after


def _chosen(call: ServiceCall, after: EntityState) -> list[tuple[str, float]]:
    """The values a call sets that a habit could be read from."""
    data = call.data
    found: list[tuple[str, float]] = []
    if call.service == "light.turn_on":
        if isinstance(data.get("brightness_pct"), int | float):
            found.append(("brightness_pct", float(data["brightness_pct"])))
        elif "brightness_step_pct" in data or "brightness_step" in data:
            brightness = after.attributes.get("brightness")
            if isinstance(brightness, int | float):
                found.append(("brightness_pct", round(brightness / 2.55)))
        if isinstance(data.get("color_temp_kelvin"), int | float):
            found.append(("color_temp_kelvin", float(data["color_temp_kelvin"])))
    elif call.service == "climate.set_temperature" and isinstance(
        data.get("temperature"), int | float
    ):
        found.append(("temperature", float(data["temperature"])))
    elif call.service == "media_player.volume_set" and isinstance(
        data.get("volume_level"), int | float
    ):
        found.append(("volume_level", float(data["volume_level"])))
    return found


def _supports(attribute: str, state: EntityState) -> bool:
    modes = state.attributes.get("supported_color_modes")
    if not isinstance(modes, list | tuple):
        return attribute == "brightness_pct"
    if attribute == "color_temp_kelvin":
        return "color_temp" in modes
    return bool(set(modes) - {"onoff"})


def _before_stop(reply: str, addition: str) -> str:
    """``reply`` with ``addition`` before its closing full stop."""
    if reply.endswith("."):
        return f"{reply[:-1]}{addition}."
    return f"{reply}{addition}"


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]
