"""The conversation table: request, correction, later requests (``corrections.yaml``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.history.entry import HistoryEntry
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request

HOMES = Path(__file__).parents[2] / "benchmarks" / "personalization" / "homes"
CASES = yaml.safe_load((Path(__file__).parent / "corrections.yaml").read_text())["cases"]
START = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


def agent_for(home: str) -> Agent:
    built = Home.from_config(load_config(HOMES / f"{home}.yaml"))
    return Agent(built, learner=Learner(built.understanding))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_conversation(case: dict[str, Any]) -> None:
    agent = agent_for(case["home"])
    when = START
    for number, turn in enumerate(case["turns"], 1):
        when += timedelta(seconds=turn.get("gap_s", 10))
        outcome = agent.handle(Request(turn["text"], turn.get("area"), session="s", time=when))
        decision, expect = outcome.decision, turn["expect"]
        where = f"turn {number} {turn['text']!r}: {decision.reply!r}"
        assert decision.status.value == expect["status"], where
        assert [c.entity_id for c in decision.actions] == expect["entities"], where
        if "reply" in expect:
            assert expect["reply"] in decision.reply, where
    if "meant" in case:
        assert agent.learner is not None
        meant = [
            {"text": m.text, "entities": m.entities} for m in agent.learner.knowledge.meant.values()
        ]
        assert meant == case["meant"]


def test_feedback_that_a_request_was_right_keeps_it_as_an_example() -> None:
    agent = agent_for("millers")
    assert agent.learner is not None
    outcome = agent.handle(Request("turn on the ceiling light", "living_room", time=START))
    assert outcome.decision.actions
    entry = HistoryEntry(
        outcome.request_id, START, outcome.request.text, "cli", "done", "core",
        outcome.decision.reply, [c.as_json() for c in outcome.decision.actions], [], 1.0,
        area="living_room",
    )  # fmt: skip
    changed = agent.learner.feedback(entry, right=True, when=START)
    assert "kept as an example of what you mean" in changed
    _, shown = agent.learner.examples()
    assert [(e.text, e.area, [c.entity_id for c in e.calls]) for e in shown] == [
        ("turn on the ceiling light", "living_room", ["light.living_ceiling"])
    ]
    agent.learner.feedback(entry, right=False, when=START)
    assert agent.learner.examples()[1] == []
