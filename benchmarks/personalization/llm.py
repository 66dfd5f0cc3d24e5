"""The household's own examples in the LLM stage: asked with and without them.

    python -m benchmarks.personalization.llm [--seed 7] [--model PATH]

Each household's month is replayed as in ``run.py`` (learning on, the LLM stage off), into a
temporary history. Then an agent with the real LLM stage (llama.cpp, the default model unless
``--model``) reads that history and is asked the household's words in frames with slips its
core hands over ("swich the telly on"), said from no room (a phone: the phrases it learned for a room do
not apply, so the core hands the request over). Each request is asked twice on the same
loaded model: with the household's confirmed requests as the stage's first examples, and
without (the stage's synthetic examples only). Counted: right (the device and service the
household meant), wrong actions (another device acted on), and what the stage left alone.
"""

from __future__ import annotations

import argparse
import platform
import random
import tempfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks.personalization.households import HOUSEHOLDS, Intent
from benchmarks.personalization.run import HOMES, START, diary, replay, right, wrong_device
from hausgeist.config.load import load_config
from hausgeist.home import Home
from hausgeist.root import Ports, Root, open_history
from hausgeist.understanding import Request, Status

ODD_ON = ("tunr on the {}", "swich the {} on", "pls trun the {} on")
ODD_OFF = ("tunr off the {}", "swich the {} off", "pls trun the {} off")
"""Frames of our own with slips the deterministic core does not read back alone (it hands
them over; a request it decides anyway is not counted)."""


@dataclass
class Tally:
    asked: int = 0
    right: int = 0
    wrong: int = 0
    left: int = 0
    ms: float = 0.0


def requests(intents: list[Intent]) -> list[tuple[Intent, str]]:
    out = []
    for intent in intents:
        frames = ODD_ON if intent.verb == "on" else ODD_OFF
        out += [(intent, f.format(p)) for f in frames for p in intent.phrases]
    return out


def household(name: str, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(f"{args.seed}-{name}")
    said = diary(name, args.days, args.per_day, rng)
    config = load_config(HOMES / f"{name}.yaml")
    off = config.model_copy(update={"llm": config.llm.model_copy(update={"enabled": False})})
    llm = {"enabled": True, "threads": args.threads}
    if args.model:
        llm["model"] = args.model
    on = config.model_copy(update={"llm": config.llm.model_copy(update=llm)})
    tallies = {"with": Tally(), "without": Tally()}
    with tempfile.TemporaryDirectory() as data:
        root = Root(Home.from_config(off), Ports(history=open_history(off, Path(data))))
        replay(name, said, root.agent)
        root.close()
        root = Root(Home.from_config(on), Ports(history=open_history(on, Path(data))))
        stage, learner = root.llm, root.agent.learner
        assert stage is not None
        assert learner is not None
        own = stage.own
        examples = len(learner.examples()[1])
        handed = 0
        for number, (intent, text) in enumerate(requests(HOUSEHOLDS[name])):
            core, _ = root.agent.home.understanding.decide(Request(text), root.agent.states)
            if core.status is not Status.NOT_UNDERSTOOD:
                continue  # the core decides it: the stage is not asked
            handed += 1
            for tag, source in (("with", own), ("without", None)):
                stage.own = source
                state = "off" if intent.verb == "on" else "on"
                root.agent.states.set(intent.entity_id, state)
                when = START + timedelta(days=40, hours=19, minutes=number % 60)
                started = time.perf_counter()
                request = Request(text, None, session=f"{tag}{number}", time=when)
                decision = root.agent.handle(request, dry_run=True).decision
                tally = tallies[tag]
                tally.ms += (time.perf_counter() - started) * 1000
                tally.asked += 1
                tally.right += right(intent, None, decision)
                tally.wrong += wrong_device(intent, decision)
                if args.show_wrong and wrong_device(intent, decision):
                    acted = [c.entity_id for c in decision.actions]
                    print(f"  wrong ({tag}): {text!r} meant {intent.entity_id}, did {acted}")
                    print("    " + "\n    ".join(decision.trace))
                tally.left += decision.status is not Status.DONE
        root.close()
    return {"household": name, "own_examples": examples, "handed_over": handed} | {
        tag: t.__dict__ for tag, t in tallies.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--per-day", type=int, default=19)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", help="a GGUF file (default: the default model)")
    parser.add_argument("--show-wrong", action="store_true", help="print each wrong action")
    parser.add_argument("--only", help="one household")
    args = parser.parse_args()
    print(f"machine: {platform.machine()} {platform.processor() or ''} {platform.system()}")
    rows = [household(name, args) for name in HOUSEHOLDS if args.only in (None, name)]
    head = f"{'household':<10} {'examples':>8} {'asked':>5}  {'with own':>18}  {'without':>18}"
    print(head)
    total = {"with": Tally(), "without": Tally()}
    for row in rows:
        cells = []
        for tag in ("with", "without"):
            t = row[tag]
            cells.append(f"{t['right']:>3} right {t['wrong']:>2} wrong")
            for key in ("asked", "right", "wrong", "left", "ms"):
                setattr(total[tag], key, getattr(total[tag], key) + t[key])
        print(
            f"{row['household']:<10} {row['own_examples']:>8} {row['handed_over']:>5}  "
            + "  ".join(f"{c:>18}" for c in cells)
        )
    for tag, t in total.items():
        share = 100 * t.right / t.asked if t.asked else 0.0
        mean = t.ms / t.asked if t.asked else 0.0
        print(
            f"{tag} own examples: {t.right}/{t.asked} right ({share:.1f}%), {t.wrong} wrong "
            f"actions, {t.left} left to the core, mean {mean:.0f} ms per request"
        )


if __name__ == "__main__":
    main()
