"""Whether a tuned model replaces the stock one, and in which format: never worse.

Every model is asked the same two sets of requests: **held back** (generated requests of this
home kept out of training) and **hand-over** (held-back requests with slips of the fingers
that the core cannot read: what the stage is really asked). Each answer is taken as the
stage would take it: one that acts with a confidence below the model's threshold (the stock
model's configured ``llm.min_confidence``, a tuned file's calibrated one) is declined, so a
right one counts as given up and a wrong one as no action (the stage's agreement check, which
stops more wrong answers, is not applied here: the gate errs on the side of the stock
model). A tuned file is activated only
when, over both sets together, it is right at least ``margin`` points more often than the
stock model, is not below it on either set, made no wrong action (an action where another
answer was right), refused or gave up on nothing the stock model did right, and answered
every request in the schema. Of the files that pass, the most accurate is used (the smaller
file on a tie); when none passes, nothing is activated (the home keeps the model it had), and
the table says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hausgeist.llm_runtime.tuned_store import Evaluation

HELD_BACK = "held-back"
HAND_OVER = "hand-over"
SETS = (HELD_BACK, HAND_OVER)

RIGHT, WRONG, GAVE_UP, OTHER, INVALID = "R", "W", "X", "M", "I"
"""Per-request outcomes: the core's answer; an action where another answer was right; a
refusal or "unknown" where an action was right; another mismatch (a refusal for an
"unknown"); no answer in the schema."""


@dataclass(frozen=True)
class Check:
    """One tuned file against the stock model."""

    quantization: str
    right: int
    """Requests answered right, over both sets."""
    stock_right: int
    asked: int
    by_set: Mapping[str, tuple[float, float]]
    """Per set: (tuned accuracy, stock accuracy)."""
    wrong: int
    """Wrong actions."""
    new_refusals: int
    """Requests the stock model got right that this one refused or gave up on."""
    valid: float
    passed: bool
    why: str
    """What failed ("" when it passed)."""

    @property
    def gain(self) -> float:
        """Points over the stock model, over both sets."""
        return 100.0 * (self.right - self.stock_right) / max(1, self.asked)


@dataclass(frozen=True)
class Verdict:
    use: str | None
    """The format to activate (None: keep the stock model)."""
    reason: str
    checks: tuple[Check, ...]


def judge(
    evaluations: Sequence[Evaluation],
    margin: float,
    sizes: Mapping[str, int] | None = None,
    stock_threshold: float = 0.5,
) -> Verdict:
    """The format to activate, if any, from the stock and tuned evaluations of a run; the
    stock model's answers are gated at ``stock_threshold``, a tuned file's at its own."""
    stock = {e.probes: e for e in evaluations if e.model == "stock"}
    if not all(s in stock for s in SETS):
        return Verdict(None, "not activated: the stock model was not measured", ())
    formats = sorted({e.quantization for e in evaluations if e.model == "tuned"})
    checks = []
    for fmt in formats:
        tuned = {e.probes: e for e in evaluations if e.model == "tuned" and e.quantization == fmt}
        if all(s in tuned for s in SETS):
            checks.append(_check(fmt, tuned, stock, margin, stock_threshold))
    if not checks:
        return Verdict(None, "not activated: no tuned file was measured", ())
    passed = [c for c in checks if c.passed]
    if not passed:
        best = max(checks, key=lambda c: c.gain)
        return Verdict(
            None,
            f"not activated: no tuned file holds up against the stock model (the best, "
            f"{best.quantization}: {best.why})",
            tuple(checks),
        )
    size = sizes or {}
    chosen = min(passed, key=lambda c: (-c.right, size.get(c.quantization, 0), c.quantization))
    return Verdict(
        chosen.quantization,
        f"activated {chosen.quantization}: {chosen.gain:+.1f} points over the stock model, "
        "no wrong action, no new refusal",
        tuple(checks),
    )


def threshold_of(evaluations: Sequence[Evaluation], default: float = 0.5) -> float:
    """A tuned file's gate threshold: the strictest its answers called for."""
    found = [e.min_confidence for e in evaluations if e.min_confidence is not None]
    return max(found, default=default)


def gated(evaluation: Evaluation, threshold: float) -> str:
    """The outcomes as the stage takes the answers: an action below ``threshold`` is
    declined (right: given up; wrong: no action). Outcomes measured without confidences are
    taken as they are."""
    if len(evaluation.confidences) != len(evaluation.outcomes):
        return evaluation.outcomes
    out = []
    for letter, confidence in zip(evaluation.outcomes, evaluation.confidences, strict=True):
        took = letter
        if 0 <= confidence < threshold:
            took = GAVE_UP if letter == RIGHT else OTHER if letter == WRONG else letter
        out.append(took)
    return "".join(out)


def _check(
    fmt: str,
    tuned: Mapping[str, Evaluation],
    stock: Mapping[str, Evaluation],
    margin: float,
    stock_threshold: float = 0.5,
) -> Check:
    right = stock_right = asked = wrong = new_refusals = 0
    by_set: dict[str, tuple[float, float]] = {}
    valid = 1.0
    own = threshold_of(list(tuned.values()))
    for name in SETS:
        t, s = gated(tuned[name], own), gated(stock[name], stock_threshold)
        if len(t) != len(s) or len(t) != tuned[name].asked:
            raise ValueError(f"{fmt} and the stock model were not asked the same {name} requests")
        right += t.count(RIGHT)
        stock_right += s.count(RIGHT)
        asked += len(t)
        wrong += t.count(WRONG)
        new_refusals += sum(1 for a, b in zip(t, s, strict=True) if b == RIGHT and a == GAVE_UP)
        by_set[name] = (t.count(RIGHT) / max(1, len(t)), s.count(RIGHT) / max(1, len(s)))
        valid = min(valid, tuned[name].valid)
    gain = 100.0 * (right - stock_right) / max(1, asked)
    failed = []
    if wrong:
        failed.append(f"{wrong} wrong action(s)")
    if new_refusals:
        failed.append(f"{new_refusals} request(s) the stock model did right refused")
    if valid < 1.0:
        failed.append(f"{valid:.0%} of its answers valid")
    worse = [n for n, (t_acc, s_acc) in by_set.items() if t_acc < s_acc]
    if worse:
        failed.append("below the stock model on " + " and ".join(worse))
    if gain < margin:
        failed.append(f"{gain:+.1f} points over the stock model, {margin:g} needed")
    return Check(
        fmt, right, stock_right, asked, by_set, wrong, new_refusals, valid, not failed,
        "; ".join(failed),
    )  # fmt: skip


def table(evaluations: Sequence[Evaluation], verdict: Verdict, stock_threshold: float = 0.5) -> str:
    """The evaluations as a table for people (answers as the stage takes them), with each
    file's verdict."""
    checks = {c.quantization: c for c in verdict.checks}
    rows = [("model", *(f"{s} right" for s in SETS), "wrong", "gate", "p50 ms", "verdict")]
    keys = sorted({(e.model, e.quantization) for e in evaluations}, key=lambda k: k[0] != "stock")
    for model, fmt in keys:
        of = {e.probes: e for e in evaluations if e.model == model and e.quantization == fmt}
        limit = stock_threshold if model == "stock" else threshold_of(list(of.values()))
        took = {name: gated(e, limit) for name, e in of.items()}
        cells = [_share(took[s]) if s in took else "-" for s in SETS]
        wrong = sum(t.count(WRONG) for t in took.values())
        p50 = max((e.p50_ms for e in of.values()), default=0.0)
        check = checks.get(fmt) if model == "tuned" else None
        verdict_text = "" if check is None else ("passes" if check.passed else check.why)
        rows.append(
            (f"{model} {fmt}", *cells, str(wrong), f"{limit:.2f}", f"{p50:.0f}", verdict_text)
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ).rstrip()


def _share(outcomes: str) -> str:
    right = outcomes.count(RIGHT)
    return f"{right}/{len(outcomes)} ({right / max(1, len(outcomes)):.0%})"
