"""The clinician's overview of linked patients, and invitation codes."""

from __future__ import annotations

from fastapi import APIRouter, status

from retrowalk.services import invitations, overview
from retrowalk.services.inputs import InvitationIn
from retrowalk.services.views import InvitationView, NewInvitationView, PatientSummaryView
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/clinician", tags=["clinician"])


@router.get("/overview")
def clinician_overview(rt: RuntimeDep, actor: ActorDep) -> list[PatientSummaryView]:
    """Each linked patient: adherence, last session, current dose and flags."""
    return overview.clinician_overview(rt, actor)


@router.post("/invitations", status_code=status.HTTP_201_CREATED)
def create_invitation(body: InvitationIn, rt: RuntimeDep, actor: ActorDep) -> NewInvitationView:
    """A one-time code for a patient to link to you (shown once)."""
    return invitations.create_invitation(rt, actor, body.note)


@router.get("/invitations")
def list_invitations(rt: RuntimeDep, actor: ActorDep) -> list[InvitationView]:
    return invitations.list_invitations(rt, actor)
