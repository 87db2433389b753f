"""Every table, imported in one place so ``Base.metadata`` is complete (for Alembic and tests)."""

from __future__ import annotations

from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.base import Base
from retrowalk.storage.calendar_tokens import CalendarToken
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.links import CareLink, Invitation
from retrowalk.storage.outcomes import OutcomeAssessment
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.programs import Program, ProgramRevision
from retrowalk.storage.recordings import SessionRecording
from retrowalk.storage.screenings import Screening
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog
from retrowalk.storage.users import AuthToken, User

__all__ = [
    "AuditEntry",
    "AuthToken",
    "Base",
    "CalendarToken",
    "CareLink",
    "ClinicianFlag",
    "IdempotencyKey",
    "Invitation",
    "OutcomeAssessment",
    "PatientProfile",
    "Program",
    "ProgramRevision",
    "Screening",
    "SessionLog",
    "SessionRecording",
    "User",
]
