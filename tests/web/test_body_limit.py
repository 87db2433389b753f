"""The body ceiling holds for bodies sent without a length (chunked), not only declared ones."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retrowalk.web.app import create_app
from tests.db_fixtures import PASSWORD, MakeUser

LIMIT_BYTES = 64 * 1024
JSON = {"content-type": "application/json"}


@pytest.fixture
def small_limit_client(app: FastAPI) -> Iterator[TestClient]:
    limited = create_app(
        app.state.settings, runtime=app.state.runtime, max_request_bytes=LIMIT_BYTES
    )
    with TestClient(limited, raise_server_exceptions=False) as client:
        yield client


def _chunks(data: bytes, size: int = 8 * 1024) -> Iterator[bytes]:
    """A generator body: httpx sends it with Transfer-Encoding: chunked and no Content-Length."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _sign_in(client: TestClient, email: str) -> str:
    credentials = json.dumps({"email": email, "password": PASSWORD}).encode()
    response = client.post("/api/v1/auth/tokens", content=_chunks(credentials), headers=JSON)
    assert response.status_code == 201, response.text
    return str(response.json()["access_token"])


def test_a_chunked_body_within_the_limit_is_read_as_usual(
    small_limit_client: TestClient, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    assert _sign_in(small_limit_client, patient.email)


def test_a_chunked_body_past_the_limit_is_refused_with_413(
    small_limit_client: TestClient, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    token = _sign_in(small_limit_client, patient.email)
    sessions = f"/api/v1/patients/{patient.id}/sessions"
    padding = b'{"notes": "' + b"x" * (2 * LIMIT_BYTES) + b'"}'
    response = small_limit_client.post(
        sessions,
        content=_chunks(padding),
        headers={**JSON, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["field"] == "body"
    assert str(LIMIT_BYTES) in error["problem"]
    listed = small_limit_client.get(sessions, headers={"Authorization": f"Bearer {token}"})
    assert listed.json() == []


def test_a_chunked_form_upload_past_the_limit_is_refused_while_it_is_read(
    small_limit_client: TestClient,
) -> None:
    boundary = "retrowalk-test-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="walk.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode() + b"1" * (2 * LIMIT_BYTES)
    response = small_limit_client.post(
        "/api/v1/patients/1/sessions/1/recordings",
        content=_chunks(body),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["field"] == "body"
