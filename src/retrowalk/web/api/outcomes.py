"""Outcome assessments of a patient."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, status

from retrowalk.domain.instruments import INSTRUMENT_IDS
from retrowalk.services import outcomes
from retrowalk.services.inputs import OutcomeIn
from retrowalk.services.views import OutcomeView
from retrowalk.web.api.common import PatientId
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/patients/{patient_id}/outcomes", tags=["outcomes"])

InstrumentFilter = Annotated[
    Literal[INSTRUMENT_IDS] | None,  # type: ignore[valid-type]
    Query(description="Only this instrument"),
]


@router.post("", status_code=status.HTTP_201_CREATED)
def record_outcome(
    patient_id: PatientId, body: OutcomeIn, rt: RuntimeDep, actor: ActorDep
) -> OutcomeView:
    """Score and store a questionnaire or test (item values in published order)."""
    return outcomes.record_outcome(rt, actor, patient_id, body)


@router.get("")
def list_outcomes(
    patient_id: PatientId, rt: RuntimeDep, actor: ActorDep, instrument: InstrumentFilter = None
) -> list[OutcomeView]:
    return outcomes.list_outcomes(rt, actor, patient_id, instrument)
