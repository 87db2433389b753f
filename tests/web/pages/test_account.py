"""Sign-up, sign-in and the pages' CSRF check."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from retrowalk.web.pages.account import _safe_next
from retrowalk.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.db_fixtures import PASSWORD, MakeUser
from tests.web.pages.conftest import PatientClient, start_program


def test_a_visitor_is_sent_to_sign_in_with_the_page_to_return_to(client: TestClient) -> None:
    response = client.get("/app/progress", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fapp%2Fprogress"


def test_sign_up_creates_a_patient_signs_in_and_keeps_units(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={
            "display_name": "Ann",
            "email": "ann@example.org",
            "password": PASSWORD,
            "units": "imperial",
            "time_zone": "America/Chicago",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app"
    assert client.cookies.get(SESSION_COOKIE)
    assert client.cookies.get(CSRF_COOKIE)
    me = client.get("/api/v1/me").json()
    assert me["role"] == "patient"
    profile = client.get(f"/api/v1/patients/{me['id']}/profile").json()
    assert profile["units"] == "imperial"
    assert profile["time_zone"] == "America/Chicago"
    assert "Start the safety check" in client.get("/app").text


def test_sign_up_with_a_short_password_says_which_field_is_wrong(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={"display_name": "Ann", "email": "ann@example.org", "password": "short"},
    )
    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Use at least 10 characters." in response.text
    assert "String should" not in response.text  # no validator's wording reaches a patient


def test_sign_up_names_a_bad_email_and_a_short_password_at_once(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={"display_name": "Al", "email": "notanemail", "password": "shortpw"},
    )
    assert response.status_code == 422
    assert 'id="password-error"' in response.text
    assert 'id="email-error"' in response.text
    assert "not a valid email address" in response.text


def test_sign_up_with_an_unknown_invitation_code_creates_no_account(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={
            "display_name": "Ann",
            "email": "ann@example.org",
            "password": PASSWORD,
            "invitation_code": "ABCDE-23456",
        },
    )
    assert response.status_code == 422
    assert 'id="invitation_code-error">no invitation has this code<' in response.text
    assert 'value="ABCDE-23456"' in response.text
    again = client.post("/login", data={"email": "ann@example.org", "password": PASSWORD})
    assert again.status_code == 401


def test_sign_up_with_a_taken_email_says_so_beside_the_email(
    client: TestClient, make_user: MakeUser
) -> None:
    taken = make_user("patient")
    response = client.post(
        "/signup", data={"display_name": "Twin", "email": taken.email, "password": PASSWORD}
    )
    assert response.status_code == 422
    assert 'id="email-error">an account with this email already exists<' in response.text


def test_sign_in_goes_to_the_page_asked_for(client: TestClient, make_user: MakeUser) -> None:
    user = make_user("patient")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD, "next": "/app/progress"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/app/progress"


def test_a_clinician_lands_on_the_patient_list(client: TestClient, make_user: MakeUser) -> None:
    user = make_user("clinician")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD}, follow_redirects=False
    )
    assert response.headers["location"] == "/clinic"


def test_a_wrong_password_shows_the_form_again(client: TestClient, make_user: MakeUser) -> None:
    user = make_user("patient")
    response = client.post("/login", data={"email": user.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "Wrong email or password" in response.text


def test_sign_in_never_redirects_to_another_site() -> None:
    assert _safe_next("https://evil.example/", "/app") == "/app"
    assert _safe_next("//evil.example/x", "/app") == "/app"
    assert _safe_next("/app/progress", "/app") == "/app/progress"
    assert _safe_next("", "/clinic") == "/clinic"


def test_a_form_without_the_csrf_token_changes_nothing(patient_client: PatientClient) -> None:
    client = patient_client()
    start_program(client)
    response = client.post("/app/program/status", data={"status": "paused"})
    assert response.status_code == 422
    assert "Start guided session" in client.get("/app").text


def test_a_form_with_a_wrong_csrf_token_is_refused(patient_client: PatientClient) -> None:
    client = patient_client()
    response = client.post(
        "/app/program/status", data={"status": "paused", "csrf_token": "not-the-token"}
    )
    assert response.status_code == 403
    assert "expired" in response.text


def test_sign_out_ends_the_login(patient_client: PatientClient) -> None:
    client = patient_client()
    token = client.cookies.get(CSRF_COOKIE)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert response.headers["location"] == "/login"
    assert client.get("/app", follow_redirects=False).status_code == 303


def test_pages_allow_only_the_apps_own_scripts_and_are_never_cached(client: TestClient) -> None:
    response = client.get("/login")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_sign_up_puts_the_cursor_in_the_first_field_named_wrong(client: TestClient) -> None:
    response = client.post(
        "/signup",
        data={"display_name": "Al", "email": "notanemail", "password": "shortpw"},
    )
    fields = {
        name: re.search(rf'<input [^>]*id="{name}"[^>]*>', response.text)
        for name in ("email", "password")
    }
    assert all(fields.values())
    assert "autofocus" in fields["email"].group(0)  # type: ignore[union-attr]
    assert "autofocus" not in fields["password"].group(0)  # type: ignore[union-attr]


def test_a_failed_sign_in_puts_the_cursor_in_the_password_described_by_the_error(
    client: TestClient,
) -> None:
    response = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 12})
    password = re.search(r'<input [^>]*id="password"[^>]*>', response.text)
    assert password is not None
    assert "autofocus" in password.group(0)
    assert 'aria-describedby="login-error"' in password.group(0)
    assert 'id="login-error"' in response.text
