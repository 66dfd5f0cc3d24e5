"""What the rule reader hands to the local model (issue 15: "what it cannot read goes to the
local model under a grammar ... and is validated like any model output"): an event in odd
words becomes a choice among the events of the devices and rooms the words name, action
words the core cannot read go to the LLM stage; the model's reading is said in the reply,
nothing it picks lies outside what was offered, and a model that is not sure, or offers what
the safety policy guards, makes no rule."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from test_words import EXAMPLE

from hausgeist.automations.words import RuleReader
from hausgeist.config import load_config
from hausgeist.devices.actions import ServiceCall
from hausgeist.home import Home


@cache
def _home() -> Home:
    return Home.from_config(load_config(EXAMPLE, env={}))


class Chooser:
    """Picks the option containing ``want`` (None: declines); remembers what it was offered."""

    def __init__(self, want: str | None) -> None:
        self.want = want
        self.offered: list[list[str]] = []

    def __call__(self, question: str, options: Sequence[str], text: str) -> str | None:
        self.offered.append(list(options))
        if self.want is None:
            return None
        found = [o for o in options if self.want in o]
        return found[0] if found else None


def _reader(chooser: Chooser | None = None, actions: object = None) -> RuleReader:
    home = _home()
    return RuleReader(
        home.understanding,
        home.states,
        choice_by_model=chooser,
        actions_by_model=actions,  # type: ignore[arg-type]
    )


ODD_EVENT = "whenever somebody wanders through the hallway after sunset, turn on the hallway light"


def test_an_event_in_odd_words_is_read_without_a_model_never() -> None:
    made = _reader().read(ODD_EVENT)
    assert made.status != "confirm"
    assert made.automation is None


def test_the_model_chooses_among_the_events_of_what_the_words_name() -> None:
    chooser = Chooser("Hallway Motion sees motion")
    made = _reader(chooser).read(ODD_EVENT)
    assert made.status == "confirm", made.reply
    assert made.automation is not None
    assert made.automation["triggers"] == [
        {"trigger": "state", "entity_id": "binary_sensor.hallway_motion", "to": "on"}
    ]
    assert made.automation["conditions"] == [{"condition": "sun", "after": "sunset"}]
    # "somebody" says a motion sensor: only its events are offered
    assert chooser.offered == [["Hallway Motion sees motion", "Hallway Motion sees no motion"]]
    assert made.by_model == (
        "The local model read 'somebody wanders through the hallway' as 'Hallway Motion sees motion'.",
    )
    assert "Check it." in made.reply
    assert made.summary.startswith("When the Hallway Motion")


def test_a_model_that_is_not_sure_makes_no_rule() -> None:
    made = _reader(Chooser(None)).read(ODD_EVENT)
    assert made.status != "confirm"
    assert made.automation is None
    assert made.by_model == ()


def test_words_that_name_nothing_are_not_put_to_the_model() -> None:
    chooser = Chooser("sees motion")
    made = _reader(chooser).read("whenever things get weird, turn on the hallway light")
    assert made.automation is None
    assert chooser.offered == []


def test_action_words_the_core_cannot_read_go_to_the_model() -> None:
    asked: list[str] = []

    def actions(text: str) -> list[ServiceCall] | None:
        asked.append(text)
        return [ServiceCall(service="light.turn_on", entity_id="light.hallway")]

    made = _reader(actions=actions).read(
        "when the front door is unlocked, illuminate the hallway light"
    )
    assert made.status == "confirm", made.reply
    assert made.automation is not None
    assert made.automation["actions"] == [
        {"action": "light.turn_on", "target": {"entity_id": "light.hallway"}}
    ]
    assert asked == ["illuminate the hallway light"]
    assert "light.turn_on light.hallway" in made.by_model[0]


def test_the_model_never_adds_what_the_policy_guards() -> None:
    def actions(_text: str) -> list[ServiceCall] | None:
        return [ServiceCall(service="lock.unlock", entity_id="lock.front_door")]

    made = _reader(actions=actions).read("when the hallway motion sees motion, opne the door")
    assert made.status == "refused"
    assert made.automation is None
    assert "safety policy" in made.reply


def test_a_model_that_declines_leaves_the_words_unread() -> None:
    made = _reader(actions=lambda _t: None).read(
        "when the front door is unlocked, illuminate the hallway light"
    )
    assert made.automation is None
    assert "couldn't read the action" in made.reply


def test_a_room_said_offers_that_rooms_devices_only() -> None:
    chooser = Chooser("Bedroom Shutter opens")
    made = _reader(chooser).read("whenever the bedroom wakes up, turn on the hallway light")
    assert made.automation is not None
    assert made.automation["triggers"] == [
        {"trigger": "state", "entity_id": "cover.bedroom_shutter", "to": "open"}
    ]
    [offered] = chooser.offered
    assert {"Bedroom Fan turns on", "Bedroom Shutter opens", "Bedroom Window opens"} <= set(offered)
    assert all(o.startswith("Bedroom") for o in offered)
