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

from hausgeist.llm_runtime.generation import Forced
from hausgeist.llm_runtime.grammar import MOST_CALLS, Offer

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

    def __init__(self, offers: Mapping[str, Iterable[Offer]], most_calls: int = MOST_CALLS) -> None:
        self._most_calls = most_calls
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
                if not required:
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
        forced = _forced(tail, self._tails)
        if forced:
            return Forced(forced)
        match = _IN_CALL.match(tail)
        if match is not None:
            return self._in_data(match, calls)
        for candidate in self._tails:  # a call without data, complete
            if tail.startswith(candidate) and candidate.endswith("}"):
                return self._between(tail[len(candidate) :], calls)
        return Forced("")

    def _in_data(self, match: re.Match[str], calls: int) -> Forced:
        data = match.group("data")
        keys = self._keys.get((match.group("entity"), match.group("service")), ())
        if not data or any(k.startswith(data) and k != data for k in keys):
            return Forced(_forced(data, keys))
        closed = data.find("}}")  # values never hold braces: the data and the call end here
        if closed < 0:
            return Forced("")
        return self._between(data[closed + 2 :], calls)

    def _between(self, rest: str, calls: int) -> Forced:
        if rest == _END:
            return Forced("", done=True)
        options = [_END, _NEXT_CALL] if calls < self._most_calls else [_END]
        return Forced(_forced(rest, options))


def _forced(written: str, candidates: Iterable[str]) -> str:
    """The text all ``candidates`` that continue ``written`` share beyond it.

    Never ends inside a word that goes on: forcing ``light.t`` of ``light.turn_on`` and
    ``light.toggle`` would make the model continue a token split it never saw in
    training (``.t`` + ``urn``), so it stops at ``light.`` and the model writes the word."""
    matching = [c[len(written) :] for c in candidates if c.startswith(written) and c != written]
    if not matching:
        return ""
    first, last = min(matching), max(matching)  # the sorted extremes share what all share
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    shared = first[:size]
    if (
        shared
        and shared[-1].isalnum()
        and any(len(m) > size and m[size].isalnum() for m in matching)
    ):
        shared = shared[
            : max((i + 1 for i, ch in enumerate(shared) if not ch.isalnum()), default=0)
        ]
    return shared
