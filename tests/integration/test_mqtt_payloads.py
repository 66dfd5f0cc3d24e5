"""Command, answer and availability payloads."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausgeist.errors import PayloadError
from hausgeist.integration.payloads import (
    MAX_COMMAND_BYTES,
    Command,
    decode_command,
    encode_answer,
    error_answer,
    salvage_reply,
)


def test_plain_text_is_a_command() -> None:
    assert decode_command(b"  turn on the kitchen light\n") == Command(
        text="turn on the kitchen light"
    )


def test_json_command_with_every_key() -> None:
    payload = {
        "text": "turn it off",
        "id": "r-1",
        "area": "kitchen",
        "device": "media_player.kitchen",
        "reply_to": "hausgeist/replies/kitchen",
        "session": "s1",
        "future_key": 1,
    }
    command = decode_command(json.dumps(payload).encode())
    assert command.model_dump() == {k: v for k, v in payload.items() if k != "future_key"}


def test_a_numeric_id_is_echoed_as_text() -> None:
    assert decode_command(b'{"text": "hi", "id": 42}').id == "42"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xff\xfe turn on", "not UTF-8"),
        (b"turn on\x00 the light", "control characters"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "must be an object"),
        (b'{"id": "a"}', "text"),
        (b'{"text": ""}', "text"),
        (b'{"text": 5}', "text"),
        (b'{"text": "x", "id": true}', "id"),
        (b'{"text": "x", "area": ["a"]}', "area"),
        (b'{"text": "x\\u0007"}', "control characters"),
        (b"[" * 100_000, "over"),
        (b"x" * 3000, "over 2000"),
    ],
)
def test_bad_commands_say_what_is_wrong(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        decode_command(payload)


def test_oversize_commands_are_refused_but_an_id_at_their_start_is_read() -> None:
    payload = json.dumps({"text": "x" * 10, "id": "big", "pad": "y" * MAX_COMMAND_BYTES}).encode()
    with pytest.raises(PayloadError, match="limit"):
        decode_command(payload)
    assert salvage_reply(payload) == ("big", None)


@pytest.mark.parametrize(
    ("payload", "salvaged"),
    [
        (b'{"id": "x1", "text": "' + b"a" * 70_000 + b'"}', ("x1", None)),
        (
            b' {\n "reply_to": "hausgeist/r" , "id": 12, "text": "' + b"a" * 70_000,
            ("12", "hausgeist/r"),
        ),
        (b'{"text": "' + b"a" * 70_000 + b'", "id": "x1"}', (None, None)),
        (b'{"area": "' + b"k" * 5000 + b'", "id": "x1", "text": "' + b"a" * 70_000, (None, None)),
        (b'{"id": ' + b"[" * 5000 + b"1" * 70_000, (None, None)),
        (b'{"id": "x1" "text": "' + b"a" * 70_000, ("x1", None)),
        (b"x" * 70_000, (None, None)),
    ],
    ids=["id-first", "reply_to-first", "id-last", "id-past-4k", "deep", "no-comma", "text"],
)
def test_oversize_payloads_are_read_only_at_their_start(
    payload: bytes, salvaged: tuple[str | None, str | None]
) -> None:
    assert salvage_reply(payload) == salvaged


def test_deeply_nested_json_is_refused_not_crashed_on() -> None:
    with pytest.raises(PayloadError, match="nested too deeply"):
        decode_command(b'{"text": "x", "a": ' + b"[" * 20000 + b"]" * 20000 + b"}")
    # The id before the nesting is still read, from the payload's start.
    assert salvage_reply(b'{"id": "a", "x": ' + b"[" * 20000 + b"]" * 20000 + b"}") == ("a", None)


@pytest.mark.parametrize(
    ("payload", "salvaged"),
    [
        (b'{"text": "", "id": "a1", "reply_to": "hausgeist/r"}', ("a1", "hausgeist/r")),
        (b'{"id": 7}', ("7", None)),
        (b'{"text": "x\\u0000", "reply_to": "t"}', (None, "t")),
        (b"{broken", (None, None)),
        (b'{"id": "cut", "text": "turn on', ("cut", None)),
        (b'"just a string"', (None, None)),
        (b'{"id": {"nested": 1}}', (None, None)),
    ],
)
def test_salvage_reads_id_and_reply_to_of_broken_commands(
    payload: bytes, salvaged: tuple[str | None, str | None]
) -> None:
    assert salvage_reply(payload) == salvaged


def test_error_answer_has_the_contract_shape() -> None:
    answer = error_answer("I could not read that.", request_id="a1", error="bad_payload")
    assert answer["status"] == "not_understood"
    assert answer["id"] == "a1"
    assert {"reply", "actions", "pending", "source", "latency_ms"} <= answer.keys()
    assert json.loads(encode_answer(answer)) == answer


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_decode_or_raise_payload_error(payload: bytes) -> None:
    try:
        command = decode_command(payload)
    except PayloadError:
        salvage_reply(payload)
        return
    assert command.text.strip() == command.text
    assert command.text


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(["text", "id", "area", "device", "reply_to", "session", "state", "x"])


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(KEYS, JSON, max_size=6))
def test_any_json_object_decodes_or_raises_payload_error(data: dict[str, object]) -> None:
    payload = json.dumps(data).encode()
    try:
        decode_command(payload)
    except PayloadError:
        salvage_reply(payload)
