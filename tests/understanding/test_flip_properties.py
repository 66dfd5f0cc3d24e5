"""Properties of "flip" and "toggle" with an "on" or "off" of their own (written before the
fix: "flip off the mower charger" toggled the charger, on when it was off, and "flip on"
toggled a device that was on to off; the tune's teacher taught the model so).

- "flip on/off the <device>" and "flip the <device> on/off", with "toggle" alike, words
  before and after, never toggle and never call the opposite: alone, and as a follow-up to
  a pending "which one?" or "say yes".
- "flip the <device>" with no "on" or "off" still toggles (what it says)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followup_properties import AFTER, BEFORE, pending
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Conversation, Decision, Request, Understanding

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
SWITCHED = frozenset({"light", "switch", "fan", "input_boolean", "humidifier"})
OPPOSITE = {"on": "turn_off", "off": "turn_on"}
VERBS = ("flip", "toggle", "can you flip", "please flip", "could you toggle", "just flip")
cores = st.sampled_from(("test", "house", "flat")).map(lambda home: home_core(home, None))


def _names(core: Understanding) -> list[str]:
    """Names that say one switchable device and hold no "on" or "off" of their own."""
    names = {
        name
        for device in core.registry
        if device.domain in SWITCHED
        for name in (device.name.lower(), *(a.lower() for a in device.aliases))
        if not {"on", "off"} & set(name.split())
    }
    return sorted(names)


@st.composite
def flipped(draw: st.DrawFn, core: Understanding) -> tuple[str, str]:
    """A "flip"/"toggle" request with an "on" or "off" of its own, and which it says."""
    word = draw(st.sampled_from(("on", "off")))
    verb = draw(st.sampled_from(VERBS))
    name = draw(st.sampled_from(_names(core)))
    where = draw(st.sampled_from(("after the verb", "after the device")))
    said = f"{verb} {word} the {name}" if where == "after the verb" else f"{verb} the {name} {word}"
    return f"{draw(st.sampled_from(BEFORE))}{said}{draw(st.sampled_from(AFTER))}", word


def _decide(core: Understanding, text: str, conversation: Conversation | None = None) -> Decision:
    states = StateStore.from_registry(core.registry)
    decision, _ = core.decide(Request(text, session="s"), states, conversation or Conversation())
    return decision


def _check(decision: Decision, text: str, word: str, context: str = "") -> None:
    for call in (*decision.actions, *decision.pending):
        said = f"{text!r}{context}: {call.service} on {call.entity_id} ({decision.reply})"
        assert call.name != "toggle", said
        assert call.name != OPPOSITE[word], said


@EXAMPLES
@given(st.data())
def test_flip_with_on_or_off_never_toggles(data: st.DataObject) -> None:
    core = data.draw(cores)
    text, word = data.draw(flipped(core))
    decision = _decide(core, text)
    _check(decision, text, word)


@EXAMPLES
@given(st.data())
def test_flip_with_on_or_off_as_a_follow_up_never_toggles(data: st.DataObject) -> None:
    core, conversation = data.draw(pending())
    text, word = data.draw(flipped(core))
    decision = _decide(core, text, conversation)
    _check(decision, text, word, f" after {conversation}")


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_flip_alone_still_toggles(data: st.DataObject) -> None:
    core = data.draw(cores)
    name = data.draw(st.sampled_from(_names(core)))
    text = f"flip the {name}"
    decision = _decide(core, text)
    assert all(c.name == "toggle" for c in (*decision.actions, *decision.pending)), (
        f"{text!r}: {decision.reply}"
    )
