"""``hausgeist automations``: check rules, replay events through them, make one from words."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path
from typing import Any, TextIO

import yaml

from hausgeist.automations.engine import Emitted, Engine
from hausgeist.automations.loading import check_all, rules_in_document, world_of
from hausgeist.automations.replay import replay
from hausgeist.automations.rules import Rule
from hausgeist.automations.words import RuleFromWords, RuleReader
from hausgeist.automations.world import World
from hausgeist.commands.common import EXIT_OK, UsageError, load
from hausgeist.config import Config, load_config
from hausgeist.config.yaml_source import YamlDocument, read_yaml_file
from hausgeist.devices.actions import ServiceCall
from hausgeist.home import Home
from hausgeist.integration.oneshot import session
from hausgeist.paths import data_dir
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
        saved = saved_rules(config)
        if saved.is_file():
            saved_doc = read_yaml_file(saved)
            raw, base = rules_in_document(saved_doc)
            sources.append((raw, base, saved_doc, str(saved)))
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
    return None if config is None else conversation_of(Home.from_config(config))


def conversation_of(home: Home) -> Any:
    """``conversation.process``: the text decided by the home's understanding core."""

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


def saved_rules(config: Config) -> Path:
    """Where rules made with ``automations add`` are kept."""
    return data_dir(config) / "automations.yaml"


def add(args: argparse.Namespace) -> int:
    """Make a rule from words; save it after a yes."""
    config, _ = load(args.config)
    home = Home.from_config(config)
    made = RuleReader(home.understanding, home.states).read(args.text)
    status, reply = made.status, made.reply
    if made.automation is not None:
        world = world_of(config, [])
        check_all(world, [([made.automation], ("rule",), None, "the rule made from your words")])
        yes = args.yes or (not args.json and sys.stdin.isatty() and _ask_yes(made))
        if yes:
            where = _save(config, made.automation)
            status, reply = "done", f"{made.summary} Saved in {where}."
        else:
            status, reply = "confirm", f"{made.summary} Not saved: say yes (--yes) to save it."
    if args.json:
        out = {
            "status": status,
            "automation": made.automation,
            "summary": made.summary,
            "reply": reply,
        }
        print(json.dumps(out, ensure_ascii=False))
    else:
        if made.automation is not None:
            print(yaml.safe_dump([made.automation], sort_keys=False, allow_unicode=True).rstrip())
        print(reply)
    return EXIT_OK


def _ask_yes(made: RuleFromWords) -> bool:
    print(yaml.safe_dump([made.automation], sort_keys=False, allow_unicode=True).rstrip())
    print(made.summary)
    answer = input("Save this rule? [y/N] ").strip().casefold()
    return answer in {"y", "yes"}


def _save(config: Config, rule: dict[str, Any]) -> Path:
    path = saved_rules(config)
    path.parent.mkdir(parents=True, exist_ok=True)
    rules: list[Any] = []
    if path.is_file():
        rules = list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])
    if any(isinstance(r, dict) and r.get("id") == rule["id"] for r in rules):
        return path
    rules.append(rule)
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(rules, sort_keys=False, allow_unicode=True), encoding="utf-8")
    tmp.replace(path)
    return path


def rule_loader(config_path: Path, config: Config) -> Any:
    """Reads the configuration's rules and the saved ones again (for reloads)."""

    def load_rules() -> tuple[World, list[Rule]]:
        fresh = load_config(config_path)
        sources: list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]] = [
            (
                list(fresh.automations),
                ("automations",),
                read_yaml_file(config_path),
                str(config_path),
            )
        ]
        saved = saved_rules(config)
        if saved.is_file():
            doc = read_yaml_file(saved)
            raw, base = rules_in_document(doc)
            sources.append((raw, base, doc, str(saved)))
        world = world_of(fresh, [])
        return world, check_all(world, sources)

    return load_rules


def publish_topics(rules: list[Rule]) -> list[str]:
    """The topics the rules' mqtt.publish actions name (the agent may publish there)."""
    found: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if value.get("action") == "mqtt.publish":
                topic = (value.get("data") or {}).get("topic")
                if isinstance(topic, str) and "{" not in topic:
                    found.add(topic)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for rule in rules:
        walk(rule.actions)
    return sorted(found)


def reload(args: argparse.Namespace) -> int:
    """Check the rules, then ask the running agent to reload them (over its broker)."""
    _, rules, config = _load(args)
    assert config is not None
    if config.mqtt is None:
        raise UsageError(
            "the configuration has no mqtt: section, so no running agent can be reached; "
            "the embedded broker's agent reads its rules when it starts"
        )
    with session(config.mqtt) as client:
        client.publish(f"{config.mqtt.base_topic}/automations/reload", b"", qos=1).wait_for_publish(
            5
        )
    print(
        f"OK: {len(rules)} automations checked; asked the agent on {config.mqtt.host}:{config.mqtt.port} to reload them"
    )
    return EXIT_OK
