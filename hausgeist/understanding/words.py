"""The core's words and readings that the LLM stage and the tuner share with it.

The core's modules are its own business; whoever reads requests beside it (the LLM stage,
the tuner's data) imports from here and from :mod:`hausgeist.understanding`, never from
the modules behind them. The definitions stay where the core uses them: this module only
names the public part.
"""

from hausgeist.understanding.core import strip_fillers
from hausgeist.understanding.followup import NO, YES
from hausgeist.understanding.index import Kind, Match, NameIndex
from hausgeist.understanding.intents import (
    Action,
    arm_mode,
    is_rule_word,
    is_verb_word,
    near_keys,
    readings,
    verb_behind_typo,
    word_behind_typo,
)
from hausgeist.understanding.plan import STEP_PCT, TABLE
from hausgeist.understanding.policy import is_sensitive
from hausgeist.understanding.questions import QUESTION_WORDS
from hausgeist.understanding.resolve import FLOOR_WIDE, area_and_type
from hausgeist.understanding.text import as_number, singular, tokenize
from hausgeist.understanding.vocabulary import (
    COLOR_TEMPS,
    COLORS,
    STOP_WORDS,
    TYPE_WORDS,
    TypeHint,
)

__all__ = [
    "COLORS",
    "COLOR_TEMPS",
    "FLOOR_WIDE",
    "NO",
    "QUESTION_WORDS",
    "STEP_PCT",
    "STOP_WORDS",
    "TABLE",
    "TYPE_WORDS",
    "YES",
    "Action",
    "Kind",
    "Match",
    "NameIndex",
    "TypeHint",
    "area_and_type",
    "arm_mode",
    "as_number",
    "is_rule_word",
    "is_sensitive",
    "is_verb_word",
    "near_keys",
    "readings",
    "singular",
    "strip_fillers",
    "tokenize",
    "verb_behind_typo",
    "word_behind_typo",
]
