"""Automations in Home Assistant's format, checked and brought to one shape.

Both spellings are read: ``triggers``/``conditions``/``actions`` with ``trigger:`` and
``action:``, and the older ``trigger``/``condition``/``action`` with ``platform:`` and
``service:``. Every problem is reported with its key path (and line, where the file gives
one): an unknown entity, service or trigger platform, a template that does not compile, a
duration that does not parse, a ``for:`` where the trigger takes none."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hausgeist.automations.durations import parse_duration, parse_time_of_day
from hausgeist.automations.templates import TemplateProblem, Templates, is_template
from hausgeist.config.yaml_source import format_path
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.domains.capabilities import DOMAINS
from hausgeist.errors import ConfigProblem

Path = tuple[str | int, ...]
PLATFORMS = frozenset(
    {"mqtt", "state", "numeric_state", "time", "time_pattern", "sun", "template", "homeassistant"}
)
_FOR_ALLOWED = frozenset({"state", "numeric_state", "template"})
CONDITIONS = frozenset(
    {"state", "numeric_state", "time", "sun", "template", "trigger", "and", "or", "not"}
)
MODES = frozenset({"single", "restart", "queued", "parallel"})
_OWN_SERVICES = frozenset({"mqtt.publish", "conversation.process"})
_RULE_KEYS = frozenset(
    {
        *("id", "alias", "description", "triggers", "trigger", "conditions", "condition"),
        *("actions", "action", "mode", "max", "max_exceeded", "variables", "policy"),
        *("initial_state", "trace", "enabled"),
    }
)


@dataclass
class Rule:
    """One automation, checked."""

    id: str
    alias: str
    triggers: list[dict[str, Any]]
    conditions: list[Any]
    actions: list[dict[str, Any]]
    mode: str = "single"
    max: int = 10
    max_exceeded: str = "warning"
    variables: dict[str, Any] = field(default_factory=dict)
    allow_sensitive: bool = False
    """``policy: allow``: the rule may unlock, open a garage door or disarm."""
    enabled: bool = True
    raw: dict[str, Any] = field(default_factory=dict)
    """The rule as written."""


@dataclass
class _Checker:
    registry: DeviceRegistry
    templates: Templates
    line_of: Callable[[Path], int | None]
    problems: list[ConfigProblem] = field(default_factory=list)

    def problem(self, path: Path, message: str, hint: str | None = None) -> None:
        self.problems.append(ConfigProblem(format_path(path), message, self.line_of(path), hint))

    def template(self, path: Path, value: Any) -> None:
        if is_template(value):
            try:
                self.templates.check(str(value))
            except TemplateProblem as exc:
                self.problem(path, str(exc))

    def entity(self, path: Path, value: Any) -> None:
        ids = value if isinstance(value, list) else [value]
        if not ids or not all(isinstance(i, str) for i in ids):
            self.problem(path, "entity_id must be an entity id or a list of them")
            return
        for i, entity_id in enumerate(ids):
            if is_template(entity_id):
                self.template((*path, i) if isinstance(value, list) else path, entity_id)
            elif self.registry.get(entity_id) is None:
                where = (*path, i) if isinstance(value, list) else path
                self.problem(
                    where, f"unknown entity '{entity_id}'", "add it to devices: or fix the id"
                )

    def duration(self, path: Path, value: Any) -> None:
        if is_template(value):
            self.template(path, value)
            return
        try:
            parse_duration(value)
        except ValueError as exc:
            self.problem(path, str(exc))


def check_rules(
    raw: Any,
    registry: DeviceRegistry,
    templates: Templates,
    *,
    base: Path = ("automations",),
    line_of: Callable[[Path], int | None] = lambda _p: None,
) -> tuple[list[Rule], list[ConfigProblem]]:
    """The rules of ``raw`` (a list of automations) and every problem found in them."""
    checker = _Checker(registry, templates, line_of)
    if raw is None:
        return [], []
    if not isinstance(raw, list):
        checker.problem(base, "automations must be a list of rules")
        return [], checker.problems
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(raw):
        path = (*base, i)
        before = len(checker.problems)
        rule = _rule(checker, item, path, i)
        if rule is not None and rule.id in seen:
            checker.problem(
                (*path, "id"), f"the id '{rule.id}' is used twice", "give each rule its own id"
            )
        if rule is not None and len(checker.problems) == before:
            seen.add(rule.id)
            rules.append(rule)
    return rules, checker.problems


def _rule(c: _Checker, item: Any, path: Path, index: int) -> Rule | None:
    if not isinstance(item, dict):
        c.problem(path, "a rule must be a mapping with triggers and actions")
        return None
    for key in set(item) - _RULE_KEYS:
        c.problem((*path, key), f"unknown key '{key}'", "see README 'Automations' for the keys")
    triggers = _either(item, "triggers", "trigger")
    conditions = _either(item, "conditions", "condition")
    actions = _either(item, "actions", "action")
    if not triggers:
        c.problem(path, "the rule has no triggers", "add 'triggers:'")
    if not actions:
        c.problem(path, "the rule has no actions", "add 'actions:'")
    tpath = (*path, "triggers" if "triggers" in item else "trigger")
    cpath = (*path, "conditions" if "conditions" in item else "condition")
    apath = (*path, "actions" if "actions" in item else "action")
    checked_triggers = [check_trigger(c, t, (*tpath, i)) for i, t in enumerate(_listed(triggers))]
    checked_conditions = [
        check_condition(c, x, (*cpath, i)) for i, x in enumerate(_listed(conditions))
    ]
    checked_actions = check_sequence(c, _listed(actions), apath)
    mode = item.get("mode", "single")
    if mode not in MODES:
        c.problem((*path, "mode"), f"unknown mode '{mode}'", f"one of {', '.join(sorted(MODES))}")
    limit = item.get("max", 10)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        c.problem((*path, "max"), "max must be a whole number of at least 1")
    policy = item.get("policy")
    if policy not in {None, "allow", "deny"}:
        c.problem((*path, "policy"), "policy must be 'allow' (may unlock, open, disarm) or absent")
    rule_id = str(item.get("id") or item.get("alias") or f"automation_{index}")
    return Rule(
        id=rule_id,
        alias=str(item.get("alias") or rule_id),
        triggers=[t for t in checked_triggers if t is not None],
        conditions=checked_conditions,
        actions=checked_actions,
        mode=str(mode),
        max=limit if isinstance(limit, int) else 10,
        max_exceeded=str(item.get("max_exceeded", "warning")),
        variables=dict(item.get("variables") or {}),
        allow_sensitive=policy == "allow",
        enabled=item.get("initial_state", item.get("enabled", True)) is not False,
        raw=dict(item),
    )


def _either(item: dict[str, Any], new: str, old: str) -> Any:
    return item.get(new) if new in item else item.get(old)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def check_trigger(c: _Checker, raw: Any, path: Path) -> dict[str, Any] | None:
    """One trigger, with ``trigger:`` as its platform key."""
    if not isinstance(raw, dict):
        c.problem(path, "a trigger must be a mapping with 'trigger:' (or 'platform:')")
        return None
    trigger = dict(raw)
    platform = trigger.pop("platform", None) if "trigger" not in trigger else trigger.get("trigger")
    platform = trigger.get("trigger", platform)
    if platform not in PLATFORMS:
        c.problem(
            path, f"unknown trigger platform '{platform}'", f"one of {', '.join(sorted(PLATFORMS))}"
        )
        return None
    trigger["trigger"] = platform
    if "for" in trigger:
        if platform not in _FOR_ALLOWED:
            c.problem(
                (*path, "for"),
                f"a {platform} trigger takes no 'for'",
                "put the wait in the actions (delay)",
            )
        else:
            c.duration((*path, "for"), trigger["for"])
    _TRIGGER_CHECKS[platform](c, trigger, path)
    return trigger


def _state_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    if "entity_id" not in t:
        c.problem(path, "a state trigger needs entity_id")
        return
    c.entity((*path, "entity_id"), t["entity_id"])


def _numeric_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    _state_trigger(c, t, path)
    if "above" not in t and "below" not in t:
        c.problem(path, "a numeric_state trigger needs above or below")
    for key in ("above", "below"):
        if key in t and not isinstance(t[key], int | float) and not _entity_like(c, t[key]):
            c.problem((*path, key), f"{key} must be a number or a sensor's entity id")
    c.template((*path, "value_template"), t.get("value_template"))


def _entity_like(c: _Checker, value: Any) -> bool:
    return isinstance(value, str) and c.registry.get(value) is not None


def _mqtt_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    topic = t.get("topic")
    if not isinstance(topic, str) or not topic or "\0" in topic:
        c.problem((*path, "topic"), "an mqtt trigger needs a topic (wildcards + and # allowed)")
        return
    parts = topic.split("/")
    if any("#" in p and (p != "#" or i != len(parts) - 1) for i, p in enumerate(parts)) or any(
        "+" in p and p != "+" for p in parts
    ):
        c.problem(
            (*path, "topic"),
            f"'{topic}' is not a valid topic filter",
            "'#' only last, '+' a whole level",
        )
    c.template((*path, "value_template"), t.get("value_template"))
    if t.get("encoding", "utf-8") not in {"utf-8", "utf8", "ascii", "latin-1", ""}:
        c.problem((*path, "encoding"), "encoding must be utf-8, ascii, latin-1 or '' (raw bytes)")


def _time_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    for i, at in enumerate(_listed(t.get("at"))):
        try:
            parse_time_of_day(at)
        except ValueError as exc:
            c.problem(
                (*path, "at", i) if isinstance(t.get("at"), list) else (*path, "at"), str(exc)
            )
    if t.get("at") is None:
        c.problem(path, "a time trigger needs at: 'HH:MM[:SS]'")


def _pattern_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    limits = {"hours": 24, "minutes": 60, "seconds": 60}
    if not any(k in t for k in limits):
        c.problem(path, "a time_pattern trigger needs hours, minutes or seconds")
    for key, limit in limits.items():
        if key in t and _pattern_values(t[key], limit) is None:
            c.problem((*path, key), f"{key} must be '*', a number below {limit}, or '/N'")


def _pattern_values(value: Any, limit: int) -> list[int] | None:
    text = str(value).strip()
    if text == "*":
        return list(range(limit))
    if text.startswith("/") and text[1:].isdigit() and 0 < int(text[1:]) <= limit:
        return list(range(0, limit, int(text[1:])))
    if text.isdigit() and int(text) < limit:
        return [int(text)]
    return None


def _sun_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    if t.get("event") not in {"sunrise", "sunset"}:
        c.problem((*path, "event"), "a sun trigger's event is sunrise or sunset")
    if "offset" in t:
        c.duration((*path, "offset"), t["offset"])


def _template_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    if not isinstance(t.get("value_template"), str):
        c.problem(path, "a template trigger needs value_template")
    c.template((*path, "value_template"), t.get("value_template"))


def _ha_trigger(c: _Checker, t: dict[str, Any], path: Path) -> None:
    if t.get("event") not in {"start", "shutdown"}:
        c.problem((*path, "event"), "a homeassistant trigger's event is start (or shutdown)")


_TRIGGER_CHECKS: dict[str, Callable[[_Checker, dict[str, Any], Path], None]] = {
    "state": _state_trigger,
    "numeric_state": _numeric_trigger,
    "mqtt": _mqtt_trigger,
    "time": _time_trigger,
    "time_pattern": _pattern_trigger,
    "sun": _sun_trigger,
    "template": _template_trigger,
    "homeassistant": _ha_trigger,
}


def check_condition(c: _Checker, raw: Any, path: Path) -> Any:
    """One condition in its long form (``condition:`` key); shorthands expanded."""
    if isinstance(raw, str):
        c.template(path, raw)
        return {"condition": "template", "value_template": raw}
    if not isinstance(raw, dict):
        c.problem(path, "a condition must be a mapping or a template")
        return {"condition": "and", "conditions": []}
    cond = dict(raw)
    for short in ("and", "or", "not"):
        if short in cond and "condition" not in cond:
            cond = {"condition": short, "conditions": cond[short]}
    kind = cond.get("condition")
    if kind not in CONDITIONS:
        c.problem(path, f"unknown condition '{kind}'", f"one of {', '.join(sorted(CONDITIONS))}")
        return cond
    _CONDITION_CHECKS[str(kind)](c, cond, path)
    return cond


def _group_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    cond["conditions"] = [
        check_condition(c, x, (*path, "conditions", i))
        for i, x in enumerate(_listed(cond.get("conditions")))
    ]


def _state_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    kind = cond["condition"]
    if "entity_id" not in cond:
        c.problem(path, f"a {kind} condition needs entity_id")
    else:
        c.entity((*path, "entity_id"), cond["entity_id"])
    if kind == "state" and "state" not in cond:
        c.problem(path, "a state condition needs state")
    if kind == "numeric_state" and "above" not in cond and "below" not in cond:
        c.problem(path, "a numeric_state condition needs above or below")
    if "for" in cond:
        c.duration((*path, "for"), cond["for"])
    c.template((*path, "value_template"), cond.get("value_template"))


def _sun_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    for way in ("after", "before"):
        if way in cond and cond[way] not in {"sunrise", "sunset"}:
            c.problem((*path, way), f"{way} is sunrise or sunset")
        if f"{way}_offset" in cond:
            c.duration((*path, f"{way}_offset"), cond[f"{way}_offset"])


def _template_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    if not isinstance(cond.get("value_template"), str):
        c.problem(path, "a template condition needs value_template")
    c.template((*path, "value_template"), cond.get("value_template"))


def _trigger_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    if "id" not in cond:
        c.problem(path, "a trigger condition needs id")


_WEEKDAYS = frozenset({"mon", "tue", "wed", "thu", "fri", "sat", "sun"})


def _time_condition(c: _Checker, cond: dict[str, Any], path: Path) -> None:
    for way in ("after", "before"):
        if way in cond:
            try:
                parse_time_of_day(cond[way])
            except ValueError as exc:
                c.problem((*path, way), str(exc))
    days = _listed(cond.get("weekday"))
    if any(d not in _WEEKDAYS for d in days):
        c.problem((*path, "weekday"), f"weekdays are {', '.join(sorted(_WEEKDAYS))}")


_CONDITION_CHECKS: dict[str, Callable[[_Checker, dict[str, Any], Path], None]] = {
    "and": _group_condition,
    "or": _group_condition,
    "not": _group_condition,
    "state": _state_condition,
    "numeric_state": _state_condition,
    "time": _time_condition,
    "sun": _sun_condition,
    "template": _template_condition,
    "trigger": _trigger_condition,
}


def check_sequence(c: _Checker, actions: list[Any], path: Path) -> list[dict[str, Any]]:
    """A list of actions, each checked."""
    out = []
    for i, raw in enumerate(actions):
        step = check_action(c, raw, (*path, i))
        if step is not None:
            out.append(step)
    return out


def check_action(c: _Checker, raw: Any, path: Path) -> dict[str, Any] | None:
    """One action; ``service:`` read as ``action:``."""
    if not isinstance(raw, dict):
        c.problem(path, "an action must be a mapping")
        return None
    step = dict(raw)
    if "service" in step and "action" not in step:
        step["action"] = step.pop("service")
    if "data_template" in step:
        step["data"] = {**(step.get("data") or {}), **step.pop("data_template")}
    if "condition" in step or (
        any(k in step for k in ("and", "or", "not")) and "action" not in step
    ):
        return {"condition_step": check_condition(c, step, path)}
    for key, checker in _ACTION_CHECKS.items():
        if key in step:
            checker(c, step, path)
            return step
    c.problem(
        path, f"unknown action with keys {', '.join(map(str, step))}", "see README 'Automations'"
    )
    return None


def _delay(c: _Checker, step: dict[str, Any], path: Path) -> None:
    c.duration((*path, "delay"), step["delay"])


def _wait_template(c: _Checker, step: dict[str, Any], path: Path) -> None:
    c.template((*path, "wait_template"), step["wait_template"])
    if "timeout" in step:
        c.duration((*path, "timeout"), step["timeout"])


def _wait_for_trigger(c: _Checker, step: dict[str, Any], path: Path) -> None:
    step["wait_for_trigger"] = [
        t
        for i, raw_t in enumerate(_listed(step["wait_for_trigger"]))
        if (t := check_trigger(c, raw_t, (*path, "wait_for_trigger", i))) is not None
    ]
    if "timeout" in step:
        c.duration((*path, "timeout"), step["timeout"])


def _if(c: _Checker, step: dict[str, Any], path: Path) -> None:
    step["if"] = [
        check_condition(c, x, (*path, "if", i)) for i, x in enumerate(_listed(step["if"]))
    ]
    step["then"] = check_sequence(c, _listed(step.get("then")), (*path, "then"))
    step["else"] = check_sequence(c, _listed(step.get("else")), (*path, "else"))


def _parallel(c: _Checker, step: dict[str, Any], path: Path) -> None:
    branches = []
    for i, branch in enumerate(_listed(step["parallel"])):
        steps = (
            _listed(branch.get("sequence"))
            if isinstance(branch, dict) and "sequence" in branch
            else [branch]
        )
        branches.append(check_sequence(c, steps, (*path, "parallel", i)))
    step["parallel"] = branches


def _sequence(c: _Checker, step: dict[str, Any], path: Path) -> None:
    step["sequence"] = check_sequence(c, _listed(step["sequence"]), (*path, "sequence"))


def _variables(c: _Checker, step: dict[str, Any], path: Path) -> None:
    if not isinstance(step["variables"], dict):
        c.problem((*path, "variables"), "variables must be a mapping of name: value")


def _stop(c: _Checker, step: dict[str, Any], path: Path) -> None:
    c.template((*path, "stop"), step["stop"])


def _service(c: _Checker, step: dict[str, Any], path: Path) -> None:
    service = step["action"]
    if is_template(service):
        c.problem(
            (*path, "action"),
            "a service name cannot be a template",
            "use choose: or if: to pick one",
        )
        return
    domain, _, name = str(service).partition(".")
    if not name or (
        service not in _OWN_SERVICES
        and domain not in DOMAINS
        and domain not in {"scene", "script", "homeassistant", "notify"}
    ):
        c.problem(
            (*path, "action"),
            f"unknown service '{service}'",
            "write domain.service, e.g. light.turn_on",
        )
    target = step.get("target") or {}
    if not isinstance(target, dict):
        c.problem((*path, "target"), "target must be a mapping of entity_id, area_id, floor_id")
        return
    if "entity_id" in step:
        target = {**target, "entity_id": step.pop("entity_id")}
    data = step.get("data") or {}
    if isinstance(data, dict) and "entity_id" in data and service not in _OWN_SERVICES:
        target = {**target, "entity_id": data.pop("entity_id")}
        step["data"] = data
    step["target"] = target
    if "entity_id" in target and target["entity_id"] != "all":
        c.entity((*path, "target", "entity_id"), target["entity_id"])
    for key, known in (("area_id", c.registry.areas), ("floor_id", c.registry.floors)):
        for value in _listed(target.get(key)):
            if value not in known:
                c.problem((*path, "target", key), f"unknown {key.removesuffix('_id')} '{value}'")
    if "device_id" in target:
        c.problem(
            (*path, "target", "device_id"),
            "device_id targets are not supported",
            "use entity_id or area_id",
        )
    _own_service_data(c, str(service), data, path)
    _templates_in(c, step.get("data"), (*path, "data"))


def _own_service_data(c: _Checker, service: str, data: Any, path: Path) -> None:
    needs = {"mqtt.publish": "topic", "conversation.process": "text"}.get(service)
    if needs is not None and (not isinstance(data, dict) or needs not in data):
        c.problem((*path, "data"), f"{service} needs data: {{{needs}: ...}}")


def _templates_in(c: _Checker, value: Any, path: Path) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _templates_in(c, v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _templates_in(c, v, (*path, i))
    else:
        c.template(path, value)


def _choose(c: _Checker, step: dict[str, Any], path: Path) -> None:
    options = []
    for i, option in enumerate(_listed(step["choose"])):
        where = (*path, "choose", i)
        if not isinstance(option, dict):
            c.problem(where, "a choice is a mapping of conditions and sequence")
            continue
        conditions = _listed(option.get("conditions"))
        options.append(
            {
                "conditions": [
                    check_condition(c, x, (*where, "conditions", j))
                    for j, x in enumerate(conditions)
                ],
                "sequence": check_sequence(
                    c, _listed(option.get("sequence")), (*where, "sequence")
                ),
            }
        )
    step["choose"] = options
    step["default"] = check_sequence(c, _listed(step.get("default")), (*path, "default"))


def _repeat(c: _Checker, step: dict[str, Any], path: Path) -> None:
    repeat = step["repeat"]
    where = (*path, "repeat")
    if not isinstance(repeat, dict):
        c.problem(where, "repeat is a mapping with count, while, until or for_each, and sequence")
        return
    kinds = [k for k in ("count", "while", "until", "for_each") if k in repeat]
    if len(kinds) != 1:
        c.problem(where, "repeat takes exactly one of count, while, until, for_each")
    for key in ("while", "until"):
        if key in repeat:
            repeat[key] = [
                check_condition(c, x, (*where, key, i)) for i, x in enumerate(_listed(repeat[key]))
            ]
    if "count" in repeat:
        count = repeat["count"]
        if not is_template(count) and (
            not isinstance(count, int) or isinstance(count, bool) or count < 0
        ):
            c.problem((*where, "count"), "count must be a whole number (or a template)")
        c.template((*where, "count"), count)
    repeat["sequence"] = check_sequence(c, _listed(repeat.get("sequence")), (*where, "sequence"))


_ACTION_CHECKS: dict[str, Callable[[_Checker, dict[str, Any], Path], None]] = {
    "action": _service,
    "delay": _delay,
    "wait_template": _wait_template,
    "wait_for_trigger": _wait_for_trigger,
    "choose": _choose,
    "if": _if,
    "repeat": _repeat,
    "parallel": _parallel,
    "sequence": _sequence,
    "variables": _variables,
    "stop": _stop,
}
