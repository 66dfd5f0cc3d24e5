"""The conversation table: request, correction, later requests (``corrections.yaml``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
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
