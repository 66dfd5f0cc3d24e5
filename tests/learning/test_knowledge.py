"""Folding events: evidence grows, disuse decays, evidence against and forgetting remove."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hausgeist.history.learned import EventKind, LearningEvent
from hausgeist.learning.knowledge import Knowledge, Settings

T0 = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)
BIG = {"phrase": "big light", "entity_id": "light.ceiling", "area": "living_room"}


def phrase(weight: float, at: datetime = T0, kind: EventKind = EventKind.PHRASE) -> LearningEvent:
    return LearningEvent(kind, at, {**BIG, "weight": weight}, "r1")


def test_one_answer_is_not_enough_two_are() -> None:
    knowledge = Knowledge.folded([phrase(1)])
    assert knowledge.best("big light", ["living_room"], T0) is None
    knowledge.apply(phrase(1, T0 + timedelta(minutes=1)))
    assert knowledge.best("big light", ["living_room"], T0) is not None
    assert knowledge.best("big light", ["kitchen", None], T0) is None


def test_unused_it_fades_after_a_half_life_and_use_keeps_it() -> None:
    settings = Settings(min_evidence=2, half_life_days=30)
    knowledge = Knowledge.folded([phrase(2)], settings)
    [item] = knowledge.phrases.values()
    assert item.active(T0 + timedelta(days=29), settings)
    assert not item.active(T0 + timedelta(days=31), settings)
    used = LearningEvent(EventKind.USED, T0 + timedelta(days=25), {"item": item.item_id}, "r2")
    knowledge.apply(used)
    assert item.active(T0 + timedelta(days=50), settings)
    assert item.confidence(T0 + timedelta(days=25), settings) > item.confidence(
        T0 + timedelta(days=50), settings
    )


def test_evidence_against_and_forget_remove_it() -> None:
    knowledge = Knowledge.folded([phrase(2), phrase(2, kind=EventKind.AGAINST)])
    assert not knowledge.phrases
    knowledge = Knowledge.folded([phrase(2)])
    [key] = knowledge.phrases
    knowledge.apply(LearningEvent(EventKind.FORGET, T0, {"item": key}))
    assert not knowledge.phrases
    # Forgetting follows the order the events were kept in, not their times.
    knowledge.apply(phrase(2, T0 - timedelta(days=1)))
    knowledge.apply(LearningEvent(EventKind.FORGET, T0 - timedelta(days=2), {"all": True}))
    assert not knowledge.phrases


def test_a_habit_needs_agreeing_values_and_withdrawn_ones_do_not_count() -> None:
    def value(v: float, day: int, rid: str) -> LearningEvent:
        local = (T0 + timedelta(days=day, hours=3)).isoformat()
        data = {"entity_id": "light.bed", "attribute": "brightness_pct", "value": v}
        return LearningEvent(EventKind.VALUE, T0, {**data, "local_time": local}, rid)

    knowledge = Knowledge.folded([value(20, 0, "a"), value(80, 1, "b")])
    night = T0 + timedelta(days=5, hours=3)
    habit = knowledge.habit("light.bed", "brightness_pct", night)
    assert habit is not None
    assert habit.value(night, knowledge.settings) is None  # 20 and 80 do not agree
    knowledge.apply(LearningEvent(EventKind.WITHDRAW, T0, {"request": "b"}))
    knowledge.apply(value(25, 2, "c"))
    assert habit.value(night, knowledge.settings) == 22.5
    assert knowledge.habit("light.bed", "brightness_pct", T0 + timedelta(hours=-10)) is None


def meant(text: str, entity: str, rid: str, area: str | None = "living_room") -> LearningEvent:
    call = {"service": "light.turn_on", "entity_id": entity, "data": {}}
    data = {"text": text, "area": area, "calls": [call], "source": "correction"}
    return LearningEvent(EventKind.MEANT, T0, data, rid)


def test_what_words_meant_stands_until_it_is_taken_back() -> None:
    knowledge = Knowledge.folded(
        [meant("put the big one on", "light.ceiling", "c1"), meant("lamp on", "light.lamp", "c2")]
    )
    assert [m.entities for m in knowledge.meant.values()] == [["light.ceiling"], ["light.lamp"]]
    # the same words meaning something else later: the newest meaning wins
    knowledge.apply(meant("Put the big  one on", "light.lamp", "c3"))
    assert [(m.text, m.entities) for m in knowledge.meant.values()] == [
        ("lamp on", ["light.lamp"]),
        ("Put the big one on", ["light.lamp"]),
    ]
    # the correction that said so is itself corrected, undone or said to be wrong
    knowledge.apply(LearningEvent(EventKind.WITHDRAW, T0, {"request": "c2"}, "c4"))
    assert [m.text for m in knowledge.meant.values()] == ["Put the big one on"]
    assert "c2" in knowledge.withdrawn
    [key] = knowledge.meant
    knowledge.apply(LearningEvent(EventKind.FORGET, T0, {"item": key}))
    assert not knowledge.meant
    knowledge.apply(meant("lamp on", "light.lamp", "c5"))
    knowledge.apply(LearningEvent(EventKind.FORGET, T0, {"all": True}))
    assert not knowledge.meant
    # events this version cannot read are skipped, not fatal
    knowledge.apply(LearningEvent(EventKind.MEANT, T0, {"text": "x", "calls": [{}]}, "c6"))
    knowledge.apply(LearningEvent(EventKind.MEANT, T0, {"calls": []}, "c7"))
    assert not knowledge.meant


def test_a_phrase_taken_back_takes_what_its_evidence_showed_with_it() -> None:
    knowledge = Knowledge.folded(
        [phrase(2), meant("switch the big light on", "light.ceiling", "r1")]
    )
    assert knowledge.meant
    knowledge.apply(phrase(2, kind=EventKind.AGAINST))
    assert not knowledge.phrases
    assert not knowledge.meant
