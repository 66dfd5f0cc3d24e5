"""The options of a training run and what each step reports (no torch needed)."""

from __future__ import annotations

from dataclasses import dataclass


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
    bf16: bool = True
    """bf16 autocast (about twice as fast as float32 on these CPUs)."""


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
