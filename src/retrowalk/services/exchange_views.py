"""Output models of the exchange use cases (recordings, calendar tokens, watch drafts)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict


class ExchangeView(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class RecordingView(ExchangeView):
    """An analysed recording of a logged session, beside what the plan asked for."""

    id: int
    patient_id: int
    session_log_id: int
    filename: str
    file_format: str
    size_bytes: int
    sha256: str
    algorithm_version: str
    algorithm: dict[str, Any]
    duration_min: float
    backward_min: float
    backward_steps: int
    forward_min: float
    forward_steps: int
    planned_backward_min: float | None
    logged_backward_min: float
    summary: dict[str, Any]
    bouts: list[dict[str, Any]]
    """The walking bouts as analysed (``GaitResult`` JSON: times, direction, its confidence and
    reason, steps, cadence, speed, ...)."""
    created_at: dt.datetime


class CalendarTokenView(ExchangeView):
    """A new private calendar URL (the token is shown this once; only its hash is stored)."""

    token: str
    path: str
    created_at: dt.datetime


class WatchDraftView(ExchangeView):
    """What a watch file recorded, to fill in a session log (nothing is stored yet)."""

    source_format: str
    started_at: dt.datetime
    ended_at: dt.datetime
    duration_min: float
    distance_m: float | None
    heart_rate_mean_bpm: int | None
    heart_rate_max_bpm: int | None
    points: int
    backward_min: None = None
    note: str = (
        "The watch cannot tell walking direction: say how many of these minutes were backward."
    )
