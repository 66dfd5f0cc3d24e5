"""The llama.cpp adapter: find a GGUF model, load it once, answer prompts under a grammar.

It implements the LLM stage's port (:class:`~hausgeist.llm_stage.generation.Generator`):
requests and answers are the stage's :class:`GenerationRequest` and :class:`Generation`.
Importing this package does not import llama.cpp; :meth:`LlamaRuntime.load` does.
"""

from hausgeist.llm_runtime.info import RuntimeInfo
from hausgeist.llm_runtime.model_store import ModelSpec, resolve_model
from hausgeist.llm_runtime.options import RuntimeOptions
from hausgeist.llm_runtime.packaged import PACKAGED_MODELS
from hausgeist.llm_runtime.runtime import LlamaRuntime, load_runtime
from hausgeist.llm_stage.generation import Generation, GenerationRequest, ModelTimeoutError

__all__ = [
    "PACKAGED_MODELS",
    "Generation",
    "GenerationRequest",
    "LlamaRuntime",
    "ModelSpec",
    "ModelTimeoutError",
    "RuntimeInfo",
    "RuntimeOptions",
    "load_runtime",
    "resolve_model",
]
