"""The model's calls must agree with what the core reads in the words (agreement_cases.yaml)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from hausgeist.config import load_config
from hausgeist.devices.actions import ServiceCall
from hausgeist.devices.registry import DeviceRegistry
from hausgeist.llm_stage.agreement import Agreement
from hausgeist.llm_stage.mentions import read_mentions
from hausgeist.understanding import Understanding
from hausgeist.understanding.intents import Action, Intent
from hausgeist.understanding.sessions import PendingClarify

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "agreement_cases.yaml").read_text(encoding="utf-8")
)


def _call(text: str) -> ServiceCall:
    service, entity_id, *data = text.split(" ", 2)
    return ServiceCall(
        service=service, entity_id=entity_id, data=json.loads(data[0]) if data else {}
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c['text']}->{c['calls'][0]}" for c in CASES])
def test_case(core, case: dict[str, Any]) -> None:
    mentions = read_mentions(case["text"], core.index)
    reason = Agreement(core.registry).disagreement(
        [_call(c) for c in case["calls"]], mentions, case.get("area")
    )
    if "reject" in case:
        assert reason is not None, "accepted"
        assert case["reject"] in reason
    else:
        assert reason is None


@pytest.mark.parametrize(
    ("text", "reason", "refused"),
    [
        ("turn on the sauna in the attic", "no_such_device", False),
        ("turn on the pool lights", "no_such_device", False),
        ("tunr on the hot tub", "no_such_device", False),  # the thing named ends the words
        ("open the pool cover", "no_such_device", False),
        ("open the garden gate", "no_such_device", False),  # no gate at all in this home
        ("open the garage door", "no_such_device", True),  # the garage door is a cover here
        ("set the kitchen ceiling to 40 percnet", "no_such_device", True),
        ("it is like a sauna in here, cool it down", "no_such_device", True),
        ("turn on the coffee machine", "no_such_device", True),
        ("turn on the coffee machine", "not_possible", True),
        ("make the hallway light red", "not_possible", False),
        ("dim the hallway light", "not_possible", False),  # on/off only: it cannot dim
        ("dim the desk lamp", "not_possible", True),
        ("sing me a song about cheese", "not_possible", True),
    ],
)
def test_refusals(core, text: str, reason: str, refused: bool) -> None:
    mentions = read_mentions(text, core.index)
    assert (Agreement(core.registry).refusal_disagreement(reason, mentions) is not None) is refused


def test_an_answer_to_which_one_uses_its_action_and_candidates(core) -> None:
    clarify = PendingClarify(
        Intent(Action.OFF), ("light.living_room_ceiling", "light.bedroom_ceiling")
    )
    mentions = read_mentions("the bedroom one", core.index).within(clarify)
    agreement = Agreement(core.registry)
    good = [ServiceCall(service="light.turn_off", entity_id="light.bedroom_ceiling")]
    assert agreement.disagreement(good, mentions, None) is None
    flipped = [ServiceCall(service="light.turn_on", entity_id="light.bedroom_ceiling")]
    assert "the words ask to off" in (agreement.disagreement(flipped, mentions, None) or "")
    other = [ServiceCall(service="light.turn_off", entity_id="light.hallway")]
    assert "not one of the devices just offered" in (
        agreement.disagreement(other, mentions, None) or ""
    )


def _home(tmp_path: Path, areas: str, devices: str) -> Understanding:
    """The core of a small home written for one test (YAML flow lists)."""
    home = tmp_path / "home.yaml"
    home.write_text(f"areas: {areas}\ndevices: {devices}\n", encoding="utf-8")
    config = load_config(home)
    return Understanding(DeviceRegistry.from_config(config), config.policy)


def test_a_name_said_in_the_plural_is_the_rooms_lights(tmp_path: Path) -> None:
    core = _home(
        tmp_path,
        "[{id: kitchen, name: Kitchen}]",
        "[{id: light.kitchen, name: Kitchen Light, area: kitchen},"
        " {id: light.counter, name: Counter Lights, area: kitchen}]",
    )
    agreement = Agreement(core.registry)
    plural = read_mentions("switch off the kitchen lights", core.index)
    one = [ServiceCall(service="light.turn_off", entity_id="light.kitchen")]
    both = [*one, ServiceCall(service="light.turn_off", entity_id="light.counter")]
    assert "a guess among 2" in (agreement.disagreement(one, plural, None) or "")
    assert agreement.disagreement(both, plural, None) is None
    single = read_mentions("switch off the kitchen light", core.index)
    assert agreement.disagreement(one, single, None) is None


def test_a_word_of_a_name_in_a_thing_the_home_lacks_names_nothing(tmp_path: Path) -> None:
    core = _home(
        tmp_path,
        "[{id: garage, name: Garage}]",
        "[{id: water_heater.boiler, name: Boiler, aliases: [hot water], area: garage,"
        " attributes: {operation_list: [eco, 'off']}}]",
    )
    agreement = Agreement(core.registry)
    on = [ServiceCall(service="water_heater.turn_on", entity_id="water_heater.boiler")]
    tub = read_mentions("tunr on the hot tub", core.index)
    assert tub.unknown_names == ("tub",)
    assert agreement.focus(tub) == {}  # only a refusal is left
    assert "does not have: tub" in (agreement.disagreement(on, tub, None) or "")
    assert agreement.refusal_disagreement("no_such_device", tub) is None
    water = read_mentions("tunr on the hot water", core.index)
    assert agreement.disagreement(on, water, None) is None
