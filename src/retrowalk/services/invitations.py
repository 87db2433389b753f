"""Invitations and care links: how a clinician comes to see a patient's records.

A clinician creates a one-time code (valid ``invitation_ttl_days``); a patient who enters it is
linked to that clinician. Either side may end a link; the clinician then sees nothing more.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.errors import InputError, NotAllowedError, NotFoundError
from retrowalk.services.hashing import keyed_hash
from retrowalk.services.policy import lock_patient, require_role
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import InvitationView, LinkView, NewInvitationView, UserView
from retrowalk.storage.links import CareLink, Invitation
from retrowalk.storage.users import User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I: read out over the phone
CODE_LENGTH = 10


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(code: str) -> str:
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    if len(cleaned) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in cleaned):
        raise InputError(
            f"an invitation code has {CODE_LENGTH} letters and digits, e.g. ABCDE-23456",
            field="code",
        )
    return f"{cleaned[:5]}-{cleaned[5:]}"


def _invitation_view(row: Invitation) -> InvitationView:
    return InvitationView(
        id=row.id,
        note=row.note,
        created_at=row.created_at,
        expires_at=row.expires_at,
        accepted=row.accepted_by is not None,
    )


def create_invitation(rt: Runtime, actor: Actor, note: str = "") -> NewInvitationView:
    """A clinician makes a new invitation code (shown once)."""
    require_role(actor, "clinician")
    if len(note) > 200:
        raise InputError("must be at most 200 characters", field="note")
    code = _new_code()
    now = rt.now()
    with rt.db.write() as session:
        row = Invitation(
            clinician_id=actor.user_id,
            code_hash=keyed_hash(rt, code),
            note=note,
            created_at=now,
            expires_at=now + dt.timedelta(days=rt.settings.invitation_ttl_days),
        )
        session.add(row)
        session.flush()
        return NewInvitationView(**_invitation_view(row).model_dump(), code=code)


def list_invitations(rt: Runtime, actor: Actor) -> list[InvitationView]:
    require_role(actor, "clinician")
    with rt.db.read() as session:
        rows = session.scalars(
            select(Invitation)
            .where(Invitation.clinician_id == actor.user_id)
            .order_by(Invitation.id.desc())
        )
        return [_invitation_view(row) for row in rows]


def _link_view(session: Session, link: CareLink) -> LinkView:
    clinician = session.get(User, link.clinician_id)
    patient = session.get(User, link.patient_id)
    assert clinician is not None
    assert patient is not None
    return LinkView(
        id=link.id,
        clinician=UserView.model_validate(clinician),
        patient=UserView.model_validate(patient),
        created_at=link.created_at,
    )


def accept_in_session(session: Session, rt: Runtime, patient_id: int, code: str) -> CareLink:
    """Use ``code`` for this patient inside the caller's transaction."""
    code_hash = keyed_hash(rt, normalize_code(code))
    invitation = session.scalar(
        select(Invitation).where(Invitation.code_hash == code_hash).with_for_update()
    )
    now = rt.now()
    if invitation is None:
        raise InputError("no invitation has this code", field="code")
    if invitation.accepted_by is not None:
        raise NotAllowedError("this invitation code has already been used")
    if invitation.expires_at <= now:
        raise NotAllowedError("this invitation code has expired; ask your clinician for a new one")
    invitation.accepted_by = patient_id
    invitation.accepted_at = now
    link = session.scalar(
        select(CareLink).where(
            CareLink.clinician_id == invitation.clinician_id, CareLink.patient_id == patient_id
        )
    )
    if link is None:
        link = CareLink(clinician_id=invitation.clinician_id, patient_id=patient_id, created_at=now)
        session.add(link)
    else:
        link.ended_at = None
        link.created_at = now
    session.flush()
    return link


def accept_invitation(rt: Runtime, actor: Actor, code: str) -> LinkView:
    """A patient enters a clinician's code and is linked to that clinician."""
    require_role(actor, "patient")
    with rt.db.write() as session:
        # two codes of one clinician accepted at once must not both insert the same link
        lock_patient(session, actor.user_id)
        link = accept_in_session(session, rt, actor.user_id, code)
        return _link_view(session, link)


def list_links(rt: Runtime, actor: Actor) -> list[LinkView]:
    """A patient's clinicians, or a clinician's patients (active links only)."""
    require_role(actor, "patient", "clinician")
    column = CareLink.patient_id if actor.role == "patient" else CareLink.clinician_id
    with rt.db.read() as session:
        links = session.scalars(
            select(CareLink)
            .where(column == actor.user_id, CareLink.ended_at.is_(None))
            .order_by(CareLink.id)
        ).all()
        return [_link_view(session, link) for link in links]


def end_link(rt: Runtime, actor: Actor, link_id: int) -> None:
    """Either side ends a care link; the clinician loses access at once.

    The patient's lock is taken first (as every writer of a patient's records does), so a
    clinician's write that checked the link a moment earlier finishes before the link ends,
    never after it.
    """
    require_role(actor, "patient", "clinician")
    with rt.db.write() as session:
        patient_id = session.scalar(select(CareLink.patient_id).where(CareLink.id == link_id))
        if patient_id is not None:
            lock_patient(session, patient_id)
        link = session.get(CareLink, link_id, populate_existing=True)
        if (
            link is None
            or link.ended_at is not None
            or actor.user_id not in (link.patient_id, link.clinician_id)
        ):
            raise NotFoundError(f"link {link_id} not found")
        link.ended_at = rt.now()
