"""``retrowalk report PATIENT --out FILE.pdf``: the clinician report from the command line.

Run on the server by someone who holds the database URL (the default SQLite file or
``RETROWALK_DATABASE_URL``); PATIENT is the patient's user id or email. The read is written to
the audit log as an ``operator`` export.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import DatabaseError

from retrowalk.cli.server import database_problem, require_existing_database, settings_for
from retrowalk.errors import InputError
from retrowalk.services.exchange import operator_report_pdf
from retrowalk.services.runtime import build_runtime
from retrowalk.storage.migrate import require_current_schema


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date (YYYY-MM-DD): {text!r}", field=option) from None


def _write_atomically(path: Path, data: bytes) -> None:
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"no such folder: {folder}", field="--out")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise InputError(f"cannot write in {folder}: {error.strerror}", field="--out") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise InputError(f"cannot write {path}: {error.strerror}", field="--out") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report(
    patient: Annotated[str, typer.Argument(help="The patient's user id or email")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF")],
    start: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD (default: 12 weeks before --end)")
    ] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD (default: today)")] = None,
    database_url: Annotated[
        str | None,
        typer.Option("--database-url", help="Database URL (default: RETROWALK_DATABASE_URL)"),
    ] = None,
) -> None:
    """Write the clinician report (plan, adherence, pain, outcomes, safety, gait) as a PDF."""
    first, last = _date(start, "--start"), _date(end, "--end")
    if out.suffix.lower() != ".pdf":
        raise InputError("the report file name must end in .pdf", field="--out")
    settings = settings_for(database_url)
    require_existing_database(settings.database_url)
    runtime = build_runtime(settings)
    try:
        require_current_schema(runtime.db)
        person = operator_report_pdf(
            runtime, patient, start=first, end=last, deliver=lambda pdf: _write_atomically(out, pdf)
        )
    except DatabaseError as error:
        raise database_problem(error, database_url) from None
    finally:
        runtime.db.dispose()
    typer.echo(f"Wrote the report of {person.display_name} (id {person.id}) to {out}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
