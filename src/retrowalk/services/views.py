"""Output models of the use cases: what a caller may see (never a password hash or a token hash).

The API returns these directly as its response schemas and the web pages render them. Input
schemas live with the API (``retrowalk.web.api.schemas``) and the clinical core
(``retrowalk.schemas``); stored rows live in ``retrowalk.storage``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

Role = Literal["patient", "clinician", "admin"]


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


class UserView(View):
    id: int
    email: str
    display_name: str
    role: Role
    is_active: bool
    created_at: dt.datetime


class LoginView(View):
    """A new login: the secret token (shown once) and, for browsers, the CSRF token."""

    user: UserView
    token: str
    csrf_token: str | None
    expires_at: dt.datetime


class InvitationView(View):
    id: int
    note: str
    created_at: dt.datetime
    expires_at: dt.datetime
    accepted: bool


class NewInvitationView(InvitationView):
    """A just-created invitation with its code (shown this once; only a hash is stored)."""

    code: str


class LinkView(View):
    id: int
    clinician: UserView
    patient: UserView
    created_at: dt.datetime


class ProfileView(View):
    patient_id: int
    birth_year: int | None
    height_m: float | None
    weight_kg: float | None
    sensor_height_m: float | None
    units: str
    time_zone: str
    data: dict[str, Any]
    updated_at: dt.datetime


class ScreeningView(View):
    id: int
    patient_id: int
    answers: dict[str, Any]
    result: dict[str, Any]
    decision: str
    rules_version: str
    created_at: dt.datetime


class ProgramRevisionView(View):
    number: int
    reason: str
    note: str
    decision: dict[str, Any] | None
    session_log_id: int | None
    created_by: int | None
    created_at: dt.datetime
    plan: dict[str, Any]


class ProgramView(View):
    id: int
    patient_id: int
    template_id: str
    status: str
    status_reason: str
    paused_for_safety: bool
    current_revision: int
    created_at: dt.datetime
    updated_at: dt.datetime
    plan: dict[str, Any]


class SessionLogView(View):
    id: int
    patient_id: int
    program_id: int | None
    plan_revision: int | None
    planned_session: dict[str, Any] | None
    started_at: dt.datetime
    ended_at: dt.datetime | None
    backward_min: float
    forward_min: float
    setting: str | None
    speed_m_s: float | None
    incline_percent: float | None
    pain_before: float | None
    pain_max: float | None
    pain_after: float | None
    pain_next_morning: float | None
    rpe: float | None
    heart_rate_bpm: float | None
    steps: int | None
    notes: str
    safety_events: list[str]
    entry: dict[str, Any]
    decision: dict[str, Any] | None
    created_at: dt.datetime


class LoggedSessionView(View):
    """The result of logging a session: the stored log, and whether it was a replay."""

    session: SessionLogView
    program: ProgramView | None
    replayed: bool


class OutcomeView(View):
    id: int
    patient_id: int
    instrument: str
    responses: dict[str, Any]
    score: float
    result: dict[str, Any]
    assessed_at: dt.datetime
    created_at: dt.datetime


class FlagView(View):
    id: int | None
    kind: str
    detail: str
    session_log_id: int | None
    created_at: dt.datetime | None
    resolved_at: dt.datetime | None


class PatientSummaryView(View):
    """One line of the clinician overview."""

    patient: UserView
    program_id: int | None
    program_status: str | None
    sessions_done: int
    sessions_planned: int
    adherence: float | None
    last_session_at: dt.datetime | None
    current_backward_min: int | None
    next_session_date: dt.date | None
    flags: list[FlagView]


class AuditEntryView(View):
    id: int
    at: dt.datetime
    actor_id: int | None
    actor_role: str
    patient_id: int
    action: str
    record_type: str
    record_id: int | None
