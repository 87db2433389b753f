"""``retrowalk report PATIENT --out FILE.pdf`` as a user runs it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from retrowalk.services.runtime import Runtime
from retrowalk.storage.audit import AuditEntry
from tests.conftest import RunCli
from tests.reports.pdf_text import pdf_text
from tests.services.exchange_setup import small_history


def test_the_report_command_writes_the_pdf_and_audits_the_read(
    run_cli: RunCli, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    history = small_history(runtime)
    out = tmp_path / "alex.pdf"
    result = run_cli(
        "report", history.patient.email, "--out", str(out), "--database-url", database_url
    )
    assert result.exit_code == 0, result.stderr
    assert f"Wrote the report of Alex Example (id {history.patient.id})" in result.stdout
    text = pdf_text(out.read_bytes())
    assert "Patient: Alex Example" in text.flat
    assert "Not medical advice." in text.flat
    with runtime.db.read() as session:
        roles = session.scalars(
            select(AuditEntry.actor_role).where(AuditEntry.record_type == "report_pdf")
        ).all()
    assert roles == ["operator"]


def _report_audits(runtime: Runtime) -> int:
    with runtime.db.read() as session:
        return len(
            session.scalars(select(AuditEntry).where(AuditEntry.record_type == "report_pdf")).all()
        )


def test_a_refused_period_or_an_unwritable_file_audits_no_export(
    run_cli: RunCli, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    history = small_history(runtime)
    patient = history.patient.email
    backwards = ("--start", "2026-03-01", "--end", "2026-02-01")
    for options in (
        ("--out", str(tmp_path / "r.pdf"), *backwards),
        ("--out", str(tmp_path / "missing" / "r.pdf")),
    ):
        result = run_cli("report", patient, *options, "--database-url", database_url)
        assert result.exit_code == 2, result.stdout
    assert _report_audits(runtime) == 0
    assert not (tmp_path / "r.pdf").exists()


def test_an_unknown_patient_is_an_error_and_writes_no_file(
    run_cli: RunCli, database_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "nobody.pdf"
    result = run_cli(
        "report", "nobody@example.org", "--out", str(out), "--database-url", database_url
    )
    assert result.exit_code == 1
    assert "Error: patient 'nobody@example.org' not found" in result.stderr
    assert not out.exists()


def test_a_bad_date_exits_2_naming_the_option(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("report", "1", "--out", str(tmp_path / "r.pdf"), "--start", "01/02/2026")
    assert result.exit_code == 2
    assert "--start" in result.stderr
    assert "not a date" in result.stderr


def test_the_output_must_be_a_pdf_in_an_existing_folder(run_cli: RunCli, tmp_path: Path) -> None:
    wrong_suffix = run_cli("report", "1", "--out", str(tmp_path / "r.txt"))
    assert wrong_suffix.exit_code == 2
    assert "must end in .pdf" in wrong_suffix.stderr


def test_a_database_without_the_newest_schema_is_refused_not_migrated(
    run_cli: RunCli, tmp_path: Path
) -> None:
    (tmp_path / "empty.sqlite3").touch()
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    result = run_cli("report", "1", "--out", str(tmp_path / "r.pdf"), "--database-url", url)
    assert result.exit_code == 2
    assert "run `retrowalk db upgrade` first" in result.stderr


def test_a_report_from_no_database_creates_none(run_cli: RunCli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'sub' / 'x.db'}"
    result = run_cli("report", "1", "--out", str(tmp_path / "r.pdf"), "--database-url", url)
    assert result.exit_code == 2
    assert "no database at" in result.stderr
    assert not (tmp_path / "new").exists()


def test_a_bad_database_url_for_the_report_names_the_option(
    run_cli: RunCli, tmp_path: Path
) -> None:
    result = run_cli("report", "1", "--out", str(tmp_path / "r.pdf"), "--database-url", "bogus://x")
    assert result.exit_code == 2
    assert "field '--database-url'" in result.stderr


def test_a_report_that_cannot_be_written_there_is_a_clear_error(
    run_cli: RunCli, runtime: Runtime, database_url: str, tmp_path: Path
) -> None:
    # a real patient in a given database (the default one depends on the machine: a demo
    # database there made this test fail on "patient not found" instead of the write)
    history = small_history(runtime)
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    result = run_cli(
        "report",
        history.patient.email,
        "--out",
        str(plain / "r.pdf"),
        "--database-url",
        database_url,
    )
    assert result.exit_code == 2
    assert "--out" in result.stderr
    assert "Traceback" not in result.stderr
