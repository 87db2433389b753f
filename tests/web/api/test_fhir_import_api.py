"""Importing a FHIR Bundle into a patient's records: same records, idempotent, all or nothing."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from retrowalk.exchange.fhir import records_from_bundle
from retrowalk.services.runtime import Runtime
from retrowalk.storage.flags import ClinicianFlag
from retrowalk.storage.outcomes import OutcomeAssessment
from retrowalk.storage.session_logs import SessionLog
from tests.services.exchange_setup import signed_in, small_history

API = "/api/v1"


def _counts(runtime: Runtime, patient_id: int) -> tuple[int, int]:
    with runtime.db.read() as session:
        logs = session.scalar(
            select(func.count(SessionLog.id)).where(SessionLog.patient_id == patient_id)
        )
        outcomes = session.scalar(
            select(func.count(OutcomeAssessment.id)).where(
                OutcomeAssessment.patient_id == patient_id
            )
        )
    return int(logs or 0), int(outcomes or 0)


def _import(client: TestClient, patient_id: int, text: str) -> Any:
    return client.post(
        f"{API}/patients/{patient_id}/import/fhir",
        files={"file": ("bundle.json", text.encode(), "application/fhir+json")},
    )


def _facts(text: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    records = records_from_bundle(text)
    sessions = [
        (s.started_at, s.backward_min, s.pain_before_nprs, s.pain_after_nprs, s.notes, s.steps)
        for s in records.sessions
    ]
    outcomes = [(o.instrument, o.assessed_at, o.score, o.items) for o in records.outcomes]
    return sessions, outcomes


def test_an_exported_bundle_imported_into_another_account_gives_the_same_records(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime, near_fall=True)
    exported = signed_in(app, history.patient).get(
        f"{API}/patients/{history.patient.id}/export/fhir"
    )
    other = signed_in(app, history.other_patient)
    response = _import(other, history.other_patient.id, exported.text)
    assert response.status_code == 200, response.text
    summary = response.json()
    assert (summary["sessions_imported"], summary["outcomes_imported"]) == (3, 2)
    again = other.get(f"{API}/patients/{history.other_patient.id}/export/fhir")
    assert _facts(again.text) == _facts(exported.text)
    with runtime.db.read() as session:
        flags = session.scalars(
            select(ClinicianFlag.detail).where(ClinicianFlag.patient_id == history.other_patient.id)
        ).all()
    assert len(flags) == 1
    assert flags[0].endswith("(imported)")


def test_importing_the_same_bundle_twice_adds_nothing(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    exported = client.get(f"{API}/patients/{history.patient.id}/export/fhir").text
    before = _counts(runtime, history.patient.id)
    response = _import(client, history.patient.id, exported)
    assert response.status_code == 200, response.text
    assert response.json()["sessions_already_stored"] == 3
    assert response.json()["outcomes_imported"] == 0
    assert _counts(runtime, history.patient.id) == before


def test_a_bundle_with_an_unknown_code_is_refused_and_nothing_is_stored(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    exported = signed_in(app, history.patient).get(
        f"{API}/patients/{history.patient.id}/export/fhir"
    )
    data = json.loads(exported.text)
    observation = next(
        e["resource"]
        for e in reversed(data["entry"])
        if e["resource"]["resourceType"] == "Observation"
    )
    observation["code"] = {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
    other = signed_in(app, history.other_patient)
    response = _import(other, history.other_patient.id, json.dumps(data))
    assert response.status_code == 422
    assert "unknown observation code http://loinc.org|8867-4" in response.json()["error"]["message"]
    assert _counts(runtime, history.other_patient.id) == (0, 0)


def test_a_score_that_does_not_match_its_responses_is_refused(
    app: FastAPI, runtime: Runtime
) -> None:
    history = small_history(runtime)
    exported = signed_in(app, history.patient).get(
        f"{API}/patients/{history.patient.id}/export/fhir"
    )
    data = json.loads(exported.text)
    for entry in data["entry"]:
        quantity = entry["resource"].get("valueQuantity")
        if quantity is not None:
            quantity["value"] = 9
    other = signed_in(app, history.other_patient)
    response = _import(other, history.other_patient.id, json.dumps(data))
    assert response.status_code == 422
    assert "does not match its responses" in response.json()["error"]["message"]
    assert _counts(runtime, history.other_patient.id) == (0, 0)


def test_malformed_json_is_refused_with_line_and_column(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    response = _import(client, history.patient.id, '{"resourceType": "Bundle",\n  "entry": [}')
    assert response.status_code == 422
    assert "line 2, column" in response.json()["error"]["message"]


def test_json_nested_too_deeply_is_refused_not_a_crash(app: FastAPI, runtime: Runtime) -> None:
    history = small_history(runtime)
    client = signed_in(app, history.patient)
    before = _counts(runtime, history.patient.id)
    response = _import(client, history.patient.id, "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 422
    assert "nests too deeply" in response.json()["error"]["message"]
    assert _counts(runtime, history.patient.id) == before
