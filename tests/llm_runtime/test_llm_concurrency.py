"""One worker, FIFO order, timeouts that free the model, an event loop that never blocks."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from hausgeist.llm_runtime import GenerationRequest, ModelTimeoutError

pytestmark = pytest.mark.llm

# An abandoned request must free the worker within one step: a token, or a prompt chunk
# of 64 tokens (0.25 s on two idle cores, 2 s when other processes share them). The
# requests abandoned here would hold the worker for over 6 s (a long prompt) or 10 s
# (the endless grammar) if they were not stopped.
FREED_WITHIN_MS = 4000


def _follow_up(runtime, chat):
    return runtime.generate(
        GenerationRequest(
            chat.prefix("follow-up"), chat.suffix("lamp on"), chat.device_grammar, 40
        ),
        30,
    )


def test_a_long_generation_is_abandoned_at_its_timeout(runtime, chat):
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError, match=r"did not answer within 0\.5 s"):
        runtime.generate(
            GenerationRequest(chat.prefix("endless"), chat.suffix("x"), chat.endless_grammar, 1000),
            0.5,
        )
    assert time.monotonic() - started < 1.5

    answer = _follow_up(runtime, chat)
    json.loads(answer.text)
    assert answer.queued_ms < FREED_WITHIN_MS


def test_a_long_prompt_is_abandoned_between_chunks(runtime, chat):
    long_prefix = chat.prefix("long prompt", repeat=50)  # ~1,700 tokens, ~6 s to evaluate
    with pytest.raises(ModelTimeoutError):
        runtime.generate(GenerationRequest(long_prefix, chat.suffix("x"), None, 8), 0.3)
    assert _follow_up(runtime, chat).queued_ms < FREED_WITHIN_MS


async def test_agenerate_times_out_and_the_next_request_works(runtime, chat):
    with pytest.raises(ModelTimeoutError) as caught:
        await runtime.agenerate(
            GenerationRequest(chat.prefix("endless"), chat.suffix("x"), chat.endless_grammar, 1000),
            0.4,
        )
    assert caught.value.timeout_s == 0.4
    answer = await runtime.agenerate(
        GenerationRequest(chat.prefix("after"), chat.suffix("fan off"), chat.device_grammar, 40), 30
    )
    assert answer.queued_ms < FREED_WITHIN_MS


async def test_concurrent_requests_complete_in_arrival_order(runtime, chat):
    prefix = chat.prefix("fifo")
    finished: list[int] = []

    async def ask(n: int) -> float:
        text = f"turn {chat.actions[n % 2]} the {chat.devices[n % 3]}"
        answer = await runtime.agenerate(
            GenerationRequest(prefix, chat.suffix(text), chat.device_grammar, 40), 60
        )
        finished.append(n)
        json.loads(answer.text)
        return answer.queued_ms

    waits = await asyncio.gather(*(ask(n) for n in range(5)))
    assert finished == [0, 1, 2, 3, 4]
    assert waits == sorted(waits)


async def test_waiting_for_the_model_does_not_block_the_event_loop(runtime, chat):
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    await runtime.agenerate(
        GenerationRequest(chat.prefix("ticks"), chat.suffix("heater on"), chat.device_grammar, 40),
        30,
    )
    elapsed = time.monotonic() - started
    ticker.cancel()
    assert ticks >= elapsed / 0.01 / 3  # the loop kept running while the model worked


async def test_a_request_that_expires_in_the_queue_never_runs(runtime, chat):
    busy = asyncio.create_task(
        runtime.agenerate(
            GenerationRequest(chat.prefix("busy"), chat.suffix("x"), chat.endless_grammar, 1000),
            1.0,
        )
    )
    await asyncio.sleep(0)  # let it reach the worker first
    started = time.monotonic()
    with pytest.raises(ModelTimeoutError):
        await runtime.agenerate(
            GenerationRequest(chat.prefix("queued"), chat.suffix("x"), None, 8), 0.2
        )
    assert time.monotonic() - started < 0.6  # raised at its own deadline, not the busy one's
    with pytest.raises(ModelTimeoutError):
        await busy


async def test_a_cancelled_request_frees_the_worker(runtime, chat):
    task = asyncio.create_task(
        runtime.agenerate(
            GenerationRequest(chat.prefix("cancel"), chat.suffix("x"), chat.endless_grammar, 1000),
            30,
        )
    )
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    answer = await runtime.agenerate(
        GenerationRequest(
            chat.prefix("after cancel"), chat.suffix("lamp off"), chat.device_grammar, 40
        ),
        30,
    )
    assert answer.queued_ms < FREED_WITHIN_MS
