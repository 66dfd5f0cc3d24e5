"""``hausgeist ask``: one request from the arguments, or JSON lines on stdin (contract §3)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from hausgeist.agent import Agent, Outcome
from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.config.checks import suggest
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.integration.payloads import MAX_TEXT_CHARS
from hausgeist.understanding import Request

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


def run(args: argparse.Namespace) -> int:
    """Answer the request(s); exit 0 for every contract status."""
    config, _ = load(args.config)
    registry = DeviceRegistry.from_config(config)
    state = read_state(Path(args.state)) if args.state else None
    _check_place(registry, args.area, args.device)
    agent = Agent.build(config, history=not args.no_history)
    if config.mqtt is not None and not args.dry_run:
        from hausgeist.integration.oneshot import OneShotDispatcher

        agent.dispatcher = OneShotDispatcher(config.mqtt, agent.registry, agent.states)
    try:
        if args.text == ["-"]:
            _json_lines(agent, args, state, sys.stdin.buffer, sys.stdout)
        elif len(text := " ".join(args.text)) > MAX_TEXT_CHARS:
            _print_unread(_too_long(len(text)), args, sys.stdout)
        else:
            request = Request(text, args.area, args.device, args.session, state, channel="cli")
            _print(agent.handle(request, dry_run=args.dry_run), args, sys.stdout)
    finally:
        agent.close()
    return EXIT_OK


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
            line = _Line.model_validate_json(raw)
            _check_place(agent.registry, line.area, line.device)
        except (ValidationError, UsageError) as exc:
            _write_json(_bad_line(number, _line_error(exc)), out)
            continue
        if len(line.text) > MAX_TEXT_CHARS:
            _write_json(_too_long(len(line.text), line.id), out)
            continue
        request = Request(
            line.text,
            line.area or args.area,
            line.device or args.device,
            line.session,
            {**(state or {}), **(line.state or {})} or None,
            None if line.id is None else str(line.id),
            channel="cli",
        )
        _print(agent.handle(request, dry_run=args.dry_run), args, out)


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
        return f"{where}: {first['msg']}"
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


def _too_long(chars: int, request_id: str | int | None = None) -> dict[str, Any]:
    answer = _unread(
        f"That request is {chars} characters long; I read at most {MAX_TEXT_CHARS}. "
        "Say it in shorter requests.",
        f"text of {chars} characters is over the {MAX_TEXT_CHARS}-character limit",
    )
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
        out[str(entity_id)] = value
    return out
