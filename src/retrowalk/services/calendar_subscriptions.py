"""A patient's private iCalendar subscription: make a secret URL, revoke it, serve the feed.

Calendar apps cannot sign in, so the feed URL itself is the credential: a random token (256
bits) of which only the keyed hash is stored. A patient has at most one live URL; making a new
one revokes the old, and revoking makes every URL of theirs answer 404 at once. Each fetch is
written to the audit log (actor ``calendar``, since no signed-in user is behind it).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from retrowalk.errors import NotFoundError
from retrowalk.exchange.icalendar_feed import calendar_for_program
from retrowalk.exchange.records import PatientRecord
from retrowalk.services.exchange_views import CalendarTokenView
from retrowalk.services.hashing import keyed_hash
from retrowalk.services.patient_records import latest_program, program_record
from retrowalk.services.policy import lock_patient, require_role
from retrowalk.services.profiles import session_time_of
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.calendar_tokens import CalendarToken
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.users import User

FEED_PATH = "/calendar/{token}.ics"


def _require_self(actor: Actor, patient_id: int) -> None:
    require_role(actor, "patient")
    if actor.user_id != patient_id:
        raise NotFoundError(f"patient {patient_id} not found")


def create_calendar_url(rt: Runtime, actor: Actor, patient_id: int) -> CalendarTokenView:
    """A new private feed URL for the patient (any earlier URL stops working)."""
    _require_self(actor, patient_id)
    token = secrets.token_urlsafe(32)
    now = rt.now()
    with rt.db.write() as session:
        # two requests at once must not both find no live URL and both add one
        lock_patient(session, patient_id)
        session.execute(
            update(CalendarToken)
            .where(CalendarToken.patient_id == patient_id, CalendarToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        session.add(
            CalendarToken(patient_id=patient_id, token_hash=keyed_hash(rt, token), created_at=now)
        )
    return CalendarTokenView(token=token, path=FEED_PATH.format(token=token), created_at=now)


def revoke_calendar_urls(rt: Runtime, actor: Actor, patient_id: int) -> int:
    """Revoke every live feed URL of the patient; returns how many were live."""
    _require_self(actor, patient_id)
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        result = session.execute(
            update(CalendarToken)
            .where(CalendarToken.patient_id == patient_id, CalendarToken.revoked_at.is_(None))
            .values(revoked_at=rt.now())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]


def calendar_feed(rt: Runtime, token: str) -> bytes:
    """The iCalendar document behind a feed token; unknown or revoked tokens are not found."""
    if not 20 <= len(token) <= 100:
        raise NotFoundError("calendar not found")
    with rt.db.write() as session:
        row = session.scalar(
            select(CalendarToken).where(
                CalendarToken.token_hash == keyed_hash(rt, token),
                CalendarToken.revoked_at.is_(None),
            )
        )
        patient = session.get(User, row.patient_id) if row is not None else None
        if row is None or patient is None or not patient.is_active:
            raise NotFoundError("calendar not found")
        profile = session.get(PatientProfile, patient.id)
        program = latest_program(session, patient.id)
        record = program_record(session, program) if program is not None else None
        session.add(
            AuditEntry(
                at=rt.now(),
                actor_id=None,
                actor_role="calendar",
                patient_id=patient.id,
                action="read",
                record_type="calendar_feed",
            )
        )
        person = PatientRecord(
            patient_id=str(patient.id),
            display_name=patient.display_name,
            time_zone=profile.time_zone if profile is not None else "UTC",
        )
        session_time = session_time_of(profile.data if profile is not None else None)
        changes = [program.updated_at] if program is not None else []
        if profile is not None:
            changes.append(profile.updated_at)
    return calendar_for_program(
        person,
        record,
        generated_at=rt.now(),
        session_time=session_time,
        changed_at=max(changes) if changes else None,
    )
