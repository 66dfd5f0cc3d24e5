"""``--check``: cross-check the cases against their homes without running the program."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from benchmarks.understanding.cases import Case


def load_home(path: Path) -> dict[str, Any] | None:
    """Read a home file (only its registry is needed here); ``None`` when it is no mapping."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else None


def problems_in(cases: Sequence[Case], homes_dir: Path) -> list[str]:
    """Every problem found: unknown homes, areas, devices and entities; service/domain mix-ups;
    the same request expecting two different outcomes; follow-ups that do not follow anything."""
    problems: list[str] = []
    homes: dict[str, dict[str, Any]] = {}
    for name in sorted({c.home for c in cases}):
        path = homes_dir / f"{name}.yaml"
        try:
            home = load_home(path)
        except (OSError, yaml.YAMLError) as exc:
            problems.append(f"home {name!r}: {exc}")
            continue
        if home is None:
            problems.append(f"home {name!r}: {path} is not a mapping")
        else:
            homes[name] = home
    for case in cases:
        home = homes.get(case.home)
        if home is not None:
            problems += [f"{case.id}: {p}" for p in _case_problems(case, home)]
    problems += _contradictions(cases)
    return problems


def _case_problems(case: Case, home: dict[str, Any]) -> list[str]:
    entities = {d["id"] for d in home.get("devices", [])}
    areas = {a["id"] for a in home.get("areas", [])}
    out: list[str] = []
    if case.area is not None and case.area not in areas:
        out.append(f"unknown area {case.area!r}")
    if case.device is not None and case.device not in entities:
        out.append(f"unknown device {case.device!r}")
    out += [f"state override for unknown entity {e!r}" for e in case.state if e not in entities]
    alternatives = [a for alt in case.expect.also_accept for a in alt]
    for action in [*case.expect.actions, *alternatives]:
        if action.entity_id not in entities:
            out.append(f"action on unknown entity {action.entity_id!r}")
        if action.service.split(".")[0] != action.entity_id.split(".")[0]:
            out.append(f"service {action.service} does not fit {action.entity_id}")
    if case.text.strip().lower() in {"yes", "yes please", "ok"} and case.session is None:
        out.append("a follow-up without a session")
    return out


def _contradictions(cases: Sequence[Case]) -> list[str]:
    """Two cases with the same input (outside sessions) must expect the same outcome."""
    seen: dict[str, list[Case]] = defaultdict(list)
    for case in cases:
        if case.session is None:
            key = json.dumps([case.home, case.request()], sort_keys=True)
            seen[key].append(case)
    out = []
    for group in seen.values():
        first = group[0]
        out += [
            f"{other.id}: same request as {first.id} but a different expectation"
            for other in group[1:]
            if other.expect != first.expect
        ]
    return out
