"""The idiom table (``idioms.yaml``): words the core does not understand, corrected by what
they meant, said again in other rooms and in conversations."""

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

HOME = Path(__file__).parents[1] / "understanding" / "home.yaml"
CASES = yaml.safe_load((Path(__file__).parent / "idioms.yaml").read_text())["cases"]
START = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)


def agent() -> Agent:
    built = Home.from_config(load_config(HOME))
    return Agent(built, learner=Learner(built.understanding))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_idiom_conversation(case: dict[str, Any]) -> None:
    home = agent()
    when = START
    for number, turn in enumerate(case["turns"], 1):
        when += timedelta(seconds=turn.get("gap_s", 10))
        outcome = home.handle(Request(turn["text"], turn.get("area"), session="s", time=when))
        decision, expect = outcome.decision, turn["expect"]
        where = f"turn {number} {turn['text']!r}: {decision.reply!r} {decision.trace}"
        assert decision.status.value == expect["status"], where
        assert [c.entity_id for c in decision.actions] == expect["entities"], where
        for call in decision.actions:
            assert expect.get("data", {}).items() <= call.data.items(), where
        if "reply" in expect:
            assert expect["reply"] in decision.reply, where
    assert home.learner is not None
    learned = [
        f"{' '.join(m.idiom.words)}|{'room' if m.idiom.slot else ''}|{m.idiom.action}"
        for m in home.learner.knowledge.meant.values()
        if m.idiom is not None
    ]
    assert learned == case["idioms"]
