"""The engine's case tables (tests/automations/cases): rules + timed events -> every action
they take, covering each trigger, condition, action and mode, on a simulated clock."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from hausgeist.automations.engine import Emitted, Engine
from hausgeist.automations.loading import check_all, world_of
from hausgeist.config import Config, load_config
from hausgeist.home import Home
from hausgeist.understanding import Request, Status

HERE = Path(__file__).parent
HOME = HERE / "home.yaml"
ZONE = ZoneInfo("Europe/Berlin")


def _cases() -> list[Any]:
    return [
        pytest.param(case, id=f"{path.stem}: {case['name']}")
        for path in sorted((HERE / "cases").glob("*.yaml"))
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))
    ]


def when(text: str) -> tuple[datetime, str]:
    """ "[MM-DD ]HH:MM[:SS] rest" -> the time, the rest."""
    parts = text.split(" ", 2)
    day = "01-10"
    if "-" in parts[0] and ":" not in parts[0]:
        day, parts = parts[0], parts[1:]
    else:
        parts = [parts[0], " ".join(parts[1:])] if len(parts) > 1 else parts
    clock = parts[0] if parts[0].count(":") == 2 else f"{parts[0]}:00"
    rest = parts[1] if len(parts) > 1 else ""
    return datetime.fromisoformat(f"2026-{day}T{clock}").replace(tzinfo=ZONE), rest


def engine_for(config: Config, rules: list[Any]) -> Engine:
    world = world_of(config, rules)
    home = Home.from_config(config)

    def converse(text: str) -> list[Any]:
        decision, _ = home.understanding.decide(Request(text), home.states)
        assert decision.status is Status.DONE, decision.reply
        return list(decision.actions)

    return Engine(check_all(world, [(rules, ("rules",), None, "case")]), world, converse)


def replay(engine: Engine, events: list[str]) -> list[Emitted]:
    done: list[Emitted] = []
    for i, event in enumerate(events):
        at, rest = when(event)
        if i == 0:
            engine.start(at)
        engine.advance(at)
        if rest.startswith("mqtt "):
            _, topic, payload = (
                rest.split(" ", 2) if rest.count(" ") >= 2 else (*rest.split(" "), "")
            )
            engine.mqtt_message(topic, payload.encode())
        elif "=" in rest:
            target, _, value = rest.partition("=")
            state, _, attrs = value.partition(" ")
            engine.set_state(target, state, json.loads(attrs) if attrs else None)
        done.extend(engine.drain())
    return done


def line(item: Emitted) -> str:
    day = item.at.strftime("%m-%d")
    stamp = item.at.strftime("%H:%M:%S") if day == "01-10" else f"{day} {item.at:%H:%M:%S}"
    if item.error is not None:
        return f"{stamp} {item.automation} error: {item.error}"
    if item.mqtt is not None:
        return f"{stamp} {item.automation} mqtt {item.mqtt['topic']} {item.mqtt['payload']}"
    data = f" {json.dumps(item.data, sort_keys=True)}" if item.data else ""
    return f"{stamp} {item.automation} {item.service} {item.entity_id}{data}"


@pytest.mark.parametrize("case", _cases())
def test_case(case: dict[str, Any]) -> None:
    engine = engine_for(load_config(HOME, env={}), case["rules"])
    got = [line(e) for e in replay(engine, case["events"])]
    if "expect_count" in case:
        for rule, count in case["expect_count"].items():
            assert sum(1 for g in got if f" {rule} " in g and "error" not in g) == count, got
        assert any(case["expect_error"] in g for g in got), got
        return
    expected = case["expect"]
    assert len(got) == len(expected), "\n".join(got)
    for have, want in zip(got, expected, strict=True):
        if " error: " in want:
            head, _, words = want.partition(" error: ")
            assert have.startswith(f"{head} error: "), have
            assert words in have, have
        else:
            assert have == want, "\n".join(got)
