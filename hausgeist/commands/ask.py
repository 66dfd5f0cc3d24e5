"""``hausgeist ask``: one request from the arguments, or JSON lines on stdin (contract §3)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TextIO

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from hausgeist.agent import Agent, Outcome
from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.config.checks import suggest
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.home import Home
from hausgeist.paths import data_dir as default_data_dir
from hausgeist.root import Ports, Root, open_history
from hausgeist.understanding import Request


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
    home = Home.from_config(config)
    state = read_state(Path(args.state)) if args.state else None
    _check_place(home.registry, args.area, args.device)
    data = default_data_dir(config)
    dispatcher = None
    if config.mqtt is not None and not args.dry_run:
        from hausgeist.integration.oneshot import OneShotDispatcher

        dispatcher = OneShotDispatcher(config.mqtt, home.registry, home.states)
    history = None if args.no_history else open_history(config, data)
    root = Root(home, Ports(dispatcher=dispatcher, history=history), data_dir=data)
    agent = root.agent
    try:
        if args.text == ["-"]:
            _json_lines(agent, args, state, sys.stdin, sys.stdout)
        else:
            text = " ".join(args.text)
            request = Request(text, args.area, args.device, args.session, state, channel="cli")
            _print(agent.handle(request, dry_run=args.dry_run), args, sys.stdout)
    finally:
        root.close()
    return EXIT_OK


def _json_lines(
    agent: Agent,
    args: argparse.Namespace,
    state: Mapping[str, Any] | None,
    stdin: TextIO,
    out: TextIO,
) -> None:
    for number, raw in _lines(stdin):
        try:
            line = _Line.model_validate_json(raw)
            _check_place(agent.registry, line.area, line.device)
        except (ValidationError, UsageError) as exc:
            message = _line_error(exc)
            out.write(json.dumps(_bad_line(number, message)) + "\n")
            out.flush()
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


def _lines(stdin: TextIO) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(stdin, start=1):
        if raw.strip():
            yield number, raw


def _line_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "line"
        return f"{where}: {first['msg']}"
    return str(exc)


def _bad_line(number: int, message: str) -> dict[str, Any]:
    return {
        "status": "not_understood",
        "reply": f'Input line {number} is not a valid request ({message}); send JSON like {{"text": "turn on the light"}}.',
        "actions": [],
        "pending": [],
        "source": "input",
        "latency_ms": 0.0,
        "error": message,
    }


def _print(outcome: Outcome, args: argparse.Namespace, out: TextIO) -> None:
    if args.json:
        body = outcome.as_json()
        if args.explain:
            body["trace"] = list(outcome.decision.trace)
        out.write(json.dumps(body, ensure_ascii=False) + "\n")
        out.flush()
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
