"""Property: "the light" said from a room with several lights never acts on more than one
(written before the fix: "turn on the light" from the studio switched on all four, the
second set's only wrong actions). "the lights" there still means all of them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Request, Status

EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None)
SINGULAR = (
    *("turn on the light", "switch off the light", "turn the light off", "dim the light"),
    *("set the light to {n} percent", "make the light brighter", "light on please"),
)


@EXAMPLES
@given(st.data())
def test_the_light_from_a_room_with_several_is_one_or_a_question(data: st.DataObject) -> None:
    core = home_core(data.draw(st.sampled_from(("test", "house", "flat"))), None)
    rooms = sorted(
        {
            d.area_id
            for d in core.registry
            if d.domain == "light"
            and d.area_id is not None
            and sum(1 for o in core.registry if o.domain == "light" and o.area_id == d.area_id) > 1
        }
    )
    area = data.draw(st.sampled_from(rooms))
    text = data.draw(st.sampled_from(SINGULAR)).format(n=data.draw(st.integers(1, 99)))
    states = StateStore.from_registry(core.registry)
    decision, _ = core.decide(Request(text, area), states)
    touched = {c.entity_id for c in (*decision.actions, *decision.pending)}
    assert len(touched) <= 1, f"{text!r} from {area}: {decision.reply}"
    plural = text.replace("the light", "the lights")
    decision, _ = core.decide(Request(plural, area), states)
    if decision.status is Status.DONE and (" on" in plural or " off" in plural):
        assert len({c.entity_id for c in decision.actions}) > 1, f"{plural!r}: {decision.reply}"
