"""Personalization benchmark: a simulated month per household, corrections included.

    python -m benchmarks.personalization.run [--days 28] [--per-day 19] [--seed 7] [--diaries DIR]

For each household (``households.py``, homes in ``homes/``) a diary is generated (seeded,
replayable: ``--diaries DIR`` writes each as the JSON lines ``hausgeist ask -`` reads) and
replayed through the agent with learning on, the history in a temporary SQLite database.
A simulated person answers every reply as a person would: "which one?" with the device's
name, a refusal with "I meant the ...", a wrong device with "no, the ...", a wrong
brightness with "set it to N%". A request is *right* when the first answer does what the
person wanted (device, service, and the brightness they wanted where they have a habit);
a *wrong action* is one done on a device they did not mean. After the month, held-back
phrasings (frames never used in the diary) are asked of the agent and of a fresh one.
Then the core's latency with 0 and with 1,000 learned phrases. The LLM stage is off: what
is measured is what the household taught the deterministic agent.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.personalization.households import HELD_OFF, HELD_ON, HOUSEHOLDS, OFF, ON, Intent
from hausgeist.agent import Agent
from hausgeist.config.load import load_config
from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.home import Home
from hausgeist.learning.learner import Learner
from hausgeist.root import Ports, Root, learning_settings, open_history
from hausgeist.understanding import Request, Status

HOMES = Path(__file__).parent / "homes"
START = datetime(2026, 1, 5, tzinfo=UTC)


@dataclass(frozen=True)
class Said:
    """One diary line: what was said, when, from where, and what was wanted."""

    intent: Intent
    text: str
    when: datetime
    wanted: int | None
    """The brightness wanted (a habit), None when any will do."""


def diary(name: str, days: int, per_day: int, rng: random.Random) -> list[Said]:
    """A month of one household's requests, in time order."""
    intents = HOUSEHOLDS[name]
    weights = [i.weight for i in intents]
    out: list[Said] = []
    for day in range(days):
        for _ in range(per_day):
            intent = rng.choices(intents, weights)[0]
            hour = rng.choice(intent.hours)
            when = START + timedelta(days=day, hours=hour, minutes=rng.randrange(60))
            frame = rng.choice(ON if intent.verb == "on" else OFF)
            text = frame.format(rng.choice(intent.phrases))
            wanted = intent.value.get(hour)
            if wanted is not None and rng.random() < 0.3:
                text += f" at {wanted}%"  # sometimes they say it
            out.append(Said(intent, text, when, wanted))
    return sorted(out, key=lambda s: s.when)


def right(intent: Intent, wanted: int | None, decision: Any) -> bool:
    calls = [(c.service, c.entity_id) for c in decision.actions]
    if decision.status is not Status.DONE or calls != [(intent.service, intent.entity_id)]:
        return False
    if wanted is None:
        return True
    got = decision.actions[0].data.get("brightness_pct")
    return isinstance(got, int | float) and abs(got - wanted) <= 5


def wrong_device(intent: Intent, decision: Any) -> bool:
    return decision.status is Status.DONE and any(
        c.entity_id != intent.entity_id for c in decision.actions
    )


def reply_to(intent: Intent, wanted: int | None, decision: Any) -> str | None:
    """What the person says next (None: nothing, it was right or they give up)."""
    if right(intent, wanted, decision):
        return None
    status = decision.status
    if status is Status.CLARIFY:
        return f"the {intent.name}"
    if status is Status.CONFIRM:
        return "yes" if {c.entity_id for c in decision.pending} == {intent.entity_id} else "no"
    if status in {Status.REFUSED, Status.NOT_UNDERSTOOD}:
        return f"I meant the {intent.name}"
    if wrong_device(intent, decision):
        return f"no, the {intent.name}"
    if wanted is not None:
        return f"set it to {wanted}%"
    return None


@dataclass
class Week:
    requests: int = 0
    right: int = 0
    wrong: int = 0
    clarify: int = 0


def replay(name: str, said: list[Said], agent: Agent) -> list[Week]:
    weeks = [Week() for _ in range(4)]
    for number, line in enumerate(said):
        week = weeks[min((line.when - START).days // 7, 3)]
        session = f"{name}-{number}"
        request = Request(line.text, line.intent.area, session=session, time=line.when)
        decision = agent.handle(request).decision
        week.requests += 1
        week.right += right(line.intent, line.wanted, decision)
        week.wrong += wrong_device(line.intent, decision)
        when = line.when
        for _ in range(3):  # the conversation goes on until it is right, or three tries
            week.clarify += decision.status is Status.CLARIFY
            answer = reply_to(line.intent, line.wanted, decision)
            if answer is None:
                break
            when += timedelta(seconds=6)
            follow = Request(answer, line.intent.area, session=session, time=when)
            decision = agent.handle(follow).decision
        off = "off" if line.intent.verb == "on" else "on"  # the person puts it back later
        agent.states.set(line.intent.entity_id, off)
    return weeks


def held_back(name: str, rng: random.Random) -> list[Said]:
    """Each intent's phrases in frames the diary never used, at its usual hours."""
    out: list[Said] = []
    for intent in HOUSEHOLDS[name]:
        frames = HELD_ON if intent.verb == "on" else HELD_OFF
        for frame in frames:
            for phrase in intent.phrases:
                hour = rng.choice(intent.hours)
                when = START + timedelta(days=40, hours=hour, minutes=rng.randrange(60))
                out.append(Said(intent, frame.format(phrase), when, intent.value.get(hour)))
    return out


def ask_all(agent: Agent, said: list[Said], tag: str) -> tuple[int, int]:
    good = bad = 0
    for number, line in enumerate(said):
        agent.states.set(line.intent.entity_id, "off" if line.intent.verb == "on" else "on")
        request = Request(line.text, line.intent.area, session=f"{tag}{number}", time=line.when)
        decision = agent.handle(request, dry_run=True).decision
        good += right(line.intent, line.wanted, decision)
        bad += wrong_device(line.intent, decision)
    return good, bad


def agent_for(name: str, data: Path | None) -> tuple[Root, Agent]:
    config = load_config(HOMES / f"{name}.yaml")
    config = config.model_copy(update={"llm": config.llm.model_copy(update={"enabled": False})})
    history = open_history(config, data) if data is not None else None
    root = Root(Home.from_config(config), Ports(history=history), data_dir=data)
    return root, root.agent


def household(name: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(f"{args.seed}-{name}")
    said = diary(name, args.days, args.per_day, rng)
    if args.diaries:
        path = Path(args.diaries) / f"{name}.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for number, line in enumerate(said):
                body = {"text": line.text, "area": line.intent.area, "session": f"{name}-{number}"}
                body |= {"time": line.when.isoformat()}
                out.write(json.dumps(body) + "\n")
    test = held_back(name, rng)
    _, fresh = agent_for(name, None)
    before = ask_all(fresh, test, "b")
    with tempfile.TemporaryDirectory() as data:
        root, agent = agent_for(name, Path(data))
        weeks = replay(name, said, agent)
        after = ask_all(agent, test, "a")
        learned = len(agent.learner.knowledge) if agent.learner else 0
        root.close()
    return {
        "household": name,
        "requests": len(said),
        "weeks": [w.__dict__ for w in weeks],
        "held_back": len(test),
        "held_back_before": before,
        "held_back_after": after,
        "learned": learned,
    }


def latency(items: int, repeat: int) -> dict[str, float]:
    """The agent's p50 per request on the millers' home with no learner, an empty one, and
    ``items`` learned phrases (none of them said in the requests)."""
    config = load_config(HOMES / "millers.yaml")
    home = Home.from_config(config)
    requests = [
        Request(t, "living_room")
        for t in (
            "turn on the reading lamp",
            "switch off the hall light",
            "turn the kettle plug on",
            "dim the reading lamp to 40%",
        )
    ]
    when = START
    events = [
        LearningEvent(
            EventKind.PHRASE,
            when,
            {
                "phrase": f"thing {n} word{n % 37}",
                "entity_id": "light.hall",
                "area": None,
                "weight": 2.0,
            },
        )
        for n in range(items)
    ]
    out: dict[str, float] = {}
    for label, learner in (
        ("no learner", None),
        ("0 learned", Learner(home.understanding, learning_settings(config))),
        (f"{items} learned", Learner(home.understanding, learning_settings(config), events=events)),
    ):
        agent = Agent(home, learner=learner)
        times = []
        for _ in range(repeat):
            for request in requests:
                started = time.perf_counter()
                agent.handle(request, dry_run=True)
                times.append((time.perf_counter() - started) * 1000)
        out[label] = statistics.median(times)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=int, default=19)
    parser.add_argument("--seed", default="7")
    parser.add_argument("--diaries", help="also write each diary as JSON lines here")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()} {platform.processor() or ''}, Python {platform.python_version()}"
    )
    print(
        "household  requests  week-1 right  week-4 right  wrong w1/w4  clarify/week w1..w4"
        "  held-back before -> after (wrong)  learned"
    )
    totals = Counter[str]()
    for name in HOUSEHOLDS:
        r = household(name, args)
        w1, w4 = r["weeks"][0], r["weeks"][3]
        pct = lambda w: 100 * w["right"] / max(w["requests"], 1)  # noqa: E731
        held = r["held_back"]
        b, a = r["held_back_before"], r["held_back_after"]
        clar = " ".join(str(w["clarify"]) for w in r["weeks"])
        print(
            f"{name:9}  {r['requests']:8}  {pct(w1):11.1f}%  {pct(w4):11.1f}%  "
            f"{w1['wrong']:4}/{w4['wrong']:<4}  {clar:19}  "
            f"{100 * b[0] / held:5.1f}% ({b[1]}) -> {100 * a[0] / held:5.1f}% ({a[1]})  {r['learned']}"
        )
        for key, value in (
            ("w1c", w1["clarify"]),
            ("w4c", r["weeks"][3]["clarify"]),
            ("held", held),
        ):
            totals[key] += value
        totals["before"] += b[0]
        totals["after"] += a[0]
        totals["wrong_before"] += b[1]
        totals["wrong_after"] += a[1]
    gain = 100 * (totals["after"] - totals["before"]) / totals["held"]
    print(
        f"held-back, all households: {100 * totals['before'] / totals['held']:.1f}% -> "
        f"{100 * totals['after'] / totals['held']:.1f}% (+{gain:.1f} points); wrong actions "
        f"{totals['wrong_before']} -> {totals['wrong_after']}; clarifications week 1 -> 4: "
        f"{totals['w1c']} -> {totals['w4c']}"
    )
    lat = latency(args.items, args.repeat)
    print("agent p50 per request (ms): " + ", ".join(f"{k} {v:.2f}" for k, v in lat.items()))


if __name__ == "__main__":
    main()
