"""Every page, with the stylesheet and scripts it loads, stays under 150 KB (issue 5)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.web.pages.conftest import csrf, log_body, start_program

PAGE_BUDGET_BYTES = 150 * 1024
ASSET = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def page_bytes(client: TestClient, path: str) -> int:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    total = len(response.content)
    for asset in set(ASSET.findall(response.text)):
        total += len(client.get(asset).content)
    return total


def test_every_page_is_under_the_weight_budget(
    client_for: Callable[..., TestClient], client: TestClient
) -> None:
    clinician = client_for("clinician", auth="cookie")
    patient = client_for("patient", auth="cookie")
    code_page = clinician.post("/clinic/invite", data={"csrf_token": csrf(clinician)})
    code = re.search(r"data-invitation-code>([A-Z0-9-]+)<", code_page.text)
    assert code
    patient.post("/app/link", data={"csrf_token": csrf(patient), "code": code.group(1)})
    start_program(patient)
    assert page_bytes(patient, "/app/session") < PAGE_BUDGET_BYTES
    me = patient.get("/api/v1/me").json()
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=60)
    for day in range(0, 60, 2):
        patient.post(
            f"/api/v1/patients/{me['id']}/sessions",
            json=log_body(start + dt.timedelta(days=day), notes="a note " * 20),
        )
    for path in ("/", "/login", "/signup"):
        assert page_bytes(client, path) < PAGE_BUDGET_BYTES, path
    for path in (
        "/app",
        "/app/progress",
        "/app/screening",
        "/app/questionnaires",
        "/app/questionnaires/rmdq",
        "/app/questionnaires/odi",
    ):
        assert page_bytes(patient, path) < PAGE_BUDGET_BYTES, path
    for path in ("/clinic", f"/clinic/patients/{me['id']}", "/clinic/invite"):
        assert page_bytes(clinician, path) < PAGE_BUDGET_BYTES, path
