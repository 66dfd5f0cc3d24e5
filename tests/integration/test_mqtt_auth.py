"""User name, password and TLS from the configuration, against a Mosquitto that wants them."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import make_service, running, unique

from hausgeist.config import load_config_text
from hausgeist.integration.link import BrokerConnectionError, BrokerLink, LinkSettings

pytestmark = pytest.mark.mqtt


def _run(*args: str, cwd: Path) -> None:
    subprocess.run(args, cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def secure_mosquitto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mosquitto]:
    certs = tmp_path_factory.mktemp("certs")
    _run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "1",
        "-subj",
        "/CN=hausgeist test CA",
        cwd=certs,
    )
    _run(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
        "-subj",
        "/CN=localhost",
        cwd=certs,
    )
    (certs / "ext.cnf").write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _run(
        "openssl",
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "server.crt",
        "-days",
        "1",
        "-extfile",
        "ext.cnf",
        cwd=certs,
    )
    _run("mosquitto_passwd", "-b", "-c", "passwd", "agent", "s3cret", cwd=certs)
    broker = Mosquitto(
        tmp_path_factory.mktemp("secure"),
        settings=(
            "allow_anonymous false\n"
            f"password_file {certs / 'passwd'}\n"
            f"cafile {certs / 'ca.crt'}\n"
            f"certfile {certs / 'server.crt'}\n"
            f"keyfile {certs / 'server.key'}\n"
        ),
    )
    broker.certs = certs  # type: ignore[attr-defined]
    broker.start()
    yield broker
    broker.close()


def _mqtt(broker: Mosquitto, base: str, **overrides: str) -> str:
    certs = broker.certs  # type: ignore[attr-defined]
    values = {
        "host": "localhost",
        "port": str(broker.port),
        "username": "agent",
        "password": "s3cret",
        "base_topic": base,
        "client_id": base,
        "tls": f"{{ca_certs: '{certs / 'ca.crt'}'}}",
    }
    values.update(overrides)
    return "mqtt: {" + ", ".join(f"{k}: {v}" for k, v in values.items()) + "}\n"


async def test_the_agent_logs_in_over_tls(secure_mosquitto: Mosquitto, tmp_path: Path) -> None:
    base = unique()
    config = load_config_text(
        "devices: [{id: switch.fan, name: Fan, mqtt: {type: zigbee2mqtt, topic: "
        f"'{base}_z2m/Fan'}}}}]\n" + _mqtt(secure_mosquitto, base)
    )
    assert config.mqtt is not None
    service, _ = make_service(config, tmp_path)
    async with running(service):
        settings = LinkSettings.from_config(config.mqtt)
        probe_settings = LinkSettings(
            **{**settings.__dict__, "client_id": f"{base}-probe", "session_expiry_s": 0}
        )
        async with BrokerLink(probe_settings) as probe:
            await probe.subscribe([f"{base}/response"])
            await probe.publish(
                f"{base}/command", json.dumps({"text": "turn on the fan", "id": "t"}).encode()
            )
            async for message in probe.messages():
                answer = json.loads(message.payload)
                break
    assert answer["id"] == "t"
    assert answer["status"] == "done"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"password": "wrong"}, "Not authorized|Bad user name or password"),
        ({"tls": "{}"}, "CERTIFICATE_VERIFY_FAILED|certificate verify failed"),
    ],
)
async def test_bad_credentials_or_certificates_are_reported(
    secure_mosquitto: Mosquitto, override: dict[str, str], reason: str
) -> None:
    config = load_config_text(_mqtt(secure_mosquitto, unique(), **override))
    assert config.mqtt is not None
    with pytest.raises(BrokerConnectionError, match=reason):
        async with BrokerLink(LinkSettings.from_config(config.mqtt)):
            pass
