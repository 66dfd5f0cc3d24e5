"""Compression on the box: distil the household's language into the tiny model.

The deterministic core teaches (:mod:`.data`), the default GGUF model learns on the
CPU (:mod:`.train`), the result is exported and quantized with llama.cpp's own tools
(:mod:`.export`) and, once it holds up, becomes this home's model (filed by
:mod:`hausgeist.llm_runtime.tuned_store`, which serves it).

Nothing here is imported by the agent; most of it needs the ``tune`` extra (torch, gguf).
"""

import os

# torch's OpenMP threads must not spin-wait: on a 2-core box that also runs llama.cpp
# a spinning thread makes each step up to ten times slower. Read once, when torch loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
