"""``automations replay``: JSON lines of timed events in, the rules' actions out, in order.

An event line is ``{"at": ISO time, "mqtt": {"topic", "payload"}}``, ``{"at", "state":
{"entity_id", "state", "attributes"}}`` or ``{"at"}`` alone (time passes, timers run). Time
only moves forward. The first line's time is when the agent starts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from hausgeist.automations.engine import Emitted, Engine

MAX_LINE = 1024 * 1024


class EventError(ValueError):
    """An input line that is no event: said on stderr, the replay goes on."""


@dataclass(frozen=True)
class Event:
    at: datetime
    mqtt: tuple[str, bytes] | None = None
    state: tuple[str, str | None, dict[str, Any]] | None = None


def parse_event(line: str, zone: ZoneInfo) -> Event:
    """One input line as an event; EventError saying what is wrong."""
    if len(line) > MAX_LINE:
        raise EventError(f"the line has {len(line)} characters; at most {MAX_LINE}")
    try:
        raw = json.loads(line)
    except ValueError as exc:
        raise EventError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or "at" not in raw:
        raise EventError('an event is an object with "at" (an ISO 8601 time)')
    try:
        at = datetime.fromisoformat(str(raw["at"]))
    except ValueError as exc:
        raise EventError(f"'at' is not an ISO 8601 time: {raw['at']!r}") from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if "mqtt" in raw:
        return Event(at, mqtt=_mqtt(raw["mqtt"]))
    if "state" in raw:
        return Event(at, state=_state(raw["state"]))
    extra = set(raw) - {"at"}
    if extra:
        raise EventError(f"unknown keys {', '.join(sorted(extra))}: use mqtt or state")
    return Event(at)


def _mqtt(raw: Any) -> tuple[str, bytes]:
    if not isinstance(raw, dict) or not isinstance(raw.get("topic"), str) or not raw["topic"]:
        raise EventError('"mqtt" needs {"topic": ..., "payload": ...}')
    payload = raw.get("payload", "")
    if isinstance(payload, str):
        data = payload.encode("utf-8", "surrogateescape")
    elif payload is None:
        data = b""
    else:
        data = json.dumps(payload).encode()
    return raw["topic"], data


def _state(raw: Any) -> tuple[str, str | None, dict[str, Any]]:
    if not isinstance(raw, dict) or not isinstance(raw.get("entity_id"), str):
        raise EventError('"state" needs {"entity_id": ..., "state": ..., "attributes": {...}}')
    entity_id = raw["entity_id"]
    if "." not in entity_id:
        raise EventError(f"'{entity_id}' is not an entity id (domain.object_id)")
    state = raw.get("state")
    attributes = raw.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise EventError('"attributes" must be an object')
    if isinstance(state, bool):
        state = "on" if state else "off"
    return entity_id, None if state is None else str(state), attributes


def replay(
    engine: Engine, lines: Iterable[str], zone: ZoneInfo
) -> Iterator[tuple[int, list[Emitted], str | None]]:
    """For each input line: its number, what the rules did up to and at it, and an error."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            event = parse_event(line, zone)
        except EventError as exc:
            yield number, [], str(exc)
            continue
        if not engine.started:
            if not engine.world.zone_configured:
                engine.world.shown_in = event.at.tzinfo
            engine.start(event.at)
        elif event.at < engine.world.now:
            yield (
                number,
                [],
                (
                    f"time goes back ({event.at.isoformat()} is before "
                    f"{engine.world.now.isoformat()}); the line is skipped"
                ),
            )
            continue
        engine.advance(event.at)
        if event.state is not None:
            engine.set_state(*event.state)
        elif event.mqtt is not None:
            engine.mqtt_message(*event.mqtt)
        yield number, engine.drain(), None
