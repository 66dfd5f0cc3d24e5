"""The agent's MQTT topics and the one rule for where it may publish (contract §4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

MAX_TOPIC_BYTES = 65535
"""MQTT's limit on a topic name's UTF-8 length."""


def is_valid_topic_name(topic: str) -> bool:
    """A topic one can publish to: non-empty, no wildcards, no NUL, within MQTT's length."""
    if not topic or "+" in topic or "#" in topic or "\x00" in topic:
        return False
    return len(topic.encode("utf-8", "surrogatepass")) <= MAX_TOPIC_BYTES


def filter_matches(topic_filter: str, topic: str) -> bool:
    """Whether ``topic`` matches the MQTT topic filter (``+`` one level, ``#`` the rest)."""
    if topic_filter == topic:
        return True
    parts = topic.split("/")
    levels = topic_filter.split("/")
    for index, level in enumerate(levels):
        if level == "#":
            return index == len(levels) - 1
        if index >= len(parts):
            return False
        if level not in {"+", parts[index]}:
            return False
    return len(parts) == len(levels)


def is_under(prefix: str, topic: str) -> bool:
    """Whether ``topic`` is ``prefix`` itself or a topic below it."""
    return topic == prefix or topic.startswith(prefix + "/")


@dataclass(frozen=True)
class Topics:
    """The agent's own topics below ``base``."""

    base: str
    """The base topic, ``hausgeist`` by default."""

    def __post_init__(self) -> None:
        base = self.base.strip("/")
        if not is_valid_topic_name(base):
            raise ValueError(f"invalid base topic {self.base!r}: it must be a topic without + or #")
        object.__setattr__(self, "base", base)

    @property
    def command(self) -> str:
        """Commands in: plain text or JSON."""
        return f"{self.base}/command"

    @property
    def response(self) -> str:
        """Answers out, unless a command names its own ``reply_to``."""
        return f"{self.base}/response"

    @property
    def feedback(self) -> str:
        """Verdicts on earlier requests: ``{"id": ..., "right": true|false}``."""
        return f"{self.base}/feedback"

    @property
    def status(self) -> str:
        """Availability, retained: ``online`` / ``offline`` (also the last will)."""
        return f"{self.base}/status"


@dataclass(frozen=True)
class PublishPolicy:
    """Where the agent may publish: its own tree, allowed answer topics, its devices' topics.

    Every publish the agent makes passes :meth:`may_publish`; a command's ``reply_to``
    passes :meth:`may_reply_to`."""

    topics: Topics
    """The agent's own topics."""
    reply_filters: tuple[str, ...] = ()
    """Topic filters outside the base tree where answers may go (``phones/+/answers``)."""
    device_filters: tuple[str, ...] = ()
    """Topics (or filters) the device adapters publish to."""

    @classmethod
    def build(
        cls, topics: Topics, reply_filters: Iterable[str], device_filters: Iterable[str]
    ) -> PublishPolicy:
        """A policy from any iterables of filters."""
        return cls(topics, tuple(reply_filters), tuple(device_filters))

    def may_reply_to(self, topic: str) -> bool:
        """Whether a command's ``reply_to`` is acceptable.

        It must be a plain topic (no wildcard) below the base topic, but not the command or
        status topic (a loop, a lie about availability), or match an allowed reply filter."""
        if not is_valid_topic_name(topic):
            return False
        if topic in {self.topics.command, self.topics.status}:
            return False
        if is_under(self.topics.base, topic):
            return True
        return any(filter_matches(f, topic) for f in self.reply_filters)

    def may_publish(self, topic: str) -> bool:
        """Whether the agent may publish to ``topic`` at all."""
        if not is_valid_topic_name(topic):
            return False
        if topic == self.topics.command:
            return False
        if is_under(self.topics.base, topic):
            return True
        exact, wild = self._split_filters
        return topic in exact or any(filter_matches(f, topic) for f in wild)

    @cached_property
    def _split_filters(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """The reply and device filters: plain topics (looked up) and wildcards (matched)."""
        every = self.reply_filters + self.device_filters
        plain = frozenset(f for f in every if "+" not in f and "#" not in f)
        return plain, tuple(f for f in every if f not in plain)
