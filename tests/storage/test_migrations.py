"""Migrations: the packaged scripts build exactly the models' schema on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import (
    SchemaNotCurrentError,
    current_revision,
    downgrade,
    head_revision,
    upgrade,
)
from retrowalk.storage.models import Base
from retrowalk.storage.users import AuthToken, User
from tests.db_fixtures import schema_from_the_future


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


def _insert_user(session: Session, email: str) -> int:
    user = User(email=email, display_name=email, role="patient", password_hash="x")
    session.add(user)
    session.flush()
    return user.id


def test_a_deleted_accounts_id_is_never_given_to_a_new_account(database_url: str) -> None:
    database = Database(database_url)
    try:
        with database.write() as session:
            _insert_user(session, "first@example.org")
            newest = _insert_user(session, "newest@example.org")
        with database.write() as session:
            session.execute(delete(User).where(User.id == newest))
        with database.write() as session:
            next_id = _insert_user(session, "someone-else@example.org")
    finally:
        database.dispose()
    assert next_id > newest


def _sqlite_only(url: str) -> None:
    if not url.startswith("sqlite"):
        pytest.skip("PostgreSQL sequences never reuse ids; migration 0003 changes nothing there")


def test_upgrade_to_autoincrement_keeps_every_row_and_constraint(empty_database_url: str) -> None:
    _sqlite_only(empty_database_url)
    database = Database(empty_database_url)
    try:
        upgrade(database, "0002_exchange")
        with database.write() as session:
            patient = _insert_user(session, "patient@example.org")
            session.add(
                AuthToken(
                    user_id=patient,
                    kind="bearer",
                    token_hash="h" * 64,
                    expires_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC),
                )
            )
        upgrade(database)
        with database.read() as session:
            # dropping the old users table during the rebuild must not cascade to its children
            assert session.scalars(select(AuthToken.user_id)).all() == [patient]
        with database.write() as session, pytest.raises(IntegrityError):
            session.execute(text("UPDATE users SET role = 'pilot'"))  # CHECK kept
        with database.write() as session:  # foreign keys are enforced again afterwards
            session.execute(delete(User).where(User.id == patient))
        with database.read() as session:
            assert session.scalars(select(AuthToken)).all() == []
    finally:
        database.dispose()


def test_upgrade_never_reuses_an_id_the_audit_log_remembers(empty_database_url: str) -> None:
    _sqlite_only(empty_database_url)
    database = Database(empty_database_url)
    try:
        upgrade(database, "0002_exchange")
        with database.write() as session:
            kept = _insert_user(session, "kept@example.org")
            session.add(  # account 7 was deleted before the upgrade; its trail stays
                AuditEntry(
                    actor_id=7,
                    actor_role="patient",
                    patient_id=7,
                    action="delete",
                    record_type="account",
                )
            )
        upgrade(database)
        with database.write() as session:
            new = _insert_user(session, "new@example.org")
    finally:
        database.dispose()
    assert kept == 1
    assert new == 8


def test_a_database_from_a_newer_retrowalk_is_refused_untouched(database_url: str) -> None:
    database = Database(database_url)
    try:
        with schema_from_the_future(database_url):
            with pytest.raises(SchemaNotCurrentError, match="'0099_future', which this retrowalk"):
                upgrade(database)
            assert current_revision(database) == "0099_future"
    finally:
        database.dispose()
