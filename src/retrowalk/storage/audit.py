"""The audit log: who read or changed which patient's health data, and when.

``patient_id`` and ``actor_id`` are plain integers, not foreign keys, so the trail survives the
deletion of an account (deleting health data must not delete the record that it was accessed).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow


class AuditEntry(Base):
    """One read or change of one kind of health record."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(16))
    patient_id: Mapped[int] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer)
