"""A patient's records: profile, screenings, summary, flags and the audit trail."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from retrowalk.schemas.clinical import ScreeningAnswersIn
from retrowalk.services import audit, overview, profiles, screenings
from retrowalk.services.inputs import PatientProfileIn
from retrowalk.services.views import (
    AuditEntryView,
    FlagView,
    PatientSummaryView,
    ProfileView,
    ScreeningView,
)
from retrowalk.web.api.common import Limit, Offset, PatientId, RecordId, page_headers
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/patients/{patient_id}", tags=["patients"])


@router.get("/profile")
def get_profile(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> ProfileView:
    return profiles.get_profile(rt, actor, patient_id)


@router.put("/profile")
def put_profile(
    patient_id: PatientId, body: PatientProfileIn, rt: RuntimeDep, actor: ActorDep
) -> ProfileView:
    return profiles.put_profile(rt, actor, patient_id, body)


@router.post("/screenings", status_code=status.HTTP_201_CREATED)
def screen(
    patient_id: PatientId, body: ScreeningAnswersIn, rt: RuntimeDep, actor: ActorDep
) -> ScreeningView:
    """Run the safety screening (decision: urgent, see_clinician or cleared) and keep it."""
    return screenings.screen_patient(rt, actor, patient_id, body.to_domain())


@router.get("/screenings")
def list_screenings(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> list[ScreeningView]:
    return screenings.list_screenings(rt, actor, patient_id)


@router.get("/summary")
def summary(patient_id: PatientId, rt: RuntimeDep, actor: ActorDep) -> PatientSummaryView:
    """Adherence, last session, current dose and flags for one patient."""
    return overview.patient_summary(rt, actor, patient_id)


@router.post("/flags/{flag_id}/resolve")
def resolve_flag(
    patient_id: PatientId, flag_id: RecordId, rt: RuntimeDep, actor: ActorDep
) -> FlagView:
    """The linked clinician marks a safety flag as dealt with."""
    return overview.resolve_flag(rt, actor, patient_id, flag_id)


@router.get("/audit")
def audit_trail(
    patient_id: PatientId,
    request: Request,
    response: Response,
    rt: RuntimeDep,
    actor: ActorDep,
    limit: Limit = 200,
    offset: Offset = 0,
) -> list[AuditEntryView]:
    """Who read or changed my records (the patient only), newest first. One page: the
    ``X-Total-Count`` header says how many there are, ``Link: rel="next"`` where the next
    page is."""
    entries, total = audit.list_my_audit(rt, actor, patient_id, limit=limit, offset=offset)
    page_headers(request, response, total=total, limit=limit, offset=offset)
    return entries
