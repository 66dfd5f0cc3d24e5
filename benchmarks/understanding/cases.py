"""Load and validate benchmark case files (``cases/*.yaml``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CATEGORIES = (
    "on_off", "brightness", "color", "climate", "cover_valve", "lock", "media", "vacuum", "fan",
    "scene_script", "todo", "alarm", "multi", "indirect", "question", "context", "invalid",
    "ambiguous", "confirm_flow", "other_domains", "noisy",
)  # fmt: skip
EXPECTED_STATUSES = ("done", "answer", "confirm", "clarify", "refused")
_CASE_KEYS = {"id", "category", "text", "area", "device", "state", "session", "note", "expect"}
_EXPECT_KEYS = {"status", "actions", "also_accept", "reply_contains", "reply_excludes"}
_ACTION_KEYS = {"service", "entity_id", "data"}


class CaseFileError(Exception):
    """A case file is malformed; the message names the file and the case."""


@dataclass(frozen=True)
class ExpectedAction:
    """One service call the engine must emit."""

    service: str
    """Home Assistant service, e.g. ``light.turn_on``."""
    entity_id: str
    """The one entity it targets."""
    data: Mapping[str, Any] | None
    """Service data that must match (with tolerance); ``None``: not compared."""


@dataclass(frozen=True)
class Expectation:
    """What a correct answer to a case looks like."""

    status: str
    """One of ``EXPECTED_STATUSES``."""
    actions: tuple[ExpectedAction, ...]
    """For ``done``: the actions; for ``confirm``: the pending ones. Exact set, any order."""
    also_accept: tuple[tuple[ExpectedAction, ...], ...]
    """Other action sets that are equally right (e.g. ``volume_up`` for "louder")."""
    reply_contains: tuple[tuple[str, ...], ...]
    """For ``answer``: each entry is a set of alternatives, one must be in the lowercased reply."""
    reply_excludes: tuple[str, ...]
    """For ``answer``: substrings the lowercased reply must not contain."""


@dataclass(frozen=True)
class Case:
    """One request to the engine and its expected outcome."""

    id: str
    """Unique id, ``<home>-<category>-NNN``."""
    home: str
    """Name of the home (``homes/<home>.yaml``)."""
    category: str
    """One of ``CATEGORIES``."""
    text: str
    """What the user said."""
    area: str | None
    """The requester's area (a satellite), if any."""
    device: str | None
    """The requester's device, if any."""
    state: Mapping[str, Any]
    """State overrides for this request only."""
    session: str | None
    """Conversation id as written in the file; consecutive cases share it."""
    file: Path
    """The file the case comes from."""
    expect: Expectation
    """The expected outcome."""

    @property
    def wire_session(self) -> str | None:
        """Session id sent to the program: unique per file, so files cannot collide."""
        return None if self.session is None else f"{self.file.stem}:{self.session}"

    def request(self) -> dict[str, Any]:
        """The JSON-lines request for this case; optional keys only when set."""
        req: dict[str, Any] = {"text": self.text}
        if self.area is not None:
            req["area"] = self.area
        if self.device is not None:
            req["device"] = self.device
        if self.state:
            req["state"] = dict(self.state)
        if self.wire_session is not None:
            req["session"] = self.wire_session
        return req


def load_cases(paths: list[Path]) -> list[Case]:
    """Load every file in order; ids must be unique across all of them."""
    cases: list[Case] = []
    seen: dict[str, Path] = {}
    for path in paths:
        for case in load_file(path):
            if case.id in seen:
                raise CaseFileError(f"{path}: case id {case.id!r} already used in {seen[case.id]}")
            seen[case.id] = path
            cases.append(case)
    return cases


def load_file(path: Path) -> list[Case]:
    """Load one case file."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseFileError(f"{path}: cannot read: {exc}") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("home"), str):
        raise CaseFileError(f"{path}: expected a mapping with 'home: <name>' and 'cases: [...]'")
    raw_cases = doc.get("cases")
    if not isinstance(raw_cases, list):
        raise CaseFileError(f"{path}: 'cases' must be a list")
    cases = [_case(path, doc["home"], i, raw) for i, raw in enumerate(raw_cases)]
    _check_sessions(path, cases)
    return cases


def _fail(path: Path, where: str, message: str) -> CaseFileError:
    return CaseFileError(f"{path}: {where}: {message}")


def _opt_str(path: Path, where: str, raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise _fail(path, where, f"'{key}' must be a string")
    return value


def _case(path: Path, home: str, index: int, raw: Any) -> Case:
    where = f"cases[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "a case must be a mapping")
    if isinstance(raw.get("id"), str):
        where = f"case {raw['id']!r}"
    if unknown := set(raw) - _CASE_KEYS:
        raise _fail(path, where, f"unknown keys {sorted(unknown)}")
    for key in ("id", "category", "text"):
        if not isinstance(raw.get(key), str) or not raw[key]:
            raise _fail(path, where, f"'{key}' must be a non-empty string")
    if raw["category"] not in CATEGORIES:
        raise _fail(path, where, f"unknown category {raw['category']!r}")
    state = raw.get("state") or {}
    if not isinstance(state, dict):
        raise _fail(path, where, "'state' must be a mapping {entity_id: {state, attributes}}")
    return Case(
        id=raw["id"],
        home=home,
        category=raw["category"],
        text=raw["text"],
        area=_opt_str(path, where, raw, "area"),
        device=_opt_str(path, where, raw, "device"),
        state=state,
        session=_opt_str(path, where, raw, "session"),
        file=path,
        expect=_expectation(path, where, raw.get("expect")),
    )


def _expectation(path: Path, where: str, raw: Any) -> Expectation:
    if not isinstance(raw, dict):
        raise _fail(path, where, "'expect' must be a mapping")
    if unknown := set(raw) - _EXPECT_KEYS:
        raise _fail(path, where, f"unknown keys in expect: {sorted(unknown)}")
    status = raw.get("status")
    if status not in EXPECTED_STATUSES:
        raise _fail(path, where, f"expect.status must be one of {EXPECTED_STATUSES}")
    actions = tuple(_action(path, where, a) for a in raw.get("actions") or [])
    if status in ("done", "confirm") and not actions:
        raise _fail(path, where, f"status {status} needs expect.actions")
    if status not in ("done", "confirm") and (actions or raw.get("also_accept")):
        raise _fail(path, where, f"status {status} takes no actions")
    alternatives = raw.get("also_accept") or []
    if not isinstance(alternatives, list) or not all(isinstance(a, list) for a in alternatives):
        raise _fail(path, where, "also_accept must be a list of action lists")
    also = tuple(tuple(_action(path, where, a) for a in alt) for alt in alternatives)
    contains: list[tuple[str, ...]] = []
    for entry in raw.get("reply_contains") or []:
        options = entry if isinstance(entry, list) else [entry]
        if not options or not all(isinstance(o, str) for o in options):
            raise _fail(path, where, "reply_contains entries are strings or lists of strings")
        contains.append(tuple(o.lower() for o in options))
    excludes = raw.get("reply_excludes") or []
    if not all(isinstance(e, str) for e in excludes):
        raise _fail(path, where, "reply_excludes must be a list of strings")
    return Expectation(status, actions, also, tuple(contains), tuple(e.lower() for e in excludes))


def _action(path: Path, where: str, raw: Any) -> ExpectedAction:
    if not isinstance(raw, dict) or set(raw) - _ACTION_KEYS:
        raise _fail(path, where, "an action is {service, entity_id, data?}")
    service, entity_id, data = raw.get("service"), raw.get("entity_id"), raw.get("data")
    if not isinstance(service, str) or not isinstance(entity_id, str):
        raise _fail(path, where, "action service and entity_id must be strings")
    if data is not None and not isinstance(data, dict):
        raise _fail(path, where, "action data must be a mapping")
    return ExpectedAction(service, entity_id, data)


def _check_sessions(path: Path, cases: list[Case]) -> None:
    """Cases of one session must be consecutive: the runner sends them in file order."""
    closed: set[str] = set()
    previous: str | None = None
    for case in cases:
        if case.session != previous and previous is not None:
            closed.add(previous)
        if case.session is not None and case.session in closed:
            raise _fail(path, f"case {case.id!r}", f"session {case.session!r} is not consecutive")
        previous = case.session
