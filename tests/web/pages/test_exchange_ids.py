"""Out-of-range ids in the exchange pages' addresses are refused (422), never looked up: a
23-digit id reached SQLite and failed there (500)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI

from retrowalk.services.runtime import Runtime
from tests.services.exchange_setup import small_history
from tests.web.pages.test_exchange_pages import cookie_client

HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("patient", f"/app/sessions/{HUGE}/recording"),
        ("patient", "/app/sessions/0/recording"),
        ("clinician", f"/clinic/patients/{HUGE}/data"),
        ("clinician", f"/clinic/patients/{HUGE}/sessions/1/recording"),
        ("clinician", f"/clinic/patients/1/sessions/{HUGE}/recording"),
    ],
)
def test_a_page_with_an_impossible_id_is_refused(
    app: FastAPI, runtime: Runtime, role: str, path: str
) -> None:
    history = small_history(runtime)
    user = history.patient if role == "patient" else history.clinician
    response = cookie_client(app, user).get(path)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
