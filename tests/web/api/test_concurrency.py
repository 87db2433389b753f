"""50 clients post session logs at once through a real server, resending some with the same
Idempotency-Key: each session is stored exactly once, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from retrowalk.services import accounts
from retrowalk.services.runtime import Runtime
from retrowalk.storage.programs import ProgramRevision
from retrowalk.storage.session_logs import IdempotencyKey, SessionLog
from tests.db_fixtures import PASSWORD, MakeUser, session_json, start_program
from tests.web.api.live_server import serving

CLIENTS = 50
DISTINCT_SESSIONS = 20
START = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)


def test_fifty_concurrent_clients_store_each_session_exactly_once(
    app: FastAPI, runtime: Runtime, make_user: MakeUser
) -> None:
    patient = make_user("patient")
    start_program(runtime, patient, START.date())
    token = accounts.login(runtime, patient.email, PASSWORD, kind="bearer").token
    barrier = threading.Barrier(CLIENTS)
    results: list[tuple[int, int, int | None]] = []
    lock = threading.Lock()

    def client(number: int, base_url: str) -> None:
        which = number % DISTINCT_SESSIONS
        body = session_json(START + dt.timedelta(hours=which))
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": f"session-{which}"}
        with httpx.Client(base_url=base_url, timeout=120) as http:
            barrier.wait(timeout=60)
            response = http.post(
                f"/api/v1/patients/{patient.id}/sessions", json=body, headers=headers
            )
        session_id = response.json()["session"]["id"] if response.status_code == 201 else None
        with lock:
            results.append((which, response.status_code, session_id))

    with serving(app) as base_url:
        threads = [
            threading.Thread(target=client, args=(number, base_url)) for number in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=180)

    assert len(results) == CLIENTS
    assert {status for _, status, _ in results} == {201}
    ids_per_session: dict[int, set[int | None]] = {}
    for which, _, session_id in results:
        ids_per_session.setdefault(which, set()).add(session_id)
    assert all(len(ids) == 1 for ids in ids_per_session.values())
    assert len({next(iter(ids)) for ids in ids_per_session.values()}) == DISTINCT_SESSIONS
    with runtime.db.read() as session:
        assert session.scalar(select(func.count(SessionLog.id))) == DISTINCT_SESSIONS
        assert session.scalar(select(func.count(IdempotencyKey.id))) == DISTINCT_SESSIONS
        # One progression revision per stored session, on top of the prescription.
        assert session.scalar(select(func.count(ProgramRevision.id))) == DISTINCT_SESSIONS + 1
