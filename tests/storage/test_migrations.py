"""Migrations: the packaged scripts build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.exc import StatementError

from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import current_revision, downgrade, head_revision, upgrade
from retrowalk.storage.models import Base


@pytest.fixture
def empty_database(empty_database_url: str) -> Iterator[Database]:
    database = Database(empty_database_url)
    yield database
    database.dispose()


def test_the_test_database_is_at_the_newest_migration(database_url: str) -> None:
    database = Database(database_url)
    try:
        assert current_revision(database) == head_revision()
    finally:
        database.dispose()


def test_migrations_create_exactly_the_models_schema(empty_database: Database) -> None:
    upgrade(empty_database)
    with empty_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_downgrade_removes_every_table_and_upgrade_runs_again(empty_database: Database) -> None:
    upgrade(empty_database)
    upgrade(empty_database)  # a second run changes nothing
    assert set(Base.metadata.tables) <= set(inspect(empty_database.engine).get_table_names())
    downgrade(empty_database, "base")
    assert set(inspect(empty_database.engine).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database)
    assert current_revision(empty_database) == head_revision()


def test_constraints_follow_the_naming_convention(database_url: str) -> None:
    database = Database(database_url)
    try:
        foreign_keys = inspect(database.engine).get_foreign_keys("session_logs")
    finally:
        database.dispose()
    assert {fk["name"] for fk in foreign_keys} >= {"fk_session_logs_patient_id_users"}


def test_datetimes_come_back_timezone_aware_in_utc(database_url: str) -> None:
    database = Database(database_url)
    berlin = dt.timezone(dt.timedelta(hours=1))
    try:
        with database.write() as session:
            entry = AuditEntry(
                at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=berlin),
                actor_id=1,
                actor_role="patient",
                patient_id=1,
                action="read",
                record_type="profile",
            )
            session.add(entry)
            session.flush()
            entry_id = entry.id
        with database.read() as session:
            stored = session.get(AuditEntry, entry_id)
            assert stored is not None
            assert stored.at == dt.datetime(2026, 3, 1, 8, 30, tzinfo=dt.UTC)
            assert stored.at.utcoffset() == dt.timedelta(0)
    finally:
        database.dispose()


def test_a_naive_datetime_is_refused(database_url: str) -> None:
    database = Database(database_url)
    naive = AuditEntry(
        at=dt.datetime(2026, 3, 1, 9, 30),
        actor_id=1,
        actor_role="patient",
        patient_id=1,
        action="read",
        record_type="profile",
    )
    try:
        with database.write() as session:
            session.add(naive)
            with pytest.raises(StatementError, match="naive datetime"):
                session.flush()
            session.rollback()
    finally:
        database.dispose()
