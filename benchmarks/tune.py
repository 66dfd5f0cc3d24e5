"""Benchmark of home tuning: the stock model against this home's tuned model.

    python benchmarks/tune.py --home cottage --minutes 20          # tune, then measure
    python benchmarks/tune.py --home cottage --run DIR             # measure a finished run
    python benchmarks/tune.py --home house --run DIR --sample 100 --json out.json

Requests are the benchmark's hand-written cases (``benchmarks/understanding/cases`` and
``heldout/cases``), never the generated training text. Each model runs behind the real
LLM stage (:class:`~hausgeist.llm_stage.stage.LlmStage`: prompt, grammar, confidence
gate, agreement check, the core's policy), in its own process so resident memory is its own:

- **handed over**: the cases the deterministic core hands over (``not_understood``);
- **as if handed over**: a sample of all single-turn command cases given straight to the
  stage (the core hands over few, so this is where the model's reading shows);
- **wrong actions**: answers that did or proposed an action that should not happen
  (the understanding benchmark's rule), and those among the ``invalid`` cases;
- latency p50/p95 of the stage, file size, resident memory after load, tuning time.

Beside the table it prints what makes runs on different machines comparable: the steps the
tune did, its seconds per step, this machine's llama.cpp speed (prompt and generation
tokens/s of the stock model, from ``benchmarks/llm_runtime.py``), and the tune's own
activation gate (:mod:`hausgeist.tune.gate`) on its held-back and hand-over requests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.understanding.cases import Case, load_file
from benchmarks.understanding.report import percentile
from benchmarks.understanding.scoring import judge

HERE = Path(__file__).resolve().parent / "understanding"
SKIPPED = frozenset({"question", "confirm_flow"})
"""Categories the stage never takes (questions) or that need a conversation."""


def home_files(home: str) -> tuple[Path, list[Path]]:
    """The home's config and its case files."""
    for base in (HERE, HERE / "heldout"):
        config = base / "homes" / f"{home}.yaml"
        if config.is_file():
            cases = sorted((base / "cases").glob(f"{home}*.yaml"))
            return config, cases
    raise SystemExit(f"no benchmark home named {home!r}")


def single_turn(cases: list[Case]) -> list[Case]:
    """Cases that stand alone: no session, not a question."""
    return [c for c in cases if c.session is None and c.category not in SKIPPED]


def measure(
    config_path: Path,
    cases_paths: list[Path],
    model: str | None,
    examples: int,
    sample: int,
    seed: int,
    llm_settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run one model behind the stage on the home's cases (in this process)."""
    from hausgeist.config import load_config
    from hausgeist.devices.registry import DeviceRegistry
    from hausgeist.devices.state import StateStore
    from hausgeist.llm_runtime import LlamaRuntime, RuntimeOptions, resolve_model
    from hausgeist.llm_runtime.memory import rss_bytes
    from hausgeist.llm_stage.stage import LlmStage
    from hausgeist.understanding import Conversation, Decision, Request, Status, Understanding

    config = load_config(config_path)
    llm = config.llm.model_copy(update=llm_settings or {})
    registry = DeviceRegistry.from_config(config)
    core = Understanding(registry, config.policy)
    spec = resolve_model(model)
    options = RuntimeOptions.with_threads(config.llm.threads, n_ctx=config.llm.context)
    loaded: list[LlamaRuntime] = []

    def load() -> LlamaRuntime:
        runtime = LlamaRuntime.load(spec, options)
        loaded.append(runtime)
        return runtime

    stage = LlmStage(core, llm, load=load)
    cases = single_turn([c for p in cases_paths for c in load_file(p)])
    rng = random.Random(seed)
    sampled = rng.sample(cases, min(sample, len(cases)))
    results: dict[str, list[dict[str, Any]]] = {"handed_over": [], "as_if": []}
    latencies: list[float] = []
    for group, chosen in (("handed_over", cases), ("as_if", sampled)):
        for case in chosen:
            states = StateStore.from_registry(registry).override(case.state)
            request = Request(case.text, area=case.area, device=case.device)
            decision, _ = core.decide(request, states)
            if group == "handed_over" and decision.status is not Status.NOT_UNDERSTOOD:
                continue
            started = time.perf_counter()
            outcome = stage.consider(request, states, Conversation(), examples)
            ms = (time.perf_counter() - started) * 1000
            if outcome.decision is not None:
                decision = outcome.decision
                latencies.append(ms)
            elif group == "as_if":
                decision = Decision(Status.NOT_UNDERSTOOD, "declined", source="llm")
                latencies.append(ms)
            verdict = judge(case.expect, decision.as_json(ms))
            raw = next(
                (t[len("llm raw: ") :] for t in outcome.trace if t.startswith("llm raw: ")), ""
            )
            results[group].append(
                {
                    "id": case.id,
                    "category": case.category,
                    "text": case.text,
                    "passed": verdict.passed,
                    "wrong": verdict.wrong_action,
                    "status": decision.status.value,
                    "declined": outcome.decision is None,
                    "raw": raw,
                    "trace": list(outcome.trace),
                    "reason": verdict.reason,
                    "ms": ms,
                }
            )
    rss = rss_bytes()
    stage.close()
    return {
        "model": str(spec.path),
        "quantization": spec.quantization,
        "size_bytes": spec.size_bytes,
        "rss_bytes": rss,
        "load_ms": loaded[0].load_ms if loaded else None,
        "examples": examples,
        "results": results,
        "latencies_ms": latencies,
    }


def summarize(label: str, run: dict[str, Any]) -> dict[str, Any]:
    """The numbers of one model."""
    out: dict[str, Any] = {
        "label": label,
        "size_mb": run["size_bytes"] / 1e6,
        "rss_mb": (run["rss_bytes"] or 0) / 1e6,
    }
    for group, rows in run["results"].items():
        invalid = [r for r in rows if r["category"] == "invalid"]
        out[group] = {
            "cases": len(rows),
            "accuracy": sum(r["passed"] for r in rows) / len(rows) if rows else None,
            "wrong": sum(r["wrong"] for r in rows),
            "declined": sum(r["declined"] for r in rows),
            "invalid": len(invalid),
            "invalid_wrong": sum(r["wrong"] for r in invalid),
        }
    out["p50_ms"] = percentile(run["latencies_ms"], 50)
    out["p95_ms"] = percentile(run["latencies_ms"], 95)
    return out


def table(rows: list[dict[str, Any]], tune_minutes: float | None) -> str:
    """A Markdown table, one column per model."""

    def pct(v: float | None) -> str:
        return "-" if v is None else f"{v:.0%}"

    lines = ["| | " + " | ".join(r["label"] for r in rows) + " |", "|---|" + "---|" * len(rows)]
    spec = [
        (
            "handed over: right",
            lambda r: f"{pct(r['handed_over']['accuracy'])} ({r['handed_over']['cases']})",
        ),
        ("handed over: wrong actions", lambda r: str(r["handed_over"]["wrong"])),
        (
            "as if handed over: right",
            lambda r: f"{pct(r['as_if']['accuracy'])} ({r['as_if']['cases']})",
        ),
        (
            "as if handed over: wrong actions",
            lambda r: (
                f"{r['as_if']['wrong']} ({pct(r['as_if']['wrong'] / max(1, r['as_if']['cases']))})"
            ),
        ),
        ("as if handed over: declined", lambda r: str(r["as_if"]["declined"])),
        (
            "invalid requests: wrong actions",
            lambda r: f"{r['as_if']['invalid_wrong']} of {r['as_if']['invalid']}",
        ),
        ("latency p50 / p95 ms", lambda r: f"{r['p50_ms'] or 0:.0f} / {r['p95_ms'] or 0:.0f}"),
        ("file MB", lambda r: f"{r['size_mb']:.0f}"),
        ("RSS MB", lambda r: f"{r['rss_mb']:.0f}"),
    ]
    for name, cell in spec:
        lines.append(f"| {name} | " + " | ".join(cell(r) for r in rows) + " |")
    if tune_minutes is not None:
        lines.append(
            f"\nTuning took {tune_minutes:.1f} min (data, training, export, quantization, evaluation)."
        )
    return "\n".join(lines)


def _child(args: argparse.Namespace) -> int:
    config, cases = home_files(args.home)
    settings = json.loads(args.llm) if args.llm else None
    result = measure(config, cases, args.model, args.examples, args.sample, args.seed, settings)
    Path(args.child_out).write_text(json.dumps(result), encoding="utf-8")
    return 0


def machine_speed() -> dict[str, float]:
    """This machine's llama.cpp speed on the stock model (tokens/s)."""
    from hausgeist.llm_runtime import resolve_model

    script = Path(__file__).resolve().parent / "llm_runtime.py"
    name = resolve_model(None).name
    done = subprocess.run(
        [sys.executable, str(script), "--one", name, "--requests", "2"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return {"prompt_tps": result["prompt_tps"], "gen_tps": result["gen_tps"]}


def tune_report(manifest: dict[str, Any]) -> str:
    """Steps, seconds per step and the tune's own gate, for people."""
    from hausgeist.llm_runtime.tuned_store import Manifest
    from hausgeist.tune import gate

    m = Manifest.model_validate(manifest)
    per_step = m.seconds / m.steps if m.steps else 0.0
    first = (
        f"Training: {m.steps} steps in {m.seconds / 60:.1f} min ({per_step:.1f} s per step), "
        f"validation loss {m.val_loss[0]} -> {m.val_loss[1]}; whole tune "
        f"{m.tune_seconds / 60:.1f} min."
    )
    lines = [first]
    if m.val_curve:
        curve = ", ".join(f"{step}: {loss:.3f}" for step, loss in m.val_curve)
        lines.append(f"Validation loss by step: {curve}.")
    if m.evaluations:
        kept = [e for e in m.evaluations if e.quantization != "F16"]  # never activated
        verdict = gate.judge(kept, m.margin if m.margin is not None else 5.0)
        lines += ["The tune's gate (its own held-back and hand-over requests):"]
        lines += [gate.table(m.evaluations, verdict), m.decision or verdict.reason]
    return "\n".join(lines)


def _tune(config: Path, minutes: float, data_dir: Path) -> Path:
    """Tune the home with the ``model tune`` command's code; returns the run directory."""
    from hausgeist.commands import tune

    os.environ["HAUSGEIST_DATA_DIR"] = str(data_dir)
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    tune.add_arguments(parser)
    flags = ["--config", str(config), "--minutes", str(minutes), "--keep-f16", "--no-activate"]
    if tune.run(parser.parse_args(flags)) != 0:
        raise SystemExit("tuning did not finish")
    runs = sorted(p.parent for p in data_dir.glob("models/tuned/*/*/manifest.json"))
    return runs[-1]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--home", default="cottage", help="a benchmark home (default cottage)")
    p.add_argument("--run", type=Path, help="a finished tuning run directory to measure")
    p.add_argument("--minutes", type=float, default=20.0, help="tune first, for this long")
    p.add_argument(
        "--data-dir",
        type=Path,
        default=Path("/tmp/hausgeist-tune-bench"),
        help="where a new tune goes",
    )
    p.add_argument("--sample", type=int, default=100, help="cases asked as if handed over")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--only", help="comma list of labels to run (stock,F16,Q8_0,Q4_K_M)")
    p.add_argument("--json", type=Path, help="write every number and answer here")
    p.add_argument("--model", help=argparse.SUPPRESS)
    p.add_argument("--examples", type=int, default=3, help=argparse.SUPPRESS)
    p.add_argument("--llm", help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child_out:
        return _child(args)
    config, _ = home_files(args.home)
    run = args.run or _tune(config, args.minutes, args.data_dir)
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    from hausgeist.config import load_config
    from hausgeist.llm_runtime.tuned_store import Manifest, tuned_settings

    llm = load_config(config).llm
    tuned = tuned_settings(Manifest.model_validate(manifest), llm)  # as the agent runs it
    stock_examples = llm.examples
    variants: list[tuple[str, str | None, int, dict[str, Any]]] = [
        ("stock", None, stock_examples, {})
    ]
    variants += [
        (f["quantization"], str(run / f["file"]), manifest["prompt_examples"], tuned)
        for f in manifest["files"]
    ]
    if args.only:
        keep = set(args.only.split(","))
        variants = [v for v in variants if v[0] in keep]
    rows = []
    raw: dict[str, Any] = {"manifest": manifest}
    for label, model, examples, settings in variants:
        out = args.data_dir / f"bench-{args.home}-{label}.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable,
            __file__,
            "--home",
            args.home,
            "--sample",
            str(args.sample),
            "--seed",
            str(args.seed),
            "--examples",
            str(examples),
            "--child-out",
            str(out),
        ]
        if model is not None:
            command += ["--model", model]
        if settings:
            command += ["--llm", json.dumps(settings)]
        started = time.monotonic()
        subprocess.run(command, check=True)
        result = json.loads(out.read_text(encoding="utf-8"))
        raw[label] = result
        rows.append(summarize(label, result))
        print(f"{label}: {time.monotonic() - started:.0f} s", file=sys.stderr)
    print(table(rows, manifest.get("tune_seconds", 0) / 60))
    print(tune_report(manifest))
    speed = machine_speed()
    print(
        f"This machine's llama.cpp (stock model): prompt {speed['prompt_tps']:.0f} tokens/s, "
        f"generation {speed['gen_tps']:.0f} tokens/s."
    )
    if args.json:
        args.json.write_text(json.dumps({"summary": rows, "raw": raw}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
