"""Calibrating the confidence gate of a tuned model on its held-out answers."""

from __future__ import annotations

from hausgeist.tune.evaluate import CEILING, FLOOR, calibrate


def test_no_answers_keep_the_stock_threshold() -> None:
    assert calibrate([]) == CEILING


def test_right_answers_below_the_default_lower_it_to_let_them_through() -> None:
    assert calibrate([(0.9, True), (0.41, True)]) == 0.4
    assert calibrate([(0.33, True), (0.8, True)]) == 0.3


def test_it_never_goes_lower_than_the_right_answers_need() -> None:
    assert calibrate([(0.48, True), (0.9, True)]) == 0.45
    assert calibrate([(0.7, True)]) == CEILING  # every right answer already passes


def test_it_stops_above_the_most_confident_wrong_answer() -> None:
    answers = [(0.25, True), (0.37, False), (0.6, True)]
    threshold = calibrate(answers)
    assert threshold == 0.4
    assert all(c < threshold for c, right in answers if not right)


def test_a_confident_wrong_answer_keeps_the_default() -> None:
    assert calibrate([(0.3, True), (0.46, False)]) == CEILING
    assert calibrate([(0.3, True), (0.95, False)]) == CEILING  # never stricter than 0.5


def test_the_floor_holds_however_sure_of_itself_the_data_is() -> None:
    assert calibrate([(0.01, True), (0.02, True)]) == FLOOR
