"""The exchange routes end to end: exports, calendar feed, recordings, watch imports."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from fastapi import FastAPI
from fhir.resources.R4B.bundle import Bundle
from icalendar import Calendar
from sqlalchemy import func, select

from retrowalk.exchange.fhir import records_from_bundle
from retrowalk.gait.io import read_recording
from retrowalk.services.recordings import session_pipeline
from retrowalk.services.runtime import Runtime
from retrowalk.storage.audit import AuditEntry
from retrowalk.storage.recordings import SessionRecording
from tests.db_fixtures import TestClock
from tests.exchange.watch_files import fit_bytes, gpx_text
from tests.gait.synthetic import write_mobilised_mat
from tests.reports.pdf_text import pdf_text
from tests.services.exchange_setup import PASSWORD, imu_csv_bytes, signed_in, small_history

API = "/api/v1"


def _audit_count(runtime: Runtime, patient_id: int, record_type: str) -> int:
    with runtime.db.read() as session:
        return int(
            session.scalar(
                select(func.count(AuditEntry.id)).where(
                    AuditEntry.patient_id == patient_id, AuditEntry.record_type == record_type
                )
            )
            or 0
        )


def _recordings(runtime: Runtime) -> int:
    with runtime.db.read() as session:
        return int(session.scalar(select(func.count(SessionRecording.id))) or 0)


def test_the_fhir_export_validates_and_imports_back_to_the_stored_records(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    response = client.get(f"{API}/patients/{history.patient.id}/export/fhir")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    Bundle.model_validate_json(response.text)
    records = records_from_bundle(response.text)
    assert records.patient.display_name == "Alex Example"
    assert records.patient.year_of_birth == 1975
    assert len(records.sessions) == 3
    assert [o.score for o in records.outcomes] == [6.0, 3.0]
    assert records.program is not None
    assert records.program.sessions[0].session_id == f"{records.program.program_id}-1"
    assert _audit_count(runtime, history.patient.id, "fhir_bundle") == 1


def test_a_linked_clinician_exports_a_patients_sessions_as_csv_with_escaped_notes(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.clinician)
    response = client.get(
        f"{API}/patients/{history.patient.id}/export/csv", params={"kind": "sessions"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 3
    assert rows[0]["notes"].startswith("'=cmd")
    assert rows[0]["pain_before_nprs_0_10"] == "6"


def test_the_panel_csv_holds_the_outcomes_of_every_linked_patient(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.clinician)
    response = client.get(f"{API}/clinician/export/csv", params={"kind": "outcomes"})
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {row["patient_id"] for row in rows} == {str(history.patient.id)}
    assert "Alex" not in response.text


def test_the_panel_bouts_csv_has_a_row_per_measured_bout(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    patient = signed_in(app, history.patient)
    session_id = history.sessions[0].id
    upload = patient.post(
        f"{API}/patients/{history.patient.id}/sessions/{session_id}/recordings",
        files={"file": ("walk.csv", imu_csv_bytes(tmp_path), "text/csv")},
    )
    assert upload.status_code == 201, upload.text
    stored_bouts = upload.json()["bouts"]
    response = signed_in(app, history.clinician).get(
        f"{API}/clinician/export/csv", params={"kind": "bouts"}
    )
    assert response.status_code == 200, response.text
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len(stored_bouts)
    assert {row["session_log_id"] for row in rows} == {str(session_id)}
    assert [row["direction"] for row in rows] == [b["direction"] for b in stored_bouts]
    assert [int(row["steps_count"]) for row in rows] == [b["steps"] for b in stored_bouts]
    assert "Alex" not in response.text


def test_exports_are_refused_to_others(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    other = signed_in(app, history.other_patient)
    for path in ("export/fhir", "export/csv?kind=sessions", "report.pdf", "personal-data"):
        response = other.get(f"{API}/patients/{history.patient.id}/{path}")
        assert response.status_code == 404, (path, response.text)
    assert other.get(f"{API}/clinician/export/csv?kind=sessions").status_code == 403
    bad_kind = signed_in(app, history.clinician).get(f"{API}/clinician/export/csv?kind=x")
    assert bad_kind.status_code == 422


def test_the_report_pdf_names_the_patient_and_the_clinician(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.clinician)
    response = client.get(f"{API}/patients/{history.patient.id}/report.pdf")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content).flat
    assert "Patient: Alex Example" in text
    assert "for Dr. Pat Therapist" in text
    assert "Sessions done: 3 of" in text
    assert "Numeric Pain Rating Scale" in text
    assert _audit_count(runtime, history.patient.id, "report_pdf") == 1


def test_a_report_period_that_ends_before_it_starts_is_refused(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    response = client.get(
        f"{API}/patients/{history.patient.id}/report.pdf",
        params={"start": "2026-03-01", "end": "2026-02-01"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "end"
    assert _audit_count(runtime, history.patient.id, "report_pdf") == 0  # no report, no export


def test_the_calendar_url_serves_the_plan_until_it_is_revoked(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    made = client.post(f"{API}/patients/{history.patient.id}/calendar-url")
    assert made.status_code == 201, made.text
    path = made.json()["path"]
    anonymous = signed_in(app, history.other_patient)
    anonymous.headers.pop("Authorization")
    feed = anonymous.get(path)
    assert feed.status_code == 200, feed.text
    assert feed.headers["content-type"].startswith("text/calendar")
    calendar = Calendar.from_ical(feed.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert len(calendar.events) >= 6
    assert "backward walking" in str(calendar.events[0]["DESCRIPTION"])
    assert calendar.events[0]["DTSTART"].dt.hour == 18  # no usual time chosen: the default
    assert _audit_count(runtime, history.patient.id, "calendar_feed") == 1
    revoked = client.delete(f"{API}/patients/{history.patient.id}/calendar-url")
    assert revoked.status_code == 204
    assert anonymous.get(path).status_code == 404


def test_a_new_calendar_url_revokes_the_old_one(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    first = client.post(f"{API}/patients/{history.patient.id}/calendar-url").json()["path"]
    second = client.post(f"{API}/patients/{history.patient.id}/calendar-url").json()["path"]
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.get(f"{API}/calendar/not-a-real-token-at-all-000000.ics").status_code == 404


def test_only_the_patient_makes_their_calendar_url(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    clinician = signed_in(app, history.clinician)
    response = clinician.post(f"{API}/patients/{history.patient.id}/calendar-url")
    assert response.status_code == 403


def test_an_uploaded_recording_is_analysed_and_stored_with_its_algorithm(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    session = history.sessions[0]
    data = imu_csv_bytes(tmp_path)
    response = client.post(
        f"{API}/patients/{history.patient.id}/sessions/{session.id}/recordings",
        files={"file": ("walk.csv", data, "text/csv")},
    )
    assert response.status_code == 201, response.text
    stored = response.json()
    path = tmp_path / "again.csv"
    path.write_bytes(data)
    expected = session_pipeline(1.0).analyze(read_recording(path))
    assert stored["backward_min"] == expected.summary()["backward_min"]
    assert stored["backward_min"] > 0.9
    assert stored["backward_steps"] == expected.summary()["backward_steps"]
    assert stored["algorithm_version"] == expected.algorithm["version"]
    assert stored["algorithm"]["parameters"]["sensor_height_m"] == 1.0
    assert session.planned_session is not None
    planned = session.planned_session["backward_min"]
    assert stored["planned_backward_min"] == planned
    assert stored["summary"]["plan"]["planned_backward_min"] == planned
    assert stored["logged_backward_min"] == session.backward_min
    clinician = signed_in(app, history.clinician)
    listed = clinician.get(f"{API}/patients/{history.patient.id}/sessions/{session.id}/recordings")
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [stored["id"]]


def test_a_corrupt_recording_is_refused_and_nothing_is_stored(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    url = f"{API}/patients/{history.patient.id}/sessions/{history.sessions[0].id}/recordings"
    for name, data in (
        ("walk.csv", b"time_s,acc_x_m_s2,acc_y_m_s2,acc_z_m_s2\n0,1,2\n"),
        ("walk.csv", b""),
        ("walk.exe", b"MZ\x90\x00"),
        ("walk.mat", b"not a matlab file"),
    ):
        response = client.post(url, files={"file": (name, data, "application/octet-stream")})
        assert response.status_code == 422, (name, response.text)
        assert name in response.json()["error"]["message"]
        assert response.json()["error"]["field"] == "file"
    assert _recordings(runtime) == 0


def test_a_recording_cannot_be_attached_to_someone_elses_session(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    other = signed_in(app, history.other_patient)
    response = other.post(
        f"{API}/patients/{history.other_patient.id}/sessions/{history.sessions[0].id}/recordings",
        files={"file": ("walk.csv", imu_csv_bytes(tmp_path, walk_s=20), "text/csv")},
    )
    assert response.status_code == 404
    assert _recordings(runtime) == 0


def test_a_watch_file_becomes_a_session_draft_and_nothing_is_stored(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    url = f"{API}/patients/{history.patient.id}/watch-imports"
    fit = client.post(url, files={"file": ("walk.fit", fit_bytes(), "application/octet-stream")})
    assert fit.status_code == 200, fit.text
    assert fit.json()["duration_min"] == 15.0
    assert fit.json()["backward_min"] is None
    gpx = client.post(url, files={"file": ("walk.gpx", gpx_text().encode(), "application/gpx")})
    assert gpx.json()["heart_rate_max_bpm"] == 109
    bad = client.post(url, files={"file": ("walk.fit", b"no FIT here", "application/octet-stream")})
    assert bad.status_code == 422
    assert "not a FIT file" in bad.json()["error"]["message"]
    assert bad.json()["error"]["field"] == "file"
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    picture = client.post(url, files={"file": ("walk.fit", png, "application/octet-stream")})
    assert picture.status_code == 422
    assert "not a FIT file" in picture.json()["error"]["problem"]


def test_a_patient_downloads_their_data_then_deletes_their_account(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    download = client.get(f"{API}/patients/{history.patient.id}/personal-data")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/zip"
    url = f"{API}/patients/{history.patient.id}/account-deletion"
    wrong = client.post(url, json={"password": "not it"})
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "password"
    assert client.post(url, json={"password": PASSWORD}).status_code == 204
    assert client.get(f"{API}/patients/{history.patient.id}/export/fhir").status_code == 401
    clinician = signed_in(app, history.clinician)
    assert clinician.get(f"{API}/patients/{history.patient.id}/report.pdf").status_code == 404


def test_report_dates_outside_2000_to_2100_are_refused(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    for params in ({"end": "0001-01-02"}, {"start": "9999-12-31"}):
        response = client.get(f"{API}/patients/{history.patient.id}/report.pdf", params=params)
        assert response.status_code == 422, response.text


def test_the_calendar_places_sessions_at_the_patients_usual_time(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    profile_url = f"{API}/patients/{history.patient.id}/profile"
    profile = {"birth_year": 1975, "time_zone": "Europe/Berlin", "session_time": "07:30"}
    assert client.put(profile_url, json=profile).status_code == 200
    path = client.post(f"{API}/patients/{history.patient.id}/calendar-url").json()["path"]
    calendar = Calendar.from_ical(client.get(path).content)
    starts = [event["DTSTART"].dt for event in calendar.events]
    assert starts
    assert {(s.hour, s.minute, str(s.tzinfo)) for s in starts} == {(7, 30, "Europe/Berlin")}


def test_a_session_time_with_an_offset_or_out_of_range_is_a_422(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    profile_url = f"{API}/patients/{history.patient.id}/profile"
    for bad in ("24:30", "07:30+02:00", "half past seven"):
        response = client.put(profile_url, json={"time_zone": "UTC", "session_time": bad})
        assert response.status_code == 422, bad
        assert response.json()["error"]["field"] == "session_time"


def test_a_changed_session_time_raises_every_events_sequence(
    app: FastAPI, runtime: Runtime, clock: TestClock
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    profile_url = f"{API}/patients/{history.patient.id}/profile"
    profile = {"birth_year": 1975, "time_zone": "Asia/Tokyo", "session_time": "07:30"}
    assert client.put(profile_url, json=profile).status_code == 200
    path = client.post(f"{API}/patients/{history.patient.id}/calendar-url").json()["path"]

    def sequences() -> set[int]:
        calendar = Calendar.from_ical(client.get(path).content)
        return {int(event["SEQUENCE"]) for event in calendar.events}

    (before,) = sequences()
    clock.advance(minutes=5)
    assert client.put(profile_url, json={**profile, "session_time": "19:00"}).status_code == 200
    (after,) = sequences()
    assert after > before


def test_a_mobilised_trial_is_chosen_with_the_trial_form_field(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=3)
    url = f"{API}/patients/{history.patient.id}/sessions/{history.sessions[0].id}/recordings"
    upload = {"file": ("data.mat", path.read_bytes(), "application/x-matlab")}
    refused = client.post(url, files=upload)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "trial"
    made = client.post(url, files=upload, data={"trial": "TimeMeasure1/Test5/Trial3"})
    assert made.status_code == 201, made.text
    assert made.json()["filename"] == "data.mat"
