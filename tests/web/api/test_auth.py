"""API authentication: cookie + CSRF for browsers, bearer tokens, rate limit, no leaked secrets."""

from __future__ import annotations

from fastapi.testclient import TestClient

from retrowalk.services.runtime import Runtime
from retrowalk.web.security import CSRF_HEADER
from tests.db_fixtures import PASSWORD, ClientFor, MakeUser

SECRET_KEYS = ("password", "password_hash", "token_hash", "csrf_hash", "code_hash")


def _no_secrets(value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert key not in SECRET_KEYS
            _no_secrets(item)
    elif isinstance(value, list):
        for item in value:
            _no_secrets(item)


def test_sign_up_returns_the_account_without_secrets(client: TestClient) -> None:
    response = client.post(
        "/api/v1/auth/signup",
        json={"email": "ann@example.org", "password": PASSWORD, "display_name": "Ann"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["role"] == "patient"
    _no_secrets(body)
    assert PASSWORD not in response.text


def test_a_browser_login_sets_a_secure_httponly_cookie_and_returns_a_csrf_token(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user("patient")
    response = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("retrowalk_session="))
    assert "HttpOnly" in session
    assert "samesite=lax" in session.lower()
    assert "retrowalk_session" not in response.text
    assert response.json()["csrf_token"]
    assert client.get("/api/v1/me").json()["id"] == user.id


def test_cookie_writes_need_the_csrf_header(client: TestClient, make_user: MakeUser) -> None:
    user = make_user("patient")
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    url = f"/api/v1/patients/{user.id}/profile"
    refused = client.put(url, json={"units": "imperial"})
    assert refused.status_code == 403
    assert CSRF_HEADER in refused.json()["error"]["message"]
    wrong = client.put(url, json={"units": "imperial"}, headers={CSRF_HEADER: "guess"})
    assert wrong.status_code == 403
    accepted = client.put(
        url, json={"units": "imperial"}, headers={CSRF_HEADER: login.json()["csrf_token"]}
    )
    assert accepted.status_code == 200


def test_bearer_tokens_need_no_csrf_header(client_for: ClientFor) -> None:
    patient = client_for("patient")
    response = patient.put(
        f"/api/v1/patients/{patient.user.id}/profile", json={"time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 200


def test_without_credentials_the_answer_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}).status_code == 401


def test_logout_revokes_the_token(client_for: ClientFor) -> None:
    patient = client_for("patient")
    assert patient.post("/api/v1/auth/logout").status_code == 204
    assert patient.get("/api/v1/me").status_code == 401


def test_repeated_failed_logins_are_rate_limited(
    client: TestClient, make_user: MakeUser, runtime: Runtime
) -> None:
    user = make_user("patient")
    wrong = {"email": user.email, "password": "not the password"}
    for _ in range(runtime.settings.login_max_failures):
        assert client.post("/api/v1/auth/tokens", json=wrong).status_code == 401
    limited = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) > 0
    assert limited.json()["error"]["type"] == "rate_limited"


def test_account_listings_carry_no_secrets(client_for: ClientFor, make_user: MakeUser) -> None:
    make_user("patient")
    admin = client_for("admin")
    response = admin.get("/api/v1/admin/users")
    assert response.status_code == 200
    _no_secrets(response.json())
    assert "$argon2" not in response.text


def test_a_deleted_accounts_cookie_and_tokens_stop_working(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user("patient")
    token = client.post(
        "/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD}
    ).json()["access_token"]
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    url = f"/api/v1/patients/{user.id}/account-deletion"
    assert client.post(url, json={"password": PASSWORD}).status_code == 403
    deleted = client.post(
        url, json={"password": PASSWORD}, headers={CSRF_HEADER: login.json()["csrf_token"]}
    )
    assert deleted.status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).status_code == 401
    assert client.get(f"/api/v1/patients/{user.id}/sessions", headers=bearer).status_code == 401
    again = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert again.status_code == 401


NEW_PASSWORD = "a brand new passphrase"


def test_changing_the_password_keeps_this_login_and_ends_the_others(
    client: TestClient, client_for: ClientFor, make_user: MakeUser
) -> None:
    user = make_user("patient")
    phone = client_for(user)  # a bearer token elsewhere
    login = client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    changed = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers={CSRF_HEADER: login.json()["csrf_token"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {"ended_logins": 1}
    assert client.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 401
    again = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert again.status_code == 401


def test_a_cookie_password_change_needs_the_csrf_header(
    client: TestClient, make_user: MakeUser
) -> None:
    user = make_user("patient")
    client.post("/api/v1/auth/login", json={"email": user.email, "password": PASSWORD})
    forged = client.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert forged.status_code == 403
    kept = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": PASSWORD})
    assert kept.status_code == 201


def test_guessing_the_current_password_is_rate_limited_like_sign_in(
    client_for: ClientFor, runtime: Runtime
) -> None:
    thief = client_for("patient")  # a stolen login trying to take the account over
    wrong = {"current_password": "a guess at it", "new_password": NEW_PASSWORD}
    for _ in range(runtime.settings.login_max_failures):
        response = thief.post("/api/v1/me/password", json=wrong)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "current_password"
    right = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert thief.post("/api/v1/me/password", json=right).status_code == 429


def test_an_admin_sets_a_forgotten_password(client_for: ClientFor, make_user: MakeUser) -> None:
    patient = make_user("patient")
    signed_in = client_for(patient)
    admin = client_for("admin")
    url = f"/api/v1/admin/users/{patient.id}/password"
    response = admin.put(url, json={"new_password": NEW_PASSWORD})
    assert response.status_code == 200, response.text
    _no_secrets(response.json())
    assert signed_in.get("/api/v1/me").status_code == 401
    assert signed_in.put(url, json={"new_password": NEW_PASSWORD}).status_code == 401


def test_a_clinician_cannot_set_a_patients_password(
    client_for: ClientFor, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    clinician = client_for("clinician")
    url = f"/api/v1/admin/users/{patient.id}/password"
    assert clinician.put(url, json={"new_password": NEW_PASSWORD}).status_code == 403
    assert client_for(patient).get("/api/v1/me").status_code == 200


def test_guessing_the_password_through_account_deletion_is_rate_limited(
    client_for: ClientFor, runtime: Runtime
) -> None:
    thief = client_for("patient")
    url = f"/api/v1/patients/{thief.user.id}/account-deletion"  # type: ignore[attr-defined]
    for _ in range(runtime.settings.login_max_failures):
        assert thief.post(url, json={"password": "a guess at it"}).status_code == 422
    assert thief.post(url, json={"password": PASSWORD}).status_code == 429
    assert thief.get("/api/v1/me").status_code == 200  # the account is still there


def test_a_password_set_with_surrounding_spaces_works_in_every_entry_point(
    client: TestClient, client_for: ClientFor, make_user: MakeUser
) -> None:
    user = make_user("patient")
    page = client_for(user, auth="cookie")
    spaced = "  " + NEW_PASSWORD + "  "
    changed = page.post(
        "/account/password",
        data={
            "csrf_token": page.cookies.get("retrowalk_csrf") or "",
            "current_password": PASSWORD,
            "new_password": spaced,
            "new_password_again": spaced,
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    for typed in (spaced, NEW_PASSWORD):
        token = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": typed})
        assert token.status_code == 201, typed
        form = client.post(
            "/login", data={"email": user.email, "password": typed}, follow_redirects=False
        )
        assert form.status_code == 303, typed


def test_after_an_admin_sets_a_new_password_the_person_can_sign_in_at_once(
    client: TestClient, client_for: ClientFor, make_user: MakeUser, runtime: Runtime
) -> None:
    patient = make_user("patient")
    wrong = {"email": patient.email, "password": "not the password"}
    for _ in range(runtime.settings.login_max_failures):  # someone locked the account out
        assert client.post("/api/v1/auth/tokens", json=wrong).status_code == 401
    admin = client_for("admin")
    url = f"/api/v1/admin/users/{patient.id}/password"
    assert admin.put(url, json={"new_password": NEW_PASSWORD}).status_code == 200
    fresh = {"email": patient.email, "password": NEW_PASSWORD}
    assert client.post("/api/v1/auth/tokens", json=fresh).status_code == 201
