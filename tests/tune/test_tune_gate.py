"""The activation gate: a tuned file replaces the stock model only when it is right clearly
more often on held-back and hand-over requests, with no wrong action and no new refusal
(``gate_cases.yaml``, and a property over generated outcomes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.llm_runtime.tuned_store import Evaluation
from hausgeist.tune import gate
from hausgeist.tune.pipeline import hand_overs
from tests.tune.conftest import core_of

CASES = yaml.safe_load((Path(__file__).parent / "gate_cases.yaml").read_text())["cases"]
SIZES = {"Q4_K_M": 105, "Q5_K_M": 115, "Q8_0": 145}


def measured(model: str, fmt: str, name: str, outcomes: str) -> Evaluation:
    return Evaluation(
        model=model, quantization=fmt, accuracy=outcomes.count("R") / len(outcomes),
        valid=1 - outcomes.count("I") / len(outcomes), asked=len(outcomes), p50_ms=300,
        p95_ms=600, probes=name, outcomes=outcomes,
    )  # fmt: skip


def evaluations(case: dict[str, Any]) -> list[Evaluation]:
    out = [measured("stock", "Q4_1", n, o) for n, o in case["stock"].items()]
    for fmt, sets in case["tuned"].items():
        out += [measured("tuned", fmt, n, o) for n, o in sets.items()]
    return out


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_gate_case(case: dict[str, Any]) -> None:
    found = evaluations(case)
    verdict = gate.judge(found, case["margin"], SIZES)
    assert verdict.use == case["use"], verdict.reason
    if "why" in case:
        assert case["why"] in verdict.reason
    table = gate.table(found, verdict)
    assert "stock Q4_1" in table
    assert all(f"tuned {fmt}" in table for fmt in case["tuned"])


OUTCOMES = st.text(alphabet="RWXMI", min_size=8, max_size=8)


@settings(max_examples=300, deadline=None)
@given(
    stock=st.tuples(OUTCOMES, OUTCOMES),
    tuned=st.dictionaries(
        st.sampled_from(["Q4_K_M", "Q5_K_M", "Q8_0"]), st.tuples(OUTCOMES, OUTCOMES), min_size=1
    ),
    margin=st.sampled_from([0.0, 5.0, 10.0]),
)
def test_an_activated_file_is_never_worse_than_the_stock_model(
    stock: tuple[str, str], tuned: dict[str, tuple[str, str]], margin: float
) -> None:
    case = {
        "stock": dict(zip(gate.SETS, stock, strict=True)),
        "tuned": {fmt: dict(zip(gate.SETS, sets, strict=True)) for fmt, sets in tuned.items()},
    }
    verdict = gate.judge(evaluations(case), margin, SIZES)
    if verdict.use is None:
        return
    chosen = dict(zip(gate.SETS, tuned[verdict.use], strict=True))
    both = "".join(chosen.values())
    assert "W" not in both
    assert "I" not in both
    for name in gate.SETS:
        assert chosen[name].count("R") >= case["stock"][name].count("R")
        refused = [
            i for i, (t, s) in enumerate(zip(chosen[name], case["stock"][name], strict=True))
            if s == "R" and t == "X"
        ]  # fmt: skip
        assert refused == []
    gain = both.count("R") - "".join(case["stock"].values()).count("R")
    assert 100 * gain / 16 >= margin
    # And no other passing file was more accurate.
    for fmt, sets in tuned.items():
        other = gate._check(
            fmt,
            {n: measured("tuned", fmt, n, o) for n, o in zip(gate.SETS, sets, strict=True)},
            {n: measured("stock", "Q4_1", n, o) for n, o in case["stock"].items()},
            margin,
        )
        assert not other.passed or "".join(sets).count("R") <= both.count("R")


def test_hand_overs_are_slips_the_core_cannot_read_with_the_clean_answer(tiny_config) -> None:
    from hausgeist.tune.data import DataOptions, teacher_examples
    from hausgeist.understanding import Request, Status

    core, states = core_of(tiny_config)
    examples = teacher_examples(core, states, DataOptions(typo_rate=0.0))
    handed = hand_overs(examples, core, states, 20, seed=3)
    assert len(handed) >= 5
    clean = {(e.text, e.area): e for e in examples}
    for example in handed:
        assert (example.text, example.area) not in clean
        decision, _ = core.decide(Request(example.text, example.area), states)
        assert decision.status is Status.NOT_UNDERSTOOD
        assert any(e.answer == example.answer and e.template == example.template for e in examples)


def test_answers_are_taken_as_the_stage_takes_them_below_the_threshold() -> None:
    stock = [measured("stock", "Q4_1", n, "RRXXXXXXXX") for n in gate.SETS]
    # A wrong action the gate would decline is no action; a right one it would decline is
    # given up (and counts against the file where the stock model was right).
    sure = (0.9, 0.9, 0.9, 0.9, 0.9, 0.9, -1.0, -1.0, -1.0, 0.3)
    tuned = [
        measured("tuned", "Q8_0", n, "RRRRRRXXXW").model_copy(
            update={"confidences": sure, "min_confidence": 0.5}
        )
        for n in gate.SETS
    ]
    verdict = gate.judge([*stock, *tuned], 5.0)
    assert verdict.use == "Q8_0", verdict.reason
    doubtful = [
        e.model_copy(update={"confidences": (0.3, *sure[1:])}) for e in tuned
    ]  # its first answer, right where the stock model was, now declined
    verdict = gate.judge([*stock, *doubtful], 5.0)
    assert verdict.use is None
    assert "refused" in verdict.reason
    assert "gate" in gate.table([*stock, *doubtful], verdict)
