"""Rhasspy 2 / Hermes on the configured broker: ``hermes/nlu/query`` in; the agent decides
(and, under ``hausgeist run``, carries out) the request; ``hermes/intent/<name>`` or
``hermes/nlu/intentNotRecognized`` out with the query's ``id``, ``siteId`` and
``sessionId``, and ``hermes/dialogueManager/continueSession`` (a question or a "say yes"
is pending: the next query of that session answers it) or ``endSession`` (the reply).
A ``siteId`` mapped in ``voice.satellites`` gives the request its room."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from typing import Any

from hausgeist.integration.outbox import Outbox
from hausgeist.integration.ports import AgentLike
from hausgeist.integration.sender import Doorbell
from hausgeist.understanding import Decision, Request, Status

log = logging.getLogger(__name__)

QUERY = "hermes/nlu/query"
NOT_RECOGNIZED = "hermes/nlu/intentNotRecognized"
CONTINUE = "hermes/dialogueManager/continueSession"
END = "hermes/dialogueManager/endSession"
MAX_QUERY = 64 * 1024
_INTENTS = {
    "turn_on": "HassTurnOn",
    "turn_off": "HassTurnOff",
    "toggle": "HassToggle",
    "open_cover": "HassTurnOn",
    "close_cover": "HassTurnOff",
    "lock": "HassTurnOn",
    "unlock": "HassTurnOff",
    "set_temperature": "HassClimateSetTemperature",
    "media_pause": "HassMediaPause",
    "media_play": "HassMediaUnpause",
    "media_next_track": "HassMediaNext",
    "volume_set": "HassSetVolume",
    "add_item": "HassShoppingListAddItem",
    "start": "HassVacuumStart",
    "return_to_base": "HassVacuumReturnToBase",
}


def intent_name(decision: Decision) -> str:
    """The Home Assistant intent name of what was decided (``HassTurnOn``, ``HassLightSet``…),
    ``HassGetState`` for an answer, ``hausgeist_<domain>_<service>`` where HA has none."""
    if decision.status is Status.ANSWER:
        return "HassGetState"
    calls = decision.actions or decision.pending
    if not calls:
        return "hausgeist_refused" if decision.status is Status.REFUSED else "hausgeist_clarify"
    call = calls[0]
    if call.domain == "light" and call.name == "turn_on" and call.data:
        return "HassLightSet"
    return _INTENTS.get(call.name, f"hausgeist_{call.domain}_{call.name}")


class HermesBridge:
    """Answers Hermes NLU queries with the agent."""

    def __init__(
        self, agent: AgentLike, outbox: Outbox, doorbell: Doorbell, satellites: Mapping[str, str]
    ) -> None:
        self._agent = agent
        self._outbox = outbox
        self._doorbell = doorbell
        self._satellites = dict(satellites)
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=256)

    def subscriptions(self) -> list[str]:
        return [QUERY]

    def on_message(self, payload: bytes) -> None:
        """A query arrived (on the event loop); answered in turn by :meth:`run`."""
        try:
            self._queue.put_nowait(payload)
        except asyncio.QueueFull:
            log.warning("hermes: too many queries waiting; dropped one")

    async def run(self, stopping: asyncio.Event) -> None:
        while not stopping.is_set():
            try:
                async with asyncio.timeout(0.5):
                    payload = await self._queue.get()
            except TimeoutError:
                continue
            try:
                await self._answer(payload)
            except Exception:  # one bad query must never stop the others
                log.exception("hermes: failed on a query")

    async def _answer(self, payload: bytes) -> None:
        query = _read(payload)
        if query is None:
            return
        text = str(query.get("input") or "")
        site = query.get("siteId")
        session = query.get("sessionId")
        echo = {
            "siteId": site,
            "sessionId": session,
            "id": query.get("id"),
            "customData": query.get("customData"),
        }
        if not text.strip():
            self._send(NOT_RECOGNIZED, {"input": text, **echo})
            return
        area = self._satellites.get(str(site)) if site is not None else None
        request = Request(
            text[:2000],
            area,
            None,
            None if session is None else f"hermes:{session}",
            channel="hermes",
        )
        outcome = await asyncio.to_thread(self._agent.handle, request)
        decision = outcome.decision
        if decision.status is Status.NOT_UNDERSTOOD:
            self._send(NOT_RECOGNIZED, {"input": text, **echo})
        else:
            self._send(f"hermes/intent/{intent_name(decision)}", _intent(text, decision, echo))
        if session is None:
            return
        if decision.status in {Status.CONFIRM, Status.CLARIFY}:
            self._send(
                CONTINUE,
                {
                    "sessionId": session,
                    "text": decision.reply,
                    "customData": query.get("customData"),
                    "sendIntentNotRecognized": True,
                },
            )
        else:
            self._send(
                END,
                {
                    "sessionId": session,
                    "text": decision.reply,
                    "customData": query.get("customData"),
                },
            )

    def _send(self, topic: str, body: dict[str, Any]) -> None:
        self._outbox.enqueue_answer(topic, json.dumps(body).encode())
        self._doorbell.ring()


def _read(payload: bytes) -> dict[str, Any] | None:
    if len(payload) > MAX_QUERY:
        log.warning("hermes: a query of %d bytes was dropped (at most %d)", len(payload), MAX_QUERY)
        return None
    try:
        query = json.loads(payload)
    except (UnicodeDecodeError, ValueError) as exc:
        log.warning("hermes: a query that is not JSON was dropped: %s", exc)
        return None
    if not isinstance(query, dict) or not isinstance(query.get("input", ""), str):
        log.warning("hermes: a query without a text 'input' was dropped")
        return None
    return query


def _intent(text: str, decision: Decision, echo: dict[str, Any]) -> dict[str, Any]:
    calls = decision.actions or decision.pending
    slots = [
        {
            "entity": "name",
            "slotName": "name",
            "rawValue": call.entity_id,
            "value": {"kind": "Unknown", "value": call.entity_id},
            "confidence": 1.0,
            "range": None,
        }
        for call in calls
    ]
    return {
        "input": text,
        "intent": {
            "intentName": intent_name(decision),
            "confidenceScore": round(decision.confidence, 3),
        },
        "slots": slots,
        **echo,
    }
