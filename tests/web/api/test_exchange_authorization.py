"""Authorization matrix of the data-exchange routes: every route x every role.

The service's own matrix (``test_authorization_matrix.py``) leaves the routes tagged
``exchange`` to this one. Expected: anonymous 401; a caller who may not know the patient 404;
a role that never may 403; otherwise served (anything but 401/403/404 and server errors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from retrowalk.exchange.fhir import bundle_from_records, bundle_to_json
from retrowalk.services import accounts
from retrowalk.services.runtime import Runtime
from retrowalk.web.api import build_api_router
from tests.exchange.samples import sample_records
from tests.exchange.watch_files import gpx_text
from tests.services.exchange_setup import PASSWORD, History, imu_csv_bytes, signed_in, small_history

SERVED = "served"
GENERATED_AT = dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
ROLES = ("anonymous", "patient", "other_patient", "linked_clinician", "unlinked_clinician", "admin")
HEALTH: dict[str, object] = {
    "anonymous": 401,
    "patient": SERVED,
    "other_patient": 404,
    "linked_clinician": SERVED,
    "unlinked_clinician": 404,
    "admin": 404,
}
PATIENT_ONLY: dict[str, object] = {
    "anonymous": 401,
    "patient": SERVED,
    "other_patient": 404,
    "linked_clinician": 403,
    "unlinked_clinician": 403,
    "admin": 403,
}
CLINICIANS: dict[str, object] = {
    "anonymous": 401,
    "patient": 403,
    "other_patient": 403,
    "linked_clinician": SERVED,
    "unlinked_clinician": SERVED,
    "admin": 403,
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expect: dict[str, object]
    send: Callable[[History, Path], dict[str, Any]] = lambda _h, _t: {}


def _recording(_history: History, tmp_path: Path) -> dict[str, Any]:
    return {"files": {"file": ("walk.csv", imu_csv_bytes(tmp_path, walk_s=15), "text/csv")}}


def _gpx(_history: History, _tmp_path: Path) -> dict[str, Any]:
    return {"files": {"file": ("walk.gpx", gpx_text(points=5).encode(), "application/gpx")}}


def _bundle(_history: History, _tmp_path: Path) -> dict[str, Any]:
    text = bundle_to_json(bundle_from_records(sample_records(), generated_at=GENERATED_AT))
    return {"files": {"file": ("bundle.json", text.encode(), "application/fhir+json")}}


TABLE = (
    Row("GET", "/patients/{P}/export/fhir", HEALTH),
    Row("GET", "/patients/{P}/export/csv?kind=sessions", HEALTH),
    Row("GET", "/clinician/export/csv?kind=outcomes", CLINICIANS),
    Row("GET", "/patients/{P}/export/csv?kind=bouts", HEALTH),
    Row("GET", "/clinician/export/csv?kind=bouts", CLINICIANS),
    Row("GET", "/patients/{P}/report.pdf?start=2026-01-01&end=2026-01-31", HEALTH),
    Row("POST", "/patients/{P}/calendar-url", PATIENT_ONLY),
    Row("DELETE", "/patients/{P}/calendar-url", PATIENT_ONLY),
    Row("POST", "/patients/{P}/sessions/{S}/recordings", HEALTH, _recording),
    Row("GET", "/patients/{P}/sessions/{S}/recordings", HEALTH),
    Row("POST", "/patients/{P}/watch-imports", HEALTH, _gpx),
    Row("POST", "/patients/{P}/import/fhir", HEALTH, _bundle),
    Row("GET", "/patients/{P}/personal-data", PATIENT_ONLY),
    Row(
        "POST",
        "/patients/{P}/account-deletion",
        PATIENT_ONLY,
        lambda _h, _t: {"json": {"password": "not the password"}},
    ),
)


def _clients(app: FastAPI, runtime: Runtime, history: History) -> dict[str, TestClient]:
    unlinked = accounts.create_user(
        runtime, None, "other.pt@example.org", PASSWORD, "Dr. Unlinked", "clinician"
    )
    admin = accounts.create_user(runtime, None, "admin@example.org", PASSWORD, "Admin", "admin")
    return {
        "anonymous": TestClient(app, raise_server_exceptions=False),
        "patient": signed_in(app, history.patient),
        "other_patient": signed_in(app, history.other_patient),
        "linked_clinician": signed_in(app, history.clinician),
        "unlinked_clinician": signed_in(app, unlinked),
        "admin": signed_in(app, admin),
    }


def test_every_exchange_route_answers_every_role_as_the_rules_say(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    clients = _clients(app, runtime, history)
    wrong: list[str] = []
    for row in TABLE:
        path = "/api/v1" + row.path.replace("{P}", str(history.patient.id)).replace(
            "{S}", str(history.sessions[0].id)
        )
        for role in ROLES:
            response = clients[role].request(row.method, path, **row.send(history, tmp_path))
            expected = row.expect[role]
            got = response.status_code
            served = got not in (401, 403, 404) and got < 500
            if (expected == SERVED and not served) or (expected != SERVED and got != expected):
                wrong.append(f"{row.method} {row.path} as {role}: {got} (expected {expected})")
    assert wrong == []


def test_the_table_covers_every_exchange_route() -> None:
    only_the_api = FastAPI()
    only_the_api.include_router(build_api_router())
    routes = {
        (method.upper(), path.removeprefix("/api/v1"))
        for path, operations in only_the_api.openapi()["paths"].items()
        for method, operation in operations.items()
        if "exchange" in operation.get("tags", [])
    }
    covered = {
        (
            row.method,
            row.path.split("?")[0].replace("{P}", "{patient_id}").replace("{S}", "{session_id}"),
        )
        for row in TABLE
    }
    public = {("GET", "/calendar/{token}.ics")}  # the secret URL is the credential (own tests)
    assert routes == covered | public
