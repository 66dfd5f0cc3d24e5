"""The YAML case tables: one test per case, per category file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.config import load_config
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Conversation, Decision, Request, Understanding

CASES = Path(__file__).parent / "cases"


def _load(name: str) -> list[Any]:
    return list(yaml.safe_load((CASES / name).read_text(encoding="utf-8")))


def _params(names: list[str]) -> list[Any]:
    out = []
    for name in names:
        for case in _load(name):
            label = case.get("name") or case["text"]
            out.append(pytest.param(case, id=f"{name.removesuffix('.yaml')}: {label}"))
    return out


def _calls(items: list[dict[str, Any]] | None) -> list[tuple[str, str, dict[str, Any]]]:
    return sorted((i["service"], i["entity_id"], dict(i.get("data") or {})) for i in items or [])


def check(decision: Decision, case: dict[str, Any]) -> None:
    trace = "\n".join(decision.trace)
    assert decision.status.value == case["status"], f"{decision.reply}\n{trace}"
    if "actions" in case or case["status"] == "done":
        got = _calls([a.as_json() for a in decision.actions])
        assert got == _calls(case.get("actions")), trace
    if case["status"] != "done":
        assert decision.actions == (), "nothing may be done unless done"
    if "pending" in case:
        assert _calls([a.as_json() for a in decision.pending]) == _calls(case["pending"]), trace
    for word in case.get("reply", []):
        assert word in decision.reply.casefold(), decision.reply


SINGLE = [
    "phrasing.yaml",
    "on_off.yaml",
    "values.yaml",
    "media_and_more.yaml",
    "sentences.yaml",
    "questions.yaml",
    "refused.yaml",
    "clarify.yaml",
    "safety.yaml",
    "slips.yaml",
    "asides.yaml",
    "negation.yaml",
    "relative.yaml",
    "figurative.yaml",
    "multipart.yaml",
]


@pytest.mark.parametrize("case", _params(SINGLE))
def test_case(case: dict[str, Any], core: Understanding, states: StateStore) -> None:
    request = Request(case["text"], case.get("area"), case.get("device"))
    decision, _ = core.decide(request, states)
    check(decision, case)


@pytest.mark.parametrize("case", _params(["conversations.yaml"]))
def test_conversation(case: dict[str, Any], core: Understanding, states: StateStore) -> None:
    conversation = Conversation()
    for turn in case["turns"]:
        decision, conversation = core.decide(
            Request(turn["text"], session="s"), states, conversation
        )
        check(decision, turn)


MODES_HOME = Path(__file__).parent / "modes_home.yaml"


def _core_of(path: Path) -> Understanding:
    config = load_config(path, env={})
    return Understanding(DeviceRegistry.from_config(config), config.policy)


@pytest.fixture(scope="module")
def modes_core() -> Understanding:
    return _core_of(MODES_HOME)


@pytest.mark.parametrize("case", _params(["modes.yaml"]))
def test_modes(case: dict[str, Any], modes_core: Understanding) -> None:
    states = StateStore.from_registry(modes_core.registry)
    decision, _ = modes_core.decide(Request(case["text"], case.get("area")), states)
    check(decision, case)


@pytest.mark.parametrize("case", _params(["modes_conversations.yaml"]))
def test_modes_conversation(case: dict[str, Any], modes_core: Understanding) -> None:
    states = StateStore.from_registry(modes_core.registry)
    conversation = Conversation()
    for turn in case["turns"]:
        decision, conversation = modes_core.decide(
            Request(turn["text"], session="s"), states, conversation
        )
        check(decision, turn)


HA_HOME = Path(__file__).parent / "ha_home.yaml"


@pytest.fixture(scope="module")
def ha_core() -> Understanding:
    return _core_of(HA_HOME)


@pytest.mark.parametrize("case", _params(["lists_media_helpers.yaml"]))
def test_lists_media_helpers(case: dict[str, Any], ha_core: Understanding) -> None:
    states = StateStore.from_registry(ha_core.registry)
    decision, _ = ha_core.decide(Request(case["text"], case.get("area")), states)
    check(decision, case)
