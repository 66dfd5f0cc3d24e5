"""Text the decision grammar forces next, so the engine can feed it in one batch.

Most of a grammar-bound answer is not chosen by the model: braces, key names, the
rest of an entity id once only one id starts with what was written, a service when
the device offers one. Decoding those tokens one at a time costs a full model step
each (~18 ms on one core for SmolLM2); evaluating them together costs about as much
as the same tokens in a prompt (~4 ms each). :class:`AnswerForcer` mirrors the
answer shapes of :mod:`.grammar` for one registry and, given the answer so far, says
which text every completion must continue with ("jump-forward" decoding).

It only ever proposes text; the engine still passes every forced token through the
grammar and stops forcing at the first one the grammar refuses, so a mismatch here
can cost speed but never validity.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from hausgeist.llm_stage.generation import Forced
from hausgeist.llm_stage.grammar import MOST_CALLS, Offer

CALL_START = '{"entity_id": "'
HEADS = (
    '{"calls": [' + CALL_START,
    '{"refuse": "no_such_device"}',
    '{"refuse": "not_possible"}',
    '{"unknown": true}',
)
_NEXT_CALL = ", " + CALL_START
_END = "]}"
_IN_CALL = re.compile(
    r'^(?P<entity>[^"]+)", "service": "(?P<service>[^"]+)", "data": \{(?P<data>.*)$'
)


class AnswerForcer:
    """The forced continuations of one registry's decision grammar."""

    def __init__(
        self,
        offers: Mapping[str, Iterable[Offer]],
        most_calls: int = MOST_CALLS,
        least_calls: int = 1,
    ) -> None:
        self._most_calls = most_calls
        self._least_calls = least_calls
        tails: list[str] = []
        self._keys: dict[tuple[str, str], tuple[str, ...]] = {}
        for entity_id, entity_offers in offers.items():
            for offer in entity_offers:
                base = f'{entity_id}", "service": "{offer.service}"'
                required = [k.key for k in offer.keys if k.required]
                if not offer.keys:
                    tails.append(base + "}")
                    continue
                tails.append(base + ', "data": {')
                if not required and not offer.data_needed:
                    tails.append(base + "}")
                first = required[:1] or [k.key for k in offer.keys]
                self._keys[entity_id, offer.service] = tuple(f'"{key}": ' for key in first)
        self._tails = tuple(sorted(set(tails)))

    def __call__(self, text: str) -> Forced:
        """What the answer ``text`` (as written so far) must continue with."""
        if CALL_START not in text:
            if text in HEADS[1:]:
                return Forced("", done=True)
            return Forced(_forced(text, HEADS))
        calls = text.count(CALL_START)
        tail = text[text.rindex(CALL_START) + len(CALL_START) :]
        if calls >= self._most_calls:
            last = self._last_call(tail)
            if last:
                return Forced(last)
        forced = _forced(tail, self._tails, then="]")  # a call or its data goes on with marks
        if forced:
            return Forced(forced)
        match = _IN_CALL.match(tail)
        if match is not None:
            return self._in_data(match, calls)
        for candidate in self._tails:  # a call without data, complete
            if tail.startswith(candidate) and candidate.endswith("}"):
                return self._between(tail[len(candidate) :], calls)
        return Forced("")

    def _last_call(self, tail: str) -> str:
        """The whole rest of the answer when the last call it may hold can end only one way
        (one device and service left, no data): forced to the end, the tokens' split does
        not matter, since the model is not asked for anything after them."""
        going_on = [c for c in self._tails if c.startswith(tail) and c != tail]
        if len(going_on) == 1 and going_on[0].endswith("}"):
            return going_on[0][len(tail) :] + _END
        return ""

    def _in_data(self, match: re.Match[str], calls: int) -> Forced:
        data = match.group("data")
        keys = self._keys.get((match.group("entity"), match.group("service")), ())
        if not data or any(k.startswith(data) and k != data for k in keys):
            return Forced(_forced(data, keys, then="0"))  # a key's value follows
        closed = data.find("}}")  # values never hold braces: the data and the call end here
        if closed < 0:
            return Forced("")
        return self._between(data[closed + 2 :], calls)

    def _between(self, rest: str, calls: int) -> Forced:
        if rest == _END:
            return Forced("", done=True)
        if calls < self._least_calls:
            options = [_NEXT_CALL]
        else:
            options = [_END, _NEXT_CALL] if calls < self._most_calls else [_END]
        return Forced(_forced(rest, options))


def _forced(written: str, candidates: Iterable[str], then: str = "") -> str:
    """The text all ``candidates`` that continue ``written`` share beyond it, cut where the
    tokenizer would cut anyway.

    Forced text is tokenized on its own, so it must end where a GPT-2 style pre-tokenizer
    splits whatever follows: forcing ``light.t`` of ``light.turn_on`` / ``light.toggle``, or
    ``"}`` of ``"}]}`` / ``"}, {"``, would leave the model a token split it never saw in
    training (``.t`` + ``urn``, ``"}`` + ``]}``), and a tuned model then writes a second
    call where it had learned to stop. So it ends before the last such run. ``then`` is a
    character of the kind that follows a candidate once it is written out ("" for none)."""
    matching = [c[len(written) :] for c in candidates if c.startswith(written) and c != written]
    if not matching:
        return ""
    first, last = min(matching), max(matching)  # the sorted extremes share what all share
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    shared = first[:size]
    following = [m[size] if len(m) > size else then for m in matching]
    if not shared or all(_splits(shared[-1], after) for after in following if after):
        return shared
    cut = max((i for i in range(1, size) if _splits(shared[i - 1], shared[i])), default=0)
    return shared[:cut]


def _splits(before: str, after: str) -> bool:
    """Whether a pre-tokenizer always splits between these two characters: letters, digits
    and other marks form separate runs, and a space joins the run after it."""
    return not before.isspace() and _kind(before) != _kind(after)


def _kind(char: str) -> str:
    if char.isspace():
        return "space"
    if char.isalpha():
        return "letter"
    return "digit" if char.isdigit() else "mark"
