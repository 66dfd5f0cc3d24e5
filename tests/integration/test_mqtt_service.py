"""The agent on a real Mosquitto: commands, answers, devices, availability, the outbox.

The agent here is a small fake with the real Agent's interface (tests/integration/
mqtt_helpers.py); the service, the outbox, the adapters and the broker are real."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import FakeAgent, Probe, home_config, make_service, running, unique

from hausgeist.config import Config
from hausgeist.devices import ServiceCall
from hausgeist.errors import IntegrationError
from hausgeist.integration.adapters.base import Publish
from hausgeist.integration.dispatcher import OUTBOX_NAME
from hausgeist.integration.outbox import Accepted, Outbox
from hausgeist.integration.payloads import Command
from hausgeist.integration.service import AgentService

pytestmark = pytest.mark.mqtt


@dataclass
class Home:
    base: str
    config: Config
    data_dir: Path
    broker: Mosquitto

    @property
    def z2m(self) -> str:
        return f"{self.base}_z2m"

    def service(self, **kwargs: Any) -> tuple[AgentService, FakeAgent]:
        return make_service(self.config, self.data_dir, **kwargs)

    def probe(self, *extra: str) -> Probe:
        return Probe(
            self.broker.host, self.broker.port, [f"{self.base}/#", f"{self.z2m}/+/set", *extra]
        )


@pytest.fixture
def home(mosquitto: Mosquitto, tmp_path: Path) -> Home:
    base = unique()
    return Home(base, home_config(base, mosquitto.port), tmp_path / "data", mosquitto)


def _is(topic: str):
    return lambda m: m.topic == topic


async def test_text_command_is_answered_and_sent_to_the_device(home: Home) -> None:
    service, agent = home.service()
    async with home.probe() as probe, running(service):
        await probe.publish(f"{home.base}/command", "turn on the kitchen light")
        [answer] = await probe.wait_for(_is(f"{home.base}/response"))
        [sent] = await probe.wait_for(_is(f"{home.z2m}/Kitchen Light/set"))
    assert answer.json()["status"] == "done"
    assert answer.json()["actions"] == [
        {"service": "light.turn_on", "entity_id": "light.kitchen", "data": {}}
    ]
    assert "id" not in answer.json()
    assert json.loads(sent.payload) == {"state": "ON"}
    assert agent.handled[0].channel == "mqtt"


async def test_json_command_is_answered_with_its_id(home: Home) -> None:
    service, agent = home.service()
    command = {"text": "set the living room lamp to 40%", "id": "r-17", "area": "kitchen"}
    async with home.probe() as probe, running(service):
        await probe.publish(f"{home.base}/command", json.dumps(command))
        [answer] = await probe.wait_for(_is(f"{home.base}/response"))
        [sent] = await probe.wait_for(_is(f"{home.z2m}/Living Room Lamp/set"))
    assert answer.json()["id"] == "r-17"
    assert answer.json()["status"] == "done"
    assert json.loads(sent.payload) == {"state": "ON", "brightness": 102}
    assert sent.request_id == "r-17"
    assert sent.expiry_s is not None
    assert 1 <= sent.expiry_s <= home.config.mqtt.action_expiry_s  # type: ignore[union-attr]
    [request] = agent.handled
    assert (request.request_id, request.area, request.text) == ("r-17", "kitchen", command["text"])


async def test_answer_goes_to_reply_to(home: Home) -> None:
    service, _ = home.service()
    reply_to = f"{home.base}/replies/phone"
    async with home.probe() as probe, running(service):
        await probe.publish(
            f"{home.base}/command",
            json.dumps({"text": "turn off the kitchen light", "id": "x", "reply_to": reply_to}),
        )
        [answer] = await probe.wait_for(_is(reply_to))
        await probe.quiet(0.2)
    assert answer.json()["id"] == "x"
    assert probe.on(f"{home.base}/response") == []


@pytest.mark.parametrize(
    "reply_to",
    ["{base}/replies/#", "{base}/+/x", "elsewhere/replies", "{base}/command", "{base}/status"],
)
async def test_bad_reply_to_is_refused_and_nothing_runs(home: Home, reply_to: str) -> None:
    service, agent = home.service()
    command = {
        "text": "turn on the kitchen light",
        "id": "bad",
        "reply_to": reply_to.format(base=home.base),
    }
    async with home.probe() as probe, running(service):
        await probe.publish(f"{home.base}/command", json.dumps(command))
        [answer] = await probe.wait_for(_is(f"{home.base}/response"))
        await probe.quiet(0.2)
    assert answer.json()["status"] == "refused"
    assert answer.json()["id"] == "bad"
    assert "reply_to" in answer.json()["reply"]
    assert agent.handled == []
    assert probe.by_request() == {}
    assert not [m for m in probe.messages if m.topic.endswith("/set")]


async def test_reply_to_outside_the_base_needs_the_allow_list(home: Home) -> None:
    service, _ = home.service(reply_topics=["phones/+/answers"])
    reply_to = f"phones/{home.base}/answers"
    async with home.probe(reply_to) as probe, running(service):
        await probe.publish(
            f"{home.base}/command",
            json.dumps({"text": "turn on the kitchen light", "reply_to": reply_to}),
        )
        [answer] = await probe.wait_for(_is(reply_to))
    assert answer.json()["status"] == "done"


async def test_a_repeated_id_is_answered_again_but_runs_once(home: Home) -> None:
    service, agent = home.service()
    command = json.dumps({"text": "turn on the kitchen light", "id": "once"})
    async with home.probe() as probe, running(service):
        await probe.publish(f"{home.base}/command", command)
        await probe.wait_for(_is(f"{home.base}/response"))
        await probe.publish(f"{home.base}/command", command)
        await probe.wait_for(lambda m: len(probe.on(f"{home.base}/response")) == 2)
        await probe.quiet(0.2)
    first, second = probe.on(f"{home.base}/response")
    assert first.payload == second.payload
    assert len(agent.handled) == 1
    assert probe.by_request() == {"once": 1}


async def test_a_repeated_id_after_a_restart_is_answered_from_the_outbox(home: Home) -> None:
    command = json.dumps({"text": "turn on the kitchen light", "id": "persisted"})
    async with home.probe() as probe:
        service, agent = home.service()
        async with running(service):
            await probe.publish(f"{home.base}/command", command)
            await probe.wait_for(_is(f"{home.base}/response"))
        service, agent = home.service()
        async with running(service):
            await probe.publish(f"{home.base}/command", command)
            await probe.wait_for(lambda m: len(probe.on(f"{home.base}/response")) == 2)
            await probe.quiet(0.2)
    assert agent.handled == []
    first, second = probe.on(f"{home.base}/response")
    assert first.payload == second.payload
    assert probe.by_request() == {"persisted": 1}


async def test_a_repeat_while_running_is_answered_on_its_own_reply_to(home: Home) -> None:
    service, agent = home.service()
    agent.delay_s = 0.3
    first = {"text": "turn on the kitchen light", "id": "twice"}
    second = {**first, "reply_to": f"{home.base}/other"}
    async with home.probe() as probe, running(service):
        # both arrive before the first is answered: the repeat must not run again
        await probe.publish(f"{home.base}/command", json.dumps(first))
        await probe.publish(f"{home.base}/command", json.dumps(second))
        await probe.wait_for(_is(f"{home.base}/response"))
        await probe.wait_for(_is(f"{home.base}/other"))
        await probe.quiet(0.2)
    assert len(agent.handled) == 1
    assert probe.by_request() == {"twice": 1}


async def test_availability_is_retained_online_then_offline_after_a_clean_stop(home: Home) -> None:
    service, _ = home.service()
    async with (
        running(service),
        Probe(home.broker.host, home.broker.port, [f"{home.base}/status"]) as late,
    ):
        [online] = await late.wait_for(_is(f"{home.base}/status"))
    assert (online.payload, online.retain) == (b"online", True)
    async with Probe(home.broker.host, home.broker.port, [f"{home.base}/status"]) as after:
        [offline] = await after.wait_for(_is(f"{home.base}/status"))
    assert (offline.payload, offline.retain) == (b"offline", True)


async def test_device_state_and_availability_reach_the_state_store(home: Home) -> None:
    service, agent = home.service()
    seen = []
    service._on_state = seen.append
    async with home.probe() as probe, running(service):
        await probe.publish(
            f"{home.z2m}/Kitchen Light", json.dumps({"state": "ON", "brightness": 200})
        )
        await probe.publish(f"{home.z2m}/Front Door", json.dumps({"state": "UNLOCK"}))
        await probe.publish(f"{home.z2m}/Front Door/availability", "offline")
        await probe.publish(f"{home.z2m}/Living Room Lamp", b"\xff not json")  # ignored
        deadline = time.monotonic() + 5
        while len(seen) < 3 and time.monotonic() < deadline:
            await probe.quiet(0.02)
    kitchen = agent.states.get("light.kitchen")
    assert kitchen.state == "on"
    assert kitchen.attributes["brightness"] == 201  # Zigbee2MQTT 0-254 -> Home Assistant 0-255
    door = agent.states.get("lock.front_door")
    assert door.state == "unlocked"
    assert door.available is False
    assert agent.states.get("light.living_room").state == "off"


async def test_retained_commands_are_not_run(home: Home) -> None:
    async with home.probe() as probe:
        await probe.publish(f"{home.base}/command", "turn on the kitchen light", retain=True)
        service, agent = home.service()
        async with running(service):
            await probe.quiet(0.3)
        await probe.publish(f"{home.base}/command", b"", retain=True)  # clear it
    assert agent.handled == []


async def test_stale_actions_are_dropped_not_sent_late(home: Home) -> None:
    box = Outbox.open(home.data_dir / OUTBOX_NAME)
    stale = Publish(f"{home.z2m}/Front Door/set", b'{"state":"UNLOCK"}')
    fresh = Publish(f"{home.z2m}/Kitchen Light/set", b'{"state":"ON"}')
    box.record_dispatch(None, [], [stale], expires=time.time() - 1)
    box.record_dispatch(None, [], [fresh], expires=time.time() + 60)
    box.close()
    service, _ = home.service()
    async with home.probe() as probe, running(service):
        await probe.wait_for(_is(fresh.topic))
        await probe.quiet(0.2)
    assert probe.on(stale.topic) == []
    assert service.outbox.path is not None
    box = Outbox.open(service.outbox.path)
    assert box.open_count() == 0
    box.close()


async def test_work_left_by_a_crash_is_finished_on_start(home: Home) -> None:
    box = Outbox.open(home.data_dir / OUTBOX_NAME)
    # 1. accepted, never handled: handle it now
    new = box.accept(Command(text="turn on the kitchen light", id="new"), f"{home.base}/response")
    # 2. its action went out (or was stored), but no answer: answer without running it again
    half = box.accept(Command(text="turn on the front door", id="half"), f"{home.base}/response")
    assert isinstance(new, Accepted)
    assert isinstance(half, Accepted)
    call = {"service": "light.turn_on", "entity_id": "light.living_room", "data": {}}
    box.record_dispatch(
        half.key,
        [call],
        [Publish(f"{home.z2m}/Living Room Lamp/set", b'{"state":"ON"}')],
        expires=None,
    )
    # 3. answered, answer not acknowledged: send it
    done = box.accept(Command(text="x", id="done"), f"{home.base}/response")
    assert isinstance(done, Accepted)
    box.record_answer(done.key, b'{"status":"answer","reply":"stored","id":"done"}')
    box.close()

    service, agent = home.service()
    async with home.probe() as probe, running(service):
        await probe.wait_for(lambda m: len(probe.on(f"{home.base}/response")) == 3)
        await probe.quiet(0.2)
    answers = {m.json()["id"]: m.json() for m in probe.on(f"{home.base}/response")}
    assert [r.request_id for r in agent.handled] == ["new"]
    assert answers["new"]["status"] == "done"
    assert answers["half"]["status"] == "done"
    assert answers["half"]["actions"] == [call]
    assert answers["done"]["reply"] == "stored"
    assert probe.by_request() == {"new": 1, "half": 1}


async def test_malformed_payloads_are_dropped_with_one_log_line(
    home: Home, caplog: pytest.LogCaptureFixture
) -> None:
    service, agent = home.service()
    bad = [
        b"\xff\xfe\xfd",
        b"{not json",
        json.dumps({"id": "no-text"}).encode(),
        json.dumps({"text": "x" * 70_000, "id": "huge"}).encode(),
        b"",
    ]
    caplog.set_level(logging.WARNING, logger="hausgeist.integration.service")
    async with home.probe() as probe, running(service):
        for payload in bad:
            await probe.publish(f"{home.base}/command", payload)
        await probe.publish(
            f"{home.base}/command", json.dumps({"text": "turn on the kitchen light", "id": "good"})
        )
        await probe.wait_for(
            lambda m: m.topic == f"{home.base}/response" and m.json().get("id") == "good"
        )
        await probe.quiet(0.2)
    dropped = [r for r in caplog.records if "dropped a command payload" in r.getMessage()]
    assert len(dropped) == len(bad)
    answers = [m.json() for m in probe.on(f"{home.base}/response")]
    by_id = {a.get("id"): a for a in answers}
    assert by_id["no-text"]["error"] == "bad_payload"
    assert "huge" not in by_id  # oversize payloads are not even read
    assert [r.request_id for r in agent.handled] == ["good"]


async def test_an_oversize_command_with_its_id_first_gets_the_error_answer(home: Home) -> None:
    service, agent = home.service()
    reply_to = f"{home.base}/phone"
    oversize = [
        b'{"id": "x1", "text": "' + b"a" * 70_000 + b'"}',
        b'{"id": "x2", "reply_to": "' + reply_to.encode() + b'", "text": "' + b"a" * 70_000 + b'"}',
    ]
    async with home.probe() as probe, running(service):
        for payload in oversize:
            await probe.publish(f"{home.base}/command", payload)
        await probe.wait_for(lambda m: m.topic == reply_to)
        await probe.wait_for(lambda m: m.topic == f"{home.base}/response")
    [x1] = [m.json() for m in probe.on(f"{home.base}/response")]
    [x2] = [m.json() for m in probe.on(reply_to)]
    for answer, request_id in ((x1, "x1"), (x2, "x2")):
        assert answer["id"] == request_id
        assert answer["status"] == "not_understood"
        assert answer["error"] == "bad_payload"
        assert "over the 65536-byte limit" in answer["reply"]
    assert agent.handled == []


async def test_the_dispatcher_refuses_topics_outside_the_allowed_ones(home: Home) -> None:
    class RogueAdapters:
        def subscriptions(self) -> list[str]:
            return []

        def allowed_topics(self) -> list[str]:
            return [f"{home.z2m}/Kitchen Light/set"]

        def has_adapter(self, entity_id: str) -> bool:
            return True

        def encode(self, call: ServiceCall, current: object) -> list[Publish]:
            return [Publish("somebody/else/set", b"{}")]

        def decode(self, topic: str, payload: bytes) -> list[object]:
            return []

    service, agent = home.service(adapters=RogueAdapters())
    call = ServiceCall(service="light.turn_on", entity_id="light.kitchen")
    with pytest.raises(IntegrationError, match="refusing to publish"):
        agent.dispatcher.dispatch([call])
    assert service.outbox.open_count() == 0
    # and anything that slipped into the outbox is refused by the sender
    service.outbox.record_dispatch(None, [], [Publish("somebody/else/set", b"{}")], expires=None)
    async with Probe(home.broker.host, home.broker.port, ["somebody/#"]) as probe, running(service):
        await probe.quiet(0.3)
    assert probe.messages == []
