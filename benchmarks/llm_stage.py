"""Benchmark of the LLM stage behind the deterministic core.

    python benchmarks/llm_stage.py [--sample 80] [--examples 0,1,3] [--threads auto|N] [--json OUT]

Three measurements, all in one process with one loaded model:

1. **Hand-overs.** Every case of ``benchmarks/understanding`` (main and held-out sets) goes
   through the agent twice, core only and core + LLM, in file order (sessions kept). The
   stage runs only where the core answers ``not_understood``; the table reports its
   accuracy, wrong actions and accept rate there, and overall accuracy both ways.
2. **The model on its own.** The core hands over few cases, so a fixed sample of
   single-request cases the core solves is given to the stage directly, as if handed over.
3. **Cost.** Cold start (load, home, prime, first answer), latency p50/p95 with and
   without the prefix cache, with and without retrieved examples, resident memory.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `hausgeist` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.understanding.cases import Case, load_cases
from benchmarks.understanding.report import percentile
from benchmarks.understanding.scoring import judge
from hausgeist.config import Config, load_config
from hausgeist.config.models import LlmConfig
from hausgeist.llm_runtime.memory import megabytes, rss_bytes
from hausgeist.llm_runtime.runtime import load_runtime
from hausgeist.llm_stage.generation import Generation, GenerationRequest
from hausgeist.llm_stage.stage import LlmStage
from hausgeist.root import Ports, Root
from hausgeist.understanding import Conversation, Decision, Request, Status

HERE = Path(__file__).resolve().parent / "understanding"
SETS = {
    "main": (HERE / "homes", sorted((HERE / "cases").glob("*.yaml"))),
    "heldout": (HERE / "heldout" / "homes", sorted((HERE / "heldout" / "cases").glob("*.yaml"))),
}
FLUSH = "<|im_start|>system\n(cache flushed)<|im_end|>\n"


class SharedModel:
    """One loaded model lent to every stage; a stage's close() leaves it loaded."""

    def __init__(self, config: LlmConfig) -> None:
        self.runtime = load_runtime(config)
        self.flush_each = False
        """Evict the prefix cache before every request (the no-cache measurement)."""
        self.jump_forward = True
        """Feed the text the grammar forces in one batch (False: a model step per token)."""

    def generate(self, request: GenerationRequest, timeout_s: float) -> Generation:
        if self.flush_each:
            self.runtime.prime(FLUSH)
        if not self.jump_forward:
            request = replace(request, forcer=None)
        return self.runtime.generate(request, timeout_s)

    def prime(self, prefix: str, timeout_s: float = 60.0) -> int:
        return self.runtime.prime(prefix, timeout_s)

    def close(self) -> None:
        """Kept for the next home."""


@dataclass
class Tally:
    """Verdicts of one group of requests."""

    cases: int = 0
    passed: int = 0
    wrong: int = 0
    accepted: int = 0
    latencies: list[float] = field(default_factory=list)

    def add(self, passed: bool, wrong: bool, accepted: bool, ms: float | None = None) -> None:
        self.cases += 1
        self.passed += passed
        self.wrong += wrong
        self.accepted += accepted
        if ms is not None:
            self.latencies.append(ms)

    def row(self) -> dict[str, Any]:
        n = self.cases or 1
        return {
            "cases": self.cases,
            "accuracy": self.passed / n,
            "wrong_action_rate": self.wrong / n,
            "accept_rate": self.accepted / n,
            "p50_ms": percentile(self.latencies, 50),
            "p95_ms": percentile(self.latencies, 95),
        }


def _request(case: Case) -> Request:
    return Request(
        case.text,
        case.area,
        case.device,
        case.wire_session,
        dict(case.state) or None,
        case.id,
        channel="benchmark",
    )


def _homes(name: str) -> Iterator[tuple[Config, list[Case]]]:
    homes_dir, files = SETS[name]
    cases = load_cases(files)
    for home in dict.fromkeys(c.home for c in cases):
        config = load_config(homes_dir / f"{home}.yaml", env={})
        yield config, [c for c in cases if c.home == home]


def _with_llm(config: Config, **changes: Any) -> Config:
    return config.model_copy(update={"llm": config.llm.model_copy(update=changes)})


def _verdict(case: Case, decision: Decision) -> tuple[bool, bool]:
    verdict = judge(case.expect, decision.as_json(0.0))
    return verdict.passed, verdict.wrong_action


def handovers(
    model: SharedModel, name: str, report: dict[str, Any], examples_k: int | None = None
) -> None:
    """Measurement 1: core only against core + LLM, every case in order (``examples_k``
    retrieved examples per request; the homes' own setting when None)."""
    core, both, stage_only = Tally(), Tally(), Tally()
    examples: list[dict[str, Any]] = []
    for config, cases in _homes(name):
        plain = Root.from_config(_with_llm(config, enabled=False)).agent
        changes: dict[str, Any] = {"enabled": True}
        if examples_k is not None:
            changes["examples"] = examples_k
        root = Root.from_config(_with_llm(config, **changes), Ports(model=lambda: model))
        agent = root.agent
        if root.llm is not None:  # as the service does at start: the first hand-over is no cold one
            root.llm.warm_up(agent.states)
        for case in cases:
            alone = plain.handle(_request(case), dry_run=True).decision
            core.add(*_verdict(case, alone), accepted=False)
            started = time.perf_counter()
            decided = agent.handle(_request(case), dry_run=True).decision
            ms = (time.perf_counter() - started) * 1000
            passed, wrong = _verdict(case, decided)
            accepted = decided.source == "llm" and decided.status is not Status.NOT_UNDERSTOOD
            both.add(passed, wrong, accepted=accepted)
            if alone.status is Status.NOT_UNDERSTOOD:
                asked = any(t.startswith("llm raw") or "did not answer" in t for t in decided.trace)
                stage_only.add(passed, wrong, accepted, ms if asked else None)
                examples.append(_record(case, decided, passed, wrong))
    report[name] = {
        "core_only": core.row(),
        "core_and_llm": both.row(),
        "handed_over": stage_only.row(),
        "handed_over_cases": examples,
    }


def direct(
    model: SharedModel,
    sample: int,
    examples: Sequence[int],
    report: dict[str, Any],
    *,
    no_cache: bool = True,
) -> None:
    """Measurements 2 and 3: the stage on solved cases, as if they had been handed over."""
    picked = _sample(sample)
    modes = [(k, False, True) for k in examples]
    if no_cache:  # the cache and jump-forward only change latency: measure each once
        modes += [(examples[-1], True, True), (examples[-1], False, False)]
    for k, flush, jump in modes:
        model.flush_each, model.jump_forward = flush, jump
        tally, records = Tally(), []
        for config, cases in picked:
            agent = Root.from_config(_with_llm(config, enabled=False)).agent
            stage = LlmStage(agent.home.understanding, config.llm, load=lambda: model)
            stage.warm_up(agent.states)
            for case in cases:
                started = time.perf_counter()
                result = stage.consider(_request(case), agent.states, Conversation(), examples=k)
                ms = (time.perf_counter() - started) * 1000
                decision = result.decision or Decision(Status.NOT_UNDERSTOOD, "declined")
                if (
                    result.decision is not None
                    and result.decision.status is not Status.NOT_UNDERSTOOD
                ):
                    decision = replace(decision, trace=result.trace)
                passed, wrong = _verdict(case, decision)
                accepted = (
                    result.decision is not None
                    and result.decision.source == "llm"
                    and (result.decision.status is not Status.NOT_UNDERSTOOD)
                )
                tally.add(passed, wrong, accepted, ms)
                records.append(_record(case, decision, passed, wrong, result.trace))
        key = f"examples={k}" + (", no prefix cache" if flush else "")
        key += "" if jump else ", no jump-forward"
        report.setdefault("direct", {})[key] = {**tally.row(), "records": records}
    model.flush_each, model.jump_forward = False, True


def _sample(size: int) -> list[tuple[Config, list[Case]]]:
    """A fixed sample of single-request cases the core gets right, across every home."""
    pool: list[tuple[Config, Case]] = []
    for name in SETS:
        for config, cases in _homes(name):
            agent = Root.from_config(_with_llm(config, enabled=False)).agent
            for case in cases:
                if case.session is not None or case.expect.status not in {
                    "done",
                    "confirm",
                    "refused",
                }:
                    continue
                if _verdict(case, agent.handle(_request(case), dry_run=True).decision)[0]:
                    pool.append((config, case))
    chosen = random.Random(7).sample(pool, min(size, len(pool)))
    grouped: dict[int, tuple[Config, list[Case]]] = {}
    for config, case in chosen:
        grouped.setdefault(id(config), (config, []))[1].append(case)
    return list(grouped.values())


def _record(
    case: Case, decision: Decision, passed: bool, wrong: bool, trace: Sequence[str] = ()
) -> dict[str, Any]:
    return {
        "id": case.id,
        "text": case.text,
        "expected": case.expect.status,
        "status": decision.status.value,
        "source": decision.source,
        "passed": passed,
        "wrong_action": wrong,
        "actions": [str(c) for c in (*decision.actions, *decision.pending)],
        "llm": [t for t in (trace or decision.trace) if t.startswith("llm")],
    }


def cold_start(config: LlmConfig) -> tuple[SharedModel, dict[str, Any]]:
    """Load the model and answer one request in a fresh home: what the first hand-over costs."""
    rss_before = rss_bytes()
    started = time.perf_counter()
    model = SharedModel(config)
    loaded = time.perf_counter()
    home, cases = next(_homes("heldout"))
    agent = Root.from_config(_with_llm(home, enabled=False)).agent
    stage = LlmStage(agent.home.understanding, config, load=lambda: model)
    stage.consider(Request("pull the blind down"), agent.states, Conversation())
    done = time.perf_counter()
    del cases
    return model, {
        "load_ms": round((loaded - started) * 1000, 1),
        "first_answer_ms": round((done - started) * 1000, 1),
        "rss_before_mb": megabytes(rss_before),
        "rss_after_mb": megabytes(rss_bytes()),
    }


def _table(report: dict[str, Any]) -> str:
    lines = [
        f"{'':42} {'cases':>5} {'acc':>6} {'wrong':>6} {'accept':>6} {'p50 ms':>7} {'p95 ms':>7}"
    ]

    def row(label: str, r: dict[str, Any]) -> None:
        p50 = "-" if r["p50_ms"] is None else f"{r['p50_ms']:.0f}"
        p95 = "-" if r["p95_ms"] is None else f"{r['p95_ms']:.0f}"
        lines.append(
            f"{label:42} {r['cases']:>5} {100 * r['accuracy']:>5.1f}% {100 * r['wrong_action_rate']:>5.1f}%"
            f" {100 * r['accept_rate']:>5.1f}% {p50:>7} {p95:>7}"
        )

    for name in SETS:
        if name in report:
            for key in ("core_only", "core_and_llm", "handed_over"):
                row(f"{name}: {key.replace('_', ' ')}", report[name][key])
    for key, r in report.get("direct", {}).items():
        row(f"direct sample, {key}", r)
    cold = report["cold_start"]
    lines.append(
        f"cold start: load {cold['load_ms']} ms, first answer {cold['first_answer_ms']} ms; "
        f"RSS {report['rss_end_mb']} MiB at the end"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sample", type=int, default=80, help="solved cases given to the stage directly"
    )
    parser.add_argument(
        "--examples", default="0,3", help="numbers of retrieved examples to compare"
    )
    parser.add_argument(
        "--threads",
        type=lambda v: v if v == "auto" else int(v),
        default="auto",
        help="llama.cpp threads, or auto: the cores free at each request (default, as the agent)",
    )
    parser.add_argument(
        "--model", help="a GGUF path or packaged model name (default: the stock SmolLM2)"
    )
    parser.add_argument("--skip-handovers", action="store_true", help="only the direct sample")
    parser.add_argument(
        "--handover-examples",
        type=int,
        metavar="K",
        help="retrieved examples for the hand-overs (default: each home's llm.examples)",
    )
    parser.add_argument(
        "--skip-no-cache",
        action="store_true",
        help="no runs without the prefix cache or without jump-forward",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every number and record")
    args = parser.parse_args(argv)
    config = LlmConfig(threads=args.threads, model=args.model)
    model, cold = cold_start(config)
    report: dict[str, Any] = {"threads": args.threads, "model": args.model, "cold_start": cold}
    if not args.skip_handovers:
        for name in SETS:
            handovers(model, name, report, args.handover_examples)
    examples = [int(k) for k in args.examples.split(",")]
    direct(model, args.sample, examples, report, no_cache=not args.skip_no_cache)
    report["rss_end_mb"] = megabytes(rss_bytes())
    print(_table(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    model.runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
