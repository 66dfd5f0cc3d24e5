"""A rule's actions as a run (Home Assistant's ``helpers/script.py``): a generator that does
each step and yields what it waits for (a delay, a template, a trigger, parallel branches).
The engine resumes it; nothing here knows the time except through the world it is given."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hausgeist.automations.conditions import holds
from hausgeist.automations.durations import parse_duration
from hausgeist.automations.templates import is_template, render_data
from hausgeist.automations.world import World

MAX_REPEATS = 10_000


class RunError(Exception):
    """A step that failed: the run stops and the reason is recorded."""


class StopRun(Exception):  # noqa: N818 - a request to stop, not a failure
    """A ``stop:`` step, or a condition step that does not hold."""

    def __init__(self, reason: str, *, error: bool = False) -> None:
        super().__init__(reason)
        self.error = error


@dataclass(frozen=True)
class Delay:
    until: datetime


@dataclass(frozen=True)
class WaitTemplate:
    template: str
    variables: Mapping[str, Any]
    until: datetime | None


@dataclass(frozen=True)
class WaitTrigger:
    triggers: list[dict[str, Any]]
    until: datetime | None


@dataclass(frozen=True)
class Branches:
    sequences: list[list[dict[str, Any]]]
    variables: dict[str, Any]


Wait = Delay | WaitTemplate | WaitTrigger | Branches
Steps = Generator[Wait, Any, None]


@dataclass
class RunContext:
    """What one run needs: the world, its variables, and how to carry out a service call."""

    world: World
    variables: dict[str, Any]
    call: Callable[[str, dict[str, Any], Any, dict[str, Any]], None]
    """(service, target, data, variables): carries it out or raises RunError."""
    log: list[str] = field(default_factory=list)


def run_steps(steps: list[dict[str, Any]], ctx: RunContext) -> Steps:
    """Carry out ``steps`` in order."""
    for step in steps:
        yield from _step(step, ctx)


def _render(ctx: RunContext, value: Any) -> Any:
    return render_data(ctx.world.templates, value, ctx.variables)


def _duration(ctx: RunContext, value: Any) -> Any:
    value = _render(ctx, value) if is_template(value) else value
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise RunError(str(exc)) from exc


def _step(step: dict[str, Any], ctx: RunContext) -> Steps:  # noqa: C901, PLR0912 - one branch per action kind, as HA's script
    world = ctx.world
    if "action" in step:
        ctx.call(
            step["action"],
            _render(ctx, step.get("target") or {}),
            _render(ctx, step.get("data") or {}),
            ctx.variables,
        )
    elif "delay" in step:
        yield Delay(world.now + _duration(ctx, step["delay"]))
    elif "wait_template" in step:
        yield from _wait_template(step, ctx)
    elif "wait_for_trigger" in step:
        until = world.now + _duration(ctx, step["timeout"]) if "timeout" in step else None
        result = yield WaitTrigger(step["wait_for_trigger"], until)
        ctx.variables["wait"] = {"trigger": result.get("trigger"), "remaining": None}
        if not result.get("completed") and step.get("continue_on_timeout", True) is False:
            raise StopRun("wait_for_trigger timed out")
    elif "choose" in step:
        for option in step["choose"]:
            if all(holds(c, world, ctx.variables) for c in option["conditions"]):
                yield from run_steps(option["sequence"], ctx)
                break
        else:
            yield from run_steps(step.get("default") or [], ctx)
    elif "if" in step:
        branch = "then" if all(holds(c, world, ctx.variables) for c in step["if"]) else "else"
        yield from run_steps(step.get(branch) or [], ctx)
    elif "repeat" in step:
        yield from _repeat(step["repeat"], ctx)
    elif "variables" in step:
        for name, value in step["variables"].items():
            ctx.variables[name] = _render(ctx, value)
    elif "stop" in step:
        raise StopRun(str(_render(ctx, step["stop"])), error=bool(step.get("error", False)))
    elif "parallel" in step:
        yield Branches(step["parallel"], dict(ctx.variables))
    elif "sequence" in step:
        yield from run_steps(step["sequence"], ctx)
    elif "condition_step" in step and not holds(step["condition_step"], world, ctx.variables):
        raise StopRun("a condition did not hold")


def _wait_template(step: dict[str, Any], ctx: RunContext) -> Steps:
    world = ctx.world
    if world.templates.truthy(step["wait_template"], ctx.variables):
        ctx.variables["wait"] = {"completed": True, "remaining": None}
        return
    until = world.now + _duration(ctx, step["timeout"]) if "timeout" in step else None
    result = yield WaitTemplate(step["wait_template"], dict(ctx.variables), until)
    ctx.variables["wait"] = {"completed": bool(result.get("completed")), "remaining": None}
    if not result.get("completed") and step.get("continue_on_timeout", True) is False:
        raise StopRun("wait_template timed out")


def _repeat(repeat: dict[str, Any], ctx: RunContext) -> Steps:
    world = ctx.world
    outer = ctx.variables.get("repeat")
    if "for_each" in repeat:
        items = _render(ctx, repeat["for_each"])
        items = items if isinstance(items, list) else [items]
    elif "count" in repeat:
        count = _render(ctx, repeat["count"])
        try:
            items = list(range(int(count)))
        except (TypeError, ValueError) as exc:
            raise RunError(f"repeat count {count!r} is not a whole number") from exc
    else:
        items = None
    index = 0
    while True:
        if index >= MAX_REPEATS:
            raise RunError(f"repeat stopped after {MAX_REPEATS} rounds")
        if items is not None and index >= len(items):
            break
        ctx.variables["repeat"] = {
            "index": index + 1,
            "first": index == 0,
            "last": items is not None and index == len(items) - 1,
            **({"item": items[index]} if "for_each" in repeat and items is not None else {}),
        }
        if "while" in repeat and not all(holds(c, world, ctx.variables) for c in repeat["while"]):
            break
        yield from run_steps(repeat["sequence"], ctx)
        if "until" in repeat and all(holds(c, world, ctx.variables) for c in repeat["until"]):
            break
        index += 1
    if outer is None:
        ctx.variables.pop("repeat", None)
    else:
        ctx.variables["repeat"] = outer
