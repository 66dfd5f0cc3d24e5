"""The model's own tokenizer, read from the GGUF by llama.cpp (vocabulary only, no weights).

Training text is tokenized exactly as the runtime tokenizes its prompts: the prefix
with the beginning-of-text token, the suffix without, chat markers as control tokens.
"""

from __future__ import annotations

import ctypes
import logging
from pathlib import Path
from typing import Any

from hausgeist.errors import ModelError


class Tokenizer:
    """Text to token ids with the vocabulary of one GGUF file."""

    def __init__(self, path: Path) -> None:
        import llama_cpp

        # llama.cpp logs through this logger; Llama(verbose=False) quiets it the same way.
        logging.getLogger("llama-cpp-python").setLevel(logging.ERROR)
        self._lib: Any = llama_cpp
        params = llama_cpp.llama_model_default_params()
        params.vocab_only = True
        self._model = llama_cpp.llama_model_load_from_file(str(path).encode(), params)
        if not self._model:
            raise ModelError(f"llama.cpp could not read the vocabulary of {path}")
        self._vocab = llama_cpp.llama_model_get_vocab(self._model)
        self.end: int = int(llama_cpp.llama_vocab_eos(self._vocab))
        """The end-of-turn token that closes an answer (``<|im_end|>`` for SmolLM2)."""
        self.size: int = int(llama_cpp.llama_vocab_n_tokens(self._vocab))
        """Tokens in the vocabulary."""

    @property
    def vocab(self) -> Any:
        """llama.cpp's vocabulary handle (for a grammar sampler)."""
        return self._vocab

    def encode(self, text: str, *, bos: bool = False) -> list[int]:
        """Token ids of ``text``; ``bos`` puts the beginning-of-text token first."""
        if not text:
            return []
        raw = text.encode("utf-8")
        room = len(raw) + 8
        buffer = (self._lib.llama_token * room)()
        n = self._lib.llama_tokenize(self._vocab, raw, len(raw), buffer, room, bos, True)  # noqa: FBT003 (ctypes: add_special, parse_special)
        if n < 0:
            raise ModelError(f"cannot tokenize {text[:40]!r}")
        return list(buffer[:n])

    def decode(self, ids: list[int]) -> str:
        """Text of token ids (control tokens included)."""
        out = bytearray()
        piece = ctypes.create_string_buffer(64)
        for token in ids:
            n = self._lib.llama_token_to_piece(self._vocab, token, piece, 64, 0, True)  # noqa: FBT003 (ctypes: lstrip, special)
            out += piece.raw[: max(n, 0)]
        return out.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Free the vocabulary."""
        if self._model:
            self._lib.llama_model_free(self._model)
            self._model = None
