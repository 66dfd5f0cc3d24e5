"""Distillation on the CPU: the core's answers taught to the model, a budget of minutes.

One step packs a batch of requests behind the home's prompt prefix, which runs once
(:mod:`.llama`), and takes the loss on the answer tokens only (:mod:`.loss`). The
learning rate follows a cosine over the time budget, so a run ends when its minutes do
and the schedule ends with it. A checkpoint every few steps makes a run resumable:
an interrupted run goes on from its last checkpoint with the same data order.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import Tensor

from hausgeist.tune.llama import Llama, Packed
from hausgeist.tune.loss import distill_loss
from hausgeist.tune.options import StepReport, TrainOptions
from hausgeist.tune.prompts import Encoded

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainResult:
    """What a run of :class:`Trainer` achieved."""

    steps: int = 0
    """Steps done (across resumes)."""
    seconds: float = 0.0
    """Training time (across resumes)."""
    losses: list[float] = field(default_factory=list)
    """Training loss of every step."""
    val_losses: list[tuple[int, float]] = field(default_factory=list)
    """(step, validation loss), the first at step 0."""
    resumed_from: int = 0
    """The step this run went on from (0: a fresh run)."""

    @property
    def val_before(self) -> float | None:
        """Validation loss before tuning."""
        return self.val_losses[0][1] if self.val_losses else None

    @property
    def val_after(self) -> float | None:
        """Validation loss at the end."""
        return self.val_losses[-1][1] if self.val_losses else None


class Trainer:
    """Fine-tunes a :class:`Llama` on encoded examples that follow one prefix."""

    def __init__(
        self,
        model: Llama,
        prefix: Sequence[int],
        train: Sequence[Encoded],
        val: Sequence[Encoded],
        options: TrainOptions,
        workdir: Path | None = None,
    ) -> None:
        if not train:
            raise ValueError("no training examples")
        self.model = model
        self.prefix = torch.tensor(list(prefix), dtype=torch.long)
        self.train = list(train)
        self.val = list(val)[: options.eval_examples]
        self.options = options
        self.workdir = workdir
        torch.set_num_threads(options.threads)
        torch.manual_seed(options.seed)
        self.params = model.freeze(options.trained_layers)
        self.optimizer = torch.optim.AdamW(
            self.params, lr=options.lr, betas=(0.9, 0.95), weight_decay=0.0
        )
        self.result = TrainResult()
        self.fingerprint = _fingerprint(prefix, self.train, options)

    def run(self, on_step: Callable[[StepReport], None] | None = None) -> TrainResult:
        """Train until the budget is used; a KeyboardInterrupt saves a checkpoint first."""
        self._resume()
        result = self.result
        if not result.val_losses and self.val:
            result.val_losses.append((0, self.validation_loss()))
        started = time.monotonic() - result.seconds
        step_s = 0.0
        try:
            while not self._finished(result, step_s):
                t0 = time.monotonic()
                loss, lr = self._step(result.steps)
                result.steps += 1
                result.losses.append(loss)
                result.seconds = time.monotonic() - started
                step_s = (
                    time.monotonic() - t0
                    if step_s == 0.0
                    else 0.8 * step_s + 0.2 * (time.monotonic() - t0)
                )
                val = None
                if self.val and (result.steps % self.options.eval_every == 0):
                    val = self.validation_loss()
                    result.val_losses.append((result.steps, val))
                if on_step is not None:
                    on_step(
                        StepReport(
                            result.steps, loss, lr, result.seconds, self._progress(result), val
                        )
                    )
                if result.steps % self.options.checkpoint_every == 0:
                    self.save()
        except KeyboardInterrupt:
            self.save()
            raise
        if self.val and (not result.val_losses or result.val_losses[-1][0] != result.steps):
            result.val_losses.append((result.steps, self.validation_loss()))
        return result

    def validation_loss(self) -> float:
        """Mean loss on the validation examples (no gradient)."""
        self.model.eval()
        total = 0.0
        batches = list(_chunks(self.val, self.options.batch))
        with torch.no_grad(), self._autocast():
            past = self.model.prefix(self.prefix)
            for batch in batches:
                total += float(self._loss(batch, past)) * len(batch)
        self.model.train()
        return total / max(1, len(self.val))

    def save(self) -> None:
        """Write a checkpoint (trained weights, optimizer, progress) into the work dir."""
        if self.workdir is None:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        named = dict(self.model.named_parameters())
        state = {
            "fingerprint": self.fingerprint,
            "result": asdict(self.result),
            "params": {n: p.detach().clone() for n, p in named.items() if p.requires_grad},
            "optimizer": self.optimizer.state_dict(),
        }
        partial = self.workdir / (CHECKPOINT + ".partial")
        torch.save(state, partial)
        partial.replace(self.workdir / CHECKPOINT)

    def _resume(self) -> None:
        path = None if self.workdir is None else self.workdir / CHECKPOINT
        if path is None or not path.exists() or self.result.steps:
            return
        state = torch.load(path, weights_only=False)
        if state.get("fingerprint") != self.fingerprint:
            return  # another home, other data or other options: start afresh
        with torch.no_grad():
            named = dict(self.model.named_parameters())
            for name, value in state["params"].items():
                named[name].copy_(value)
        self.optimizer.load_state_dict(state["optimizer"])
        saved = state["result"]
        self.result = TrainResult(
            steps=saved["steps"],
            seconds=saved["seconds"],
            losses=list(saved["losses"]),
            val_losses=[(int(s), float(v)) for s, v in saved["val_losses"]],
            resumed_from=saved["steps"],
        )

    def _finished(self, result: TrainResult, step_s: float) -> bool:
        options = self.options
        if options.max_steps is not None and result.steps >= options.max_steps:
            return True
        return result.seconds + step_s > options.minutes * 60

    def _progress(self, result: TrainResult) -> float:
        by_time = result.seconds / max(1e-9, self.options.minutes * 60)
        by_steps = result.steps / self.options.max_steps if self.options.max_steps else 0.0
        return min(1.0, max(by_time, by_steps))

    def _lr(self, step: int) -> float:
        options = self.options
        if step < options.warmup_steps:
            return options.lr * (step + 1) / (options.warmup_steps + 1)
        progress = self._progress(self.result)
        return options.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))

    def _step(self, step: int) -> tuple[float, float]:
        lr = self._lr(step)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        batch = [self.train[i] for i in self._batch_indices(step)]
        with self._autocast():
            if self.options.prefix_grad:
                past = self.model.prefix(self.prefix)
            else:
                with torch.no_grad():
                    past = self.model.prefix(self.prefix)
            loss = self._loss(batch, past)
        torch.autograd.backward(loss)
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        return float(loss.detach()), lr

    def _loss(self, batch: Sequence[Encoded], past: list[tuple[Tensor, Tensor]]) -> Tensor:
        packed = Packed.of([e.tokens for e in batch], self.prefix.shape[0])
        hidden = self.model(packed, past)
        where: list[int] = []
        offset = 0
        for example in batch:
            where += range(offset + example.answer_from - 1, offset + len(example.tokens) - 1)
            offset += len(example.tokens)
        index = torch.tensor(where, dtype=torch.long)
        logits = self.model.logits(hidden[index])
        return distill_loss(
            logits, packed.ids[index + 1], self.options.alpha, self.options.smoothing
        )

    def _batch_indices(self, step: int) -> list[int]:
        n, size = len(self.train), self.options.batch
        return [
            _shuffled(n, self.options.seed, i // n)[i % n]
            for i in range(step * size, (step + 1) * size)
        ]

    def _autocast(self) -> torch.autocast:
        return torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.options.use_bf16())


_OPERATIONAL = frozenset(
    {"minutes", "max_steps", "checkpoint_every", "eval_every", "eval_examples", "threads"}
)
"""Options a resumed run may change: they do not change what is learned."""
_ORDERS: dict[tuple[int, int, int], list[int]] = {}


def _shuffled(n: int, seed: int, epoch: int) -> list[int]:
    """The data order of one epoch (the same after a resume)."""
    key = (n, seed, epoch)
    if key not in _ORDERS:
        order = list(range(n))
        random.Random(seed * 100_003 + epoch).shuffle(order)  # noqa: S311 (data order)
        _ORDERS[key] = order
    return _ORDERS[key]


def _chunks(items: Sequence[Encoded], size: int) -> Iterator[Sequence[Encoded]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _fingerprint(prefix: Sequence[int], train: Sequence[Encoded], options: TrainOptions) -> str:
    """What a checkpoint must match to be resumed: prefix, data and the learning options."""
    settings = {k: v for k, v in asdict(options).items() if k not in _OPERATIONAL}
    blob = json.dumps([list(prefix), [e.tokens for e in train], settings])
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
