"""A real Home Assistant core for the tests and benchmarks (scripts/install-homeassistant puts it
in .ha/):
its own configuration directory with template lights, a switch, sensors and a hundred
entities Assist does not see, a user and an access token got without a browser, and areas,
aliases and exposure set over its own WebSocket API."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]
HA_PYTHON = ROOT / ".ha" / "bin" / "python"
USER, PASSWORD = "hausgeist", "test-password-1"


def _template_light(object_id: str, name: str) -> dict[str, Any]:
    power = f"input_boolean.{object_id}_power"
    return {
        "unique_id": object_id,
        "friendly_name": name,
        "value_template": f"{{{{ is_state('{power}', 'on') }}}}",
        "turn_on": {"service": "input_boolean.turn_on", "target": {"entity_id": power}},
        "turn_off": {"service": "input_boolean.turn_off", "target": {"entity_id": power}},
    }


LIGHTS = {
    "kitchen_ceiling": "Kitchen Ceiling",
    "living_room_lamp": "Living Room Lamp",
    "bedroom_lamp": "Bedroom Lamp",
    "garage_light": "Garage Light",
}


_FIRST = (
    "alder",
    "bellamy",
    "corwin",
    "delacroix",
    "ellery",
    "fenwick",
    "galloway",
    "hollis",
    "ingram",
    "jessop",
    "kendrick",
    "lowell",
    "merritt",
    "norwood",
    "osgood",
    "prescott",
    "quimby",
    "radley",
    "sutton",
    "thackeray",
)
_SECOND = (
    "arch",
    "beam",
    "corner",
    "desk",
    "easel",
    "frame",
    "gable",
    "hatch",
    "inlet",
    "jamb",
    "knoll",
    "ledge",
    "mantel",
    "nook",
    "oriel",
    "porch",
    "quay",
    "rail",
    "shelf",
    "tower",
)


def extra_name(i: int) -> str:
    """The name of extra light ``i``: two words, no number ("Amber Beam Light")."""
    return f"{_FIRST[i % 20].title()} {_SECOND[(i // 20) % 20].title()} Light"


def configuration(port: int, extra_lights: int = 0) -> dict[str, Any]:
    """configuration.yaml of the test home (with ``extra_lights`` more template lights)."""
    lights = dict(LIGHTS) | {f"light_{i}": extra_name(i) for i in range(extra_lights)}
    powers = {f"{k}_power": {"name": f"{v} power"} for k, v in lights.items()}
    powers["coffee_machine_power"] = {"name": "Coffee machine power"}
    powers["guest_mode"] = {"name": "Guest Mode"}
    return {
        "homeassistant": {
            "name": "Test Home",
            "latitude": 52.52,
            "longitude": 13.4,
            "elevation": 34,
            "unit_system": "metric",
            "time_zone": "Europe/Berlin",
            "currency": "EUR",
            "country": "DE",
        },
        "http": {"server_host": "127.0.0.1", "server_port": port},
        "api": {},
        "websocket_api": {},
        "config": {},
        "input_boolean": powers,
        "input_number": {
            f"setting_{i}": {"name": f"Setting {i}", "min": 0, "max": 100} for i in range(100)
        },
        "light": [
            {
                "platform": "template",
                "lights": {k: _template_light(k, v) for k, v in lights.items()},
            }
        ],
        "switch": [
            {
                "platform": "template",
                "switches": {"coffee_machine": _template_light("coffee_machine", "Coffee Machine")},
            }
        ],
        "template": [
            {
                "sensor": [
                    {
                        "name": "Living Room Temperature",
                        "unique_id": "living_room_temperature",
                        "state": "21.5",
                        "unit_of_measurement": "°C",
                        "device_class": "temperature",
                    }
                ]
            }
        ],
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class HomeAssistant:
    """A running Home Assistant core."""

    directory: Path
    port: int
    extra_lights: int = 0
    process: subprocess.Popen[bytes] | None = None
    token: str = ""

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/websocket"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        import yaml

        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "configuration.yaml").write_text(
            yaml.safe_dump(configuration(self.port, self.extra_lights), sort_keys=False),
            encoding="utf-8",
        )
        subprocess.run(
            [
                str(HA_PYTHON),
                "-m",
                "homeassistant",
                "--script",
                "auth",
                "-c",
                str(self.directory),
                "add",
                USER,
                PASSWORD,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        log = (self.directory / "run.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(HA_PYTHON),
                "-m",
                "homeassistant",
                "-c",
                str(self.directory),
                "--skip-pip",
                "--log-no-color",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Home Assistant exited: see {self.directory / 'run.log'}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("Home Assistant did not open its port within 120 s")
        self._wait_for_api()

    def _wait_for_api(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.token = self._login()
            except (OSError, KeyError, ValueError):
                time.sleep(0.5)
            else:
                self._wait_running()
                return
        raise RuntimeError("Home Assistant's login did not answer")

    def _wait_running(self) -> None:
        """Until Home Assistant says it has started (its platforms set up, entities made)."""
        from hausgeist.integration.homeassistant.link import HomeAssistantLink

        deadline = time.monotonic() + 120
        with HomeAssistantLink.open(self.url, self.token) as link:
            while time.monotonic() < deadline:
                if link.command({"type": "get_config"}).get("state") == "RUNNING":
                    return
                time.sleep(0.2)
        raise RuntimeError("Home Assistant did not finish starting within 120 s")

    def _post(self, path: str, body: dict[str, Any], *, form: bool = False) -> Any:
        data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
        kind = "application/x-www-form-urlencoded" if form else "application/json"
        request = urllib.request.Request(
            self.http + path, data=data, headers={"Content-Type": kind}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def _login(self) -> str:
        client = self.http + "/"
        flow = self._post(
            "/auth/login_flow",
            {"client_id": client, "handler": ["homeassistant", None], "redirect_uri": client},
        )
        done = self._post(
            f"/auth/login_flow/{flow['flow_id']}",
            {"client_id": client, "username": USER, "password": PASSWORD},
        )
        token = self._post(
            "/auth/token",
            {"grant_type": "authorization_code", "code": done["result"], "client_id": client},
            form=True,
        )
        return str(token["access_token"])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)


def hausgeist_process(args: list[str], data_dir: Path) -> subprocess.Popen[bytes]:
    """``hausgeist ARGS`` as its own process, with its own data directory and none of this
    process's HAUSGEIST_* settings (its stdout dropped, its stderr kept for a failure)."""
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("HAUSGEIST_")}
    env["HAUSGEIST_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        [sys.executable, "-m", "hausgeist", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_port(port: int, process: subprocess.Popen[bytes], within: float = 60) -> None:
    """Until ``process`` listens on ``port``; RuntimeError with its stderr if it exits."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
        except OSError:
            if process.poll() is not None:
                said = process.stderr.read().decode(errors="replace") if process.stderr else ""
                raise RuntimeError(f"the process exited ({process.returncode}): {said}") from None
            time.sleep(0.1)
        else:
            return
    raise RuntimeError(f"nothing listens on port {port} after {within:.0f} s")


def entity_state(link: Any, entity_id: str) -> str:
    """An entity's state as Home Assistant has it now (``link``: a HomeAssistantLink)."""
    states = link.command({"type": "get_states"})
    return str(next(s["state"] for s in states if s["entity_id"] == entity_id))


def home_config(path: Path, ha: HomeAssistant, **extra: Any) -> Path:
    """A hausgeist configuration at ``path`` on ``ha``, the local model off, and ``extra``."""
    import yaml

    document = {
        "homeassistant": {"url": ha.url, "token": ha.token},
        "llm": {"enabled": False},
        "history": {"enabled": False},
        **extra,
    }
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path
