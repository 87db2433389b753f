"""Plain, typed records that every exchange format reads and writes.

The exporters (FHIR, iCalendar, CSV, PDF) and the importers (FHIR, watch files) work on these
frozen dataclasses only; they know nothing about the database or the web. The service layer
fills them from storage (``retrowalk.services.exchange``) and stores what an importer returns.

Times are timezone-aware; durations are minutes (``_min``), speeds metres per second
(``_m_s``), incline percent grade (``_pct``), pain on the 0-10 NPRS (``_nprs``), effort on
Borg's CR10 (``_cr10``), heart rate beats per minute (``_bpm``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from retrowalk.errors import InputError

ProgramStatus = Literal["active", "paused", "completed"]
PROGRAM_STATUSES: tuple[ProgramStatus, ...] = ("active", "paused", "completed")


def require_aware(value: datetime, *, field_name: str) -> None:
    """Refuse a naive datetime: every stored time carries its offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InputError("time has no timezone offset", field=field_name)


@dataclass(frozen=True)
class PatientRecord:
    """Who the records are about, as much as an export needs (no contact details are held)."""

    patient_id: str
    display_name: str
    year_of_birth: int | None = None
    time_zone: str = "UTC"


@dataclass(frozen=True)
class PlannedSessionRecord:
    """One planned session of a program: when, and the dose in minutes with its cues."""

    session_id: str
    scheduled_on: date
    week: int
    warmup_forward_min: float
    backward_min: float
    recovery_forward_min: float
    cooldown_min: float
    setting: str = "overground"
    speed_m_s: float | None = None
    incline_pct: float | None = None
    cues: tuple[str, ...] = ()

    @property
    def total_min(self) -> float:
        return (
            self.warmup_forward_min
            + self.backward_min
            + self.recovery_forward_min
            + self.cooldown_min
        )


@dataclass(frozen=True)
class ProgramRecord:
    """A program: its plan of sessions, the template it came from and the sources behind it."""

    program_id: str
    title: str
    template: str
    status: ProgramStatus
    start_date: date
    revision: int = 1
    sources: tuple[str, ...] = ()
    sessions: tuple[PlannedSessionRecord, ...] = ()

    def __post_init__(self) -> None:
        if self.status not in PROGRAM_STATUSES:
            raise InputError(
                f"unknown program status '{self.status}' (expected one of "
                f"{', '.join(PROGRAM_STATUSES)})",
                field="status",
            )


@dataclass(frozen=True)
class BoutRecord:
    """One walking bout a recording measured (the gait analysis's bout, as stored)."""

    start_s: float
    """Seconds from the start of the recording."""
    end_s: float
    direction: str
    """``forward``, ``backward`` or ``unknown``."""
    direction_confidence: float
    direction_reason: str
    steps: int
    cadence_spm: float | None = None
    step_length_m: float | None = None
    stride_length_m: float | None = None
    speed_m_s: float | None = None
    step_time_s: float | None = None
    step_time_cv_percent: float | None = None
    stance_time_s: float | None = None
    double_support_percent: float | None = None
    turns: int = 0


@dataclass(frozen=True)
class MeasuredGait:
    """What a recording attached to a session measured (issue 6's analysis, summarised)."""

    backward_min: float
    backward_steps: int
    forward_min: float
    forward_steps: int
    algorithm_version: str
    bouts: tuple[BoutRecord, ...] = ()
    backward_cadence_spm: float | None = None
    """The analysis's own summary of the backward bouts (steps per minute of backward
    walking), the number the pages show; ``None`` without backward walking."""
    backward_speed_m_s: float | None = None
    """Likewise: the backward bouts' speed weighted by their steps; ``None`` when unmeasured."""


@dataclass(frozen=True)
class SessionLogRecord:
    """One logged session: what was done, how it felt, and any safety event."""

    log_id: str
    started_at: datetime
    ended_at: datetime
    backward_min: float
    forward_min: float
    planned_session_id: str | None = None
    setting: str | None = None
    speed_m_s: float | None = None
    incline_pct: float | None = None
    pain_before_nprs: int | None = None
    pain_max_nprs: int | None = None
    pain_after_nprs: int | None = None
    pain_next_morning_nprs: int | None = None
    rpe_cr10: float | None = None
    heart_rate_bpm: int | None = None
    steps: int | None = None
    distance_m: float | None = None
    notes: str = ""
    safety_events: tuple[str, ...] = ()
    measured: MeasuredGait | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        require_aware(self.started_at, field_name="started_at")
        require_aware(self.ended_at, field_name="ended_at")
        if self.ended_at < self.started_at:
            raise InputError("the session ends before it starts", field="ended_at")

    @property
    def duration_min(self) -> float:
        return (self.ended_at - self.started_at).total_seconds() / 60.0


@dataclass(frozen=True)
class OutcomeRecord:
    """One scored outcome assessment.

    ``items`` are the responses in the instrument's published order (``None`` = unanswered);
    ``subscore`` is the STarT Back distress (psychosocial) subscore where the instrument has one.
    """

    outcome_id: str
    instrument: str
    assessed_at: datetime
    score: float
    score_unit: str
    items: tuple[float | None, ...] = ()
    subscore: int | None = None

    def __post_init__(self) -> None:
        require_aware(self.assessed_at, field_name="assessed_at")


@dataclass(frozen=True)
class PatientRecords:
    """Everything about one patient that an export carries."""

    patient: PatientRecord
    program: ProgramRecord | None = None
    sessions: tuple[SessionLogRecord, ...] = ()
    outcomes: tuple[OutcomeRecord, ...] = ()


def describe_dose(session: PlannedSessionRecord) -> str:
    """A one-paragraph description of a planned session's dose (shared with the calendar)."""
    parts = [
        f"Week {session.week}.",
        f"Forward warm-up {_fmt(session.warmup_forward_min)} min,",
        f"backward walking {_fmt(session.backward_min)} min,",
        f"forward recovery {_fmt(session.recovery_forward_min)} min,",
        f"cool-down {_fmt(session.cooldown_min)} min",
        f"({session.setting}",
    ]
    if session.speed_m_s is not None:
        parts[-1] += f", {_fmt(session.speed_m_s)} m/s"
    if session.incline_pct is not None:
        parts[-1] += f", incline {_fmt(session.incline_pct)} %"
    parts[-1] += ")."
    return " ".join(parts)


def _fmt(value: float) -> str:
    return f"{value:g}"
