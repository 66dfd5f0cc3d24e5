"""The public lexicon: the words a shared phrase may use, the same in every home.

The most frequent English words of ``wordfreq`` (installed with ``hausgeist[federated]``):
a list fixed before any home shares anything, so reading a sum back never tries a word
that came from a home.
"""

from __future__ import annotations

from functools import cache

from hausgeist.errors import FederationError

SOURCE = "wordfreq-en"


@cache
def english(size: int) -> tuple[str, ...]:
    """The ``size`` most frequent English words (letters only, lower case)."""
    try:
        from wordfreq import top_n_list
    except ImportError as exc:
        raise FederationError(
            "the federation's public lexicon needs the 'federated' extra: "
            "pip install 'hausgeist[federated]'"
        ) from exc
    return tuple(w for w in top_n_list("en", size) if w.isalpha() and w.islower())
