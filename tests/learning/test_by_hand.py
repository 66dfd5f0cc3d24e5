"""What the state feed shows right after the agent acted: a device switched back by hand, or
another of its kind in its room switched instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request

HOMES = Path(__file__).parents[2] / "benchmarks" / "personalization" / "homes"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 4, 1, 22, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def _taught() -> tuple[Agent, Clock]:
    """'the lamp' in the bedroom taught to mean the floor lamp, then used."""
    home = Home.from_config(load_config(HOMES / "lamps.yaml"))
    clock = Clock()
    agent = Agent(home, learner=Learner(home.understanding), clock=clock)
    agent.handle(Request("turn on the lamp", "bedroom", session="a"))
    clock.at += timedelta(seconds=5)
    agent.handle(Request("the floor lamp", "bedroom", session="a"))
    clock.at += timedelta(seconds=5)
    agent.handle(Request("no, the floor lamp", "bedroom", session="a"))
    clock.at += timedelta(minutes=30)
    agent.states.set("light.bedroom_floor_lamp", "off")
    used = agent.handle(Request("turn on the lamp", "bedroom", session="b"))
    assert [c.entity_id for c in used.decision.actions] == ["light.bedroom_floor_lamp"]
    return agent, clock


def test_switched_back_by_hand_counts_against_the_phrase() -> None:
    agent, clock = _taught()
    clock.at += timedelta(seconds=20)
    assert agent.observe("light.bedroom_floor_lamp", "on") == []  # the lamp saying it is on
    assert agent.observe("light.bedroom_floor_lamp", "off") != []
    clock.at += timedelta(minutes=5)
    later = agent.handle(Request("turn on the lamp", "bedroom", session="c"))
    assert later.decision.status.value == "clarify"


def test_another_lamp_switched_instead_counts_for_it_once() -> None:
    agent, clock = _taught()
    clock.at += timedelta(seconds=20)
    assert agent.observe("light.office_lamp", "on") == []  # another room: nothing
    assert agent.observe("light.bedroom_desk_lamp", "on") != []
    assert agent.learner is not None
    weights = {p.entity_id: p.weight for p in agent.learner.knowledge.phrases.values()}
    assert weights["light.bedroom_desk_lamp"] == 1.0


def test_after_the_window_nothing_is_read() -> None:
    agent, clock = _taught()
    clock.at += timedelta(minutes=10)
    assert agent.observe("light.bedroom_floor_lamp", "off") == []


def test_home_assistants_state_feed_reaches_the_learner() -> None:
    """``hausgeist wyoming`` and ``run`` with Home Assistant read the switch back by hand from
    its ``state_changed`` events (the callback the link calls)."""
    from hausgeist.commands.voice import live_states

    agent, clock = _taught()
    changed = live_states(agent)
    clock.at += timedelta(seconds=20)
    changed("light.bedroom_floor_lamp", "on", {})  # Home Assistant reporting what it was told
    changed("light.unknown", "off", {})  # not in this home: ignored
    changed("light.bedroom_floor_lamp", "off", {})
    assert agent.states.get("light.bedroom_floor_lamp").state == "off"
    clock.at += timedelta(minutes=5)
    later = agent.handle(Request("turn on the lamp", "bedroom", session="c"))
    assert later.decision.status.value == "clarify"
