"""One choice among a few written options, put to the model under a grammar that admits only
those options: how the automation reader asks what an event in odd words means ("someone
wanders through the hallway": the Hallway Motion turning on?). The answer counts only as
sure as the model was of it (:mod:`gate`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

MAX_OPTIONS = 24
"""More options than this are not put to the model: the words must narrow them first."""


def choice_grammar(options: Sequence[str]) -> str:
    """A GBNF grammar whose only sentences are ``options``."""
    if not options:
        raise ValueError("a choice needs at least one option")
    return "root ::= " + " | ".join(json.dumps(option) for option in options) + "\n"


def choice_prompt(question: str, options: Sequence[str], text: str) -> tuple[str, str]:
    """The fixed part (the task) and the request's part (the words and the options)."""
    prefix = (
        "<|im_start|>system\nYou read what a person wrote about their home and pick the one "
        "option that means the same. Answer with the option exactly as written.<|im_end|>\n"
    )
    listed = "\n".join(f"- {option}" for option in options)
    suffix = (
        f"<|im_start|>user\n{question}\nWords: {json.dumps(text, ensure_ascii=False)}\n"
        f"Options:\n{listed}<|im_end|>\n<|im_start|>assistant\n"
    )
    return prefix, suffix
