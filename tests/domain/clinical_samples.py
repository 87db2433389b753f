"""Shared sample data for the clinical-core tests: answers, profiles, log entries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from retrowalk.domain.prescription import Profile
from retrowalk.domain.screening import LATER_RED_FLAGS, REQUIRED_ANSWERS, ScreeningAnswers
from retrowalk.domain.session_log import SessionEvent, SessionLogEntry


def clear_answers_json(**overrides: Any) -> dict[str, Any]:
    """Answers (as JSON data) that trigger no screening rule."""
    data: dict[str, Any] = dict.fromkeys((*REQUIRED_ANSWERS, *LATER_RED_FLAGS), False)
    data.update(
        age_years=45,
        pain_now_nprs=4,
        pain_duration_weeks=20,
        tug_seconds=9.5,
        vision_impairment=False,
        walked_backward_before=True,
    )
    data.update(overrides)
    return data


def clear_answers(**overrides: Any) -> ScreeningAnswers:
    return ScreeningAnswers(**clear_answers_json(**overrides))


def profile(**overrides: Any) -> Profile:
    values: dict[str, Any] = {
        "screening_answers": clear_answers(),
        "sessions_per_week": 3,
        "setting": "treadmill",
        "goal_backward_min": 15,
        "start_date": dt.date(2026, 12, 7),
    }
    values.update(overrides)
    return Profile(**values)


def profile_json(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "screening_answers": clear_answers_json(),
        "sessions_per_week": 3,
        "setting": "treadmill",
        "goal_backward_min": 15,
        "start_date": "2026-12-07",
    }
    data.update(overrides)
    return data


def entry(
    day: int = 7,
    *,
    done: float = 5,
    before: int = 3,
    peak: int = 4,
    after: int = 3,
    morning: int | None = 3,
    rpe: float | None = 3,
    events: tuple[SessionEvent, ...] = (),
) -> SessionLogEntry:
    """A log entry; defaults describe a session that went well."""
    return SessionLogEntry(
        date=dt.date(2026, 12, 1) + dt.timedelta(days=day),
        backward_min_done=done,
        pain_before=before,
        pain_max=peak,
        pain_after=after,
        pain_next_morning=morning,
        rpe=rpe,
        events=events,
    )
