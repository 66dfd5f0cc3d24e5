"""The agent as a Home Assistant device over MQTT discovery (issue 16): a text entity to type
commands into, sensors with the last reply and its status, a switch that pauses the
automations and one for the LLM stage, a button that reloads the rules; all available while
the agent's status topic says ``online``.

Pure: :func:`announcements` gives the retained discovery messages (Home Assistant's own
schema: ``<prefix>/<component>/<node>/<object>/config``), :class:`Switches` holds the two
switches and reads their commands."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from hausgeist import __version__
from hausgeist.integration.topics import Topics

PAUSE = "automations/pause"
LLM = "llm"


def node_id(client_id: str) -> str:
    """The discovery node id: the client id in the characters Home Assistant allows."""
    return re.sub(r"[^a-zA-Z0-9_-]", "_", client_id) or "hausgeist"


@dataclass(frozen=True)
class Announcement:
    """One retained discovery message."""

    topic: str
    config: dict[str, Any]

    @property
    def payload(self) -> bytes:
        return json.dumps(self.config, sort_keys=True).encode()


def announcements(topics: Topics, prefix: str, node: str) -> list[Announcement]:
    """The discovery messages of the agent's entities."""
    base = topics.base
    device = {
        "identifiers": [node],
        "name": "hausgeist",
        "manufacturer": "hausgeist",
        "model": "local home agent",
        "sw_version": __version__,
    }
    common = {
        "availability_topic": topics.status,
        "payload_available": "online",
        "payload_not_available": "offline",
        "device": device,
        "origin": {"name": "hausgeist", "sw_version": __version__},
    }
    entities: list[tuple[str, str, dict[str, Any]]] = [
        (
            "text",
            "command",
            {
                "name": "Command",
                "command_topic": topics.command,
                "max": 255,
                "mode": "text",
                "icon": "mdi:account-voice",
            },
        ),
        (
            "sensor",
            "reply",
            {
                "name": "Last reply",
                "state_topic": f"{base}/response",
                "value_template": "{{ value_json.reply | truncate(250, True) }}",
                "json_attributes_topic": f"{base}/response",
                "json_attributes_template": (
                    "{{ {'status': value_json.status, 'actions': value_json.actions,"
                    " 'source': value_json.source} | tojson }}"
                ),
                "icon": "mdi:message-reply-text",
            },
        ),
        (
            "sensor",
            "status",
            {
                "name": "Last status",
                "state_topic": f"{base}/response",
                "value_template": "{{ value_json.status }}",
                "icon": "mdi:check-circle-outline",
            },
        ),
        (
            "switch",
            "automations",
            {
                "name": "Automations",
                "command_topic": f"{base}/{PAUSE}/set",
                "state_topic": f"{base}/{PAUSE}",
                "payload_on": "ON",
                "payload_off": "OFF",
                "icon": "mdi:robot",
            },
        ),
        (
            "switch",
            "llm",
            {
                "name": "Local language model",
                "command_topic": f"{base}/{LLM}/set",
                "state_topic": f"{base}/{LLM}",
                "payload_on": "ON",
                "payload_off": "OFF",
                "icon": "mdi:brain",
            },
        ),
        (
            "button",
            "reload",
            {
                "name": "Reload automations",
                "command_topic": f"{base}/automations/reload",
                "payload_press": "reload",
                "icon": "mdi:reload",
            },
        ),
    ]
    return [
        Announcement(
            f"{prefix}/{component}/{node}/{object_id}/config",
            {
                **config,
                "unique_id": f"{node}_{object_id}",
                "object_id": f"hausgeist_{object_id}",
                **common,
            },
        )
        for component, object_id, config in entities
    ]


@dataclass
class Switches:
    """The two switches: automations running (not paused) and the LLM stage on."""

    topics: Topics
    automations: bool = True
    llm: bool = True

    @property
    def command_topics(self) -> list[str]:
        base = self.topics.base
        return [f"{base}/{PAUSE}/set", f"{base}/{LLM}/set"]

    def states(self) -> list[tuple[str, bytes]]:
        """The retained state messages of both switches."""
        base = self.topics.base
        return [
            (f"{base}/{PAUSE}", b"ON" if self.automations else b"OFF"),
            (f"{base}/{LLM}", b"ON" if self.llm else b"OFF"),
        ]

    def command(self, topic: str, payload: bytes) -> str | None:
        """Apply a switch command; which switch changed (``automations``/``llm``), or None
        for a payload that is neither ON nor OFF."""
        said = payload.decode("utf-8", "replace").strip().upper()
        if said not in {"ON", "OFF"}:
            return None
        on = said == "ON"
        if topic.endswith(f"/{PAUSE}/set"):
            self.automations = on
            return "automations"
        if topic.endswith(f"/{LLM}/set"):
            self.llm = on
            return "llm"
        return None
