"""Small GBNF building blocks: JSON string literals, integer and decimal ranges, text.

GBNF is llama.cpp's grammar language (``grammars/README.md`` in llama.cpp): rules
``name ::= alternatives``, quoted literals, character classes and ``{m,n}`` repeats.
"""

from __future__ import annotations

import json
import math

TEXT_CHARS = r"[a-zA-Z0-9 ,.'&()-]"
"""Characters of free text the model may write (a todo item): no quotes, braces or escapes."""


def literal(text: str) -> str:
    """A GBNF literal matching exactly ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def json_string(value: str) -> str:
    """A GBNF literal matching ``value`` written as a JSON string (with its quotes)."""
    return literal(json.dumps(value, ensure_ascii=False))


def alternatives(items: list[str]) -> str:
    """``a | b | c``, each item already a GBNF expression."""
    return " | ".join(items)


def int_range(lo: int, hi: int) -> str:
    """A GBNF expression matching the integers ``lo``..``hi`` written without leading zeros."""
    if lo > hi:
        raise ValueError(f"empty range {lo}..{hi}")
    parts: list[str] = []
    if lo < 0:
        negative = _natural_range(max(1, -hi), -lo)
        parts.append(f'"-" ({negative})')
    if hi >= 0:
        parts.append(_natural_range(max(0, lo), hi))
    return alternatives(parts)


def decimal_range(lo: float, hi: float, places: int = 2) -> str:
    """Decimals in ``lo``..``hi`` (non-negative), up to ``places`` fraction digits.

    Exact at whole-number bounds: ``7``..``35`` allows ``34.5`` and ``35`` but not ``35.5``.
    Fractional bounds are widened to whole numbers; validation checks them afterwards."""
    low, high = math.floor(lo), math.ceil(hi)
    if low < 0:
        raise ValueError(f"decimal ranges must be non-negative, got {lo}..{hi}")
    fraction = '"." [0-9]' + " [0-9]?" * (places - 1)
    top = f'"{high}" (".0")?'
    if low == high:
        return top
    return f"({_natural_range(low, high - 1)}) ({fraction})? | {top}"


def text(max_chars: int) -> str:
    """A JSON string of 1..``max_chars`` plain characters."""
    return f'"\\"" {TEXT_CHARS}{{1,{max_chars}}} "\\""'


def _natural_range(lo: int, hi: int) -> str:
    """Non-negative integers ``lo``..``hi``, split by number of digits."""
    parts: list[str] = []
    for digits in range(len(str(lo)), len(str(hi)) + 1):
        first = max(lo, 10 ** (digits - 1) if digits > 1 else 0)
        last = min(hi, 10**digits - 1)
        if first <= last:
            parts.extend(_same_length(str(first), str(last)))
    return alternatives(parts)


def _same_length(lo: str, hi: str) -> list[str]:
    """Patterns for the numbers ``lo``..``hi`` that have the same number of digits."""
    if lo == hi:
        return [literal(lo)]
    if len(lo) == 1:
        return [f"[{lo}-{hi}]"]
    rest = len(lo) - 1
    if lo[0] == hi[0]:
        return [f"{literal(lo[0])} ({p})" for p in _same_length(lo[1:], hi[1:])]
    if lo[1:] == "0" * rest and hi[1:] == "9" * rest:
        return [f"[{lo[0]}-{hi[0]}]" + " [0-9]" * rest]
    out = [f"{literal(lo[0])} ({p})" for p in _same_length(lo[1:], "9" * rest)]
    low_mid, high_mid = int(lo[0]) + 1, int(hi[0]) - 1
    if low_mid <= high_mid:
        out.append(f"[{low_mid}-{high_mid}]" + " [0-9]" * rest)
    out.extend(f"{literal(hi[0])} ({p})" for p in _same_length("0" * rest, hi[1:]))
    return out
