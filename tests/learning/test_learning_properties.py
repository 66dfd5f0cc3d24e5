"""Properties of what is learned, over generated homes and phrasings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.agent import Agent
from hausgeist.config.load import load_config_text
from hausgeist.history.entry import HistoryEntry
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request, Status

KINDS = ["Arc", "Table", "Desk", "Floor", "Reading", "Corner", "Piano", "Globe"]
NICKNAMES = ["big", "tall", "old", "good", "wobbly", "posh", "granny's", "cosy"]
# Not "bright": a value word ("the bright lamp" reads as a brightness), never a nickname.
ROOMS = ["Den", "Study", "Loft", "Snug"]
VERBS = [
    ("turn on the {}", "light.turn_on"),
    ("turn off the {}", "light.turn_off"),
    ("switch the {} on", "light.turn_on"),
    ("switch off the {} please", "light.turn_off"),
]


def home_with(kinds: list[str], rooms: list[str]) -> Home:
    devices = "\n".join(
        f"  - {{id: light.{room.lower()}_{kind.lower()}, name: {kind} Lamp, area: {room.lower()},"
        ' state: "off", attributes: {brightness: 0, supported_color_modes: [brightness]}}'
        for room in rooms
        for kind in kinds
    )
    areas = "\n".join(f"  - {{id: {r.lower()}, name: {r}}}" for r in rooms)
    return Home.from_config(load_config_text(f"areas:\n{areas}\ndevices:\n{devices}\n", {}, "gen"))


@settings(max_examples=40, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=3, unique=True),
    rooms=st.lists(st.sampled_from(ROOMS), min_size=2, max_size=2, unique=True),
    nickname=st.sampled_from(NICKNAMES),
    meant=st.integers(0, 2),
    later=st.sampled_from(VERBS),
)
def test_a_corrected_nickname_means_that_lamp_in_that_room_only(
    kinds: list[str], rooms: list[str], nickname: str, meant: int, later: tuple[str, str]
) -> None:
    home = home_with(kinds, rooms)
    agent = Agent(home, learner=Learner(home.understanding))
    room, other = rooms[0].lower(), rooms[1].lower()
    kind = kinds[meant % len(kinds)]
    target = f"light.{room}_{kind.lower()}"
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    first = agent.handle(Request(f"turn on the {nickname} lamp", room, session="a", time=when))
    assert first.decision.status is not Status.DONE or first.decision.actions
    when += timedelta(seconds=5)
    fixed = agent.handle(Request(f"no, the {kind} lamp", room, session="a", time=when))
    assert target in [c.entity_id for c in fixed.decision.actions]
    text, service = later
    when += timedelta(minutes=10)
    again = agent.handle(Request(text.format(f"{nickname} lamp"), room, session="b", time=when))
    assert [(c.service, c.entity_id) for c in again.decision.actions] == [(service, target)]
    when += timedelta(minutes=10)
    elsewhere = agent.handle(
        Request(text.format(f"{nickname} lamp"), other, session="c", time=when)
    )
    assert target not in [c.entity_id for c in elsewhere.decision.actions]
    assert all(c.entity_id.startswith(f"light.{other}_") for c in elsewhere.decision.actions)
    when += timedelta(minutes=10)
    nowhere = agent.handle(Request(text.format(f"{nickname} lamp"), session="d", time=when))
    assert [(c.service, c.entity_id) for c in nowhere.decision.actions] == [(service, target)]


@settings(max_examples=30, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=3, unique=True),
    nickname=st.sampled_from(NICKNAMES),
    meant=st.tuples(st.integers(0, 2), st.integers(0, 2)),
)
def test_from_no_room_a_nickname_for_two_devices_acts_on_neither(
    kinds: list[str], nickname: str, meant: tuple[int, int]
) -> None:
    home = home_with(kinds, ["Den", "Loft"])
    agent = Agent(home, learner=Learner(home.understanding))
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    taught = []
    for room, pick in zip(("den", "loft"), meant, strict=True):
        kind = kinds[pick % len(kinds)]
        taught.append(f"light.{room}_{kind.lower()}")
        when += timedelta(minutes=10)
        agent.handle(Request(f"turn on the {nickname} lamp", room, session=room, time=when))
        when += timedelta(seconds=5)
        agent.handle(Request(f"no, the {kind} lamp", room, session=room, time=when))
    when += timedelta(minutes=10)
    nowhere = agent.handle(Request(f"turn off the {nickname} lamp", session="x", time=when))
    assert not set(taught) & {c.entity_id for c in nowhere.decision.actions}


@settings(max_examples=30, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=3, unique=True),
    wrong=st.integers(0, 2),
    right=st.integers(0, 2),
)
def test_a_configured_name_always_means_its_own_device(
    kinds: list[str], wrong: int, right: int
) -> None:
    """Teaching "the X lamp" to mean another lamp never changes what "the X lamp" does."""
    home = home_with(kinds, ["Den", "Loft"])
    agent = Agent(home, learner=Learner(home.understanding))
    said, meant = kinds[wrong % len(kinds)], kinds[right % len(kinds)]
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    agent.handle(Request(f"turn on the {said} lamp", "den", session="a", time=when))
    when += timedelta(seconds=5)
    agent.handle(Request(f"no, the {meant} lamp", "den", session="a", time=when))
    when += timedelta(minutes=10)
    again = agent.handle(Request(f"turn off the {said} lamp", "den", session="b", time=when))
    assert [c.entity_id for c in again.decision.actions] == [f"light.den_{said.lower()}"]


@settings(max_examples=30, deadline=None)
@given(
    nickname=st.sampled_from(NICKNAMES),
    correction=st.sampled_from(["no, the Front Door", "I meant the front door"]),
)
def test_a_phrase_learned_for_a_lock_never_unlocks_without_the_yes(
    nickname: str, correction: str
) -> None:
    home = Home.from_config(
        load_config_text(
            "areas: [{id: hall, name: Hall}]\ndevices:\n"
            "  - {id: lock.front_door, name: Front Door, area: hall, state: locked}\n"
            '  - {id: light.hall, name: Hall Light, area: hall, state: "off"}\n',
            {},
            "gen",
        )
    )
    agent = Agent(home, learner=Learner(home.understanding))
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    agent.handle(Request(f"unlock the {nickname} thing", "hall", session="a", time=when))
    when += timedelta(seconds=5)
    taught = agent.handle(Request(correction, "hall", session="a", time=when))
    assert not [c for c in taught.decision.actions if c.service == "lock.unlock"]
    for text in (f"unlock the {nickname} thing", f"open the {nickname} thing"):
        when += timedelta(minutes=10)
        later = agent.handle(Request(text, "hall", session=text, time=when))
        assert not [c for c in later.decision.actions if c.service == "lock.unlock"]


@settings(max_examples=40, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=3, unique=True),
    nickname=st.sampled_from(NICKNAMES),
    then=st.sampled_from(["nothing", "undo", "the other one", "named", "wrong"]),
)
def test_the_model_is_shown_only_what_still_stands(
    kinds: list[str], nickname: str, then: str
) -> None:
    """What a correction showed the household's words to mean is an example for the model,
    and stops being one as soon as a person takes that correction back."""
    home = home_with(kinds, ["Den", "Loft"])
    learner = Learner(home.understanding)
    agent = Agent(home, learner=learner)
    said = f"turn on the {nickname} lamp"
    first, second = (f"light.den_{k.lower()}" for k in kinds[:2])
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    agent.handle(Request(said, "den", session="a", time=when))
    when += timedelta(seconds=5)
    fixed = agent.handle(Request(f"no, the {kinds[0]} lamp", "den", session="a", time=when))
    expected: list[tuple[str, list[str]]] = [(said, [first])]
    when += timedelta(seconds=5)
    if then == "undo":
        agent.handle(Request("undo", "den", session="a", time=when))
        expected = []
    elif then == "the other one":
        agent.handle(Request("no, the other one", "den", session="a", time=when))
        expected = [(said, [second])] if len(kinds) == 2 else []
    elif then == "named":
        agent.handle(Request(f"no, the {kinds[1]} lamp", "den", session="a", time=when))
        expected = [(said, [second])]
    elif then == "wrong":
        entry = HistoryEntry(
            fixed.request_id, when, fixed.request.text, "cli", "done", "learning",
            fixed.decision.reply, [c.as_json() for c in fixed.decision.actions], [], 1.0,
        )  # fmt: skip
        learner.feedback(entry, right=False, when=when)
        expected = []
    _, shown = learner.examples()
    assert [(e.text, [c.entity_id for c in e.calls]) for e in shown] == expected
    for example in shown:  # every example is what the core would now do with those words
        when += timedelta(minutes=10)
        again = agent.handle(Request(example.text, "den", session=str(when), time=when))
        assert [c.entity_id for c in again.decision.actions] == [c.entity_id for c in example.calls]


@settings(max_examples=30, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=3, unique=True),
    pick=st.integers(0, 2),
    word=st.sampled_from(["lamp", "light"]),
    later=st.sampled_from(VERBS),
)
def test_from_no_room_a_word_for_a_kind_of_device_is_never_one_rooms_device(
    kinds: list[str], pick: int, word: str, later: tuple[str, str]
) -> None:
    """ "The lamp" taught in the den (by answering "which one?" the same way) is the den's
    lamp there; from a phone it still means any lamp of the home, so it asks."""
    home = home_with(kinds, ["Den", "Loft"])
    agent = Agent(home, learner=Learner(home.understanding))
    kind = kinds[pick % len(kinds)]
    target = f"light.den_{kind.lower()}"
    when = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)
    for verb in ("on", "off", "on"):
        when += timedelta(minutes=10)
        agent.handle(Request(f"turn {verb} the {word}", "den", session=str(when), time=when))
        when += timedelta(seconds=5)
        agent.handle(
            Request(f"the {kind} lamp", "den", session=str(when - timedelta(seconds=5)), time=when)
        )
    when += timedelta(minutes=10)
    text, service = later
    there = agent.handle(Request(text.format(word), "den", session="d", time=when))
    assert [(c.service, c.entity_id) for c in there.decision.actions] == [(service, target)]
    when += timedelta(minutes=10)
    nowhere = agent.handle(Request(text.format(word), session="x", time=when))
    assert target not in [c.entity_id for c in nowhere.decision.actions]
