"""Schema migrations with Alembic, configured in code (no ``alembic.ini``).

The migration scripts live inside the package (``storage/migrations``) so an installed
retrowalk can upgrade its own database: ``retrowalk db upgrade`` and ``retrowalk serve`` call
:func:`upgrade`. On SQLite the scripts run in batch mode (copy-and-move), because SQLite's ALTER
TABLE cannot change constraints.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from retrowalk.errors import NotAllowedError
from retrowalk.storage.database import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database: Database) -> Config:
    """An Alembic config pointing at the packaged scripts and ``database``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database.url.replace("%", "%%"))
    config.attributes["engine"] = database.engine
    return config


def head_revision() -> str:
    """The newest migration in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def current_revision(database: Database) -> str | None:
    """The migration the database is at (``None`` for an empty database)."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class SchemaNotCurrentError(NotAllowedError):
    """The database's schema is not the one this retrowalk uses: older (``db upgrade`` brings
    it up) or unknown to this retrowalk (made by a newer one; nothing here can read it)."""


def known_revisions() -> frozenset[str]:
    """Every migration in the package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return frozenset(
        script.revision for script in ScriptDirectory.from_config(config).walk_revisions()
    )


def refuse_unknown_schema(current: str | None) -> None:
    """``SchemaNotCurrentError`` when ``current`` is no migration of this package: the database
    was made or upgraded by a newer retrowalk, and an upgrade from here cannot even start (Alembic
    would fail with "Can't locate revision")."""
    if current is not None and current not in known_revisions():
        raise SchemaNotCurrentError(
            f"the database is at schema {current!r}, which this retrowalk does not know (its "
            f"newest is {head_revision()!r}): a newer retrowalk made it; run that version"
        )


def require_current_schema(database: Database) -> None:
    """For commands that only read: the database must be at this package's newest schema."""
    current = current_revision(database)
    refuse_unknown_schema(current)
    if current != head_revision():
        raise SchemaNotCurrentError(
            f"the database is at schema {current!r}, older than this retrowalk's "
            f"{head_revision()!r}: run `retrowalk db upgrade` first"
        )


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (the newest by default); safe to call every start.
    A database at a schema this package does not know is refused, untouched."""
    refuse_unknown_schema(current_revision(database))
    command.upgrade(alembic_config(database), revision)


def downgrade(database: Database, revision: str) -> None:
    """Step the schema back to ``revision`` (``"base"`` removes every table)."""
    command.downgrade(alembic_config(database), revision)
