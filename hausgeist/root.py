"""The composition root: the one place that turns a configuration and chosen ports into an agent.

Entry points (``ask``, ``run``, ``demo``; next: Wyoming, Hermes, HTTP, automations) build
the :class:`~hausgeist.home.Home`, choose their :class:`Ports` (a dispatcher for real
devices, a history store, the model, the clock) and hand both to :class:`Root`; tests
pass fakes through the same door.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from hausgeist.agent import Agent, Clock, Dispatcher, HandOver, History
from hausgeist.config.models import Config
from hausgeist.errors import HausgeistError, HistoryError
from hausgeist.home import Home
from hausgeist.learning.learner import Learner, LearningSettings, LearningSink
from hausgeist.paths import data_dir as default_data_dir

if TYPE_CHECKING:
    from hausgeist.history import SqlHistory
    from hausgeist.llm_runtime.tuned_store import ActiveTune
    from hausgeist.llm_stage.generation import Generator
    from hausgeist.llm_stage.stage import LlmStage

log = logging.getLogger("hausgeist.root")

ModelLoader = Callable[[], "Generator"]
"""Loads the LLM stage's model (blocking); called on the first hand-over."""


@dataclass(frozen=True)
class Ports:
    """What an agent talks to outside itself. Entry points choose them; tests pass fakes."""

    dispatcher: Dispatcher | None = None
    """Carries actions out on real devices; None: devices with ``mqtt:`` are left alone and
    virtual ones change in memory."""
    history: History | None = None
    """Records requests and decisions; None: nothing is recorded."""
    model: ModelLoader | None = None
    """The LLM stage's model; None: the home's tuned model, else the configured GGUF file."""
    handover: HandOver | None = None
    """Replaces the whole LLM stage (tests); None: the LLM stage when ``llm.enabled``."""
    clock: Clock | None = None
    """The time of day; None: the system clock."""
    learning: LearningSink | None = None
    """Where what the agent learns is kept; None: the history, when it keeps it (``learning:
    enabled``); without either, nothing is learned."""


class Root:
    """Builds one agent for a home from its ports."""

    def __init__(
        self, home: Home, ports: Ports | None = None, *, data_dir: Path | None = None
    ) -> None:
        ports = ports or Ports()
        self.home = home
        self.data_dir = data_dir or default_data_dir(home.config)
        """Where history, tuned models and the model's kept prompts live."""
        self.tuned: ActiveTune | None = None
        """This home's tuned model when the stage runs on it (``hausgeist model tune``)."""
        self.llm: LlmStage | None = None
        """The LLM stage when the root built it (not when a ``handover`` port replaces it)."""
        learner = self._learner(ports)
        handover = (
            ports.handover if ports.handover is not None else self._llm_stage(ports.model, learner)
        )
        self.agent = Agent(
            home,
            dispatcher=ports.dispatcher,
            history=ports.history,
            handover=handover,
            clock=ports.clock,
            learner=learner,
        )
        """The agent, wired."""

    @classmethod
    def from_config(
        cls, config: Config, ports: Ports | None = None, *, data_dir: Path | None = None
    ) -> Root:
        """The root of the home ``config`` describes."""
        return cls(Home.from_config(config), ports, data_dir=data_dir)

    def _learner(self, ports: Ports) -> Learner | None:
        """What the agent learned so far, read from where it keeps it."""
        config = self.home.config
        sink = ports.learning
        if sink is None and isinstance(ports.history, LearningSink):
            sink = ports.history
        if not config.learning.enabled or sink is None:
            return None
        try:
            return learner_for(self.home, sink)
        except HistoryError as exc:
            log.warning("learning is off for this run: %s", exc)
            return None

    def _llm_stage(self, model: ModelLoader | None, learner: Learner | None) -> LlmStage | None:
        config = self.home.config
        if not config.llm.enabled:
            return None
        from hausgeist.llm_runtime.runtime import load_runtime
        from hausgeist.llm_runtime.tuned_store import effective_llm
        from hausgeist.llm_stage.stage import LlmStage

        llm_config, self.tuned = effective_llm(config) if model is None else (config.llm, None)
        kept = self.data_dir / "cache" / "prompts"
        self.llm = LlmStage(
            self.home.understanding,
            llm_config,
            load=model or (lambda: load_runtime(llm_config, kept)),
            own=learner.examples if learner is not None else None,
        )
        return self.llm

    def warm_up_in_background(self) -> None:
        """Load the model and prime the home's prompt now, so the first hand-over is not slow."""
        llm = self.llm
        if llm is None:
            return
        states = self.home.states

        def warm() -> None:
            try:
                llm.warm_up(states)
            except HausgeistError as exc:
                log.warning("the LLM stage is off for now: %s", exc)

        threading.Thread(target=warm, name="llm-warm-up", daemon=True).start()

    def close(self) -> None:
        """Flush history and free the model."""
        self.agent.close()


def learner_for(home: Home, sink: LearningSink) -> Learner:
    """The learner of ``home``, with what ``sink`` kept so far. Raises HistoryError when that
    cannot be read."""
    config = home.config
    return Learner(
        home.understanding,
        learning_settings(config),
        sink,
        home=config.home,
        events=sink.learning_events(config.home),
    )


def learning_settings(config: Config) -> LearningSettings:
    """The ``learning:`` section as the learner reads it."""
    learning = config.learning
    return LearningSettings(
        min_evidence=learning.min_evidence,
        half_life_days=learning.half_life_days,
        retention_days=learning.retention_days,
        window_s=learning.window_s,
    )


def open_history(config: Config, data_dir: Path) -> SqlHistory | None:
    """The configured history store; None when it is off or cannot open (reported, not fatal)."""
    if not config.history.enabled:
        return None
    from hausgeist.history import SqlHistory

    try:
        return SqlHistory.open(config.history.url, data_dir)
    except HistoryError as exc:
        log.warning("history is off for this run: %s", exc)
        return None
