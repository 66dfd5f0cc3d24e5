"""``hausgeist model info``: load the configured model once and say what it is and costs."""

from __future__ import annotations

import argparse
import dataclasses
import json

from hausgeist.commands.common import EXIT_OK, load
from hausgeist.llm_runtime.stage import load_runtime


def info(args: argparse.Namespace) -> int:
    """Print the model's name, file, size, quantization, context, threads, load time and RSS."""
    config, _ = load(args.config)
    with load_runtime(config.llm) as runtime:
        found = runtime.info()
    if args.json:
        print(json.dumps({**dataclasses.asdict(found), "llm_enabled": config.llm.enabled}))
        return EXIT_OK
    rows = [
        ("model", found.model_name),
        ("path", found.path),
        ("size", f"{found.file_size_bytes / (1 << 20):.1f} MiB"),
        ("quantization", found.quantization),
        ("description", found.description),
        ("context", f"{found.n_ctx} tokens (trained for {found.n_ctx_train})"),
        ("threads", str(found.n_threads)),
        ("load time", f"{found.load_ms:.0f} ms"),
        ("resident memory", _mib(found.rss_mb)),
        ("added by the load", _mib(found.load_rss_mb)),
        ("LLM stage", "enabled" if config.llm.enabled else "disabled (llm.enabled: false)"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    return EXIT_OK


def _mib(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f} MiB"
