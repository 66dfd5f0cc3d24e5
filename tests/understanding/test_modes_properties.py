"""Properties of modes (issue 14, written before the fix: "the air con fan on auto" set the air
conditioner's *mode* to auto, "set the fan of the air conditioner to low" set a fan in the
room to 33%, "turn off the swing on the air conditioner" switched it off, "put the fan on
sleep mode" only switched the fan on).

Over generated air conditioners (fan, swing and preset lists drawn from what integrations
report), a room fan beside them, modes said and phrasings: a mode said of a part is set with
that part's own service when the device lists it, and refused otherwise, with nothing done;
the fan's own speed words never touch the air conditioner; a named mode lands on the list
that holds it or is refused."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Request, Status, Understanding

EXAMPLES = settings(max_examples=250, deadline=None, derandomize=True, database=None)

FAN_MODES = ("auto", "quiet", "low", "medium", "high", "turbo", "silent", "strong")
SWING_MODES = ("off", "on", "swing", "top", "middle", "bottom", "vertical", "horizontal", "both")
PRESETS = ("none", "eco", "boost", "sleep", "away", "comfort", "home")
AC_NAMES = ("Study Air Con", "Study Air Conditioner", "Daikin")

FAN_PHRASES = (
    "set the {ac} fan to {m}",
    "put the {ac} fan on {m}",
    "{ac} fan speed to {m}",
    "set the fan of the {ac} to {m}",
    "change the {ac} fan mode to {m}",
)
SWING_PHRASES = (
    "set the {ac} louvres to {m}",
    "set the {ac} swing to {m}",
    "point the {ac} vanes to the {m}",
    "set the {ac} swing mode to {m}",
)
PRESET_PHRASES = ("set the {ac} to {m} mode", "put the {ac} in {m} mode")


def _home(ac_name: str, fan_modes: list[str], swing: list[str], presets: list[str]) -> Any:
    features = 1 | 128 | 256 | (8 if fan_modes else 0) | (32 if swing else 0)
    features |= 16 if presets else 0
    attributes: dict[str, Any] = {
        "supported_features": features,
        "hvac_modes": ["off", "cool", "heat", "auto"],
        "temperature": 22,
        "min_temp": 16,
        "max_temp": 30,
    }
    lists = {"fan_modes": fan_modes, "swing_modes": swing, "preset_modes": presets}
    attributes.update({key: values for key, values in lists.items() if values})
    config = {
        "areas": [{"id": "study", "name": "Study"}, {"id": "hall", "name": "Hall"}],
        "devices": [
            {
                "id": "climate.study_ac",
                "name": ac_name,
                "area": "study",
                "state": "cool",
                "attributes": attributes,
            },
            {
                "id": "fan.study",
                "name": "Desk Fan",
                "area": "study",
                "state": "off",
                "attributes": {"supported_features": 49, "percentage": 0},
            },
            {"id": "light.hall", "name": "Hall Light", "area": "hall", "state": "off"},
        ],
    }
    loaded = load_config_text(yaml.safe_dump(config, sort_keys=False))
    registry = DeviceRegistry.from_config(loaded)
    return Understanding(registry, loaded.policy), StateStore.from_registry(registry)


def _lists(data: st.DataObject) -> tuple[str, list[str], list[str], list[str]]:
    name = data.draw(st.sampled_from(AC_NAMES))
    fan = data.draw(st.lists(st.sampled_from(FAN_MODES), unique=True, max_size=5))
    swing = data.draw(st.lists(st.sampled_from(SWING_MODES), unique=True, max_size=5))
    presets = data.draw(st.lists(st.sampled_from(PRESETS), unique=True, max_size=4))
    return name, fan, swing, presets


def _acts(decision: Any) -> list[tuple[str, str, dict[str, Any]]]:
    return [(a.service, a.entity_id, dict(a.data)) for a in decision.actions]


@EXAMPLES
@given(st.data())
def test_a_mode_said_of_a_part_is_that_parts_or_refused(data: st.DataObject) -> None:
    name, fan, swing, presets = _lists(data)
    core, states = _home(name, fan, swing, presets)
    part = data.draw(st.sampled_from(("fan", "swing")))
    listed, phrases, service, key = (
        (fan, FAN_PHRASES, "climate.set_fan_mode", "fan_mode")
        if part == "fan"
        else (swing, SWING_PHRASES, "climate.set_swing_mode", "swing_mode")
    )
    mode = data.draw(st.sampled_from(FAN_MODES if part == "fan" else SWING_MODES))
    text = data.draw(st.sampled_from(phrases)).format(ac=name.lower(), m=mode)
    decision, _ = core.decide(Request(text), states)
    if mode in listed:
        assert decision.status is Status.DONE, (text, decision.reply, decision.trace)
        assert _acts(decision) == [(service, "climate.study_ac", {key: mode})], text
    else:
        assert decision.status is not Status.DONE, (text, decision.reply)
        assert decision.actions == ()


@EXAMPLES
@given(st.data())
def test_the_fans_own_speed_never_touches_the_air_conditioner(data: st.DataObject) -> None:
    name, fan, swing, presets = _lists(data)
    core, states = _home(name, fan, swing, presets)
    speed = data.draw(st.sampled_from(("low", "medium", "high")))
    phrase = data.draw(
        st.sampled_from(("set the fan to {s}", "put the desk fan on {s}", "fan on {s} speed"))
    )
    decision, _ = core.decide(Request(phrase.format(s=speed), area="study"), states)
    assert decision.status is Status.DONE, (phrase, decision.reply, decision.trace)
    assert [a.entity_id for a in decision.actions] == ["fan.study"]
    assert decision.actions[0].service == "fan.set_percentage"


@EXAMPLES
@given(st.data())
def test_a_named_mode_lands_on_the_list_that_holds_it(data: st.DataObject) -> None:
    name, fan, swing, presets = _lists(data)
    core, states = _home(name, fan, swing, presets)
    mode = data.draw(st.sampled_from(PRESETS))
    text = data.draw(st.sampled_from(PRESET_PHRASES)).format(ac=name.lower(), m=mode)
    decision, _ = core.decide(Request(text), states)
    holders = [
        (service, key)
        for service, key, values in (
            ("climate.set_preset_mode", "preset_mode", presets),
            ("climate.set_fan_mode", "fan_mode", fan),
            ("climate.set_swing_mode", "swing_mode", swing),
        )
        if mode in values
    ]
    if mode in presets:
        assert _acts(decision) == [
            ("climate.set_preset_mode", "climate.study_ac", {"preset_mode": mode})
        ]
    elif not holders:
        assert decision.status is not Status.DONE, (text, decision.reply)
        assert decision.actions == ()
    else:
        assert [(a.service, a.data.get(holders[0][1])) for a in decision.actions] == [
            (holders[0][0], mode)
        ], (text, decision.reply)
