"""A helper to ask the test home (the fixtures ``core`` and ``states`` are in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from hausgeist.devices import StateStore
from hausgeist.understanding import Conversation, Decision, Request, Understanding

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
