"""Without an `mqtt:` section: the embedded broker (amqtt, MQTT 3.1.1) and `hausgeist demo`."""

from __future__ import annotations

import contextlib
import json
import logging
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from mqtt_chaos import REPO
from mqtt_helpers import HOME, home_config, make_service, running, unique

from hausgeist.errors import IntegrationError
from hausgeist.integration.broker import PROTOCOL, EmbeddedBroker
from hausgeist.integration.link import BrokerLink, LinkSettings, MqttProtocol

pytestmark = [pytest.mark.mqtt, pytest.mark.process]


async def test_the_service_speaks_mqtt_311_to_the_embedded_broker(tmp_path: Path) -> None:
    base = unique()
    async with EmbeddedBroker() as broker:
        assert PROTOCOL is MqttProtocol.V311
        config = home_config(base, broker.port)
        service, agent = make_service(config, tmp_path, protocol=PROTOCOL)
        probe = LinkSettings(
            "127.0.0.1", broker.port, f"{base}-probe", protocol=PROTOCOL, session_expiry_s=0
        )
        async with running(service), BrokerLink(probe) as link:
            await link.subscribe([f"{base}/response", f"{base}_z2m/+/set"])
            await link.publish(
                f"{base}/command",
                json.dumps({"text": "turn on the kitchen light", "id": "e"}).encode(),
            )
            seen = {}
            async for message in link.messages():
                seen[message.topic] = message.payload
                if len(seen) == 2:
                    break
    assert json.loads(seen[f"{base}/response"])["id"] == "e"
    assert json.loads(seen[f"{base}_z2m/Kitchen Light/set"]) == {"state": "ON"}
    assert [r.request_id for r in agent.handled] == ["e"]


async def test_a_taken_port_is_reported(tmp_path: Path) -> None:
    async with EmbeddedBroker() as first:
        with pytest.raises(IntegrationError, match="embedded MQTT broker"):
            async with EmbeddedBroker(first.port):
                pass


@contextlib.contextmanager
def _taken(port: int = 0) -> Iterator[int]:
    """A port something listens on (``port``, or any free one), for as long as the block runs."""
    with socket.socket() as holder:
        try:
            holder.bind(("127.0.0.1", port))
        except OSError:  # taken already (a broker on this machine): that is all we need
            yield port
            return
        holder.listen()
        yield holder.getsockname()[1]


async def test_the_preferred_port_is_used_when_free(caplog: pytest.LogCaptureFixture) -> None:
    with _taken() as probe:
        pass  # now free again
    async with EmbeddedBroker(preferred=probe) as broker:
        assert broker.port == probe
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_a_taken_preferred_port_moves_the_broker_and_says_where(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="hausgeist.integration.broker")
    with _taken() as taken:
        async with EmbeddedBroker(preferred=taken) as broker:
            assert broker.port != taken
            settings = LinkSettings("127.0.0.1", broker.port, unique(), protocol=PROTOCOL)
            async with BrokerLink(settings):
                pass  # it really listens there
    [warning] = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"port {taken} is taken" in warning
    assert f"127.0.0.1:{broker.port}" in warning
    assert "--broker-port" in warning


def test_run_says_where_its_broker_listens_when_1883_is_taken(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(HOME.replace("{z2m}", "zigbee2mqtt"))
    env = {
        "HAUSGEIST_DATA_DIR": str(tmp_path / "data"),
        "HAUSGEIST_LLM__ENABLED": "false",
        "PATH": "/usr/bin:/bin",
    }
    with _taken(1883):
        agent = subprocess.Popen(
            [sys.executable, "-m", "hausgeist", "run", "--config", str(config)],
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
        )
        try:
            assert agent.stderr is not None
            warning = agent.stderr.readline()
        finally:
            agent.send_signal(signal.SIGINT)
            agent.wait(timeout=30)
    assert warning.startswith("WARNING"), warning
    assert "port 1883 is taken" in warning
    assert "127.0.0.1:" in warning
    assert "--broker-port" in warning


def test_the_demo_answers_and_shows_devices_change(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(HOME.replace("{z2m}", "zigbee2mqtt"))
    code = (
        "import sys; from pathlib import Path;"
        "from hausgeist.config import load_config;"
        "from hausgeist.commands.serve import run_demo;"
        f"sys.exit(run_demo(load_config(Path({str(config)!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        input="turn on the kitchen light\nunlock the front door\nyes\nquit\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={
            "HAUSGEIST_DATA_DIR": str(tmp_path / "data"),
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "100",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Kitchen Light" in out  # the device table
    assert "Turned on the Kitchen Light" in out
    assert "light.turn_on light.kitchen" in out
    assert "Kitchen Light: on" in out  # the simulated device reported its new state
    assert "Unlocked the Front Door" in out
    assert "Front Door: unlocked" in out
    assert "Traceback" not in result.stderr


def test_the_demo_home_reports_back_from_every_kind_of_device(tmp_path: Path) -> None:
    """The example home has Tasmota, generic and Home Assistant MQTT devices besides
    Zigbee2MQTT ones; the demo had simulated only the last ("Turned on the Coffee Machine",
    then "No, Coffee Machine is off")."""
    code = (
        "import sys; from hausgeist.config import load_config;"
        "from hausgeist.paths import example_config;"
        "from hausgeist.commands.serve import run_demo;"
        "sys.exit(run_demo(load_config(example_config())))"
    )
    questions = [
        "turn on the coffee machine",  # Tasmota
        "is the coffee machine on",
        "play the kitchen speaker",  # generic
        "is the kitchen speaker playing",
        "turn on the desk lamp",  # Home Assistant MQTT
        "is the desk lamp on",
        "quit",
    ]
    result = subprocess.run(
        [sys.executable, "-c", code],
        input="\n".join(questions) + "\n",
        capture_output=True,
        text=True,
        timeout=90,
        cwd=REPO,
        env={
            "HAUSGEIST_DATA_DIR": str(tmp_path / "data"),
            "HAUSGEIST_LLM__ENABLED": "false",
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "100",
        },
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Yes, the Coffee Machine is on." in out
    assert "Yes, the Kitchen Speaker is playing." in out
    assert "Yes, the Desk Lamp is on." in out
    for device, state in (
        ("Coffee Machine", "on"),
        ("Kitchen Speaker", "playing"),
        ("Desk Lamp", "on"),
    ):
        assert f"{device}: {state}" in out  # the simulated device reported its new state
