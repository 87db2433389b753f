"""Input schemas of the clinical core: screening answers, profile, session log entry.

Used for CLI files and as JSON API request bodies. Strict: unknown keys, wrong types (``"7"``
for a number, ``1`` for a boolean), out-of-range values and dates that do not exist are rejected,
and :func:`retrowalk.schemas.parsing.validate` turns each into an ``InputError`` naming the field.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, RootModel, StrictBool, StrictInt

from retrowalk.domain.prescription import MAX_FORWARD_SPEED_KMH, MIN_FORWARD_SPEED_KMH, Profile
from retrowalk.domain.screening import ScreeningAnswers
from retrowalk.domain.session_log import SessionLogEntry
from retrowalk.domain.thresholds import (
    GOAL_MAX_BACKWARD_MIN,
    GOAL_MIN_BACKWARD_MIN,
    MAX_BACKWARD_MIN,
)
from retrowalk.schemas.strict import FiniteNumber, IsoDate, StrictModel

Number = FiniteNumber
Nprs = Annotated[StrictInt, Field(ge=0, le=10)]
TemplateId = Literal["ansari2020", "whitley2011", "chitkara2725", "ahmad2023", "dufek2011"]
Event = Literal["fall", "near_fall", "dizziness", "new_red_flag"]


class ScreeningAnswersIn(StrictModel):
    """Screening answers (JSON object); booleans unless noted, optional ones may be left out."""

    age_years: Annotated[StrictInt, Field(ge=16, le=110)]
    pain_now_nprs: Nprs
    pain_duration_weeks: Annotated[Number, Field(ge=0, le=5200)]
    bladder_bowel_change: StrictBool
    saddle_numbness: StrictBool
    progressive_leg_weakness: StrictBool
    recent_major_trauma: StrictBool
    cancer_history: StrictBool
    unexplained_weight_loss: StrictBool
    fever_or_unwell: StrictBool
    night_pain_unrelieved: StrictBool
    iv_drug_use_or_immunosuppressed: StrictBool
    long_term_corticosteroids: StrictBool
    fell_past_year: StrictBool
    unsteady_when_walking: StrictBool
    worried_about_falling: StrictBool
    tug_seconds: Annotated[Number, Field(gt=0, le=300)] | None = None
    balance_or_vestibular_disorder: StrictBool
    neurological_condition: StrictBool
    osteoporosis_or_fracture_risk: StrictBool
    chest_pain_or_heart_condition: StrictBool
    dizziness_or_fainting: StrictBool
    told_not_to_exercise: StrictBool
    pregnant: StrictBool
    vision_impairment: StrictBool | None = None
    walked_backward_before: StrictBool | None = None
    # red flags added in rules 1.3.0: optional so that earlier clients and stored screenings
    # stay valid; a missing one is reported as not asked (never read as "no")
    both_legs_symptoms: StrictBool | None = None
    thoracic_pain: StrictBool | None = None
    recent_bacterial_infection: StrictBool | None = None
    inflammatory_disease: StrictBool | None = None

    def to_domain(self) -> ScreeningAnswers:
        return ScreeningAnswers(**self.model_dump())


class ProfileIn(StrictModel):
    """A plan request: screening answers plus the person's choices."""

    screening_answers: ScreeningAnswersIn
    sessions_per_week: Literal[3, 4]
    setting: Literal["treadmill", "overground"]
    goal_backward_min: Annotated[
        StrictInt, Field(ge=GOAL_MIN_BACKWARD_MIN, le=GOAL_MAX_BACKWARD_MIN)
    ]
    start_date: IsoDate
    current_backward_min: Annotated[StrictInt, Field(ge=0, le=MAX_BACKWARD_MIN)] | None = None
    forward_speed_kmh: (
        Annotated[Number, Field(ge=MIN_FORWARD_SPEED_KMH, le=MAX_FORWARD_SPEED_KMH)] | None
    ) = None
    template: TemplateId | None = None
    weeks: Annotated[StrictInt, Field(ge=1, le=52)] | None = None

    def to_domain(self) -> Profile:
        return Profile(
            screening_answers=self.screening_answers.to_domain(),
            sessions_per_week=self.sessions_per_week,
            setting=self.setting,
            goal_backward_min=self.goal_backward_min,
            start_date=self.start_date,
            current_backward_min=self.current_backward_min,
            forward_speed_kmh=self.forward_speed_kmh,
            template=self.template,
            weeks=self.weeks,
        )


class SessionLogEntryIn(StrictModel):
    """One logged session; pain values are NPRS 0-10, ``rpe`` is Borg CR10 (0-10)."""

    date: IsoDate
    backward_min_done: Annotated[Number, Field(ge=0, le=120)]
    pain_before: Nprs
    pain_max: Nprs
    pain_after: Nprs
    pain_next_morning: Nprs | None = None
    rpe: Annotated[Number, Field(ge=0, le=10)] | None = None
    events: list[Event] = Field(default_factory=list)

    def to_domain(self) -> SessionLogEntry:
        return SessionLogEntry(
            date=self.date,
            backward_min_done=self.backward_min_done,
            pain_before=self.pain_before,
            pain_max=self.pain_max,
            pain_after=self.pain_after,
            pain_next_morning=self.pain_next_morning,
            rpe=self.rpe,
            events=tuple(self.events),
        )


MAX_LOG_ENTRIES = 1000
"""Far above any plan (at most 52 weeks x 4 sessions); refuses runaway files early."""


class SessionLogIn(
    RootModel[Annotated[list[SessionLogEntryIn], Field(max_length=MAX_LOG_ENTRIES)]]
):
    """A session log file: a JSON list of entries, in any order (they are sorted by date)."""

    def to_domain(self) -> tuple[SessionLogEntry, ...]:
        return tuple(entry.to_domain() for entry in self.root)
