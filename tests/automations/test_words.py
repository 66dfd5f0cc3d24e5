"""Rules from plain words (`automations add`): the 161 descriptions of
benchmarks/automations/descriptions.yaml get the status they were written with, and
properties over generated sentences: the rule acts on the device named and no other, reacts
to the device named, and never does what the safety policy guards."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.automations.words import RuleReader
from hausgeist.config import load_config
from hausgeist.home import Home

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "hausgeist" / "data" / "config.example.yaml"
DESCRIPTIONS = ROOT / "benchmarks" / "automations" / "descriptions.yaml"
EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None)


@cache
def reader() -> RuleReader:
    home = Home.from_config(load_config(EXAMPLE, env={}))
    return RuleReader(home.understanding, home.states)


def _cases() -> list[Any]:
    cases = yaml.safe_load(DESCRIPTIONS.read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["text"][:70]) for c in cases]


@pytest.mark.parametrize("case", _cases())
def test_each_description_gets_its_status(case: dict[str, Any]) -> None:
    got = reader().read(case["text"])
    want = "confirm" if case["status"] == "done" else case["status"]
    assert got.status == want, got.reply
    if got.status == "confirm":
        assert got.automation is not None
        assert got.summary
        assert got.summary.casefold() != case["text"].casefold()
    else:
        assert got.automation is None
        assert got.reply


def test_there_are_enough_descriptions() -> None:
    assert len(_cases()) >= 150


def _devices(domains: set[str]) -> list[Any]:
    return sorted(
        (d for d in reader().core.registry if d.domain in domains), key=lambda d: d.entity_id
    )


TRIGGERS = {
    "binary_sensor": ("{name} turns on", "{name} is on"),
    "light": ("{name} turns on", "{name} is switched off"),
    "switch": ("{name} turns on", "{name} is turned off"),
    "media_player": ("{name} starts playing", "{name} turns off"),
    "cover": ("{name} opens", "{name} closes"),
}
ACTIONS = ("turn on the {name}", "switch off the {name}", "turn the {name} off")


@EXAMPLES
@given(st.data())
def test_a_rule_reacts_to_the_device_named_and_acts_on_the_one_named(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(_devices(set(TRIGGERS))))
    target = data.draw(st.sampled_from(_devices({"light", "switch", "fan", "media_player"})))
    when = data.draw(st.sampled_from(TRIGGERS[source.domain])).format(name=source.name.lower())
    then = data.draw(st.sampled_from(ACTIONS)).format(name=target.name.lower())
    intro = data.draw(st.sampled_from(["when the ", "whenever the ", "as soon as the ", "if the "]))
    text = f"{intro}{when}, {then}"
    got = reader().read(text)
    if got.status != "confirm":
        assert got.automation is None
        return
    rule = got.automation
    assert rule is not None
    assert [t.get("entity_id") for t in rule["triggers"]] == [source.entity_id], text
    acted = {s["target"]["entity_id"] for s in rule["actions"] if "action" in s}
    assert acted == {target.entity_id}, text


SENSITIVE = (
    "unlock the front door",
    "unlock the back door",
    "open the garage door",
    "disarm the alarm",
    "open the front door",
    "unlock all the doors",
)


@EXAMPLES
@given(st.data())
def test_a_rule_from_words_never_does_what_the_policy_guards(data: st.DataObject) -> None:
    when = data.draw(
        st.sampled_from(
            [
                "when the hallway motion sensor sees motion, ",
                "every day at 7, ",
                "at sunset ",
                "when guest mode turns on ",
                "if the bedroom window opens, ",
            ]
        )
    )
    then = data.draw(st.sampled_from(SENSITIVE))
    extra = data.draw(st.sampled_from(["", " and turn on the hallway light", " for 5 minutes"]))
    got = reader().read(f"{when}{then}{extra}")
    assert got.status == "refused", got.reply
    assert got.automation is None


@EXAMPLES
@given(st.text(max_size=300))
def test_any_text_gets_a_status_and_never_an_error(text: str) -> None:
    got = reader().read(text)
    assert got.status in {"confirm", "refused", "not_understood"}
    assert (got.automation is not None) == (got.status == "confirm")


def test_every_description_does_what_it_says_on_replayed_events() -> None:
    """Each rule made from words is judged by what it does on its description's events (the
    benchmark's judge): right actions at the right times, and never another device."""
    from benchmarks.automations.judge import judge_all

    verdicts = judge_all()
    wrong = [f"{v.text}: {v.why}" for v in verdicts if not v.right]
    assert not wrong, "\n".join(wrong)
    assert not any(v.wrong_device for v in verdicts)
