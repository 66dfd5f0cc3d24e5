"""The options of a training run and what each step reports (no torch needed)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TrainOptions:
    """How to fine-tune."""

    minutes: float = 30.0
    """Time budget of the training steps."""
    max_steps: int | None = None
    """Stop after this many steps even with time left."""
    batch: int = 24
    """Requests per step (they share one run of the prefix)."""
    lr: float = 1.5e-4
    """Peak learning rate (AdamW)."""
    warmup_steps: int = 6
    """Steps of linear warm-up."""
    alpha: float = 0.5
    """Weight of cross-entropy against the KL term."""
    smoothing: float = 0.1
    """Label smoothing of the one-hot teacher."""
    trained_layers: int = 16
    """Top transformer blocks trained; the rest and the embedding stay frozen."""
    threads: int = 2
    """CPU threads torch may use."""
    checkpoint_every: int = 25
    """Steps between checkpoints."""
    eval_every: int = 25
    """Steps between validation losses."""
    eval_examples: int = 48
    """Validation examples the validation loss is taken on."""
    seed: int = 0
    """Seed of the data order."""
    prefix_grad: bool = True
    """Back-propagate through the shared prefix (exact gradient) or treat it as fixed."""
    bf16: bool | None = None
    """bf16 autocast: about twice as fast as float32 where the CPU computes bf16 natively,
    2.5 times slower where it does not (measured); None: use it when :func:`native_bf16`."""

    def use_bf16(self) -> bool:
        """Whether the run uses bf16 autocast."""
        return _native_bf16_here() if self.bf16 is None else self.bf16


@dataclass(frozen=True)
class StepReport:
    """What one step did."""

    step: int
    """Steps done so far."""
    loss: float
    """This step's training loss."""
    lr: float
    """The learning rate it used."""
    elapsed_s: float
    """Training time so far (across resumes)."""
    progress: float
    """0-1: how much of the budget (time or steps) is used."""
    val_loss: float | None = None
    """Validation loss, when it was taken at this step."""


def native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU has bf16 arithmetic (x86 ``avx512_bf16`` or ``amx_bf16``)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    flags = {
        word for line in text.splitlines() if line.startswith("flags") for word in line.split()
    }
    return bool(flags & {"avx512_bf16", "amx_bf16"})


@functools.cache
def _native_bf16_here() -> bool:
    return native_bf16()
