"""Record and list outcome assessments, scored by the clinical core's instrument registry."""

from __future__ import annotations

from sqlalchemy import select

from retrowalk.domain.instruments import score
from retrowalk.services import audit
from retrowalk.services.inputs import OutcomeIn, refuse_future
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import OutcomeView
from retrowalk.storage.outcomes import OutcomeAssessment


def record_outcome(rt: Runtime, actor: Actor, patient_id: int, data: OutcomeIn) -> OutcomeView:
    """Score the responses (bad items raise ``InputError`` naming ``items.N``) and store them."""
    result = score(data.instrument, data.items)
    refuse_future(data.assessed_at, rt.now(), "assessed_at")
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        now = rt.now()
        row = OutcomeAssessment(
            patient_id=patient_id,
            instrument=data.instrument,
            responses={"items": list(data.items)},
            score=result.score,
            result=result.to_json(),
            assessed_at=data.assessed_at or now,
            created_by=actor.user_id,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, patient_id, "create", "outcome", row.id)
        return OutcomeView.model_validate(row)


def list_outcomes(
    rt: Runtime, actor: Actor, patient_id: int, instrument: str | None = None
) -> list[OutcomeView]:
    """The patient's assessments, oldest first (optionally one instrument only)."""
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        query = select(OutcomeAssessment).where(OutcomeAssessment.patient_id == patient_id)
        if instrument is not None:
            query = query.where(OutcomeAssessment.instrument == instrument)
        rows = session.scalars(
            query.order_by(OutcomeAssessment.assessed_at, OutcomeAssessment.id)
        ).all()
        audit.record(session, actor, patient_id, "read", "outcome")
        return [OutcomeView.model_validate(row) for row in rows]
