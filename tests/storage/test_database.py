"""Opening databases: a new SQLite file is private to the account that runs retrowalk."""

from __future__ import annotations

from pathlib import Path

from retrowalk.storage.database import Database
from retrowalk.storage.migrate import upgrade


def test_a_new_sqlite_database_and_its_folder_are_private(tmp_path: Path) -> None:
    path = tmp_path / "retrowalk-data" / "retrowalk.sqlite3"
    database = Database(f"sqlite:///{path}")
    try:
        upgrade(database)
    finally:
        database.dispose()
    for made in (path, path.parent):
        assert made.stat().st_mode & 0o077 == 0, (made, oct(made.stat().st_mode))
