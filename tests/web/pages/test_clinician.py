"""The clinician's pages: invitations, the patient list with flags, pausing and adjusting."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from retrowalk.domain.screening import LATER_RED_FLAGS
from tests.db_fixtures import PASSWORD, screening_answers
from tests.web.pages.conftest import (
    csrf,
    finish_screening,
    log_body,
    session_plan,
    start_program,
)

ClientFor = Callable[..., TestClient]


def _invite(clinician: TestClient) -> str:
    page = clinician.post("/clinic/invite", data={"csrf_token": csrf(clinician), "note": "A.B."})
    found = re.search(r"data-invitation-code>([A-Z0-9-]+)<", page.text)
    assert found, page.text
    return found.group(1)


def _linked_patient(clinician: TestClient, anonymous: TestClient) -> TestClient:
    code = _invite(clinician)
    response = anonymous.post(
        "/signup",
        data={
            "display_name": "Pat Linked",
            "email": "linked@example.org",
            "password": PASSWORD,
            "invitation_code": code,
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return anonymous


def _patient_with_program(
    client_for: ClientFor, anonymous: TestClient
) -> tuple[TestClient, TestClient, dict[str, Any]]:
    """A signed-in clinician, their linked patient with a started program, and the patient's
    ``/api/v1/me``."""
    clinician = client_for("clinician", auth="cookie")
    patient = _linked_patient(clinician, anonymous)
    start_program(patient)
    return clinician, patient, patient.get("/api/v1/me").json()


def test_an_invitation_code_links_a_new_patient(client_for: ClientFor, client: TestClient) -> None:
    clinician = client_for("clinician", auth="cookie")
    patient = _linked_patient(clinician, client)
    assert "Linked with" in patient.get("/app").text
    listing = clinician.get("/clinic").text
    assert "Pat Linked" in listing
    assert "no program" in listing


def test_a_code_entered_later_links_an_existing_patient(client_for: ClientFor) -> None:
    clinician = client_for("clinician", auth="cookie")
    patient = client_for("patient", auth="cookie")
    code = _invite(clinician)
    response = patient.post(
        "/app/link", data={"csrf_token": csrf(patient), "code": code}, follow_redirects=False
    )
    assert response.headers["location"] == "/app?done=linked"
    assert patient.user.display_name in clinician.get("/clinic").text  # type: ignore[attr-defined]


def test_a_fall_puts_the_patient_first_with_a_safety_flag(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=20)
    response = patient.post(
        f"/api/v1/patients/{me['id']}/sessions",
        json=log_body(started, safety_events=["fall"]),
        headers={"X-CSRF-Token": csrf(patient)},
    )
    assert response.status_code == 201, response.text
    listing = clinician.get("/clinic").text
    assert "Safety event" in listing
    # the flag's detail is on the page, not only in a tooltip keyboard and touch cannot open
    assert 'class="flag-detail"' in listing
    assert " title=" not in listing
    page = clinician.get(f"/clinic/patients/{me['id']}").text
    assert "paused after" in page
    assert "Mark as dealt with" in page


def test_the_clinician_resumes_a_program_paused_for_safety(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    patient.post(
        f"/api/v1/patients/{me['id']}/sessions",
        json=log_body(dt.datetime.now(dt.UTC), safety_events=["near_fall"]),
        headers={"X-CSRF-Token": csrf(patient)},
    )
    response = clinician.post(
        f"/clinic/patients/{me['id']}/status",
        data={"csrf_token": csrf(clinician), "status": "active", "reason": "talked it through"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "Start guided session" in patient.get("/app").text


def test_the_clinician_sets_a_new_dose_for_the_next_sessions(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    response = clinician.post(
        f"/clinic/patients/{me['id']}/plan",
        data={"csrf_token": csrf(clinician), "backward_min": "2", "note": "go gently"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    phases = session_plan(patient.get("/app/session").text)["phases"]
    assert sum(p["duration_s"] for p in phases if p["direction"] == "backward") == 120
    revisions = patient.get(f"/api/v1/patients/{me['id']}/program/revisions").json()
    assert revisions[-1]["note"] == "go gently"


def test_a_dose_form_opened_before_a_session_changed_the_plan_does_not_overwrite_it(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    opened = clinician.get(f"/clinic/patients/{me['id']}").text
    seen = re.search(r'name="revision" value="(\d+)"', opened)
    assert seen is not None
    # meanwhile the patient logs a flare: the next dose is reduced (a new plan revision)
    started = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    flare = patient.post(
        f"/api/v1/patients/{me['id']}/sessions",
        json=log_body(started, pain_max=9, pain_after=8),
        headers={"X-CSRF-Token": csrf(patient)},
    )
    assert flare.status_code == 201, flare.text
    before = patient.get(f"/api/v1/patients/{me['id']}/program").json()
    response = clinician.post(
        f"/clinic/patients/{me['id']}/plan",
        data={
            "csrf_token": csrf(clinician),
            "backward_min": "3",
            "note": "as planned",
            "revision": seen.group(1),
        },
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "The plan changed after you opened this page" in response.text
    assert patient.get(f"/api/v1/patients/{me['id']}/program").json() == before
    # the page shown again carries the current revision: saving now works
    again = re.search(r'name="revision" value="(\d+)"', response.text)
    assert again is not None
    assert again.group(1) != seen.group(1)


def test_a_dose_beyond_the_safe_maximum_is_refused(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, _patient, me = _patient_with_program(client_for, client)
    response = clinician.post(
        f"/clinic/patients/{me['id']}/plan",
        data={"csrf_token": csrf(clinician), "backward_min": "90", "note": "too much"},
    )
    assert response.status_code == 422


def test_a_clinician_cannot_open_someone_elses_patient(client_for: ClientFor) -> None:
    clinician = client_for("clinician", auth="cookie")
    stranger = client_for("patient", auth="cookie")
    me = stranger.get("/api/v1/me").json()
    assert clinician.get(f"/clinic/patients/{me['id']}").status_code == 404


@pytest.mark.parametrize(
    ("minutes", "note", "field", "problem"),
    [
        ("90", "too much", "backward_min", "Choose from 1 to"),
        ("two", "typo", "backward_min", "Enter a whole number of minutes."),
        ("", "empty", "backward_min", "Enter a whole number of minutes."),
        ("3", "   ", "note", "Please say why"),
    ],
)
def test_a_refused_dose_is_explained_beside_its_field_and_changes_nothing(
    client_for: ClientFor,
    client: TestClient,
    minutes: str,
    note: str,
    field: str,
    problem: str,
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    before = patient.get(f"/api/v1/patients/{me['id']}/program/revisions").json()
    response = clinician.post(
        f"/clinic/patients/{me['id']}/plan",
        data={"csrf_token": csrf(clinician), "backward_min": minutes, "note": note},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert f'<p class="errors" id="{field}-error">{problem}' in response.text
    assert f'{field}-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'value="{minutes}"' in response.text
    after = patient.get(f"/api/v1/patients/{me['id']}/program/revisions").json()
    assert after == before


def test_the_plan_rules_refusal_is_shown_beside_the_minutes(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, _patient, me = _patient_with_program(client_for, client)
    response = clinician.post(
        f"/clinic/patients/{me['id']}/plan",
        data={"csrf_token": csrf(clinician), "backward_min": "20", "note": "jump"},
    )
    assert response.status_code == 422
    assert '<p class="errors" id="backward_min-error">The plan was not changed: ' in response.text


def test_the_clinician_sees_why_the_safety_check_sent_a_linked_patient_to_them(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician = client_for("clinician", auth="cookie")
    patient = _linked_patient(clinician, client)
    finish_screening(patient, cancer_history="yes")
    me = patient.get("/api/v1/me").json()
    page = clinician.get(f"/clinic/patients/{me['id']}").text
    section = page.split("data-screening>")[1].split("</section>")[0]
    assert "See a clinician before starting" in section
    assert "cancer" in section.lower()
    # each rule's source as a citation from the evidence base, not its id
    assert "AHCPR 1994" in section
    assert "ahcpr1994" not in section


def test_the_patients_screening_result_cites_sources_by_name(client_for: ClientFor) -> None:
    patient = client_for("patient", auth="cookie")
    finish_screening(patient, bladder_bowel_change="yes")
    page = patient.get("/app/screening/result").text
    assert "AHCPR 1994" in page
    assert "ahcpr1994" not in page
    assert "cauda_equina_guidance" not in page


def test_a_pause_without_a_reason_is_refused_and_changes_nothing(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    response = clinician.post(
        f"/clinic/patients/{me['id']}/status",
        data={"csrf_token": csrf(clinician), "status": "paused", "reason": "  "},
        follow_redirects=False,
    )
    assert response.status_code == 422
    assert "give a reason" in response.text
    assert "Start guided session" in patient.get("/app").text


def test_a_pause_reason_the_rules_refuse_is_invalid_input_not_a_conflict(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    response = clinician.post(
        f"/clinic/patients/{me['id']}/status",
        data={"csrf_token": csrf(clinician), "status": "paused", "reason": "a\x00b"},
        follow_redirects=False,
    )
    assert response.status_code == 422  # as the API answers the same reason
    assert "Start guided session" in patient.get("/app").text


@pytest.mark.parametrize(
    ("code", "expected"),
    [("ZZZZZ-ZZZZZ", "Check the code with your clinician"), ("", "Enter the code")],
)
def test_a_code_that_does_not_work_is_shown_again_beside_its_field(
    client_for: ClientFor, code: str, expected: str
) -> None:
    patient = client_for("patient", auth="cookie")
    response = patient.post("/app/link", data={"csrf_token": csrf(patient), "code": code})
    assert response.status_code == 422
    assert 'id="code-error"' in response.text
    assert expected in response.text
    assert f'name="code" required autocomplete="off" value="{code}"' in response.text
    assert "No clinician linked." in response.text


def test_reloading_the_new_code_page_makes_no_other_code(client_for: ClientFor) -> None:
    clinician = client_for("clinician", auth="cookie")
    made = clinician.post(
        "/clinic/invite",
        data={"csrf_token": csrf(clinician), "note": "R.L."},
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/clinic/invite"
    shown = clinician.get("/clinic/invite").text
    assert "data-invitation-code" in shown
    again = clinician.get("/clinic/invite").text  # the reload: the code was shown once
    assert "data-invitation-code" not in again
    assert again.count("<td>R.L.</td>") == 1  # one code made, listed once


def test_the_clinician_sees_which_red_flags_an_old_screening_did_not_ask(
    client_for: ClientFor, client: TestClient
) -> None:
    clinician, patient, me = _patient_with_program(client_for, client)
    old = {k: v for k, v in screening_answers().items() if k not in LATER_RED_FLAGS}
    stored = patient.post(
        f"/api/v1/patients/{me['id']}/screenings",
        json=old,
        headers={"X-CSRF-Token": patient.cookies.get("retrowalk_csrf") or ""},
    )
    assert stored.status_code == 201, stored.text
    page = clinician.get(f"/clinic/patients/{me['id']}").text
    assert "Not asked" in page
    assert "both of your legs" in page
