"""What a clinician report shows, as plain typed values the service fills from storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from retrowalk.errors import InputError
from retrowalk.exchange.records import (
    PatientRecord,
    PlannedSessionRecord,
    ProgramRecord,
    SessionLogRecord,
    require_aware,
)


@dataclass(frozen=True)
class OutcomePoint:
    assessed_on: date
    score: float


@dataclass(frozen=True)
class OutcomeTrend:
    """One instrument's scores over the period and the meaningful-change verdict.

    ``status`` is a sentence from :mod:`retrowalk.domain.change` (e.g. "improved: meaningful
    change (MIC (consensus, LBP): 2 points or >= 30 % improvement from baseline)");
    ``threshold_absolute`` draws the meaningful-change lines around the baseline on the chart.
    """

    instrument_id: str
    instrument_name: str
    score_unit: str
    higher_is_better: bool
    points: tuple[OutcomePoint, ...]
    status: str
    threshold_absolute: float | None = None


@dataclass(frozen=True)
class ClinicianReportData:
    """One patient over one period: the plan, what was done, how it went."""

    patient: PatientRecord
    period_start: date
    period_end: date
    generated_at: datetime
    program: ProgramRecord | None
    sessions: tuple[SessionLogRecord, ...]
    outcome_trends: tuple[OutcomeTrend, ...]
    clinician_name: str | None = None
    program_note: str = ""
    """Why the program has its status (e.g. "paused after a near fall"), if recorded."""

    def __post_init__(self) -> None:
        require_aware(self.generated_at, field_name="generated_at")
        if self.period_end < self.period_start:
            raise InputError("the period ends before it starts", field="period_end")

    @property
    def sessions_in_period(self) -> tuple[SessionLogRecord, ...]:
        """Logged sessions that started in the period (in the patient's records' own offset)."""
        return tuple(
            s for s in self.sessions if self.period_start <= s.started_at.date() <= self.period_end
        )

    @property
    def planned_in_period(self) -> tuple[PlannedSessionRecord, ...]:
        """Planned sessions due in the period up to the report date (later ones are not due)."""
        if self.program is None:
            return ()
        last_due = min(self.period_end, self.generated_at.date())
        return tuple(
            session
            for session in self.program.sessions
            if self.period_start <= session.scheduled_on <= last_due
        )

    @property
    def program_sessions_in_period(self) -> tuple[SessionLogRecord, ...]:
        """Logged sessions of the program (each names its planned session) in the period."""
        if self.program is None:
            return ()
        ids = {s.session_id for s in self.program.sessions}
        return tuple(s for s in self.sessions_in_period if s.planned_session_id in ids)

    @property
    def next_planned(self) -> PlannedSessionRecord | None:
        """The next planned session, the current dose: sessions are done in order, so the one
        after as many as were logged for the program (as the pages and the overview say),
        whatever its date."""
        if self.program is None:
            return None
        ids = {s.session_id for s in self.program.sessions}
        done = sum(1 for s in self.sessions if s.planned_session_id in ids)
        ordered = sorted(self.program.sessions, key=lambda s: s.scheduled_on)
        return ordered[done] if done < len(ordered) else None
