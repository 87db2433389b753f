"""The safety-screening questions in plain language, one per answer key, for every adapter.

Each :class:`Question` is one key of :class:`retrowalk.domain.screening.ScreeningAnswers`; the
screening rules decide what the answers mean. Questions that could send someone to urgent care
come first, so a person with such a sign reads the advice as early as possible. The wording is
ours (plain language for the red flags of AHCPR 1994 Table 1, the STEADI key questions and
PAR-Q style health questions, evidence.md §5.1 and §4.6). The web pages ask them one at a time;
the interactive ``retrowalk screen`` asks them in the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["yes_no", "number", "scale"]


@dataclass(frozen=True)
class Question:
    """One screening question: the answer key, the text, a hint and how it is answered."""

    key: str
    text: str
    kind: Kind
    hint: str = ""
    minimum: float = 0
    maximum: float = 0
    integer: bool = True
    optional: bool = False
    unit: str = ""
    urgent_if_yes: bool = False


QUESTIONS: tuple[Question, ...] = (
    Question("age_years", "How old are you?", "number", minimum=16, maximum=110, unit="years"),
    Question(
        "pain_now_nprs",
        "How much does your back hurt right now?",
        "scale",
        hint="0 means no pain at all, 10 the worst pain you can imagine.",
        maximum=10,
    ),
    Question(
        "pain_duration_weeks",
        "How many weeks have you had this back pain?",
        "number",
        hint="A rough number is fine: 3 months is about 13 weeks, a year is 52 weeks.",
        maximum=5200,
        integer=False,
        unit="weeks",
    ),
    Question(
        "bladder_bowel_change",
        "Since your back pain started, have you had new trouble controlling your bladder or "
        "bowels, or trouble passing urine?",
        "yes_no",
        urgent_if_yes=True,
    ),
    Question(
        "saddle_numbness",
        "Do you have numbness or tingling around your bottom, genitals or inner thighs "
        "(the area that would touch a saddle)?",
        "yes_no",
        urgent_if_yes=True,
    ),
    Question(
        "progressive_leg_weakness",
        "Is weakness or numbness in your legs getting worse?",
        "yes_no",
        urgent_if_yes=True,
        hint="For example, your foot drags or your knee gives way more than it used to.",
    ),
    Question(
        "both_legs_symptoms",
        "Do you have pain, numbness or tingling going down both of your legs?",
        "yes_no",
    ),
    Question(
        "recent_major_trauma",
        "Did your back pain start after a serious accident or fall, such as a car crash or a "
        "fall from a height?",
        "yes_no",
    ),
    Question("cancer_history", "Have you ever had cancer?", "yes_no"),
    Question(
        "unexplained_weight_loss",
        "Have you lost weight recently without trying?",
        "yes_no",
    ),
    Question(
        "fever_or_unwell",
        "Do you have a fever or chills, or do you feel generally unwell?",
        "yes_no",
    ),
    Question(
        "recent_bacterial_infection",
        "Have you had a bacterial infection in the last few weeks, such as a bladder or urine "
        "infection?",
        "yes_no",
    ),
    Question(
        "thoracic_pain",
        "Do you also have pain in your upper back, between your shoulder blades?",
        "yes_no",
    ),
    Question(
        "night_pain_unrelieved",
        "Is your back pain severe at night, and does it not ease when you lie down or rest?",
        "yes_no",
    ),
    Question(
        "iv_drug_use_or_immunosuppressed",
        "Do you inject drugs, or is your immune system weakened (for example by medicine after "
        "a transplant, or by HIV)?",
        "yes_no",
    ),
    Question(
        "long_term_corticosteroids",
        "Have you taken steroid tablets (such as prednisolone) for a long time?",
        "yes_no",
    ),
    Question(
        "osteoporosis_or_fracture_risk",
        "Have you been told you have thin or weak bones (osteoporosis), or have you broken a "
        "bone in your spine?",
        "yes_no",
    ),
    Question(
        "inflammatory_disease",
        "Have you been told you have an inflammatory condition of the spine or joints, such as "
        "ankylosing spondylitis (axial spondyloarthritis)?",
        "yes_no",
    ),
    Question("fell_past_year", "Have you fallen in the past year?", "yes_no"),
    Question(
        "unsteady_when_walking",
        "Do you feel unsteady when you stand or walk?",
        "yes_no",
    ),
    Question("worried_about_falling", "Do you worry about falling?", "yes_no"),
    Question(
        "balance_or_vestibular_disorder",
        "Do you have a balance problem or an inner-ear condition that makes you dizzy?",
        "yes_no",
    ),
    Question(
        "neurological_condition",
        "Do you have a condition of the brain or nerves, such as a stroke, Parkinson's disease "
        "or multiple sclerosis?",
        "yes_no",
    ),
    Question(
        "chest_pain_or_heart_condition",
        "Do you have a heart condition, or do you get chest pain when you are active?",
        "yes_no",
    ),
    Question(
        "dizziness_or_fainting",
        "Do you lose your balance because of dizziness, or have you fainted recently?",
        "yes_no",
    ),
    Question(
        "told_not_to_exercise",
        "Has a doctor told you not to exercise, or to exercise only with supervision?",
        "yes_no",
    ),
    Question("pregnant", "Are you pregnant?", "yes_no"),
    Question(
        "vision_impairment",
        "Do you have trouble seeing, even with glasses or contact lenses?",
        "yes_no",
        optional=True,
    ),
    Question(
        "walked_backward_before",
        "Have you walked backward for exercise before?",
        "yes_no",
        optional=True,
    ),
    Question(
        "tug_seconds",
        "If a clinician timed you in the 'Timed Up and Go' test, how many seconds did it take?",
        "number",
        hint="Leave this empty if you have not done the test.",
        minimum=1,
        maximum=300,
        integer=False,
        optional=True,
        unit="seconds",
    ),
)

QUESTION_KEYS: tuple[str, ...] = tuple(q.key for q in QUESTIONS)

URGENT_IF_YES: frozenset[str] = frozenset(q.key for q in QUESTIONS if q.urgent_if_yes)
"""Answers the screening rules treat as ``urgent`` on their own (possible cauda equina or
progressive neurology, ``retrowalk.domain.screening``); the pages warn at once, before the end."""
