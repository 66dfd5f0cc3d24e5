"""Home Assistant as hausgeist's device backend, against a real core (issue 16): the registry
comes from it (areas with aliases, entity aliases, only what Assist sees), requests act
through its services and read its states, its errors are answered, a bad token or URL is
said plainly, and a dropped connection is made again."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from benchmarks.ha_core import HomeAssistant, home_config
from hausgeist.commands.common import with_homeassistant
from hausgeist.devices.actions import ServiceCall
from hausgeist.errors import IntegrationError
from hausgeist.integration.homeassistant.dispatch import HomeAssistantDispatcher
from hausgeist.integration.homeassistant.link import HomeAssistantLink

ROOT = Path(__file__).parents[2]


def _config(tmp_path: Path, ha: HomeAssistant, **extra: Any) -> Path:
    return home_config(tmp_path / "home.yaml", ha, **extra)


def _state(ha: HomeAssistant, entity_id: str) -> str:
    with HomeAssistantLink.open(ha.url, ha.token) as link:
        states = link.command({"type": "get_states"})
    return next(s["state"] for s in states if s["entity_id"] == entity_id)


def _ask(tmp_path: Path, config: Path, *args: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    env["HAUSGEIST_DATA_DIR"] = str(tmp_path / "data")
    env["HAUSGEIST_LLM__ENABLED"] = "false"
    run = subprocess.run(
        [sys.executable, "-m", "hausgeist", "ask", "--config", str(config), "--json", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout.splitlines()[-1]))


def test_the_registry_comes_from_home_assistant(
    homeassistant: HomeAssistant, tmp_path: Path
) -> None:
    path = _config(tmp_path, homeassistant)
    config, link = with_homeassistant(path)
    link.close()
    devices = {d.id: d for d in config.devices}
    assert {a.id: (a.name, a.aliases) for a in config.areas} == {
        "kitchen": ("Kitchen", []),
        "living_room": ("Living Room", ["lounge"]),
        "bedroom": ("Bedroom", []),
    }
    assert devices["light.kitchen_ceiling"].area == "kitchen"
    assert devices["light.kitchen_ceiling"].name == "Kitchen Ceiling"
    assert devices["light.living_room_lamp"].aliases == ["big lamp", "floor lamp"]
    assert devices["sensor.living_room_temperature"].device_class == "temperature"
    assert devices["sensor.living_room_temperature"].state == "21.5"
    assert "input_boolean.guest_mode" in devices  # exposed by the user
    assert "light.garage_light" not in devices  # hidden from Assist by the user
    assert not any(d.startswith("input_number.") for d in devices)  # Assist does not see them
    assert not any(d.startswith("input_boolean.kitchen") for d in devices)


def test_config_devices_add_to_and_override_home_assistants(
    homeassistant: HomeAssistant, tmp_path: Path
) -> None:
    path = _config(
        tmp_path,
        homeassistant,
        homeassistant={
            "url": homeassistant.url,
            "token": homeassistant.token,
            "exposed_only": False,
        },
        devices=[{"id": "light.kitchen_ceiling", "name": "Big Kitchen Light", "area": "kitchen"}],
    )
    config, link = with_homeassistant(path)
    link.close()
    devices = {d.id: d for d in config.devices}
    assert devices["light.kitchen_ceiling"].name == "Big Kitchen Light"
    assert "light.garage_light" in devices  # exposed_only: false
    assert "input_number.setting_42" in devices


def test_a_request_acts_through_home_assistant(
    homeassistant: HomeAssistant, tmp_path: Path
) -> None:
    path = _config(tmp_path, homeassistant)
    answer = _ask(tmp_path, path, "turn on the kitchen ceiling")
    assert answer["status"] == "done", answer
    assert answer["actions"] == [
        {"service": "light.turn_on", "entity_id": "light.kitchen_ceiling", "data": {}}
    ]
    assert _state(homeassistant, "light.kitchen_ceiling") == "on"
    lamp = _ask(tmp_path, path, "switch on the big lamp in the lounge")
    assert lamp["actions"][0]["entity_id"] == "light.living_room_lamp"
    assert _state(homeassistant, "light.living_room_lamp") == "on"
    question = _ask(tmp_path, path, "is the kitchen ceiling on")
    assert question["status"] == "answer"
    assert question["reply"].startswith("Yes")
    off = _ask(tmp_path, path, "turn off the garage light")
    assert off["status"] != "done"  # Assist does not see it: neither does hausgeist
    assert _state(homeassistant, "light.garage_light") == "off"


def test_home_assistants_error_is_the_reason(homeassistant: HomeAssistant) -> None:
    with HomeAssistantLink.open(homeassistant.url, homeassistant.token) as link:
        dispatcher = HomeAssistantDispatcher(link)
        with pytest.raises(IntegrationError) as refused:
            dispatcher.dispatch(
                [
                    ServiceCall(
                        service="light.turn_on",
                        entity_id="light.kitchen_ceiling",
                        data={"brightness_pct": 500},
                    )
                ]
            )
    assert "Home Assistant refused light.turn_on on light.kitchen_ceiling" in str(refused.value)
    assert "brightness_pct" in str(refused.value)  # its own words


def test_state_changes_arrive(homeassistant: HomeAssistant) -> None:
    seen: list[tuple[str, str | None]] = []
    with HomeAssistantLink.open(homeassistant.url, homeassistant.token) as link:
        link.on_state(lambda entity_id, state, _a: seen.append((entity_id, state)))
        link.call_service(ServiceCall(service="switch.turn_on", entity_id="switch.coffee_machine"))
        deadline = time.monotonic() + 10
        while ("switch.coffee_machine", "on") not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    assert ("switch.coffee_machine", "on") in seen


def test_a_bad_token_and_a_wrong_url_are_said_plainly(homeassistant: HomeAssistant) -> None:
    with pytest.raises(IntegrationError, match="refused the token") as bad:
        HomeAssistantLink.open(homeassistant.url, "not-a-token")
    assert "long-lived access token" in str(bad.value)
    with pytest.raises(IntegrationError, match="cannot reach Home Assistant"):
        HomeAssistantLink.open("ws://127.0.0.1:9/api/websocket", "x", timeout_s=2)


def test_a_dropped_connection_is_made_again(
    homeassistant: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[tuple[str, str | None]] = []
    with HomeAssistantLink.open(homeassistant.url, homeassistant.token) as link:
        link.on_state(lambda entity_id, state, _a: seen.append((entity_id, state)))
        homeassistant.stop()
        homeassistant.start()  # a new core: its token too
        link._token = homeassistant.token
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                link.call_service(
                    ServiceCall(service="light.turn_on", entity_id="light.bedroom_lamp")
                )
                break
            except IntegrationError:
                time.sleep(0.5)
        else:
            pytest.fail("the link did not connect again")
        deadline = time.monotonic() + 10
        while ("light.bedroom_lamp", "on") not in seen and time.monotonic() < deadline:
            time.sleep(0.05)
    assert ("light.bedroom_lamp", "on") in seen  # the subscription was renewed
    assert any("connecting again" in r.getMessage() for r in caplog.records)


def test_a_revoked_token_is_said_and_not_tried_again(homeassistant: HomeAssistant) -> None:
    own = homeassistant._login()
    link = HomeAssistantLink.open(homeassistant.url, own)
    try:
        tokens = link.command({"type": "auth/refresh_tokens"})
        [current] = [t for t in tokens if t.get("is_current")]
        with contextlib.suppress(IntegrationError):  # the connection drops as it is revoked
            link.command({"type": "auth/delete_refresh_token", "refresh_token_id": current["id"]})
        deadline = time.monotonic() + 20
        said = ""
        while time.monotonic() < deadline:
            try:
                link.call_service(
                    ServiceCall(service="light.turn_on", entity_id="light.bedroom_lamp")
                )
            except IntegrationError as exc:
                said = str(exc)
                if "refused the token" in said:
                    break
            time.sleep(0.3)
        assert "refused the token" in said, said
    finally:
        link.close()
