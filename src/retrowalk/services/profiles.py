"""A patient's profile: read and replace (each access is audited)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any

from retrowalk.errors import NotFoundError
from retrowalk.services import audit
from retrowalk.services.inputs import DEFAULT_SESSION_TIME, PatientProfileIn
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import ProfileView
from retrowalk.storage.profiles import PatientProfile

PREFERENCES_ONLY_IN_DATA = {"session_time"}
"""Profile fields kept only in ``PatientProfile.data`` (no column of their own)."""


def zone_of(name: str | None) -> dt.tzinfo:
    """A stored profile's time zone (UTC without a profile, or for a name this machine's tz
    database no longer knows)."""
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def session_time_of(data: Mapping[str, Any] | None) -> dt.time:
    """The usual session time (local) in a profile's ``data``; the default when not chosen."""
    stored = (data or {}).get("session_time")
    return dt.time.fromisoformat(stored) if isinstance(stored, str) else DEFAULT_SESSION_TIME


def get_profile(rt: Runtime, actor: Actor, patient_id: int) -> ProfileView:
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        row = session.get(PatientProfile, patient_id)
        if row is None:
            raise NotFoundError(f"patient {patient_id} has no profile yet")
        audit.record(session, actor, patient_id, "read", "profile", patient_id)
        return ProfileView.model_validate(row)


def put_profile(rt: Runtime, actor: Actor, patient_id: int, data: PatientProfileIn) -> ProfileView:
    """Create or replace the profile (the patient or their clinician)."""
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        row = session.get(PatientProfile, patient_id)
        if row is None:
            row = PatientProfile(patient_id=patient_id)
            session.add(row)
        for name, value in data.model_dump(exclude=PREFERENCES_ONLY_IN_DATA).items():
            setattr(row, name, value)
        row.data = data.model_dump(mode="json")
        row.updated_at = rt.now()
        session.flush()
        audit.record(session, actor, patient_id, "update", "profile", patient_id)
        return ProfileView.model_validate(row)
