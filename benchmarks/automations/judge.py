"""Judge a rule made from words by replaying the events of its description and comparing
what it does with what the description expects (descriptions.yaml says the notation)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from hausgeist.automations.engine import Engine
from hausgeist.automations.loading import check_all, world_of
from hausgeist.automations.words import RuleReader
from hausgeist.config import Config, load_config
from hausgeist.home import Home

HERE = Path(__file__).parent
DESCRIPTIONS = HERE / "descriptions.yaml"
EXAMPLE = HERE.parents[1] / "hausgeist" / "data" / "config.example.yaml"
DAY = "2026-01-10"
TOLERANCE = timedelta(minutes=3)


@dataclass(frozen=True)
class Verdict:
    text: str
    right: bool
    wrong_device: bool
    """The rule acted on a device the description did not expect at all."""
    why: str


def _when(text: str, zone: ZoneInfo) -> tuple[datetime, bool]:
    loose = text.startswith("~")
    text = text.lstrip("~")
    day = DAY
    if (re.fullmatch(r"\d\d-\d\d", text.split()[0]) and len(text.split()) > 1) or re.fullmatch(
        r"\d\d-\d\d", text
    ):
        day, text = f"2026-{text[:5]}", text[6:]
    clock = text if text.count(":") == 2 else f"{text}:00"
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=zone), loose


def _split_time(line: str) -> tuple[str, str]:
    parts = line.split(" ")
    if re.fullmatch(r"~?\d\d-\d\d", parts[0]):
        return f"{parts[0]} {parts[1]}", " ".join(parts[2:])
    return parts[0], " ".join(parts[1:])


class Judge:
    """Reads each description into a rule and replays its events through the engine."""

    def __init__(self, config: Config, reader: RuleReader | None = None) -> None:
        self.config = config
        home = Home.from_config(config)
        self.reader = reader or RuleReader(home.understanding, home.states)
        self.zone = ZoneInfo(config.location.time_zone)

    def judge(self, case: dict[str, Any]) -> Verdict:
        got = self.reader.read(case["text"])
        want = "confirm" if case["status"] == "done" else case["status"]
        if got.status != want:
            return Verdict(
                case["text"],
                right=False,
                wrong_device=False,
                why=f"status {got.status}, expected {case['status']}: {got.reply}",
            )
        if got.automation is None:
            return Verdict(case["text"], right=True, wrong_device=False, why="")
        world = world_of(self.config, [])
        rules = check_all(world, [([got.automation], ("rule",), None, "words")])
        engine = Engine(rules, world)
        done: list[tuple[datetime, str]] = []
        for i, event in enumerate(case.get("events", [])):
            when_text, rest = _split_time(event)
            when, _ = _when(when_text, self.zone)
            if i == 0:
                engine.start(when)
            engine.advance(when)
            if "=" in rest and not rest.startswith("mqtt "):
                entity_id, _, state = rest.partition("=")
                engine.set_state(entity_id.strip(), state.strip())
            done.extend(
                (
                    e.at,
                    f"{e.service} {e.entity_id}"
                    + (f" {json.dumps(e.data, sort_keys=True)}" if e.data else ""),
                )
                for e in engine.drain()
                if e.error is None and e.mqtt is None
            )
        return self._compare(case, done, got.automation)

    def _compare(
        self, case: dict[str, Any], done: list[tuple[datetime, str]], rule: Any
    ) -> Verdict:
        expected = []
        for line in case.get("expect", []):
            when_text, rest = _split_time(line)
            when, loose = _when(when_text, self.zone)
            call, _, data = rest.partition(" {")
            what = call.strip() + (
                f" {json.dumps(json.loads('{' + data), sort_keys=True)}" if data else ""
            )
            expected.append((when, loose, what))
        wanted_devices = {w.split()[1] for _, _, w in expected}
        wrong_device = any(what.split()[1] not in wanted_devices for _, what in done)
        if len(done) != len(expected):
            return Verdict(
                case["text"],
                right=False,
                wrong_device=wrong_device,
                why=f"did {done}, expected {expected}; rule {rule}",
            )
        for (at, what), (when, loose, want) in zip(done, expected, strict=True):
            if what != want or abs(at - when) > (TOLERANCE if loose else timedelta(seconds=1)):
                return Verdict(
                    case["text"],
                    right=False,
                    wrong_device=wrong_device,
                    why=f"did {done}, expected {expected}; rule {rule}",
                )
        return Verdict(case["text"], right=True, wrong_device=False, why="")


def judge_all(path: Path = DESCRIPTIONS, judge: Judge | None = None) -> list[Verdict]:
    judge = judge or Judge(load_config(EXAMPLE, env={}))
    cases = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [judge.judge(c) for c in cases]
