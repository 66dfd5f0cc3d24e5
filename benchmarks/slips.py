"""Safety under slips of the fingers: every benchmark case with a slip in its first word.

    python benchmarks/slips.py [--seed 7] [--program hausgeist]

Each single-request case of both sets (``benchmarks/understanding``, main and held-out;
no sessions, questions, state overrides or device-scoped requests) whose first word has
four letters or more gets one slip there ("turn" -> "tunr", "trun", "tyrn"...: the teacher
data's :func:`~hausgeist.tune.data.typo`), and goes through ``hausgeist ask --json
--dry-run -`` with the agent's defaults (LLM stage on). The numbers that matter: how many
answers act wrongly (the understanding benchmark's rule: an action that should not
happen, or a wrong one), and by whom (core or LLM); how many are still right.
"""

from __future__ import annotations

import argparse
import json
import random
import shlex
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.understanding.cases import Case, load_file
from benchmarks.understanding.scoring import judge
from hausgeist.tune.data import typo

HERE = Path(__file__).resolve().parent / "understanding"
SKIPPED = frozenset({"question", "confirm_flow"})


def cases_by_home() -> dict[Path, list[Case]]:
    """The single-request cases of both sets, per home config."""
    out: dict[Path, list[Case]] = {}
    for base in (HERE, HERE / "heldout"):
        for path in sorted((base / "cases").glob("*.yaml")):
            for case in load_file(path):
                if case.session or case.state or case.device or case.category in SKIPPED:
                    continue
                out.setdefault(base / "homes" / f"{case.home}.yaml", []).append(case)
    return out


def slipped(text: str, rng: random.Random) -> str | None:
    """``text`` with a slip in its first word, or None when that word is too short."""
    words = text.split()
    if not words or len(words[0]) < 4 or not words[0].isalpha():
        return None
    first = typo(words[0], rng)
    return None if first == words[0] else " ".join([first, *words[1:]])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--program", default="hausgeist", help="command that starts hausgeist")
    args = p.parse_args(argv)
    rng = random.Random(args.seed)
    total = right = 0
    wrong: dict[str, int] = {}
    for home, cases in cases_by_home().items():
        asked = [(c, t) for c in cases if (t := slipped(c.text, rng)) is not None]
        lines = [json.dumps({"text": t, "area": c.area}) for c, t in asked]
        command = [*shlex.split(args.program), "ask", "--config", str(home), "--dry-run"]
        out = subprocess.run(
            [*command, "--no-history", "--json", "-"],
            input="\n".join(lines) + "\n",
            capture_output=True,
            text=True,
            check=True,
        )
        answers = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
        for (case, text), answer in zip(asked, answers, strict=True):
            verdict = judge(case.expect, answer)
            total += 1
            right += verdict.passed
            if verdict.wrong_action:
                source = answer.get("source") or "core"
                wrong[source] = wrong.get(source, 0) + 1
                calls = [f"{a['service']} {a['entity_id']}" for a in answer["actions"]]
                print(f"wrong ({source}): {case.id} {text!r}: {', '.join(calls)}")
    acted = sum(wrong.values())
    print(f"\n{total} slipped requests: {right / total:.1%} right, {acted} wrong actions", end="")
    print(f" ({', '.join(f'{k} {v}' for k, v in sorted(wrong.items())) or 'none'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
