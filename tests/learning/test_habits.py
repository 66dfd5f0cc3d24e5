"""Values a household chooses by time of day: learned from what it said or corrected to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request

HOMES = Path(__file__).parents[2] / "benchmarks" / "personalization" / "homes"


def agent_for(home: str) -> Agent:
    built = Home.from_config(load_config(HOMES / f"{home}.yaml"))
    return Agent(built, learner=Learner(built.understanding))


NIGHT = datetime(2026, 3, 2, 23, 10, tzinfo=UTC)


def _brightness(agent: Agent, text: str, when: datetime, session: str = "s") -> tuple[object, str]:
    outcome = agent.handle(Request(text, session=session, time=when))
    [call] = outcome.decision.actions
    return call.data.get("brightness_pct"), outcome.decision.reply


def test_said_twice_at_night_then_used_at_night_only() -> None:
    agent = agent_for("owls")
    for day in range(2):
        when = NIGHT + timedelta(days=day)
        agent.handle(Request("turn on the bedroom light at 20%", session=f"n{day}", time=when))
        agent.handle(
            Request("turn off the bedroom light", session=f"n{day}", time=when + timedelta(hours=1))
        )
    value, reply = _brightness(agent, "turn on the bedroom light", NIGHT + timedelta(days=2))
    assert value == 20
    assert "as usual at night" in reply
    agent.handle(
        Request("turn off the bedroom light", session="x", time=NIGHT + timedelta(days=2, hours=1))
    )
    morning = NIGHT + timedelta(days=3, hours=-15)
    value, reply = _brightness(agent, "turn on the bedroom light", morning, "m")
    assert value is None
    assert "usual" not in reply


def test_once_is_not_a_habit_and_a_value_said_wins() -> None:
    agent = agent_for("owls")
    agent.handle(Request("turn on the bedroom light at 20%", session="a", time=NIGHT))
    agent.handle(
        Request("turn off the bedroom light", session="a", time=NIGHT + timedelta(hours=1))
    )
    value, _ = _brightness(agent, "turn on the bedroom light", NIGHT + timedelta(days=1))
    assert value is None
    agent.handle(
        Request(
            "turn on the bedroom light to 20 percent", session="b", time=NIGHT + timedelta(days=2)
        )
    )
    agent.handle(
        Request("turn off the bedroom light", session="b", time=NIGHT + timedelta(days=2, hours=1))
    )
    value, _ = _brightness(agent, "turn on the bedroom light to 70%", NIGHT + timedelta(days=3))
    assert value == 70


def test_too_bright_replaces_the_value_it_corrects() -> None:
    agent = agent_for("owls")
    for day in range(3):
        when = NIGHT + timedelta(days=day)
        agent.handle(Request("turn on the bedroom light at 60%", session=f"d{day}", time=when))
        agent.handle(Request("too bright", session=f"d{day}", time=when + timedelta(seconds=20)))
        agent.handle(
            Request("turn off the bedroom light", session=f"d{day}", time=when + timedelta(hours=1))
        )
    value, _ = _brightness(agent, "turn on the bedroom light", NIGHT + timedelta(days=4))
    assert value == 35
