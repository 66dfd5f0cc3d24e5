"""Properties of asides and of "one" as a pronoun (written before the fix: "actually is the
kitchen ceiling on" switched it on; "set the upstairs one to 22" set two lights to 1%).

- A question with an aside before it is never acted on.
- A request with an aside before it is decided exactly as the request alone.
- In "the <word> one to N" the "one" is never read as the value 1."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followup_properties import ASIDES, QUESTIONS, VERBS
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Decision, Request, Understanding

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
HOMES = ("test", "house", "flat")


def _decide(core: Understanding, text: str) -> Decision:
    decision, _ = core.decide(Request(text), StateStore.from_registry(core.registry))
    return decision


def _calls(decision: Decision) -> list[tuple[str, str, str]]:
    return sorted(
        (c.service, c.entity_id, repr(sorted(c.data.items())))
        for c in (*decision.actions, *decision.pending)
    )


cores = st.sampled_from(HOMES).map(lambda home: home_core(home, None))


@EXAMPLES
@given(st.data())
def test_a_question_after_an_aside_never_acts(data: st.DataObject) -> None:
    core = data.draw(cores)
    template = data.draw(st.sampled_from(QUESTIONS))
    name = data.draw(st.sampled_from([d.name.lower() for d in core.registry]))
    area = data.draw(st.sampled_from([a.name.lower() for a in core.registry.areas.values()]))
    text = data.draw(st.sampled_from(ASIDES)) + template.format(name=name, area=area)
    decision = _decide(core, text)
    assert decision.actions == (), f"{text!r}: {decision.reply}"
    assert decision.pending == (), f"{text!r}: {decision.reply}"


@EXAMPLES
@given(st.data())
def test_an_aside_changes_nothing_in_a_request(data: st.DataObject) -> None:
    core = data.draw(cores)
    verb = data.draw(st.sampled_from(sorted(VERBS)))
    said = data.draw(st.sampled_from(VERBS[verb][0]))
    name = data.draw(st.sampled_from([d.name.lower() for d in core.registry]))
    text = f"{said} the {name}"
    aside = data.draw(st.sampled_from(ASIDES))
    plain, opened = _decide(core, text), _decide(core, aside + text)
    assert opened.status == plain.status, f"{aside + text!r}: {opened.reply} / {plain.reply}"
    assert _calls(opened) == _calls(plain), f"{aside + text!r}"


@EXAMPLES
@given(st.data())
def test_one_after_a_describing_word_is_never_the_value_one(data: st.DataObject) -> None:
    core = data.draw(cores)
    words = [w for d in core.registry for w in d.name.lower().split() if w.isalpha()]
    words += [a.name.lower() for a in core.registry.areas.values()]
    word = data.draw(st.sampled_from(sorted(set(words))))
    value = data.draw(st.integers(min_value=2, max_value=99))
    unit = data.draw(st.sampled_from(["", " percent", "%", " degrees"]))
    verb = data.draw(st.sampled_from(["set", "put", "turn", "dim", "change"]))
    prep = data.draw(st.sampled_from(["to", "at"]))
    text = f"{verb} the {word} one {prep} {value}{unit}"
    decision = _decide(core, text)
    for call in (*decision.actions, *decision.pending):
        for key, got in call.data.items():
            is_one = isinstance(got, int | float) and not isinstance(got, bool) and got in (1, 0.01)
            assert not is_one, f"{text!r}: {call.service} {key}={got}"


@EXAMPLES
@given(st.data())
def test_a_value_below_zero_is_never_set_without_its_sign(data: st.DataObject) -> None:
    core = data.draw(cores)
    name = data.draw(st.sampled_from([d.name.lower() for d in core.registry]))
    value = data.draw(st.integers(min_value=1, max_value=99))
    sign = data.draw(st.sampled_from(["-", "minus ", "\u2212", "negative "]))
    unit = data.draw(st.sampled_from(["", " percent", "%", " degrees", "°C"]))
    text = f"{data.draw(st.sampled_from(['set', 'put', 'turn']))} the {name} to {sign}{value}{unit}"
    decision = _decide(core, text)
    for call in (*decision.actions, *decision.pending):
        for key, got in call.data.items():
            positive = isinstance(got, int | float) and got in (value, value / 100)
            assert not positive, f"{text!r}: {call.service} {key}={got}"
