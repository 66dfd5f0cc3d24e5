"""The deterministic understanding core: text and state in, a Decision out, in about a millisecond."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from itertools import islice

from hausgeist.config.models import PolicyConfig, PolicyLevel
from hausgeist.devices.actions import ServiceCall, validate_call
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import ActionError, InvalidServiceDataError
from hausgeist.understanding import replies
from hausgeist.understanding.followup import FollowUp
from hausgeist.understanding.index import Kind, NameIndex
from hausgeist.understanding.intents import (
    Action,
    Intent,
    arm_mode,
    detect,
    detect_whole_sentence,
    is_rule_word,
    readings,
    verb_behind_typo,
    word_behind_typo,
)
from hausgeist.understanding.negation import negated
from hausgeist.understanding.plan import AREA_DEFAULT, PlanError, fits, plan
from hausgeist.understanding.policy import Policy, is_sensitive
from hausgeist.understanding.questions import Questions, looks_like_question
from hausgeist.understanding.relative import (
    EXTREME,
    NEUTRAL,
    Amount,
    change_for,
    find_amount,
    find_extreme,
    is_direction,
)
from hausgeist.understanding.resolve import Context, Outcome, Resolver, Target
from hausgeist.understanding.rules import BARE_NAME
from hausgeist.understanding.sessions import Conversation, PendingClarify, PendingConfirm
from hausgeist.understanding.text import as_number, singular, tokenize
from hausgeist.understanding.types import Decision, Request, Status
from hausgeist.understanding.vocabulary import STOP_WORDS

_LEAD_FILLERS = frozenset(
    [
        "hey",
        "hi",
        "ok",
        "okay",
        "please",
        "pls",
        "kindly",
        "yo",
        "oh",
        "so",
        "um",
        "uh",
        "er",
        "erm",
        "hmm",
        "well",
        "alright",
        "right",
        "now",
        "jarvis",
        "computer",
        "assistant",
        "hausgeist",
        # Asides that open a request or a question without changing it.
        *("actually", "also", "and", "but", "wait", "btw", "anyway", "anyways", "sorry"),
        *("oops", "ah", "ahh", "aha", "hm"),
    ]
)
_POLITE = (
    ("by", "the", "way"),
    ("quick", "question"),
    ("just", "wondering"),
    ("i", "was", "wondering"),
    ("1", "more", "thing"),
    ("on", "second", "thought"),
    ("come", "to", "think", "of", "it"),
    ("could", "you"),
    ("can", "you"),
    ("would", "you"),
    ("will", "you"),
    ("i", "want", "you", "to"),
    ("i", "would", "like", "you", "to"),
    ("i", "need", "you", "to"),
    ("please",),
    ("go", "ahead", "and"),
    ("be", "a", "dear", "and"),
    ("be", "a", "love", "and"),
    ("be", "an", "angel", "and"),
    ("be", "a", "star", "and"),
    ("do", "me", "a", "favor", "and"),
    ("do", "me", "a", "favour", "and"),
)
_ONLY_QUESTIONS = frozenset(
    {"did", "does", "do", "is", "are", "was", "were", "has", "have", "what", "which", "how"}
)
_MAX_READINGS = 3
_SCANNED_READINGS = 16
"""How many readings of a clause are looked at before the best are kept."""
_BARE_EXTRA = frozenset(
    {"the", "set", "scene", "routine", "mode", "script", "for", "please", "time", "my", "our"}
)
_WRONG_READING = frozenset({Outcome.UNFIT, Outcome.EMPTY, Outcome.NOTHING, Outcome.UNKNOWN})
_CLAUSE_BREAKS = frozenset({"and", "then", "also", "plus", "after", "afterwards", ",", "but"})


@dataclass
class _Clause:
    """One clause's result."""

    notes: list[str] = field(default_factory=list)
    """Said after the reply ("(the Thermostat's maximum is 30°)")."""
    calls: list[ServiceCall] = field(default_factory=list)
    status: Status | None = None
    reply: str = ""
    intent: Intent | None = None
    target: Target | None = None


class Understanding:
    """Understands one home: build once per registry, call :meth:`decide` per request."""

    def __init__(self, registry: DeviceRegistry, policy: PolicyConfig) -> None:
        self.registry = registry
        self.index = NameIndex(registry)
        self.resolver = Resolver(registry, self.index)
        self.questions = Questions(registry, self.resolver)
        self.policy = Policy(policy, registry)
        self.followup = FollowUp(self)

    def decide(
        self, request: Request, states: StateStore, conversation: Conversation | None = None
    ) -> tuple[Decision, Conversation]:
        """Decide what ``request`` asks for. Pure: nothing is carried out here."""
        conversation = conversation or Conversation()
        tokens = strip_fillers(tokenize(request.text))
        trace = [f"tokens: {' '.join(tokens) or '(none)'}"]
        followed = self.followup.handle(request, tokens, conversation, states, trace)
        if followed is not None:
            return followed
        if not tokens:
            return Decision(
                Status.NOT_UNDERSTOOD, "Sorry, I didn't catch that.", trace=tuple(trace)
            ), conversation
        context = Context(request.area, request.device, conversation.previous)
        if looks_like_question(tokens) and negated(tokens) is None:
            answer, steps = self.questions.answer(tokens, states, context)
            trace.extend(f"question: {s}" for s in steps)
            if answer is not None:
                return Decision(Status.ANSWER, answer, trace=tuple(trace)), Conversation(
                    previous=conversation.previous
                )
            if tokens[0] in _ONLY_QUESTIONS:
                # "did I lock the back door": a question, never a command, even unanswered.
                reply = "Sorry, I can't answer that about your home."
                return Decision(Status.NOT_UNDERSTOOD, reply, trace=tuple(trace)), conversation
        decision, clarify = self._command(tokens, states, context, trace)
        touched = (
            tuple(c.entity_id for c in (*decision.actions, *decision.pending))
            or conversation.previous
        )
        pending = (
            PendingConfirm(decision.pending, self._needs_pin(decision.pending))
            if decision.pending
            else None
        )
        return decision, Conversation(confirm=pending, clarify=clarify, previous=touched)

    def reading(self, words: list[str]) -> Intent | None:
        """The action ``words`` ask for by the rules (their first reading, as a clause uses it),
        or None when they ask for none: how a follow-up tells an answer from a new request."""
        scanned = list(islice(readings(words, self._protected(words)), _SCANNED_READINGS))
        found = _values_first(self._named_where_needed(scanned, words, []), words)
        if not found:
            return None
        _complete(found[0], words)
        return found[0]

    def _slip(self, tokens: Sequence[str]) -> tuple[str, str] | None:
        """A word of ``tokens`` this home and the rules do not know that is one typo from a
        filler word, or from a word of the rules where a clause starts, and that word. A
        refusal of such words may be a misreading ("clsoe the blinds and turn the lights on"
        read as "on" for the blinds), so the core hands them over rather than refuse them;
        "the loft" is no "lift", so it is refused as a room this home does not have."""
        for i, word in enumerate(tokens):
            if word == "of" and i > 0 and tokens[i - 1] in {"turn", "switch"}:
                return word, "off"
            if as_number(word) is not None or self.index.canon(word)[0] in self.index.known:
                continue
            meant = word_behind_typo(word)
            if meant is None:
                continue
            if meant in STOP_WORDS or i == 0 or tokens[i - 1] in _CLAUSE_BREAKS:
                return word, meant  # a filler anywhere; a verb where a verb is said
        return None

    def _verb_slip(self, tokens: Sequence[str]) -> tuple[str, str] | None:
        """A word where a clause's verb is said that is no word of the rules or of this home
        as written, but one slip from a verb ("swicth", "staart", "mjte"), and that verb. The
        core must not act on such words: its tolerance for typos in names would read
        "swicth" as the type word "switch" ("swicth off the kitchen lights" switched off the
        kitchen's kettle), and a clause without its verb borrows another's."""
        for i, word in enumerate(tokens):
            if i > 0 and tokens[i - 1] not in _CLAUSE_BREAKS:
                continue
            if is_rule_word(word) or word in STOP_WORDS or singular(word) in self.index.known:
                continue
            meant = verb_behind_typo(word)  # a command verb: "flick" is no slip of "click"
            if meant is not None:
                return word, meant
        return None

    def _needs_pin(self, calls: Sequence[ServiceCall]) -> bool:
        return any(self.policy.level(c) is PolicyLevel.PIN for c in calls)

    def _command(
        self, tokens: list[str], states: StateStore, context: Context, trace: list[str]
    ) -> tuple[Decision, PendingClarify | None]:
        negative = _negative(tokens)
        if negative is not None:
            reply = (
                f"I don't set values below zero ({negative}); say a value in the device's range."
            )
            return Decision(Status.REFUSED, reply, trace=tuple(trace)), None
        slip = self._verb_slip(tokens)
        if slip is not None:  # the verb mistyped: the core does not guess what was meant
            return _slipped(*slip, "not acted on", trace), None
        clauses = self._share_place(
            split_clauses(
                tokens,
                self._names_something,
                lambda w: self._bare_name(w) is not None,
                self._names_its_device,
            )
        )
        clauses, left = self._set_aside_negated(clauses, states, context, trace)
        if left and not clauses:
            return Decision(Status.REFUSED, _declined(left), trace=tuple(trace)), None
        decision, clarify = self._clauses(clauses, tokens, states, context, trace)
        if left:
            decision = replace(decision, reply=f"{decision.reply} {_set_aside(left)}")
        return decision, clarify

    def _set_aside_negated(
        self, clauses: list[list[str]], states: StateStore, context: Context, trace: list[str]
    ) -> tuple[list[list[str]], list[tuple[str, bool]]]:
        """The clauses that ask for something, and for each negated one what it said not to
        do ("turn on the Floor Lamp") and whether it asked to leave a device as it is."""
        kept: list[list[str]] = []
        left: list[tuple[str, bool]] = []
        for words in clauses:
            found = negated(strip_fillers(words))
            named = self._devices_named(found[0]) if found is not None else []
            if found is None or not (named if found[1] else self.reading(found[0])):
                kept.append(words)
                continue
            rest, leave = found
            trace.append(f"negated, not acted on: '{' '.join(words)}'")
            if leave:
                left.append((replies.describe(named, self.registry), True))
                continue
            calls = self._clause(rest, states, context, [], sentence=rest).calls
            left.append((replies.requested(calls, self.registry) if calls else "", False))
        return kept, left

    def _named_where_needed(
        self, intents: list[Intent], words: list[str], trace: list[str]
    ) -> list[Intent]:
        """The readings less those of a rule that reads only where its device is named
        (:attr:`IntentRule.named_only`) and whose device is not."""
        kept = [i for i in intents if self._names_its_device(i, words)]
        trace.extend(
            f"{i.action.value} ({i.rule.name if i.rule else ''}): no device of its kind named"
            for i in intents
            if i not in kept
        )
        return kept

    def _names_its_device(self, intent: Intent, words: list[str]) -> bool:
        """Whether ``words`` name a device of the intent's rule's domains, by name, alias or
        a word of its kind (always, for a rule without :attr:`IntentRule.named_only`)."""
        rule = intent.rule
        if rule is None or not rule.named_only or rule.domains is None:
            return True
        for match in self.index.find(words):
            if set(range(match.start, match.end)) <= intent.consumed:
                continue  # the part itself ("fan") names no device
            for entry in match.entries:
                if entry.kind in {Kind.DEVICE, Kind.SHORT}:
                    if self.registry.devices[entry.ref].domain in rule.domains:
                        return True
                elif (
                    entry.kind is Kind.TYPE
                    and self.index.type_hint(entry.ref).domains & rule.domains
                ):
                    return True
        return False

    def _devices_named(self, words: list[str]) -> list[str]:
        """The entity ids ``words`` name by a device's name or alias."""
        return [
            e.ref
            for m in self.index.find(words)
            for e in m.entries
            if e.kind in {Kind.DEVICE, Kind.SHORT}
        ]

    def _clauses(
        self,
        clauses: list[list[str]],
        tokens: list[str],
        states: StateStore,
        context: Context,
        trace: list[str],
    ) -> tuple[Decision, PendingClarify | None]:
        if len(clauses) > 1:
            trace.append(f"clauses: {' | '.join(' '.join(c) for c in clauses)}")
        calls: list[ServiceCall] = []
        fuzzy = False
        results: list[_Clause] = []
        refused: list[str] = []
        for index, words in enumerate(clauses):
            result = self._clause(words, states, context, trace, sentence=tokens)
            if _chatter(result, words) and len(clauses) > 1:
                trace.append(f"ignored: '{' '.join(words)}'")
                continue
            results.append(result)
            fuzzy |= bool(result.target and result.target.fuzzy)
            if (
                result.status is Status.CLARIFY
                and result.intent is not None
                and result.target is not None
            ):
                later = [
                    self._clause(w, states, context, trace, sentence=tokens)
                    for w in clauses[index + 1 :]
                ]
                if all(r.status is None for r in later):
                    calls.extend(c for r in later for c in r.calls)
                    ids = tuple(d.entity_id for d in result.target.candidates)
                    decision = Decision(
                        Status.CLARIFY,
                        result.reply,
                        source="core",
                        confidence=0.9,
                        trace=tuple(trace),
                    )
                    return decision, PendingClarify(result.intent, ids, tuple(calls))
            if result.status is Status.REFUSED and (slip := self._slip(tokens)) is not None:
                return _slipped(*slip, "not refused", trace), None
            if result.status is Status.REFUSED and len(clauses) > 1:
                # One impossible part does not refuse the others: it is explained beside them.
                trace.append(f"part refused: '{' '.join(words)}': {result.reply}")
                refused.append(result.reply)
                continue
            if result.status is not None:
                return Decision(
                    result.status, result.reply, confidence=0.9, trace=tuple(trace)
                ), None
            calls.extend(result.calls)
        if refused and not calls:
            return Decision(
                Status.REFUSED, " ".join(refused), confidence=0.9, trace=tuple(trace)
            ), None
        confidence = 0.85 if fuzzy else 1.0
        decision = (
            self._finish_parts(calls, trace, confidence)
            if len(clauses) > 1
            else self.finish(calls, trace, confidence)
        )
        notes = [n for r in results for n in r.notes] + refused
        if notes and decision.status in {Status.DONE, Status.CONFIRM}:
            decision = replace(decision, reply=f"{decision.reply} {' '.join(notes)}")
        return decision, None

    def finish(
        self,
        calls: Sequence[ServiceCall],
        trace: list[str],
        confidence: float = 1.0,
        source: str = "core",
    ) -> Decision:
        """Apply the safety policy to resolved actions and phrase the reply."""
        unique: list[ServiceCall] = []
        for call in calls:
            if call not in unique:
                unique.append(call)
        verdict = self.policy.judge(unique)
        trace.append(f"policy: {verdict.level.value}")
        if verdict.denied:
            what = replies.describe([c.entity_id for c in verdict.denied], self.registry)
            reply = f"Sorry, I'm not allowed to do that with {what}."
            return Decision(
                Status.REFUSED, reply, source="policy", confidence=confidence, trace=tuple(trace)
            )
        if verdict.guarded:
            reply = replies.confirm_reply(
                unique, self.registry, pin=verdict.level is PolicyLevel.PIN
            )
            return Decision(
                Status.CONFIRM,
                reply,
                pending=tuple(unique),
                source=source,
                confidence=confidence,
                trace=tuple(trace),
            )
        reply = replies.action_reply(unique, self.registry)
        return Decision(
            Status.DONE,
            reply,
            actions=tuple(unique),
            source=source,
            confidence=confidence,
            trace=tuple(trace),
        )

    def _finish_parts(
        self, calls: Sequence[ServiceCall], trace: list[str], confidence: float
    ) -> Decision:
        """Several requests in one sentence: what needs no yes is done now, what needs one
        waits for it (and what the policy denies is said, not done)."""
        unique: list[ServiceCall] = []
        for call in calls:
            if call not in unique:
                unique.append(call)
        verdict = self.policy.judge(unique)
        waiting = [*verdict.guarded, *verdict.denied]
        free = [c for c in unique if c not in waiting]
        if not free or not waiting:
            return self.finish(calls, trace, confidence)
        trace.append("parts: the ones that need no yes are done now")
        done = self.finish(free, trace, confidence)
        if verdict.denied and not verdict.guarded:
            what = replies.describe([c.entity_id for c in verdict.denied], self.registry)
            return replace(done, reply=f"{done.reply} I'm not allowed to do that with {what}.")
        asked = self.finish([c for c in unique if c in verdict.guarded], trace, confidence)
        reply = f"{done.reply} {asked.reply}"
        if verdict.denied:
            what = replies.describe([c.entity_id for c in verdict.denied], self.registry)
            reply += f" I'm not allowed to do that with {what}."
        return replace(done, reply=reply, pending=asked.pending)

    def _names_something(self, words: list[str]) -> bool:
        return bool(self.index.find(words))

    def _share_place(self, clauses: list[list[str]]) -> list[list[str]]:
        """ "close the curtains and dim the lights in the drawing room": the room is for both."""
        if len(clauses) < 2:
            return clauses
        last = clauses[-1]
        places = [
            m
            for m in self.index.find(last)
            if all(e.kind in {Kind.AREA, Kind.FLOOR} for e in m.entries)
        ]
        if (
            not places
            or places[-1].end != len(last)
            or places[-1].start < 2
            or last[places[-1].start - 2] != "in"
        ):
            return clauses
        phrase = last[places[-1].start - 2 :]
        out = []
        for words in clauses[:-1]:
            own = any(
                e.kind in {Kind.AREA, Kind.FLOOR} for m in self.index.find(words) for e in m.entries
            )
            out.append(words if own else [*words, *phrase])
        return [*out, last]

    def _clause(
        self,
        words: list[str],
        states: StateStore,
        context: Context,
        trace: list[str],
        sentence: list[str] | None = None,
    ) -> _Clause:
        amount = find_amount(words) or find_extreme(words)
        if amount is not None:
            changed = self._by_amount(amount, states, context, trace)
            if changed is not None:
                return changed
        protected = self._protected(words)
        scanned = list(islice(readings(words, protected), _SCANNED_READINGS))
        intents = _values_first(self._named_where_needed(scanned, words, trace), words)
        bare = self._bare_name(words)
        if bare is not None:
            intents.append(bare)
        if not intents:
            trace.append(f"no action found in '{' '.join(words)}'")
            return _Clause(status=Status.NOT_UNDERSTOOD, reply="Sorry, I didn't understand that.")
        for intent in intents:
            _complete(intent, sentence or words)  # "arm the alarm, we're going to bed"
        coloured = _coloured(words) or any(
            e.startswith("light.") for e in self._devices_named(words)
        )
        colourless = [i for i in intents if i.action not in _COLOUR_ACTIONS or coloured]
        if len(colourless) < len(intents):
            trace.append("a colour word that is no light's object: not a colour command")
            intents = colourless
            if not intents:
                return _Clause(
                    status=Status.NOT_UNDERSTOOD, reply="Sorry, I didn't understand that."
                )
        first: _Clause | None = None
        numbers = {i for i, w in enumerate(words) if as_number(w) is not None}
        for intent in intents:
            if first is not None and numbers and not numbers <= intent.consumed:
                break  # the number said must be used: never fall back to a reading that drops it
            result = self._try(intent, words, states, context, trace)
            if first is None:
                first = result
            if result.target is not None and result.target.outcome not in _WRONG_READING:
                return result
            trace.append("that reading names nothing that can do it; trying the next")
        assert first is not None
        return first

    def _by_amount(
        self, amount: Amount, states: StateStore, context: Context, trace: list[str]
    ) -> _Clause | None:
        """ "by N": the devices the rest of the clause names, each changed by N from where it
        is; None when the rest names nothing to change (the clause is read as usual)."""
        target = self._clause(amount.rest, states, context, [])
        if target.status is not None or not target.calls:
            nouns = [w for w in amount.rest if w not in NEUTRAL and not is_direction(w)]
            target = self._clause(["turn", "on", *nouns], states, context, [])
        if target.status is Status.CLARIFY:
            return target
        named = self._devices_named(amount.rest)
        if not target.calls and len(named) == 1:
            target = _Clause(
                calls=[ServiceCall(service="homeassistant.turn_on", entity_id=named[0])]
            )
        if not target.calls:
            what = "set to its end" if amount.amount >= EXTREME else f"change by {amount.amount:g}"
            reply = f"I can't tell what to {what}; name the device."
            return _Clause(status=Status.REFUSED, reply=reply)
        trace.append(
            f"by an amount: {amount.amount:g} ({'+' if amount.sign > 0 else '-' if amount.sign < 0 else '?'})"
        )
        if amount.sign == 0:
            reply = f"Should I turn it up or down by {amount.amount:g}?"
            return _Clause(status=Status.REFUSED, reply=reply)
        result = _Clause(intent=target.intent, target=target.target)
        for entity_id in dict.fromkeys(c.entity_id for c in target.calls):
            device = self.registry.get(entity_id)
            if device is None:
                continue
            state = states.get(entity_id)
            change = change_for(device.domain, device.name, state.attributes, amount)
            if change.service is None:
                result.status, result.reply = Status.REFUSED, _sentence(change.problem or "")
                return result
            try:
                call = validate_call(
                    ServiceCall(service=change.service, entity_id=entity_id, data=change.data),
                    self.registry,
                    state.attributes,
                )
            except ActionError as exc:
                result.status, result.reply = Status.REFUSED, _sentence(str(exc))
                return result
            trace.append(f"call: {call}")
            result.calls.append(call)
            if change.held is not None:
                result.notes.append(f"(That is the {device.name}'s {change.held}.)")
        return result

    def _try(
        self,
        intent: Intent,
        words: list[str],
        states: StateStore,
        context: Context,
        trace: list[str],
    ) -> _Clause:
        rule = intent.rule.name if intent.rule is not None else ""
        trace.append(f"action: {intent.action.value} (rule {rule}) value={intent.value!r}")
        rest = [w for i, w in enumerate(words) if i not in intent.consumed]
        if intent.action is Action.LOCK and "up" in words:
            rest.append("all")  # "lock up": every lock
        target = self.resolver.resolve(
            rest, lambda d: fits(intent, d), context, _area_default(intent), states
        )
        trace.extend(f"target: {t}" for t in target.trace)
        result = _Clause(intent=intent, target=target)
        if (
            target.outcome is Outcome.FOUND
            and target.implicit
            and self._sensitive(intent, target.devices, states)
        ):
            # "let me in": never open a door nobody named; ask which one.
            target.outcome, target.candidates = Outcome.AMBIGUOUS, target.devices
            if len(target.devices) == 1:
                target.candidates = [d for d in self.registry if fits(intent, d)][:8]
            trace.append("a sensitive action needs its device named")
        if target.outcome is Outcome.AMBIGUOUS and intent.rule is not None and intent.rule.shopping:
            # "we need bread": of several lists, the one for shopping.
            shops = [d for d in target.candidates if _SHOPPING & set(self.resolver.words_of(d))]
            if len(shops) == 1:
                target.outcome, target.devices = Outcome.FOUND, shops
                trace.append(f"a shopping idiom: {shops[0].name}")
        if target.outcome is Outcome.AMBIGUOUS and intent.action is Action.SET_MODE:
            # "put the fan on sleep mode": the one fan that has a sleep mode.
            able = [d for d in target.candidates if self._plans(intent, d, states)]
            if len(able) == 1:
                target.outcome, target.devices = Outcome.FOUND, able
                trace.append(f"the only one with that setting: {able[0].name}")
        if target.outcome is not Outcome.FOUND:
            result.status, result.reply = self._unresolved(target, intent)
            return result
        return self.calls_for(intent, target.devices, states, trace, result, lenient=target.group)

    def _plans(self, intent: Intent, device: Device, states: StateStore) -> bool:
        try:
            plan(intent, device, states.get(device.entity_id))
        except PlanError:
            return False
        return True

    def _sensitive(self, intent: Intent, devices: Sequence[Device], states: StateStore) -> bool:
        for device in devices:
            try:
                service, data = plan(intent, device, states.get(device.entity_id))
            except PlanError:
                continue
            if is_sensitive(
                ServiceCall(service=service, entity_id=device.entity_id, data=data), self.registry
            ):
                return True
        return False

    def _protected(self, words: list[str]) -> frozenset[int]:
        """Positions inside multi-word names: "Green Bedroom" is no colour, "Movie Night" no mode."""
        return frozenset(
            i
            for m in self.index.find(words)
            if m.end - m.start > 1 and any(e.kind is not Kind.TYPE for e in m.entries)
            for i in range(m.start, m.end)
        )

    def calls_for(
        self,
        intent: Intent,
        devices: Sequence[Device],
        states: StateStore,
        trace: list[str],
        result: _Clause | None = None,
        *,
        lenient: bool = False,
    ) -> _Clause:
        """Plan and validate the calls of ``intent`` on ``devices``.

        ``lenient``: the devices were reached as a group ("dim the kitchen lights"), so members
        that lack the feature are left out instead of refusing the whole request."""
        result = result or _Clause(intent=intent)
        skipped: list[str] = []
        for device in devices:
            state = states.get(device.entity_id)
            if not state.available:
                result.status = Status.REFUSED
                result.reply = f"{device.name} is offline right now, so I can't reach it."
                return result
            if intent.action in {Action.ADD_ITEM, Action.REMOVE_ITEM} and _several(intent.value):
                for item in _items(str(intent.value)):
                    single = Intent(
                        intent.action, item, intent.consumed, intent.domains, intent.rule
                    )
                    result = self.calls_for(single, [device], states, trace, result)
                    if result.status is not None:
                        return result
                continue
            try:
                service, data = plan(intent, device, state)
                call = validate_call(
                    ServiceCall(service=service, entity_id=device.entity_id, data=data),
                    self.registry,
                    state.attributes,
                )
            except (PlanError, ActionError) as exc:
                trace.append(f"refused: {exc}")
                if (
                    lenient
                    and len(devices) > 1
                    and isinstance(exc, InvalidServiceDataError | PlanError)
                ):
                    skipped.append(device.name)
                    continue
                result.status, result.reply = Status.REFUSED, _sentence(str(exc))
                return result
            trace.append(f"call: {call}")
            result.calls.append(call)
        if skipped and not result.calls:
            result.status = Status.REFUSED
            result.reply = f"None of them can do that ({', '.join(skipped)})."
        elif skipped:
            trace.append(f"left out (can't do it): {', '.join(skipped)}")
        return result

    def _bare_name(self, words: list[str]) -> Intent | None:
        """``movie night`` alone: a scene or script said by name means run it."""
        matches = [
            m for m in self.index.find(words) if any(e.kind is not Kind.TYPE for e in m.entries)
        ]
        spoken = [w for w in words if w not in _BARE_EXTRA]
        if len(matches) != 1 or matches[0].end - matches[0].start < len(spoken):
            return None
        refs = [e.ref for e in matches[0].entries]
        if any(r.split(".")[0] in {"scene", "script"} for r in refs if "." in r):
            consumed = {i for i, w in enumerate(words) if w in _BARE_EXTRA}
            return Intent(BARE_NAME.action, None, consumed, BARE_NAME.domains, BARE_NAME)
        return None

    def _unresolved(self, target: Target, intent: Intent) -> tuple[Status, str]:
        if target.outcome is Outcome.AMBIGUOUS:
            names = [self._label(d, target.candidates) for d in target.candidates]
            return Status.CLARIFY, replies.clarify_reply(names)
        if target.outcome is Outcome.UNKNOWN:
            return Status.REFUSED, _sentence(target.message)
        if target.outcome is Outcome.EMPTY:
            return Status.REFUSED, f"There is no {target.message} that can do that."
        if target.outcome is Outcome.UNFIT:
            return (
                Status.REFUSED,
                f"{target.message} can't do that ({intent.action.value.replace('_', ' ')}).",
            )
        return Status.NOT_UNDERSTOOD, "Sorry, I'm not sure which device you mean."

    def _label(self, device: Device, among: Sequence[Device]) -> str:
        same = sum(1 for d in among if d.name.casefold() == device.name.casefold()) > 1
        area = self.registry.areas.get(device.area_id) if device.area_id else None
        if same and area is not None:
            return f"the {device.name} in the {area.name}"
        return f"the {device.name}"


def _slipped(word: str, meant: str, what: str, trace: list[str]) -> Decision:
    """``not_understood`` for words with a slip of the fingers, naming it."""
    trace.append(f"{what}: '{word}' may be '{meant}' mistyped")
    reply = f"Sorry, I didn't understand '{word}'. Did you mean '{meant}'?"
    return Decision(Status.NOT_UNDERSTOOD, reply, trace=tuple(trace))


def _complete(intent: Intent, sentence: list[str]) -> None:
    """Give ``intent`` the whole sentence it was read from, and an arming its mode."""
    intent.words = sentence
    if intent.action is Action.ARM:
        intent.value = arm_mode(sentence)


def _values_first(intents: list[Intent], words: list[str]) -> list[Intent]:
    """Readings that use every number said come first: "put the light on 50 percent" sets
    a brightness; it does not merely switch the light on."""
    numbers = {i for i, w in enumerate(words) if as_number(w) is not None}
    if not numbers:
        return intents[:_MAX_READINGS]
    full = [i for i in intents if numbers <= i.consumed]
    rest = [i for i in intents if not numbers <= i.consumed]
    return [*full, *rest][:_MAX_READINGS]


_COLOUR_ACTIONS = frozenset({Action.COLOR, Action.COLOR_TEMP})
_LIGHT_VERBS = frozenset({"turn", "set", "make", "change", "switch", "put", "color", "colour"})
_LIGHT_WORDS = frozenset({"light", "lamp", "bulb", "strip", "led", "lighting", "spot", "spotlight"})


_SHOPPING = frozenset({"shopping", "grocery", "groceries", "shop", "supermarket"})


def _coloured(words: list[str]) -> bool:
    """Whether a colour word in ``words`` can be a light's new colour: a light verb says it
    ("turn it red", "set the kitchen to daylight") or a light is named ("lamp to blue", the
    caller checks names), not "let daylight in" or "feeling blue"."""
    return any(w in _LIGHT_VERBS or singular(w) in _LIGHT_WORDS for w in words)


def _negative(tokens: list[str]) -> str | None:
    """A value said below zero ("minus 5", "-5"), as said; None when there is none. No device
    of the contract takes one, and reading it without its sign would set the wrong value."""
    for i, word in enumerate(tokens[:-1]):
        if word in {"minus", "negative"} and as_number(tokens[i + 1]) is not None:
            return f"-{tokens[i + 1]}"
    return None


def _declined(left: list[tuple[str, bool]]) -> str:
    """The reply to a request that only said what not to do."""
    kept = [what for what, leave in left if leave]
    undone = [what for what, leave in left if not leave and what]
    said = [f"I won't {' or '.join(undone)}"] if undone else []
    said += [f"I'll leave {' and '.join(kept)} as it is"] if kept else []
    return f"OK, {' and '.join(said)}." if said else "OK, I won't do that."


def _set_aside(left: list[tuple[str, bool]]) -> str:
    """What a reply adds for the negated parts of a request done in part."""
    kept = [what for what, leave in left if leave]
    undone = [what for what, leave in left if not leave and what]
    said = [f"I left {' and '.join(kept)} as it is"] if kept else []
    said += [f"I did not {' or '.join(undone)}"] if undone else []
    return f"({' and '.join(said)}.)" if said else "(I left out what you said not to do.)"


def _chatter(result: _Clause, words: list[str]) -> bool:
    """A clause that named nothing and found nothing to do: small talk around a command
    ("we're off on holiday, turn on the alarm")."""
    if result.status is Status.NOT_UNDERSTOOD:
        return result.target is None or result.target.outcome is Outcome.NOTHING
    about_us = words[0] in {"we", "i", "you", "they", "it"}
    target = result.target
    return (
        about_us and target is not None and (target.outcome is Outcome.UNKNOWN or target.implicit)
    )


def _several(item: object) -> bool:
    return isinstance(item, str) and len(_items(item)) > 1


def _items(text: str) -> list[str]:
    """``bread, milk and eggs`` -> three items."""
    parts = [p.strip() for chunk in text.split(",") for p in chunk.split(" and ")]
    return [p for p in parts if p]


def _area_default(intent: Intent) -> tuple[str, ...]:
    """What "set the nursery to 20" means: a temperature when the number is one."""
    if (
        intent.action is Action.SET_NUMBER
        and isinstance(intent.value, float)
        and 5 <= intent.value <= 35
    ):
        return ("climate", "water_heater")
    return AREA_DEFAULT.get(intent.action, ())


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def strip_fillers(tokens: list[str]) -> list[str]:
    """Drop greetings and polite openers: ``hey could you please turn...`` -> ``turn...``."""
    words = list(tokens)
    changed = True
    while changed and words:
        changed = False
        while words and (words[0] in _LEAD_FILLERS or words[0] == ","):
            words.pop(0)
            changed = True
        for phrase in _POLITE:
            if tuple(words[: len(phrase)]) == phrase:
                del words[: len(phrase)]
                changed = True
    while words and words[-1] in {"please", "thanks", "now", "thank", "you", "ok", "okay"}:
        words.pop()
    return words


def split_clauses(
    tokens: list[str],
    names: Callable[[list[str]], bool] = lambda _w: True,
    standalone: Callable[[list[str]], bool] = lambda _w: False,
    named: Callable[[Intent, list[str]], bool] = lambda _i, _w: True,
) -> list[list[str]]:
    """``turn on the light and lock the door`` -> two clauses; ``the kitchen and hall lights`` stays one.

    A comma-separated piece without an action is a scene said by name ("film night, and mute
    the speaker"), the target of the next piece ("back door, lock it"), more targets for the
    previous one (", and the hall one") or chatter ("we've got people staying, ...").
    ``named`` says whether a reading's device is named where its rule needs that
    (:attr:`IntentRule.named_only`)."""
    flat = [w for w in tokens if w != ","]
    whole = detect_whole_sentence(flat)
    if whole is not None and named(whole, flat):
        return [flat]  # "add bread, milk and eggs to the list"
    clauses: list[list[str]] = []
    for piece in _comma_pieces(tokens, names, standalone):
        clauses.extend(_split_piece(piece))
    return [c for c in clauses if c] or [flat]


def _comma_pieces(
    tokens: list[str], names: Callable[[list[str]], bool], standalone: Callable[[list[str]], bool]
) -> list[list[str]]:
    pieces: list[list[str]] = [[]]
    for word in tokens:
        if word == ",":
            pieces.append([])
        else:
            pieces[-1].append(word)
    pieces = [p for p in pieces if p]
    if len(pieces) < 2 or not any(_opens_clause(p) or standalone(p) for p in pieces):
        return [[w for w in tokens if w != ","]]
    out: list[list[str]] = []
    carry: list[str] = []
    for piece in pieces:
        body = list(piece)
        while body and body[0] in _CLAUSE_BREAKS:
            body.pop(0)
        if not body:
            continue
        if _opens_clause(body) or standalone(body):
            out.append([*body, "the", *carry] if carry else body)
            carry = []
        elif len(body) < len(piece) and out:
            out[-1] = [*out[-1], "and", *body]
        elif names(body):
            carry = [*carry, *body]
    if carry and out:
        out[-1] = [*out[-1], "and", *carry]
    return out


def _split_piece(tokens: list[str]) -> list[list[str]]:
    clauses: list[list[str]] = []
    current: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if word in _CLAUSE_BREAKS and current:
            j = i + 1
            while j < len(tokens) and tokens[j] in _CLAUSE_BREAKS:
                j += 1
            end = _next_break(tokens, j)
            # The words up to the next break are read first and the clause so far only when
            # they could start a clause: a clause still without its verb is not searched again
            # at every "and" (that made long text quadratic), nor is the rest of the text copied.
            following = tokens[j:end]
            starts = bool(following) and _opens_clause(following)
            inherited = None if starts or not following else _inherit(current, following)
            if (starts or inherited is not None) and detect(current) is not None:
                clauses.append(current)
                if inherited is None:
                    current, i = [], j
                else:
                    clauses.append(inherited)
                    current, i = [], end
                continue
        current.append(word)
        i += 1
    if current:
        clauses.append(current)
    return clauses


def _opens_clause(words: list[str]) -> bool:
    """Words that start a request of their own, or a negated one ("but leave the lamp on")."""
    if detect(words) is not None:
        return True
    found = negated(strip_fillers(words))
    return found is not None and (found[1] or detect(found[0]) is not None)


def _inherit(previous: list[str], words: list[str]) -> list[str] | None:
    """A second target with its own value and no verb takes the first clause's verb:
    ``set the heating to 20 and the basement to 15``; ``heating to 20 downstairs and 19 upstairs``."""
    numbers = [k for k, w in enumerate(words) if as_number(w) is not None]
    if not numbers:
        return None
    if "to" in words[: numbers[0]]:
        return ["set", *words]
    before = next((k for k, w in enumerate(previous) if as_number(w) is not None), None)
    if before is None or before == 0:
        return None
    return [*previous[:before], *words]


def _next_break(words: list[str], start: int) -> int:
    """The position of the first clause break at or after ``start`` (the end when none)."""
    for i in range(start, len(words)):
        if words[i] in _CLAUSE_BREAKS:
            return i
    return len(words)
