"""IMU recordings attached to logged sessions: the gait analysis, with its algorithm and settings.

The raw file is not kept (data minimisation): what is stored is where it came from (name,
format, size, SHA-256), the full analysis result, the algorithm version and parameters that
produced it (so a result can be reproduced or recomputed after an algorithm change), and the
measured backward/forward minutes and steps that the session pages show beside the plan.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow


class SessionRecording(Base):
    """One analysed recording of one logged session."""

    __tablename__ = "session_recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_log_id: Mapped[int] = mapped_column(
        ForeignKey("session_logs.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    algorithm_version: Mapped[str] = mapped_column(String(32))
    algorithm: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    duration_min: Mapped[float] = mapped_column(Float)
    backward_min: Mapped[float] = mapped_column(Float)
    backward_steps: Mapped[int] = mapped_column(Integer)
    forward_min: Mapped[float] = mapped_column(Float)
    forward_steps: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
