"""``<base>/federate/aggregate``: a federation's aggregate for this home to adopt, over MQTT.

For a household's own boxes: one box (or a person) publishes an aggregate, every box of the
household that runs ``hausgeist run`` adopts it, below what it learned itself. A retained
aggregate is adopted once (its id is remembered with what it brought); one this home
reverted is not adopted again; a payload that is not an aggregate is logged with what to
send, and the stream goes on.
"""

from __future__ import annotations

import logging

from hausgeist.agent import Agent
from hausgeist.config.models import FederationConfig
from hausgeist.errors import FederationError, HausgeistError
from hausgeist.federation import hook
from hausgeist.federation.lexicon import english
from hausgeist.federation.payload import Payload
from hausgeist.history.learned import LearningEvent
from hausgeist.learning.learner import Learner

log = logging.getLogger("hausgeist.federation")


class AggregateInbox:
    """Adopts aggregates published on its topic (blocking: run it off the event loop)."""

    def __init__(self, agent: Agent, settings: FederationConfig, base: str) -> None:
        self._agent = agent
        self._settings = settings
        self.topic = f"{base}/federate/aggregate"

    def on_message(self, payload: bytes) -> list[LearningEvent]:
        """Adopt the aggregate in ``payload``; the events kept (none when it is not taken)."""
        try:
            aggregate = Payload.read(payload.decode("utf-8"), f"the message on {self.topic}")
            if aggregate.kind != "aggregate":
                raise FederationError(
                    f"the message on {self.topic} is one home's contribution; publish an "
                    "aggregate ('hausgeist federate aggregate FILES --out FILE')"
                )
            origin = hook.origin_of(aggregate)
            lexicon = english(aggregate.lexicon_size)
            reads = hook.core_reads(self._agent.home)

            def adopt(learner: Learner) -> list[LearningEvent]:
                knowledge = learner.knowledge
                held = {p.origin for p in knowledge.phrases.values()}
                if origin in knowledge.reverted or origin in held:
                    return []
                return hook.adopt(
                    aggregate,
                    knowledge,
                    self._agent.registry,
                    self._settings,
                    lexicon,
                    now=self._agent.clock.now(),
                    home=learner.home,
                    reads=reads,
                ).events

            events = self._agent.learn_with(adopt)
        except (UnicodeDecodeError, HausgeistError) as exc:
            log.warning("ignored an aggregate on %s: %s", self.topic, exc)
            return []
        log.info(
            "aggregate %s on %s: %d phrase(s) adopted%s",
            origin,
            self.topic,
            len(events),
            "" if events else " (none new: adopted or reverted before, or nothing for here)",
        )
        return events
