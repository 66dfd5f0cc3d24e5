"""Properties of lists, players by place and named-only devices (issue 14, written before the
fix: with several to-do lists "we need bread" asked which list, a room's words did not bind
its player in every phrasing, "turn on the hall" switched on the hall's siren).

Over generated homes (lists with names drawn from what households call them, players in
rooms, a siren beside the lights): an item said with a list's name goes to that list and no
other; a shopping idiom goes to the one shopping list, or asks where there is none or
several; a player said by its room's words is that room's; a siren is switched only when it
is named."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Request, Status, Understanding

EXAMPLES = settings(max_examples=200, deadline=None, derandomize=True, database=None)

LIST_NAMES = ("Shopping List", "Groceries", "Hardware Store", "Chores", "Packing", "Gift Ideas")
SHOPPING = {"Shopping List", "Groceries"}
ITEMS = ("bread", "oat milk", "screws", "sellotape", "dog food", "light bulbs")
AREAS = ("Kitchen", "Garden", "Office", "Living Room", "Bedroom")


def _core(config: dict[str, Any]) -> tuple[Understanding, StateStore]:
    loaded = load_config_text(yaml.safe_dump(config, sort_keys=False))
    registry = DeviceRegistry.from_config(loaded)
    return Understanding(registry, loaded.policy), StateStore.from_registry(registry)


def _slug(name: str) -> str:
    return name.lower().replace(" ", "_")


def _lists_home(names: list[str]) -> tuple[Understanding, StateStore]:
    return _core(
        {
            "areas": [{"id": "kitchen", "name": "Kitchen"}],
            "devices": [
                *({"id": f"todo.{_slug(n)}", "name": n} for n in names),
                {"id": "light.kitchen", "name": "Kitchen Light", "area": "kitchen"},
            ],
        }
    )


@EXAMPLES
@given(
    st.lists(st.sampled_from(LIST_NAMES), min_size=2, max_size=5, unique=True),
    st.data(),
)
def test_an_item_goes_to_the_list_named(names: list[str], data: st.DataObject) -> None:
    core, states = _lists_home(names)
    name = data.draw(st.sampled_from(names))
    item = data.draw(st.sampled_from(ITEMS))
    phrase = data.draw(
        st.sampled_from(("add {i} to the {n}", "put {i} on the {n} list", "add {i} to my {n}"))
    )
    text = phrase.format(i=item, n=name.lower().removesuffix(" list"))
    decision, _ = core.decide(Request(text), states)
    assert decision.status is Status.DONE, (text, decision.reply)
    assert [(a.service, a.entity_id) for a in decision.actions] == [
        ("todo.add_item", f"todo.{_slug(name)}")
    ], text
    assert decision.actions[0].data["item"] == item


@EXAMPLES
@given(
    st.lists(st.sampled_from(LIST_NAMES), min_size=2, max_size=5, unique=True),
    st.data(),
)
def test_a_shopping_idiom_goes_to_the_one_shopping_list(
    names: list[str], data: st.DataObject
) -> None:
    core, states = _lists_home(names)
    item = data.draw(st.sampled_from(ITEMS))
    text = data.draw(st.sampled_from(("we need {i}", "we're out of {i}", "we ran out of {i}")))
    decision, _ = core.decide(Request(text.format(i=item)), states)
    shops = [n for n in names if n in SHOPPING]
    if len(shops) == 1:
        assert [a.entity_id for a in decision.actions] == [f"todo.{_slug(shops[0])}"], text
    else:
        assert decision.status is Status.CLARIFY, (text, decision.reply)
        assert decision.actions == ()


@EXAMPLES
@given(st.lists(st.sampled_from(AREAS), min_size=2, max_size=5, unique=True), st.data())
def test_a_player_said_by_its_room_is_that_rooms(areas: list[str], data: st.DataObject) -> None:
    core, states = _core(
        {
            "areas": [{"id": _slug(a), "name": a} for a in areas],
            "devices": [
                {
                    "id": f"media_player.{_slug(a)}",
                    "name": f"Speaker {i}",
                    "area": _slug(a),
                    "device_class": "speaker",
                    "state": "playing",
                    "attributes": {"volume_level": 0.5},
                }
                for i, a in enumerate(areas)
            ],
        }
    )
    area = data.draw(st.sampled_from(areas))
    phrase = data.draw(
        st.sampled_from(
            (
                "pause the music in the {a}",
                "stop the music in the {a}",
                "turn the music down in the {a}",
                "{a} music off",
                "play music in the {a}",
            )
        )
    )
    text = phrase.format(a=area.lower())
    decision, _ = core.decide(Request(text), states)
    assert decision.status is Status.DONE, (text, decision.reply)
    assert {a.entity_id for a in decision.actions} == {f"media_player.{_slug(area)}"}, text


@EXAMPLES
@given(st.data())
def test_a_siren_is_switched_only_where_named(data: st.DataObject) -> None:
    lights = data.draw(st.booleans())
    core, states = _core(
        {
            "areas": [{"id": "hall", "name": "Hall"}, {"id": "kitchen", "name": "Kitchen"}],
            "devices": [
                {"id": "siren.hall", "name": "Hall Siren", "area": "hall", "state": "off"},
                {"id": "light.kitchen", "name": "Kitchen Light", "area": "kitchen"},
                *([{"id": "light.hall", "name": "Hall Light", "area": "hall"}] if lights else []),
            ],
        }
    )
    text = data.draw(
        st.sampled_from(("turn on the hall", "switch the hall on", "turn everything on", "on"))
    )
    area = data.draw(st.sampled_from((None, "hall")))
    decision, _ = core.decide(Request(text, area), states)
    assert "siren.hall" not in {a.entity_id for a in decision.actions}, (text, decision.reply)
    named, _ = core.decide(Request("turn on the hall siren"), states)
    assert [a.entity_id for a in named.actions] == ["siren.hall"]
