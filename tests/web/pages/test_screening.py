"""The safety check one question at a time, and what each result allows."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from retrowalk.domain.screening import LATER_RED_FLAGS
from retrowalk.web.pages.screening_questions import QUESTION_KEYS, QUESTIONS
from tests.db_fixtures import screening_answers
from tests.web.pages.conftest import (
    CLEAR_ANSWERS,
    PatientClient,
    csrf,
    finish_screening,
    start_program,
)


def test_the_safety_check_asks_one_question_per_page(patient_client: PatientClient) -> None:
    client = patient_client()
    first = client.get("/app/screening")
    assert QUESTIONS[0].text in first.text
    assert QUESTIONS[1].text not in first.text
    second = client.post(
        "/app/screening", data={"csrf_token": csrf(client), "step": "0", "age_years": "45"}
    )
    assert QUESTIONS[1].text in second.text
    assert 'name="age_years" value="45"' in second.text


def test_an_unanswered_question_is_asked_again_with_the_reason(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    response = client.post("/app/screening", data={"csrf_token": csrf(client), "step": "0"})
    assert response.status_code == 422
    assert QUESTIONS[0].text in response.text
    assert "Please answer this question" in response.text


def test_back_returns_to_the_previous_question_keeping_answers(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    response = client.post(
        "/app/screening",
        data={"csrf_token": csrf(client), "step": "1", "go": "back", "age_years": "45"},
    )
    assert QUESTIONS[0].text in response.text
    assert 'value="45"' in response.text


def test_a_cleared_check_offers_a_program(patient_client: PatientClient) -> None:
    client = patient_client()
    response = finish_screening(client)
    assert response.headers["location"] == "/app/screening/result"
    result = client.get("/app/screening/result")
    assert "You can start, slowly" in result.text
    assert "Make my program" in result.text


def test_see_clinician_stops_there_and_no_program_can_start(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    finish_screening(client, pain_duration_weeks="2")
    result = client.get("/app/screening/result")
    assert "Talk to a doctor or physical therapist first" in result.text
    assert "Make my program" not in result.text
    refused = client.post(
        "/app/program/start",
        data={"csrf_token": csrf(client), "setting": "overground", "sessions_per_week": "3"},
    )
    assert refused.status_code == 409
    assert "Start guided session" not in client.get("/app").text


def test_an_urgent_result_says_to_get_help_today(patient_client: PatientClient) -> None:
    client = patient_client()
    finish_screening(client, bladder_bowel_change="yes")
    result = client.get("/app/screening/result")
    assert "Please get medical help today" in result.text
    assert "Make my program" not in result.text


def test_starting_a_program_leads_to_my_program(patient_client: PatientClient) -> None:
    client = patient_client()
    response = start_program(client)
    assert response.headers["location"] == "/app?done=program"
    page = client.get("/app")
    assert "Next session" in page.text
    assert "Why this dose" in page.text
    assert "Start guided session" in page.text


def test_an_urgent_answer_warns_at_once_on_the_next_question(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    index = QUESTION_KEYS.index("bladder_bowel_change")
    carried = {q.key: CLEAR_ANSWERS[q.key] for q in QUESTIONS[:index]}
    response = client.post(
        "/app/screening",
        data={
            "csrf_token": csrf(client),
            "step": str(index),
            **carried,
            "bladder_bowel_change": "yes",
        },
    )
    assert QUESTIONS[index + 1].text in response.text
    assert "needs a doctor today" in response.text


def test_no_warning_while_the_answers_are_clear(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/screening", data={"csrf_token": csrf(client), "step": "0", "age_years": "45"}
    )
    assert "needs a doctor today" not in response.text


@pytest.mark.parametrize(
    ("field", "value"),
    [("setting", "moon"), ("sessions_per_week", "99"), ("goal_backward_min", "-3")],
)
def test_a_crafted_program_choice_is_refused_naming_it_and_no_program_is_made(
    patient_client: PatientClient, field: str, value: str
) -> None:
    client = patient_client()
    finish_screening(client)
    choices = {"setting": "overground", "sessions_per_week": "3", "goal_backward_min": "15"}
    response = client.post(
        "/app/program/start", data={"csrf_token": csrf(client), **choices, field: value}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert field in response.text
    me = client.get("/api/v1/me").json()
    assert client.get(f"/api/v1/patients/{me['id']}/program").status_code == 404


def _screened_before_the_new_red_flags(client: TestClient) -> None:
    """A cleared screening stored by rules 1.2 (through the API, which may leave them out)."""
    me = client.user.id  # type: ignore[attr-defined]
    answers = {k: v for k, v in screening_answers().items() if k not in LATER_RED_FLAGS}
    stored = client.post(f"/api/v1/patients/{me}/screenings", json=answers)
    assert stored.status_code == 201, stored.text
    assert stored.json()["decision"] == "cleared"


def test_a_screening_from_before_the_new_red_flags_asks_them_before_a_program(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    _screened_before_the_new_red_flags(client)
    result = client.get("/app/screening/result")
    assert "Please answer 4 new questions" in result.text
    assert "both of your legs" in result.text
    assert "Make my program" not in result.text
    started = client.post(
        "/app/program/start",
        data={"csrf_token": csrf(client), "setting": "overground", "sessions_per_week": "3"},
        follow_redirects=False,
    )
    assert started.headers["location"] == "/app/screening/result"
    assert "Your program is ready" not in client.get("/app").text
    assert "asks 4 more questions" in client.get("/app").text
    finish_screening(client)  # answered again, with the new questions
    assert "Make my program" in client.get("/app/screening/result").text
