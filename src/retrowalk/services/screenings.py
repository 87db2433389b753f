"""Screen a patient before retro-walking, and keep every screening with its rules version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.domain.screening import ScreeningAnswers, screen
from retrowalk.services import audit
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import ScreeningView
from retrowalk.storage.screenings import Screening


def screen_patient(
    rt: Runtime, actor: Actor, patient_id: int, answers: ScreeningAnswers
) -> ScreeningView:
    """Run the screening rules on ``answers`` and store answers, result and rules version.

    A result that does not clear the person pauses their current program for safety and
    flags their clinician (:func:`retrowalk.services.programs.pause_after_screening`).
    """
    result = screen(answers)
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        row = Screening(
            patient_id=patient_id,
            answers=answers.to_json(),
            result=result.to_json(),
            decision=result.decision,
            rules_version=result.rules_version,
            created_by=actor.user_id,
            created_at=rt.now(),
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, patient_id, "create", "screening", row.id)
        # programs imports this module (latest_screening), so it is imported here.
        from retrowalk.services.programs import pause_after_screening

        pause_after_screening(session, rt, actor, patient_id, result)
        return ScreeningView.model_validate(row)


def latest_screening(session: Session, patient_id: int) -> Screening | None:
    return session.scalar(
        select(Screening)
        .where(Screening.patient_id == patient_id)
        .order_by(Screening.created_at.desc(), Screening.id.desc())
        .limit(1)
    )


def list_screenings(rt: Runtime, actor: Actor, patient_id: int) -> list[ScreeningView]:
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        rows = session.scalars(
            select(Screening).where(Screening.patient_id == patient_id).order_by(Screening.id)
        ).all()
        audit.record(session, actor, patient_id, "read", "screening")
        return [ScreeningView.model_validate(row) for row in rows]
