"""Personal data: the download holds everything; deletion leaves no health data behind."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from retrowalk.errors import InputError, NotFoundError, PermissionDeniedError
from retrowalk.services import (
    accounts,
    audit,
    calendar_subscriptions,
    overview,
    personal_data,
    recordings,
)
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.links import Invitation
from retrowalk.storage.models import Base
from retrowalk.storage.users import User
from tests.db_fixtures import PASSWORD as USER_PASSWORD
from tests.db_fixtures import MakeUser, log
from tests.reports.pdf_text import pdf_text
from tests.services.exchange_setup import PASSWORD, History, imu_csv_bytes, small_history

PATIENT_COLUMNS = ("patient_id", "user_id")


def rows_about(runtime: Runtime, user_id: int) -> dict[str, int]:
    """How many rows of each table (the audit log aside) refer to the user."""
    found: dict[str, int] = {}
    with runtime.db.read() as session:
        for table in Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            columns = [table.c[name] for name in PATIENT_COLUMNS if name in table.c]
            if table.name == "users":
                columns = [table.c.id]
            for column in columns:
                count = session.scalar(
                    select(func.count()).select_from(table).where(column == user_id)
                )
                if count:
                    found[f"{table.name}.{column.name}"] = int(count)
    return found


def full_history(runtime: Runtime, tmp_path: Path) -> History:
    history = small_history(runtime, near_fall=True)
    recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[0].id,
        filename="walk.csv",
        data=imu_csv_bytes(tmp_path, walk_s=30),
    )
    calendar_subscriptions.create_calendar_url(runtime, history.patient_actor, history.patient.id)
    return history


def test_the_download_holds_json_csv_fhir_and_the_report(runtime: Runtime, tmp_path: Path) -> None:
    history = full_history(runtime, tmp_path)
    data = personal_data.personal_data_zip(runtime, history.patient_actor, history.patient.id)
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == [
        "README.txt",
        "fhir-bundle.json",
        "outcomes.csv",
        "report.pdf",
        "retrowalk-data.json",
        "sessions.csv",
        "walking-bouts.csv",
    ]
    everything = json.loads(archive.read("retrowalk-data.json"))
    assert everything["account"]["email"] == history.patient.email
    assert "password_hash" not in json.dumps(everything)
    assert len(everything["session_logs"]) == 3
    assert len(everything["outcomes"]) == 2
    assert everything["recordings"][0]["algorithm"]["version"]
    assert everything["programs"][0]["revisions"]
    assert everything["clinician_links"][0]["clinician"] == "Dr. Pat Therapist"
    assert everything["clinician_flags"][0]["kind"] == "safety_event"
    sessions = list(csv.DictReader(io.StringIO(archive.read("sessions.csv").decode())))
    assert len(sessions) == 3
    bouts = list(csv.DictReader(io.StringIO(archive.read("walking-bouts.csv").decode())))
    assert bouts  # the recording of the first session measured its walking
    assert {b["session_log_id"] for b in bouts} == {str(history.sessions[0].id)}
    assert "Patient: Alex Example" in pdf_text(archive.read("report.pdf")).flat


def test_only_the_patient_downloads_their_data(runtime: Runtime) -> None:
    history = small_history(runtime)
    with pytest.raises(PermissionDeniedError):
        personal_data.personal_data_zip(runtime, history.clinician_actor, history.patient.id)


def test_deleting_the_account_leaves_no_row_of_the_patients_data(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = full_history(runtime, tmp_path)
    before = rows_about(runtime, history.patient.id)
    for table in (
        "users.id",
        "patient_profiles.patient_id",
        "screenings.patient_id",
        "programs.patient_id",
        "session_logs.patient_id",
        "outcome_assessments.patient_id",
        "clinician_flags.patient_id",
        "session_recordings.patient_id",
        "calendar_tokens.patient_id",
        "care_links.patient_id",
        "auth_tokens.user_id",
    ):
        assert before.get(table, 0) > 0 or table == "auth_tokens.user_id", table
    personal_data.delete_account(runtime, history.patient_actor, history.patient.id, PASSWORD)
    assert rows_about(runtime, history.patient.id) == {}
    with runtime.db.read() as session:
        accepted = session.scalars(select(Invitation.accepted_by)).all()
        assert history.patient.id not in accepted
        assert session.get(User, history.clinician.id) is not None
    assert rows_about(runtime, history.other_patient.id)["users.id"] == 1


def test_deletion_ends_the_clinicians_link_and_is_audited(runtime: Runtime) -> None:
    history = small_history(runtime)
    personal_data.delete_account(runtime, history.patient_actor, history.patient.id, PASSWORD)
    listed = overview.clinician_overview(runtime, history.clinician_actor)
    assert [row.patient.id for row in listed] == [history.other_patient.id]
    with runtime.db.read() as session:
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.patient_id == history.patient.id, AuditEntry.action == "delete"
            )
        ).all()
    assert {(e.record_type, e.actor_role) for e in entries} == {
        ("account", "patient"),
        ("care_link", "patient"),
    }
    with pytest.raises(NotFoundError):
        personal_data.personal_data_zip(runtime, history.patient_actor, history.patient.id)


def test_a_wrong_password_deletes_nothing(runtime: Runtime) -> None:
    history = small_history(runtime)
    before = rows_about(runtime, history.patient.id)
    with pytest.raises(InputError, match="password does not match"):
        personal_data.delete_account(
            runtime, history.patient_actor, history.patient.id, "wrong password"
        )
    assert rows_about(runtime, history.patient.id) == before


def test_the_password_is_read_as_at_sign_in_without_surrounding_spaces(
    runtime: Runtime,
) -> None:
    history = small_history(runtime)
    personal_data.delete_account(
        runtime, history.patient_actor, history.patient.id, f"  {PASSWORD}  "
    )
    with pytest.raises(NotFoundError):
        personal_data.personal_data_zip(runtime, history.patient_actor, history.patient.id)


def test_a_clinician_cannot_delete_a_patients_account(runtime: Runtime) -> None:
    history = small_history(runtime)
    with pytest.raises(PermissionDeniedError):
        personal_data.delete_account(runtime, history.clinician_actor, history.patient.id, PASSWORD)


def test_a_history_longer_than_ten_years_still_downloads(runtime: Runtime) -> None:
    history = small_history(runtime)
    old = dt.datetime(2005, 6, 1, 17, 0, tzinfo=dt.UTC)
    log(runtime, history.patient, old)
    data = personal_data.personal_data_zip(runtime, history.patient_actor, history.patient.id)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.read("report.pdf").startswith(b"%PDF-")
        sessions = list(csv.DictReader(io.StringIO(archive.read("sessions.csv").decode())))
    assert any(row["started_at_iso8601"].startswith("2005-06-01") for row in sessions)


def test_a_new_account_never_sees_a_deleted_accounts_audit_trail(
    runtime: Runtime, make_user: MakeUser
) -> None:
    gone = make_user("patient")
    log(runtime, gone, runtime.now())
    personal_data.delete_account(runtime, Actor(gone.id, "patient"), gone.id, USER_PASSWORD)
    # Ids are never reused (migration 0003); the trail filter in audit.own_entries guards too.
    new = accounts.sign_up_patient(runtime, gone.email, PASSWORD, "Someone else")
    who = Actor(new.id, "patient")
    trail, _ = audit.list_my_audit(runtime, who, new.id)
    assert all((e.action, e.record_type) != ("delete", "account") for e in trail)
    assert all(e.record_type != "session_log" for e in trail)
    exported = personal_data.personal_data_zip(runtime, who, new.id)
    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        data = json.loads(archive.read("retrowalk-data.json"))
    assert all(entry["record_type"] != "session_log" for entry in data["audit_log"])
