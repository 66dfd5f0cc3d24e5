"""``hausgeist ask`` bounds what it reads: an over-long text or line is answered at once, unread."""

from __future__ import annotations

import io
import json

from cli_support import HOME, Hausgeist

from hausgeist.commands import ask
from hausgeist.integration.payloads import MAX_TEXT_CHARS

CONFIG = ["--config", str(HOME)]
GOOD = b'{"text": "turn on the hallway light"}\n'


def test_text_over_the_limit_is_answered_unread(hausgeist: Hausgeist) -> None:
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "x" * (MAX_TEXT_CHARS + 1))
    assert run.code == 0, run.err
    [answer] = run.json_lines()
    assert answer["status"] == "not_understood"
    assert answer["actions"] == []
    assert str(MAX_TEXT_CHARS) in answer["error"]
    assert f"{MAX_TEXT_CHARS + 1} characters" in answer["reply"]


def test_text_at_the_limit_is_read(hausgeist: Hausgeist) -> None:
    text = "turn on the hallway light " + "please " * 400
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", text[:MAX_TEXT_CHARS])
    [answer] = run.json_lines()
    assert "error" not in answer
    assert answer["source"] != "input"


def test_plain_output_says_why_too(hausgeist: Hausgeist) -> None:
    run = hausgeist("ask", *CONFIG, "--dry-run", "lights " * 1000)
    assert run.code == 0, run.err
    assert f"at most {MAX_TEXT_CHARS}" in run.out


def test_long_text_in_a_json_line_is_answered_in_its_place(hausgeist: Hausgeist) -> None:
    long = json.dumps({"text": "turn on the kitchen light and " * 3000, "id": 7}).encode()
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "-", stdin=GOOD + long + b"\n" + GOOD)
    assert run.code == 0, run.err
    first, refused, last = run.json_lines()
    assert first["status"] == last["status"] == "done"
    assert refused["status"] == "not_understood"
    assert refused["id"] == "7"
    assert "90000 characters" in refused["error"]


def test_a_ten_megabyte_line_is_skipped_not_read(hausgeist: Hausgeist) -> None:
    huge = b'{"text": "' + b"a" * 10_000_000 + b'"}\n'
    run = hausgeist("ask", *CONFIG, "--json", "--dry-run", "-", stdin=GOOD + huge + GOOD)
    assert run.code == 0, run.err
    first, skipped, last = run.json_lines()
    assert first["status"] == last["status"] == "done"
    assert skipped["status"] == "not_understood"
    assert "10000013 bytes" in skipped["error"]
    assert "Input line 2" in skipped["reply"]


def test_a_long_last_line_without_newline_is_answered() -> None:
    lines = list(ask._lines(io.BytesIO(GOOD + b"b" * (ask.MAX_LINE_BYTES + 5))))
    assert lines == [(1, GOOD), (2, ask.MAX_LINE_BYTES + 5)]


def test_a_line_of_exactly_the_limit_is_read() -> None:
    line = b"c" * ask.MAX_LINE_BYTES + b"\n"
    assert list(ask._lines(io.BytesIO(line + GOOD))) == [(1, line), (2, GOOD)]


class _Reads(io.BytesIO):
    """Remembers the most bytes one read returned."""

    most = 0

    def readline(self, size: int | None = -1, /) -> bytes:
        chunk = super().readline(size)
        self.most = max(self.most, len(chunk))
        return chunk


def test_no_read_holds_more_than_the_line_limit() -> None:
    stdin = _Reads(GOOD + b"d" * (5 * ask.MAX_LINE_BYTES) + b"\n" + GOOD)
    numbers = [n for n, _ in ask._lines(stdin)]
    assert numbers == [1, 2, 3]
    assert stdin.most <= ask.MAX_LINE_BYTES + 1
