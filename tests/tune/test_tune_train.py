"""The training loop on a tiny random Llama: it learns, it checkpoints, it resumes."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from hausgeist.llm_stage.schema import LlmAnswer  # noqa: E402
from hausgeist.tune.data import TeacherExample  # noqa: E402
from hausgeist.tune.llama import Llama  # noqa: E402
from hausgeist.tune.options import StepReport, TrainOptions  # noqa: E402
from hausgeist.tune.prompts import Encoded  # noqa: E402
from hausgeist.tune.train import CHECKPOINT, Trainer  # noqa: E402
from tests.tune.test_tune_llama import SHAPE  # noqa: E402

PREFIX = [1, 2, 3, 4]
_EXAMPLE = TeacherExample("x", None, LlmAnswer(unknown=True), "t")


def _data() -> list[Encoded]:
    return [Encoded([5 + i, 6 + i, 30 + i % 3, 40 + i % 3, 2], 2, _EXAMPLE) for i in range(8)]


def _model() -> Llama:
    torch.manual_seed(0)
    model = Llama(SHAPE)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "norm" not in name:
                p.normal_(0, 1.0 if name.startswith("embed") else 0.1)
    return model


def _options(**kw: object) -> TrainOptions:
    base = {
        "minutes": 60.0,
        "max_steps": 30,
        "batch": 4,
        "lr": 3e-3,
        "warmup_steps": 2,
        "bf16": False,
        "threads": 1,
    }
    return TrainOptions(**{**base, **kw})  # type: ignore[arg-type]


def test_the_loss_falls():
    result = Trainer(_model(), PREFIX, _data(), _data()[:4], _options()).run()
    assert result.steps == 30
    assert result.losses[-1] < result.losses[0] / 3
    assert result.val_after < result.val_before


def test_a_run_resumes_where_it_stopped(tmp_path):
    straight = _model()
    Trainer(straight, PREFIX, _data(), [], _options(max_steps=4)).run()

    first = _model()
    Trainer(first, PREFIX, _data(), [], _options(max_steps=2, checkpoint_every=2), tmp_path).run()
    assert (tmp_path / CHECKPOINT).exists()
    second = _model()  # a new process: the stock weights again
    trainer = Trainer(second, PREFIX, _data(), [], _options(max_steps=4), tmp_path)
    result = trainer.run()
    assert result.resumed_from == 2
    assert result.steps == 4
    for a, b in zip(straight.parameters(), second.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-6)


def test_an_interrupt_keeps_a_checkpoint(tmp_path):
    def stop(report: StepReport) -> None:
        if report.step == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        Trainer(_model(), PREFIX, _data(), [], _options(), tmp_path).run(stop)
    state = torch.load(tmp_path / CHECKPOINT, weights_only=False)
    assert state["result"]["steps"] == 3


def test_other_data_does_not_resume(tmp_path):
    Trainer(
        _model(), PREFIX, _data(), [], _options(max_steps=2, checkpoint_every=1), tmp_path
    ).run()
    other = [Encoded([9, 9, 9, 2], 2, _EXAMPLE)] * 4
    result = Trainer(_model(), PREFIX, other, [], _options(max_steps=1), tmp_path).run()
    assert result.resumed_from == 0
