"""Teacher data: written from the home's own names, decided by the core, valid targets."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hausgeist.devices.actions import ServiceCall, validate_call
from hausgeist.history import HistoryEntry
from hausgeist.llm_stage.schema import parse_answer
from hausgeist.tune.data import (
    DataOptions,
    history_examples,
    meant_examples,
    split,
    teacher_examples,
    typo,
)
from hausgeist.understanding.intents import word_behind_typo
from tests.tune.conftest import core_of


def test_data_is_written_for_the_home(tiny_config, other_config):
    tiny = teacher_examples(*core_of(tiny_config), DataOptions(per_template=2))
    other = teacher_examples(*core_of(other_config), DataOptions(per_template=2))
    tiny_ids = {c.entity_id for e in tiny for c in e.answer.calls or []}
    other_ids = {c.entity_id for e in other for c in e.answer.calls or []}
    assert tiny_ids == {"light.kitchen", "switch.kettle", "cover.den_blind", "lock.den_door"}
    assert other_ids <= {"light.studio_lamp", "fan.studio_fan", "light.porch"}
    named = [  # said with the home's own names (a template like "turn on the light" is not)
        {e.text for e in examples if e.answer.calls and "{" in e.template}
        for examples in (tiny, other)
    ]
    assert named[0]
    assert named[1]
    assert named[0].isdisjoint(named[1])


def test_every_target_validates_against_the_registry(tiny_config):
    core, states = core_of(tiny_config)
    checked = 0
    for example in teacher_examples(core, states, DataOptions(per_template=2)):
        answer = parse_answer(example.target)  # the text the grammar would write
        for call in answer.calls or []:
            validate_call(call.as_service_call(), core.registry)
            checked += 1
    assert checked >= 20  # every device of the tiny home is taught, most of them several ways


def test_refusals_and_unknowns_are_taught(tiny_config):
    examples = teacher_examples(*core_of(tiny_config), DataOptions(per_template=2))
    refusals = {e.answer.refuse for e in examples if e.answer.refuse}
    assert refusals == {"no_such_device", "not_possible"}
    assert any(e.answer.unknown for e in examples)
    assert any(len(e.answer.calls or []) == 2 for e in examples)  # multi-action sentences


def test_same_seed_same_data_other_seed_other_wording(tiny_config):
    core, states = core_of(tiny_config)
    first = teacher_examples(core, states, DataOptions(seed=1, per_template=2))
    again = teacher_examples(core, states, DataOptions(seed=1, per_template=2))
    other = teacher_examples(core, states, DataOptions(seed=2, per_template=2))
    assert [e.text for e in first] == [e.text for e in again]
    assert {e.text for e in first} != {e.text for e in other}


def test_the_limit_keeps_every_template(tiny_config):
    core, states = core_of(tiny_config)
    full = teacher_examples(core, states, DataOptions(per_template=2))
    small = teacher_examples(core, states, DataOptions(per_template=2, max_examples=40))
    assert len(small) == 40
    assert len({e.template for e in small}) == min(40, len({e.template for e in full}))


def test_validation_is_a_random_share(tiny_config):
    examples = teacher_examples(*core_of(tiny_config), DataOptions(per_template=2))
    train, val = split(examples, 0.2)
    assert len(val) == round(len(examples) * 0.2)
    assert {e.text for e in train}.isdisjoint({e.text for e in val})
    assert sorted(e.text for e in train + val) == sorted(e.text for e in examples)


def test_a_typo_changes_one_word():
    rng = random.Random(3)
    text = "switch off the kitchen light"
    noisy = typo(text, rng)
    changed = [a for a, b in zip(text.split(), noisy.split(), strict=True) if a != b]
    assert len(changed) == 1
    assert typo("on", rng) == "on"
    assert typo("the", rng) in {"hte", "teh"}  # three letters: only two swapped


def test_typos_are_slips_the_stage_reads_back():
    rng = random.Random(5)
    slips = {typo("percent", rng) for _ in range(60)}
    assert len(slips) > 6  # swapped, dropped, doubled, a neighbouring key
    assert all(word_behind_typo(s) == "percent" for s in slips if s != "percent")


def _entry(text: str, status: str, source: str, actions: list[dict[str, object]]) -> HistoryEntry:
    return HistoryEntry(
        request_id=text, time=datetime.now(UTC), text=text, channel="cli", status=status,
        source=source, reply="", actions=actions, pending=[], latency_ms=1.0,
    )  # fmt: skip


def test_history_keeps_what_the_core_carried_out_and_nobody_took_back(tiny_config):
    core, states = core_of(tiny_config)
    kettle = ServiceCall(service="switch.turn_on", entity_id="switch.kettle").as_json()
    light = ServiceCall(service="light.turn_on", entity_id="light.kitchen").as_json()
    gone = ServiceCall(service="switch.turn_on", entity_id="switch.toaster").as_json()
    entries = [
        _entry("kettle on", "done", "core", [kettle]),
        _entry("kettle please", "done", "llm", [kettle]),  # a model's answer teaches nothing
        _entry("toaster on", "done", "core", [gone]),  # no longer in the home
        _entry("what", "not_understood", "core", []),
        _entry("turn on the kitchen light", "done", "core", [light]),  # then undone
        _entry("no, the kettle", "done", "learning", [kettle]),  # a correction, not a request
        _entry("yes", "done", "core", [kettle]),  # meant that only in its conversation
    ]
    withdrawn = {"turn on the kitchen light"}
    examples = history_examples(entries, core, states, withdrawn)
    assert [e.text for e in examples] == ["kettle on"]
    assert (
        examples[0].target
        == '{"calls": [{"entity_id": "switch.kettle", "service": "switch.turn_on"}]}'
    )
    assert [e.text for e in history_examples(entries[4:5], core, states)] == [
        "turn on the kitchen light"
    ]


def test_the_households_words_are_kept_with_slips_of_their_own(tiny_config):
    core, states = core_of(tiny_config)
    kettle = ServiceCall(service="switch.turn_on", entity_id="switch.kettle")
    unlock = ServiceCall(service="lock.unlock", entity_id="lock.den_door")
    meant = [
        ("get the brew going", "kitchen", [kettle]),
        ("let me into the snug", None, [unlock]),  # the policy confirms it; the data may say it
        ("start the toaster", None, [ServiceCall(service="switch.turn_on", entity_id="x.y")]),
    ]
    examples = meant_examples(meant, core.registry, states, seed=1)
    texts = [e.text for e in examples]
    assert texts[0] == "get the brew going"
    assert "let me into the snug" in texts
    assert not any("toaster" in t for t in texts)
    assert all(e.template == "household" for e in examples)
    brew = [
        e for e in examples if e.answer.calls and e.answer.calls[0].entity_id == "switch.kettle"
    ]
    assert len(brew) == 3  # the words and two slips of them
    assert {e.area for e in brew} == {"kitchen"}
