"""Errors a person meets in the browser are HTML pages; the API keeps its JSON errors."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retrowalk.errors import NotAllowedError
from tests.db_fixtures import PASSWORD
from tests.web.pages.conftest import PatientClient, csrf


@pytest.mark.parametrize("path", ["/app/no-such-page", "/clinic/no/such/page", "/nowhere"])
def test_an_unknown_page_address_answers_with_an_html_not_found_page(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unknown_api_address_still_answers_with_json(client: TestClient) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json()["error"]["type"] == "not_found"


def test_an_api_body_error_still_answers_with_json(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={})
    assert response.status_code == 422
    assert response.json()["error"]["type"] == "invalid_input"


def test_a_signed_in_clinician_gets_the_not_found_page_with_navigation(
    client_for: Callable[..., TestClient],
) -> None:
    clinician = client_for("clinician", auth="cookie")
    response = clinician.get("/clinic/patients/1/nothing-here")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert 'href="/clinic/invite"' in response.text


def test_a_page_address_with_a_wrong_number_is_an_html_page_naming_the_part(
    patient_client: PatientClient,
) -> None:
    patient = patient_client()
    response = patient.post(
        "/app/sessions/not-a-number/morning", data={"csrf_token": csrf(patient), "pain": "3"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "session_id" in response.text
    assert "Nothing was saved" in response.text


def test_a_crafted_form_without_its_fields_gets_an_html_page_and_changes_nothing(
    client_for: Callable[..., TestClient],
) -> None:
    clinician = client_for("clinician", auth="cookie")
    response = clinician.post("/clinic/patients/1/status", data={})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "csrf_token" in response.text
    assert "status" in response.text


def test_sign_up_with_every_field_empty_names_each_field_and_creates_nothing(
    client: TestClient,
) -> None:
    response = client.post(
        "/signup",
        data={"display_name": "", "email": "", "password": "", "units": "metric"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert 'aria-invalid="true"' in response.text
    assert client.post("/login", data={"email": "", "password": ""}).status_code == 422


def test_sign_up_with_a_too_long_name_says_so_next_to_the_name(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={"display_name": "A" * 300, "email": "long@example.org", "password": PASSWORD},
    )
    assert response.status_code == 422
    assert 'id="display_name-error"' in response.text
    assert "120" in response.text
    login = client.post(
        "/login", data={"email": "long@example.org", "password": PASSWORD}, follow_redirects=False
    )
    assert login.status_code == 401


def test_the_sign_up_fields_carry_the_length_limits_to_the_browser(client: TestClient) -> None:
    page = client.get("/signup").text
    assert 'id="display_name" name="display_name"' in page
    assert 'maxlength="120"' in page
    assert 'maxlength="254"' in page


def test_sign_in_with_empty_fields_asks_for_both_on_the_page(client: TestClient) -> None:
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert "Enter your email and your password." in response.text


def _add_failing_routes(app: FastAPI) -> None:
    def refuse() -> None:
        raise NotAllowedError("the program is paused")

    def crash() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/app/test-refused", refuse)
    app.add_api_route("/api/v1/test-refused", refuse)
    app.add_api_route("/app/test-crash", crash)
    app.add_api_route("/api/v1/test-crash", crash)


def test_a_service_refusal_a_page_does_not_handle_is_an_html_page_with_its_status(
    app: FastAPI, client: TestClient
) -> None:
    _add_failing_routes(app)
    page = client.get("/app/test-refused")
    assert page.status_code == 409
    assert page.headers["content-type"].startswith("text/html")
    assert "the program is paused" in page.text
    api = client.get("/api/v1/test-refused")
    assert api.status_code == 409
    assert api.json()["error"]["type"] == "not_allowed"


def test_a_bug_on_a_page_is_an_html_500_page_without_details(
    app: FastAPI, client: TestClient
) -> None:
    _add_failing_routes(app)
    page = client.get("/app/test-crash")
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert "Something went wrong" in page.text
    assert "a bug" not in page.text
    api = client.get("/api/v1/test-crash")
    assert api.status_code == 500
    assert api.json()["error"]["type"] == "internal"


def test_every_page_links_an_icon_the_app_serves(client: TestClient) -> None:
    page = client.get("/login").text
    found = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert found, "no icon link: browsers then ask for /favicon.ico and log a 404"
    icon = client.get(found.group(1).replace("&amp;", "&"))
    assert icon.status_code == 200
    assert icon.text.startswith("<svg")
