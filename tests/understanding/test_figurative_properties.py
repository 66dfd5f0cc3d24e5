"""Property: a colour or colour-temperature word that is not the object of a light verb is
never a colour command (written before the fix: "let some daylight into the living room"
set its lamp to 6500 K); said as the object of one, it still is."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from test_followups import home_core

from hausgeist.devices import StateStore
from hausgeist.understanding import Request

EXAMPLES = settings(max_examples=300, deadline=None, derandomize=True, database=None)
COLOURS = (
    "red",
    "blue",
    "green",
    "daylight",
    "warm white",
    "cool white",
    "purple",
    "orange",
    "warm",
    "white",
)
FIGURATIVE = (
    "let some {c} into the {a}",
    "{c} in the {a} please",
    "i'm feeling {c} in the {a}",
    "we could use some {c} in the {a}",
    "the {a} feels {c}",
    "it's very {c} in the {a}",
    "bring some {c} to the {a}",
    "i love {c} evenings in the {a}",
)
LITERAL = ("turn the {d} {c}", "set the {d} to {c}", "make the {d} {c}", "change the {d} to {c}")
COLOUR_KEYS = {"rgb_color", "hs_color", "color_temp_kelvin", "xy_color", "color_name"}
COLOUR_LIGHTS = ("floor lamp", "kitchen pendant")


@EXAMPLES
@given(st.data())
def test_a_colour_word_without_a_light_verb_colours_nothing(data: st.DataObject) -> None:
    core = home_core(data.draw(st.sampled_from(("test", "house", "flat"))), None)
    area = data.draw(st.sampled_from([a.name.lower() for a in core.registry.areas.values()]))
    text = data.draw(st.sampled_from(FIGURATIVE)).format(
        c=data.draw(st.sampled_from(COLOURS)), a=area
    )
    decision, _ = core.decide(Request(text), StateStore.from_registry(core.registry))
    for call in (*decision.actions, *decision.pending):
        assert not COLOUR_KEYS & set(call.data), f"{text!r}: {call}"


@EXAMPLES
@given(st.data())
def test_a_colour_said_to_a_colour_light_colours_it(data: st.DataObject) -> None:
    core = home_core("test", None)
    text = data.draw(st.sampled_from(LITERAL)).format(
        d=data.draw(st.sampled_from(COLOUR_LIGHTS)), c=data.draw(st.sampled_from(COLOURS))
    )
    decision, _ = core.decide(Request(text), StateStore.from_registry(core.registry))
    assert decision.actions, f"{text!r}: {decision.reply}"
    assert COLOUR_KEYS & set(decision.actions[0].data), f"{text!r}: {decision.actions}"
