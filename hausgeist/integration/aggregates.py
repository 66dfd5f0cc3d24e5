"""The federation over MQTT, for a household's own boxes.

``<base>/federate/aggregate``: a federation's aggregate for this home to adopt.

For a household's own boxes: one box (or a person) publishes an aggregate, every box of the
household that runs ``hausgeist run`` adopts it, below what it learned itself. A retained
aggregate is adopted once (its id is remembered with what it brought); one this home
reverted is not adopted again; a payload that is not an aggregate is logged with what to
send, and the stream goes on. Reading an aggregate back takes a second or two of CPU: it
runs on its own single worker thread, one aggregate after the other, and holds the agent's
lock only to keep what it found, so requests are never queued behind it.
``<base>/federate/export`` asks a box for its contribution (:class:`ContributionDesk`).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from hausgeist.agent import Agent
from hausgeist.config.models import FederationConfig
from hausgeist.errors import FederationError, HausgeistError
from hausgeist.federation import hook
from hausgeist.federation.lexicon import english
from hausgeist.federation.payload import Payload
from hausgeist.history.learned import LearningEvent
from hausgeist.integration.outbox import Outbox
from hausgeist.integration.sender import Doorbell
from hausgeist.learning.learner import Learner

log = logging.getLogger("hausgeist.federation")


class AggregateInbox:
    """Adopts aggregates published on its topic (blocking: run it off the event loop)."""

    def __init__(self, agent: Agent, settings: FederationConfig, base: str) -> None:
        self._agent = agent
        self._settings = settings
        self.topic = f"{base}/federate/aggregate"
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="federation")
        """Where :meth:`on_message` runs: never the workers that carry out commands."""

    def on_message(self, payload: bytes) -> list[LearningEvent]:
        """Adopt the aggregate in ``payload``; the events kept (none when it is not taken)."""
        try:
            aggregate = Payload.read(payload.decode("utf-8"), f"the message on {self.topic}")
            if aggregate.kind != "aggregate":
                raise FederationError(
                    f"the message on {self.topic} is one home's contribution; publish an "
                    "aggregate ('hausgeist federate aggregate FILES --out FILE')"
                )
            learner = self._agent.learner
            if learner is None:
                raise FederationError("learning is off: nothing is adopted here")
            adoption = hook.adopt(  # outside the agent's lock: this is the slow part
                aggregate,
                learner.knowledge,
                self._agent.registry,
                self._settings,
                english(aggregate.lexicon_size),
                now=self._agent.clock.now(),
                home=learner.home,
                reads=hook.core_reads(self._agent.home),
            )

            def keep(learner: Learner) -> list[LearningEvent]:
                knowledge = learner.knowledge
                if adoption.origin in knowledge.reverted | knowledge.origins:
                    return []
                return adoption.events

            events = self._agent.learn_with(keep)
        except (UnicodeDecodeError, HausgeistError) as exc:
            log.warning("ignored an aggregate on %s: %s", self.topic, exc)
            return []
        idioms = sum(1 for e in events if "idiom" in e.data)
        log.info(
            "aggregate %s on %s: %d phrase(s) adopted, %d idiom(s)%s",
            adoption.origin,
            self.topic,
            len(events) - idioms,
            idioms,
            "" if events else " (none new: adopted or reverted before, or nothing for here)",
        )
        return events


class ContributionDesk:
    """``<base>/federate/export`` in, ``<base>/federate/contribution`` out: a household box
    asked for its contribution publishes it (noised here, scanned, its ε recorded), through
    the outbox like every other publish. A retained request is ignored (it would spend ε at
    every start); a spent budget or a refused message is logged and nothing is published."""

    def __init__(
        self,
        agent: Agent,
        settings: FederationConfig,
        base: str,
        outbox: Outbox,
        doorbell: Doorbell,
    ) -> None:
        self._agent = agent
        self._settings = settings
        self._outbox = outbox
        self._doorbell = doorbell
        self.topic = f"{base}/federate/export"
        self.out = f"{base}/federate/contribution"

    def on_message(self, payload: bytes) -> hook.Contribution | None:
        """Make, keep and publish this home's contribution; None when it was not made."""
        del payload  # the request carries nothing: the configuration says how
        try:
            learner = self._agent.learner
            if learner is None:
                raise FederationError("learning is off: there is nothing to share")
            recent = getattr(self._agent.history, "recent", None)
            entries = recent(hook.HISTORY_READ, home=learner.home) if recent is not None else []
            registry = self._agent.registry
            texts = [e.text for e in entries]
            lexicon = english(self._settings.lexicon_size)
            guard = hook.guard_of(registry, learner.home, texts, lexicon)  # outside the lock
            made: list[hook.Contribution] = []

            def share(learner: Learner) -> list[LearningEvent]:
                made.append(
                    hook.contribute(
                        learner.knowledge,
                        registry,
                        self._settings,
                        guard,
                        now=self._agent.clock.now(),
                        to=self.out,
                        rng=np.random.default_rng(),
                        home=learner.home,
                    )
                )
                return [made[0].event]

            self._agent.learn_with(share)  # the budget is read and spent under the lock
        except HausgeistError as exc:
            log.warning("no contribution published on %s: %s", self.out, exc)
            return None
        self._outbox.enqueue_answer(self.out, made[0].payload.text().encode())
        self._doorbell.ring()
        log.info(
            "contribution published on %s: %d pattern(s), ε %.2f this round",
            self.out,
            len(made[0].patterns),
            made[0].payload.epsilon,
        )
        return made[0]
