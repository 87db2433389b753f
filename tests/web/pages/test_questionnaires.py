"""Questionnaires: due dates, forms that show only what may be shown, saving scores."""

from __future__ import annotations

import html

from retrowalk.domain.instruments import get_instrument
from retrowalk.web.pages.questionnaires import LICENSED_TEXT_NOTE
from tests.web.pages.conftest import PatientClient, csrf


def test_at_baseline_every_questionnaire_is_due(patient_client: PatientClient) -> None:
    page = patient_client().get("/app").text
    assert "Questionnaires due" in page
    assert "Pain this week (NPRS)" in page
    assert "ODI or RMDQ" in page
    assert "STarT Back" in page


def test_a_weekly_pain_rating_is_saved_and_no_longer_due(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/questionnaires/nprs",
        data={"csrf_token": csrf(client), "item_1": "6"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/app?done=questionnaire"
    assert "Pain this week (NPRS)" not in client.get("/app").text
    progress = client.get("/app/progress").text
    assert "Numeric Pain Rating Scale" in progress


def test_the_odi_shows_section_names_but_no_licensed_statements(
    patient_client: PatientClient,
) -> None:
    page = patient_client().get("/app/questionnaires/odi").text
    odi = get_instrument("odi")
    for item in odi.items:
        assert item.name in page
    assert "statement 1 of 6 (least)" in page
    assert "the sixth (the last) the most" in page  # as the choices are numbered
    assert html.unescape(LICENSED_TEXT_NOTE) in html.unescape(page)
    assert "RETROWALK_ODI_TEXT" not in page  # the operators' note is not for patients


def test_an_incomplete_questionnaire_says_what_is_missing(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/questionnaires/rmdq", data={"csrf_token": csrf(client), "item_1": "1"}
    )
    assert response.status_code == 422
    assert 'role="alert"' in response.text
    assert 'name="item_1" value="1" checked' in response.text


def test_an_odi_with_all_sections_is_scored_in_percent(patient_client: PatientClient) -> None:
    client = patient_client()
    form = {f"item_{n}": "2" for n in range(1, 11)}
    client.post("/app/questionnaires/odi", data={"csrf_token": csrf(client), **form})
    page = client.get("/app/progress").text
    assert "40 %" in page
    assert "moderate disability" in page


def test_an_unknown_questionnaire_is_not_found(patient_client: PatientClient) -> None:
    assert patient_client().get("/app/questionnaires/nope").status_code == 404


def test_an_answer_outside_the_choices_is_marked_beside_its_item_and_not_stored(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    answers = {f"item_{n}": "1" for n in range(1, 11)}
    response = client.post(
        "/app/questionnaires/odi", data={"csrf_token": csrf(client), **answers, "item_2": "9"}
    )
    assert response.status_code == 422
    assert (
        '<p class="errors" id="item_2-error">Choose one of the answers shown.</p>' in response.text
    )
    assert 'aria-describedby="item_2-error"' in response.text
    assert "item_1-error" not in response.text
    assert 'id="item_3-1" name="item_3" value="1" checked' in response.text
    me = client.get("/api/v1/me").json()
    assert client.get(f"/api/v1/patients/{me['id']}/outcomes").json() == []


def test_unanswered_items_are_marked_only_beyond_the_instruments_allowance(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    odi = get_instrument("odi")
    assert odi.max_missing == 1
    response = client.post(
        "/app/questionnaires/odi",
        data={"csrf_token": csrf(client), **{f"item_{n}": "1" for n in range(1, 9)}},
    )
    assert response.status_code == 422
    assert 'id="item_9-error">Please answer this question.' in response.text
    assert 'id="item_10-error">Please answer this question.' in response.text
    one_missing = {f"item_{n}": "1" for n in range(1, 10)}
    saved = client.post(
        "/app/questionnaires/odi",
        data={"csrf_token": csrf(client), **one_missing},
        follow_redirects=False,
    )
    assert saved.status_code == 303
