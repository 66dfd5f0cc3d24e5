"""The durable outbox (real SQLite files)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hausgeist.errors import IntegrationError
from hausgeist.integration.outbox import (
    Accepted,
    CommandState,
    Outbox,
    PublishKind,
    Repeat,
)
from hausgeist.integration.payloads import Command


@dataclass(frozen=True)
class Pub:
    topic: str
    payload: bytes
    qos: int = 1
    retain: bool = False


CALL = {"service": "light.turn_on", "entity_id": "light.kitchen", "data": {}}


@pytest.fixture
def outbox(tmp_path: Path):
    box = Outbox.open(tmp_path / "outbox.db")
    yield box
    box.close()


def _accept(outbox: Outbox, command: Command, topic: str = "hg/response") -> str:
    result = outbox.accept(command, topic)
    assert isinstance(result, Accepted)
    return result.key


def test_a_command_with_a_known_id_is_a_repeat(outbox: Outbox) -> None:
    key = _accept(outbox, Command(text="turn on", id="a1"))
    again = outbox.accept(Command(text="turn on", id="a1"), "elsewhere")
    assert isinstance(again, Repeat)
    assert again.stored.key == key
    assert again.stored.answer is None
    outbox.record_answer(key, b'{"status":"done"}')
    again = outbox.accept(Command(text="something else", id="a1"), "hg/response")
    assert isinstance(again, Repeat)
    assert again.stored.answer == b'{"status":"done"}'
    assert again.stored.state is CommandState.ANSWERED


def test_commands_without_id_are_never_repeats(outbox: Outbox) -> None:
    first = _accept(outbox, Command(text="turn on"))
    second = _accept(outbox, Command(text="turn on"))
    assert first != second


def test_dispatch_and_answer_go_out_in_order_until_acknowledged(outbox: Outbox) -> None:
    key = _accept(outbox, Command(text="turn on", id="a1"), "hg/replies/x")
    outbox.record_dispatch(key, [CALL], [Pub("z/a/set", b"1"), Pub("z/b/set", b"2")], expires=None)
    assert outbox.command(key).state is CommandState.DISPATCHED
    assert outbox.command(key).calls == (CALL,)
    outbox.record_answer(key, b"answer")
    out = outbox.outgoing()
    assert [(o.kind, o.topic, o.payload) for o in out] == [
        (PublishKind.DEVICE, "z/a/set", b"1"),
        (PublishKind.DEVICE, "z/b/set", b"2"),
        (PublishKind.ANSWER, "hg/replies/x", b"answer"),
    ]
    assert {o.request_id for o in out} == {"a1"}
    outbox.mark_done(out[0].seq)
    assert [o.topic for o in outbox.outgoing()] == ["z/b/set", "hg/replies/x"]
    assert [o.topic for o in outbox.outgoing(after_seq=out[1].seq)] == ["hg/replies/x"]
    assert outbox.open_count() == 2


def test_dispatch_for_an_unknown_command_stores_nothing(outbox: Outbox) -> None:
    with pytest.raises(IntegrationError, match="no command"):
        outbox.record_dispatch("id:nope", [CALL], [Pub("z/a/set", b"1")], expires=None)
    assert outbox.outgoing() == []


def test_dispatch_outside_a_command_is_stored_too(outbox: Outbox) -> None:
    outbox.record_dispatch(None, [CALL], [Pub("z/a/set", b"1")], expires=time.time() + 30)
    [item] = outbox.outgoing()
    assert item.request_id is None
    assert 29 <= (item.remaining_s(time.time()) or 0) <= 30


def test_everything_survives_a_reopen(tmp_path: Path) -> None:
    box = Outbox.open(tmp_path / "o.db")
    done = _accept(box, Command(text="one", id="1"))
    box.record_answer(done, b"a1")
    half = _accept(box, Command(text="two", id="2"))
    box.record_dispatch(half, [CALL], [Pub("z/set", b"x")], expires=None)
    new = _accept(box, Command(text="three", id="3", area="kitchen"))
    box.close()

    box = Outbox.open(tmp_path / "o.db")
    assert [c.key for c in box.unfinished()] == [half, new]
    assert box.command(new).command == Command(text="three", id="3", area="kitchen")
    assert box.command(half).state is CommandState.DISPATCHED
    assert [o.topic for o in box.outgoing()] == ["hg/response", "z/set"]
    repeat = box.accept(Command(text="one", id="1"), "t")
    assert isinstance(repeat, Repeat)
    assert repeat.stored.answer == b"a1"
    box.close()


def test_prune_keeps_the_newest_answered_commands(outbox: Outbox) -> None:
    keys = []
    for i in range(5):
        key = _accept(outbox, Command(text="x", id=str(i)))
        outbox.record_answer(key, b"a")
        keys.append(key)
    for item in outbox.outgoing():
        outbox.mark_done(item.seq)
    pending = _accept(outbox, Command(text="y", id="p"))
    outbox.prune(keep_commands=2)
    assert isinstance(outbox.accept(Command(text="x", id="4"), "t"), Repeat)
    assert isinstance(outbox.accept(Command(text="x", id="0"), "t"), Accepted)
    assert outbox.command(pending).state is CommandState.ACCEPTED


def test_an_unwritable_outbox_says_what_to_do(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(IntegrationError, match="outbox"):
        Outbox.open(blocker / "sub" / "o.db")
