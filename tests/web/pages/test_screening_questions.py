"""The plain-language screening questions cover the screening answers and parse safely."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retrowalk.domain.screening import ScreeningAnswers, screen
from retrowalk.errors import InputError
from retrowalk.web.pages.screening_questions import (
    QUESTION_KEYS,
    QUESTIONS,
    URGENT_IF_YES,
    Question,
    parse_answer,
)
from tests.web.pages.conftest import CLEAR_ANSWERS

BY_KEY = {q.key: q for q in QUESTIONS}


def refused_field(question: Question, text: str) -> str | None:
    """The field an answer is refused for, or None when it is accepted."""
    try:
        parse_answer(question, text)
    except InputError as error:
        return error.field
    return None


def test_there_is_exactly_one_question_per_screening_answer() -> None:
    fields = {f.name for f in dataclasses.fields(ScreeningAnswers)}
    assert set(QUESTION_KEYS) == fields
    assert len(QUESTION_KEYS) == len(fields)


def test_questions_that_may_need_urgent_care_come_first_after_the_basics() -> None:
    urgent = ("bladder_bowel_change", "saddle_numbness", "progressive_leg_weakness")
    assert [QUESTION_KEYS.index(k) for k in urgent] == [3, 4, 5]


def test_yes_and_no_become_booleans() -> None:
    assert parse_answer(BY_KEY["pregnant"], "yes") is True
    assert parse_answer(BY_KEY["pregnant"], "no") is False


def test_a_required_question_left_empty_is_refused_with_its_field() -> None:
    with pytest.raises(InputError) as caught:
        parse_answer(BY_KEY["pregnant"], "")
    assert caught.value.field == "pregnant"


def test_an_optional_question_left_empty_is_not_answered() -> None:
    assert parse_answer(BY_KEY["tug_seconds"], " ") is None


def test_a_comma_decimal_is_read() -> None:
    assert parse_answer(BY_KEY["pain_duration_weeks"], "2,5") == 2.5


@given(st.integers(min_value=-50, max_value=200))
def test_age_is_accepted_exactly_inside_its_range(age: int) -> None:
    question = BY_KEY["age_years"]
    if question.minimum <= age <= question.maximum:
        assert parse_answer(question, str(age)) == age
    else:
        with pytest.raises(InputError):
            parse_answer(question, str(age))


@given(st.text(max_size=20))
def test_any_text_is_either_a_valid_answer_or_a_clear_refusal(text: str) -> None:
    for question in QUESTIONS:
        assert refused_field(question, text) in (None, question.key)


@pytest.mark.parametrize("key", sorted(URGENT_IF_YES))
def test_each_urgent_warning_matches_an_urgent_screening_result(key: str) -> None:
    answers = {q.key: parse_answer(q, CLEAR_ANSWERS[q.key]) for q in QUESTIONS}
    assert screen(ScreeningAnswers(**answers)).decision == "cleared"  # type: ignore[arg-type]
    answers[key] = True
    assert screen(ScreeningAnswers(**answers)).decision == "urgent"  # type: ignore[arg-type]
