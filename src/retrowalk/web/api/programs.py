"""A patient's program: prescribe, read, revisions, status, clinician adjustment."""

from __future__ import annotations

from fastapi import APIRouter, status

from retrowalk.services import programs
from retrowalk.services.inputs import PlanAdjustIn, PrescriptionIn, ProgramStatusIn
from retrowalk.services.views import ProgramRevisionView, ProgramView
from retrowalk.web.api.common import PatientId
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/patients/{patient_id}/program", tags=["programs"])


@router.post("", status_code=status.HTTP_201_CREATED)
def prescribe(
    patient_id: PatientId, body: PrescriptionIn, rt: RuntimeDep, actor: ActorDep
) -> ProgramView:
    """A plan from the last screening (409 unless it cleared the person) and these choices."""
    return programs.prescribe_program(rt, actor, patient_id, body)


@router.get("")
def get_program(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> ProgramView:
    return programs.get_program(rt, actor, patient_id)


@router.get("/revisions")
def revisions(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> list[ProgramRevisionView]:
    """Every revision of the current plan, oldest first."""
    return programs.list_revisions(rt, actor, patient_id)


@router.post("/status")
def set_status(
    patient_id: PatientId, body: ProgramStatusIn, rt: RuntimeDep, actor: ActorDep
) -> ProgramView:
    """Pause, resume or complete (after a safety pause only the clinician may resume)."""
    return programs.set_status(rt, actor, patient_id, body)


@router.put("/plan")
def adjust_plan(
    patient_id: PatientId, body: PlanAdjustIn, rt: RuntimeDep, actor: ActorDep
) -> ProgramView:
    """The linked clinician replaces the plan with an edited one (a new revision)."""
    return programs.adjust_plan(rt, actor, patient_id, body)
