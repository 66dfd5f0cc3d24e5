"""Codecs for the agent's MQTT payloads: commands in, answers and availability out.

A command is plain UTF-8 text or a JSON object (contract §4). Anything else raises
:class:`~hausgeist.errors.PayloadError`; :func:`salvage_reply` then reads what it can of
a broken payload so that the sender still gets an error answer.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from hausgeist.errors import PayloadError

MAX_COMMAND_BYTES = 64 * 1024
"""Commands larger than this are dropped unread."""
MAX_TEXT_CHARS = 2000
"""The longest request text accepted, on MQTT and by ``hausgeist ask``."""
ONLINE = b"online"
"""Availability payload while the agent runs."""
OFFLINE = b"offline"
"""Availability payload after a clean stop, and the last will."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _id_as_text(value: Any) -> Any:
    # JSON senders often use numbers as ids; they are echoed back as text.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
RequestId = Annotated[str, BeforeValidator(_id_as_text), Field(min_length=1, max_length=200)]


class Command(BaseModel):
    """One command from ``<base>/command``; unknown keys are ignored (forward compatible)."""

    model_config = ConfigDict(extra="ignore", frozen=True, str_strip_whitespace=True)

    text: Text
    """What the person said or typed."""
    id: RequestId | None = None
    """The sender's id: echoed in the answer, and the key that makes a repeat harmless."""
    area: ShortText | None = None
    """Area id of the satellite the command came from."""
    device: ShortText | None = None
    """Entity id of the device the command came from."""
    reply_to: Annotated[str, Field(min_length=1, max_length=1000)] | None = None
    """Where to publish the answer instead of ``<base>/response``."""
    session: ShortText | None = None
    """Conversation id for follow-ups (``yes``, a PIN, an answer to ``clarify``)."""


def decode_command(payload: bytes, max_bytes: int = MAX_COMMAND_BYTES) -> Command:
    """Read a command payload; raise ``PayloadError`` saying what is wrong with it."""
    if len(payload) > max_bytes:
        raise PayloadError(f"command of {len(payload)} bytes is over the {max_bytes}-byte limit")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PayloadError(f"command is not UTF-8 (byte {exc.start})") from None
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        return _decode_json(stripped)
    if not stripped:
        raise PayloadError("command is empty")
    if _CONTROL.search(stripped):
        raise PayloadError("command text contains control characters")
    if len(stripped) > MAX_TEXT_CHARS:
        raise PayloadError(f"command text is over {MAX_TEXT_CHARS} characters")
    return Command(text=stripped)


def _decode_json(text: str) -> Command:
    try:
        data = json.loads(text)
    except RecursionError:
        raise PayloadError("command JSON is nested too deeply") from None
    except ValueError as exc:
        raise PayloadError(f"command is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PayloadError("a JSON command must be an object with a 'text' key")
    try:
        command = Command.model_validate(data)
    except ValidationError as exc:
        raise PayloadError(f"invalid JSON command: {_first_error(exc)}") from None
    if _CONTROL.search(command.text):
        raise PayloadError("command text contains control characters")
    return command


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    where = ".".join(str(p) for p in error["loc"]) or "payload"
    return f"{where}: {error['msg'].lower()}"


SALVAGE_BYTES = 4096
"""How much of an oversize or broken command is read for its ``id`` and ``reply_to``."""


def salvage_reply(
    payload: bytes, max_bytes: int = MAX_COMMAND_BYTES
) -> tuple[str | None, str | None]:
    """The ``id`` and ``reply_to`` of a broken command, where they can be read.

    A payload within ``max_bytes`` is read whole; one over it, or one that is no JSON (cut
    short, nested too deeply), only for the keys at its start, in its first
    ``SALVAGE_BYTES``: ``{"id": "x1", "text": "<70 KB>"}`` is answered."""
    if len(payload) <= max_bytes:
        try:
            data = json.loads(payload.decode("utf-8", "replace"))
        except (ValueError, RecursionError):
            data = None
        else:
            if not isinstance(data, dict):
                return None, None
    else:
        data = None
    if data is None:
        data = _leading_keys(payload[:SALVAGE_BYTES].decode("utf-8", "replace"))
    return _text_or_none(data.get("id")), _text_or_none(data.get("reply_to"))


def _leading_keys(text: str) -> dict[str, Any]:
    """The keys of a JSON object whose values are whole in ``text``, up to the first that
    is not (``text`` is the start of a payload, cut anywhere)."""
    decoder = json.JSONDecoder()
    found: dict[str, Any] = {}
    pos = _after_space(text, 0)
    if not text.startswith("{", pos):
        return found
    pos = _after_space(text, pos + 1)
    while text.startswith('"', pos):
        try:
            key, pos = decoder.raw_decode(text, pos)
            pos = _after_space(text, pos)
            if not text.startswith(":", pos):
                break
            value, pos = decoder.raw_decode(text, _after_space(text, pos + 1))
        except (ValueError, RecursionError):
            break
        found.setdefault(key, value)
        pos = _after_space(text, pos)
        if not text.startswith(",", pos):
            break
        pos = _after_space(text, pos + 1)
    return found


def _after_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


def _text_or_none(value: Any) -> str | None:
    value = _id_as_text(value)
    if isinstance(value, str) and 0 < len(value) <= 1000:
        return value
    return None


def error_answer(
    reply: str, *, request_id: str | None, status: str = "not_understood", error: str
) -> dict[str, Any]:
    """An answer in the contract's shape for a command that never reached the agent."""
    out: dict[str, Any] = {
        "status": status,
        "reply": reply,
        "actions": [],
        "pending": [],
        "source": "mqtt",
        "confidence": 0.0,
        "latency_ms": 0.0,
        "error": error,
    }
    if request_id is not None:
        out["id"] = request_id
    return out


def encode_answer(answer: dict[str, Any]) -> bytes:
    """An answer as compact UTF-8 JSON."""
    return json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
