"""Personalization: what the agent learns of its household's words and habits.

Pure: events in (what was asked, what was answered, corrections), knowledge out (learned
phrases the resolver reads like configured aliases, habits that fill in values nobody
said). The history database keeps the events (:class:`LearningEvent`); nothing leaves the
house.
"""

from hausgeist.history.learned import LearningEvent
from hausgeist.learning.knowledge import Habit, Knowledge, LearnedPhrase
from hausgeist.learning.learner import Learner, LearningSink

__all__ = ["Habit", "Knowledge", "LearnedPhrase", "Learner", "LearningEvent", "LearningSink"]
