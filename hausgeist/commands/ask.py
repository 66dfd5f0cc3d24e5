"""``hausgeist ask``: one request from the arguments, or JSON lines on stdin (contract §3)."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
import os
import sys
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from hausgeist.agent import Agent, Dispatcher, Outcome
from hausgeist.commands.common import EXIT_OK, UsageError, load_live
from hausgeist.config import Config
from hausgeist.config.checks import suggest
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.domains.attributes import attribute_problem, state_problem
from hausgeist.home import Home
from hausgeist.integration.payloads import MAX_TEXT_CHARS, salvage_reply
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history
from hausgeist.understanding import Request

if TYPE_CHECKING:
    from hausgeist.integration.homeassistant.link import HomeAssistantLink

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 1024 * 1024
"""The longest JSON line read (a request with its state overrides); a longer one is answered
unread, and only a chunk of it is ever in memory."""
_CHUNK = 64 * 1024


class _Line(BaseModel):
    """One JSON-lines request."""

    model_config = ConfigDict(extra="ignore")
    text: str
    area: str | None = None
    device: str | None = None
    state: dict[str, dict[str, Any]] | None = None
    session: str | None = None
    id: str | int | None = None
    time: datetime | None = None
    """When it was said (ISO 8601); without a zone, the home's local time."""
    user: str | None = None

    @field_validator("state")
    @classmethod
    def _readable_state(
        cls, value: dict[str, dict[str, Any]] | None
    ) -> dict[str, dict[str, Any]] | None:
        for entity_id, entity in (value or {}).items():
            if (problem := override_problem(entity_id, entity)) is not None:
                raise ValueError(problem)
        return value


def run(args: argparse.Namespace) -> int:
    """Answer the request(s); exit 0 for every contract status."""
    config, _, link = load_live(args.config)
    with contextlib.ExitStack() as stack:
        if link is not None:
            stack.callback(link.close)
        return _answer(args, config, link)


def _answer(args: argparse.Namespace, config: Config, link: HomeAssistantLink | None) -> int:
    home = Home.from_config(config)
    state = read_state(Path(args.state)) if args.state else None
    _check_place(home.registry, args.area, args.device)
    data = default_data_dir(config)
    dispatcher: Dispatcher | None = None
    if link is not None and not args.dry_run:
        from hausgeist.integration.homeassistant.dispatch import HomeAssistantDispatcher

        dispatcher = HomeAssistantDispatcher(link)
    elif config.mqtt is not None and not args.dry_run:
        from hausgeist.integration.oneshot import OneShotDispatcher

        dispatcher = OneShotDispatcher(config.mqtt, home.registry, home.states)
    history = None if args.no_history else open_history(config, data)
    root = Root(home, Ports(dispatcher=dispatcher, history=history), data_dir=data)
    agent = root.agent
    _set_output_encoding(sys.stdout, json_out=args.json or args.text == ["-"])
    try:
        if args.text == ["-"]:
            root.warm_up_in_background()  # a stream lives on: its first hand-over is not cold
            _json_lines(agent, args, state, sys.stdin.buffer, sys.stdout)
        elif len(text := _argument_text(args.text)) > MAX_TEXT_CHARS:
            _print_unread(_too_long(len(text)), args, sys.stdout)
        else:
            request = Request(text, args.area, args.device, args.session, state, channel="cli")
            _print(agent.handle(request, dry_run=args.dry_run), args, sys.stdout)
    finally:
        root.close()
    return EXIT_OK


def _set_output_encoding(out: TextIO, *, json_out: bool) -> None:
    """JSON goes out as UTF-8 whatever the locale (a C locale would make it ASCII and end the
    stream at the first '°C'); plain text stays in the locale's encoding, unwritable
    characters replaced."""
    if isinstance(out, io.TextIOWrapper):
        if json_out:
            out.reconfigure(encoding="utf-8", errors="backslashreplace")
        else:
            out.reconfigure(errors="replace")


def _argument_text(words: list[str]) -> str:
    """The words as UTF-8 text; bytes that are not UTF-8 become U+FFFD.

    Python decodes arguments with the locale's encoding and keeps undecodable bytes as
    lone surrogates, which no UTF-8 output or database can hold."""
    return " ".join(os.fsencode(w).decode("utf-8", errors="replace") for w in words)


def _json_lines(
    agent: Agent,
    args: argparse.Namespace,
    state: Mapping[str, Any] | None,
    stdin: BinaryIO,
    out: TextIO,
) -> None:
    for number, raw in _lines(stdin):
        if isinstance(raw, int):
            _write_json(_line_too_long(number, raw), out)
            continue
        try:
            line = _Line.model_validate_json(_decoded(raw))
            _check_place(agent.registry, line.area, line.device)
        except (ValidationError, UsageError, UnicodeDecodeError) as exc:
            request_id, _ = salvage_reply(raw, MAX_LINE_BYTES)  # echoed where it can be read
            _write_json(_with_id(_bad_line(number, _line_error(exc)), request_id), out)
            continue
        if len(line.text) > MAX_TEXT_CHARS:
            _write_json(_with_id(_too_long(len(line.text)), line.id), out)
            continue
        request = Request(
            line.text,
            line.area or args.area,
            line.device or args.device,
            line.session,
            {**(state or {}), **(line.state or {})} or None,
            None if line.id is None else str(line.id),
            channel="cli",
            time=line.time,
            user=line.user,
        )
        try:
            outcome = agent.handle(request, dry_run=args.dry_run)
        except Exception:  # a bug on one line must not cost the lines after it their answers
            log.exception("the agent failed on input line %d", number)
            _write_json(_with_id(_failed(number), line.id), out)
            continue
        _print(outcome, args, out)


def _decoded(raw: bytes) -> str:
    """A line's text: UTF-8 (a byte order mark at its start is dropped)."""
    return raw.decode("utf-8-sig")


def _lines(stdin: BinaryIO) -> Iterator[tuple[int, bytes | int]]:
    """Each non-blank line with its number; for a line over ``MAX_LINE_BYTES``, its size.

    A line is read at most ``MAX_LINE_BYTES + 1`` bytes at a time, so one endless line
    cannot fill the memory or hold up the lines after it for longer than it takes to
    skip it."""
    number = 0
    while raw := stdin.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield number, len(raw) + _skip_line(stdin)
        elif raw.strip():
            yield number, raw


def _skip_line(stdin: BinaryIO) -> int:
    """Read past the rest of a line, a chunk at a time; how many bytes it had."""
    skipped = 0
    while chunk := stdin.readline(_CHUNK):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            break
    return skipped


def _line_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "line"
        return f"{where}: {first['msg'].removeprefix('Value error, ')}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8: byte {exc.start + 1} is 0x{exc.object[exc.start]:02x}"
    return str(exc)


def _bad_line(number: int, message: str) -> dict[str, Any]:
    return _unread(
        f'Input line {number} is not a valid request ({message}); send JSON like {{"text": "turn on the light"}}.',
        message,
    )


def _line_too_long(number: int, size: int) -> dict[str, Any]:
    return _unread(
        f"Input line {number} is {size} bytes long, over the limit of {MAX_LINE_BYTES}; "
        "it was not read. Send one request of at most "
        f"{MAX_TEXT_CHARS} characters per line.",
        f"line of {size} bytes is over the {MAX_LINE_BYTES}-byte limit",
    )


def _too_long(chars: int) -> dict[str, Any]:
    return _unread(
        f"That request is {chars} characters long; I read at most {MAX_TEXT_CHARS}. "
        "Say it in shorter requests.",
        f"text of {chars} characters is over the {MAX_TEXT_CHARS}-character limit",
    )


def _failed(number: int) -> dict[str, Any]:
    return _unread(
        f"Something went wrong while handling input line {number}; stderr says what.",
        "internal",
    )


def _with_id(answer: dict[str, Any], request_id: str | int | None) -> dict[str, Any]:
    if request_id is not None:
        answer["id"] = str(request_id)
    return answer


def _unread(reply: str, error: str) -> dict[str, Any]:
    """The answer to input that never reached the agent (contract §3: every line is answered)."""
    return {
        "status": "not_understood",
        "reply": reply,
        "actions": [],
        "pending": [],
        "source": "input",
        "latency_ms": 0.0,
        "error": error,
    }


def _write_json(body: Mapping[str, Any], out: TextIO) -> None:
    out.write(json.dumps(body, ensure_ascii=False) + "\n")
    out.flush()


def _print_unread(body: Mapping[str, Any], args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        _write_json(body, out)
    else:
        out.write(f"{body['reply']}\n")
        out.flush()


def _print(outcome: Outcome, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        body = outcome.as_json()
        if args.explain:
            body["trace"] = list(outcome.decision.trace)
        _write_json(body, out)
        return
    decision = outcome.decision
    out.write(f"{decision.reply}\n")
    out.writelines(f"  -> {call}\n" for call in decision.actions)
    out.writelines(f"  (waiting for confirmation) {call}\n" for call in decision.pending)
    if args.explain:
        out.write(
            f"status: {decision.status.value}, source: {decision.source}, confidence: {decision.confidence:.2f}, "
            f"{outcome.latency_ms:.2f} ms\n"
        )
        out.writelines(f"  . {step}\n" for step in decision.trace)
    out.flush()


def _check_place(registry: DeviceRegistry, area: str | None, device: str | None) -> None:
    if area is not None and area not in registry.areas:
        found = registry.area_named(area)
        if found is None:
            hint = (
                suggest(area, registry.areas)
                or f"known areas: {', '.join(registry.areas) or 'none'}"
            )
            raise UsageError(f"unknown area '{area}'; {hint}")
    if device is not None and registry.get(device) is None:
        hint = suggest(device, registry.devices) or "see 'hausgeist devices'"
        raise UsageError(f"unknown device '{device}'; {hint}")


def read_state(path: Path) -> dict[str, dict[str, Any]]:
    """The ``--state`` file: ``{entity_id: {state: ..., attributes: {...}}}`` in YAML or JSON."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the state file {path}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise UsageError(f"the state file {path} is not valid YAML or JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise UsageError(
            f"the state file {path} must map entity ids to {{state: ..., attributes: {{...}}}}"
        )
    out: dict[str, dict[str, Any]] = {}
    for entity_id, raw in data.items():
        value = {"state": raw} if isinstance(raw, str | int | float | bool) else raw
        if not isinstance(value, dict) or not isinstance(value.get("attributes", {}), dict):
            raise UsageError(f"{path}: '{entity_id}' must be {{state: ..., attributes: {{...}}}}")
        if (problem := override_problem(str(entity_id), value)) is not None:
            raise UsageError(f"{path}: {problem}")
        out[str(entity_id)] = value
    return out


def override_problem(entity_id: str, value: Mapping[str, Any]) -> str | None:
    """What is wrong with one entity's ``{state, attributes}`` override; None when nothing."""
    if (problem := state_problem(value.get("state"))) is not None:
        return f"{entity_id}.state {problem}"
    attributes = value.get("attributes")
    if attributes is None:
        return None
    if not isinstance(attributes, Mapping):
        return f"{entity_id}.attributes must be a mapping of names to values"
    for name, attribute in attributes.items():
        if (problem := attribute_problem(str(name), attribute)) is not None:
            return f"{entity_id}.attributes.{name} {problem}"
    return None
