"""Run the understanding benchmark against ``hausgeist ask --json -``.

    python -m benchmarks.understanding.run [--cases GLOB] [--program "hausgeist"]
    python benchmarks/understanding/run.py --failures --json results.json

One program process per home; one JSON line per case in, one JSON line per case out.
"""

from __future__ import annotations

import argparse
import glob
import json
import shlex
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import yaml

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.understanding.cases import CATEGORIES, Case, CaseFileError, load_cases
from benchmarks.understanding.driver import ProgramSession
from benchmarks.understanding.report import (
    Outcome,
    failure_record,
    format_failure,
    summarize,
    table,
)
from benchmarks.understanding.scoring import Verdict, judge
from benchmarks.understanding.validate import problems_in

HERE = Path(__file__).resolve().parent
DEFAULT_CASES = str(HERE / "cases" / "*.yaml")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="benchmarks.understanding.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--cases",
        action="append",
        metavar="GLOB",
        help=f"case files (repeatable; default {DEFAULT_CASES})",
    )
    p.add_argument(
        "--homes",
        type=Path,
        default=HERE / "homes",
        metavar="DIR",
        help="where <home>.yaml configs live (default: homes/ next to this file)",
    )
    p.add_argument(
        "--program",
        default="hausgeist",
        help='command that starts hausgeist (default "hausgeist"), e.g. "python -m hausgeist"',
    )
    p.add_argument(
        "--ask-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra argument for `ask`, before the final '-' (repeatable)",
    )
    p.add_argument("--home", action="append", metavar="NAME", help="only these homes")
    p.add_argument("--category", action="append", choices=CATEGORIES, help="only these categories")
    p.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds to wait for each answer (default 60)",
    )
    p.add_argument("--json", type=Path, metavar="OUT", help="write the numbers (and failures) here")
    p.add_argument("--failures", action="store_true", help="list every failing case")
    p.add_argument(
        "--min-accuracy",
        type=float,
        metavar="FRACTION",
        help="exit 1 when overall accuracy is below this (0..1)",
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="only validate the cases against the homes; do not run the program",
    )
    return p.parse_args(argv)


def case_files(patterns: Sequence[str] | None) -> list[Path]:
    files: set[Path] = set()
    for pattern in patterns or [DEFAULT_CASES]:
        files.update(Path(f).resolve() for f in glob.glob(pattern, recursive=True))  # noqa: PTH207
    return sorted(files)


def select(cases: list[Case], homes: list[str] | None, categories: list[str] | None) -> list[Case]:
    """Filter, keeping sessions whole: a follow-up without its opening line means nothing."""
    keep_sessions = {
        (c.file, c.session)
        for c in cases
        if c.session
        and (not homes or c.home in homes)
        and (not categories or c.category in categories)
    }
    return [
        c
        for c in cases
        if (not homes or c.home in homes)
        and ((not categories or c.category in categories) or (c.file, c.session) in keep_sessions)
    ]


def program_argv(program: str) -> list[str]:
    """Split the program command; a bare name missing from PATH is looked up next to this
    Python (an unactivated virtual environment)."""
    argv = shlex.split(program)
    if argv and shutil.which(argv[0]) is None:
        beside = Path(sys.executable).parent / argv[0]
        if beside.is_file():
            argv[0] = str(beside)
    return argv


def home_size(homes_dir: Path, home: str) -> int:
    """Number of devices in a home, to order the report's columns from small to large."""
    try:
        doc = yaml.safe_load((homes_dir / f"{home}.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return 0
    devices = doc.get("devices") if isinstance(doc, dict) else None
    return len(devices) if isinstance(devices, list) else 0


def run_home(home: str, cases: list[Case], args: argparse.Namespace) -> list[Outcome]:
    config = (args.homes / f"{home}.yaml").resolve()
    argv = [
        *program_argv(args.program),
        "ask",
        "--config",
        str(config),
        "--json",
        "--dry-run",
        *args.ask_arg,
        "-",
    ]
    outcomes: list[Outcome] = []
    started = time.perf_counter()
    with ProgramSession(argv, args.timeout) as program:
        for case in cases:
            exchange = program.ask(case.request())
            if exchange.response is not None:
                verdict = judge(case.expect, exchange.response)
            else:
                verdict = Verdict.failed(exchange.error or "no response")
            if exchange.error is not None:
                verdict = Verdict.failed(exchange.error, wrong=verdict.wrong_action)
            outcomes.append(Outcome(case, exchange, verdict))
    took = time.perf_counter() - started
    errors = [o.exchange.error for o in outcomes if o.exchange.error]
    note = f", {len(errors)} protocol errors (first: {errors[0]})" if errors else ""
    print(f"{home}: {len(cases)} cases in {took:.1f} s{note}", file=sys.stderr)
    return outcomes


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        cases = select(load_cases(case_files(args.cases)), args.home, args.category)
    except CaseFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not cases:
        print("error: no cases selected", file=sys.stderr)
        return 2
    if args.check:
        problems = problems_in(cases, args.homes)
        for problem in problems:
            print(problem)
        print(f"{len(cases)} cases checked, {len(problems)} problems", file=sys.stderr)
        return 1 if problems else 0
    homes = sorted(dict.fromkeys(c.home for c in cases), key=lambda h: home_size(args.homes, h))
    outcomes = {h: run_home(h, [c for c in cases if c.home == h], args) for h in homes}
    every = [o for h in homes for o in outcomes[h]]
    numbers = {h: summarize(outcomes[h]) for h in homes}
    numbers["overall"] = summarize(every)
    failures = [failure_record(o) for o in every if not o.verdict.passed]
    if args.failures:
        for record in failures:
            print(format_failure(record))
        print()
    print(table(numbers))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"program": args.program, "numbers": numbers, "failures": failures}
        args.json.write_text(
            json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    accuracy = numbers["overall"]["accuracy"] or 0.0
    return 1 if args.min_accuracy is not None and accuracy < args.min_accuracy else 0


if __name__ == "__main__":
    sys.exit(main())
