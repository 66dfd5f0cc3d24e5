"""Properties of idioms over generated words, actions and rooms: said again, an idiom does in
the room it names (or is said in) exactly what the action's own words do there, never more;
it never carries out a lock's pending action; words that are no idiom are read as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.home import Home
from hausgeist.learning.idioms import ACTIONS
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request, Status

HOME = Path(__file__).parents[1] / "understanding" / "home.yaml"
SYLLABLES = ["zor", "bli", "wub", "fen", "quo", "dra", "mip", "tox"]
WORDS = st.builds(lambda a, b: a + b, st.sampled_from(SYLLABLES), st.sampled_from(SYLLABLES))
ROOMS = ["kitchen", "living_room", "bedroom", "office", "hallway", "garage", "bathroom"]
NAMES = {"kitchen": "kitchen", "living_room": "lounge", "bedroom": "bedroom", "office": "study",
         "hallway": "hallway", "garage": "garage", "bathroom": "bathroom"}  # fmt: skip
T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


def fresh() -> Agent:
    home = Home.from_config(load_config(HOME))
    return Agent(home, learner=Learner(home.understanding))


def calls(agent: Agent, text: str, area: str | None, when: datetime, session: str) -> list[str]:
    decision = agent.handle(Request(text, area, session=session, time=when), dry_run=True).decision
    done = decision.actions if decision.status is Status.DONE else ()
    return sorted(f"{c.service} {c.entity_id} {sorted(c.data.items())}" for c in done)


@settings(max_examples=40, deadline=None)
@given(
    said=st.lists(WORDS, min_size=1, max_size=2, unique=True),
    action=st.sampled_from(sorted(ACTIONS)),
    slot=st.booleans(),
    taught_in=st.sampled_from(ROOMS),
    later_in=st.sampled_from(ROOMS),
    from_=st.sampled_from([None, *ROOMS]),
)
def test_an_idiom_does_what_its_action_does_in_its_room_and_nothing_else(
    said: list[str], action: str, slot: bool, taught_in: str, later_in: str, from_: str | None
) -> None:
    agent = fresh()
    words = " ".join(said)
    first = f"{words} the {NAMES[taught_in]}" if slot else words
    assert agent.handle(Request(first, taught_in, session="a", time=T0)).decision.status is (
        Status.NOT_UNDERSTOOD
    )
    area = agent.home.understanding.registry.areas[taught_in]
    agent.handle(
        Request(f"I meant {ACTIONS[action].says.format(area=area.name)}", taught_in, session="a",
                time=T0 + timedelta(seconds=5))
    )  # fmt: skip
    learned = agent.learner.knowledge.idiom(tuple(said), slot) if agent.learner else None
    later = T0 + timedelta(minutes=10)
    where = later_in if not slot else from_
    text = f"{words} the {NAMES[later_in]}" if slot else words
    done = calls(agent, text, where, later, "b")
    if learned is None:
        assert done == []
        return
    assert learned[0].action == action
    # Exactly what the action's own words do in that room, in a home that learned nothing.
    room = agent.home.understanding.registry.areas[later_in]
    expected = calls(fresh(), ACTIONS[action].says.format(area=room.name), None, later, "c")
    assert done == expected
    assert all(later_in in c or "climate" in c for c in done) or not done
    assert not any(c.split()[1].split(".")[0] in {"lock", "alarm_control_panel"} for c in done)
    assert "cover.garage_door" not in " ".join(done)


@settings(max_examples=25, deadline=None)
@given(said=st.lists(WORDS, min_size=1, max_size=2, unique=True), room=st.sampled_from(ROOMS))
def test_an_idiom_said_while_a_lock_waits_for_its_yes_never_unlocks_it(
    said: list[str], room: str
) -> None:
    agent = fresh()
    words = " ".join(said)
    agent.handle(Request(f"{words} the lounge", "living_room", session="a", time=T0))
    agent.handle(Request("I meant set the living room lights to 30%", "living_room", session="a",
                         time=T0 + timedelta(seconds=5)))  # fmt: skip
    when = T0 + timedelta(minutes=10)
    pending = agent.handle(Request("unlock the front door", "hallway", session="b", time=when))
    assert pending.decision.status is Status.CONFIRM
    idiom = agent.handle(Request(f"{words} the {NAMES[room]}", "hallway", session="b",
                                 time=when + timedelta(seconds=3)))  # fmt: skip
    yes = agent.handle(Request("yes", "hallway", session="b", time=when + timedelta(seconds=6)))
    acted = [c.entity_id for o in (idiom, yes) for c in o.decision.actions]
    assert "lock.front_door" not in acted
    assert agent.states.get("lock.front_door").state == "locked"


@settings(max_examples=30, deadline=None)
@given(
    said=st.lists(WORDS, min_size=1, max_size=2, unique=True),
    other=st.sampled_from(
        [
            "turn on the kitchen lights",
            "dim the floor lamp",
            "unlock the back door",
            "what's the temperature in the bedroom",
            "open the blinds",
            "turn off the lights",
            "set the thermostat to 19",
            "start the robot vacuum",
        ]
    ),
    room=st.sampled_from(ROOMS),
)
def test_requests_that_are_no_idiom_are_read_as_before(
    said: list[str], other: str, room: str
) -> None:
    agent = fresh()
    words = " ".join(said)
    assume(words not in other)
    agent.handle(Request(f"{words} the lounge", "living_room", session="a", time=T0))
    agent.handle(Request("I meant set the living room lights to 30%", "living_room", session="a",
                         time=T0 + timedelta(seconds=5)))  # fmt: skip
    later = T0 + timedelta(minutes=10)
    learned = agent.handle(Request(other, room, session="b", time=later), dry_run=True).decision
    plain = fresh().handle(Request(other, room, session="b", time=later), dry_run=True).decision
    assert learned.status is plain.status
    assert [(c.entity_id, c.service, c.data) for c in (*learned.actions, *learned.pending)] == [
        (c.entity_id, c.service, c.data) for c in (*plain.actions, *plain.pending)
    ]
