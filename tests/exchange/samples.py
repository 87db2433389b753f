"""Realistic records for one patient, shared by the exchange and report tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from retrowalk.domain.instruments.registry import score
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

CET = timezone(timedelta(hours=1))
START = date(2026, 1, 5)
CUES = ("Glance over your shoulder", "Stand tall", "Toe first, then heel")


def planned_sessions(weeks: int = 3) -> tuple[PlannedSessionRecord, ...]:
    sessions = []
    for week in range(1, weeks + 1):
        for day in (0, 2, 4):
            sessions.append(
                PlannedSessionRecord(
                    session_id=f"ps-{week}-{day}",
                    scheduled_on=START + timedelta(weeks=week - 1, days=day),
                    week=week,
                    warmup_forward_min=5,
                    backward_min=4 + week,
                    recovery_forward_min=2,
                    cooldown_min=3,
                    setting="treadmill" if day == 2 else "overground",
                    speed_m_s=0.6 if day == 2 else None,
                    incline_pct=0.0 if day == 2 else None,
                    cues=CUES,
                )
            )
    return tuple(sessions)


def sample_program(status: str = "active") -> ProgramRecord:
    return ProgramRecord(
        program_id="prog-1",
        title="Retro-walking for chronic low back pain",
        template="clbp-overground-beginner",
        status=status,  # type: ignore[arg-type]
        start_date=START,
        revision=2,
        sources=(
            "Dufek JS et al. 2011, retro-walking in chronic low back pain (evidence.md 1.1)",
            "Kinestetik 2024 scoping review: about 10 min per session (evidence.md 1.4)",
        ),
        sessions=planned_sessions(),
    )


def sample_sessions() -> tuple[SessionLogRecord, ...]:
    logs = []
    for index, planned in enumerate(planned_sessions()[:6]):
        start = datetime.combine(planned.scheduled_on, datetime.min.time(), CET) + timedelta(
            hours=18
        )
        logs.append(
            SessionLogRecord(
                log_id=f"log-{index}",
                planned_session_id=planned.session_id,
                started_at=start,
                ended_at=start + timedelta(minutes=planned.total_min),
                backward_min=planned.backward_min,
                forward_min=planned.warmup_forward_min + planned.recovery_forward_min,
                setting=planned.setting,
                speed_m_s=planned.speed_m_s,
                incline_pct=planned.incline_pct,
                pain_before_nprs=6 - index // 2,
                pain_max_nprs=6 - index // 2,
                pain_after_nprs=5 - index // 2,
                pain_next_morning_nprs=5 - index // 2 if index < 5 else None,
                rpe_cr10=3.5,
                heart_rate_bpm=96 + index,
                steps=900 + 40 * index,
                distance_m=850.5 + index,
                notes='=HYPERLINK("http://x")' if index == 3 else "felt steady",
                safety_events=("near_fall",) if index == 4 else (),
                measured=MeasuredGait(
                    backward_min=planned.backward_min - 0.4,
                    backward_steps=410 + index,
                    forward_min=6.8,
                    forward_steps=700,
                    algorithm_version="gait-1.0",
                    backward_cadence_spm=65.4,
                    backward_speed_m_s=0.38,
                    bouts=(
                        BoutRecord(12.5, 300.0, "forward", 0.98, "", 410, 82.1, 0.42),
                        BoutRecord(320.0, 640.5, "backward", 0.9, "", 350, 65.4, speed_m_s=0.38),
                        BoutRecord(650.0, 700.0, "unknown", 0.1, "=weak direction evidence", 20),
                    ),
                )
                if index == 5
                else None,
            )
        )
    return tuple(logs)


def scored(
    outcome_id: str, instrument: str, day: int, items: tuple[float | None, ...]
) -> OutcomeRecord:
    """An outcome scored by the instrument registry, as the service stores it."""
    result = score(instrument, items)
    return OutcomeRecord(
        outcome_id,
        instrument,
        datetime(2026, 1, 5, 9, 30, tzinfo=UTC) + timedelta(days=day),
        result.score,
        result.score_unit,
        items=items,
        subscore=result.subscore,
    )


def sample_outcomes() -> tuple[OutcomeRecord, ...]:
    return (
        scored("out-1", "nprs", 0, (6,)),
        scored("out-2", "nprs", 7, (5,)),
        scored("out-3", "nprs", 14, (3,)),
        scored("out-4", "odi", 0, (3, 2, 2, 1, 3, 2, 2, None, 2, 1)),
        scored("out-5", "odi", 14, (2, 2, 2, 2, 2, 2, 0, None, 0, 0)),
        scored("out-6", "start_back", 0, (1, 0, 1, 0, 1, 1, 0, 1, 3)),
        scored("out-7", "rmdq", 0, tuple([1] * 11 + [0] * 13)),
        scored("out-8", "psfs", 0, (4, 5, 3)),
    )


def sample_records() -> PatientRecords:
    return PatientRecords(
        patient=PatientRecord(
            "pat-42", "Alex Example", year_of_birth=1971, time_zone="Europe/Berlin"
        ),
        program=sample_program(),
        sessions=sample_sessions(),
        outcomes=sample_outcomes(),
    )
