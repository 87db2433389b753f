"""Care links between a patient and their clinicians."""

from __future__ import annotations

from fastapi import APIRouter, status

from retrowalk.services import invitations
from retrowalk.services.inputs import AcceptInvitationIn
from retrowalk.services.views import LinkView
from retrowalk.web.api.common import RecordId
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/links", tags=["links"])


@router.post("", status_code=status.HTTP_201_CREATED)
def accept_invitation(body: AcceptInvitationIn, rt: RuntimeDep, actor: ActorDep) -> LinkView:
    """A patient enters a clinician's invitation code."""
    return invitations.accept_invitation(rt, actor, body.code)


@router.get("")
def list_links(rt: RuntimeDep, actor: ActorDep) -> list[LinkView]:
    """A patient's clinicians or a clinician's patients."""
    return invitations.list_links(rt, actor)


@router.delete("/{link_id}", status_code=status.HTTP_204_NO_CONTENT)
def end_link(link_id: RecordId, rt: RuntimeDep, actor: ActorDep) -> None:
    invitations.end_link(rt, actor, link_id)
