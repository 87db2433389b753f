"""``retrowalk serve``, ``retrowalk db upgrade`` and ``retrowalk user create``.

Settings come from ``RETROWALK_*`` variables (see ``retrowalk.config``); the options here
override them. ``serve`` brings the database schema up to date before it listens.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.exc import DatabaseError

from retrowalk.config import Settings, load_settings
from retrowalk.errors import InputError
from retrowalk.services import accounts
from retrowalk.services.runtime import Runtime, build_runtime
from retrowalk.storage.backup import backup_sqlite, check_copy, restore_sqlite
from retrowalk.storage.database import Database
from retrowalk.storage.migrate import (
    current_revision,
    head_revision,
    refuse_unknown_schema,
    upgrade,
)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL (sqlite:///PATH or postgresql+psycopg://USER:PASS@HOST/DB); "
        "default: SQLite in the user's data folder or RETROWALK_DATABASE_URL",
    ),
]


def settings_for(database_url: str | None) -> Settings:
    """The settings, with a bad ``--database-url`` named as the option the user typed."""
    try:
        return load_settings(database_url=database_url)
    except InputError as error:
        if database_url is None:
            raise  # from the environment: the error names RETROWALK_DATABASE_URL
        raise InputError(error.problem, field="--database-url") from None


def shown_url(url: str) -> str:
    """A database URL as printed: the password masked (``serve`` output ends up in logs)."""
    return make_url(url).render_as_string(hide_password=True)


def database_problem(error: DatabaseError, database_url: str | None = None) -> InputError:
    """A database that cannot be used (a server that does not answer, a wrong password, an
    unwritable file, a file that is not a database), said in one line naming where the URL came
    from: the option typed (``database_url``), else the environment or the default."""
    reason = str(error.orig or error).strip().splitlines()[0]
    if database_url is not None:
        field = "--database-url"
    elif os.environ.get("RETROWALK_DATABASE_URL"):
        field = "RETROWALK_DATABASE_URL"
    else:
        field = "RETROWALK_DATA_DIR"  # the default SQLite file lives there
    return InputError(f"cannot open the database: {reason}", field=field)


def require_existing_database(url: str) -> None:
    """A command that only reads (a report) must not create an empty SQLite file (and its
    folders) where there was no database: say so instead."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    if not Path(parsed.database).is_file():
        raise InputError(
            f"no database at {parsed.database}: run `retrowalk db upgrade` (or serve) first",
            field="--database-url",
        )


def _upgrade(settings: Settings, database_url: str | None) -> None:
    database = Database(settings.database_url)
    try:
        upgrade(database)
    except DatabaseError as error:
        raise database_problem(error, database_url) from None
    finally:
        database.dispose()


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
    database_url: DatabaseUrl = None,
    demo: Annotated[
        bool, typer.Option("--demo", help="Add a demo clinician and two patients with history")
    ] = False,
) -> None:
    """Run the web app and the JSON API (migrating the database first)."""
    import uvicorn

    from retrowalk.services.demo import create_demo
    from retrowalk.web.app import create_app

    settings = settings_for(database_url)
    _upgrade(settings, database_url)
    runtime = build_runtime(settings)
    if demo:
        made = create_demo(runtime)
        typer.echo("Demo accounts (password for all: " + made.password + "):")
        typer.echo(f"  clinician: {made.clinician.email}")
        for patient in made.patients:
            typer.echo(f"  patient:   {patient.email}")
    url = f"http://{host}:{port}"
    where = shown_url(settings.database_url)
    api = "openapi.json" if settings.environment == "production" else "docs"
    typer.echo(f"retrowalk at {url}/  (API {url}/api/v1/{api}); database: {where}")
    sys.stdout.flush()
    uvicorn.run(create_app(settings, runtime=runtime), host=host, port=port, log_level="warning")


def db_upgrade(database_url: DatabaseUrl = None) -> None:
    """Create or update the database schema to the newest version."""
    settings = settings_for(database_url)
    _upgrade(settings, database_url)
    typer.echo(f"Database is up to date: {shown_url(settings.database_url)}")


def db_status(database_url: DatabaseUrl = None) -> None:
    """Show the database's schema revision and this retrowalk's newest (changes nothing)."""
    settings = settings_for(database_url)
    require_existing_database(settings.database_url)
    database = Database(settings.database_url)
    try:
        current = current_revision(database)
    except DatabaseError as error:
        raise database_problem(error, database_url) from None
    finally:
        database.dispose()
    head = head_revision()
    typer.echo(f"database: {shown_url(settings.database_url)}")
    typer.echo(f"schema:   {current or 'none (empty database)'}")
    typer.echo(f"newest:   {head}")
    if current == head:
        typer.echo("up to date")
    else:
        refuse_unknown_schema(current)
        typer.echo("behind: run `retrowalk db upgrade` (serve does it too)")


def _sqlite_path(database_url: str | None, command: str) -> tuple[Settings, Path]:
    settings = settings_for(database_url)
    parsed = make_url(settings.database_url)
    if parsed.get_backend_name() != "sqlite":
        tool = "pg_dump" if command == "backup" else "pg_restore or psql"
        raise InputError(
            f"{command} works on SQLite databases only; for PostgreSQL use {tool}",
            field="--database-url",
        )
    return settings, Path(parsed.database or "").expanduser()


def db_backup(
    out: Annotated[Path, typer.Option("--out", help="The copy to write (a new .sqlite3 file)")],
    database_url: DatabaseUrl = None,
) -> None:
    """Copy the SQLite database while the app may be running (a consistent snapshot).

    Uses SQLite's online backup, so sessions logged during the copy are either in it or not,
    never half. For PostgreSQL use its own tools (``pg_dump``). Everything retrowalk keeps is in
    the database (recordings keep their analysis, not the raw file); the secret key is not in
    it: a restored database needs the same ``RETROWALK_SECRET_KEY`` for logins and calendar
    URLs to keep working.
    """
    settings, database = _sqlite_path(database_url, "backup")
    require_existing_database(settings.database_url)
    backup_sqlite(database, out)
    typer.echo(f"Backed up {shown_url(settings.database_url)} to {out}")


def db_restore(
    copy: Annotated[Path, typer.Option("--from", help="A copy made by `retrowalk db backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask before replacing")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Put a backup copy back into the SQLite database (stop the app first).

    The copy is checked (SQLite's integrity check, a retrowalk schema), the database as it was
    is kept beside it, and the copy is written through SQLite, so the database's write-ahead
    log is replaced too (a file copied over it by hand gets the old log replayed over it).
    """
    settings, database = _sqlite_path(database_url, "restore")
    revision = check_copy(copy)
    if not yes and not typer.confirm(
        f"Replace every record in {database} with the copy's (schema {revision})? "
        "Stop the app first",
        default=False,
    ):
        raise InputError("not restored (answered no)", field="--yes")
    kept = restore_sqlite(copy, database, now=dt.datetime.now(dt.UTC))
    if kept is not None:
        typer.echo(f"The database as it was is kept in {kept}")
    typer.echo(f"Restored {copy} into {shown_url(settings.database_url)}; start the app again")


def _read_password(prompt: str, from_stdin: bool) -> str:
    """One line of standard input, or asked twice without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _upgraded_runtime(database_url: str | None) -> Runtime:
    """The runtime of a database brought to the newest schema first."""
    settings = settings_for(database_url)
    _upgrade(settings, database_url)
    return build_runtime(settings)


def user_create(
    email: Annotated[str, typer.Option(help="Login email")],
    display_name: Annotated[str, typer.Option("--name", help="Name shown to others")],
    role: Annotated[str, typer.Option(help="patient, clinician or admin")] = "admin",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an account (e.g. the first admin); asks for the password unless --password-stdin."""
    if role not in ("patient", "clinician", "admin"):
        raise InputError("must be patient, clinician or admin", field="--role")
    password = _read_password("Password", password_stdin)
    runtime = _upgraded_runtime(database_url)
    try:
        user = accounts.create_user(runtime, None, email, password, display_name, role)
    finally:
        runtime.db.dispose()
    typer.echo(f"Created {user.role} {user.email} (id {user.id})")


def user_set_password(
    email: Annotated[str, typer.Option(help="Login email of the account")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Give an account a new password (it forgot its own) and sign it out everywhere; asks for
    the password unless --password-stdin."""
    password = _read_password("New password", password_stdin)
    runtime = _upgraded_runtime(database_url)
    try:
        user_id = accounts.user_id_by_email(runtime, email)
        user = accounts.set_password(runtime, None, user_id, password)
    finally:
        runtime.db.dispose()
    typer.echo(f"New password set for {user.role} {user.email} (id {user.id}); signed out")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    db = typer.Typer(
        help="Database maintenance.", no_args_is_help=True, rich_markup_mode="markdown"
    )
    db.command("upgrade")(db_upgrade)
    db.command("status")(db_status)
    db.command("backup")(db_backup)
    db.command("restore")(db_restore)
    app.add_typer(db, name="db")
    user = typer.Typer(help="Accounts.", no_args_is_help=True, rich_markup_mode="markdown")
    user.command("create")(user_create)
    user.command("set-password")(user_set_password)
    app.add_typer(user, name="user")
