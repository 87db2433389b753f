"""Engines and transactions: :class:`Database` is the one handle services receive.

Each service opens exactly one transaction with :meth:`Database.write` (or :meth:`Database.read`)
and either commits all of its changes or none. SQLite specifics are handled here and nowhere
else: foreign keys on, WAL journal (readers do not block the writer), a busy timeout, and
``BEGIN IMMEDIATE`` for write transactions so two writers queue instead of failing with
"database is locked" when a read lock would have to be upgraded. Nothing connects until the
first transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_S = 30.0


PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600
"""Health data and password hashes: readable by the account that runs retrowalk only (not by
every local user, as the usual umask 022 would leave them)."""


def create_private_file(path: Path) -> None:
    """Create ``path`` empty with :data:`PRIVATE_FILE_MODE` unless it exists (SQLite gives its
    ``-wal`` and ``-shm`` files the database file's mode)."""
    with suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))


def create_private_database_file(path: Path) -> None:
    """An empty private database file at ``path`` unless it exists; a folder made for it is
    private too (:data:`PRIVATE_DIR_MODE`; folders above it are left as usual)."""
    if not path.parent.exists():
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.mkdir(mode=PRIVATE_DIR_MODE, exist_ok=True)
    create_private_file(path)


def _prepare_sqlite_file(url: str) -> None:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        create_private_database_file(Path(database).expanduser())


def _sqlite_engine(url: str, *, begin: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        pool_size=20,
        max_overflow=40,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when a transaction begins.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    return engine


def create_engines(url: str) -> tuple[Engine, Engine]:
    """Return ``(write_engine, read_engine)`` for ``url`` (the same engine except on SQLite)."""
    if url.startswith("sqlite"):
        _prepare_sqlite_file(url)
        return _sqlite_engine(url, begin="BEGIN IMMEDIATE"), _sqlite_engine(url, begin="BEGIN")
    engine = create_engine(url, pool_size=20, max_overflow=40, pool_pre_ping=True)
    return engine, engine


class Database:
    """Lazily connected engines plus transaction scopes for the services."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._write_engine, self._read_engine = create_engines(url)
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def engine(self) -> Engine:
        """The engine used for writes and for migrations."""
        return self._write_engine

    @property
    def dialect(self) -> str:
        return self._write_engine.dialect.name

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One read-write transaction: committed if the block ends normally, else rolled back."""
        with self._write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read-only transaction (never committed)."""
        with self._read_sessions() as session:
            yield session

    def dispose(self) -> None:
        """Close every pooled connection."""
        self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            self._read_engine.dispose()
