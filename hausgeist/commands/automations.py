"""``hausgeist automations``: check rules, replay events through them, make one from words."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from hausgeist.automations.engine import Emitted, Engine
from hausgeist.automations.loading import check_all, rules_in_document, world_of
from hausgeist.automations.replay import replay
from hausgeist.automations.rules import Rule
from hausgeist.automations.world import World
from hausgeist.commands.common import EXIT_OK, load
from hausgeist.config import Config
from hausgeist.config.yaml_source import YamlDocument, read_yaml_file
from hausgeist.devices.actions import ServiceCall
from hausgeist.home import Home
from hausgeist.understanding import Request, Status


def _sources(
    args: argparse.Namespace,
) -> tuple[
    Config | None, list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]], Path | None
]:
    config: Config | None = None
    config_path: Path | None = None
    sources: list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]] = []
    if args.config or not args.rules:
        config, config_path = load(args.config, devices=False)
        doc = read_yaml_file(config_path)
        sources.append((list(config.automations), ("automations",), doc, str(config_path)))
    if args.rules:
        doc = read_yaml_file(Path(args.rules))
        raw, base = rules_in_document(doc)
        sources.append((raw, base, doc, args.rules))
    return config, sources, config_path


def _load(args: argparse.Namespace) -> tuple[World, list[Rule], Config | None]:
    config, sources, _ = _sources(args)
    world = world_of(config, [r for raw, *_ in sources for r in raw])
    return world, check_all(world, sources), config


def check(args: argparse.Namespace) -> int:
    """Validate the rules and list them."""
    _, rules, _ = _load(args)
    for rule in rules:
        kinds = ", ".join(t["trigger"] for t in rule.triggers)
        state = "" if rule.enabled else " (disabled)"
        print(f"{rule.id}: {rule.alias} [{kinds}; mode {rule.mode}]{state}")
    print(f"OK: {len(rules)} automation{'s' if len(rules) != 1 else ''}")
    return EXIT_OK


def _conversation(config: Config | None) -> Any:
    if config is None:
        return None
    home = Home.from_config(config)

    def converse(text: str) -> list[ServiceCall]:
        decision, _ = home.understanding.decide(Request(text, channel="automation"), home.states)
        if decision.status is not Status.DONE:
            raise ValueError(f"the agent did not act on {text!r}: {decision.reply}")
        return list(decision.actions)

    return converse


def run_replay(args: argparse.Namespace) -> int:
    """Replay events from stdin (or a file) through the rules."""
    world, rules, config = _load(args)
    engine = Engine(rules, world, _conversation(config))
    with contextlib.ExitStack() as stack:
        source: TextIO = (
            sys.stdin
            if args.events in {None, "-"}
            else stack.enter_context(
                Path(args.events).open(encoding="utf-8", errors="surrogateescape")
            )
        )
        for number, emitted, error in replay(engine, source, world.zone):
            if error is not None:
                print(f"hausgeist: line {number}: {error}", file=sys.stderr)
            for item in emitted:
                print(_line(item, as_json=args.json), flush=True)
    return EXIT_OK


def _line(item: Emitted, *, as_json: bool) -> str:
    if as_json:
        return json.dumps(item.as_json(), ensure_ascii=False)
    at = item.at.strftime("%Y-%m-%d %H:%M:%S")
    if item.error is not None:
        return f"{at} {item.automation}: error: {item.error}"
    if item.mqtt is not None:
        return f"{at} {item.automation}: publish {item.mqtt['topic']} {item.mqtt['payload']}"
    data = f" {json.dumps(item.data)}" if item.data else ""
    return f"{at} {item.automation}: {item.service} {item.entity_id}{data}"
