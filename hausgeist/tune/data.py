"""Teacher data: this home's requests and the answers the deterministic core gives them.

Requests are written from :mod:`.templates` over the home's own devices, areas and
domains, with fillers, word-order variants and typos. The core decides each one; only
answers it is sure of are kept, turned into the JSON answer the LLM stage's grammar
encodes (:class:`~hausgeist.llm_stage.schema.LlmAnswer`). A typo variant keeps the
answer of its clean text: the model learns to read what the core cannot.

A second, optional source is the history: requests the core carried out in this home.
"""

from __future__ import annotations

import random
import re
from collections.abc import Container, Iterable, Iterator, Sequence
from dataclasses import dataclass

from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import Device, DeviceRegistry
from hausgeist.devices.state import StateStore
from hausgeist.history.entry import HistoryEntry
from hausgeist.llm_stage.examples import calls_answer
from hausgeist.llm_stage.grammar import device_offers
from hausgeist.llm_stage.schema import LlmAnswer
from hausgeist.tune import templates as tpl
from hausgeist.understanding import Decision, Request, Status, Understanding
from hausgeist.understanding.words import near_keys

_SLOT = re.compile(r"\{(\w+)\}")
_POLITE = frozenset({"can", "could", "would", "please", "i", "we", "hey", "ok", "it's"})


@dataclass(frozen=True)
class TeacherExample:
    """One request and the answer the model should give."""

    text: str
    """What is said."""
    area: str | None
    """The requester's area (a satellite), or None."""
    answer: LlmAnswer
    """The target answer."""
    template: str
    """The template it was written from (``history`` for the history)."""

    @property
    def target(self) -> str:
        """The answer as the grammar writes it."""
        return self.answer.to_json()


@dataclass(frozen=True)
class DataOptions:
    """How much teacher data to write and how."""

    seed: int = 0
    """Random seed: the same home and seed give the same data."""
    per_template: int = 6
    """Requests written per template and device (names, numbers and fillers vary)."""
    min_confidence: float = 0.9
    """Least confidence of the core's decision for it to be a target."""
    typo_rate: float = 0.25
    """Share of requests also kept with a typo (the answer of the clean text): what the core
    hands over is mostly words it could not read."""
    max_examples: int = 6000
    """Most examples kept (sampled evenly over templates)."""


def teacher_examples(
    core: Understanding, states: StateStore, options: DataOptions | None = None
) -> list[TeacherExample]:
    """The teacher data of this home: deduplicated, shuffled, at most ``max_examples``."""
    options = options or DataOptions()
    rng = random.Random(options.seed)  # noqa: S311 (wording, not secrets)
    writer = _Writer(core.registry, rng)
    kept: dict[tuple[str, str | None], TeacherExample] = {}
    for template in tpl.TEMPLATES:
        for text, area in writer.requests(template, options.per_template):
            example = label(core, states, text, area, template, options.min_confidence)
            if example is None:
                continue
            kept.setdefault((example.text, area), example)
            if rng.random() < options.typo_rate:
                noisy = typo(text, rng)
                kept.setdefault(
                    (noisy, area), TeacherExample(noisy, area, example.answer, example.template)
                )
    examples = list(kept.values())
    rng.shuffle(examples)
    return _balanced(examples, options.max_examples)


def label(
    core: Understanding,
    states: StateStore,
    text: str,
    area: str | None,
    template: tpl.Template,
    min_confidence: float = 0.9,
) -> TeacherExample | None:
    """The core's answer to ``text`` as a target, or None when it is not sure or not expressible."""
    decision, _ = core.decide(Request(text, area=area), states)
    answer = to_answer(decision, template.kind, core.registry, states, min_confidence)
    return None if answer is None else TeacherExample(text, area, answer, template.text)


def to_answer(
    decision: Decision,
    kind: str,
    registry: DeviceRegistry,
    states: StateStore,
    min_confidence: float = 0.9,
) -> LlmAnswer | None:
    """The stage's JSON answer for the core's decision on a request of template ``kind``."""
    if decision.confidence < min_confidence:
        return None
    status = decision.status
    if kind == "chatter":
        return LlmAnswer(unknown=True) if status is Status.NOT_UNDERSTOOD else None
    if status is Status.CLARIFY or (kind == "unclear" and status is Status.NOT_UNDERSTOOD):
        return LlmAnswer(unknown=True)
    if status is Status.REFUSED:
        reason = "no_such_device" if kind == "no_such_device" else "not_possible"
        return LlmAnswer(refuse=reason)
    if kind != "act" or status not in (Status.DONE, Status.CONFIRM):
        return None
    calls = decision.actions if status is Status.DONE else decision.pending
    return calls_answer(calls, registry, states)


def history_examples(
    entries: Iterable[HistoryEntry],
    core: Understanding,
    states: StateStore,
    withdrawn: Container[str] = (),
) -> list[TeacherExample]:
    """Requests this home's core carried out and nobody took back, as targets: ``done``,
    decided by the core (not by a model, not a correction), not ``withdrawn`` (corrected,
    undone, switched back by hand, said to be wrong), and said in words the core reads the
    same way on their own (an answer to "which one?", a "yes" or "brighter" meant what it
    did only in its conversation).

    Entries whose calls no longer validate (a device renamed or removed) are skipped."""
    out: dict[tuple[str, str | None], TeacherExample] = {}
    for entry in entries:
        if (
            entry.status != "done"
            or entry.source in {"llm", "learning"}
            or not entry.actions
            or entry.request_id in withdrawn
            or (entry.text, entry.area) in out
        ):
            continue
        try:
            calls = [ServiceCall.model_validate(a) for a in entry.actions]
        except ValueError:
            continue
        alone, _ = core.decide(Request(entry.text, area=entry.area), states)
        if _targets(alone.actions) != _targets(calls):
            continue
        answer = calls_answer(calls, core.registry, states)
        if answer is not None:
            out[(entry.text, entry.area)] = TeacherExample(
                entry.text, entry.area, answer, "history"
            )
    return list(out.values())


def meant_examples(
    meant: Iterable[tuple[str, str | None, Sequence[ServiceCall]]],
    registry: DeviceRegistry,
    states: StateStore,
    seed: int = 0,
    variants: int = 2,
) -> list[TeacherExample]:
    """The household's confirmed requests (what a correction, an answer to "which one?" or
    feedback showed its words to mean: what the core could not read), each with
    ``variants`` typo variants, so a few of them weigh against thousands of templated ones."""
    rng = random.Random(seed)  # noqa: S311 (wording, not secrets)
    out: dict[tuple[str, str | None], TeacherExample] = {}
    for text, area, calls in meant:
        answer = calls_answer(calls, registry, states)
        if answer is None or (text, area) in out:
            continue
        out[(text, area)] = TeacherExample(text, area, answer, "household")
        for _ in range(variants):
            noisy = typo(text, rng)
            out.setdefault((noisy, area), TeacherExample(noisy, area, answer, "household"))
    return list(out.values())


def _targets(calls: Iterable[ServiceCall]) -> set[tuple[str, str]]:
    return {(c.entity_id, c.service) for c in calls}


def split(
    examples: Sequence[TeacherExample], fraction: float, seed: int = 0
) -> tuple[list[TeacherExample], list[TeacherExample]]:
    """Training and validation examples, drawn at random (every template stays in training:
    a template held out whole would take a capability with it, such as "mute")."""
    order = list(examples)
    random.Random(seed).shuffle(order)  # noqa: S311 (a split, not secrets)
    held = round(len(order) * fraction) if fraction > 0 else 0
    return order[held:], order[:held]


def typo(text: str, rng: random.Random) -> str:
    """``text`` with one slip of the fingers (as the stage reads them back,
    :func:`~hausgeist.understanding.intents.word_behind_typo`): in a word of four letters or
    more, two letters swapped, one dropped or doubled, or a neighbouring key hit instead;
    in a word of three ("the", "off"), two letters swapped."""
    words = text.split(" ")
    spots = [i for i, w in enumerate(words) if len(w) >= 3 and w.isalpha()]
    for i in rng.sample(spots, len(spots)):
        w = words[i]
        j = rng.randrange(1, len(w) - 1)
        slips = [w[:j] + w[j + 1] + w[j] + w[j + 2 :]]  # two letters swapped
        if len(w) > 3:
            slips += [w[:j] + w[j + 1 :], w[:j] + w[j] + w[j:]]  # one dropped, one doubled
            near = near_keys(w[j].lower())
            slips += [w[:j] + rng.choice(near) + w[j + 1 :]] if near else []
        changed = [s for s in slips if s != w]  # "off" with its f's swapped is still "off"
        if changed:
            words[i] = rng.choice(changed)
            return " ".join(words)
    return text


class _Writer:
    """Fills templates with this home's names."""

    def __init__(self, registry: DeviceRegistry, rng: random.Random) -> None:
        self.registry = registry
        self.rng = rng
        self.devices = [d for d in registry if device_offers(d)]
        known = (
            " ".join(" ".join((d.name, *d.aliases)).lower() for d in registry)
            + " "
            + " ".join(" ".join((a.name, *a.aliases)).lower() for a in registry.areas.values())
        )
        self.ghosts = [g for g in tpl.GHOSTS if g not in known]
        self.nowhere = [n for n in tpl.NOWHERE if n not in known]

    def requests(self, template: tpl.Template, count: int) -> Iterator[tuple[str, str | None]]:
        slots = set(_SLOT.findall(template.text))
        if not template.domains:
            for _ in range(count):
                yield self._fill(template.text, None, None), None
            return
        fitting = [d for d in self.devices if d.domain in template.domains]
        for device in fitting:
            if template.area_scoped and device.area_id is None:
                continue
            others = [d for d in self.devices if d.domain in template.second and d is not device]
            if "name2" in slots and not others:
                return
            for _ in range(count if "name" in slots else 1):
                other = self.rng.choice(others) if "name2" in slots else None
                text = self._fill(template.text, device, other)
                yield text, device.area_id if template.area_scoped else None

    def _fill(self, text: str, device: Device | None, other: Device | None) -> str:
        rng = self.rng
        values = {
            "name": _say(device, rng) if device else "",
            "name2": _say(other, rng) if other else "",
            "area": self._area(device),
            "n": self._number(text, device),
            "color": rng.choice(tpl.COLORS),
            "item": rng.choice(tpl.ITEMS),
            "ghost": rng.choice(self.ghosts or ["sauna"]),
            "nowhere": rng.choice(self.nowhere or ["attic"]),
        }
        body = _SLOT.sub(lambda m: values[m.group(1)], text)
        polite = body.split(" ", 1)[0] in _POLITE
        prefix = "" if polite else rng.choice(tpl.PREFIXES)
        suffix = "" if body.endswith("please") else rng.choice(tpl.SUFFIXES)
        said = prefix + body + suffix
        return said[0].upper() + said[1:] if rng.random() < 0.3 else said

    def _area(self, device: Device | None) -> str:
        area = self.registry.areas.get(device.area_id) if device and device.area_id else None
        if area is None:
            areas = list(self.registry.areas.values())
            if not areas:
                return "house"
            area = self.rng.choice(areas)
        return self.rng.choice([area.name, area.name, *area.aliases]).lower()

    def _number(self, text: str, device: Device | None) -> str:
        domain = device.domain if device else ""
        if "degrees" in text or domain == "climate":
            value = self.rng.randint(17, 25)
        elif domain == "water_heater":
            value = self.rng.randint(40, 60)
        else:
            value = self.rng.choice([5, *range(10, 101, 5)])
        word = tpl.NUMBER_WORDS.get(value)
        return word if word and self.rng.random() < 0.25 else str(value)


def _say(device: Device, rng: random.Random) -> str:
    """A name people use for ``device`` (its name or an alias), lower case."""
    names = [n for n in (device.name, device.name, *device.aliases) if len(n) <= 40]
    return rng.choice(names).lower()


def _balanced(examples: list[TeacherExample], limit: int) -> list[TeacherExample]:
    """At most ``limit`` examples, taking from every template in turn."""
    if len(examples) <= limit:
        return examples
    by_template: dict[str, list[TeacherExample]] = {}
    for example in examples:
        by_template.setdefault(example.template, []).append(example)
    out: list[TeacherExample] = []
    queues = list(by_template.values())
    while len(out) < limit:
        for queue in queues:
            if queue and len(out) < limit:
                out.append(queue.pop())
    return out
