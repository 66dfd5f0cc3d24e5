"""A home as Home Assistant has it: entities of domains outside hausgeist's contract (weather,
person, sun, button, ...) load, and ``check`` notes the ones kept only for questions; a
domain that is not Home Assistant's at all is still refused with a suggestion."""

from __future__ import annotations

import pytest

from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry
from hausgeist.errors import ConfigError

HOME_ASSISTANT_HOME = """
areas:
  - {id: hall, name: Hall}
devices:
  - {id: light.hall, name: Hall Light, area: hall}
  - id: weather.home
    name: Home
    state: sunny
    attributes: {temperature: 14.5, temperature_unit: "°C", humidity: 71}
  - {id: person.anna, name: Anna, state: home}
  - {id: person.ben, name: Ben, state: not_home}
  - {id: sun.sun, name: Sun, state: above_horizon, attributes: {next_setting: "2025-06-01T19:42:00+00:00"}}
  - {id: device_tracker.anna_phone, name: Anna's Phone, state: home}
  - {id: button.doorbell_chime, name: Doorbell Chime, area: hall, device_class: identify}
  - {id: number.fan_speed, name: Fan Speed Level, attributes: {min: 0, max: 5, step: 1}}
  - {id: select.heating_program, name: Heating Program, state: Comfort, attributes: {options: [Comfort, Eco, "Off"]}}
  - {id: input_number.target_level, name: Target Level, attributes: {min: 10, max: 30}}
  - {id: input_select.house_mode, name: House Mode, attributes: {options: [Home, Away, Night]}}
  - {id: input_text.greeting, name: Greeting}
  - {id: input_button.reset_filters, name: Reset Filters}
  - {id: siren.hall, name: Hall Siren, area: hall}
  - {id: counter.visitors, name: Visitors, state: "3"}
  - {id: timer.laundry, name: Laundry Timer, state: idle}
  - {id: calendar.family, name: Family Calendar}
  - {id: camera.porch, name: Porch Camera}
  - {id: update.router, name: Router Firmware, device_class: firmware}
  - {id: zone.home, name: Home Zone}
  - {id: event.doorbell, name: Doorbell, device_class: doorbell}
  - {id: automation.night_lights, name: Night Lights Automation, state: "on"}
  - {id: group.downstairs, name: Downstairs}
"""


def test_a_home_assistant_home_loads() -> None:
    config = load_config_text(HOME_ASSISTANT_HOME)
    registry = DeviceRegistry.from_config(config)
    assert {"weather.home", "person.anna", "sun.sun", "button.doorbell_chime"} <= set(
        registry.devices
    )


@pytest.mark.parametrize(
    ("entity_id", "hint"),
    [
        ("wether.home", "did you mean 'weather'?"),
        ("lights.kitchen", "did you mean 'light'?"),
        ("teleporter.hall", "known domains: "),
    ],
)
def test_a_domain_home_assistant_does_not_have_is_refused(entity_id: str, hint: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config_text(f"devices:\n  - {{id: {entity_id}, name: Thing}}\n")
    [problem] = caught.value.problems
    domain = entity_id.split(".", maxsplit=1)[0]
    assert f"unknown domain '{domain}'" in problem.message
    assert problem.hint is not None
    assert hint in problem.hint
