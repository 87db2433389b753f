"""Out-of-range ids in the exchange pages' addresses are refused (422), never looked up: a
23-digit id reached SQLite and failed there (500)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from retrowalk.services.runtime import Runtime
from tests.services.exchange_setup import small_history
from tests.web.pages.test_exchange_pages import cookie_client

HUGE = "99999999999999999999999"


@pytest.mark.parametrize("path", [f"/app/sessions/{HUGE}/recording", "/app/sessions/0/recording"])
def test_a_patient_page_with_an_impossible_session_id_is_not_found(
    app: FastAPI, runtime: Runtime, path: str
) -> None:
    history = small_history(runtime)
    response = cookie_client(app, history.patient).get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path",
    [
        f"/clinic/patients/{HUGE}/data",
        f"/clinic/patients/{HUGE}/sessions/1/recording",
        f"/clinic/patients/1/sessions/{HUGE}/recording",
    ],
)
def test_a_clinician_page_with_an_impossible_id_is_not_found(
    app: FastAPI, runtime: Runtime, path: str
) -> None:
    history = small_history(runtime)
    response = cookie_client(app, history.clinician).get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
