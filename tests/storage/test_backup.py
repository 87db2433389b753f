"""Backup and restore of a SQLite database through SQLite (never a file copy)."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from retrowalk.errors import InputError
from retrowalk.storage.backup import backup_sqlite, check_copy, restore_sqlite
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import head_revision, upgrade

NOW = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)


def _database(path: Path) -> Path:
    database = Database(f"sqlite:///{path}")
    try:
        upgrade(database)
    finally:
        database.dispose()
    return path


def _add_user(path: Path, email: str) -> None:
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO users (email, display_name, role, password_hash, is_active, created_at)"
            " VALUES (?, 'X', 'patient', 'x', 1, '2026-11-22 09:00:00.000000')",
            (email,),
        )


def _emails(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT email FROM users ORDER BY id")]


def _crash_with_a_write_in_the_log(path: Path, email: str) -> None:
    """The state a killed app leaves: a write in the ``-wal`` file, not yet in the database."""
    wal = path.with_name(path.name + "-wal")
    db = sqlite3.connect(path)
    db.execute("PRAGMA wal_autocheckpoint=0")
    with db:
        db.execute(
            "INSERT INTO users (email, display_name, role, password_hash, is_active, created_at)"
            " VALUES (?, 'Y', 'patient', 'y', 1, '2026-11-22 09:00:00.000000')",
            (email,),
        )
    main, log = path.read_bytes(), wal.read_bytes()
    db.close()  # this checkpoints; put back the files as they were before it
    path.write_bytes(main)
    wal.write_bytes(log)


def test_a_restore_replaces_the_database_and_the_log_a_crash_left(tmp_path: Path) -> None:
    live = _database(tmp_path / "retrowalk.sqlite3")
    _add_user(live, "kept@example.org")
    copy = tmp_path / "copy.sqlite3"
    backup_sqlite(live, copy)
    _crash_with_a_write_in_the_log(live, "after-the-copy@example.org")
    assert "after-the-copy@example.org" in _emails(live)
    kept = restore_sqlite(copy, live, now=NOW)
    assert _emails(live) == ["kept@example.org"]
    with contextlib.closing(sqlite3.connect(live)) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert kept is not None
    assert "after-the-copy@example.org" in _emails(kept)  # the replaced state is kept
    assert kept.stat().st_mode & 0o077 == 0


def test_a_copy_that_is_not_a_retrowalk_database_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    with contextlib.closing(sqlite3.connect(other)) as db, db:
        db.execute("CREATE TABLE t (x)")
    with pytest.raises(InputError, match="not a retrowalk database"):
        check_copy(other)
    notes = tmp_path / "notes.txt"
    notes.write_text("hello" * 100)
    with pytest.raises(InputError, match="not a SQLite database"):
        check_copy(notes)


def test_a_backup_is_at_the_databases_schema(tmp_path: Path) -> None:
    live = _database(tmp_path / "retrowalk.sqlite3")
    copy = tmp_path / "copy.sqlite3"
    backup_sqlite(live, copy)
    assert check_copy(copy) == head_revision()
    with pytest.raises(InputError, match="exists already"):
        backup_sqlite(live, copy)


def test_two_restores_in_the_same_second_keep_both_replaced_databases(tmp_path: Path) -> None:
    live = _database(tmp_path / "retrowalk.sqlite3")
    copy = tmp_path / "copy.sqlite3"
    backup_sqlite(live, copy)
    _add_user(live, "original@example.org")
    first = restore_sqlite(copy, live, now=NOW)
    second = restore_sqlite(copy, live, now=NOW)
    assert first is not None
    assert second is not None
    assert first != second
    assert _emails(first) == ["original@example.org"]  # not overwritten by the second restore


def test_a_backup_is_one_file_that_reading_does_not_change(tmp_path: Path) -> None:
    live = _database(tmp_path / "retrowalk.sqlite3")
    copy = tmp_path / "copy.sqlite3"
    backup_sqlite(live, copy)
    check_copy(copy)
    assert sorted(p.name for p in tmp_path.glob("copy*")) == ["copy.sqlite3"]  # no -wal, -shm
