"""Write and read the audit trail of health-data access (in the caller's transaction)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.errors import NotFoundError
from retrowalk.services.policy import require_role
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import AuditEntryView
from retrowalk.storage.audit import AuditEntry


def record(
    session: Session,
    actor: Actor,
    patient_id: int,
    action: str,
    record_type: str,
    record_id: int | None = None,
) -> None:
    """Add one audit entry; it commits or rolls back with the access it describes."""
    session.add(
        AuditEntry(
            actor_id=actor.user_id,
            actor_role=actor.role,
            patient_id=patient_id,
            action=action,
            record_type=record_type,
            record_id=record_id,
        )
    )


def list_my_audit(
    rt: Runtime, actor: Actor, patient_id: int, limit: int = 200
) -> list[AuditEntryView]:
    """A patient's own audit trail: who read or changed their records (newest first)."""
    require_role(actor, "patient")
    if actor.user_id != patient_id:
        raise NotFoundError(f"patient {patient_id} not found")
    with rt.db.read() as session:
        rows = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.patient_id == patient_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return [AuditEntryView.model_validate(row, from_attributes=True) for row in rows]
