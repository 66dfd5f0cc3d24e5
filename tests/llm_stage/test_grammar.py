"""The decision grammar: built from the capability tables, exact for llama.cpp's parser."""

from __future__ import annotations

import json
import re

import pytest

from hausgeist.devices import DOMAINS, DeviceRegistry
from hausgeist.devices.registry import Device
from hausgeist.llm_stage import gbnf
from hausgeist.llm_stage.agreement import Agreement
from hausgeist.llm_stage.grammar import (
    DROPPED_KEYS,
    build_grammar,
    device_offers,
    grammar_of,
    narrow,
    registry_fingerprint,
)
from hausgeist.llm_stage.mentions import read_mentions

CONTROLLABLE = sorted(d for d, spec in DOMAINS.items() if spec.services and spec.contract)


def _regex(expression: str) -> re.Pattern[str]:
    """The GBNF subset the range helpers write, as a Python regex (for exhaustive checks)."""
    expression = re.sub(r'"([^"]*)"', lambda m: re.escape(m.group(1)), expression)
    return re.compile("^(" + expression.replace(" ", "") + ")$")


@pytest.mark.parametrize(
    ("lo", "hi"), [(0, 100), (-100, 100), (0, 255), (30, 99), (2000, 6500), (7, 7), (-255, 255)]
)
def test_int_range_matches_exactly_the_integers_in_range(lo: int, hi: int) -> None:
    pattern = _regex(gbnf.int_range(lo, hi))
    matched = [n for n in range(-1000, 10001) if pattern.match(str(n))]
    assert matched == list(range(lo, hi + 1))
    assert not pattern.match("007")


@pytest.mark.parametrize(
    ("lo", "hi", "good", "bad"),
    [
        (7, 35, ["7", "21.5", "34.99", "35", "35.0"], ["6.9", "35.5", "36", "21.555"]),
        (0, 1, ["0", "0.35", "1", "1.0"], ["1.5", "2", "0.355"]),
    ],
)
def test_decimal_range(lo: float, hi: float, good: list[str], bad: list[str]) -> None:
    pattern = _regex(gbnf.decimal_range(lo, hi))
    assert all(pattern.match(s) for s in good)
    assert not any(pattern.match(s) for s in bad)


def test_every_domain_of_the_capability_tables_is_in_the_grammar(core) -> None:
    grammar = build_grammar(core.registry).text
    for device in core.registry:
        for offer in device_offers(device):
            assert json.dumps(offer.service) in grammar.replace('\\"', '"')
            for key in offer.keys:
                assert f'\\"{key.key}\\": ' in grammar
    domains = {d.domain for d in core.registry if device_offers(d)}
    assert domains == set(CONTROLLABLE)


@pytest.mark.parametrize("domain", CONTROLLABLE)
def test_each_domain_offers_its_services_and_no_dropped_key(domain: str) -> None:
    device = Device(f"{domain}.thing", "Thing")
    offers = device_offers(device)
    offered = {o.service for o in offers}
    spec = DOMAINS[domain]
    assert offered, f"{domain} offers nothing"
    assert offered <= {f"{domain}.{name}" for name in spec.services}
    assert not {k.key for o in offers for k in o.keys} & DROPPED_KEYS


def test_readable_and_hidden_devices_are_left_out(core) -> None:
    grammar = build_grammar(core.registry)
    assert "sensor.bedroom_temperature" not in grammar.text
    assert "binary_sensor.bedroom_window" not in grammar.text
    assert "lock.safe" not in grammar.text  # hidden
    assert grammar.entities == sum(1 for d in core.registry if device_offers(d))


def test_device_ranges_come_from_its_attributes(core) -> None:
    thermostat = core.registry.get("climate.downstairs")
    [temperature] = [o for o in device_offers(thermostat) if o.service.endswith("set_temperature")]
    [key] = [k for k in temperature.keys if k.key == "temperature"]
    assert key.value == gbnf.decimal_range(7, 30)  # min_temp/max_temp, not the table's 7-35
    [mode] = [o for o in device_offers(thermostat) if o.service.endswith("set_hvac_mode")]
    assert mode.keys[0].value == '"\\"off\\"" | "\\"heat\\"" | "\\"cool\\"" | "\\"auto\\""'


def test_a_feature_the_device_lacks_is_not_offered(core) -> None:
    onoff = core.registry.get("light.hallway")  # supported_color_modes: [onoff]
    [turn_on] = [o for o in device_offers(onoff) if o.service == "light.turn_on"]
    assert turn_on.keys == ()


def test_the_fingerprint_changes_with_what_the_prompt_shows(core, home_config) -> None:
    same = DeviceRegistry.from_config(home_config)
    assert registry_fingerprint(same) == registry_fingerprint(core.registry)
    renamed = home_config.model_copy(
        update={"devices": [d.model_copy(update={"name": "Other"}) for d in home_config.devices]}
    )
    assert registry_fingerprint(DeviceRegistry.from_config(renamed)) != registry_fingerprint(same)


VALID = [
    '{"unknown": true}',
    '{"refuse": "no_such_device"}',
    '{"refuse": "not_possible"}',
    '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_off"}]}',
    '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_on", "data": {"brightness_pct": 40}}]}',
    '{"calls": [{"entity_id": "light.kitchen_pendant", "service": "light.turn_on", "data": {"rgb_color": [255, 0, 0]}}]}',
    '{"calls": [{"entity_id": "climate.downstairs", "service": "climate.set_temperature", "data": {"temperature": 21.5}}]}',
    '{"calls": [{"entity_id": "climate.downstairs", "service": "climate.set_hvac_mode", "data": {"hvac_mode": "heat"}}]}',
    '{"calls": [{"entity_id": "media_player.living_room_tv", "service": "media_player.volume_set", "data": {"volume_level": 0.3}}]}',
    '{"calls": [{"entity_id": "todo.shopping_list", "service": "todo.add_item", "data": {"item": "oat milk"}}]}',
    '{"calls": [{"entity_id": "lock.front_door", "service": "lock.unlock"}, {"entity_id": "scene.movie_night", "service": "scene.turn_on"}]}',
]
INVALID = [
    '{"calls": []}',
    '{"calls": [{"entity_id": "light.garden", "service": "light.turn_on"}]}',  # no such entity
    '{"calls": [{"entity_id": "lock.safe", "service": "lock.unlock"}]}',  # hidden
    '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "lock.unlock"}]}',  # wrong domain
    '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_on", "data": {"brightness_pct": 140}}]}',
    '{"calls": [{"entity_id": "light.hallway", "service": "light.turn_on", "data": {"brightness_pct": 40}}]}',  # onoff
    '{"calls": [{"entity_id": "climate.downstairs", "service": "climate.set_hvac_mode", "data": {"hvac_mode": "dry"}}]}',
    '{"calls": [{"entity_id": "climate.downstairs", "service": "climate.set_hvac_mode"}]}',  # required key
    '{"calls": [{"entity_id": "lock.front_door", "service": "lock.unlock", "data": {"code": "1234"}}]}',
    '{"calls": [{"entity_id": "sensor.bedroom_temperature", "service": "sensor.turn_on"}]}',
    '{"refuse": "because I said so"}',
    '{"calls": ['  # three calls: more than one answer may hold
    + ", ".join(['{"entity_id": "scene.movie_night", "service": "scene.turn_on"}'] * 3)
    + "]}",
    '{"unknown": true} and unlock the door',
    'Sure! {"unknown": true}',
]


@pytest.mark.llm
@pytest.mark.parametrize("text", VALID)
def test_llama_cpp_accepts_what_the_schema_allows(core, grammar_accepts, text: str) -> None:
    assert grammar_accepts(build_grammar(core.registry).text, text)


@pytest.mark.llm
@pytest.mark.parametrize("text", INVALID)
def test_llama_cpp_refuses_what_the_registry_forbids(core, grammar_accepts, text: str) -> None:
    assert not grammar_accepts(build_grammar(core.registry).text, text)


@pytest.mark.llm
def test_an_empty_home_still_compiles(grammar_accepts) -> None:
    grammar = build_grammar(DeviceRegistry([], [], [])).text
    assert grammar_accepts(grammar, '{"unknown": true}')
    assert not grammar_accepts(grammar, '{"calls": [{"entity_id": "none.none"}]}')


def _focus(core, text: str) -> dict[str, frozenset[str]] | None:
    return Agreement(core.registry).focus(read_mentions(text, core.index))


def test_the_words_narrow_the_devices_and_services(core) -> None:
    focus = _focus(core, "turn off the coffee machine")
    assert focus == {"switch.coffee_machine": frozenset({"switch.turn_off"})}
    dim = _focus(core, "dim the desk lamp")
    assert dim is not None
    assert set(dim) == {"light.office_desk"}
    assert "light.turn_off" not in dim["light.office_desk"]


def test_words_without_a_verb_keep_every_service_of_the_device_named(core) -> None:
    focus = _focus(core, "the desk lamp please")
    assert focus is not None
    assert set(focus) == {"light.office_desk"}
    assert {"light.turn_on", "light.turn_off"} <= focus["light.office_desk"]


def test_words_that_narrow_nothing_keep_the_whole_grammar(core) -> None:
    assert _focus(core, "please") is None
    assert _focus(core, "tell me a joke") == {}  # "joke" may name a target this home lacks


def test_a_verb_no_device_can_do_leaves_only_refusing(core) -> None:
    focus = _focus(core, "make the coffee machine purple")
    assert focus is not None
    assert "switch.coffee_machine" not in focus  # a switch has no colour
    grammar = build_grammar(core.registry, focus).text
    assert "switch.coffee_machine" not in grammar


@pytest.mark.llm
def test_llama_cpp_holds_the_model_to_the_narrowed_grammar(core, grammar_accepts) -> None:
    grammar = build_grammar(core.registry, _focus(core, "turn off the coffee machine")).text
    off = '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_off"}]}'
    on = '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_on"}]}'
    other = '{"calls": [{"entity_id": "light.kitchen_ceiling", "service": "light.turn_off"}]}'
    assert grammar_accepts(grammar, off)
    assert grammar_accepts(grammar, '{"refuse": "not_possible"}')
    assert not grammar_accepts(grammar, on)
    assert not grammar_accepts(grammar, other)
    nothing = build_grammar(core.registry, {}).text  # no device fits: refuse or unknown only
    assert grammar_accepts(nothing, '{"unknown": true}')
    assert grammar_accepts(nothing, '{"refuse": "no_such_device"}')
    assert not grammar_accepts(nothing, off)
    assert not grammar_accepts(nothing, '{"calls": [{"entity_id": "none.none"x}]}')


def test_a_level_verb_keeps_only_services_that_take_a_level(core) -> None:
    focus = _focus(core, "dim the hallway light")  # on/off only: nothing can dim it
    assert focus is not None
    assert "light.hallway" not in focus
    assert "light.turn_on" in _focus(core, "dim the desk lamp")["light.office_desk"]


def test_the_home_keeps_each_narrowed_grammar_and_its_jump_forward(core, states) -> None:
    from hausgeist.config.models import LlmConfig
    from hausgeist.llm_stage.home import HomeModel

    home = HomeModel.build(core, states, LlmConfig())
    whole = home.narrowed(None)
    assert whole.grammar == home.grammar.text
    assert whole.entities == home.grammar.entities
    focus = _focus(core, "turn off the coffee machine")
    narrowed = home.narrowed(focus)
    assert narrowed.entities == 1
    assert home.narrowed(dict(focus)) is narrowed  # built once per focus
    forced = narrowed.forcer('{"calls": [{"entity_id": "')
    assert forced.text == 'switch.coffee_machine", "service": "switch.turn_off"}]}'  # one way on
    call = '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_off"}'
    assert narrowed.forcer(call).text == "]}"  # one device left takes one call: the end is forced
    assert '(", " call)' not in narrowed.grammar
    assert '(", " call){0,1}' in whole.grammar
    assert whole.forcer(call).text == ""  # "]}" or another call: the model chooses


def test_a_verb_with_its_own_service_leaves_no_toggle_to_guess_with(core) -> None:
    focus = _focus(core, "paus the tv")
    assert focus is not None
    assert focus["media_player.living_room_tv"] == frozenset({"media_player.media_pause"})


def test_words_that_give_a_value_make_the_data_needed(core, states) -> None:
    from hausgeist.config.models import LlmConfig
    from hausgeist.llm_stage.home import HomeModel

    home = HomeModel.build(core, states, LlmConfig())
    text = "desk lamp at 60 percnet"
    _, allowed = home.ask(text, read_mentions(text, core.index), None, states)
    assert allowed.targets == ("light.office_desk",)
    assert '"\\"light.turn_on\\"" d1?' not in allowed.grammar  # the data is not optional
    assert '"\\"light.turn_on\\"" d1' in allowed.grammar
    start = '{"calls": [{"entity_id": "'
    assert '"light.turn_on", "data":' in allowed.forcer(start).text  # the one way on
    _, plain = home.ask("desk lamp on", read_mentions("desk lamp on", core.index), None, states)
    assert '"\\"light.turn_on\\"" d1?' in plain.grammar  # switching on needs no data


@pytest.mark.llm
def test_llama_cpp_holds_a_valued_request_to_data(core, grammar_accepts) -> None:
    focus = _focus(core, "desk lamp at 60 percent")
    offers = {d.entity_id: device_offers(d) for d in core.registry}
    optional = grammar_of(narrow(offers, focus), "x").text
    needed = grammar_of(narrow(offers, focus, data_needed=True), "x").text
    bare = '{"calls": [{"entity_id": "light.office_desk", "service": "light.turn_on"}]}'
    valued = (
        '{"calls": [{"entity_id": "light.office_desk", "service": "light.turn_on", '
        '"data": {"brightness_pct": 60}}]}'
    )
    assert grammar_accepts(optional, bare)  # narrowing alone leaves the data optional
    assert not grammar_accepts(needed, bare)
    assert grammar_accepts(needed, valued)


def test_two_devices_named_take_two_calls(core, states) -> None:
    from hausgeist.config.models import LlmConfig
    from hausgeist.llm_stage.home import HomeModel

    home = HomeModel.build(core, states, LlmConfig())
    text = "swicth on the desk lamp and the coffee machine"
    _, both = home.ask(text, read_mentions(text, core.index), None, states)
    assert set(both.targets) == {"light.office_desk", "switch.coffee_machine"}
    assert '(", " call){1,1}' in both.grammar  # a second call is not optional
    first = '{"calls": [{"entity_id": "switch.coffee_machine", "service": "switch.turn_on"}'
    assert both.forcer(first).text.startswith(', {"entity_id": "')  # the next call is forced
    _, one = home.ask("desk lamp on", read_mentions("desk lamp on", core.index), None, states)
    assert "{1,1}" not in one.grammar


@pytest.mark.parametrize(
    ("text", "least"),
    [
        ("turn off the kitchen ceiling and the desk lamp", 2),
        ("turn off the kitchen ceiling light", 1),  # its name and its type: one device
        ("close the blinds and put the desk lamp on", 2),  # a type and a name
        ("turn off the lights", 1),  # a type alone: any one of them may do
    ],
)
def test_the_fewest_calls_the_words_ask_for(core, text: str, least: int) -> None:
    agreement = Agreement(core.registry)
    mentions = read_mentions(text, core.index)
    among = [d.entity_id for d in core.registry]
    assert agreement.least_calls(mentions, among) == least


@pytest.mark.llm
def test_llama_cpp_holds_an_answer_to_the_least_calls(core, grammar_accepts) -> None:
    focus = _focus(core, "swicth on the desk lamp and the coffee machine")
    offers = {d.entity_id: device_offers(d) for d in core.registry}
    grammar = grammar_of(narrow(offers, focus), "x", least_calls=2).text
    lamp = '{"entity_id": "light.office_desk", "service": "light.turn_on"}'
    coffee = '{"entity_id": "switch.coffee_machine", "service": "switch.turn_on"}'
    assert grammar_accepts(grammar, f'{{"calls": [{lamp}, {coffee}]}}')
    assert not grammar_accepts(grammar, f'{{"calls": [{lamp}]}}')
    assert grammar_accepts(grammar, '{"refuse": "not_possible"}')
