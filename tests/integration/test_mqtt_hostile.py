"""Hostile input on the command topic: random bytes and random JSON never crash the
agent, never reach a device, and a good command is still answered afterwards."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mosquitto_process import Mosquitto
from mqtt_helpers import ServiceThread, SyncClient, home_config, unique

from hausgeist.errors import PayloadError
from hausgeist.integration.payloads import decode_command
from hausgeist.root import Root
from hausgeist.understanding import Request

pytestmark = pytest.mark.mqtt

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=15,
)
COMMAND_LIKE = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=60) | JSON,
        "id": st.text(max_size=20) | st.integers() | JSON,
        "reply_to": st.sampled_from(["#", "+", "a/#", "", "x" * 70000, "\x00"])
        | st.text(max_size=30),
        "area": JSON,
        "device": JSON,
        "session": JSON,
    },
)
_OFFLINE = Root.from_config(home_config("offline", 1)).agent


def _a_command(payload: bytes) -> bool:
    """Whether the agent acts on this payload: then it is a command, not garbage. Hypothesis
    also draws words from the code under test, and a bare "lock" or "START" in this home
    (one lock, one switch) is a real command that the core carries out."""
    try:
        command = decode_command(payload)
    except PayloadError:
        return False
    request = Request(command.text, area=command.area, device=command.device)
    decision = _OFFLINE.handle(request, dry_run=True).decision
    return bool(decision.actions or decision.pending)


PAYLOADS = (
    st.binary(max_size=300)
    | st.text(max_size=200).map(str.encode)
    | JSON.map(lambda v: json.dumps(v).encode())
    | COMMAND_LIKE.map(lambda v: json.dumps(v).encode())
    | st.just(b"{" * 5000)
    | st.just(b"x" * 70_000)
).filter(lambda payload: not _a_command(payload))


@pytest.mark.parametrize("real_agent", [False, True], ids=["fake-agent", "real-agent"])
def test_garbage_on_the_command_topic(
    mosquitto: Mosquitto, tmp_path: Path, real_agent: bool
) -> None:
    base = unique()
    config = home_config(base, mosquitto.port)
    z2m = f"{base}_z2m"
    with ServiceThread(config, tmp_path / "data", real_agent=real_agent) as running:
        client = SyncClient(mosquitto.host, mosquitto.port, [f"{z2m}/+/set", f"{base}/response"])
        try:

            @settings(
                max_examples=300,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            )
            @given(PAYLOADS)
            def publish_garbage(payload: bytes) -> None:
                client.publish(f"{base}/command", payload)
                assert running.alive

            publish_garbage()
            client.publish(
                f"{base}/command", json.dumps({"text": "turn on the kitchen light", "id": "good"})
            )
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                answers = [json.loads(p) for t, p in client.seen() if t == f"{base}/response"]
                if any(a.get("id") == "good" for a in answers):
                    break
                time.sleep(0.05)
            seen = client.seen()
        finally:
            client.close()
        assert running.alive, running.error
    sets = [(t, p) for t, p in seen if t.endswith("/set")]
    assert sets == [(f"{z2m}/Kitchen Light/set", b'{"state":"ON"}')]
    answers = [json.loads(p) for t, p in seen if t == f"{base}/response"]
    assert answers[-1]["id"] == "good"
    assert answers[-1]["status"] == "done"
    assert all(a["status"] != "done" for a in answers[:-1])
