"""``hausgeist automations``: check rules, replay events through them, make one from words."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from zoneinfo import ZoneInfo

import yaml

from hausgeist.automations.engine import Emitted, Engine
from hausgeist.automations.loading import check_all, rules_in_document, world_of
from hausgeist.automations.replay import replay
from hausgeist.automations.rules import Rule
from hausgeist.automations.words import RuleFromWords, RuleReader
from hausgeist.automations.words.summary import summarize
from hausgeist.automations.world import World
from hausgeist.commands.common import EXIT_OK, EXIT_USAGE, UsageError, load
from hausgeist.config import Config, load_config
from hausgeist.config.yaml_source import YamlDocument, read_yaml_file
from hausgeist.devices.actions import ServiceCall
from hausgeist.history.runs import AutomationRun
from hausgeist.home import Home
from hausgeist.integration.automation_runner import run_record
from hausgeist.integration.oneshot import session
from hausgeist.paths import data_dir
from hausgeist.root import Ports, Root, open_history
from hausgeist.understanding import Conversation, Request, Status

if TYPE_CHECKING:
    from hausgeist.history import SqlHistory
    from hausgeist.llm_stage.stage import LlmStage

log = logging.getLogger(__name__)


def _sources(
    args: argparse.Namespace,
) -> tuple[
    Config | None, list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]], Path | None
]:
    config: Config | None = None
    config_path: Path | None = None
    sources: list[tuple[list[Any], tuple[str, ...], YamlDocument | None, str]] = []
    if args.config or not args.rules:
        config, config_path = load(args.config, devices=False, homeassistant=True)
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
    rules = check_all(world, sources)
    if config is not None:
        apply_switches(rules, read_switches(rule_switches(config)))
    return world, rules, config


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
            engine.drain_traces()  # a replay prints actions; its traces are not kept
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


def reader_for(home: Home, stage: LlmStage | None) -> RuleReader:
    """The rule reader of a home, with the local model behind it when the LLM stage is on."""
    if stage is None:
        return RuleReader(home.understanding, home.states)

    def actions(text: str) -> list[ServiceCall] | None:
        request = Request(text, channel="automation")
        decision = stage.consider(request, home.states, Conversation()).decision
        if decision is None or decision.status not in {Status.DONE, Status.CONFIRM}:
            return None
        return [*decision.actions, *decision.pending]

    return RuleReader(
        home.understanding, home.states, actions_by_model=actions, choice_by_model=stage.choose
    )


def add(args: argparse.Namespace) -> int:
    """Make a rule from words; save it after a yes."""
    config, _ = load(args.config)
    home = Home.from_config(config)
    root = Root(home, Ports(), data_dir=data_dir(config))
    try:
        made = reader_for(home, root.llm).read(args.text)
    finally:
        root.close()
    status, reply = made.status, made.reply
    if made.automation is not None:
        world = world_of(config, [])
        check_all(world, [([made.automation], ("rule",), None, "the rule made from your words")])
        yes = args.yes or (not args.json and sys.stdin.isatty() and _ask_yes(made))
        read = f" ({' '.join(made.by_model)} Check it.)" if made.by_model else ""
        if yes:
            where = _save(config, made.automation)
            status, reply = "done", f"{made.summary}{read} Saved in {where}."
        else:
            status, reply = (
                "confirm",
                f"{made.summary}{read} Not saved: say yes (--yes) to save it.",
            )
    if args.json:
        out = {
            "status": status,
            "automation": made.automation,
            "summary": made.summary,
            "reply": reply,
            "by_model": list(made.by_model),
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
    for note in made.by_model:
        print(f"{note} Check it.")
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


def rule_loader(
    config_path: Path, config: Config, fresh_config: Callable[[], Config] | None = None
) -> Any:
    """Reads the configuration's rules and the saved ones again (for reloads);
    ``fresh_config`` reads the configuration (default: the file alone; with Home Assistant,
    with its home as it is now)."""

    def load_rules() -> tuple[World, list[Rule]]:
        fresh = fresh_config() if fresh_config is not None else load_config(config_path)
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
        rules = check_all(world, sources)
        return world, apply_switches(rules, read_switches(rule_switches(config)))

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


# --- seeing what ran, switching rules on and off ------------------------------------------


def rule_switches(config: Config) -> Path:
    """Where ``automations enable/disable`` keep which rules are switched on or off (the
    running agent watches this file and reloads)."""
    return data_dir(config) / "automation-switches.json"


def read_switches(path: Path) -> dict[str, bool]:
    """Rule id -> on (True) or off (False), as ``enable``/``disable`` left them. A damaged
    file is said once in the log and ignored: the rules keep their own ``initial_state``."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("%s cannot be read (%s); the rules keep their initial_state", path, exc)
        return {}
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, bool) for k, v in raw.items()
    ):
        log.warning(
            "%s is not an object of rule ids to true/false; the rules keep their initial_state",
            path,
        )
        return {}
    return raw


def apply_switches(rules: list[Rule], switches: dict[str, bool]) -> list[Rule]:
    for rule in rules:
        if rule.id in switches:
            rule.enabled = switches[rule.id]
    return rules


def _history(config: Config) -> SqlHistory:
    history = open_history(config, data_dir(config))
    if history is None:
        raise UsageError(
            "the history is off (history: enabled: false) or cannot be opened, so no runs are"
            " kept; turn it on to see what the rules did"
        )
    return history


def _rule(rules: list[Rule], rule_id: str) -> Rule:
    for rule in rules:
        if rule.id == rule_id:
            return rule
    known = ", ".join(r.id for r in rules) or "none"
    raise UsageError(f"no automation has the id '{rule_id}' (the ids: {known})")


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return "-" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")


def list_rules(args: argparse.Namespace) -> int:
    """The rules, whether each is on, and its last run."""
    world, rules, config = _load(args)
    assert config is not None
    with contextlib.closing(_history(config)) as history:
        last = history.last_runs(home=config.home)
    if args.json:
        for rule in rules:
            newest, count = last.get(rule.id, (None, 0))
            print(
                json.dumps(
                    {
                        "id": rule.id,
                        "alias": rule.alias,
                        "enabled": rule.enabled,
                        "mode": rule.mode,
                        "triggers": [t["trigger"] for t in rule.triggers],
                        "runs": count,
                        "last_run": None if newest is None else _run_json(newest),
                    },
                    ensure_ascii=False,
                )
            )
        return EXIT_OK
    for rule in rules:
        newest, count = last.get(rule.id, (None, 0))
        state = "on " if rule.enabled else "off"
        kinds = ", ".join(t["trigger"] for t in rule.triggers)
        ran = (
            "never ran"
            if newest is None
            else f"last {_when(newest.started, world.zone)} {newest.result}, {count} runs"
        )
        print(f"{state} {rule.id}: {rule.alias} [{kinds}; mode {rule.mode}] {ran}")
    print(f"{len(rules)} automation{'s' if len(rules) != 1 else ''}")
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    """One rule: as written, read back in words, and its last runs."""
    world, rules, config = _load(args)
    assert config is not None
    rule = _rule(rules, args.id)
    with contextlib.closing(_history(config)) as history:
        runs = history.runs(5, rule.id, config.home)
    print(yaml.safe_dump([rule.raw], sort_keys=False, allow_unicode=True).rstrip())
    normal = {"triggers": rule.triggers, "conditions": rule.conditions, "actions": rule.actions}
    print(f"In words: {summarize(normal, world.registry)}")
    print(f"State: {'on' if rule.enabled else 'off'}; mode {rule.mode}")
    if not runs:
        print("It has not run yet.")
    for run in runs:
        print(f"  {_when(run.started, world.zone)} {run.result}{_error_of(run)} ({run.run_id[:8]})")
    return EXIT_OK


def trace(args: argparse.Namespace) -> int:
    """The last runs of one rule, step by step (Home Assistant's trace view)."""
    world, rules, config = _load(args)
    assert config is not None
    rule_id = args.id if any(r.id == args.id for r in rules) else None
    with contextlib.closing(_history(config)) as history:
        runs = history.runs(args.last, args.id, config.home)
    if rule_id is None and not runs:
        _rule(rules, args.id)  # says which ids there are
    if args.json:
        for run in runs:
            print(json.dumps(_run_json(run), ensure_ascii=False))
        return EXIT_OK
    if not runs:
        print(f"{args.id} has not run yet.")
    for run in reversed(runs):
        print("\n".join(_trace_lines(run, world.zone)))
    return EXIT_OK


def _error_of(run: AutomationRun) -> str:
    return f": {run.error}" if run.error else ""


def _run_json(run: AutomationRun) -> dict[str, Any]:
    data = run.to_dict()
    data["duration_s"] = run.duration_s
    return data


def _trace_lines(run: AutomationRun, zone: ZoneInfo) -> list[str]:
    took = "" if run.duration_s is None else f" ({run.duration_s:g} s)"
    head = f"{run.automation} ({run.alias}) run {run.run_id[:8]}: "
    lines = [f"{head}{_when(run.started, zone)} to {_when(run.finished, zone)}{took}"]
    trigger = run.trigger
    said = " ".join(
        str(trigger[k]) for k in ("platform", "entity_id", "topic", "event") if k in trigger
    )
    if "from_state" in trigger or "to_state" in trigger:
        said += f" {trigger.get('from_state')} -> {trigger.get('to_state')}"
    if "payload" in trigger:
        said += f" payload {trigger['payload']!r}"
    lines.append(f"  trigger: {said} (id {trigger.get('id', '?')})")
    lines.extend(
        f"  condition {c.get('index')} ({c.get('condition')}): {'true' if c.get('result') else 'false'}"
        for c in run.conditions
    )
    for step in run.steps:
        at = str(step.get("at", ""))
        clock = datetime.fromisoformat(at).astimezone(zone).strftime("%H:%M:%S") if at else ""
        rest = {k: v for k, v in step.items() if k not in {"at", "step"}}
        detail = " ".join(_detail(k, v, zone) for k, v in rest.items())
        lines.append(f"  {clock} {step.get('step')} {detail}".rstrip())
    if run.dropped_steps:
        lines.append(f"  ... and {run.dropped_steps} more steps")
    lines.append(f"  result: {run.result}{_error_of(run)}")
    return lines


_BARE = frozenset({"service", "entity_id", "data", "topic", "payload", "text", "error"})
"""Step details shown by their value alone ("call light.turn_on light.hall")."""


def _detail(key: str, value: Any, zone: ZoneInfo) -> str:
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False)
    elif key in {"until", "timeout_at"} and isinstance(value, str):
        text = datetime.fromisoformat(value).astimezone(zone).strftime("%H:%M:%S")
    else:
        text = str(value)
    return text if key in _BARE else f"{key.replace('_', ' ')} {text}"


def switch(args: argparse.Namespace) -> int:
    """Switch a rule on or off; a running agent picks it up from the file it watches."""
    _, rules, config = _load(args)
    assert config is not None
    rule = _rule(rules, args.id)
    path = rule_switches(config)
    switches = read_switches(path)
    switches[rule.id] = args.on
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(switches, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    temporary.replace(path)
    print(
        f"{rule.id} is {'on' if args.on else 'off'} (kept in {path}; a running agent "
        "reloads its rules within a second)"
    )
    return EXIT_OK


def test_rule(args: argparse.Namespace) -> int:
    """Run one rule alone on the events given and say what it would do; nothing is sent."""
    world, rules, config = _load(args)
    rule = _rule(rules, args.id)
    rule.enabled = True
    engine = Engine([rule], world, _conversation(config))
    lines = list(args.event)
    if args.events is not None:
        with (
            contextlib.nullcontext(sys.stdin)
            if args.events == "-"
            else Path(args.events).open(encoding="utf-8", errors="surrogateescape")
        ) as source:
            lines.extend(source)
    if not lines:
        raise UsageError(
            'give events with --event \'{"at": "...", "state": {...}}\' (repeatable) or '
            "--events FILE ('-': stdin), as for replay"
        )
    problems = 0
    for number, emitted, error in replay(engine, lines, world.zone):
        if error is not None:
            problems += 1
            print(f"hausgeist: event {number}: {error}", file=sys.stderr)
        for item in emitted:
            print(_line(item, as_json=args.json), flush=True)
    due = engine.next_timer()
    if due is not None:  # let the run finish: its delays and timeouts come due
        engine.advance(due + timedelta(days=1))
        for item in engine.drain():
            print(_line(item, as_json=args.json), flush=True)
    for run in engine.drain_traces():
        record = run_record(run, None)
        if args.json:
            print(json.dumps({"trace": _run_json(record)}, ensure_ascii=False))
        else:
            print("\n".join(_trace_lines(record, world.zone)))
    return EXIT_OK if not problems else EXIT_USAGE
