"""The exchange pages: recordings beside the plan, the data page, the clinician's exports page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response

from retrowalk.services import accounts, profiles
from retrowalk.services.inputs import PatientProfileIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import UserView
from retrowalk.web.pages.formatting import date_text
from tests.exchange.watch_files import gpx_text, tcx_text
from tests.gait.synthetic import write_mobilised_mat
from tests.services.exchange_setup import (
    PASSWORD,
    History,
    imu_csv_bytes,
    sensor_logger_zip_bytes,
    small_history,
)
from tests.web.pages.conftest import csrf


def cookie_client(app: FastAPI, user: UserView) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return client


def post_recording(
    client: TestClient, session_id: int, filename: str, data: bytes, kind: str = "text/csv"
) -> Response:
    """Upload a recording on the session's page, with the form's token."""
    return client.post(
        f"/app/sessions/{session_id}/recording",
        data={"csrf_token": csrf(client)},
        files={"file": (filename, data, kind)},
    )


def test_the_recordings_page_lists_sessions_beside_their_plan(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    page = cookie_client(app, history.patient).get("/app/recordings")
    assert page.status_code == 200
    assert page.text.count("Attach a recording") == 3
    assert "no recording" in page.text
    assert "How to record a session with your phone" in page.text


def test_sessions_are_dated_on_the_patients_calendar(app: FastAPI, runtime: Runtime) -> None:
    """17:00 UTC is 07:00 the next day at UTC+14: the list and the session page say so."""
    history = small_history(runtime)
    actor = Actor(history.patient.id, "patient")
    profiles.put_profile(
        runtime, actor, history.patient.id, PatientProfileIn(time_zone="Pacific/Kiritimati")
    )
    session = history.sessions[0]
    local_day = session.started_at.astimezone(dt.UTC).date() + dt.timedelta(days=1)
    assert session.started_at.astimezone(dt.UTC).hour == 17
    client = cookie_client(app, history.patient)
    assert date_text(local_day) in client.get("/app/recordings").text
    page = client.get(f"/app/sessions/{session.id}/recording")
    assert f"Session of {date_text(local_day)}" in page.text


def test_uploading_a_recording_shows_the_measured_minutes_beside_the_plan(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    session = history.sessions[0]
    response = post_recording(client, session.id, "walk.csv", imu_csv_bytes(tmp_path))
    assert response.status_code == 200, response.text
    assert "The recording was analysed and saved." in response.text
    stored = client.get(f"/api/v1/patients/{history.patient.id}/sessions/{session.id}/recordings")
    measured = stored.json()[0]
    assert f"{measured['backward_min']:.1f} min backward ({measured['backward_steps']} steps)" in (
        response.text
    )
    clinician = cookie_client(app, history.clinician)
    page = clinician.get(f"/clinic/patients/{history.patient.id}/data")
    assert page.status_code == 200
    assert f"{measured['backward_min']:.1f} min, {measured['backward_steps']} steps" in page.text
    assert "report.pdf" in page.text


def test_the_session_page_shows_the_planned_warm_up_and_what_served_as_forward(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    session = history.sessions[0]
    planned = session.planned_session
    assert planned is not None
    response = post_recording(client, session.id, "walk.csv", imu_csv_bytes(tmp_path))
    assert response.status_code == 200, response.text
    stored = client.get(f"/api/v1/patients/{history.patient.id}/sessions/{session.id}/recordings")
    plan = stored.json()[0]["summary"]["plan"]
    assert (
        f"planned {planned['warmup_forward_min']:g} min, walked "
        f"{plan['walked_warmup_forward_min']:.1f} min forward in it"
    ) in response.text
    assert "Which way is forward was learnt from: 1 bout(s)" in response.text
    assert "turns both ways" in response.text  # the notes are listed


def test_the_session_page_lists_the_walking_bouts_with_their_direction(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    session = history.sessions[0]
    response = post_recording(client, session.id, "walk.csv", imu_csv_bytes(tmp_path))
    assert response.status_code == 200, response.text
    stored = client.get(f"/api/v1/patients/{history.patient.id}/sessions/{session.id}/recordings")
    bouts = stored.json()[0]["bouts"]
    assert bouts
    assert {"direction", "direction_reason", "steps"} <= set(bouts[0])
    table = response.text.split("<table data-bouts>", 1)[1].split("</table>", 1)[0]
    rows = table.split("<tbody>", 1)[1].count("<tr>")
    assert rows == len(bouts)
    last = bouts[-1]
    assert last["direction"] == "backward"  # the synthetic session: warm-up, then backward
    assert f"<td>{last['steps']}</td>" in table
    assert "backward" in table


def test_a_phone_apps_zip_export_can_be_uploaded_on_the_page(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    session = history.sessions[0]
    response = post_recording(
        client, session.id, "export.zip", sensor_logger_zip_bytes(), "application/zip"
    )
    assert response.status_code == 200, response.text
    assert "The recording was analysed and saved." in response.text
    assert "Analysed from export.zip" in response.text


def test_a_bad_upload_shows_the_problem_on_the_page(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    response = post_recording(client, history.sessions[0].id, "walk.txt", b"hello", "text/plain")
    assert response.status_code == 422
    assert "walk.txt: expected a .csv" in response.text


def test_an_upload_without_the_form_token_is_refused(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    response = client.post(
        f"/app/sessions/{history.sessions[0].id}/recording",
        data={"csrf_token": "forged"},
        files={"file": ("walk.csv", b"x", "text/csv")},
    )
    assert response.status_code == 403


def test_the_data_page_makes_a_calendar_link_that_serves_the_plan(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    assert client.get("/app/data").status_code == 200
    made = client.post("/app/data/calendar", data={"csrf_token": csrf(client)})
    assert made.status_code == 200
    link = made.text.split('id="calendar-url" value="')[1].split('"')[0]
    path = link.split("testserver", 1)[1]
    assert client.get(path).status_code == 200
    client.post("/app/data/calendar/revoke", data={"csrf_token": csrf(client)})
    assert client.get(path).status_code == 404


def test_deleting_the_account_from_the_data_page_signs_out(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    wrong = client.post("/app/data/delete", data={"csrf_token": csrf(client), "password": "x"})
    assert wrong.status_code == 422
    assert "password does not match" in wrong.text
    done = client.post(
        "/app/data/delete",
        data={"csrf_token": csrf(client), "password": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert client.get("/app/data", follow_redirects=False).status_code == 303


def test_another_clinicians_patient_is_not_found(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.other_patient)
    assert client.get(f"/clinic/patients/{history.patient.id}/data").status_code == 403
    assert client.get("/app/sessions/999/recording").status_code == 404


def _upload(app: FastAPI, history: History, tmp_path: Path) -> int:
    """The patient attaches the synthetic recording to their first session; its id."""
    client = cookie_client(app, history.patient)
    session_id = history.sessions[0].id
    response = post_recording(client, session_id, "walk.csv", imu_csv_bytes(tmp_path))
    assert response.status_code == 200, response.text
    return session_id


def test_the_clinician_sees_a_patients_session_recording_with_its_bouts(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    session_id = _upload(app, history, tmp_path)
    clinician = cookie_client(app, history.clinician)
    data_page = clinician.get(f"/clinic/patients/{history.patient.id}/data").text
    link = f"/clinic/patients/{history.patient.id}/sessions/{session_id}/recording"
    assert f'href="{link}"' in data_page
    page = clinician.get(link)
    assert page.status_code == 200
    assert "Logged by the patient" in page.text
    assert "<table data-bouts>" in page.text
    assert "backward" in page.text.split("<table data-bouts>", 1)[1]
    assert "Attach a recording" not in page.text  # read-only: no upload form
    assert "<form" not in page.text.split("<main", 1)[-1].split("</main>", 1)[0]


def test_a_session_recording_is_not_shown_to_another_clinician_or_the_patient(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    session_id = _upload(app, history, tmp_path)
    link = f"/clinic/patients/{history.patient.id}/sessions/{session_id}/recording"
    accounts.create_user(runtime, None, "other.pt@example.org", PASSWORD, "Dr. Other", "clinician")
    stranger = TestClient(app, raise_server_exceptions=False)
    login = {"email": "other.pt@example.org", "password": PASSWORD}
    assert stranger.post("/api/v1/auth/login", json=login).status_code == 200
    refused = stranger.get(link)
    assert refused.status_code == 404  # as for any patient not linked to them
    assert "<table data-bouts>" not in refused.text
    assert cookie_client(app, history.patient).get(link).status_code == 403
    assert cookie_client(app, history.other_patient).get(link).status_code == 403


def test_a_session_of_one_patient_is_not_found_under_another_linked_patient(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    session_id = _upload(app, history, tmp_path)
    clinician = cookie_client(app, history.clinician)
    other = history.other_patient.id
    assert clinician.get(
        f"/clinic/patients/{other}/sessions/{session_id}/recording"
    ).status_code == (404)


def _draft_form(html: str) -> dict[str, str]:
    fields = {}
    names = ("started_at", "ended_at", "source_format", "heart_rate_bpm", "heart_rate_max_bpm")
    for name in (*names, "distance_m"):
        fields[name] = html.split(f'name="{name}" value="')[1].split('"')[0]
    return fields


def test_a_watch_file_becomes_a_logged_session_once_the_person_says_what_was_backward(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    assert client.get("/app/watch-import").status_code == 200
    read = client.post(
        "/app/watch-import",
        data={"csrf_token": csrf(client)},
        files={"file": ("walk.tcx", tcx_text().encode(), "application/xml")},
    )
    assert read.status_code == 200, read.text
    assert "20.0 min" in read.text
    assert "1234 m" in read.text
    form = {
        **_draft_form(read.text),
        "csrf_token": csrf(client),
        "backward_min": "6",
        "pain_before": "4",
        "pain_max": "4",
        "pain_after": "3",
    }
    for _attempt in range(2):  # a double submit stores one session
        saved = client.post("/app/watch-import/log", data=form, follow_redirects=False)
        assert saved.status_code == 303, saved.text
    sessions = client.get(f"/api/v1/patients/{history.patient.id}/sessions").json()
    assert len(sessions) == 4
    (imported,) = [s for s in sessions if s["notes"].startswith("From a TCX watch file")]
    assert (imported["backward_min"], imported["forward_min"]) == (6.0, 14.0)
    assert imported["heart_rate_bpm"] == 101
    assert imported["notes"] == "From a TCX watch file; distance 1234 m"


def _log_gpx_walk(client: TestClient, **answers: str) -> Response:
    """Upload the sample GPX walk, then log it with these answers (pain after: 3)."""
    read = client.post(
        "/app/watch-import",
        data={"csrf_token": csrf(client)},
        files={"file": ("walk.gpx", gpx_text().encode(), "application/gpx+xml")},
    )
    form = {**_draft_form(read.text), "csrf_token": csrf(client), "pain_after": "3", **answers}
    return client.post("/app/watch-import/log", data=form)


def test_more_backward_minutes_than_the_walk_lasted_are_refused(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    refused = _log_gpx_walk(client, backward_min="25", pain_before="4", pain_max="4")
    assert refused.status_code == 422
    assert "Minutes you walked backward: must be between 0 and the session" in refused.text
    # the walk and every answer are still on the page, the field marked
    assert "data-watch-draft" in refused.text
    assert 'value="25" aria-invalid="true"' in refused.text
    for name, value in (("pain_before", 4), ("pain_max", 4), ("pain_after", 3)):
        assert f'id="{name}-{value}" name="{name}" value="{value}" checked' in refused.text


def test_a_highest_pain_below_the_pain_before_is_refused_beside_its_field(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    refused = _log_gpx_walk(client, backward_min="5", pain_before="6", pain_max="2")
    assert refused.status_code == 422
    assert "cannot be lower than pain_before (6)" in refused.text
    assert len(client.get(f"/api/v1/patients/{history.patient.id}/sessions").json()) == 3


def test_a_watch_file_longer_than_a_session_can_be_is_refused_at_upload(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    seven_hours = gpx_text(points=7 * 60 + 1, step_s=60)
    response = client.post(
        "/app/watch-import",
        data={"csrf_token": csrf(client)},
        files={"file": ("long.gpx", seven_hours.encode(), "application/gpx+xml")},
    )
    assert response.status_code == 422
    assert "records 7.0 hours; a session can last at most 6 hours" in response.text
    assert "data-watch-draft" not in response.text


def test_the_walk_is_shown_in_the_persons_time_zone(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    patient = history.patient.id
    profiles.put_profile(
        runtime,
        Actor(patient, "patient"),
        patient,
        PatientProfileIn(time_zone="America/Los_Angeles", sensor_height_m=1.0),
    )
    read = client.post(
        "/app/watch-import",
        data={"csrf_token": csrf(client)},
        files={"file": ("walk.gpx", gpx_text().encode(), "application/gpx+xml")},
    )
    assert read.status_code == 200, read.text
    # the GPX starts at 2026-03-02 17:00Z: 09:00 in Los Angeles (PST, UTC-8)
    assert "Mon 2 Mar 2026, 09:00 to 09:20 (20.0 min)" in read.text


def test_a_walk_whose_times_were_tampered_with_gets_a_page_not_a_server_error(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    form = {
        "csrf_token": csrf(client),
        "started_at": "2026-03-02T17:00:00",
        "ended_at": "2026-03-02T17:20:00+00:00",
        "source_format": "gpx",
        "backward_min": "5",
        "pain_before": "2",
        "pain_max": "3",
        "pain_after": "2",
    }
    response = client.post("/app/watch-import/log", data=form)
    assert response.status_code == 422
    assert "Upload the watch file again" in response.text


def test_a_file_that_is_not_from_a_watch_is_refused_on_the_page(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    response = client.post(
        "/app/watch-import",
        data={"csrf_token": csrf(client)},
        files={"file": ("walk.fit", b"plain text", "application/octet-stream")},
    )
    assert response.status_code == 422
    assert "not a FIT file" in response.text


def test_a_mobilised_file_with_several_trials_is_analysed_for_the_trial_named(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    client = cookie_client(app, history.patient)
    path = tmp_path / "data.mat"
    write_mobilised_mat(path, trials=2)
    session_id = history.sessions[0].id
    data = path.read_bytes()
    asked = post_recording(client, session_id, "data.mat", data, "application/x-matlab")
    assert asked.status_code == 422
    assert "holds 2 trials; name the one to analyse" in asked.text
    assert "TimeMeasure1/Test5/Trial2" in asked.text
    assert "--trial" not in asked.text
    done = client.post(
        f"/app/sessions/{session_id}/recording",
        data={"csrf_token": csrf(client), "trial": "TimeMeasure1/Test5/Trial2"},
        files={"file": ("data.mat", data, "application/x-matlab")},
    )
    assert done.status_code == 200, done.text
    assert "The recording was analysed and saved." in done.text
