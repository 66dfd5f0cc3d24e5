"""Learning events in the history database: kept in order, read back by another process's
agent, forgotten, deleted; SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hausgeist.config.load import load_config
from hausgeist.history import SqlHistory
from hausgeist.home import Home
from hausgeist.root import Ports, Root
from hausgeist.understanding import Request

HOMES = Path(__file__).parents[2] / "benchmarks" / "personalization" / "homes"
Opener = Callable[[str | None], SqlHistory]


def _root(history: SqlHistory, home: str = "millers") -> Root:
    config = load_config(HOMES / f"{home}.yaml")
    config = config.model_copy(update={"llm": config.llm.model_copy(update={"enabled": False})})
    return Root(Home.from_config(config), Ports(history=history))


def test_what_one_agent_learned_the_next_one_uses(backend: Any, open_history: Opener) -> None:
    first = _root(open_history(backend.url)).agent
    when = datetime(2026, 2, 1, 20, 0, tzinfo=UTC)
    first.handle(Request("turn on the big light", "living_room", session="a", time=when))
    first.handle(
        Request(
            "I meant the ceiling light",
            "living_room",
            session="a",
            time=when + timedelta(seconds=8),
        )
    )
    first.history.close()  # type: ignore[union-attr]
    second = _root(open_history(backend.url)).agent
    later = second.handle(
        Request("turn off the big light", "living_room", time=when + timedelta(hours=1))
    )
    assert [c.entity_id for c in later.decision.actions] == ["light.living_ceiling"]
    assert second.learner is not None
    [item] = second.learner.knowledge.phrases.values()
    assert (item.phrase, item.area, item.sources) == ("big light", "living_room", {"correction"})


def test_forget_and_delete(backend: Any, open_history: Opener) -> None:
    history = open_history(backend.url)
    agent = _root(history).agent
    when = datetime(2026, 2, 1, 20, 0, tzinfo=UTC)
    agent.handle(Request("put the telly on", "living_room", session="a", time=when))
    agent.handle(
        Request("no, the samsung", "living_room", session="a", time=when + timedelta(seconds=5))
    )
    assert agent.learner is not None
    [key] = agent.learner.knowledge.phrases
    agent.learner.forget(key, when + timedelta(minutes=1))
    again = _root(history).agent
    assert again.learner is not None
    assert not again.learner.knowledge.phrases
    counts = history.delete(None)
    assert counts["requests"] == 2
    assert counts["learning events"] >= 3
    assert history.learning_events() == []
    assert history.all_entries() == []
