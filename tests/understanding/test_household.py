"""Questions about the weather, the people and the sun of a home as Home Assistant has it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import yaml

from hausgeist.config import load_config_text
from hausgeist.devices import DeviceRegistry, StateStore
from hausgeist.understanding import Request, Status, Understanding

SUNSET = "2025-06-01T19:42:00+00:00"
HOME: dict[str, Any] = {
    "areas": [{"id": "hall", "name": "Hall"}],
    "devices": [
        {"id": "light.hall", "name": "Hall Light", "area": "hall", "state": "off"},
        {
            "id": "weather.home",
            "name": "Home",
            "state": "partlycloudy",
            "attributes": {"temperature": 14.5, "temperature_unit": "°C", "humidity": 71},
        },
        {"id": "person.anna", "name": "Anna", "state": "home"},
        {"id": "person.ben", "name": "Ben", "state": "not_home"},
        {"id": "person.carla", "name": "Carla", "state": "Work"},
        {
            "id": "sun.sun",
            "name": "Sun",
            "state": "below_horizon",
            "attributes": {"next_setting": SUNSET},
        },
    ],
}


def _ask(text: str, home: dict[str, Any] = HOME) -> tuple[Status, str]:
    config = load_config_text(yaml.safe_dump(home))
    registry = DeviceRegistry.from_config(config)
    core = Understanding(registry, config.policy)
    decision, _ = core.decide(Request(text), StateStore.from_registry(registry))
    assert decision.actions == ()
    return decision.status, decision.reply


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("what's the weather", "The weather is partly cloudy, 14.5 °C, humidity 71%."),
        ("how is the weather outside?", "The weather is partly cloudy, 14.5 °C, humidity 71%."),
        ("is anyone home", "Yes, Anna is home."),
        ("who is home", "Anna is home."),
        ("is anna home", "Yes, Anna is home."),
        ("is Ben home", "No, Ben is away."),
        ("is carla home", "No, Carla is at Work."),
        ("is the sun up", "No, the sun is down."),
        ("when is sunset", f"Sunset is at {datetime.fromisoformat(SUNSET).astimezone():%H:%M}."),
        (
            "when does the sun set",
            f"Sunset is at {datetime.fromisoformat(SUNSET).astimezone():%H:%M}.",
        ),
        ("when is sunrise", "I don't know when the next sunrise is."),
    ],
)
def test_answers(text: str, reply: str) -> None:
    assert _ask(text) == (Status.ANSWER, reply)


def test_nobody_home() -> None:
    away = {**HOME, "devices": [d for d in HOME["devices"] if d["id"] != "person.anna"]}
    assert _ask("is anyone home", away) == (Status.ANSWER, "No, nobody is home.")
    assert _ask("who is home", away) == (Status.ANSWER, "Nobody is home.")


def test_a_when_clause_is_still_a_command() -> None:
    config = load_config_text(yaml.safe_dump(HOME))
    registry = DeviceRegistry.from_config(config)
    core = Understanding(registry, config.policy)
    decision, _ = core.decide(
        Request("when anna gets home turn on the hall light"), StateStore.from_registry(registry)
    )
    assert decision.status is not Status.ANSWER, decision.reply


def test_without_people_presence_is_still_read_from_sensors() -> None:
    home = {
        "areas": [{"id": "hall", "name": "Hall"}],
        "devices": [
            {
                "id": "binary_sensor.hall_motion",
                "name": "Hall Motion",
                "area": "hall",
                "device_class": "motion",
                "state": "on",
            }
        ],
    }
    assert _ask("is anyone home", home) == (Status.ANSWER, "Yes, Hall Motion detects someone.")
