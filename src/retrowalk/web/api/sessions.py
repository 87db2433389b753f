"""Logged sessions (with ``Idempotency-Key``) and the next-morning pain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response, status

from retrowalk.services import session_logs
from retrowalk.services.inputs import NextMorningPainIn, SessionLogIn
from retrowalk.services.views import LoggedSessionView, SessionLogView
from retrowalk.web.api.common import (
    MAX_PAGE_ITEMS,
    Limit,
    Offset,
    PatientId,
    RecordId,
    page_headers,
)
from retrowalk.web.security import ActorDep, RuntimeDep

router = APIRouter(prefix="/patients/{patient_id}/sessions", tags=["sessions"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Any unique string per session (e.g. a UUID); resending it stores nothing new",
    ),
]


@router.post("", status_code=status.HTTP_201_CREATED)
def log_session(
    patient_id: PatientId,
    body: SessionLogIn,
    response: Response,
    rt: RuntimeDep,
    actor: ActorDep,
    idempotency_key: IdempotencyKey = None,
) -> LoggedSessionView:
    """Store a session and apply the progression decision to the next planned session.

    A resend with the same ``Idempotency-Key`` returns the stored session (``replayed: true``,
    header ``Idempotent-Replayed: true``); the same key with a different body gets 409.
    """
    result = session_logs.log_session(rt, actor, patient_id, body, idempotency_key=idempotency_key)
    if result.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return result


@router.get("")
def list_sessions(
    patient_id: PatientId,
    request: Request,
    response: Response,
    rt: RuntimeDep,
    actor: ActorDep,
    limit: Limit = MAX_PAGE_ITEMS,
    offset: Offset = 0,
) -> list[SessionLogView]:
    """The patient's sessions, newest first. One page: the ``X-Total-Count`` header says how
    many there are, ``Link: rel="next"`` where the next page is (the CSV and FHIR exports hold
    every session at once)."""
    sessions, total = session_logs.session_page(rt, actor, patient_id, limit=limit, offset=offset)
    page_headers(request, response, total=total, limit=limit, offset=offset)
    return sessions


@router.get("/{session_id}")
def get_session(
    patient_id: PatientId, session_id: RecordId, rt: RuntimeDep, actor: ActorDep
) -> SessionLogView:
    return session_logs.get_session(rt, actor, patient_id, session_id)


@router.put("/{session_id}/next-morning-pain")
def next_morning_pain(
    patient_id: PatientId,
    session_id: RecordId,
    body: NextMorningPainIn,
    rt: RuntimeDep,
    actor: ActorDep,
) -> SessionLogView:
    """The pain the morning after (the pain-monitoring model's 24-hour response)."""
    return session_logs.record_next_morning_pain(rt, actor, patient_id, session_id, body)
