"""Alembic environment for retrowalk: runs online against the engine the caller provides."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Engine

from retrowalk.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only when run by the alembic CLI
    from retrowalk.storage.database import Database

    engine = Database(config.get_main_option("sqlalchemy.url") or "").engine

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    driver: Any = connection.connection.driver_connection
    if sqlite:
        # SQLite rebuilds a table to change it (batch mode: copy, drop, rename). With foreign
        # keys enforced, dropping a parent table would cascade-delete its children, so they are
        # switched off for the run, outside any transaction (the pragma is a no-op inside one),
        # and checked before the commit: SQLite's own procedure,
        # https://www.sqlite.org/lang_altertable.html#otheralter
        driver.execute("PRAGMA foreign_keys=OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
        connection.commit()
    finally:
        if sqlite:
            connection.rollback()
            driver.execute("PRAGMA foreign_keys=ON")
