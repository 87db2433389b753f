"""Programs and their revisions: every version of a plan is kept, never overwritten."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow

PROGRAM_STATUSES = ("active", "paused", "completed")


class Program(Base):
    """A patient's retro-walking program; ``current_revision`` points at its live plan.

    ``reviewed_until``: when a clinician resumed the program after a safety pause. Safety events
    logged before then have been reviewed and no longer pause the program by themselves.
    """

    __tablename__ = "programs"
    __table_args__ = (
        CheckConstraint("status IN ('active', 'paused', 'completed')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    screening_id: Mapped[int | None] = mapped_column(
        ForeignKey("screenings.id", ondelete="SET NULL")
    )
    template_id: Mapped[str] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    paused_for_safety: Mapped[bool] = mapped_column(default=False)
    current_revision: Mapped[int] = mapped_column(Integer, default=1)
    reviewed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProgramRevision(Base):
    """One version of a program's plan, with why it changed (prescription, progression, edit)."""

    __tablename__ = "program_revisions"
    __table_args__ = (UniqueConstraint("program_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    program_id: Mapped[int] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(String(40))
    note: Mapped[str] = mapped_column(String(1000), default="")
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    session_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE")
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
