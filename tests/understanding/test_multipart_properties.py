"""Property of several requests in one sentence (issue 14): each part is judged on its own.
The possible parts are all done, a part for something the home lacks is explained and done
nowhere, and a sensitive part is never done without its yes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Request
from hausgeist.understanding.policy import is_sensitive

EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None)
POSSIBLE = {
    "turn on the kitchen ceiling": ("light.turn_on", "light.kitchen_ceiling"),
    "switch off the desk lamp": ("light.turn_off", "light.office_desk"),
    "turn on the coffee machine": ("switch.turn_on", "switch.coffee_machine"),
    "close the blinds": ("cover.close_cover", "cover.living_room_blinds"),
    "pause the tv": ("media_player.media_pause", "media_player.living_room_tv"),
    "lock the back door": ("lock.lock", "lock.back_door"),
}
IMPOSSIBLE = (
    "turn on the pool pump",
    "open the spaceship hatch",
    "start the sauna",
    "turn on the jacuzzi",
)
SENSITIVE = (
    "unlock the back door",
    "unlock the front door",
    "open the garage door",
    "disarm the alarm",
)
JOINTS = (" and ", ", ", ", then ", " and then ", " and also ")


@EXAMPLES
@given(st.data())
def test_each_part_is_judged_on_its_own(data: st.DataObject) -> None:
    core = home_core("test", None)
    parts = data.draw(
        st.lists(
            st.sampled_from([*POSSIBLE, *IMPOSSIBLE, *SENSITIVE]),
            min_size=2,
            max_size=4,
            unique=True,
        )
    )
    if "lock the back door" in parts and "unlock the back door" in parts:
        return  # a contradiction, no test of parts
    text = parts[0] + "".join(data.draw(st.sampled_from(JOINTS)) + p for p in parts[1:])
    decision, _ = core.decide(Request(text), StateStore.from_registry(core.registry))
    said = f"{text!r}: {decision.status.value} {decision.reply}"
    done = {(c.service, c.entity_id) for c in decision.actions}
    for call in decision.actions:
        assert not is_sensitive(call, core.registry), said
    if decision.status.value == "clarify":
        return
    for part in parts:
        if part in POSSIBLE:
            assert POSSIBLE[part] in done, said
