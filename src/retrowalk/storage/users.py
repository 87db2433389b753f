"""Accounts and their credentials: users with a role, and login tokens (stored hashed only)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from retrowalk.storage.base import Base, UTCDateTime, utcnow

ROLES = ("patient", "clinician", "admin")
TOKEN_KINDS = ("session", "bearer")


class User(Base):
    """A person who signs in: a patient, a clinician or an admin."""

    __tablename__ = "users"
    # AUTOINCREMENT on SQLite: an id is never handed out twice, even after the newest account
    # is deleted (migration 0003); the audit log keeps ids of deleted accounts.
    __table_args__ = (
        CheckConstraint("role IN ('patient', 'clinician', 'admin')", name="role"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuthToken(Base):
    """A login: a browser session (cookie + CSRF token) or a bearer token for other clients.

    Only keyed hashes of the token and the CSRF token are stored, so a copy of the database does
    not let anyone sign in.
    """

    __tablename__ = "auth_tokens"
    __table_args__ = (CheckConstraint("kind IN ('session', 'bearer')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
