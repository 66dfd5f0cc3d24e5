"""Rules from plain words (``hausgeist automations add``)."""

from hausgeist.automations.words.reader import RuleFromWords, RuleReader

__all__ = ["RuleFromWords", "RuleReader"]
