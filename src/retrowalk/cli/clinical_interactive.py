"""Interactive screening and plan questions in the terminal, one plain-language question at a time.

Prompts go to standard error so that standard output carries only the result (``retrowalk
screen --format json > result.json`` works interactively). Answers are read line by line from
standard input, so the flow can be driven by a pipe; an invalid answer is asked again, and input
that ends early raises :class:`~retrowalk.errors.InputError`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from pydantic import TypeAdapter, ValidationError
from rich.console import Console

from retrowalk.domain.prescription import MAX_FORWARD_SPEED_KMH, MIN_FORWARD_SPEED_KMH
from retrowalk.domain.screening_questions import QUESTIONS
from retrowalk.errors import InputError
from retrowalk.schemas.clinical import ScreeningAnswersIn

T = TypeVar("T")

_YES = {"y", "yes"}
_NO = {"n", "no"}


class Asker:
    """Asks questions on a console and reads answers from standard input."""

    def __init__(self, console: Console) -> None:
        self._console = console

    def _read(self, prompt: str) -> str:
        self._console.print(f"{prompt} ", end="", markup=False, highlight=False)
        try:
            line = input()
        except EOFError:
            self._console.print()
            raise InputError(
                "input ended before every question was answered", source="<stdin>"
            ) from None
        return line.strip()

    def _ask(self, prompt: str, parse: Callable[[str], T]) -> T:
        while True:
            answer = self._read(prompt)
            try:
                return parse(answer)
            except ValueError as error:
                self._console.print(f"  {error}", markup=False, highlight=False)

    def yes_no(self, question: str, *, default: bool | None = None) -> bool:
        hint = {None: "[y/n]", True: "[Y/n]", False: "[y/N]"}[default]

        def parse(text: str) -> bool:
            lowered = text.lower()
            if lowered in _YES:
                return True
            if lowered in _NO:
                return False
            if not lowered and default is not None:
                return default
            raise ValueError("Please answer y (yes) or n (no).")

        return self._ask(f"{question} {hint}", parse)

    def number(
        self,
        question: str,
        low: float,
        high: float,
        *,
        integer: bool,
        optional: bool = False,
        check: Callable[[float | int], None] | None = None,
    ) -> float | int | None:
        """A number in ``[low, high]``; ``check`` may refuse more (raising ``ValueError``)."""

        def parse(text: str) -> float | int | None:
            if not text and optional:
                return None
            try:
                value: float | int = int(text) if integer else float(text)
            except ValueError:
                kind = "a whole number" if integer else "a number"
                raise ValueError(f"Please type {kind} from {low:g} to {high:g}.") from None
            if not low <= value <= high or value != value:
                raise ValueError(f"Please type a number from {low:g} to {high:g}.")
            if check is not None:
                check(value)
            return value

        return self._ask(question, parse)

    def choice(self, question: str, options: tuple[str, ...], default: str) -> str:
        def parse(text: str) -> str:
            if not text:
                return default
            if text.lower() in options:
                return text.lower()
            raise ValueError(f"Please type one of: {', '.join(options)}.")

        return self._ask(f"{question} [{'/'.join(options)}] ({default})", parse)

    def text(self, question: str) -> str:
        """A free-text answer (may be empty)."""
        return self._ask(question, lambda text: text)

    def date(self, question: str, default: dt.date) -> dt.date:
        def parse(text: str) -> dt.date:
            if not text:
                return default
            try:
                return dt.date.fromisoformat(text)
            except ValueError:
                raise ValueError("Please type a real date as YYYY-MM-DD.") from None

        return self._ask(f"{question} ({default.isoformat()})", parse)


def schema_check(key: str) -> Callable[[float | int], None]:
    """Check one answer against the ``ScreeningAnswersIn`` field, so a value the prompt takes
    (e.g. a TUG of 0 s) is never refused later, after every question has been answered."""
    field = ScreeningAnswersIn.model_fields[key]
    annotation: Any = field.annotation
    if field.metadata:
        annotation = Annotated[(annotation, *field.metadata)]
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)

    def check(value: float | int) -> None:
        try:
            adapter.validate_python(value)
        except ValidationError as error:
            problem = str(error.errors(include_url=False)[0]["msg"])
            raise ValueError(f"Not accepted: {problem[0].lower()}{problem[1:]}.") from None

    return check


def ask_screening(asker: Asker) -> dict[str, Any]:
    """Ask every screening question and return the answers as JSON data.

    The questions and their order are the web's (:mod:`retrowalk.domain.screening_questions`);
    in the terminal yes/no questions are always answered, an optional number may be skipped.
    """
    answers: dict[str, Any] = {}
    for question in QUESTIONS:
        if question.kind == "yes_no":
            answers[question.key] = asker.yes_no(question.text)
            continue
        if question.optional:
            prompt = f"{question.text} (press Enter if not)"
        else:
            prompt = f"{question.text} ({question.hint})" if question.hint else question.text
        value = asker.number(
            prompt,
            question.minimum,
            question.maximum,
            integer=question.integer,
            optional=question.optional,
            check=schema_check(question.key),
        )
        if value is not None:
            answers[question.key] = value
    return answers


def ask_plan_choices(asker: Asker, today: dt.date) -> dict[str, Any]:
    """Ask what a plan needs besides the screening (sessions/week, setting, goal, start date)."""
    sessions = asker.choice("How many sessions a week?", ("3", "4"), "3")
    setting = asker.choice(
        "Where will you walk backward?", ("treadmill", "overground"), "overground"
    )
    goal = asker.number(
        "Goal: backward minutes per session, 15 to 30 (Enter for 15)?",
        15,
        30,
        integer=True,
        optional=True,
    )
    start = asker.date("Start date (YYYY-MM-DD, Enter for today)", today)
    choices: dict[str, Any] = {
        "sessions_per_week": int(sessions),
        "setting": setting,
        "goal_backward_min": 15 if goal is None else int(goal),
        "start_date": start.isoformat(),
    }
    if setting == "treadmill":
        speed = asker.number(
            "Your usual forward walking speed in km/h, if you know it (press Enter if not)?",
            MIN_FORWARD_SPEED_KMH,
            MAX_FORWARD_SPEED_KMH,
            integer=False,
            optional=True,
        )
        if speed is not None:
            choices["forward_speed_kmh"] = speed
    return choices
