"""Federation benchmark: eight homes learn their households' words, share them through real
Flower processes (a SuperLink, a SuperNode per home, three rounds, one home dropping out
after the first), and a ninth home that never joined adopts what they share.

    python -m benchmarks.federation.run [--rounds 3] [--epsilon 8] [--most 1] [--trials 40]

Reported: the held-out home's accuracy on its household's phrasings before and after
adopting (and wrong actions); ε at δ = 1e-5 per round and in total; patterns recovered vs
planted by how many homes hold them, at the run's ε and, in process with the same sketch and
decoder, at other ε; bytes per home per round; round times; and the membership test the
noise is for (can the aggregate tell whether one home's planted pattern is in it?).
Homes and words: ``homes.py`` (written for this benchmark, no public set).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.federation.homes import HABITS, HOMES, SINGLE, GeneratedHome, device_of, generate
from hausgeist.config.load import load_config
from hausgeist.federation import privacy
from hausgeist.federation.discovery import discover, noise_homes
from hausgeist.federation.lexicon import english
from hausgeist.federation.patterns import Pattern, targets
from hausgeist.federation.sketch import SketchShape, counts, encode, keys_of
from hausgeist.home import Home
from hausgeist.integration.flower import processes
from hausgeist.root import Ports, Root, open_history
from hausgeist.understanding import Request, Status

NOW = datetime.now(UTC)
HELD = ("can you switch on the {} please", "{} off please", "could you put the {} on",
        "turn the {} off now", "put the {} on for me")  # fmt: skip


@dataclass
class Site:
    home: GeneratedHome
    config: Path
    data: Path


def setup(index: int, folder: Path, args: argparse.Namespace, rng: random.Random) -> Site:
    home = generate(index, rng)
    config = folder / f"{home.name}.yaml"
    federation = (
        f"federation: {{noise_multiplier: {args.noise}, budget_epsilon: {args.epsilon + 0.01}, "
        f"k: {args.k}, most: {args.most}}}\n"
    )
    config.write_text(home.yaml + federation, encoding="utf-8")
    return Site(home, config, folder / home.name)


def teach(site: Site) -> dict[str, int]:
    """The household says each of its words, is misunderstood, says what it meant, and then
    keeps using the word (the common ones more)."""
    config = load_config(site.config)
    history = open_history(config, site.data)
    root = Root(Home.from_config(config), Ports(history=history), data_dir=site.data)
    agent = root.agent
    taught = [*site.home.habits]
    said: list[tuple[str, str, str]] = [(h.phrase, device_of(h), h.room) for h in taught]
    # Everyone's own name in a word of theirs: must never be shared.
    said.append((f"{site.home.person.lower()} lamp", "light.office_desk", "office"))
    for n, (phrase, entity, room) in enumerate(said, start=1):
        name = site.home.names[entity]
        for text in (f"turn on the {phrase}", f"I meant the {name}"):
            agent.handle(Request(text, room, session=f"t{n}", time=NOW), dry_run=False)
        uses = next((h.prevalence for h in taught if h.phrase == phrase), 1)
        for i in range(uses):
            verb = "off" if i % 2 == 0 else "on"
            agent.handle(Request(f"turn {verb} the {phrase}", room, session=f"u{n}-{i}", time=NOW))
    learned = len(agent.learner.knowledge.phrases) if agent.learner else 0
    root.close()
    return {"phrases": learned}


def ask(site: Site) -> tuple[int, int, int]:
    """The held-out household's phrasings: right, wrong device, asked."""
    config = load_config(site.config)
    history = open_history(config, site.data)
    root = Root(Home.from_config(config), Ports(history=history), data_dir=site.data)
    agent = root.agent
    right = wrong = total = 0
    for h in site.home.habits:
        entity = device_of(h)
        for n, frame in enumerate(HELD):
            on = " on" in frame or "switch on" in frame
            agent.states.set(entity, "off" if on else "on")
            text = frame.format(h.phrase)
            decision = agent.handle(
                Request(text, h.room, session=f"h{h.phrase}{n}", time=NOW), dry_run=True
            ).decision
            acted = [a.entity_id for a in decision.actions]
            total += 1
            if decision.status is Status.DONE and acted == [entity]:
                right += 1
            elif decision.status is Status.DONE and acted:
                wrong += 1
    root.close()
    return right, wrong, total


def flower_run(sites: list[Site], folder: Path, args: argparse.Namespace) -> dict[str, Any]:
    port = processes.free_port()
    out = folder / "aggregate.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "hausgeist", "federate", "server", "--config", str(sites[0].config),
         "--port", str(port), "--rounds", str(args.rounds), "--min-homes", str(HOMES),
         "--round-timeout", "45", "--out", str(out), "--log", str(folder / "link.log")],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    nodes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hausgeist",
                "federate",
                "join",
                "--config",
                str(site.config),
                "--server",
                f"127.0.0.1:{port}",
                "--log",
                str(folder / f"{site.home.name}.log"),
            ],
            env={**env, "HAUSGEIST_DATA_DIR": str(site.data)},
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a home that goes away takes its SuperNode with it
        )
        for site in sites
    ]
    lines: list[str] = []

    def follow() -> None:
        assert server.stdout is not None
        lines.extend(server.stdout)

    def drop() -> None:
        # The last home's SuperNode goes away right after its first contribution: the
        # SuperLink still counts it, so round 2 asks it and never hears back.
        while server.poll() is None:
            if _shared(sites[-1].data) >= 1:
                os.killpg(nodes[-1].pid, signal.SIGKILL)
                return
            time.sleep(0.05)

    started = time.monotonic()
    threads = [threading.Thread(target=f, daemon=True) for f in (follow, drop)]
    for t in threads:
        t.start()
    server.wait(timeout=1800)
    for t in threads:
        t.join(5)
    for node in nodes:
        if node.poll() is None:
            node.terminate()
            node.wait(20)
    if server.returncode != 0 or not out.with_suffix(".rounds.json").exists():
        raise SystemExit("the Flower run failed:\n" + "".join(lines[-60:]))
    rounds = json.loads(out.with_suffix(".rounds.json").read_text())
    return {
        "aggregate": out,
        "rounds": rounds,
        "seconds": round(time.monotonic() - started, 1),
        "aggregate_bytes": out.stat().st_size,
    }


def _shared(data: Path) -> int:
    """Contributions the home has recorded (spooled or stored)."""
    count = 0
    spool = data / "learning-spool.jsonl"
    if spool.exists():
        count += spool.read_text(errors="replace").count('"shared"')
    db = data / "history.db"
    if db.exists():
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.2) as connection:
                row = connection.execute(
                    "SELECT count(*) FROM learning_events WHERE kind = 'shared'"
                ).fetchone()
                count += int(row[0])
        except sqlite3.Error:
            pass
    return count


def scored(found: set[Pattern]) -> dict[str, Any]:
    planted = {_pattern(h): h.prevalence for h in (*HABITS, SINGLE)}
    by_prevalence: dict[int, list[bool]] = {}
    for pattern, prevalence in planted.items():
        by_prevalence.setdefault(prevalence, []).append(pattern in found)
    true = len(found & set(planted))
    return {
        "found": len(found),
        "precision": true / len(found) if found else None,
        "recall_by_homes": {str(p): sum(v) / len(v) for p, v in sorted(by_prevalence.items())},
        "single_home_adopted": _pattern(SINGLE) in found,
    }


TARGET = {"ceiling": "light:ceiling light", "tv": "media_player:tv", "floor": "light:floor lamp",
          "desk": "light:desk lamp", "speaker": "media_player:speaker", "fan": "fan:fan"}  # fmt: skip


def _pattern(h: Any) -> Pattern:
    return Pattern(TARGET[h.entity.rsplit("_", 1)[1].rstrip("}")], h.phrase)


def contributions(most: int, scale: int = 1) -> list[list[Pattern]]:
    """What each home counts (its ``most`` most used patterns), as the run does; ``scale``
    times as many homes, each pattern held by the same share of them."""
    out = []
    for index in range(HOMES * scale):
        share = index % HOMES
        habits = [h for h in HABITS if share < h.prevalence] + ([SINGLE] if index == 0 else [])
        habits.sort(key=lambda h: (h.prevalence, _pattern(h)), reverse=True)
        out.append([_pattern(h) for h in habits[:most]])
    return out


def sweep(args: argparse.Namespace, lexicon: list[str]) -> list[dict[str, Any]]:
    """The same sketch and decoder in process, at several ε for the whole run, patterns per
    home and numbers of homes."""
    rng = np.random.default_rng(args.seed)
    rows = []
    grid = [(e, 1, 1) for e in (2.0, 4.0, 8.0, 16.0, 32.0, 64.0)]
    grid += [(8.0, 2, 1), (32.0, 2, 1), (8.0, 1, 4), (8.0, 2, 4), (8.0, 3, 8)]
    for epsilon, most, scale in grid:
        shape = SketchShape(args.width, most)
        homes = contributions(most, scale)
        z = privacy.noise_for(epsilon, args.rounds)
        noise = noise_homes(shape, z, args.rounds)
        found_counts: list[dict[str, Any]] = []
        for _ in range(args.trials):
            total = sum((encode(h, shape) for h in homes), start=shape.empty()) * args.rounds
            total = total + rng.normal(0, z * np.sqrt(args.rounds), total.shape)
            mean = total / args.rounds
            found = {f.pattern for f in discover(mean, shape, lexicon, targets(), args.k, noise)}
            found_counts.append(scored(found))
        recall = {
            k: float(np.mean([f["recall_by_homes"][k] for f in found_counts]))
            for k in found_counts[0]["recall_by_homes"]
        }
        precisions = [f["precision"] for f in found_counts if f["precision"] is not None]
        rows.append(
            {
                "epsilon": epsilon,
                "most": most,
                "homes": HOMES * scale,
                "noise_multiplier": round(z, 3),
                "noise_homes": round(noise, 2),
                "recall_by_homes": recall,
                "precision": float(np.mean(precisions)) if precisions else None,
                "single_home_adopted": sum(f["single_home_adopted"] for f in found_counts),
                "trials": args.trials,
            }
        )
    return rows


def membership(args: argparse.Namespace, trials: int = 400) -> list[dict[str, Any]]:
    return [_membership(args, e, trials) for e in (1.0, 2.0, 4.0, args.epsilon)]


def _membership(args: argparse.Namespace, epsilon: float, trials: int) -> dict[str, Any]:
    """Is one home's planted pattern in the aggregate? The attacker knows the pattern and
    every other home's sketch, and reads the pattern's cells: the best it can do. Its true
    positive rate at a 5% false positive rate, against the bound ε allows."""
    shape = SketchShape(args.width, args.most)
    z = privacy.noise_for(epsilon, args.rounds)
    rng = np.random.default_rng(args.seed + 1)
    target = _pattern(SINGLE)
    keys = keys_of(target)

    def statistic(*, present: bool) -> float:
        sketch = encode([target], shape) * args.rounds if present else shape.empty()
        noisy = sketch + rng.normal(0, z * np.sqrt(args.rounds), sketch.shape)
        cells = np.concatenate([counts(noisy, row, [keys[row]], shape)[0] for row in range(3)])
        return float(cells.mean())

    without = np.array([statistic(present=False) for _ in range(trials)])
    within = np.array([statistic(present=True) for _ in range(trials)])
    cut = float(np.quantile(without, 0.95))
    tpr = float((within > cut).mean())
    bound = min(1.0, float(np.exp(epsilon)) * 0.05 + privacy.DELTA)
    return {"epsilon": epsilon, "fpr": 0.05, "tpr": tpr, "dp_bound_tpr": bound, "trials": trials}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epsilon", type=float, default=8.0, help="ε for the whole run")
    parser.add_argument("--most", type=int, default=1, help="patterns a home counts per round")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--width", type=int, default=16384)
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", type=Path, help="keep the homes and Flower's logs in this folder")
    args = parser.parse_args()
    args.noise = round(privacy.noise_for(args.epsilon, args.rounds), 4)
    rng = random.Random(args.seed)
    lexicon = list(english(20000))
    report: dict[str, Any] = {"machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name) if args.keep is None else args.keep
        folder.mkdir(parents=True, exist_ok=True)
        sites = [setup(i, folder, args, rng) for i in range(HOMES + 1)]
        report["learned"] = [teach(s)["phrases"] for s in sites[:HOMES]]
        held = sites[HOMES]
        report["held_out_before"] = ask(held)
        run = flower_run(sites[:HOMES], folder, args)
        report["rounds"] = run["rounds"]
        report["run_seconds"] = run["seconds"]
        report["aggregate_bytes"] = run["aggregate_bytes"]
        env = {**os.environ, "HAUSGEIST_DATA_DIR": str(held.data)}
        adopted = subprocess.run(
            [sys.executable, "-m", "hausgeist", "federate", "import", "--config", str(held.config),
             str(run["aggregate"])], env=env, capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        report["adopted"] = adopted.strip().splitlines()
        report["held_out_after"] = ask(held)
        found = {Pattern.parse(line.split("for ", 1)[1].split(" (")[0] + "=" + line.split("'")[1])
                 for line in adopted.splitlines() if line.startswith("  '")}  # fmt: skip
        report["run_patterns"] = scored(found)
        leaked = [
            s.home.person
            for s in sites
            if s.home.person.lower() in run["aggregate"].read_text().lower()
        ]
        report["names_in_aggregate"] = leaked
    report["sweep"] = sweep(args, lexicon)
    report["membership"] = membership(args)
    _print(report, args)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")


def _print(r: dict[str, Any], args: argparse.Namespace) -> None:
    print(f"Machine: {r['machine']}; {HOMES} homes join, 1 held out; k = {args.k}, "
          f"{args.rounds} rounds, ε ≤ {args.epsilon} for the run (noise multiplier "
          f"{args.noise}), {args.most} pattern(s) per home per round")  # fmt: skip
    print(f"Phrases learned per home: {r['learned']}")
    b, a = r["held_out_before"], r["held_out_after"]
    print(f"Held-out home: right {b[0]}/{b[2]} ({100 * b[0] / b[2]:.1f}%) before, "
          f"{a[0]}/{a[2]} ({100 * a[0] / a[2]:.1f}%) after adopting; wrong actions {b[1]} -> {a[1]}")  # fmt: skip
    for line in r["adopted"]:
        print(f"  {line}")
    print("Rounds (Flower, loopback):")
    for x in r["rounds"]:
        print(f"  round {x['round']}: {x['homes']} of {x['asked']} homes answered, "
              f"{x['seconds']} s, ε {x['epsilon']:.2f} in total, {x['bytes_per_home']} bytes per home")  # fmt: skip
    print(f"Whole run: {r['run_seconds']} s; aggregate file {r['aggregate_bytes']} bytes; "
          f"household names found in it: {r['names_in_aggregate'] or 'none'}")  # fmt: skip
    p = r["run_patterns"]
    print(f"This run: {p['found']} pattern(s) adopted, precision {p['precision']}, recall by "
          f"homes holding it {p['recall_by_homes']}, single-home pattern adopted: "
          f"{p['single_home_adopted']}")  # fmt: skip
    print("In process, same sketch and decoder (recall by eighths of the homes holding it):")
    print(
        "  ε run | homes | per home | noise (homes) | recall 1/8 2/8 3/8 5/8 6/8 7/8 8/8 | precision | single-home adopted"
    )
    for x in r["sweep"]:
        recall = " ".join(f"{v:.2f}" for v in x["recall_by_homes"].values())
        precision = "-" if x["precision"] is None else f"{x['precision']:.2f}"
        print(f"  {x['epsilon']:>5} | {x['homes']:>5} | {x['most']:>8} | {x['noise_homes']:>13} | "
              f"{recall} | {precision} | {x['single_home_adopted']}/{x['trials']}")  # fmt: skip
    for m in r["membership"]:
        print(f"Membership test at ε {m['epsilon']:g}: true positives {m['tpr']:.3f} at 5% false "
              f"positives ({m['trials']} trials each way); the DP bound allows {m['dp_bound_tpr']:.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
