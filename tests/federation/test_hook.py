"""The home's side: what it may share, what it refuses to send, what it adopts and takes back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.config import load_config
from hausgeist.config.models import FederationConfig
from hausgeist.devices import DeviceRegistry
from hausgeist.errors import FederationError
from hausgeist.federation import hook
from hausgeist.federation.patterns import Pattern, home_words, patterns_of, target_of
from hausgeist.federation.payload import Payload, Secrets, Shape, check, scan
from hausgeist.federation.sketch import encode
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.learning.knowledge import Knowledge

HOME = Path(__file__).resolve().parents[1] / "understanding" / "home.yaml"
T0 = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
LEXICON = ["big", "light", "telly", "the", "snug", "thing", "zebulon", "lamp"]
SETTINGS = FederationConfig(noise_multiplier=1.0, k=5, width=4096, most=2, budget_epsilon=8)


@pytest.fixture(scope="module")
def registry() -> DeviceRegistry:
    return DeviceRegistry.from_config(load_config(HOME))


def taught(phrase: str, entity: str, area: str | None = "living_room") -> LearningEvent:
    data = {"phrase": phrase, "entity_id": entity, "area": area, "weight": 2.0}
    return LearningEvent(EventKind.PHRASE, T0, data, "r-" + phrase)


def test_a_device_is_named_by_its_domain_and_kind_words_only(registry: DeviceRegistry) -> None:
    assert target_of(registry.get("light.living_room_ceiling")) == "light:ceiling light"  # type: ignore[arg-type]
    assert target_of(registry.get("media_player.living_room_tv")) == "media_player:tv"  # type: ignore[arg-type]
    assert target_of(registry.get("light.office_desk")) == "light:desk lamp"  # type: ignore[arg-type]


def test_only_public_phrases_of_this_homes_own_learning_are_shared(
    registry: DeviceRegistry,
) -> None:
    knowledge = Knowledge.folded(
        [
            taught("big light", "light.kitchen_ceiling", "kitchen"),  # "big lamp" is an alias
            taught("snug light", "light.living_room_ceiling"),
            taught("zebulon lamp", "light.office_desk", "office"),  # a name from its history
            taught("robbie thing", "vacuum.robot", "hallway"),  # a word of an alias
            taught("goggle box", "media_player.living_room_tv"),  # not in the lexicon
            taught("ceiling light", "light.bedroom_ceiling", "bedroom"),  # the core reads it
        ]
    )
    _, private = hook.secrets_of(registry, [], ["turn on Zebulon's lamp", "hello"])
    found, dropped = patterns_of(knowledge, registry, frozenset(LEXICON), private, T0)
    assert found == [Pattern("light:ceiling light", "snug light")]
    reasons = {d.phrase: d.reason for d in dropped}
    home = "holds a word of this home's names"
    assert reasons["zebulon lamp"] == reasons["robbie thing"] == reasons["big light"] == home
    assert reasons["goggle box"] == "holds a word outside the public lexicon"
    assert reasons["ceiling light"] == "the core reads it on its own"


names = st.text(st.characters(categories=["Ll"]), min_size=3, max_size=10)


@settings(max_examples=40, deadline=None)
@given(names, st.sampled_from(["lamp", "light", "thing"]))
def test_no_shared_pattern_ever_holds_a_planted_name(name: str, kind: str) -> None:
    """A household name planted in the registry, the configuration or the history never
    reaches a pattern, whatever the lexicon holds."""
    config = load_config(HOME)
    registry = DeviceRegistry.from_config(config)
    knowledge = Knowledge.folded([taught(f"{name} {kind}", "light.living_room_ceiling")])
    lexicon = frozenset([*LEXICON, name])
    for names_, texts in (([name], []), ([], [f"switch on {name.title()} {kind} please"])):
        _, private = hook.secrets_of(registry, names_, texts)
        found, _ = patterns_of(knowledge, registry, lexicon, private, T0)
        assert all(name not in p.phrase.split() for p in found) or name in home_words(registry)


def test_the_scanner_refuses_a_message_with_a_string_of_the_home(registry: DeviceRegistry) -> None:
    secrets, _ = hook.secrets_of(registry, ["The Zebulons"], ["turn on the goggle box"])
    clean = {"cells": [[0.5, -1.25e-3]], "round": 3}
    assert scan(clean, secrets) == []
    for planted in (
        {"note": "Robbie"},  # an alias
        {"x": ["light.office_desk"]},  # an entity id
        {"Living Room": 1},  # an area's name as a key
        {"who": "the zebulons"},  # the configuration's names
        {"said": "Turn on the goggle box"},  # a request of its history
    ):
        assert scan(planted, secrets), planted
        with pytest.raises(FederationError, match="nothing was sent"):
            check(planted, secrets, "test")


def test_the_scanner_matches_whole_words_only() -> None:
    assert Secrets(["tv"]).found("a tvx b") == []
    assert Secrets(["tv"]).found("the TV.") == ["tv"]


def _aggregate(homes: list[list[Pattern]], seed: int = 0) -> Payload:
    shape = hook.shape_of(SETTINGS)
    rng = np.random.default_rng(seed)
    total = sum((encode(h, shape) for h in homes), start=shape.empty()) + rng.normal(
        0, 0.01, (3, shape.width)
    )
    contribution = Payload(
        kind="contribution",
        shape=Shape.of(shape),
        lexicon_size=20000,
        rounds=1,
        homes=[len(homes)],
        noise_std=0.01,
        noise_multiplier=1.0,
        epsilon=4.7,
        delta=1e-5,
        cells=total.tolist(),
    )
    return hook.combine([contribution])


def test_adopted_phrases_rank_below_the_homes_own_and_go_on_revert(
    registry: DeviceRegistry,
) -> None:
    big = Pattern("light:ceiling light", "big light")
    aggregate = _aggregate([[big]] * 6 + [[Pattern("light:desk lamp", "snug lamp")]])
    knowledge = Knowledge()
    adoption = hook.adopt(aggregate, knowledge, registry, SETTINGS, LEXICON, now=T0)
    assert [f.pattern for f in adoption.found] == [big]
    adopted = {(e.data["phrase"], e.data["entity_id"], e.data["area"]) for e in adoption.events}
    # One ceiling light in each of two rooms: in each room, never "anywhere".
    assert adopted == {
        ("big light", "light.living_room_ceiling", "living_room"),
        ("big light", "light.bedroom_ceiling", "bedroom"),
    }
    for event in adoption.events:
        knowledge.apply(event)
    found = knowledge.best("big light", ["living_room", None], T0)
    assert found is not None
    assert found.entity_id == "light.living_room_ceiling"
    assert found.origin == adoption.origin
    assert knowledge.only("big light", T0) is None  # two rooms, two meanings

    # This household's own word wins wherever it holds.
    knowledge.apply(taught("big light", "light.living_room_lamp", None))
    own = knowledge.best("big light", ["living_room", None], T0)
    assert own is not None
    assert own.entity_id == "light.living_room_lamp"
    assert own.origin is None

    # Corrected here, the adopted meaning goes; reverted, all of it goes and stays gone.
    against = {"phrase": "big light", "entity_id": "light.bedroom_ceiling", "area": "bedroom"}
    knowledge.apply(LearningEvent(EventKind.AGAINST, T0, {**against, "weight": 2.0}, "r9"))
    assert knowledge.best("big light", ["bedroom"], T0) is None
    knowledge.apply(LearningEvent(EventKind.REVERT, T0, {"origin": adoption.origin}))
    assert all(p.origin is None for p in knowledge.phrases.values())
    for event in adoption.events:
        knowledge.apply(event)
    assert all(p.origin is None for p in knowledge.phrases.values())


def test_a_home_stops_contributing_when_its_budget_is_spent(registry: DeviceRegistry) -> None:
    guard = hook.guard_of(registry, None, [], LEXICON)
    knowledge = Knowledge.folded([taught("snug light", "light.living_room_ceiling")])
    rng = np.random.default_rng(1)

    def send(day: int) -> hook.Contribution:
        return hook.contribute(
            knowledge, registry, SETTINGS, guard,
            now=T0 + timedelta(days=day), to="test", rng=rng,
        )  # fmt: skip

    for day in (0, 1):
        made = send(day)
        assert made.patterns == [Pattern("light:ceiling light", "snug light")]
        knowledge.apply(made.event)
    with pytest.raises(FederationError, match="privacy budget is spent"):
        send(2)  # noise 1.0: ε 4.73, then 7.08; a third round would make 9.01 > 8
    assert hook.spent(knowledge, SETTINGS, T0 + timedelta(days=2)).epsilon <= 8
    # A year after the first round, it counts no longer.
    assert hook.spent(knowledge, SETTINGS, T0 + timedelta(days=366)).allows


def meant_idiom(words: list[str], slot: bool, action: str, text: str) -> LearningEvent:
    data = {
        "text": text,
        "area": "living_room",
        "calls": [{"service": "light.turn_on", "entity_id": "light.living_room_lamp", "data": {}}],
        "source": "correction",
        "idiom": {"words": words, "slot": slot, "action": action},
    }
    return LearningEvent(EventKind.MEANT, T0, data, "r-" + text)


def test_an_idiom_is_shared_by_its_public_action_and_words_only(registry: DeviceRegistry) -> None:
    knowledge = Knowledge.folded(
        [
            meant_idiom(["snug"], True, "light.brightness 30", "snug up the lounge"),
            meant_idiom(["zebulon"], False, "light.off", "zebulon time"),  # a name of its history
            meant_idiom(["goggle"], False, "fan.on", "goggle"),  # outside the lexicon
        ]
    )
    _, private = hook.secrets_of(registry, [], ["turn on Zebulon's lamp"])
    found, dropped = patterns_of(knowledge, registry, frozenset(LEXICON), private, T0)
    assert found == [Pattern("do:light.brightness 30@room", "snug")]
    assert {d.phrase for d in dropped} == {"zebulon time", "goggle"}
    assert "lounge" not in found[0].key


def test_an_adopted_idiom_acts_in_any_room_below_the_homes_own_and_goes_on_revert(
    registry: DeviceRegistry,
) -> None:
    from hausgeist.home import Home
    from hausgeist.learning.learner import Learner
    from hausgeist.understanding import Request

    home = Home.from_config(load_config(HOME))
    snug = Pattern("do:light.brightness 30@room", "snug")
    # "off" is read by the core on its own ("off the kitchen"): never adopted as an idiom.
    turn = Pattern("do:light.off@room", "off")
    aggregate = _aggregate([[snug, turn]] * 6)
    learner = Learner(home.understanding)
    adoption = hook.adopt(
        aggregate, learner.knowledge, registry, SETTINGS, [*LEXICON, "off"], now=T0,
        reads=hook.core_reads(home),
    )  # fmt: skip
    assert {f.pattern for f in adoption.found} == {snug, turn}
    assert [e.data["idiom"] for e in adoption.events] == [
        {"words": ["snug"], "slot": True, "action": "light.brightness 30"}
    ]
    for event in adoption.events:
        learner.knowledge.apply(event)
    said = learner.prepare(Request("snug up the kitchen", "bedroom"), T0)
    assert said.request.text == "set the lights in the Kitchen to 30%"
    assert said.idiom is not None

    # The household's own meaning of the same words wins.
    learner.knowledge.apply(meant_idiom(["snug"], True, "light.off", "snug the lounge"))
    assert learner.prepare(Request("snug the kitchen", None), T0).request.text == (
        "turn off the lights in the Kitchen"
    )
    # Reverted, the adopted idiom goes and is not adopted again.
    learner.knowledge.apply(LearningEvent(EventKind.REVERT, T0, {"origin": adoption.origin}))
    assert learner.knowledge.adopted_idioms == {}
    for event in adoption.events:
        learner.knowledge.apply(event)
    assert learner.knowledge.adopted_idioms == {}


def test_an_idiom_is_not_adopted_where_its_action_acts_on_no_room() -> None:
    from hausgeist.config.load import load_config_text
    from hausgeist.home import Home

    text = (
        "areas:\n  - {id: den, name: Den}\ndevices:\n"
        '  - {id: light.den, name: Den Light, area: den, state: "off",'
        " attributes: {supported_color_modes: [onoff]}}\n"
    )
    home = Home.from_config(load_config_text(text, {}, "one light"))
    dim = Pattern("do:light.brightness 30@room", "snug")  # an on/off light has no brightness
    off = Pattern("do:light.off", "thing")
    aggregate = _aggregate([[dim, off]] * 6)
    adoption = hook.adopt(
        aggregate, Knowledge(), home.understanding.registry, SETTINGS, LEXICON, now=T0,
        reads=hook.core_reads(home),
    )  # fmt: skip
    assert {f.pattern for f in adoption.found} == {dim, off}
    assert [e.data["idiom"]["action"] for e in adoption.events] == ["light.off"]
