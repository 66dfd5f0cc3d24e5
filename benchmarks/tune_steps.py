"""What makes a training step of ``model tune`` cheap on this CPU, and what it costs in learning.

    python benchmarks/tune_steps.py --home cottage                      # seconds per step
    python benchmarks/tune_steps.py --home cottage --minutes 6 layers16 layers8   # + val loss

The home's teacher data is written and encoded as ``model tune`` does it (the prompt
without the device list). Each configuration trains a fresh copy of the stock model:

- timing (always): one warm-up step, then ``--steps`` timed steps; seconds per step and
  the parameters trained;
- learning (``--minutes M``): M minutes of training (the cosine schedule over M), the
  validation loss every 25 steps on ``--val`` held-out examples: which configuration is
  further after the same time on this box.

Configurations: ``layers16`` (the default: the top 16 of 30 blocks), ``layers8``,
``layers4``, ``layers30``, ``batch12``, ``fp32`` (no bf16 autocast), ``frozen-prefix``
(the prompt prefix run without gradient), ``lora16`` / ``lora16-all`` (rank-16
adapters from ``peft`` on the top 16 / all blocks' projections, lr 1e-3; only when
peft is installed: it is not a dependency of hausgeist), and ``ffn75`` (structured
pruning: every block's feed-forward keeps the 75% of its channels with the largest
product of gate, up and down weight norms, before training).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.tune import home_files

CONFIGS: dict[str, dict[str, Any]] = {
    "layers16": {},
    "layers8": {"trained_layers": 8},
    "layers4": {"trained_layers": 4},
    "layers30": {"trained_layers": 30},
    "batch12": {"batch": 12},
    "fp32": {"bf16": False},
    "frozen-prefix": {"prefix_grad": False},
    "lora16": {"lora": 16, "lr": 1e-3},
    "lora16-all": {"lora": 16, "trained_layers": 30, "lr": 1e-3},
    "ffn75": {"ffn": 0.75},
}
_PROJECTIONS = ("q", "k", "v", "o", "gate", "up", "down")


def encoded(home: str) -> tuple[list[int], list[Any], list[Any], Path]:
    """The home's prompt prefix and encoded training and validation examples."""
    from hausgeist.config import load_config
    from hausgeist.devices.registry import DeviceRegistry
    from hausgeist.devices.state import StateStore
    from hausgeist.llm_runtime import resolve_model
    from hausgeist.tune.data import split, teacher_examples
    from hausgeist.tune.pipeline import TuneOptions
    from hausgeist.tune.prompts import HomePrompts
    from hausgeist.tune.tokens import Tokenizer
    from hausgeist.understanding import Understanding

    config = load_config(home_files(home)[0])
    options = TuneOptions()
    registry = DeviceRegistry.from_config(config)
    states = StateStore.from_registry(registry)
    core = Understanding(registry, config.policy)
    train, val = split(
        teacher_examples(core, states, options.data), options.val_fraction, options.data.seed
    )
    base = resolve_model(None).path
    tokenizer = Tokenizer(base)
    llm = config.llm.model_copy(update={"device_list": False})
    prompts = HomePrompts(core, states, llm, tokenizer, options.prompt_examples)
    try:
        tr = [e for e in map(prompts.encode, train) if e is not None]
        va = [e for e in map(prompts.encode, val) if e is not None]
        return list(prompts.prefix), tr, va, base
    finally:
        prompts.close()
        tokenizer.close()


def trainer(name: str, data: tuple[list[int], list[Any], list[Any], Path], **extra: Any) -> Any:
    """A Trainer of a fresh stock model under configuration ``name``."""
    import torch

    from hausgeist.tune.llama import Llama
    from hausgeist.tune.options import TrainOptions
    from hausgeist.tune.train import Trainer
    from hausgeist.tune.weights import read_gguf

    prefix, train, val, base = data
    settings = dict(CONFIGS[name])
    rank = settings.pop("lora", 0)
    kept = settings.pop("ffn", 1.0)
    options = replace(TrainOptions(), **settings, **extra)
    model = Llama.from_gguf(read_gguf(base))
    if kept < 1.0:
        prune_ffn(model, kept)
    run = Trainer(model, prefix, train, val, options)
    if rank:
        from peft import LoraConfig, inject_adapter_in_model

        first = model.shape.layers - options.trained_layers
        targets = [
            f"blocks.{i}.{p}" for i in range(first, model.shape.layers) for p in _PROJECTIONS
        ]
        inject_adapter_in_model(
            LoraConfig(r=rank, lora_alpha=2 * rank, lora_dropout=0.0, target_modules=targets),
            model,
        )
        params = [p for n, p in model.named_parameters() if "lora_" in n]
        for p in model.parameters():
            p.requires_grad = False
        for p in params:
            p.requires_grad = True
        run.params = params
        run.optimizer = torch.optim.AdamW(params, lr=options.lr, betas=(0.9, 0.95))
    return run


def prune_ffn(model: Any, kept: float) -> None:
    """Keep the ``kept`` share of every block's feed-forward channels: those with the
    largest product of their gate row, up row and down column norms."""
    import torch
    from torch import nn

    with torch.no_grad():
        for block in model.blocks:
            score = (
                block.gate.weight.norm(dim=1)
                * block.up.weight.norm(dim=1)
                * block.down.weight.norm(dim=0)
            )
            keep = score.topk(round(score.numel() * kept)).indices.sort().values
            hidden, width = block.gate.weight.shape[1], keep.numel()
            for attr in ("gate", "up"):
                layer = nn.Linear(hidden, width, bias=False)
                layer.weight.copy_(getattr(block, attr).weight[keep])
                setattr(block, attr, layer)
            down = nn.Linear(width, hidden, bias=False)
            down.weight.copy_(block.down.weight[:, keep])
            block.down = down


def timing(name: str, data: Any, steps: int) -> dict[str, Any]:
    run = trainer(name, data, eval_examples=1)
    run._step(0)  # noqa: SLF001 - warm-up (allocations, first bf16 kernels), one step
    times = []
    for step in range(1, steps + 1):
        started = time.perf_counter()
        run._step(step)  # noqa: SLF001 - a benchmark times one step at a time
        times.append(time.perf_counter() - started)
    return {
        "config": name,
        "s_per_step": round(statistics.mean(times), 2),
        "trained_M": round(sum(p.numel() for p in run.params) / 1e6, 1),
    }


def learning(name: str, data: Any, minutes: float, val: int) -> dict[str, Any]:
    run = trainer(name, data, minutes=minutes, eval_every=25, eval_examples=val)
    result = run.run()
    return {
        "config": name,
        "steps": result.steps,
        "s_per_step": round(result.seconds / max(1, result.steps), 2),
        "val_curve": [(s, round(v, 3)) for s, v in result.val_losses],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("configs", nargs="*", help=f"of {', '.join(CONFIGS)} (default: all)")
    parser.add_argument("--home", default="cottage", help="benchmark home (default cottage)")
    parser.add_argument("--steps", type=int, default=3, help="timed steps per configuration")
    parser.add_argument("--minutes", type=float, default=0.0, help="train each this long")
    parser.add_argument("--val", type=int, default=96, help="validation examples")
    args = parser.parse_args()
    names = args.configs or list(CONFIGS)
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        raise SystemExit(f"unknown configuration {unknown[0]!r}: one of {', '.join(CONFIGS)}")
    try:
        import peft  # noqa: F401
    except ImportError:
        dropped = [n for n in names if "lora" in n]
        if dropped and args.configs:
            raise SystemExit("the lora configurations need peft: pip install peft") from None
        names = [n for n in names if n not in dropped]
    data = encoded(args.home)
    print(
        f"# {args.home}: prefix {len(data[0])} tokens, {len(data[1])} training examples of "
        f"{statistics.mean(len(e.tokens) for e in data[1]):.1f} tokens; "
        f"{platform.machine()}, {platform.processor() or 'cpu'}",
        flush=True,
    )
    for name in names:
        row = timing(name, data, args.steps)
        if args.minutes > 0:
            row |= learning(name, data, args.minutes, args.val)
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
