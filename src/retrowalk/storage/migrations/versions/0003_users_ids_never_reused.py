"""account ids are never reused on SQLite: the users table gets AUTOINCREMENT

SQLite without AUTOINCREMENT hands out max(rowid) + 1, so deleting the newest account gave its
id to the next sign-up, and the audit log (plain integer ids that outlive an account) would mix
two people's entries. With AUTOINCREMENT, SQLite keeps the highest id ever used in
``sqlite_sequence``. This migration rebuilds the table (SQLite cannot add AUTOINCREMENT in place)
and seeds that counter with the highest account id the database has ever seen, including ids of
accounts deleted before the upgrade that still appear in the audit log. PostgreSQL sequences
never hand out a number twice, so there this migration changes nothing.

Revision ID: 0003_user_ids
Revises: 0002_exchange
Create Date: 2026-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_user_ids"
down_revision: str | None = "0002_exchange"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _users_table(*, autoincrement: bool) -> sa.Table:
    """The users table exactly as 0001 created it (the batch rebuild copies from this, so the
    CHECK and UNIQUE constraints are kept whatever SQLite reflection returns)."""
    return sa.Table(
        "users",
        sa.MetaData(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role IN ('patient', 'clinician', 'admin')", name="ck_users_role"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("email", name="uq_users_email"),
        sqlite_autoincrement=autoincrement,
    )


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "users",
        recreate="always",
        copy_from=_users_table(autoincrement=False),
        table_kwargs={"sqlite_autoincrement": True},
    ):
        pass
    highest = bind.execute(
        sa.text(
            "SELECT max(coalesce(m, 0)) FROM ("
            " SELECT max(id) AS m FROM users"
            " UNION ALL SELECT max(patient_id) FROM audit_log"
            " UNION ALL SELECT max(actor_id) FROM audit_log)"
        )
    ).scalar_one()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'users'"))
    bind.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('users', :seq)"),
        {"seq": int(highest or 0)},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "users",
        recreate="always",
        copy_from=_users_table(autoincrement=True),
        table_kwargs={"sqlite_autoincrement": False},
    ):
        pass
