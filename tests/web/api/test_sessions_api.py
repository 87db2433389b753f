"""Sessions through the API: idempotent resends, key reuse, a fall reaching the clinician."""

from __future__ import annotations

import datetime as dt

from tests.db_fixtures import ClientFor, prescription_json, screening_answers, session_json

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _linked_pair(client_for: ClientFor) -> tuple[object, object, int]:
    clinician = client_for("clinician")
    patient = client_for("patient", auth="cookie")
    code = clinician.post("/api/v1/clinician/invitations", json={"note": "x"}).json()["code"]
    assert patient.post("/api/v1/links", json={"code": code}).status_code == 201
    patient_id = patient.user.id  # type: ignore[attr-defined]
    base = f"/api/v1/patients/{patient_id}"
    assert patient.post(f"{base}/screenings", json=screening_answers()).status_code == 201
    started = patient.post(f"{base}/program", json=prescription_json(NOW.date()))
    assert started.status_code == 201, started.text
    return clinician, patient, patient_id


def test_a_resend_with_the_same_key_replays_the_stored_session(client_for: ClientFor) -> None:
    _, patient, patient_id = _linked_pair(client_for)
    url = f"/api/v1/patients/{patient_id}/sessions"
    headers = {"Idempotency-Key": "3f1c2a9e-offline-1"}
    first = patient.post(url, json=session_json(NOW), headers=headers)  # type: ignore[attr-defined]
    again = patient.post(url, json=session_json(NOW), headers=headers)  # type: ignore[attr-defined]
    assert (first.status_code, again.status_code) == (201, 201)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["replayed"] is True
    assert again.json()["session"]["id"] == first.json()["session"]["id"]
    assert len(patient.get(url).json()) == 1  # type: ignore[attr-defined]
    other_body = patient.post(  # type: ignore[attr-defined]
        url, json=session_json(NOW, pain_max=6, pain_after=6), headers=headers
    )
    assert other_body.status_code == 409
    assert other_body.json()["error"]["type"] == "not_allowed"


def test_a_fall_logged_by_the_patient_shows_as_a_flag_in_the_clinicians_overview(
    client_for: ClientFor,
) -> None:
    clinician, patient, patient_id = _linked_pair(client_for)
    logged = patient.post(  # type: ignore[attr-defined]
        f"/api/v1/patients/{patient_id}/sessions",
        json=session_json(NOW, safety_events=["fall"], backward_min=2.0),
    )
    assert logged.status_code == 201
    assert logged.json()["program"]["status"] == "paused"
    (line,) = clinician.get("/api/v1/clinician/overview").json()  # type: ignore[attr-defined]
    assert line["patient"]["id"] == patient_id
    assert line["program_status"] == "paused"
    (flag,) = [f for f in line["flags"] if f["kind"] == "safety_event"]
    resume = patient.post(  # type: ignore[attr-defined]
        f"/api/v1/patients/{patient_id}/program/status", json={"status": "active"}
    )
    assert resume.status_code == 403
    resolved = clinician.post(  # type: ignore[attr-defined]
        f"/api/v1/patients/{patient_id}/flags/{flag['id']}/resolve"
    )
    assert resolved.json()["resolved_at"] is not None
    resumed = clinician.post(  # type: ignore[attr-defined]
        f"/api/v1/patients/{patient_id}/program/status",
        json={"status": "active", "reason": "called the patient; no injury"},
    )
    assert resumed.json()["status"] == "active"


def test_a_see_clinician_screening_cannot_start_a_program(client_for: ClientFor) -> None:
    patient = client_for("patient")
    base = f"/api/v1/patients/{patient.user.id}"  # type: ignore[attr-defined]
    screened = patient.post(f"{base}/screenings", json=screening_answers(saddle_numbness=True))
    assert screened.json()["decision"] != "cleared"
    refused = patient.post(f"{base}/program", json=prescription_json(NOW.date()))
    assert refused.status_code == 409
    assert "cleared" in refused.json()["error"]["message"]


def test_the_session_list_pages_and_says_how_many_there_are(client_for: ClientFor) -> None:
    _, patient, patient_id = _linked_pair(client_for)
    url = f"/api/v1/patients/{patient_id}/sessions"
    for days in range(5):
        started = NOW - dt.timedelta(days=days, hours=1)
        stored = patient.post(url, json=session_json(started))  # type: ignore[attr-defined]
        assert stored.status_code == 201, stored.text
    first = patient.get(url, params={"limit": 2})  # type: ignore[attr-defined]
    assert first.headers["x-total-count"] == "5"
    assert 'rel="next"' in first.headers["link"]
    assert "offset=2" in first.headers["link"]
    assert first.headers["link"].startswith(f"<{url}?")  # relative: not from the Host header
    seen = [s["id"] for s in first.json()]
    last = patient.get(url, params={"limit": 2, "offset": 4})  # type: ignore[attr-defined]
    assert "link" not in last.headers
    seen += [s["id"] for s in patient.get(url, params={"limit": 2, "offset": 2}).json()]  # type: ignore[attr-defined]
    seen += [s["id"] for s in last.json()]
    assert len(set(seen)) == 5
    everything = patient.get(url)  # type: ignore[attr-defined]
    assert [s["id"] for s in everything.json()] == seen  # newest first, the same order
    too_many = patient.get(url, params={"limit": 501})  # type: ignore[attr-defined]
    assert too_many.status_code == 422
