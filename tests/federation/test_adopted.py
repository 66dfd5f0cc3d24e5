"""Adopted phrases, as the agent uses them: conversation case table and a property."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.federation.patterns import Pattern, devices_for, target_of
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.understanding import Request

HOME = Path(__file__).resolve().parents[1] / "understanding" / "home.yaml"
TABLE = yaml.safe_load((Path(__file__).parent / "adopted.yaml").read_text())
START = datetime(2026, 3, 2, 19, 0, tzinfo=UTC)
BUILT = Home.from_config(load_config(HOME))


def adopted(rows: list[dict[str, Any]]) -> list[LearningEvent]:
    return [
        LearningEvent(EventKind.ADOPT, START, {**row, "origin": "agg1", "weight": 2.0})
        for row in rows
    ]


def agent_with(rows: list[dict[str, Any]]) -> Agent:
    home = Home.from_config(load_config(HOME))
    return Agent(home, learner=Learner(home.understanding, events=adopted(rows)))


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_conversation(case: dict[str, Any]) -> None:
    agent = agent_with(TABLE["adopted"])
    when = START
    for number, turn in enumerate(case["turns"], 1):
        when += timedelta(seconds=turn.get("gap_s", 10))
        decision = agent.handle(
            Request(turn["text"], turn.get("area"), session="s", time=when)
        ).decision
        where = f"turn {number} {turn['text']!r}: {decision.reply!r}"
        assert decision.status.value == turn["expect"]["status"], where
        assert sorted(c.entity_id for c in decision.actions) == turn["expect"]["entities"], where


TARGETS = sorted(
    {target_of(d) for d in BUILT.understanding.registry if not target_of(d).endswith(":")}
)
WORDS = ["snug", "mood", "cosy", "glow", "bright", "thing", "box", "beam"]
FRAMES = ["turn on the {}", "switch the {} off", "{} on please", "put the {} on", "dim the {}"]
AREAS = [None, *sorted(BUILT.understanding.registry.areas)]


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(TARGETS),
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=2, unique=True).map(" ".join),
    st.sampled_from(FRAMES),
    st.sampled_from(AREAS),
)
def test_an_adopted_phrase_acts_only_on_a_device_of_its_kind_here(
    target: str, phrase: str, frame: str, area: str | None
) -> None:
    """Whatever a federation's pattern says, the agent acts through it only on the one device
    of that kind in the requester's room (or the one in the whole home), and the policy
    treats it as the device's configured name (a lock still waits for the yes)."""
    registry = BUILT.understanding.registry
    rows = [
        {"phrase": phrase, "entity_id": devices[0].entity_id, "area": where}
        for where, devices in devices_for(registry, target).items()
        if len(devices) == 1
    ]
    plain = Agent(Home.from_config(load_config(HOME)))
    agent = agent_with(rows)
    request = Request(frame.format(phrase), area, session="p", time=START)
    without = plain.handle(request, dry_run=True).decision
    decision = agent.handle(request, dry_run=True).decision
    meant = {r["entity_id"] for r in rows if r["area"] in {area, None}}
    acted = {c.entity_id for c in decision.actions}
    decided = acted or {c.entity_id for c in decision.pending}
    if decided and decided != {c.entity_id for c in (*without.actions, *without.pending)}:
        assert decided <= meant, (decision.reply, rows)
        [entity] = decided
        device = registry.get(entity)
        assert device is not None
        assert target_of(device) == Pattern(target, phrase).target
        named = plain.handle(
            Request(frame.format(device.name), area, session="n", time=START), dry_run=True
        ).decision
        assert decision.status is named.status, (decision.reply, named.reply)
