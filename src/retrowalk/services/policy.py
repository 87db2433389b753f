"""Who may do what: the authorization rules, in one place for the API and the web pages.

Rules
- A **patient** reaches only their own health records.
- A **clinician** reaches the health records of patients linked to them (an active care link,
  made when the patient accepted the clinician's invitation), and no one else's.
- An **admin** manages accounts (create, list, deactivate) and reads no health data.
- Anyone else (another patient, an unlinked clinician, an admin) asking for a patient's records
  gets :class:`NotFoundError`, exactly as for a patient who does not exist, so the API does not
  reveal who is a patient. A signed-in user calling an action their *role* never has (a patient
  listing accounts) gets :class:`PermissionDeniedError`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.errors import NotFoundError, PermissionDeniedError
from retrowalk.services.runtime import Actor
from retrowalk.storage.links import CareLink
from retrowalk.storage.users import User

ROLE_NAMES = {"patient": "patients", "clinician": "clinicians", "admin": "admins"}


def require_role(actor: Actor, *roles: str) -> None:
    """Refuse the action unless the actor has one of ``roles``."""
    if actor.role not in roles:
        allowed = " and ".join(ROLE_NAMES[role] for role in roles)
        raise PermissionDeniedError(f"only {allowed} may do this")


def is_linked(session: Session, clinician_id: int, patient_id: int) -> bool:
    """Whether an active care link joins this clinician and this patient."""
    found = session.scalar(
        select(CareLink.id).where(
            CareLink.clinician_id == clinician_id,
            CareLink.patient_id == patient_id,
            CareLink.ended_at.is_(None),
        )
    )
    return found is not None


def lock_patient(session: Session, patient_id: int) -> None:
    """Hold the patient's account row until the transaction ends: one writer of a patient's
    records at a time, so concurrent changes queue instead of racing (two programs made active,
    a revision number taken twice, an import's duplicate check read before the other import's
    rows, deadlocks). Every service that changes a patient's records calls this first, before
    any other row is locked or written, so the lock order is always the same. PostgreSQL:
    ``SELECT ... FOR UPDATE``; SQLite ignores it (its ``BEGIN IMMEDIATE`` already queues every
    writer)."""
    session.execute(select(User.id).where(User.id == patient_id).with_for_update())


def require_patient_access(session: Session, actor: Actor, patient_id: int) -> User:
    """Return the patient if the actor may see their health records, else ``NotFoundError``."""
    allowed = (actor.role == "patient" and actor.user_id == patient_id) or (
        actor.role == "clinician" and is_linked(session, actor.user_id, patient_id)
    )
    patient = session.get(User, patient_id) if allowed else None
    if patient is None or patient.role != "patient" or not patient.is_active:
        raise NotFoundError(f"patient {patient_id} not found")
    return patient


def require_clinician_of(session: Session, actor: Actor, patient_id: int) -> User:
    """Like :func:`require_patient_access`, but only the patient's linked clinician passes."""
    patient = require_patient_access(session, actor, patient_id)
    require_role(actor, "clinician")
    return patient
