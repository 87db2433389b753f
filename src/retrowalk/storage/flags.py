"""Flags raised for the clinician by events that need a person to look (e.g. a fall)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow


class ClinicianFlag(Base):
    """A stored flag (a safety event); open until a clinician resolves it."""

    __tablename__ = "clinician_flags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(String(500))
    session_log_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE")
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
