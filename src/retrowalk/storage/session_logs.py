"""Logged sessions and the idempotency keys that keep a resent session from being stored twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow


class SessionLog(Base):
    """One walking session as the patient reported it, with the plan revision it followed.

    ``entry`` keeps the whole validated log as given; the columns are what queries need.
    Pain values are NPRS 0-10 (evidence.md §4); ``rpe`` is as defined by the log schema.
    """

    __tablename__ = "session_logs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="CASCADE"), index=True
    )
    plan_revision: Mapped[int | None] = mapped_column(Integer)
    planned_session: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    backward_min: Mapped[float] = mapped_column(Float)
    forward_min: Mapped[float] = mapped_column(Float, default=0.0)
    setting: Mapped[str | None] = mapped_column(String(40))
    speed_m_s: Mapped[float | None] = mapped_column(Float)
    incline_percent: Mapped[float | None] = mapped_column(Float)
    pain_before: Mapped[float | None] = mapped_column(Float)
    pain_max: Mapped[float | None] = mapped_column(Float)
    pain_after: Mapped[float | None] = mapped_column(Float)
    pain_next_morning: Mapped[float | None] = mapped_column(Float)
    rpe: Mapped[float | None] = mapped_column(Float)
    heart_rate_bpm: Mapped[float | None] = mapped_column(Float)
    steps: Mapped[int | None] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")
    safety_events: Mapped[list[str]] = mapped_column(JSON, default=list)
    entry: Mapped[dict[str, Any]] = mapped_column(JSON)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdempotencyKey(Base):
    """A client-chosen key for one session-log creation, unique per patient.

    The unique constraint is what makes concurrent resends safe: the second insert of the same
    key fails inside its transaction, which then rolls back and replays the stored result.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("patient_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    session_log_id: Mapped[int] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
