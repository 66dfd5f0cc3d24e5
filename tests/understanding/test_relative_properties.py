"""Property of changes by an amount (written before the fix: "by 60 percent" set 60%): over
devices of every kind that has a level, states, amounts and phrasings, a "by N" request
never sets the level to N unless that is where the change lands, never goes the other way,
and never leaves the device's range."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Request

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
# device, the level's attribute, the state's own key, the call's key and scale, range
LEVELS = {
    "light.office_desk": ("brightness", 2.55, "brightness_step_pct", None, (0, 100)),
    "media_player.living_room_tv": ("volume_level", 0.01, "volume_level", 0.01, (0, 1)),
    "climate.downstairs": ("temperature", 1, "temperature", 1, (7, 30)),
    "water_heater.boiler": ("temperature", 1, "temperature", 1, (40, 65)),
    "cover.living_room_blinds": ("current_position", 1, "position", 1, (0, 100)),
    "fan.bedroom": ("percentage", 1, "percentage", 1, (0, 100)),
}
NAMES = {
    "light.office_desk": "desk lamp",
    "media_player.living_room_tv": "tv",
    "climate.downstairs": "downstairs thermostat",
    "water_heater.boiler": "boiler",
    "cover.living_room_blinds": "living room blinds",
    "fan.bedroom": "bedroom fan",
}
UP = (
    "turn the {n} up by {v}{u}",
    "raise the {n} by {v}{u}",
    "increase the {n} by {v}{u}",
    "turn up the {n} by {v}{u}",
)
DOWN = (
    "turn the {n} down by {v}{u}",
    "lower the {n} by {v}{u}",
    "decrease the {n} by {v}{u}",
    "turn down the {n} by {v}{u}",
)


@EXAMPLES
@given(st.data())
def test_by_n_is_a_change_never_the_value(data: st.DataObject) -> None:
    core = home_core("test", None)
    entity_id = data.draw(st.sampled_from(sorted(LEVELS)))
    attribute, scale, key, out_scale, (low, high) = LEVELS[entity_id]
    start = data.draw(
        st.integers(
            min_value=int(low if attribute != "brightness" else 1),
            max_value=int(high if high > 1 else 100),
        )
    )
    current = start * scale if attribute in {"brightness", "volume_level"} else start
    amount = data.draw(st.integers(min_value=1, max_value=90))
    up = data.draw(st.booleans())
    template = data.draw(st.sampled_from(UP if up else DOWN))
    unit = data.draw(st.sampled_from(["", " percent", "%", " points", " degrees"]))
    text = template.format(n=NAMES[entity_id], v=amount, u=unit)
    states = StateStore.from_registry(core.registry)
    states.set(entity_id, states.get(entity_id).state, {attribute: current})
    decision, _ = core.decide(Request(text), states)
    said = f"{text!r} from {attribute}={current}: {decision.status.value} {decision.reply}"
    calls = [c for c in (*decision.actions, *decision.pending) if c.entity_id == entity_id]
    for call in calls:
        value = call.data.get(key)
        assert isinstance(value, int | float), said
        if out_scale is None:  # a step: its sign is the direction
            assert (value > 0) == up, said
            continue
        level = value / out_scale if key == "volume_level" else value
        before = current / scale if attribute == "volume_level" else current
        assert low <= value <= high, said
        assert (level >= before) if up else (level <= before), said
        expected = min(
            max(
                before + (amount if up else -amount),
                low / (out_scale if key == "volume_level" else 1),
            ),
            high / (out_scale if key == "volume_level" else 1),
        )
        assert abs(level - expected) < 0.6, said


TOP = ("set the {n} to the max", "turn the {n} all the way up", "put the {n} to the maximum")
BOTTOM = (
    "set the {n} to the minimum",
    "turn the {n} all the way down",
    "put the {n} to the lowest",
)


@EXAMPLES
@given(st.data())
def test_to_the_max_is_the_end_of_the_devices_range(data: st.DataObject) -> None:
    core = home_core("test", None)
    entity_id = data.draw(st.sampled_from(sorted(LEVELS)))
    _, _, key, out_scale, (low, high) = LEVELS[entity_id]
    up = data.draw(st.booleans())
    text = data.draw(st.sampled_from(TOP if up else BOTTOM)).format(n=NAMES[entity_id])
    decision, _ = core.decide(Request(text), StateStore.from_registry(core.registry))
    calls = [c for c in (*decision.actions, *decision.pending) if c.entity_id == entity_id]
    said = f"{text!r}: {decision.status.value} {decision.reply}"
    assert calls, said
    for call in calls:
        if out_scale is None:
            assert call.data.get("brightness_pct") == (100 if up else 1), said
        else:
            assert call.data.get(key) == (high if up else low), said
