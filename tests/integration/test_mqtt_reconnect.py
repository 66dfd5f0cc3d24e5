"""Losing the broker (kill -9) and the agent process (the last will)."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest
from mosquitto_process import Mosquitto
from mqtt_chaos import AgentProcess
from mqtt_helpers import Probe, home_config, home_yaml, make_service, running, unique

pytestmark = pytest.mark.mqtt


async def _until(predicate, within: float) -> float:
    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < within, "timed out"
        await asyncio.sleep(0.01)
    return time.monotonic() - start


async def test_the_service_reconnects_after_the_broker_is_killed(
    own_mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    service, agent = make_service(home_config(base, own_mosquitto.port), tmp_path)
    async with running(service):
        await asyncio.to_thread(own_mosquitto.kill)
        await _until(lambda: not service.ready, 5)
        await asyncio.sleep(1.5)  # a few failed attempts: the backoff grows
        await asyncio.to_thread(own_mosquitto.start)
        back_in = await _until(lambda: service.ready, 15)
        async with Probe(own_mosquitto.host, own_mosquitto.port, [f"{base}/#"]) as probe:
            [status] = await probe.wait_for(lambda m: m.topic == f"{base}/status")
            await probe.publish(
                f"{base}/command", json.dumps({"text": "turn on the kitchen light", "id": "after"})
            )
            [answer] = await probe.wait_for(lambda m: m.topic == f"{base}/response")
    assert back_in < 2.5  # the backoff after 1.5 s down is at most ~1.6 s
    assert (status.payload, status.retain) == (b"online", True)  # re-published: kill -9 lost it
    assert answer.json()["id"] == "after"
    assert [r.request_id for r in agent.handled] == ["after"]


async def test_first_retry_comes_within_a_second(own_mosquitto: Mosquitto, tmp_path: Path) -> None:
    service, _ = make_service(home_config(unique(), own_mosquitto.port), tmp_path)
    async with running(service):
        await asyncio.to_thread(own_mosquitto.kill)
        await _until(lambda: not service.ready, 5)
        await asyncio.to_thread(own_mosquitto.start)  # the first retry is due at ~0.2 s
        assert await _until(lambda: service.ready, 5) < 1.0


async def test_commands_queue_in_the_broker_while_the_service_is_away(
    own_mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    config = home_config(base, own_mosquitto.port)
    async with Probe(own_mosquitto.host, own_mosquitto.port, [f"{base}/response"]) as probe:
        service, _ = make_service(config, tmp_path)
        async with running(service):
            pass  # the session (and its subscription) now exists in the broker
        await probe.publish(
            f"{base}/command", json.dumps({"text": "turn on the kitchen light", "id": "queued"})
        )
        service, agent = make_service(config, tmp_path)
        async with running(service):
            [answer] = await probe.wait_for(lambda m: m.topic == f"{base}/response")
    assert answer.json()["id"] == "queued"
    assert [r.request_id for r in agent.handled] == ["queued"]


async def test_stopping_without_a_broker_ends_promptly(
    own_mosquitto: Mosquitto, tmp_path: Path
) -> None:
    service, _ = make_service(home_config(unique(), own_mosquitto.port), tmp_path)
    task = asyncio.create_task(service.run())
    await service.wait_ready()
    await asyncio.to_thread(own_mosquitto.kill)
    await _until(lambda: not service.ready, 5)
    started = time.monotonic()
    service.stop()
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 2


async def test_the_last_will_says_offline_when_the_agent_process_dies(
    mosquitto: Mosquitto, tmp_path: Path
) -> None:
    base = unique()
    config = tmp_path / "config.yaml"
    config.write_text(home_yaml(base, mosquitto.port, ", keepalive: 5"))
    agent = AgentProcess(config, tmp_path / "data", tmp_path / "agent.log")
    async with Probe(mosquitto.host, mosquitto.port, [f"{base}/status"]) as probe:
        agent.start()
        try:
            await probe.wait_for(lambda m: m.payload == b"online", within=30)
            await asyncio.to_thread(agent.kill)
            [will] = await probe.wait_for(lambda m: m.payload == b"offline", within=10)
        finally:
            agent.close()
    assert will.topic == f"{base}/status"
    async with Probe(mosquitto.host, mosquitto.port, [f"{base}/status"]) as late:
        [retained] = await late.wait_for(lambda m: True)
    assert (retained.payload, retained.retain) == (b"offline", True)


async def test_sigterm_stops_hausgeist_run_cleanly(mosquitto: Mosquitto, tmp_path: Path) -> None:
    base = unique()
    config = tmp_path / "config.yaml"
    config.write_text(home_yaml(base, mosquitto.port))
    agent = AgentProcess(config, tmp_path / "data", tmp_path / "agent.log")
    async with Probe(mosquitto.host, mosquitto.port, [f"{base}/#"]) as probe:
        agent.start()
        try:
            await probe.wait_for(lambda m: m.payload == b"online", within=30)
            await probe.publish(
                f"{base}/command", json.dumps({"text": "turn on the kitchen light", "id": "k"})
            )
            await probe.wait_for(lambda m: m.topic == f"{base}/response", within=10)
            assert agent.process is not None
            agent.process.send_signal(signal.SIGTERM)
            code = await asyncio.to_thread(agent.process.wait, 20)
            await probe.wait_for(lambda m: m.payload == b"offline", within=5)
        finally:
            agent.close()
    assert code == 0
    log = (tmp_path / "agent.log").read_text()
    assert "Traceback" not in log
