"""The admin's accounts page: sign-in lands there; add, deactivate, set a password; no one else."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from retrowalk.services import accounts
from retrowalk.services.runtime import Runtime
from retrowalk.web.security import CSRF_COOKIE
from tests.db_fixtures import PASSWORD, ClientFor, MakeUser

NEW_PASSWORD = "a brand new passphrase"


def _csrf(client: TestClient) -> str:
    return client.cookies.get(CSRF_COOKIE) or ""


def test_an_admin_signs_in_to_the_accounts_page(client: TestClient, make_user: MakeUser) -> None:
    admin, patient = make_user("admin"), make_user("patient")
    signed_in = client.post(
        "/login", data={"email": admin.email, "password": PASSWORD}, follow_redirects=False
    )
    assert signed_in.headers["location"] == "/admin"
    page = client.get("/admin")
    assert page.status_code == 200
    assert patient.email in page.text
    home = client.get("/", follow_redirects=False)
    assert home.headers["location"] == "/admin"  # no redirect loop


def _add_clinician(admin: TestClient, password: str) -> Response:
    data = {
        "csrf_token": _csrf(admin),
        "display_name": "Dr. New",
        "email": "new@clinic.example",
        "role": "clinician",
        "password": password,
    }
    return admin.post("/admin/accounts", data=data, follow_redirects=False)


def test_an_admin_adds_a_clinician_who_can_sign_in(client_for: ClientFor, runtime: Runtime) -> None:
    added = _add_clinician(client_for("admin", auth="cookie"), NEW_PASSWORD)
    assert added.status_code == 303, added.text
    assert accounts.login(runtime, "new@clinic.example", NEW_PASSWORD, kind="bearer").token


def test_a_short_first_password_is_named_beside_its_field(client_for: ClientFor) -> None:
    response = _add_clinician(client_for("admin", auth="cookie"), "short")
    assert response.status_code == 422
    assert 'id="password-error"' in response.text


def test_an_admin_deactivates_and_sets_a_password_signing_the_account_out(
    client_for: ClientFor, make_user: MakeUser, runtime: Runtime
) -> None:
    patient = make_user("patient")
    phone = client_for(patient)
    admin = client_for("admin", auth="cookie")
    url = f"/admin/accounts/{patient.id}"
    reset = admin.post(
        f"{url}/password",
        data={"csrf_token": _csrf(admin), "new_password": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert reset.status_code == 303
    assert phone.get("/api/v1/me").status_code == 401
    assert accounts.login(runtime, patient.email, NEW_PASSWORD, kind="bearer").token
    off = admin.post(
        f"{url}/active", data={"csrf_token": _csrf(admin), "active": "no"}, follow_redirects=False
    )
    assert off.status_code == 303
    assert "deactivated" in admin.get("/admin").text


@pytest.mark.parametrize("role", ["patient", "clinician"])
def test_only_admins_reach_the_accounts_page_and_its_forms(
    client_for: ClientFor, make_user: MakeUser, runtime: Runtime, role: str
) -> None:
    target = make_user("patient")
    other = client_for(role, auth="cookie")
    assert other.get("/admin").status_code == 403
    forged = other.post(
        f"/admin/accounts/{target.id}/password",
        data={"csrf_token": _csrf(other), "new_password": NEW_PASSWORD},
    )
    assert forged.status_code == 403
    assert accounts.login(runtime, target.email, PASSWORD, kind="bearer").token


def test_the_admin_forms_need_the_pages_csrf_token(
    client_for: ClientFor, make_user: MakeUser, runtime: Runtime
) -> None:
    target = make_user("patient")
    admin = client_for("admin", auth="cookie")
    forged = admin.post(
        f"/admin/accounts/{target.id}/active", data={"csrf_token": "forged", "active": "no"}
    )
    assert forged.status_code == 403
    assert accounts.login(runtime, target.email, PASSWORD, kind="bearer").token
