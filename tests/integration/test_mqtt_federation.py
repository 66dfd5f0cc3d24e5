"""A federation's aggregate published on ``<base>/federate/aggregate`` over a real Mosquitto:
the running agent adopts it once, acts on it at once, and a bad one stops nothing."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from mosquitto_process import Mosquitto
from mqtt_helpers import Probe, _dispatcher, home_config, running, unique

from hausgeist.federation import hook
from hausgeist.federation.patterns import Pattern
from hausgeist.federation.payload import Payload, Shape
from hausgeist.federation.sketch import encode
from hausgeist.history import SqlHistory
from hausgeist.home import Home
from hausgeist.integration.aggregates import AggregateInbox, ContributionDesk
from hausgeist.integration.service import AgentService
from hausgeist.root import Ports, Root

pytestmark = pytest.mark.mqtt
pytest.importorskip("wordfreq")


def aggregate(pattern: Pattern, homes: int) -> str:
    settings = home_config("x", 1).federation
    shape = hook.shape_of(settings)
    total = sum((encode([pattern], shape) for _ in range(homes)), start=shape.empty())
    contribution = Payload(
        kind="contribution", shape=Shape.of(shape), lexicon_size=settings.lexicon_size,
        rounds=1, homes=[homes], noise_std=0.01, noise_multiplier=1.0, epsilon=4.7,
        delta=1e-5, cells=total.tolist(),
    )  # fmt: skip
    return hook.combine([contribution]).text()


async def test_an_aggregate_is_adopted_once_and_used_and_garbage_is_logged(
    mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = unique()
    z2m = f"{base}_z2m"
    config = home_config(base, mosquitto.port)
    assert config.mqtt is not None
    home = Home.from_config(config)
    data = tmp_path / "data"
    history = SqlHistory.open(None, data)
    dispatcher = _dispatcher(config.mqtt, home.registry, home.states, data, {})
    agent = Root(home, Ports(dispatcher=dispatcher, history=history), data_dir=data).agent
    inbox = AggregateInbox(agent, config.federation, base)
    service = AgentService(agent, dispatcher, config.mqtt, aggregates=inbox)
    probe = Probe(mosquitto.host, mosquitto.port, [f"{base}/#", f"{z2m}/+/set"])
    caplog.set_level(logging.INFO, logger="hausgeist")
    text = aggregate(Pattern("light:lamp", "cosy glow"), homes=6)

    async def logged(what: str, times: int = 1) -> None:
        deadline = time.monotonic() + 30
        while caplog.text.count(what) < times and time.monotonic() < deadline:
            await probe.quiet(0.05)

    async with probe, running(service):
        await probe.publish(f"{base}/federate/aggregate", b"not an aggregate")
        await logged("ignored an aggregate on")
        await probe.publish(f"{base}/federate/aggregate", text, retain=True)
        await logged("phrase(s) adopted")
        await probe.publish(f"{base}/federate/aggregate", text)  # the same again
        await logged("phrase(s) adopted", 2)
        command = {"text": "turn on the cosy glow", "id": "r1", "area": "kitchen"}
        await probe.publish(f"{base}/command", json.dumps(command))
        lamp = await probe.wait_for(lambda m: m.topic == f"{z2m}/Living Room Lamp/set")
        await probe.publish(f"{base}/federate/aggregate", b"", retain=True)  # clear it
    history.close()
    assert json.loads(lamp[0].payload) == {"state": "ON"}
    assert "is not a hausgeist federation file" in caplog.text
    adopted = [line for line in caplog.text.splitlines() if "phrase(s) adopted" in line]
    assert "2 phrase(s) adopted" in adopted[0]  # the living room's lamp, and from anywhere
    assert "0 phrase(s) adopted, 0 idiom(s) (none new" in adopted[1]
    phrases = [p for p in agent.learner.knowledge.phrases.values() if p.origin]  # type: ignore[union-attr]
    assert {(p.entity_id, p.area) for p in phrases} == {
        ("light.living_room", "living_room"),
        ("light.living_room", None),
    }


async def test_a_box_asked_for_its_contribution_publishes_it_once_per_request(
    mosquitto: Mosquitto, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = unique()
    config = home_config(base, mosquitto.port)
    assert config.mqtt is not None
    config = config.model_copy(
        update={"federation": config.federation.model_copy(update={"budget_epsilon": 5.0})}
    )
    home = Home.from_config(config)
    data = tmp_path / "data"
    history = SqlHistory.open(None, data)
    dispatcher = _dispatcher(config.mqtt, home.registry, home.states, data, {})
    agent = Root(home, Ports(dispatcher=dispatcher, history=history), data_dir=data).agent
    desk = ContributionDesk(agent, config.federation, base, dispatcher.outbox, dispatcher.doorbell)
    inbox = AggregateInbox(agent, config.federation, base)
    service = AgentService(agent, dispatcher, config.mqtt, aggregates=inbox, contributions=desk)
    probe = Probe(mosquitto.host, mosquitto.port, [f"{base}/#"])
    caplog.set_level(logging.INFO, logger="hausgeist")
    async with probe:
        # Left retained before the box started: it must not spend ε at every start.
        await probe.publish(f"{base}/federate/export", b"{}", retain=True)
        async with running(service):
            await _contribute(probe, base, caplog)
    history.close()
    payload = Payload.read(probe.on(f"{base}/federate/contribution")[0].payload.decode(), "test")
    assert payload.kind == "contribution"
    assert payload.epsilon == pytest.approx(4.15, abs=0.01)
    assert "ignored a retained request" in caplog.text
    assert "privacy budget is spent" in caplog.text
    assert len(probe.on(f"{base}/federate/contribution")) == 1


async def _contribute(probe: Probe, base: str, caplog: pytest.LogCaptureFixture) -> None:
    await probe.publish(f"{base}/federate/export", b"{}")
    sent = await probe.wait_for(lambda m: m.topic == f"{base}/federate/contribution")
    await probe.publish(f"{base}/federate/export", b"{}")  # a second round: over budget
    deadline = time.monotonic() + 30
    while "no contribution published" not in caplog.text and time.monotonic() < deadline:
        await probe.quiet(0.05)
    await probe.publish(f"{base}/federate/export", b"", retain=True)  # clear it
    assert "kitchen" not in sent[0].payload.decode().lower()
