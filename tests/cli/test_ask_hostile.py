"""Whatever a JSON line holds, ``hausgeist ask -`` answers it, in its place, and goes on.

Through the real program on the embedded example home (the LLM stage off, so that a line
the core cannot read costs no model time; it gets the same states)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hausgeist.domains.attributes import SHAPES

EXAMPLE_IDS = (
    "sensor.bathroom_humidity",
    "climate.living_room_thermostat",
    "todo.shopping_list",
    "media_player.kitchen_speaker",
    "media_player.living_room_tv",
    "light.office_desk_lamp",
    "fan.bedroom_fan",
    "cover.living_room_blinds",
    "humidifier.kids_room_humidifier",
    "water_heater.boiler",
    "vacuum.robot_vacuum",
    "sensor.living_room_temperature",
)
TEXTS = (
    "how humid is the bathroom",
    "what is the temperature in the living room",
    "what's on the shopping list",
    "add milk to the shopping list",
    "what is the volume of the kitchen speaker",
    "turn the kitchen speaker up",
    "make it a degree warmer in the living room",
    "what is the thermostat set to",
    "what's playing on the tv",
    "brighten the desk lamp",
    "set the bedroom fan to 50 percent",
    "turn the bedroom fan up",
    "open the blinds halfway",
    "set the humidifier to 45",
    "what's the battery of the robot vacuum",
    "set the boiler to eco",
    "is the tv on",
    "turn on the coffee machine",
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**30, max_value=10**300)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(["NaN", "nan", "inf", "-Infinity", "1e400", "on", "[41]", "unknown", ""])
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["summary", "status", "name", "x"]), inner, max_size=3)
    ),
    max_leaves=6,
)
entity_states = st.fixed_dictionaries(
    {},
    optional={
        "state": values,
        "attributes": st.dictionaries(
            st.sampled_from(sorted(SHAPES)) | st.text(max_size=6), values, max_size=6
        ),
    },
)
requests = st.fixed_dictionaries(
    {"text": st.sampled_from(TEXTS) | st.text(max_size=30)},
    optional={
        "state": st.dictionaries(
            st.sampled_from(EXAMPLE_IDS) | st.text(max_size=10), entity_states, max_size=3
        ),
        "session": st.sampled_from(["a", "b"]),
    },
)


def _is_request(raw: bytes) -> bool:
    try:
        data = json.loads(raw)
    except ValueError:
        return False
    return isinstance(data, dict) and "text" in data


# A line is a request (tagged with its id) or any bytes that are not one.
lines = st.one_of(
    requests.map(lambda r: ("request", r)),
    st.binary(max_size=60)
    .filter(lambda b: b"\n" not in b and not _is_request(b))
    .map(lambda b: ("bytes", b)),
)


def _ask(stdin: bytes, tmp: Path, **env: str) -> subprocess.CompletedProcess[bytes]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("HAUSGEIST_", "LC_"))}
    base.pop("PYTHONIOENCODING", None)
    base.update(
        HAUSGEIST_DATA_DIR=str(tmp / "data"), HAUSGEIST_LLM__ENABLED="false", LC_ALL="C", **env
    )
    return subprocess.run(
        [sys.executable, "-m", "hausgeist", "ask", "--json", "--dry-run", "-"],
        input=stdin,
        capture_output=True,
        env=base,
        timeout=120,
        check=False,
    )


def _answers(proc: subprocess.CompletedProcess[bytes]) -> list[dict[str, Any]]:
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    assert b"Traceback" not in proc.stderr, proc.stderr.decode(errors="replace")
    return [json.loads(line) for line in proc.stdout.decode().splitlines()]


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(lines, min_size=1, max_size=12))
def test_every_line_is_answered_in_order(
    tmp_path_factory: pytest.TempPathFactory, generated: list[tuple[str, Any]]
) -> None:
    stdin, expected = b"", []
    for number, (kind, line) in enumerate(generated, start=1):
        raw = json.dumps({**line, "id": f"L{number}"}).encode() if kind == "request" else line
        stdin += raw + b"\n"
        if raw.strip():
            expected.append((number, f"L{number}" if kind == "request" else None))
    answers = _answers(_ask(stdin, tmp_path_factory.mktemp("ask")))
    assert len(answers) == len(expected)
    for answer, (number, request_id) in zip(answers, expected, strict=True):
        assert answer.get("error") != "internal", answer
        if request_id is not None:
            assert answer["id"] == request_id
        if "error" in answer:
            assert f"line {number} " in answer["reply"], answer


def test_a_list_valued_attribute_is_a_clear_error_and_the_stream_goes_on(tmp_path: Path) -> None:
    bad = {"humidity": {"state": [41]}, "items": {"attributes": {"items": 5}}}
    stdin = b"".join(
        json.dumps(
            {"text": text, "state": {entity: value}, "id": name}, ensure_ascii=False
        ).encode()
        + b"\n"
        for (name, value), (entity, text) in zip(
            bad.items(),
            [
                ("sensor.bathroom_humidity", "how humid is the bathroom"),
                ("todo.shopping_list", "what's on the shopping list"),
            ],
            strict=True,
        )
    )
    stdin += b'{"text": "how humid is the bathroom", "id": "last"}\n'
    humidity, items, last = _answers(_ask(stdin, tmp_path))
    assert humidity["id"] == "humidity"
    assert "sensor.bathroom_humidity.state must be" in humidity["error"]
    assert "todo.shopping_list.attributes.items must be a list" in items["error"]
    assert last["status"] == "answer"
    assert "%" in last["reply"]


@pytest.mark.parametrize(
    "env",
    [{}, {"PYTHONUTF8": "0"}, {"PYTHONIOENCODING": "utf-8:strict"}],
    ids=["C", "C-no-utf8-mode", "strict-utf8"],
)
def test_bytes_that_are_not_utf8_are_answered_under_any_locale(
    tmp_path: Path, env: dict[str, str]
) -> None:
    stdin = (
        b'{"text": "turn on the kitchen light"}\n'
        b'{"text": "caf\xe9 \xff"}\n'
        b"\xff\xfe\x00garbage\n"
        b'\xef\xbb\xbf{"text": "what is the temperature in the living room", "id": "\xc3\xa9"}\n'
    )
    done, latin1, garbage, temperature = _answers(_ask(stdin, tmp_path, **env))
    assert done["status"] == "done"
    assert latin1["error"] == "not UTF-8: byte 14 is 0xe9"
    assert garbage["error"] == "not UTF-8: byte 1 is 0xff"
    assert temperature["id"] == "é"
    assert "°C" in temperature["reply"]


def test_text_arguments_that_are_not_utf8_are_read(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAUSGEIST_", "LC_"))}
    env.update(
        HAUSGEIST_DATA_DIR=str(tmp_path), HAUSGEIST_LLM__ENABLED="false", LC_ALL="C", PYTHONUTF8="0"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "hausgeist", "ask", "--json", "--dry-run", b"lights \xff on"],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    [answer] = _answers(proc)
    assert "status" in answer
