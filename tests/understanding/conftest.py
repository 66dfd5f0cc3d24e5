"""The understanding tests' home and a helper to ask it things."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hausgeist.config import Config, load_config
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Conversation, Decision, Request, Understanding

HOME = Path(__file__).parent / "home.yaml"


@pytest.fixture(scope="session")
def home_config() -> Config:
    return load_config(HOME, env={})


@pytest.fixture(scope="session")
def core(home_config: Config) -> Understanding:
    return Understanding(DeviceRegistry.from_config(home_config), home_config.policy)


@pytest.fixture
def states(core: Understanding) -> StateStore:
    return StateStore.from_registry(core.registry)


Ask = Callable[..., tuple[Decision, Conversation]]


@pytest.fixture
def ask(core: Understanding, states: StateStore) -> Ask:
    def run(
        text: str, conversation: Conversation | None = None, **context: str | None
    ) -> tuple[Decision, Conversation]:
        return core.decide(
            Request(text, context.get("area"), context.get("device")), states, conversation
        )

    return run
