"""Property-based fuzzing of the whole OpenAPI schema with schemathesis: no server errors.

Every operation in ``/api/v1/openapi.json`` gets generated requests (valid and invalid bodies,
parameters and headers) from a signed-in caller who may use it (admin for ``/admin``, a
clinician for ``/clinician`` and clinician-only patient actions, otherwise the patient), with
the path's patient id set to that patient so requests reach the services and the database.
Bounded: a few examples per operation, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from retrowalk.services import accounts, invitations
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.views import UserView
from tests.db_fixtures import PASSWORD, MakeUser, log, start_program

CLINICIAN_ONLY = ("/program/plan", "/resolve")
EXAMPLES = 4


@pytest.fixture
def fuzz_world(runtime: Runtime, make_user: MakeUser) -> dict[str, Any]:
    patient, clinician, admin = make_user("patient"), make_user("clinician"), make_user("admin")
    code = invitations.create_invitation(runtime, Actor(clinician.id, "clinician")).code
    invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)
    start_program(runtime, patient)
    log(runtime, patient, runtime.now())
    return {"patient": patient, "clinician": clinician, "admin": admin}


def _caller(path: str, world: dict[str, Any]) -> UserView:
    if path.startswith("/api/v1/admin"):
        return world["admin"]  # type: ignore[no-any-return]
    if path.startswith("/api/v1/clinician") or any(part in path for part in CLINICIAN_ONLY):
        return world["clinician"]  # type: ignore[no-any-return]
    return world["patient"]  # type: ignore[no-any-return]


def _fuzzer(
    operation: Any, mode: GenerationMode, token: str, patient_id: int, failures: list[str]
) -> Callable[[], None]:
    """A hypothesis test sending generated requests for one operation; records 5xx answers."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case: Any) -> None:
        if case.path_parameters and "patient_id" in case.path_parameters:
            case.path_parameters["patient_id"] = patient_id
        headers = {"Authorization": f"Bearer {token}"}
        if "logout" in case.path:
            headers = {}  # keep the shared token alive
        response = case.call(headers=headers)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: {case.body!r:.300}"
            )

    return fuzz  # type: ignore[no-any-return]


def test_no_request_causes_a_server_error(
    app: FastAPI, runtime: Runtime, fuzz_world: dict[str, Any]
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    tokens = {
        role: accounts.login(runtime, user.email, PASSWORD, kind="bearer").token
        for role, user in fuzz_world.items()
    }
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    for operation in operations:
        caller = _caller(operation.path, fuzz_world)
        token = tokens[caller.role]
        patient_id = fuzz_world["patient"].id
        for mode in GenerationMode:
            try:
                _fuzzer(operation, mode, token, patient_id, failures)()
            except Unsatisfiable:
                # Nothing to make invalid (no body or parameters) in negative mode.
                assert mode is GenerationMode.NEGATIVE
    assert failures == [], "\n".join(failures[:20])
