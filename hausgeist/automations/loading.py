"""Rules from the configuration's ``automations:`` and from a rules file, with every
problem reported by key path and line; and the world they run in."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hausgeist.automations.rules import Rule, check_rules
from hausgeist.automations.templates import Templates
from hausgeist.automations.world import World
from hausgeist.config import Config
from hausgeist.config.yaml_source import YamlDocument
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.errors import ConfigError, ConfigProblem


def world_of(config: Config | None, rules_raw: list[Any]) -> World:
    """The home the rules run in: the configuration's, or an open one (every entity a rule
    names exists) when there is no configuration."""
    if config is None:
        from hausgeist.config.models import LocationConfig

        ids = sorted(_entity_ids(rules_raw))
        registry = DeviceRegistry(
            [], [], [Device(i, i.partition(".")[2].replace("_", " ")) for i in ids]
        )
        return World(registry, StateStore(), LocationConfig(), open_home=True)
    registry = DeviceRegistry.from_config(config)
    return World(registry, StateStore.from_registry(registry), config.location, config.policy)


def _entity_ids(value: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "entity_id":
                found |= {
                    v
                    for v in (item if isinstance(item, list) else [item])
                    if isinstance(v, str) and "." in v and "{" not in v
                }
            found |= _entity_ids(item)
    elif isinstance(value, list):
        for item in value:
            found |= _entity_ids(item)
    return found


def rules_in_document(doc: YamlDocument) -> tuple[list[Any], tuple[str, ...]]:
    """A rules file holds a list of rules, or ``automations:`` with one."""
    data = doc.data
    if isinstance(data, dict) and "automations" in data:
        return list(data["automations"] or []), ("automations",)
    if isinstance(data, dict) and ("triggers" in data or "trigger" in data):
        return [data], ()
    if data is None:
        return [], ()
    if not isinstance(data, list):
        raise ConfigError(
            [ConfigProblem("", "a rules file holds a list of automations", 1)], "rules"
        )
    return data, ()


def check_all(
    world: World, sources: list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]]
) -> list[Rule]:
    """Every rule of every source, checked; ConfigError naming each problem's file, key
    path and line."""
    rules: list[Rule] = []
    for raw, base, doc, name in sources:
        templates = Templates(world.states, world.entity_ids(), world.local_now)
        line_of = doc.line_of if doc is not None else (lambda _p: None)
        found, problems = check_rules(raw, world.registry, templates, base=base, line_of=line_of)
        problems += _location_problems(world, raw, base)
        if problems:
            raise ConfigError(problems, name)
        rules.extend(found)
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise ConfigError(
                [
                    ConfigProblem(
                        "id",
                        f"the rule id '{rule.id}' is used twice",
                        None,
                        "give each rule its own id",
                    )
                ],
                sources[-1][3],
            )
        seen.add(rule.id)
    return rules


def _location_problems(world: World, raw: list[Any], base: tuple[str, ...]) -> list[ConfigProblem]:
    if world.sun.known or "sun" not in repr(raw):
        return []
    if not any(_uses_sun(r) for r in raw):
        return []
    return [
        ConfigProblem(
            ".".join(base) or "rules",
            "a rule uses sunrise or sunset, but the configuration has no location",
            None,
            "add location: {latitude: ..., longitude: ..., time_zone: ...}",
        )
    ]


def _uses_sun(value: Any) -> bool:
    if isinstance(value, dict):
        if (
            value.get("trigger") == "sun"
            or value.get("platform") == "sun"
            or value.get("condition") == "sun"
        ):
            return True
        return any(_uses_sun(v) for v in value.values())
    if isinstance(value, list):
        return any(_uses_sun(v) for v in value)
    return False


def read_rules_file(path: Path) -> YamlDocument:
    from hausgeist.config.yaml_source import read_yaml_file

    return read_yaml_file(path)
