"""The automations benchmark (issue 15): prints numbers, asserts nothing.

1. In process: 200 rules over 200 devices (state and MQTT triggers, conditions, templates),
   events through the engine: events per second, and event -> action p50/p99.
2. End to end over a real Mosquitto: the agent as its own process (``hausgeist run``) with
   the same 200 rules; a sensor report published -> the light's ``/set`` seen by a
   subscriber, one at a time (p50/p95) and in a burst (events/s, none dropped), beside the
   raw broker round trip in the same run.
3. Rules from plain words: the descriptions of ``descriptions.yaml`` judged by replay
   (right, rules acting on another device) and the reader's latency.

Usage: ``python -m benchmarks.automations.run [--events 20000] [--e2e 300] [--burst 2000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from benchmarks.automations.judge import DESCRIPTIONS, HERE, Judge, judge_all
from benchmarks.mqtt_latency import REPO, _agent_command, mosquitto
from hausgeist.automations.engine import Engine
from hausgeist.automations.loading import check_all, world_of
from hausgeist.config import load_config_text

N = 200


def home(port: int = 1883, base: str = "autobench") -> str:
    devices = []
    for i in range(N):
        devices.append(
            f"  - {{id: light.l{i}, name: Lamp {i}, state: 'off', attributes: {{supported_color_modes: [brightness]}}, mqtt: {{type: zigbee2mqtt, topic: 'autobench_z2m/L{i}'}}}}"
        )
        devices.append(
            f"  - {{id: binary_sensor.s{i}, name: Sensor {i}, device_class: motion, state: 'off', mqtt: {{type: zigbee2mqtt, topic: 'autobench_z2m/S{i}'}}}}"
        )
    rules = []
    for i in range(N):
        if i % 2:
            rules.append(
                f"  - {{id: r{i}, triggers: [{{trigger: state, entity_id: binary_sensor.s{i}}}], "
                f"conditions: [\"{{{{ states('binary_sensor.s{i}') in ['on', 'off'] }}}}\"], "
                f'actions: [{{action: light.turn_on, target: {{entity_id: light.l{i}}}, data: {{brightness_pct: "{{{{ 1 + (now().second % 99) }}}}"}}}}]}}'
            )
        else:
            rules.append(
                f"  - {{id: r{i}, triggers: [{{trigger: mqtt, topic: 'autobench_buttons/{i}'}}], "
                f"actions: [{{action: light.toggle, target: {{entity_id: light.l{i}}}}}]}}"
            )
    return (
        "devices:\n" + "\n".join(devices) + "\nautomations:\n" + "\n".join(rules) + "\n"
        f"mqtt: {{host: 127.0.0.1, port: {port}, base_topic: {base}, client_id: {base}}}\n"
        "llm: {enabled: false}\nhistory: {enabled: false}\n"
    )


def in_process(events: int) -> dict[str, float]:
    config = load_config_text(home())
    world = world_of(config, [])
    engine = Engine(
        check_all(world, [(list(config.automations), ("automations",), None, "bench")]), world
    )
    start = datetime(2026, 1, 10, 12, tzinfo=UTC)
    engine.start(start)
    took: list[float] = []
    acted = runs = 0
    began = time.perf_counter()
    for n in range(events):
        i = n % N
        now = start + timedelta(milliseconds=n)
        t0 = time.perf_counter()
        engine.advance(now)
        if i % 2:
            engine.set_state(f"binary_sensor.s{i}", "on" if (n // N) % 2 == 0 else "off")
        else:
            engine.mqtt_message(f"autobench_buttons/{i}", b"press")
        acted += len(engine.drain())
        runs += len(engine.drain_traces())  # as the live runner takes them, every event
        took.append((time.perf_counter() - t0) * 1000)
    wall = time.perf_counter() - began
    took.sort()
    return {
        "events": events,
        "actions": acted,
        "runs": runs,
        "events_per_s": events / wall,
        "p50_ms": took[len(took) // 2],
        "p99_ms": took[int(len(took) * 0.99)],
    }


class _Seen:
    def __init__(self) -> None:
        self.at: dict[str, list[float]] = {}
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)

    def add(self, topic: str) -> None:
        with self.changed:
            self.at.setdefault(topic, []).append(time.perf_counter())
            self.changed.notify_all()

    def wait(self, topic: str, count: int, within: float = 10) -> float | None:
        deadline = time.monotonic() + within
        with self.changed:
            while len(self.at.get(topic, [])) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self.changed.wait(left)
            return self.at[topic][count - 1]

    def total(self, suffix: str) -> int:
        with self.lock:
            return sum(len(v) for k, v in self.at.items() if k.endswith(suffix))


def _client(port: int, seen: _Seen | None) -> mqtt.Client:
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    if seen is not None:
        client.on_message = lambda _c, _u, msg: seen.add(msg.topic)
    client.connect("127.0.0.1", port)
    client.loop_start()
    return client


def end_to_end(sequential: int, burst: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, mosquitto(Path(tmp)) as port:
        config = Path(tmp) / "home.yaml"
        config.write_text(home(port), encoding="utf-8")
        env = {**os.environ, "HAUSGEIST_DATA_DIR": str(Path(tmp) / "data")}
        agent = subprocess.Popen(
            _agent_command(config), cwd=REPO, env=env, stderr=subprocess.DEVNULL
        )
        seen = _Seen()
        watcher = _client(port, seen)
        watcher.subscribe(
            [("autobench_z2m/+/set", 1), ("autobench/status", 1), ("autobench-echo", 1)]
        )
        sender = _client(port, None)
        try:
            if seen.wait("autobench/status", 1, within=60) is None:
                raise RuntimeError("the agent did not come online")
            time.sleep(0.5)
            broker, e2e = [], []
            for n in range(sequential):
                t0 = time.perf_counter()
                sender.publish("autobench-echo", b"x", qos=1)
                got = seen.wait("autobench-echo", n + 1)
                if got is not None:
                    broker.append((got - t0) * 1000)
                i = 2 * (n % (N // 2)) + 1
                state = "true" if (n // (N // 2)) % 2 == 0 else "false"
                topic = f"autobench_z2m/L{i}/set"
                before = len(seen.at.get(topic, []))
                t0 = time.perf_counter()
                sender.publish(
                    f"autobench_z2m/S{i}", json.dumps({"occupancy": state == "true"}), qos=1
                )
                got = seen.wait(topic, before + 1)
                if got is not None:
                    e2e.append((got - t0) * 1000)
            before = seen.total("/set")
            t0 = time.perf_counter()
            for n in range(burst):
                sender.publish(f"autobench_buttons/{2 * (n % (N // 2))}", b"press", qos=1)
            deadline = time.monotonic() + 120
            while seen.total("/set") < before + burst and time.monotonic() < deadline:
                time.sleep(0.01)
            arrived = seen.total("/set") - before
            wall = time.perf_counter() - t0
        finally:
            agent.terminate()
            agent.wait(timeout=30)
            watcher.loop_stop()
            sender.loop_stop()
    broker.sort()
    e2e.sort()
    return {
        "broker_p50_ms": statistics.median(broker),
        "e2e_p50_ms": statistics.median(e2e),
        "e2e_p95_ms": e2e[int(len(e2e) * 0.95)],
        "e2e_measured": len(e2e),
        "burst": burst,
        "burst_arrived": arrived,
        "burst_events_per_s": arrived / wall,
    }


def words() -> dict[str, Any]:
    verdicts = judge_all(DESCRIPTIONS)
    judge = Judge(
        load_config_text((REPO / "hausgeist" / "data" / "config.example.yaml").read_text())
    )
    texts = [v.text for v in verdicts]
    took = []
    for text in texts * 3:
        t0 = time.perf_counter()
        judge.reader.read(text)
        took.append((time.perf_counter() - t0) * 1000)
    took.sort()
    return {
        "descriptions": len(verdicts),
        "right": sum(v.right for v in verdicts),
        "wrong_device": sum(v.wrong_device for v in verdicts),
        "read_p50_ms": took[len(took) // 2],
        "read_p95_ms": took[int(len(took) * 0.95)],
    }


ODD = HERE / "odd_descriptions.yaml"


def odd_words() -> dict[str, Any]:
    """The odd descriptions, read without and with the local model (the stock model, as
    ``hausgeist automations add`` has it with the LLM stage on)."""
    from hausgeist.commands.automations import reader_for
    from hausgeist.home import Home
    from hausgeist.root import Ports, Root

    config = load_config_text((REPO / "hausgeist" / "data" / "config.example.yaml").read_text())
    alone = judge_all(ODD, Judge(config))
    home = Home.from_config(config)
    with tempfile.TemporaryDirectory() as data:
        root = Root(home, Ports(), data_dir=Path(data))
        try:
            judge = Judge(config, reader_for(home, root.llm))
            judge.reader.read("whenever the hallway wakes up, turn on the hallway light")  # load
            t0 = time.perf_counter()
            helped = judge_all(ODD, judge)
            per = (time.perf_counter() - t0) * 1000 / max(1, len(helped))
        finally:
            root.close()
    return {
        "descriptions": len(alone),
        "right_alone": sum(v.right for v in alone),
        "right_with_model": sum(v.right for v in helped),
        "wrong_device_with_model": sum(v.wrong_device for v in helped),
        "made_wrong_with_model": sum(
            not v.right and not v.why.startswith("status ") for v in helped
        ),
        "ms_per_description": per,
        "failures": [f"{v.text}: {v.why}" for v in helped if not v.right],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="benchmarks.automations.run", description=__doc__)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--e2e", type=int, default=300, help="events measured one at a time")
    parser.add_argument("--burst", type=int, default=2000)
    parser.add_argument("--no-e2e", action="store_true")
    parser.add_argument(
        "--no-model", action="store_true", help="skip the odd descriptions read with the model"
    )
    parser.add_argument("--failures", action="store_true", help="list what the model got wrong")
    args = parser.parse_args(argv)
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    inner = in_process(args.events)
    print(
        f"in process: {inner['events']} events, {inner['actions']} actions, {inner['events_per_s']:.0f} events/s, "
        f"event -> action p50 {inner['p50_ms']:.3f} ms, p99 {inner['p99_ms']:.3f} ms"
    )
    if not args.no_e2e:
        e2e = end_to_end(args.e2e, args.burst)
        print(
            f"end to end: broker round trip p50 {e2e['broker_p50_ms']:.2f} ms; sensor report -> light /set "
            f"p50 {e2e['e2e_p50_ms']:.2f} ms, p95 {e2e['e2e_p95_ms']:.2f} ms ({e2e['e2e_measured']} measured); "
            f"burst {e2e['burst_arrived']}/{e2e['burst']} arrived, {e2e['burst_events_per_s']:.0f} events/s"
        )
    said = words()
    print(
        f"plain words: {said['right']}/{said['descriptions']} right on replayed events, "
        f"{said['wrong_device']} acting on another device; read p50 {said['read_p50_ms']:.1f} ms, p95 {said['read_p95_ms']:.1f} ms"
    )
    if not args.no_model:
        odd = odd_words()
        print(
            f"odd words ({odd['descriptions']}): {odd['right_alone']} right without the model, "
            f"{odd['right_with_model']} with it ({odd['made_wrong_with_model']} rules made that "
            f"do the wrong thing, {odd['wrong_device_with_model']} acting on another device); "
            f"{odd['ms_per_description']:.0f} ms per description with the model"
        )
        if args.failures:
            for line in odd["failures"]:
                print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
