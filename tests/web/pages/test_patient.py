"""My program, the guided session page, progress and the next-morning question."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re

import pytest
from fastapi.testclient import TestClient

from retrowalk.domain.screening import NEW_SYMPTOMS_RULE, STOP_RULES
from retrowalk.web.pages.formatting import date_text
from tests.db_fixtures import TestClock
from tests.web.pages.conftest import PatientClient, csrf, log_body, session_plan, start_program


def _log(client: TestClient, started_at: dt.datetime, **overrides: object) -> None:
    me = client.get("/api/v1/me").json()
    response = client.post(
        f"/api/v1/patients/{me['id']}/sessions", json=log_body(started_at, **overrides)
    )
    assert response.status_code == 201, response.text


def test_the_session_page_carries_the_next_planned_session(patient_client: PatientClient) -> None:
    client = patient_client()
    start_program(client)
    plan = session_plan(client.get("/app/session").text)
    phases = plan["phases"]
    me = client.get("/api/v1/me").json()
    program = client.get(f"/api/v1/patients/{me['id']}/program").json()
    first = program["plan"]["sessions"][0]
    assert phases[0]["kind"] == "warm_up"
    assert phases[0]["direction"] == "forward"
    assert phases[-1]["kind"] == "cool_down"
    backward_s = sum(p["duration_s"] for p in phases if p["direction"] == "backward")
    assert backward_s == first["backward_min"] * 60
    assert sum(p["duration_s"] for p in phases) == first["total_min"] * 60
    assert plan["log_url"] == f"/api/v1/patients/{me['id']}/sessions"
    assert plan["log_fields"] == {"planned_session_number": 1, "setting": "overground"}
    assert any("shoulder" in r for p in phases for r in p["reminders"])


def test_without_a_program_the_session_page_sends_me_to_my_program(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    response = client.get("/app/session", follow_redirects=False)
    assert response.headers["location"] == "/app"


def test_a_logged_session_shows_in_progress_table_and_charts(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    start_program(client)
    _log(client, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), notes="felt fine")
    page = client.get("/app/progress").text
    assert "1 session logged." in page
    assert "felt fine" in page
    assert page.count("<svg") >= 2
    assert "<circle" in page  # the pain chart has a point
    assert "<rect" in page  # the weekly minutes chart has a bar
    assert "Data table: Pain before each session" in page


def _at_noon(clock: TestClock) -> None:
    """Midday (UTC) of today: "an hour ago" is then today, whenever the test runs (just after
    midnight it would be yesterday, before the program's first day)."""
    clock.set(clock().replace(hour=12, minute=0, second=0, microsecond=0))


def test_after_a_session_the_next_one_is_planned(
    patient_client: PatientClient, clock: TestClock
) -> None:
    _at_noon(clock)
    client = patient_client()
    start_program(client)
    _log(client, clock() - dt.timedelta(hours=1))
    plan = session_plan(client.get("/app/session").text)
    assert plan["log_fields"]["planned_session_number"] == 2


def test_the_morning_question_is_asked_the_day_after_a_session(
    patient_client: PatientClient, clock: TestClock
) -> None:
    client = patient_client()
    start_program(client)
    _log(client, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    page = client.get("/app").text
    assert "How is your back this morning?" in page
    sessions = client.get(
        f"/api/v1/patients/{client.get('/api/v1/me').json()['id']}/sessions"
    ).json()
    saved = client.post(
        f"/app/sessions/{sessions[0]['id']}/morning",
        data={"csrf_token": csrf(client), "pain_next_morning": "2"},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/app?done=morning"
    after = client.get("/app?done=morning").text
    assert "How is your back this morning?" not in after
    assert "Saved: your morning pain" in after


def test_the_morning_question_is_not_asked_on_the_day_of_the_session(
    patient_client: PatientClient, clock: TestClock
) -> None:
    _at_noon(clock)
    client = patient_client()
    start_program(client)
    _log(client, clock() - dt.timedelta(minutes=30))
    assert "How is your back this morning?" not in client.get("/app").text


def test_a_fall_pauses_the_program_and_the_page_says_why(patient_client: PatientClient) -> None:
    client = patient_client()
    start_program(client)
    _log(client, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30), safety_events=["fall"])
    page = client.get("/app").text
    assert "Your program is paused" in page
    assert "Start guided session" not in page
    assert client.get("/app/session").status_code == 409


def test_a_patient_can_pause_and_resume_their_own_program(patient_client: PatientClient) -> None:
    client = patient_client()
    start_program(client)
    paused = client.post(
        "/app/program/status",
        data={"csrf_token": csrf(client), "status": "paused"},
        follow_redirects=False,
    )
    assert paused.headers["location"] == "/app?done=paused"
    assert "Your program is paused" in client.get("/app").text
    client.post("/app/program/status", data={"csrf_token": csrf(client), "status": "active"})
    assert "Start guided session" in client.get("/app").text


def test_the_clinician_pages_are_not_for_patients(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.get("/clinic")
    assert response.status_code == 403
    assert "This page is for clinicians" in response.text


@pytest.mark.parametrize("value", ["11", "-1", "two", ""])
def test_a_morning_pain_outside_0_to_10_is_refused_on_a_page_and_not_stored(
    patient_client: PatientClient, value: str
) -> None:
    client = patient_client()
    start_program(client)
    _log(client, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    me = client.get("/api/v1/me").json()
    sessions = client.get(f"/api/v1/patients/{me['id']}/sessions").json()
    refused = client.post(
        f"/app/sessions/{sessions[0]['id']}/morning",
        data={"csrf_token": csrf(client), "pain_next_morning": value},
    )
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("text/html")
    assert "Please choose your pain from 0 to 10" in refused.text
    stored = client.get(f"/api/v1/patients/{me['id']}/sessions").json()[0]
    assert stored["pain_next_morning"] is None
    assert "How is your back this morning?" in client.get("/app").text


def test_a_session_the_patient_is_behind_on_shows_as_due_today(
    patient_client: PatientClient, clock: TestClock
) -> None:
    _at_noon(clock)
    client = patient_client()
    start_program(client)  # session 1 planned for today
    first_day = clock().date()
    clock.advance(days=3)
    again = patient_client(client.user)  # type: ignore[attr-defined]  # signed in again
    page = again.get("/app").text
    assert f"Next session: today (planned for {date_text(first_day)})" in page


def test_the_weekly_chart_runs_to_this_week_while_the_program_runs(
    patient_client: PatientClient, clock: TestClock
) -> None:
    _at_noon(clock)
    client = patient_client()
    start_program(client)
    _log(client, clock() - dt.timedelta(hours=1))
    clock.advance(days=15)
    page = patient_client(client.user).get("/app/progress").text  # type: ignore[attr-defined]
    found = re.search(r"over (\d+) weeks; latest week 0 minutes\.", page)
    assert found, "the chart ends at the last logged week"
    assert int(found.group(1)) in (3, 4)  # 15 days from the session: 3 or 4 Monday weeks


def test_the_guided_session_of_a_patient_behind_schedule_is_due_today(
    patient_client: PatientClient, clock: TestClock
) -> None:
    _at_noon(clock)
    client = patient_client()
    start_program(client)
    first_day = clock().date()
    clock.advance(days=3)
    page = patient_client(client.user).get("/app/session").text  # type: ignore[attr-defined]
    assert f"Session 1 · today (planned for {date_text(first_day)})" in page


def test_the_program_and_session_pages_give_the_screenings_stop_rules_word_for_word(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    start_program(client)
    screening = client.get(f"/api/v1/patients/{client.get('/api/v1/me').json()['id']}/screenings")
    precautions = {p["id"]: p["text"] for p in screening.json()[-1]["result"]["precautions"]}
    assert precautions["when_to_stop"] == STOP_RULES
    for page in ("/app", "/app/session"):
        text = html.unescape(client.get(page).text)
        assert STOP_RULES in text, page
        assert NEW_SYMPTOMS_RULE in text, page


def test_the_progress_page_has_no_skipped_heading_level(patient_client: PatientClient) -> None:
    client = patient_client()
    start_program(client)
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", client.get("/app/progress").text)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))


def test_the_program_page_keeps_the_studies_terms_out_of_the_plain_summary(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    start_program(client)
    page = client.get("/app").text
    why = page[page.index('id="why-title"') :]
    summary, details = why.split("<details>", 1)
    assert "The program follows studies" in summary
    assert "This follows:" not in summary  # citations, group sizes and protocols wait below
    assert "This follows:" in details.split("</details>", 1)[0]
