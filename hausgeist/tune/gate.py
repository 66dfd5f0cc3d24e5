"""Whether a tuned model replaces the stock one, and in which format: never worse.

Every model is asked the same two sets of requests: **held back** (generated requests of this
home kept out of training) and **hand-over** (held-back requests with slips of the fingers
that the core cannot read: what the stage is really asked). A tuned file is activated only
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
    evaluations: Sequence[Evaluation], margin: float, sizes: Mapping[str, int] | None = None
) -> Verdict:
    """The format to activate, if any, from the stock and tuned evaluations of a run."""
    stock = {e.probes: e for e in evaluations if e.model == "stock"}
    if not all(s in stock for s in SETS):
        return Verdict(None, "not activated: the stock model was not measured", ())
    formats = sorted({e.quantization for e in evaluations if e.model == "tuned"})
    checks = []
    for fmt in formats:
        tuned = {e.probes: e for e in evaluations if e.model == "tuned" and e.quantization == fmt}
        if all(s in tuned for s in SETS):
            checks.append(_check(fmt, tuned, stock, margin))
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


def _check(
    fmt: str, tuned: Mapping[str, Evaluation], stock: Mapping[str, Evaluation], margin: float
) -> Check:
    right = stock_right = asked = wrong = new_refusals = 0
    by_set: dict[str, tuple[float, float]] = {}
    valid = 1.0
    for name in SETS:
        t, s = tuned[name], stock[name]
        if len(t.outcomes) != len(s.outcomes) or len(t.outcomes) != t.asked:
            raise ValueError(f"{fmt} and the stock model were not asked the same {name} requests")
        right += t.outcomes.count(RIGHT)
        stock_right += s.outcomes.count(RIGHT)
        asked += t.asked
        wrong += t.outcomes.count(WRONG)
        new_refusals += sum(
            1 for a, b in zip(t.outcomes, s.outcomes, strict=True) if b == RIGHT and a == GAVE_UP
        )
        by_set[name] = (t.accuracy, s.accuracy)
        valid = min(valid, t.valid)
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


def table(evaluations: Sequence[Evaluation], verdict: Verdict) -> str:
    """The evaluations as a table for people, with each file's verdict."""
    checks = {c.quantization: c for c in verdict.checks}
    rows = [("model", *(f"{s} right" for s in SETS), "wrong", "p50 ms", "verdict")]
    keys = sorted({(e.model, e.quantization) for e in evaluations}, key=lambda k: k[0] != "stock")
    for model, fmt in keys:
        of = {e.probes: e for e in evaluations if e.model == model and e.quantization == fmt}
        cells = [
            f"{of[s].outcomes.count(RIGHT)}/{of[s].asked} ({of[s].accuracy:.0%})"
            if s in of
            else "-"
            for s in SETS
        ]
        wrong = sum(e.outcomes.count(WRONG) for e in of.values())
        p50 = max((e.p50_ms for e in of.values()), default=0.0)
        check = checks.get(fmt) if model == "tuned" else None
        verdict_text = "" if check is None else ("passes" if check.passed else check.why)
        rows.append((f"{model} {fmt}", *cells, str(wrong), f"{p50:.0f}", verdict_text))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  ".join(c.ljust(w) for c, w in zip(r[:-1], widths, strict=True)) + "  " + r[-1]
        for r in rows
    ).rstrip()
