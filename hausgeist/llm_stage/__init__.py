"""The LLM stage: what a small model may decide when the deterministic core hands over.

Pure logic: prompts, grammars, the reading of the words (mentions, values, verbs), the
agreement and confidence checks, and :class:`~hausgeist.llm_stage.stage.LlmStage` itself.
It asks a model only through its port, :mod:`hausgeist.llm_stage.generation`
(:class:`Generator`); the llama.cpp adapter (:mod:`hausgeist.llm_runtime`) implements it.
Nothing here imports llama.cpp or the adapter.
"""
