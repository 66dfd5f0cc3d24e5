"""The understanding benchmark's table says, per category and for the turns of conversations,
how many cases did a wrong action (issue 14: wrong actions per category)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.understanding.cases import Case, Expectation
from benchmarks.understanding.driver import Exchange
from benchmarks.understanding.report import CONVERSATIONS, Outcome, summarize, table
from benchmarks.understanding.scoring import Verdict


def _outcome(category: str, *, passed: bool, wrong: bool, session: str | None = None) -> Outcome:
    case = Case(
        id=f"flat-{category}-001",
        home="flat",
        category=category,
        text="turn on the lamp",
        area=None,
        device=None,
        state={},
        session=session,
        file=Path("flat-talk.yaml"),
        expect=Expectation("done", (), (), (), ()),
    )
    verdict = Verdict(passed=passed, wrong_action=wrong, status="done", reason="")
    return Outcome(case, Exchange({"status": "done"}, None, (), 1.0), verdict)


def test_wrong_actions_are_counted_per_category_and_for_conversations() -> None:
    outcomes = [
        _outcome("on_off", passed=True, wrong=False),
        _outcome("on_off", passed=False, wrong=True),
        _outcome("context", passed=False, wrong=True, session="a"),
        _outcome("context", passed=True, wrong=False, session="a"),
        _outcome("lock", passed=True, wrong=False),
    ]
    numbers = summarize(outcomes)
    assert numbers["categories"]["on_off"]["wrong_actions"] == 1
    assert numbers["categories"]["lock"]["wrong_actions"] == 0
    assert numbers["categories"][CONVERSATIONS] == {
        "cases": 2,
        "passed": 1,
        "accuracy": 0.5,
        "wrong_actions": 1,
    }
    lines = {line.split("  ")[0].strip(): line for line in table({"flat": numbers}).splitlines()}
    assert lines["on_off"].endswith("50.0% (2, 1 wrong)")
    assert lines["lock"].endswith("100.0% (1)")
    assert lines[CONVERSATIONS].endswith("50.0% (2, 1 wrong)")
