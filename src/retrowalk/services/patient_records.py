"""Read one patient's stored records into the exchange formats' typed records.

This is the single place where rows become :mod:`retrowalk.exchange.records` values, so the
FHIR Bundle, the CSV files, the calendar feed, the PDF report and the personal-data download
all show the same data. Callers check access and write the audit entry (same transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.domain.plan import Plan, PlannedSession
from retrowalk.domain.prescription import plain_pace_text
from retrowalk.exchange.records import (
    BoutRecord,
    MeasuredGait,
    OutcomeRecord,
    PatientRecord,
    PatientRecords,
    PlannedSessionRecord,
    ProgramRecord,
    SessionLogRecord,
)
from retrowalk.services.programs import current_revision
from retrowalk.storage.outcomes import OutcomeAssessment
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.programs import Program
from retrowalk.storage.recordings import SessionRecording
from retrowalk.storage.session_logs import SessionLog
from retrowalk.storage.users import User

PROGRAM_TITLE = "Retro-walking for chronic low back pain"


def latest_program(session: Session, patient_id: int) -> Program | None:
    """The newest program that is not completed, else the newest one at all."""
    programs = session.scalars(
        select(Program).where(Program.patient_id == patient_id).order_by(Program.id.desc())
    ).all()
    open_programs = [p for p in programs if p.status != "completed"]
    candidates = open_programs or list(programs)
    return candidates[0] if candidates else None


def planned_session_id(program_id: int, number: int) -> str:
    """A planned session's id: stable across plan revisions (same program, same number)."""
    return f"{program_id}-{number}"


def _planned(program_id: int, plan: Plan, session: PlannedSession) -> PlannedSessionRecord:
    recovery = sum(b.duration_min for b in session.blocks if b.direction == "forward")
    cues = [*session.cues]
    if session.pace.text:
        cues.insert(0, f"Pace: {plain_pace_text(session.pace.text)}")
    return PlannedSessionRecord(
        session_id=planned_session_id(program_id, session.number),
        scheduled_on=session.date,
        week=session.week,
        warmup_forward_min=session.warmup_forward_min,
        backward_min=session.backward_min,
        recovery_forward_min=recovery,
        cooldown_min=session.cooldown_forward_min,
        setting=plan.setting,
        cues=tuple(cues),
    )


def program_record(session: Session, program: Program) -> ProgramRecord:
    plan = Plan.from_json(current_revision(session, program).plan)
    return ProgramRecord(
        program_id=str(program.id),
        title=PROGRAM_TITLE,
        template=plan.template,
        status=program.status,  # type: ignore[arg-type]
        start_date=plan.start_date,
        revision=program.current_revision,
        sources=plan.sources,
        sessions=tuple(_planned(program.id, plan, s) for s in plan.sessions),
    )


def measured_gait(row: SessionRecording) -> MeasuredGait:
    summary = row.result.get("summary") or {}
    backward = (summary.get("by_direction") or {}).get("backward") or {}
    return MeasuredGait(
        backward_min=row.backward_min,
        backward_steps=row.backward_steps,
        forward_min=row.forward_min,
        forward_steps=row.forward_steps,
        algorithm_version=row.algorithm_version,
        bouts=tuple(_bout_record(bout) for bout in row.result.get("bouts", [])),
        backward_cadence_spm=_optional(backward.get("cadence_spm")),
        backward_speed_m_s=_optional(backward.get("speed_m_s")),
    )


def _optional(value: Any) -> float | None:
    return None if value is None else float(value)


def _bout_record(bout: dict[str, Any]) -> BoutRecord:
    """A stored bout (``GaitResult`` JSON); fields an older analysis did not store are empty."""
    return BoutRecord(
        start_s=float(bout["start_s"]),
        end_s=float(bout["end_s"]),
        direction=str(bout.get("direction", "unknown")),
        direction_confidence=float(bout.get("direction_confidence", 0.0)),
        direction_reason=str(bout.get("direction_reason") or ""),
        steps=int(bout.get("steps", 0)),
        cadence_spm=_optional(bout.get("cadence_spm")),
        step_length_m=_optional(bout.get("step_length_m")),
        stride_length_m=_optional(bout.get("stride_length_m")),
        speed_m_s=_optional(bout.get("speed_m_s")),
        step_time_s=_optional(bout.get("step_time_s")),
        step_time_cv_percent=_optional(bout.get("step_time_cv_percent")),
        stance_time_s=_optional(bout.get("stance_time_s")),
        double_support_percent=_optional(bout.get("double_support_percent")),
        turns=int(bout.get("turns", 0)),
    )


def _round(value: float | None) -> int | None:
    return None if value is None else round(value)


def session_record(row: SessionLog, recording: SessionRecording | None) -> SessionLogRecord:
    planned: dict[str, Any] | None = row.planned_session
    ended = row.ended_at or row.started_at + dt.timedelta(
        minutes=row.backward_min + row.forward_min
    )
    return SessionLogRecord(
        log_id=str(row.id),
        started_at=row.started_at,
        ended_at=ended,
        backward_min=row.backward_min,
        forward_min=row.forward_min,
        planned_session_id=(
            planned_session_id(row.program_id, int(planned["number"]))
            if planned is not None and row.program_id is not None
            else None
        ),
        setting=row.setting,
        speed_m_s=row.speed_m_s,
        incline_pct=row.incline_percent,
        pain_before_nprs=_round(row.pain_before),
        pain_max_nprs=_round(row.pain_max),
        pain_after_nprs=_round(row.pain_after),
        pain_next_morning_nprs=_round(row.pain_next_morning),
        rpe_cr10=row.rpe,
        heart_rate_bpm=_round(row.heart_rate_bpm),
        steps=row.steps,
        notes=row.notes,
        safety_events=tuple(row.safety_events),
        measured=measured_gait(recording) if recording is not None else None,
    )


def outcome_record(row: OutcomeAssessment) -> OutcomeRecord:
    items = row.responses.get("items", [])
    subscore = row.result.get("subscore")
    return OutcomeRecord(
        outcome_id=str(row.id),
        instrument=row.instrument,
        assessed_at=row.assessed_at,
        score=row.score,
        score_unit=str(row.result.get("score_unit", "points")),
        items=tuple(items),
        subscore=int(subscore) if subscore is not None else None,
    )


def latest_recordings(session: Session, patient_id: int) -> dict[int, SessionRecording]:
    """The newest recording of each logged session of the patient."""
    rows = session.scalars(
        select(SessionRecording)
        .where(SessionRecording.patient_id == patient_id)
        .order_by(SessionRecording.id)
    ).all()
    return {row.session_log_id: row for row in rows}


def load_patient_records(session: Session, patient: User) -> PatientRecords:
    """Everything the exports carry about ``patient`` (access already checked)."""
    profile = session.get(PatientProfile, patient.id)
    program = latest_program(session, patient.id)
    recordings = latest_recordings(session, patient.id)
    logs = session.scalars(
        select(SessionLog)
        .where(SessionLog.patient_id == patient.id)
        .order_by(SessionLog.started_at, SessionLog.id)
    ).all()
    outcomes = session.scalars(
        select(OutcomeAssessment)
        .where(OutcomeAssessment.patient_id == patient.id)
        .order_by(OutcomeAssessment.assessed_at, OutcomeAssessment.id)
    ).all()
    return PatientRecords(
        patient=PatientRecord(
            patient_id=str(patient.id),
            display_name=patient.display_name,
            year_of_birth=profile.birth_year if profile is not None else None,
            time_zone=profile.time_zone if profile is not None else "UTC",
        ),
        program=program_record(session, program) if program is not None else None,
        sessions=tuple(session_record(row, recordings.get(row.id)) for row in logs),
        outcomes=tuple(outcome_record(row) for row in outcomes),
    )
