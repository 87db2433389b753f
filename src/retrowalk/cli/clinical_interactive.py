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
from retrowalk.errors import InputError
from retrowalk.schemas.clinical import ScreeningAnswersIn

T = TypeVar("T")

# (key, question, kind): kind is "bool", "int:LOW:HIGH", "number:LOW:HIGH", "optional_number".
SCREENING_QUESTIONS: tuple[tuple[str, str, str], ...] = (
    ("age_years", "How old are you (years)?", "int:0:120"),
    (
        "pain_now_nprs",
        "How bad is your back pain right now, from 0 (none) to 10 (worst)?",
        "int:0:10",
    ),
    ("pain_duration_weeks", "How many weeks have you had this back pain?", "number:0:5200"),
    (
        "bladder_bowel_change",
        "Have you noticed any NEW problem controlling your bladder or bowels?",
        "bool",
    ),
    (
        "saddle_numbness",
        "Is there numbness around your buttocks, genitals or inner thighs?",
        "bool",
    ),
    (
        "progressive_leg_weakness",
        "Is weakness or numbness in your legs getting worse?",
        "bool",
    ),
    (
        "recent_major_trauma",
        "Have you recently had a major injury, such as a road accident or a fall from a height?",
        "bool",
    ),
    ("cancer_history", "Have you ever had cancer?", "bool"),
    ("unexplained_weight_loss", "Have you lost weight without trying?", "bool"),
    ("fever_or_unwell", "Do you have a fever or feel generally unwell?", "bool"),
    (
        "night_pain_unrelieved",
        "Do you have severe pain at night that does not ease when you rest?",
        "bool",
    ),
    (
        "iv_drug_use_or_immunosuppressed",
        "Do you inject drugs, or is your immune system weakened (for example by medicines)?",
        "bool",
    ),
    (
        "long_term_corticosteroids",
        "Have you taken steroid tablets (corticosteroids) for a long time?",
        "bool",
    ),
    ("fell_past_year", "Have you fallen in the past year?", "bool"),
    ("unsteady_when_walking", "Do you feel unsteady when you stand or walk?", "bool"),
    ("worried_about_falling", "Do you worry about falling?", "bool"),
    (
        "tug_seconds",
        "If a clinician has timed your 'Timed Up and Go' test, how many seconds did it take? "
        "(press Enter if not)",
        "optional_number:0:300",
    ),
    (
        "balance_or_vestibular_disorder",
        "Do you have a balance problem or an inner-ear (vestibular) disorder?",
        "bool",
    ),
    (
        "neurological_condition",
        "Do you have a neurological condition that affects your walking?",
        "bool",
    ),
    (
        "osteoporosis_or_fracture_risk",
        "Do you have osteoporosis (thin bones), or were you told you could easily break a bone?",
        "bool",
    ),
    (
        "chest_pain_or_heart_condition",
        "Do you have chest pain when active, or a heart condition?",
        "bool",
    ),
    (
        "dizziness_or_fainting",
        "Do you get dizzy or lose your balance from dizziness, or have you fainted?",
        "bool",
    ),
    ("told_not_to_exercise", "Has a doctor told you not to exercise?", "bool"),
    ("pregnant", "Are you pregnant?", "bool"),
    ("vision_impairment", "Do you have poor eyesight, even with glasses?", "bool"),
    ("walked_backward_before", "Have you walked backward for exercise before?", "bool"),
)

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
    """Ask every screening question (optional ones too) and return the answers as JSON data."""
    answers: dict[str, Any] = {}
    for key, question, kind in SCREENING_QUESTIONS:
        if kind == "bool":
            answers[key] = asker.yes_no(question)
            continue
        name, low, high = kind.split(":")
        value = asker.number(
            question,
            float(low),
            float(high),
            integer=name == "int",
            optional=name.startswith("optional"),
            check=schema_check(key),
        )
        if value is not None:
            answers[key] = value
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
