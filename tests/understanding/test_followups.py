"""The follow-up table (cases/followups.yaml): a pending question, then an answer or a new request."""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_cases import CASES, check

from hausgeist.config import load_config
from hausgeist.config.models import PolicyConfig
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Conversation, Request, Understanding

ROOT = Path(__file__).parents[2]
HOMES = {
    "test": ROOT / "tests" / "understanding" / "home.yaml",
    "house": ROOT / "benchmarks" / "understanding" / "homes" / "house.yaml",
    "flat": ROOT / "benchmarks" / "understanding" / "homes" / "flat.yaml",
}
DROPPED = "dropped"
"""The word the reply of a new request uses to say the earlier question is gone."""


def _params() -> list[Any]:
    cases = yaml.safe_load((CASES / "followups.yaml").read_text(encoding="utf-8"))
    names = [c["name"] for c in cases]
    assert len(names) == len(set(names)), "case names must be unique"
    out = []
    for case in cases:
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


@cache
def home_core(home: str, policy: str | None) -> Understanding:
    """The core of a home of HOMES, its policy replaced by ``policy`` (JSON) when given."""
    config = load_config(HOMES[home], env={})
    if policy is not None:
        config = config.model_copy(update={"policy": PolicyConfig.model_validate_json(policy)})
    return Understanding(DeviceRegistry.from_config(config), config.policy)


@pytest.mark.parametrize("case", _params())
def test_followup(case: dict[str, Any]) -> None:
    policy = case.get("policy")
    core = home_core(case.get("home", "test"), None if policy is None else json.dumps(policy))
    states = StateStore.from_registry(core.registry)
    conversation = Conversation()
    for turn in case["turns"]:
        pending = conversation.confirm is not None or conversation.clarify is not None
        decision, conversation = core.decide(
            Request(turn["text"], session="s"), states, conversation
        )
        check(decision, turn)
        if pending:
            said = DROPPED in decision.reply.casefold()
            assert said == turn.get("dropped", False), f"{turn['text']!r}: {decision.reply}"
        else:
            assert "dropped" not in turn, f"{turn['text']!r} follows nothing pending"


def test_the_table_is_big_enough_and_covers_both_kinds() -> None:
    cases = yaml.safe_load((CASES / "followups.yaml").read_text(encoding="utf-8"))
    assert len(cases) >= 150
    firsts = {c["turns"][0]["status"] for c in cases}
    assert {"clarify", "confirm"} <= firsts


def test_followup_does_not_import_the_core() -> None:
    """followup.py sees the core through its Core protocol only: no import cycle, not even
    one for type checking."""
    source = ROOT / "hausgeist" / "understanding" / "followup.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
    assert "hausgeist.understanding.core" not in imported
