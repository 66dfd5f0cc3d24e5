"""The automation engine: events in (state changes, MQTT messages, time passing), actions out.

Synchronous and pure: time is what the caller says it is (:meth:`Engine.advance`), so a rule
with ``for: "01:00:00"`` is tested in milliseconds and replayed diaries keep their own
times. Every service call goes through the same validation as a spoken command, and the
safety policy: a rule unlocks, opens a garage door or disarms only with ``policy: allow``.
A run that fails stops and is recorded; the engine goes on."""

from __future__ import annotations

import heapq
import itertools
import json
import logging
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from hausgeist.automations.conditions import holds, numeric_value
from hausgeist.automations.durations import parse_duration
from hausgeist.automations.rules import Rule
from hausgeist.automations.script import (
    Branches,
    Delay,
    RunContext,
    RunError,
    Steps,
    StopRun,
    WaitTemplate,
    WaitTrigger,
    run_steps,
)
from hausgeist.automations.templates import TemplateProblem
from hausgeist.automations.trace import (
    CANCELLED,
    CONDITION_FAILED,
    ERROR,
    FINISHED,
    SKIPPED,
    STOPPED,
    RunTrace,
    trigger_summary,
)
from hausgeist.automations.triggers import (
    Change,
    mqtt_matches,
    next_time,
    numeric_crossed,
    state_matches,
    still_holds,
    topic_matches,
    variables_for_state,
)
from hausgeist.automations.world import World
from hausgeist.config.models import PolicyLevel
from hausgeist.devices.actions import ServiceCall, validate_call
from hausgeist.devices.effects import apply_call
from hausgeist.devices.state import EntityState
from hausgeist.errors import ActionError
from hausgeist.understanding.policy import is_sensitive

log = logging.getLogger(__name__)

LOOP_LIMIT = 50
"""Runs of one rule started at one instant beyond which it is taken to re-trigger itself."""

Conversation = Callable[[str], list[ServiceCall]]
"""``conversation.process``: text to the agent's understanding, service calls back."""


@dataclass(frozen=True)
class Emitted:
    """One thing a rule did (or could not do)."""

    at: datetime
    automation: str
    service: str | None = None
    entity_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    mqtt: dict[str, Any] | None = None
    error: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "at": self.at.isoformat(timespec="seconds"),
            "automation": self.automation,
        }
        if self.error is not None:
            out["error"] = self.error
        elif self.mqtt is not None:
            out["mqtt"] = self.mqtt
        else:
            out.update(service=self.service, entity_id=self.entity_id, data=self.data)
        return out


@dataclass(eq=False)
class _Run:
    rule: Rule
    steps: Steps
    ctx: RunContext
    parent: _Run | None = None
    children: int = 0
    kids: list[_Run] = field(default_factory=list)
    done: bool = False
    wait: Any = None
    trace: RunTrace | None = None


@dataclass(order=True)
class _Timer:
    when: datetime
    seq: int
    action: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)


class Engine:
    """Runs a home's rules."""

    def __init__(
        self, rules: Iterable[Rule], world: World, conversation: Conversation | None = None
    ) -> None:
        self.rules = list(rules)
        self.world = world
        self.conversation = conversation
        self.out: list[Emitted] = []
        self.traces: list[RunTrace] = []
        """Runs that have ended since the last :meth:`drain_traces`."""
        self._timers: list[_Timer] = []
        self._seq = itertools.count()
        self._ready: deque[tuple[_Run, Any]] = deque()
        self._changes: deque[Change] = deque()
        self._runs: dict[str, list[_Run]] = {r.id: [] for r in self.rules}
        self._queued: dict[str, deque[tuple[dict[str, Any], RunTrace]]] = {
            r.id: deque() for r in self.rules
        }
        self._pending_for: dict[tuple[str, int, str], tuple[_Timer, EntityState]] = {}
        self._template_was: dict[tuple[str, int], bool] = {}
        self._template_waiters: list[_Run] = []
        self._trigger_waiters: list[_Run] = []
        self._fired_at: dict[str, tuple[datetime, int]] = {}
        self._by_entity: dict[str, list[tuple[Rule, int, dict[str, Any]]]] = {}
        self._templated: list[tuple[Rule, int, dict[str, Any]]] = []
        self._mqtt_exact: dict[str, list[tuple[Rule, int, dict[str, Any]]]] = {}
        self._mqtt_wild: list[tuple[Rule, int, dict[str, Any]]] = []
        for rule in self.rules:
            for index, trigger in enumerate(rule.triggers):
                if trigger["trigger"] == "mqtt":
                    topic = str(trigger["topic"])
                    if "+" in topic or "#" in topic:
                        self._mqtt_wild.append((rule, index, trigger))
                    else:
                        self._mqtt_exact.setdefault(topic, []).append((rule, index, trigger))
                elif trigger["trigger"] in {"state", "numeric_state"}:
                    ids = (
                        trigger["entity_id"]
                        if isinstance(trigger["entity_id"], list)
                        else [trigger["entity_id"]]
                    )
                    for entity_id in ids:
                        self._by_entity.setdefault(str(entity_id), []).append(
                            (rule, index, trigger)
                        )
                elif trigger["trigger"] == "template":
                    self._templated.append((rule, index, trigger))
        self._order = {rule.id: position for position, rule in enumerate(self.rules)}
        self.started = False

    # --- the outside --------------------------------------------------------------------------

    def start(self, now: datetime) -> None:
        """The agent starts at ``now``: start triggers fire, time triggers are set."""
        self.world.now = now
        self.started = True
        for rule in self.rules:
            for index, trigger in enumerate(rule.triggers):
                kind = trigger["trigger"]
                if kind in {"time", "time_pattern", "sun"}:
                    self._schedule_time(rule, index, now)
                elif kind == "template":
                    self._template_was[(rule.id, index)] = self._truthy(rule, trigger)
        for rule in self.rules:
            for index, trigger in enumerate(rule.triggers):
                if trigger["trigger"] == "homeassistant" and trigger.get("event") == "start":
                    self._fire(
                        rule,
                        {
                            "platform": "homeassistant",
                            "event": "start",
                            "id": str(trigger.get("id", index)),
                            "idx": str(index),
                        },
                    )
        self._pump()

    def advance(self, until: datetime) -> None:
        """Let time pass up to ``until``: timers that are due run, in order."""
        while self._timers and self._timers[0].when <= until:
            timer = heapq.heappop(self._timers)
            if timer.cancelled:
                continue
            self.world.now = max(self.world.now, timer.when)
            timer.action()
            self._pump()
        self.world.now = max(self.world.now, until)

    def set_state(
        self, entity_id: str, state: str | None, attributes: dict[str, Any] | None = None
    ) -> None:
        """A device reported a state (at the world's current time)."""
        self.world.know(entity_id)
        self._change(entity_id, state, attributes or {})
        self._pump()

    def mqtt_message(self, topic: str, payload: bytes) -> None:
        """A message arrived on ``topic``."""
        candidates = [
            *self._mqtt_exact.get(topic, ()),
            *(w for w in self._mqtt_wild if topic_matches(w[2]["topic"], topic)),
        ]
        # in the order of the rules and their triggers, as Home Assistant fires them
        candidates.sort(key=lambda c: (self._order[c[0].id], c[1]))
        for rule, index, trigger in candidates:
            if not rule.enabled:
                continue
            try:
                variables = mqtt_matches(trigger, self.world, topic, payload, index)
            except TemplateProblem as exc:
                self._error(rule, f"trigger {index}: {exc}")
                continue
            if variables is not None:
                self._fire(rule, variables)
        for run in list(self._trigger_waiters):
            self._wake_on_mqtt(run, topic, payload)
        self._pump()

    def next_timer(self) -> datetime | None:
        """When the next timer is due (None: none is set)."""
        while self._timers and self._timers[0].cancelled:
            heapq.heappop(self._timers)
        return self._timers[0].when if self._timers else None

    def drain(self) -> list[Emitted]:
        """What the rules did since the last drain."""
        out, self.out = self.out, []
        return out

    def drain_traces(self) -> list[RunTrace]:
        """The runs that ended since the last call, each with what it did."""
        out, self.traces = self.traces, []
        return out

    # --- state changes --------------------------------------------------------------------------

    def _change(self, entity_id: str, state: str | None, attributes: dict[str, Any]) -> None:
        old = self.world.states.get(entity_id)
        self.world.states.set(entity_id, state, attributes)
        new = self.world.states.get(entity_id)
        if old.state != new.state:
            self.world.changed[entity_id] = self.world.now
        if old.state != new.state or old.attributes != new.attributes:
            self._changes.append(Change(entity_id, old, new))

    def _pump(self) -> None:
        """Work until nothing is left at this instant: runs to resume, changes to react to."""
        while self._ready or self._changes:
            while self._ready:
                run, value = self._ready.popleft()
                self._step(run, value)
            if self._changes:
                self._react(self._changes.popleft())

    def _react(self, change: Change) -> None:
        for rule, index, trigger in (*self._by_entity.get(change.entity_id, ()), *self._templated):
            if rule.enabled:
                self._react_trigger(rule, index, trigger, change)
        for run in list(self._template_waiters):
            wait = run.wait
            if isinstance(wait, WaitTemplate) and self._wait_done(run, wait):
                self._template_waiters.remove(run)
                self._ready.append((run, {"completed": True}))
        for run in list(self._trigger_waiters):
            self._wake_on_change(run, change)

    def _react_trigger(
        self, rule: Rule, index: int, trigger: dict[str, Any], change: Change
    ) -> None:
        kind = trigger["trigger"]
        key = (rule.id, index, change.entity_id)
        pending = self._pending_for.get(key)
        if pending is not None and not still_holds(
            trigger, self.world, change.entity_id, pending[1]
        ):
            pending[0].cancelled = True
            del self._pending_for[key]
        try:
            if kind == "state":
                fired = state_matches(trigger, change)
            elif kind == "numeric_state":
                before = numeric_value(trigger, self.world, change.entity_id, {}, change.old)
                fired = numeric_crossed(trigger, self.world, change, before)
            elif kind == "template":
                now = self._truthy(rule, trigger)
                was = self._template_was.get((rule.id, index), False)
                self._template_was[(rule.id, index)] = now
                fired = now and not was
            else:
                return
        except TemplateProblem as exc:
            self._error(rule, f"trigger {index}: {exc}")
            return
        if not fired:
            return
        variables = (
            variables_for_state(trigger, change, index)
            if kind != "template"
            else {
                "platform": "template",
                "id": str(trigger.get("id", index)),
                "idx": str(index),
                "entity_id": change.entity_id,
            }
        )
        if "for" not in trigger:
            self._fire(rule, variables)
            return
        held = self._duration(rule, trigger["for"], variables)
        if held is None:
            return
        if key in self._pending_for:
            return  # already counting since it first matched
        timer = self._at(self.world.now + held, lambda: self._for_elapsed(rule, key, variables))
        self._pending_for[key] = (timer, change.new)

    def _for_elapsed(
        self, rule: Rule, key: tuple[str, int, str], variables: dict[str, Any]
    ) -> None:
        self._pending_for.pop(key, None)
        self._fire(rule, variables)

    def _truthy(self, rule: Rule, trigger: dict[str, Any]) -> bool:
        try:
            return self.world.templates.truthy(trigger["value_template"], {})
        except TemplateProblem as exc:
            self._error(rule, str(exc))
            return False

    # --- time ------------------------------------------------------------------------------------

    def _at(self, when: datetime, action: Callable[[], None]) -> _Timer:
        timer = _Timer(when, next(self._seq), action)
        heapq.heappush(self._timers, timer)
        return timer

    def _schedule_time(self, rule: Rule, index: int, after: datetime) -> None:
        trigger = rule.triggers[index]
        when = next_time(trigger, self.world, after)
        if when is None:
            return

        def fire() -> None:
            if rule.enabled:
                variables = {
                    "platform": trigger["trigger"],
                    "id": str(trigger.get("id", index)),
                    "idx": str(index),
                    "now": self.world.local_now(),
                }
                if trigger["trigger"] == "sun":
                    variables["event"] = trigger["event"]
                self._fire(rule, variables)
            self._schedule_time(rule, index, when)

        self._at(when, fire)

    def _duration(self, rule: Rule, value: Any, variables: dict[str, Any]) -> timedelta | None:
        try:
            if isinstance(value, str) and "{" in value:
                value = self.world.templates.render(value, {"trigger": variables})
            return parse_duration(value)
        except (ValueError, TemplateProblem) as exc:
            self._error(rule, f"bad duration: {exc}")
            return None

    # --- runs ------------------------------------------------------------------------------------

    def _fire(self, rule: Rule, trigger: dict[str, Any]) -> None:
        if not rule.enabled or self._looping(rule):
            return
        variables: dict[str, Any] = {
            "trigger": trigger,
            "this": {"entity_id": f"automation.{rule.id}", "attributes": {"id": rule.id}},
        }
        trace = RunTrace(rule.id, rule.alias, self.world.shown_now(), trigger_summary(trigger))
        try:
            for name, value in rule.variables.items():
                variables[name] = (
                    self.world.templates.render(value, variables)
                    if isinstance(value, str)
                    else value
                )
            for index, condition in enumerate(rule.conditions):
                held = holds(condition, self.world, variables)
                trace.condition(index, condition, held)
                if not held:
                    self._ended(trace, CONDITION_FAILED)
                    return
        except TemplateProblem as exc:
            self._error(rule, f"condition: {exc}", trace)
            self._ended(trace, ERROR, f"condition: {exc}")
            return
        self._start_by_mode(rule, variables, trace)

    def _looping(self, rule: Rule) -> bool:
        at, count = self._fired_at.get(rule.id, (self.world.now, 0))
        count = count + 1 if at == self.world.now else 1
        self._fired_at[rule.id] = (self.world.now, count)
        if count <= LOOP_LIMIT:
            return False
        rule.enabled = False
        why = f"it triggered itself {LOOP_LIMIT} times at one instant, so it was stopped; fix the rule and reload"
        log.error("automation %s: %s", rule.id, why)
        self._error(rule, why)
        for run in list(self._runs.get(rule.id, [])):
            self._cancel(run)
        return True

    def _start_by_mode(self, rule: Rule, variables: dict[str, Any], trace: RunTrace) -> None:
        running = [r for r in self._runs[rule.id] if not r.done]
        if rule.mode == "single" and running:
            log.warning(
                "automation %s: already running, this trigger is skipped (mode: single)", rule.id
            )
            self._ended(trace, SKIPPED, "already running (mode: single)")
            return
        if rule.mode == "restart":
            for run in running:
                self._cancel(run, "restarted by a new trigger (mode: restart)")
        elif rule.mode == "queued" and running:
            if len(running) + len(self._queued[rule.id]) >= rule.max:
                log.warning(
                    "automation %s: the queue is full (max %d), this trigger is dropped",
                    rule.id,
                    rule.max,
                )
                self._ended(trace, SKIPPED, f"the queue is full (max {rule.max})")
            else:
                trace.step(self.world.shown_now(), "queued", behind=len(running))
                self._queued[rule.id].append((variables, trace))
            return
        elif rule.mode == "parallel" and len(running) >= rule.max:
            log.warning(
                "automation %s: %d runs already (max), this trigger is dropped", rule.id, rule.max
            )
            self._ended(trace, SKIPPED, f"{rule.max} runs already (max)")
            return
        self._launch(rule, variables, rule.actions, trace=trace)

    def _launch(
        self,
        rule: Rule,
        variables: dict[str, Any],
        steps: list[dict[str, Any]],
        parent: _Run | None = None,
        trace: RunTrace | None = None,
    ) -> _Run:
        trace = trace if trace is not None else (parent.trace if parent is not None else None)
        ctx = RunContext(
            self.world, variables, lambda s, t, d, _v: self._call(rule, s, t, d, trace)
        )
        run = _Run(rule, run_steps(steps, ctx), ctx, parent, trace=trace)
        if parent is None:
            self._runs[rule.id] = [r for r in self._runs[rule.id] if not r.done] + [run]
        self._ready.append((run, None))
        return run

    def _step(self, run: _Run, value: Any) -> None:
        if run.done:
            return
        try:
            wait = run.steps.send(value)
        except StopIteration:
            self._finish(run)
            return
        except StopRun as stop:
            if stop.error:
                self._error(run.rule, f"stopped: {stop}", run.trace)
            self._end_run(run, ERROR if stop.error else STOPPED, str(stop))
            self._finish(run)
            return
        except (RunError, TemplateProblem) as exc:
            self._error(run.rule, str(exc), run.trace)
            self._end_run(run, ERROR, str(exc))
            self._finish(run)
            return
        run.wait = wait
        self._install(run, wait)

    def _install(self, run: _Run, wait: Any) -> None:
        self._note_wait(run, wait)
        if isinstance(wait, Delay):
            self._at(wait.until, lambda: self._resume(run, wait, None))
        elif isinstance(wait, WaitTemplate):
            self._template_waiters.append(run)
            if wait.until is not None:
                self._at(wait.until, lambda: self._timeout(run, wait, self._template_waiters))
        elif isinstance(wait, WaitTrigger):
            self._trigger_waiters.append(run)
            if wait.until is not None:
                self._at(wait.until, lambda: self._timeout(run, wait, self._trigger_waiters))
        elif isinstance(wait, Branches):
            run.children = len(wait.sequences)
            if not wait.sequences:
                self._ready.append((run, None))
            run.kids = [
                self._launch(run.rule, dict(wait.variables), sequence, parent=run)
                for sequence in wait.sequences
            ]

    def _resume(self, run: _Run, wait: Any, value: Any) -> None:
        if run.wait is wait and not run.done:
            run.wait = None
            if run.trace is not None and isinstance(wait, WaitTemplate | WaitTrigger):
                completed = not (isinstance(value, dict) and value.get("completed") is False)
                run.trace.step(
                    self.world.shown_now(), "wait over" if completed else "wait timed out"
                )
            self._ready.append((run, value))

    def _note_wait(self, run: _Run, wait: Any) -> None:
        trace = run.trace
        if trace is None:
            return
        now = self.world.shown_now()
        if isinstance(wait, Delay):
            trace.step(now, "delay", until=wait.until.isoformat(timespec="seconds"))
        elif isinstance(wait, WaitTemplate):
            until = None if wait.until is None else wait.until.isoformat(timespec="seconds")
            trace.step(now, "wait for template", template=wait.template, timeout_at=until)
        elif isinstance(wait, WaitTrigger):
            until = None if wait.until is None else wait.until.isoformat(timespec="seconds")
            kinds = ", ".join(str(t.get("trigger")) for t in wait.triggers)
            trace.step(now, "wait for trigger", triggers=kinds, timeout_at=until)
        elif isinstance(wait, Branches):
            trace.step(now, "parallel", branches=len(wait.sequences))

    def _timeout(self, run: _Run, wait: Any, waiters: list[_Run]) -> None:
        if run.wait is wait and run in waiters:
            waiters.remove(run)
            self._resume(run, wait, {"completed": False})

    def _wait_done(self, run: _Run, wait: WaitTemplate) -> bool:
        try:
            return self.world.templates.truthy(wait.template, wait.variables)
        except TemplateProblem as exc:
            self._error(run.rule, str(exc))
            return False

    def _wake_on_change(self, run: _Run, change: Change) -> None:
        wait = run.wait
        if not isinstance(wait, WaitTrigger):
            return
        for index, trigger in enumerate(wait.triggers):
            if trigger["trigger"] == "state" and state_matches(trigger, change):
                self._trigger_waiters.remove(run)
                self._resume(
                    run,
                    wait,
                    {"completed": True, "trigger": variables_for_state(trigger, change, index)},
                )
                return

    def _wake_on_mqtt(self, run: _Run, topic: str, payload: bytes) -> None:
        wait = run.wait
        if not isinstance(wait, WaitTrigger):
            return
        for index, trigger in enumerate(wait.triggers):
            if trigger["trigger"] == "mqtt":
                found = mqtt_matches(trigger, self.world, topic, payload, index)
                if found is not None:
                    self._trigger_waiters.remove(run)
                    self._resume(run, wait, {"completed": True, "trigger": found})
                    return

    def _cancel(self, run: _Run, why: str = "cancelled") -> None:
        for kid in run.kids:
            self._cancel(kid, why)
        if run.parent is None:
            self._end_run(run, CANCELLED, why)
        run.done = True
        run.wait = None
        run.steps.close()
        for waiters in (self._template_waiters, self._trigger_waiters):
            if run in waiters:
                waiters.remove(run)

    def _finish(self, run: _Run) -> None:
        run.done = True
        run.wait = None
        parent = run.parent
        if parent is not None and not parent.done:
            parent.children -= 1
            if parent.children == 0:
                self._resume(parent, parent.wait, None)
            return
        rule = run.rule
        self._end_run(run, FINISHED)
        self._runs[rule.id] = [r for r in self._runs[rule.id] if not r.done]
        if rule.mode == "queued" and self._queued[rule.id] and not self._runs[rule.id]:
            variables, trace = self._queued[rule.id].popleft()
            self._launch(rule, variables, rule.actions, trace=trace)

    def _end_run(self, run: _Run, result: str, error: str | None = None) -> None:
        """A top-level run ended: its trace is handed over (a branch ends with its run)."""
        if run.parent is None and run.trace is not None:
            self._ended(run.trace, result, error)

    def _ended(self, trace: RunTrace, result: str, error: str | None = None) -> None:
        if not trace.ended:
            trace.end(self.world.shown_now(), result, error)
            self.traces.append(trace)

    # --- carrying out -------------------------------------------------------------------------

    def _error(self, rule: Rule, why: str, trace: RunTrace | None = None) -> None:
        log.warning("automation %s: %s", rule.id, why)
        self.out.append(Emitted(self.world.shown_now(), rule.id, error=why))
        if trace is not None:
            trace.step(self.world.shown_now(), "error", error=why)

    def _call(
        self, rule: Rule, service: str, target: Any, data: Any, trace: RunTrace | None = None
    ) -> None:
        if not isinstance(data, dict):
            raise RunError(f"{service}: data must be a mapping, got {type(data).__name__}")
        if service == "mqtt.publish":
            self._publish(rule, data, trace)
            return
        if service == "conversation.process":
            self._converse(rule, data, trace)
            return
        domain = service.partition(".")[0]
        for entity_id in self._targets(service, target):
            self._one_call(
                rule,
                ServiceCall(
                    service=self._service_for(domain, service, entity_id),
                    entity_id=entity_id,
                    data=data,
                ),
                trace,
            )

    def _service_for(self, domain: str, service: str, entity_id: str) -> str:
        if domain == "homeassistant":  # homeassistant.turn_on: the entity's own domain's service
            return f"{entity_id.partition('.')[0]}.{service.partition('.')[2]}"
        return service

    def _targets(self, service: str, target: Any) -> list[str]:
        if not isinstance(target, dict):
            raise RunError(f"{service}: target must be a mapping")
        domain = service.partition(".")[0]
        registry = self.world.registry
        ids: list[str] = []
        raw = target.get("entity_id")
        for entity_id in raw if isinstance(raw, list) else ([] if raw is None else [raw]):
            if entity_id == "all":
                ids.extend(d.entity_id for d in registry.of_domain(domain))
            else:
                self.world.know(str(entity_id))
                ids.append(str(entity_id))
        for area in _listed(target.get("area_id")):
            ids.extend(
                d.entity_id
                for d in registry.in_area(str(area))
                if domain in {d.domain, "homeassistant"}
            )
        for floor in _listed(target.get("floor_id")):
            ids.extend(
                d.entity_id
                for d in registry.on_floor(str(floor))
                if domain in {d.domain, "homeassistant"}
            )
        if not ids:
            raise RunError(f"{service}: the target names no entity")
        return list(dict.fromkeys(ids))

    def _one_call(self, rule: Rule, call: ServiceCall, trace: RunTrace | None = None) -> None:
        registry = self.world.registry
        state = self.world.states.get(call.entity_id)
        try:
            checked = (
                call if self.world.open_home else validate_call(call, registry, state.attributes)
            )
        except ActionError as exc:
            raise RunError(f"{call.service} {call.entity_id}: {exc}") from exc
        device = registry.get(call.entity_id)
        denied = (
            device is not None and device.policy is PolicyLevel.DENY
        ) or self.world.policy.domains.get(call.domain) is PolicyLevel.DENY
        if denied:
            raise RunError(f"refused: the policy denies {call.service} on {call.entity_id}")
        if is_sensitive(call, registry) and not rule.allow_sensitive:
            raise RunError(
                f"refused: {call.service} on {call.entity_id} is guarded by the safety policy; "
                "add 'policy: allow' to the rule if it may do that unattended"
            )
        self.out.append(
            Emitted(
                self.world.shown_now(),
                rule.id,
                service=checked.service,
                entity_id=checked.entity_id,
                data=dict(checked.data),
            )
        )
        if trace is not None:
            trace.step(
                self.world.shown_now(),
                "call",
                service=checked.service,
                entity_id=checked.entity_id,
                data=dict(checked.data) or None,
            )
        if self.world.apply_effects:
            new_state, attributes = apply_call(checked, state)
            self._change(checked.entity_id, new_state, attributes)

    def _publish(self, rule: Rule, data: dict[str, Any], trace: RunTrace | None = None) -> None:
        topic = data.get("topic")
        if not isinstance(topic, str) or not topic or "+" in topic or "#" in topic:
            raise RunError(f"mqtt.publish: {topic!r} is not a topic to publish on")
        payload = data.get("payload", "")
        if isinstance(payload, dict | list):
            payload = json.dumps(payload)
        elif not isinstance(payload, str):
            payload = str(payload)
        message: dict[str, Any] = {"topic": topic, "payload": payload}
        for key in ("qos", "retain"):
            if key in data:
                message[key] = data[key]
        self.out.append(Emitted(self.world.shown_now(), rule.id, mqtt=message))
        if trace is not None:
            trace.step(self.world.shown_now(), "publish", topic=topic, payload=payload)

    def _converse(self, rule: Rule, data: dict[str, Any], trace: RunTrace | None = None) -> None:
        if self.conversation is None:
            raise RunError("conversation.process: no agent to hand the text to")
        text = str(data.get("text", ""))
        if trace is not None:
            trace.step(self.world.shown_now(), "conversation", text=text)
        try:
            calls = self.conversation(text)
        except ValueError as exc:
            raise RunError(f"conversation.process: {exc}") from exc
        for call in calls:
            self._one_call(rule, call, trace)


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
