"""The safety screening asked one question at a time on the web (questions:
:mod:`retrowalk.domain.screening_questions`).

Answers travel between steps as hidden form fields (no server state until the last step);
:func:`parse_answer` validates one answer and says what is wrong in words a patient understands.
"""

from __future__ import annotations

from retrowalk.domain.screening_questions import QUESTION_KEYS, QUESTIONS, URGENT_IF_YES, Question
from retrowalk.errors import InputError

__all__ = ["QUESTIONS", "QUESTION_KEYS", "URGENT_IF_YES", "Question", "parse_answer"]


def parse_answer(question: Question, raw: str | None) -> bool | int | float | None:
    """The typed answer to ``question`` from a form value, or :class:`InputError` saying why not.

    An optional question left empty answers ``None`` (not answered).
    """
    text = (raw or "").strip()
    if text == "":
        if question.optional:
            return None
        raise InputError("Please answer this question to go on.", field=question.key)
    if question.kind == "yes_no":
        if text in ("yes", "no"):
            return text == "yes"
        raise InputError("Please choose yes or no.", field=question.key)
    try:
        number = float(text.replace(",", "."))
    except ValueError:
        raise InputError("Please enter a number, like 12.", field=question.key) from None
    if not (question.minimum <= number <= question.maximum):
        raise InputError(
            f"Please enter a number from {question.minimum:g} to {question.maximum:g}.",
            field=question.key,
        )
    if question.integer:
        if number != int(number):
            raise InputError("Please enter a whole number.", field=question.key)
        return int(number)
    return number
