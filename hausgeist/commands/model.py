"""``hausgeist model info``: load the configured model once and say what it is and costs."""

from __future__ import annotations

import argparse
import dataclasses
import json

from hausgeist.commands.common import EXIT_OK, load
from hausgeist.config.models import Config
from hausgeist.llm_runtime.runtime import load_runtime
from hausgeist.llm_runtime.tuned_store import ActiveTune, effective_llm


def info(args: argparse.Namespace) -> int:
    """Print the model's name, file, size, quantization, context, threads, load time and RSS."""
    config, _ = load(args.config, devices=False)
    llm, tune = effective_llm(config)
    with load_runtime(llm) as runtime:
        found = runtime.info()
    if args.json:
        described = {**dataclasses.asdict(found), "llm_enabled": config.llm.enabled}
        described["tuned"] = None if tune is None else _tuned_json(tune)
        print(json.dumps(described))
        return EXIT_OK
    rows = [
        ("model", found.model_name),
        ("path", found.path),
        ("size", f"{found.file_size_bytes / (1 << 20):.1f} MiB"),
        ("quantization", found.quantization),
        ("description", found.description),
        ("context", f"{found.n_ctx} tokens (trained for {found.n_ctx_train})"),
        (
            "threads",
            f"up to {found.n_threads}, as many cores as are free"
            if found.adaptive_threads
            else str(found.n_threads),
        ),
        ("load time", f"{found.load_ms:.0f} ms"),
        ("resident memory", _mib(found.rss_mb)),
        ("added by the load", _mib(found.load_rss_mb)),
        ("LLM stage", "enabled" if config.llm.enabled else "disabled (llm.enabled: false)"),
        ("active", _active(config, tune)),
        *_tuned_rows(tune),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return EXIT_OK


def _active(config: Config, tune: ActiveTune | None) -> str:
    if tune is not None:
        return f"this home's tuned model ({tune.quantization}; `model tune --stock` goes back)"
    if config.llm.model is not None:
        return "the configured model (llm.model)"
    return "the stock model (`hausgeist model tune` trains one for this home)"


def _tuned_rows(tune: ActiveTune | None) -> list[tuple[str, str]]:
    if tune is None:
        return []
    m = tune.manifest
    rows = [
        ("trained", f"{m.created:%Y-%m-%d %H:%M} UTC, {m.steps} steps in {m.seconds / 60:.1f} min"),
        ("trained on", f"{m.examples[0]} requests of this home ({m.examples[1]} kept back)"),
        ("prompt examples", str(m.prompt_examples)),
        ("devices", "listed in the prompt" if m.device_list else "learned (not in the prompt)"),
    ]
    if m.min_confidence is not None:
        rows.append(
            (
                "confidence gate",
                f"{m.min_confidence:.2f}, calibrated on its held-back and hand-over answers",
            )
        )
    rows += [
        (
            f"evaluation {e.model} {e.quantization} {e.probes}",
            (
                f"{100 * e.accuracy:.0f}% right, {100 * e.valid:.0f}% valid of {e.asked},"
                f" {e.outcomes.count('W')} wrong actions, p50/p95 {e.p50_ms:.0f}/{e.p95_ms:.0f} ms"
            ),
        )
        for e in m.evaluations
    ]
    if m.decision:
        rows.append(("activation", m.decision))
    if m.val_curve:
        curve = ", ".join(f"{step}: {loss:.3f}" for step, loss in m.val_curve)
        rows.append(("validation loss by step", curve))
    return rows


def _tuned_json(tune: ActiveTune) -> dict[str, object]:
    m = tune.manifest
    return {
        "path": str(tune.path),
        "quantization": tune.quantization,
        "created": m.created.isoformat(),
        "steps": m.steps,
        "train_seconds": m.seconds,
        "examples": list(m.examples),
        "prompt_examples": m.prompt_examples,
        "device_list": m.device_list,
        "min_confidence": m.min_confidence,
        "evaluations": [e.model_dump() for e in m.evaluations],
        "decision": m.decision,
        "val_curve": [list(p) for p in m.val_curve],
    }


def _mib(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} MiB"
