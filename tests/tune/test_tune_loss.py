"""The distillation loss: plain cross-entropy at alpha 1, a KL term that vanishes when the
distributions agree, and a closed form equal to the explicit smoothed teacher."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hausgeist.tune.loss import distill_loss, smoothed_targets  # noqa: E402


@pytest.fixture
def logits():
    return torch.randn(5, 11, generator=torch.Generator().manual_seed(0))


@pytest.fixture
def targets():
    return torch.tensor([0, 3, 10, 4, 4])


def test_alpha_one_is_plain_cross_entropy(logits, targets):
    expected = torch.nn.functional.cross_entropy(logits, targets)
    assert torch.allclose(distill_loss(logits, targets, alpha=1.0, smoothing=0.3), expected)


def test_kl_is_zero_when_teacher_and_student_agree(logits, targets):
    loss = distill_loss(logits, targets, alpha=0.0, teacher_logits=logits.clone())
    assert abs(float(loss)) < 1e-6


def test_smoothed_kl_matches_the_explicit_teacher(logits, targets):
    eps = 0.2
    teacher = smoothed_targets(targets, logits.shape[1], eps)
    student = torch.log_softmax(logits, -1)
    explicit = (teacher * (teacher.log() - student)).sum(-1).mean()
    assert torch.allclose(
        distill_loss(logits, targets, alpha=0.0, smoothing=eps), explicit, atol=1e-6
    )


def test_without_smoothing_the_kl_term_is_cross_entropy(logits, targets):
    ce = distill_loss(logits, targets, alpha=1.0)
    assert torch.allclose(distill_loss(logits, targets, alpha=0.0, smoothing=0.0), ce, atol=1e-6)


def test_the_mix_is_weighted(logits, targets):
    ce = distill_loss(logits, targets, alpha=1.0)
    kl = distill_loss(logits, targets, alpha=0.0, smoothing=0.1)
    mixed = distill_loss(logits, targets, alpha=0.25, smoothing=0.1)
    assert torch.allclose(mixed, 0.25 * ce + 0.75 * kl, atol=1e-6)


@pytest.mark.parametrize(("alpha", "smoothing"), [(-0.1, 0.0), (1.5, 0.0), (0.5, 1.0)])
def test_bad_settings_are_refused(logits, targets, alpha, smoothing):
    with pytest.raises(ValueError):
        distill_loss(logits, targets, alpha=alpha, smoothing=smoothing)
