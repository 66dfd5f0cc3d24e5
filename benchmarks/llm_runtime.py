"""Benchmark of the llama.cpp runtime: load, memory, throughput, grammar latency.

    python benchmarks/llm_runtime.py [--models smollm2-135m,gemma3-270m] [--requests 10]

Each model runs in its own process (so resident memory is its own). The prompt is
a ~800-token prefix (instructions, a 20-device home, examples) plus a short
request; the answer is a JSON service call under a grammar of the home's
services and entities. Latencies are what a caller of ``generate`` waits.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from hausgeist.llm_runtime import GenerationRequest, LlamaRuntime, RuntimeOptions, resolve_model
from hausgeist.llm_runtime.packaged import PACKAGED_MODELS, package_dir

AREAS = ("kitchen", "living room", "bedroom", "bathroom", "hallway")
KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("light", "ceiling light", ("turn_on", "turn_off")),
    ("switch", "coffee machine", ("turn_on", "turn_off")),
    ("cover", "blinds", ("open_cover", "close_cover")),
    ("climate", "thermostat", ("set_temperature",)),
)
REQUESTS = (
    "turn on the kitchen ceiling light",
    "close the bedroom blinds",
    "switch off the coffee machine in the hallway",
    "open the living room blinds",
    "set the bathroom thermostat",
    "lights off in the bedroom",
    "turn the hallway ceiling light on",
    "kitchen blinds up please",
    "start the coffee machine in the kitchen",
    "turn off the living room ceiling light",
)


def devices() -> list[tuple[str, str, tuple[str, ...]]]:
    """(entity_id, name, services) of a 20-device home."""
    home: list[tuple[str, str, tuple[str, ...]]] = []
    for area in AREAS:
        for domain, kind, services in KINDS:
            slug = f"{area}_{kind}".replace(" ", "_")
            home.append((f"{domain}.{slug}", f"{area} {kind}", services))
    return home


def grammar() -> str:
    """JSON ``{"service": ..., "entity_id": ...}`` over the home's services and entities."""
    home = devices()
    services = sorted({f"{e.split('.')[0]}.{s}" for e, _, ss in home for s in ss})
    return (
        'root ::= "{\\"service\\": " service ", \\"entity_id\\": " entity "}"\n'
        f"service ::= {quoted(services)}\n"
        f"entity ::= {quoted(e for e, _, _ in home)}\n"
    )


def quoted(items: Iterable[str]) -> str:
    """GBNF alternatives of JSON strings."""
    return " | ".join(f'"\\"{i}\\""' for i in items)


def prefix(tag: str, chat: bool) -> str:
    """About 800 tokens of fixed prompt; ``tag`` first, so each tag is a new prefix."""
    lines = [
        (
            f"[{tag}] You are the voice assistant of a home. Turn the user's request into one "
            "Home Assistant service call, written as JSON with the keys service and entity_id. "
            "Use only the devices listed below, with their exact entity ids."
        ),
        "Devices:",
    ]
    for entity, name, services in devices():
        lines.append(f"- {entity}: {name} (services: {', '.join(services)})")
    lines.append("Examples:")
    for request, (entity, _, services) in zip(REQUESTS, devices()[::2], strict=False):
        call = {"service": f"{entity.split('.')[0]}.{services[0]}", "entity_id": entity}
        lines.append(f"Request: {request}\nAnswer: {json.dumps(call)}")
    body = "\n".join(lines) + "\n"
    return f"<|im_start|>system\n{body}<|im_end|>\n" if chat else body


def suffix(request: str, chat: bool) -> str:
    """The request and the start of the answer."""
    if chat:
        return f"<|im_start|>user\n{request}<|im_end|>\n<|im_start|>assistant\n"
    return f"Request: {request}\nAnswer: "


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 of a few samples (p95 interpolated)."""
    if len(samples) == 1:
        return samples[0], samples[0]
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def timed_generate(runtime: LlamaRuntime, pre: str, suf: str, gbnf: str | None, n: int) -> float:
    started = time.perf_counter()
    runtime.generate(GenerationRequest(pre, suf, gbnf, n), 120)
    return (time.perf_counter() - started) * 1000


def measure(name: str, requests: int, threads: int | None) -> dict[str, Any]:
    """Every number of one model, in this process."""
    spec = resolve_model(name)
    chat = spec.architecture == "llama"  # SmolLM2-Instruct; Gemma 3 270M is a base model
    gbnf = grammar()
    runtime = LlamaRuntime.load(spec, RuntimeOptions(n_threads=threads))
    info = runtime.info()
    result: dict[str, Any] = {"model": name, "load_ms": info.load_ms, "rss_mb": info.rss_mb}
    result["threads"] = info.n_threads

    cold = runtime.generate(
        GenerationRequest(prefix("cold-0", chat), suffix(REQUESTS[0], chat), None, 1), 300
    )
    result["prefix_tokens"] = cold.prompt_tokens
    result["prompt_tps"] = cold.prompt_tokens_evaluated / cold.prompt_ms * 1000
    story = runtime.generate(
        GenerationRequest(prefix("cold-0", chat), suffix("Tell me a story.", chat), None, 64), 300
    )
    decode_ms = story.elapsed_ms - story.prompt_ms
    result["gen_tps"] = (story.completion_tokens - 1) / decode_ms * 1000

    warm_pre = prefix("warm", chat)
    runtime.prime(warm_pre)
    answers = [
        runtime.generate(GenerationRequest(warm_pre, suffix(r, chat), gbnf, 48), 120)
        for r in REQUESTS[:2]
    ]
    result["answer_tokens"] = answers[0].completion_tokens
    result["answer"] = answers[0].text
    result["full_scans"] = answers[0].grammar_full_scans
    result["reuse"] = percentiles(
        [
            timed_generate(runtime, warm_pre, suffix(REQUESTS[i % 10], chat), gbnf, 48)
            for i in range(requests)
        ]
    )
    result["no_reuse"] = percentiles(
        [
            timed_generate(
                runtime, prefix(f"new-{i}", chat), suffix(REQUESTS[i % 10], chat), gbnf, 48
            )
            for i in range(max(2, requests // 2))
        ]
    )
    runtime.close()

    full = LlamaRuntime.load(spec, RuntimeOptions(n_threads=threads, top_token_first=False))
    full.prime(warm_pre)
    result["full_scan_reuse"] = percentiles(
        [
            timed_generate(full, warm_pre, suffix(REQUESTS[i % 10], chat), gbnf, 48)
            for i in range(requests)
        ]
    )
    result["stock"] = stock_create_completion(full, warm_pre, chat, gbnf, requests)
    full.close()
    return result


def stock_create_completion(
    runtime: LlamaRuntime, pre: str, chat: bool, gbnf: str, requests: int
) -> tuple[float, float]:
    """The same requests through llama-cpp-python's own create_completion + LlamaGrammar."""
    from llama_cpp.llama_grammar import LlamaGrammar

    llama = runtime._engine.llama  # noqa: SLF001 - a benchmark may look inside
    samples = []
    for i in range(requests + 1):
        started = time.perf_counter()
        llama.create_completion(
            pre + suffix(REQUESTS[i % 10], chat),
            max_tokens=48,
            temperature=0.0,
            grammar=LlamaGrammar.from_string(gbnf, verbose=False),
        )
        samples.append((time.perf_counter() - started) * 1000)
    return percentiles(samples[1:])  # the first call evaluates the prefix


ROWS: tuple[tuple[str, Callable[[dict[str, Any]], str]], ...] = (
    ("threads", lambda r: str(r["threads"])),
    ("load (ms)", lambda r: f"{r['load_ms']:.0f}"),
    ("RSS after load (MB)", lambda r: f"{r['rss_mb']:.0f}"),
    ("prompt (tokens/s)", lambda r: f"{r['prompt_tps']:.0f}"),
    ("generation, no grammar (tokens/s)", lambda r: f"{r['gen_tps']:.0f}"),
    ("prefix / answer tokens", lambda r: f"{r['prefix_tokens']} / {r['answer_tokens']}"),
    ("grammar full scans in one answer", lambda r: str(r["full_scans"])),
    ("grammar, prefix reused p50/p95 (ms)", lambda r: "{:.0f} / {:.0f}".format(*r["reuse"])),
    ("grammar, new prefix p50/p95 (ms)", lambda r: "{:.0f} / {:.0f}".format(*r["no_reuse"])),
    (
        "  same, full-vocab scan p50/p95 (ms)",
        lambda r: "{:.0f} / {:.0f}".format(*r["full_scan_reuse"]),
    ),
    ("  stock create_completion p50/p95 (ms)", lambda r: "{:.0f} / {:.0f}".format(*r["stock"])),
)


def table(results: list[dict[str, Any]]) -> str:
    width = max(len(label) for label, _ in ROWS) + 2
    cols = [max(14, len(r["model"]) + 2) for r in results]
    lines = [
        "".ljust(width) + "".join(r["model"].rjust(c) for r, c in zip(results, cols, strict=True))
    ]
    for label, cell in ROWS:
        lines.append(
            label.ljust(width)
            + "".join(cell(r).rjust(c) for r, c in zip(results, cols, strict=True))
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    installed = [m.name for m in PACKAGED_MODELS.values() if package_dir(m.module)]
    parser.add_argument(
        "--models", default=",".join(installed), help="comma-separated names or paths"
    )
    parser.add_argument("--requests", type=int, default=10, help="requests per latency figure")
    parser.add_argument("--threads", type=int, help="llama.cpp threads (default: all cores)")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # run one model in this process
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.requests, args.threads)))
        return
    results = []
    load_before = os.getloadavg()[0]
    for name in args.models.split(","):
        command = [sys.executable, str(Path(__file__)), "--one", name]
        command += ["--requests", str(args.requests)]
        command += ["--threads", str(args.threads)] if args.threads else []
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"{name}: {results[-1]['answer']}", file=sys.stderr)
    print(table(results))
    # Other processes on a 2-core machine slow llama.cpp's spinning threads a lot: say so.
    print(f"load average (1 min): {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()
