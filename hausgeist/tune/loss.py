"""The distillation loss: ``L = a * CE(y, y_hat) + (1 - a) * KL(p_teacher || p_student)``.

Without a teacher model the teacher's distribution is the core's target token as a
one-hot vector with label smoothing ``eps`` (``1 - eps`` on the target, ``eps`` spread
over the vocabulary), whose KL term has a closed form.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F  # noqa: N812
from torch import Tensor


def distill_loss(
    logits: Tensor,
    targets: Tensor,
    alpha: float = 1.0,
    smoothing: float = 0.0,
    teacher_logits: Tensor | None = None,
) -> Tensor:
    """Mean loss over the rows of ``logits`` (tokens, vocabulary) for ``targets`` (tokens)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in 0..1, got {alpha}")
    if not 0.0 <= smoothing < 1.0:
        raise ValueError(f"smoothing must be in 0..1, got {smoothing}")
    logp = F.log_softmax(logits.float(), dim=-1)
    ce = F.nll_loss(logp, targets)
    if alpha >= 1.0:
        return ce
    if teacher_logits is not None:
        teacher = F.log_softmax(teacher_logits.float(), dim=-1)
        kl = F.kl_div(logp, teacher, log_target=True, reduction="batchmean")
    else:
        kl = _smoothed_kl(logp, targets, smoothing)
    return alpha * ce + (1.0 - alpha) * kl


def _smoothed_kl(logp: Tensor, targets: Tensor, eps: float) -> Tensor:
    """KL(smoothed one-hot || student), averaged over rows."""
    vocab = logp.shape[-1]
    on, off = 1.0 - eps + eps / vocab, eps / vocab
    entropy = on * math.log(on) + ((vocab - 1) * off * math.log(off) if eps > 0 else 0.0)
    picked = logp.gather(-1, targets[:, None]).squeeze(-1)
    cross = (on - off) * picked + off * logp.sum(-1)
    return (entropy - cross).mean()


def smoothed_targets(targets: Tensor, vocab: int, eps: float) -> Tensor:
    """The teacher distribution the closed form stands for (for tests and a real teacher)."""
    probs = torch.full((targets.shape[0], vocab), eps / vocab)
    probs.scatter_(1, targets[:, None], 1.0 - eps + eps / vocab)
    return probs
