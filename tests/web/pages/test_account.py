"""Sign-up, sign-in and the pages' CSRF check."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from retrowalk.web.pages.account import _safe_next
from retrowalk.web.security import CSRF_COOKIE, SESSION_COOKIE
from tests.db_fixtures import PASSWORD, ClientFor, MakeUser
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


NEW_PASSWORD = "a brand new passphrase"


def _change(client: TestClient, **fields: str) -> Any:
    data = {
        "csrf_token": client.cookies.get(CSRF_COOKIE) or "",
        "current_password": PASSWORD,
        "new_password": NEW_PASSWORD,
        "new_password_again": NEW_PASSWORD,
    }
    return client.post("/account/password", data=data | fields, follow_redirects=False)


def test_a_patient_changes_their_password_and_stays_signed_in_here_only(
    patient_client: PatientClient, client_for: ClientFor
) -> None:
    client = patient_client()
    elsewhere = client_for(client.user, auth="cookie")  # type: ignore[attr-defined]
    assert 'href="/account/password"' in client.get("/app/profile").text
    response = _change(client)
    assert response.status_code == 303
    assert response.headers["location"] == "/account/password?done=password"
    assert "Your password is changed" in client.get(response.headers["location"]).text
    assert client.get("/app", follow_redirects=False).status_code == 200
    assert elsewhere.get("/app", follow_redirects=False).status_code == 303  # signed out
    signed_in = client.post(
        "/login",
        data={"email": client.user.email, "password": NEW_PASSWORD},  # type: ignore[attr-defined]
        follow_redirects=False,
    )
    assert signed_in.status_code == 303


def test_a_clinician_finds_the_password_page_in_the_menu(
    client_for: ClientFor,
) -> None:
    clinician = client_for("clinician", auth="cookie")
    assert 'href="/account/password"' in clinician.get("/clinic").text
    assert _change(clinician).status_code == 303


def test_a_wrong_current_password_is_named_beside_its_field(
    patient_client: PatientClient,
) -> None:
    client = patient_client()
    response = _change(client, current_password="not my password")
    assert response.status_code == 422
    field = re.search(r'<input [^>]*id="current_password"[^>]*>', response.text)
    assert field is not None
    assert 'aria-invalid="true"' in field.group(0)
    assert "autofocus" in field.group(0)
    assert "This is not your current password." in response.text
    assert NEW_PASSWORD not in response.text
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"new_password": "short", "new_password_again": "short"}, "new_password", "Use at least"),
        ({"new_password_again": "something else"}, "new_password_again", "does not match"),
        ({"new_password": PASSWORD, "new_password_again": PASSWORD}, "new_password", "different"),
        ({"current_password": ""}, "current_password", "Please fill this in."),
    ],
)
def test_a_new_password_that_cannot_be_used_changes_nothing(
    patient_client: PatientClient, fields: dict[str, str], field: str, problem: str
) -> None:
    client = patient_client()
    response = _change(client, **fields)
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert problem in response.text
    login = client.post(
        "/login",
        data={"email": client.user.email, "password": PASSWORD},  # type: ignore[attr-defined]
        follow_redirects=False,
    )
    assert login.status_code == 303


def test_the_password_form_needs_the_pages_csrf_token(patient_client: PatientClient) -> None:
    client = patient_client()
    response = _change(client, csrf_token="not-the-token")
    assert response.status_code == 403
    assert (
        client.post(
            "/api/v1/auth/tokens",
            json={"email": client.user.email, "password": PASSWORD},  # type: ignore[attr-defined]
        ).status_code
        == 201
    )


def test_the_sign_in_page_says_how_to_get_a_forgotten_password_reset(client: TestClient) -> None:
    assert "Forgot your password?" in client.get("/login").text


@pytest.mark.parametrize("header", ["origin", "referer"])
def test_another_site_cannot_sign_a_browser_in_to_its_account(
    client: TestClient, make_user: MakeUser, header: str
) -> None:
    attacker = make_user("patient")
    forged = client.post(
        "/login",
        data={"email": attacker.email, "password": PASSWORD},
        headers={header: "https://evil.example/login.html"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert not client.cookies.get(SESSION_COOKIE)
    signup = client.post(
        "/signup",
        data={"display_name": "Mallory", "email": "m@example.org", "password": PASSWORD},
        headers={header: "null" if header == "origin" else "https://evil.example/"},
        follow_redirects=False,
    )
    assert signup.status_code == 403
    assert not client.cookies.get(SESSION_COOKIE)


def test_the_sites_own_sign_in_form_is_accepted_with_its_origin(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user("patient")
    response = client.post(
        "/login",
        data={"email": user.email, "password": PASSWORD},
        headers={"origin": "http://testserver"},
        follow_redirects=False,
    )
    assert response.status_code == 303
