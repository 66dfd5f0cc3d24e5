"""Property of requests with two devices and a verb for each (#19: "pond pump off and water
butt on" closed the water butt): each call must take the verb of its own part of the words.
The answer that does what each part says is accepted; one that gives a device the other
part's verb is refused, whatever the phrasing and whether or not a question was pending."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.devices.actions import ServiceCall
from hausgeist.llm_stage.agreement import Agreement
from hausgeist.llm_stage.mentions import read_mentions
from hausgeist.understanding import Understanding
from hausgeist.understanding.intents import Action, Intent
from hausgeist.understanding.sessions import PendingClarify

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
SWITCHED = {  # name said -> entity, its service for "on" and for "off"
    "coffee machine": ("switch.coffee_machine", "switch.turn_on", "switch.turn_off"),
    "desk lamp": ("light.office_desk", "light.turn_on", "light.turn_off"),
    "bedroom fan": ("fan.bedroom", "fan.turn_on", "fan.turn_off"),
    "hallway light": ("light.hallway", "light.turn_on", "light.turn_off"),
    "water main": ("valve.water_main", "valve.open_valve", "valve.close_valve"),
    "bedroom humidifier": ("humidifier.bedroom", "humidifier.turn_on", "humidifier.turn_off"),
    "kitchen ceiling": ("light.kitchen_ceiling", "light.turn_on", "light.turn_off"),
    "kitchen speaker": (
        "media_player.kitchen_speaker",
        "media_player.turn_on",
        "media_player.turn_off",
    ),
}
OPENED = {
    "living room blinds": ("cover.living_room_blinds", "cover.open_cover", "cover.close_cover"),
    "water main": ("valve.water_main", "valve.open_valve", "valve.close_valve"),
}
SWITCH_PHRASES = (
    "{a} {va} and {b} {vb}",
    "the {a} {va} and the {b} {vb}",
    "turn {a} {va} and {b} {vb}",
    "turn the {a} {va} and the {b} {vb}",
    "switch {va} the {a} and switch {vb} the {b}",
    "turn {va} the {a} and turn {vb} the {b}",
    "{a} {va}, {b} {vb}",
    "turn {va} the {a}, then turn {vb} the {b}",
    "please turn {va} the {a} and then switch {vb} the {b}",
    "could you turn the {a} {va} and the {b} {vb}",
)
OPEN_PHRASES = (
    "{va} the {a} and {vb} the {b}",
    "{va} the {a}, {vb} the {b}",
    "please {va} the {a} and then {vb} the {b}",
)


def _answer(entity: str, service: str) -> ServiceCall:
    return ServiceCall(service=service, entity_id=entity)


@EXAMPLES
@given(st.data())
def test_each_device_takes_its_own_parts_verb(core: Understanding, data: st.DataObject) -> None:
    opening = data.draw(st.booleans())
    devices, phrases, verbs = (
        (OPENED, OPEN_PHRASES, ("open", "close"))
        if opening
        else (SWITCHED, SWITCH_PHRASES, ("on", "off"))
    )
    a, b = data.draw(
        st.lists(st.sampled_from(sorted(devices)), min_size=2, max_size=2, unique=True)
    )
    first = data.draw(st.sampled_from([0, 1]))  # a gets verbs[first], b the other verb
    text = data.draw(st.sampled_from(phrases)).format(
        a=a, b=b, va=verbs[first], vb=verbs[1 - first]
    )
    (ea, *sa), (eb, *sb) = devices[a], devices[b]
    right = [_answer(ea, sa[first]), _answer(eb, sb[1 - first])]
    mentions = read_mentions(text, core.index)
    if data.draw(st.booleans()):  # a pending "which one?" with both among its candidates
        action = data.draw(st.sampled_from([Action.ON, Action.OFF]))
        mentions = mentions.within(PendingClarify(Intent(action), (ea, eb)))
    agreement = Agreement(core.registry)
    assert agreement.disagreement(right, mentions, None) is None, text
    wrongs = (
        [_answer(ea, sa[1 - first]), right[1]],  # a takes b's verb
        [right[0], _answer(eb, sb[first])],  # b takes a's verb
        [_answer(ea, sa[1 - first]), _answer(eb, sb[first])],  # swapped
        [_answer(ea, sa[first]), _answer(eb, sb[first])],  # one verb for both
    )
    for wrong in wrongs:
        reason = agreement.disagreement(wrong, mentions, None)
        assert reason is not None, (text, wrong)
        assert "the words ask to" in reason, (text, wrong)
    focus = agreement.focus(mentions)
    assert focus is not None, text  # the grammar offers each device only its own verb
    assert sa[1 - first] not in focus.get(ea, frozenset()), (text, focus.get(ea))
    assert sb[first] not in focus.get(eb, frozenset()), (text, focus.get(eb))


def test_the_cottage_case_that_closed_the_water_butt(core: Understanding) -> None:
    """One verb said for two devices holds for both; a part without a device adds its verb
    to the whole request's (no device is read as the other's)."""
    agreement = Agreement(core.registry)
    both = read_mentions("turn off the coffee machine and the desk lamp", core.index)
    off = [
        _answer("switch.coffee_machine", "switch.turn_off"),
        _answer("light.office_desk", "light.turn_off"),
    ]
    assert agreement.disagreement(off, both, None) is None
    later = read_mentions("turn on the desk lamp and then set it to 40 percent", core.index)
    lit = [
        ServiceCall(
            service="light.turn_on", entity_id="light.office_desk", data={"brightness_pct": 40}
        )
    ]
    assert agreement.disagreement(lit, later, None) is None
