"""Templates as Home Assistant users write them: Jinja2 in a sandbox, with the helpers people
actually use (``states()``, ``is_state()``, ``state_attr()``, ``states.light.kitchen``,
``now()``, ``as_timestamp``, ``float``/``int`` with defaults, ``value_json``, ``trigger.*``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from jinja2 import TemplateError, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from hausgeist.devices.state import StateStore

_NO_DEFAULT = object()
_NOT_DOMAINS = frozenset(
    {"unsafe_callable", "alters_data", "jinja_pass_arg", "jinja_async_variant"}
)
MAX_OUTPUT = 64 * 1024
_CACHE = 4096
"""Compiled templates kept (a rule's templates are compiled once, not per event)."""


class TemplateProblem(ValueError):  # noqa: N818 - a problem with the template, said to users
    """A template that does not compile or that failed while rendering."""


def _number(kind: Callable[[Any], Any]) -> Callable[..., Any]:
    def convert(value: Any, default: Any = _NO_DEFAULT) -> Any:
        try:
            return kind(float(value)) if kind is int else kind(value)
        except (TypeError, ValueError) as exc:
            if default is _NO_DEFAULT:
                msg = f"{value!r} is not a number; give the filter a default"
                raise TemplateProblem(msg) from exc
            return default

    return convert


class _Domain:
    """``states.light``: the states of one domain, ``states.light.kitchen.state``."""

    def __init__(self, states: StateStore, domain: str, ids: list[str]) -> None:
        self._states, self._domain, self._ids = states, domain, ids

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in _NOT_DOMAINS:
            raise AttributeError(name)
        entity_id = f"{self._domain}.{name}"
        if entity_id not in self._ids:
            return Undefined(name=entity_id)
        return _StateObject(entity_id, self._states)

    def __iter__(self) -> Any:
        return iter(
            _StateObject(e, self._states) for e in self._ids if e.startswith(f"{self._domain}.")
        )


class _StateObject:
    def __init__(self, entity_id: str, states: StateStore) -> None:
        current = states.get(entity_id)
        self.entity_id = entity_id
        self.domain, _, self.object_id = entity_id.partition(".")
        self.state = current.state if current.state is not None else "unknown"
        self.attributes = dict(current.attributes)
        self.name = str(self.attributes.get("friendly_name", entity_id))


class _States:
    """``states('light.kitchen')`` and ``states.light.kitchen``."""

    def __init__(self, states: StateStore, ids: list[str]) -> None:
        self._states, self._ids = states, ids

    def __call__(self, entity_id: str) -> str:
        state = self._states.get(str(entity_id)).state
        return "unknown" if state is None else state

    def __getattr__(self, domain: str) -> _Domain:
        if domain.startswith("_") or domain in _NOT_DOMAINS:
            raise AttributeError(domain)
        return _Domain(self._states, domain, self._ids)


class Templates:
    """Renders templates against a home's states at a given time."""

    def __init__(
        self, states: StateStore, entity_ids: list[str], now: Callable[[], datetime]
    ) -> None:
        self.states = states
        env = ImmutableSandboxedEnvironment()
        state_fn = _States(states, entity_ids)
        env.globals.update(
            states=state_fn,
            is_state=lambda e, s: state_fn(e) in (s if isinstance(s, list | tuple) else [s]),
            state_attr=lambda e, a: states.get(str(e)).attributes.get(a),
            is_state_attr=lambda e, a, v: states.get(str(e)).attributes.get(a) == v,
            now=now,
            as_timestamp=_as_timestamp,
            float=_number(float),
            int=_number(int),
        )
        env.filters.update(
            float=_number(float),
            int=_number(int),
            as_timestamp=_as_timestamp,
            from_json=json.loads,
            to_json=json.dumps,
        )
        self.env = env
        self._compiled: dict[str, Any] = {}

    def check(self, text: str) -> None:
        """Raise TemplateProblem when ``text`` does not compile."""
        try:
            self.env.parse(text)
        except TemplateError as exc:
            raise TemplateProblem(f"the template does not compile: {exc}") from exc

    def render(self, text: str, variables: Mapping[str, Any] | None = None) -> Any:
        """``text`` rendered; its result read as a number, boolean, list or dict when it looks
        like one (as Home Assistant does), else the text."""
        out = self.render_text(text, variables)
        return _native(out)

    def render_text(self, text: str, variables: Mapping[str, Any] | None = None) -> str:
        try:
            template = self._compiled.get(text)
            if template is None:
                if len(self._compiled) > _CACHE:
                    self._compiled.clear()
                template = self._compiled[text] = self.env.from_string(text)
            out = template.render(**(variables or {}))
        except TemplateProblem:
            raise
        except Exception as exc:
            raise TemplateProblem(f"the template failed: {type(exc).__name__}: {exc}") from exc
        if len(out) > MAX_OUTPUT:
            raise TemplateProblem(f"the template made {len(out)} characters; at most {MAX_OUTPUT}")
        return out.strip()

    def truthy(self, text: str, variables: Mapping[str, Any] | None = None) -> bool:
        value = self.render(text, variables)
        if isinstance(value, str):
            return value.strip().lower() in {"true", "on", "yes", "1", "open", "home"}
        return bool(value)


def is_template(value: Any) -> bool:
    """Whether ``value`` is a string holding a template."""
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def render_data(templates: Templates, data: Any, variables: Mapping[str, Any]) -> Any:
    """``data`` with every template in it rendered."""
    if isinstance(data, dict):
        return {k: render_data(templates, v, variables) for k, v in data.items()}
    if isinstance(data, list):
        return [render_data(templates, v, variables) for v in data]
    if is_template(data):
        return templates.render(data, variables)
    return data


def _as_timestamp(value: Any, default: Any = _NO_DEFAULT) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return datetime.fromisoformat(str(value)).timestamp()
    except ValueError as exc:
        if default is _NO_DEFAULT:
            raise TemplateProblem(f"{value!r} is not a time") from exc
        return default


def _native(text: str) -> Any:
    if text in {"True", "False"}:
        return text == "True"
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if text[:1] in "[{":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text
