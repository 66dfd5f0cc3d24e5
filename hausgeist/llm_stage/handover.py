"""Which handed-over requests the LLM stage does not even try.

Questions are answered from the state store by the core alone (the grammar can only
write actions), and a bare "yes", "no" or PIN belongs to a conversation: a model
that has not seen it must not guess what it confirms.
"""

from __future__ import annotations

from hausgeist.understanding.words import NO, QUESTION_WORDS, YES, readings, tokenize

_POLITE = frozenset({"that", "is", "fine", "thanks", "thank", "you", "great", "good", "cool"})
_REPLY_WORDS = YES | NO | _POLITE


def skip_reason(text: str) -> str | None:
    """Why the stage leaves ``text`` to the core, or None when it may try."""
    words = [w for w in tokenize(text) if w not in {",", ".", "!"}]
    if not words:
        return "nothing was said"
    if all(w in _REPLY_WORDS or w.isdigit() for w in words):
        return "a reply to a question (yes, no, a PIN) belongs to its conversation"
    if text.strip().endswith("?"):
        return "a question: only the core answers from the home's state"
    if words[0] in QUESTION_WORDS and words[1:2] != ["not"] and next(readings(words), None) is None:
        return "a question: only the core answers from the home's state"
    return None
