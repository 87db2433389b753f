"""Alembic environment for retrowalk: runs online against the engine the caller provides."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from retrowalk.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when run by the alembic CLI
    from retrowalk.storage.database import Database

    engine = Database(config.get_main_option("sqlalchemy.url") or "").engine

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
