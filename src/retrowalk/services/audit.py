"""Write and read the audit trail of health-data access (in the caller's transaction)."""

from __future__ import annotations

from sqlalchemy import Select, func, select
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


def own_entries(patient_id: int) -> Select[AuditEntry]:
    """The audit entries about this account, oldest first.

    The log outlives a deleted account (its ``delete account`` entry stays). Account ids are
    never handed out twice (PostgreSQL sequences; AUTOINCREMENT on SQLite since migration 0003),
    and as a second guard, for a database restored from a copy made before that, entries up to
    the last ``delete account`` entry for this id belong to someone else and are left out.
    """
    deleted = (
        select(func.max(AuditEntry.id))
        .where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == "delete",
            AuditEntry.record_type == "account",
        )
        .scalar_subquery()
    )
    return (
        select(AuditEntry)
        .where(AuditEntry.patient_id == patient_id, AuditEntry.id > func.coalesce(deleted, 0))
        .order_by(AuditEntry.id)
    )


def list_my_audit(
    rt: Runtime, actor: Actor, patient_id: int, *, limit: int = 200, offset: int = 0
) -> tuple[list[AuditEntryView], int]:
    """A patient's own audit trail: who read or changed their records (newest first), one page
    of it, and how many entries there are in all."""
    require_role(actor, "patient")
    if actor.user_id != patient_id:
        raise NotFoundError(f"patient {patient_id} not found")
    with rt.db.read() as session:
        entries = own_entries(patient_id).order_by(None)
        total = int(session.scalar(select(func.count()).select_from(entries.subquery())) or 0)
        rows = session.scalars(entries.order_by(AuditEntry.id.desc()).limit(limit).offset(offset))
        return [AuditEntryView.model_validate(row, from_attributes=True) for row in rows], total
