"""Topics and the one rule for where the agent may publish."""

from __future__ import annotations

import pytest

from hausgeist.integration.topics import PublishPolicy, Topics, filter_matches, is_valid_topic_name

POLICY = PublishPolicy.build(
    Topics("hausgeist"),
    reply_filters=["phones/+/answers", "voice/#"],
    device_filters=["zigbee2mqtt/Kitchen Light/set", "cmnd/coffee/POWER1"],
)


@pytest.mark.parametrize(
    ("topic_filter", "topic", "matches"),
    [
        ("a/b", "a/b", True),
        ("a/+", "a/b", True),
        ("a/+", "a/b/c", False),
        ("a/#", "a", True),
        ("a/#", "a/b/c", True),
        ("#", "anything/at/all", True),
        ("a/+/c", "a/b/c", True),
        ("a/+/c", "a/b/d", False),
        ("a/b", "a/b/c", False),
        ("a/b/c", "a/b", False),
        ("a/#/c", "a/b/c", False),
    ],
)
def test_filter_matching(topic_filter: str, topic: str, matches: bool) -> None:
    assert filter_matches(topic_filter, topic) is matches


def test_topics_below_the_base() -> None:
    topics = Topics("home/agent/")
    assert (topics.command, topics.response, topics.status) == (
        "home/agent/command",
        "home/agent/response",
        "home/agent/status",
    )


@pytest.mark.parametrize("base", ["", "home/#", "home/+/x"])
def test_a_base_with_wildcards_is_refused(base: str) -> None:
    with pytest.raises(ValueError, match="base topic"):
        Topics(base)


@pytest.mark.parametrize(
    ("topic", "allowed"),
    [
        ("hausgeist/response", True),
        ("hausgeist/status", True),
        ("hausgeist/replies/phone", True),
        ("hausgeist", True),
        ("hausgeist/command", False),  # never feed ourselves a command
        ("hausgeistx/response", False),
        ("zigbee2mqtt/Kitchen Light/set", True),
        ("zigbee2mqtt/Kitchen Light", False),  # a device's state topic is the device's
        ("zigbee2mqtt/Front Door/set", False),  # not a configured device
        ("cmnd/coffee/POWER1", True),
        ("phones/anna/answers", True),
        ("phones/anna/other", False),
        ("voice/kitchen/satellite", True),
        ("homeassistant/light/x/config", False),
        ("hausgeist/+", False),
        ("hausgeist/#", False),
        ("", False),
        ("hausgeist/a\x00b", False),
    ],
)
def test_may_publish(topic: str, allowed: bool) -> None:
    assert POLICY.may_publish(topic) is allowed


@pytest.mark.parametrize(
    ("topic", "allowed"),
    [
        ("hausgeist/replies/phone", True),
        ("hausgeist/response", True),
        ("hausgeist/command", False),
        ("hausgeist/status", False),
        ("hausgeist/replies/#", False),
        ("hausgeist/+/x", False),
        ("phones/anna/answers", True),
        ("zigbee2mqtt/Kitchen Light/set", False),  # answers never go to devices
        ("elsewhere", False),
    ],
)
def test_may_reply_to(topic: str, allowed: bool) -> None:
    assert POLICY.may_reply_to(topic) is allowed


def test_overlong_topic_is_not_valid() -> None:
    assert not is_valid_topic_name("a" * 65536)
    assert is_valid_topic_name("a" * 65535)
