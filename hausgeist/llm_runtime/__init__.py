"""The llama.cpp adapter: find a GGUF model, load it once, answer prompts under a grammar.

Importing this package does not import llama.cpp; :meth:`LlamaRuntime.load` does.
"""

from hausgeist.llm_runtime.generation import Generation, GenerationRequest
from hausgeist.llm_runtime.info import RuntimeInfo
from hausgeist.llm_runtime.model_store import ModelSpec, resolve_model
from hausgeist.llm_runtime.options import RuntimeOptions
from hausgeist.llm_runtime.packaged import PACKAGED_MODELS
from hausgeist.llm_runtime.runtime import LlamaRuntime
from hausgeist.llm_runtime.stop import ModelTimeoutError

__all__ = [
    "PACKAGED_MODELS",
    "Generation",
    "GenerationRequest",
    "LlamaRuntime",
    "ModelSpec",
    "ModelTimeoutError",
    "RuntimeInfo",
    "RuntimeOptions",
    "resolve_model",
]
