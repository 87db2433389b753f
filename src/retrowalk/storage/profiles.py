"""A patient's profile: the facts the prescription uses, and how they like to see units."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow


class PatientProfile(Base):
    """One row per patient; ``data`` keeps the whole validated profile as given."""

    __tablename__ = "patient_profiles"
    __table_args__ = (CheckConstraint("units IN ('metric', 'imperial')", name="units"),)

    patient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    birth_year: Mapped[int | None] = mapped_column(Integer)
    height_m: Mapped[float | None] = mapped_column(Float)
    weight_kg: Mapped[float | None] = mapped_column(Float)
    sensor_height_m: Mapped[float | None] = mapped_column(Float)
    units: Mapped[str] = mapped_column(String(8), default="metric")
    time_zone: Mapped[str] = mapped_column(String(64), default="UTC")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
