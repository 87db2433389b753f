"""Copying a SQLite database out (backup) and back in (restore), through SQLite itself.

Both use SQLite's online backup API, never a file copy: a database in WAL mode keeps recent
writes in its ``-wal`` file beside it, so a copied file misses them, and a file put back over
a database whose ``-wal`` remains gets that old log replayed over it (old rows come back, or the
file is damaged). Copies are private to the account that runs retrowalk (0600).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import sqlite3
import tempfile
from pathlib import Path

from retrowalk.errors import InputError
from retrowalk.storage.database import create_private_database_file
from retrowalk.storage.migrate import known_revisions

__all__ = ["backup_sqlite", "restore_sqlite"]


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def _pages_into(source: Path, target: Path, *, finish: str) -> None:
    """Every page of ``source`` into the database at ``target`` through SQLite's backup API,
    then the pragma ``finish`` on ``target``."""
    with (
        contextlib.closing(_read_only(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as out,
    ):
        src.backup(out)
        out.execute(finish)


def _copy(source: Path, target: Path, *, field: str) -> None:
    """Every page of ``source`` into ``target`` (a new private file, renamed into place);
    ``field`` names the option a failure is about."""
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as error:
        raise InputError(f"cannot write in {target.parent}: {error}", field=field) from None
    os.close(handle)  # mkstemp makes it 0600: a copy of health data, for this account only
    partial = Path(name)
    try:
        # one file (no write-ahead log): reading the copy later writes nothing beside it
        _pages_into(source, partial, finish="PRAGMA journal_mode=DELETE")
        os.replace(partial, target)
    except (sqlite3.Error, OSError) as error:
        partial.unlink(missing_ok=True)
        raise InputError(f"cannot write {target}: {error}", field=field) from None


def backup_sqlite(database: Path, out: Path) -> None:
    """A consistent copy of ``database`` at ``out`` (a new file), while the app may run."""
    if out.exists():
        raise InputError(f"{out} exists already; choose a new file", field="--out")
    if not out.parent.is_dir():
        raise InputError(f"no such folder: {out.parent}", field="--out")
    if out.resolve() == database.resolve():
        raise InputError("the copy must be a different file from the database", field="--out")
    _copy(database, out, field="--out")


def check_copy(copy: Path) -> str:
    """The schema revision of a retrowalk backup, after SQLite's integrity check; else why it
    cannot be restored (``InputError`` on ``--from``)."""
    if not copy.is_file():
        raise InputError(f"no such file: {copy}", field="--from")
    try:
        with contextlib.closing(_read_only(copy)) as db:
            verdict = db.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            revision = (
                db.execute("SELECT version_num FROM alembic_version").fetchone()
                if "alembic_version" in tables
                else None
            )
    except sqlite3.Error as error:
        raise InputError(f"not a SQLite database: {error}", field="--from") from None
    if verdict != "ok":
        raise InputError(f"the copy is damaged (integrity check: {verdict})", field="--from")
    if revision is None or "users" not in tables:
        raise InputError("not a retrowalk database (no schema version)", field="--from")
    if revision[0] not in known_revisions():
        raise InputError(
            f"the copy is at schema {revision[0]!r}, which this retrowalk does not know",
            field="--from",
        )
    return str(revision[0])


def _unused(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, ... : a kept database is never overwritten (two
    restores within one second must not replace the first's copy with the second's)."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate


def restore_sqlite(copy: Path, database: Path, *, now: dt.datetime) -> Path | None:
    """Replace ``database``'s content with ``copy``'s, through SQLite (its write-ahead log is
    replaced too). The database as it was is kept beside it first; returns that file (``None``
    when there was no database). Stop the app first: a running app keeps writing."""
    check_copy(copy)
    if copy.resolve() == database.resolve():
        raise InputError("the copy is the database itself", field="--from")
    kept = None
    if database.exists():
        kept = _unused(database.with_name(f"{database.name}.before-restore-{now:%Y%m%dT%H%M%S}"))
        _copy(database, kept, field="--database-url")
    else:
        create_private_database_file(database)
    try:
        _pages_into(copy, database, finish="PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as error:
        raise InputError(
            f"cannot restore into {database}: {error}", field="--database-url"
        ) from None
    return kept
