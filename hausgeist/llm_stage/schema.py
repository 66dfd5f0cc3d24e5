"""The JSON the model must emit: the schema that :mod:`.grammar` encodes, parsed with pydantic.

Three shapes, exactly one key each::

    {"calls": [{"entity_id": "light.kitchen", "service": "light.turn_on", "data": {...}}]}
    {"refuse": "no_such_device"}        # or "not_possible"
    {"unknown": true}

The grammar fixes the key order and spacing, so the text is also what ``json.dumps``
writes for these models (the in-context examples are written that way).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from hausgeist.devices.actions import ServiceCall
from hausgeist.errors import HausgeistError

MAX_CALLS = 4
"""Most service calls one answer may hold."""

RefuseReason = Literal["no_such_device", "not_possible"]


class AnswerError(HausgeistError):
    """The model's text is not an answer of the schema (cut off, or not JSON)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LlmCall(_Frozen):
    """One service call as the model writes it: the entity first, then what to do."""

    entity_id: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z0-9_]+$")]
    """The target entity."""
    service: Annotated[str, StringConstraints(pattern=r"^[a-z_]+\.[a-z_]+$")]
    """``<domain>.<service>``, Home Assistant's name."""
    data: dict[str, Any] = Field(default_factory=dict)
    """Service data, Home Assistant keys and units."""

    def as_service_call(self) -> ServiceCall:
        """The project's call type (checked against the registry afterwards)."""
        return ServiceCall(service=self.service, entity_id=self.entity_id, data=self.data)


class LlmAnswer(_Frozen):
    """The whole answer: calls, a refusal, or "I don't know"."""

    calls: Annotated[list[LlmCall], Field(min_length=1, max_length=MAX_CALLS)] | None = None
    """What to do, when the model understood a command."""
    refuse: RefuseReason | None = None
    """Why nothing can be done: the device does not exist, or cannot do that."""
    unknown: Literal[True] | None = None
    """The model could not make sense of the request."""

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        given = [k for k in ("calls", "refuse", "unknown") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"exactly one of calls, refuse, unknown must be given, got {given}")
        return self

    def to_json(self) -> str:
        """The text the grammar produces for this answer (used for in-context examples)."""
        return json.dumps(self.model_dump(exclude_none=True, exclude_defaults=True))


def parse_answer(text: str) -> LlmAnswer:
    """Parse and validate the model's text; AnswerError when it is not a schema answer."""
    try:
        return LlmAnswer.model_validate_json(text)
    except (ValidationError, ValueError) as exc:
        raise AnswerError(
            f"the model's answer is not valid ({_first_error(exc)}): {text!r}"
        ) from exc


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "answer"
        return f"{where}: {first['msg']}"
    return str(exc)
