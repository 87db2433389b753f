"""Authorization matrix: every endpoint x every role x someone else's record.

The world: patient P (profile, screening, program, a session with a safety flag, an outcome),
another patient Q with their own session, P's linked clinician C, an unlinked clinician U, an
admin A, and an anonymous caller. Each endpoint is called by each caller on P's records (and,
for record ids, through Q's path with P's record id). Expected: anonymous 401; a caller who may
not know the record 404; a role that never may 403; otherwise the request is served (any answer
that is not 401/403/404 and not a server error). A final check makes sure the table covers every
route of the service's API router (the data-exchange routes of issue 7, tagged ``exchange``,
are covered by that part's own tests).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retrowalk.services import invitations, outcomes, profiles
from retrowalk.services.inputs import OutcomeIn, PatientProfileIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.web.api import build_api_router
from tests.db_fixtures import (
    PASSWORD,
    ClientFor,
    MakeUser,
    log,
    prescription_json,
    screening_answers,
    session_json,
    start_program,
)

ROLES = ("anonymous", "patient", "other_patient", "linked_clinician", "unlinked_clinician", "admin")
SERVED = "served"


@dataclass(frozen=True)
class World:
    patient: int
    other: int
    session: int
    other_session: int
    flag: int
    link: int
    admin_target: int
    plan: dict[str, object]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    body: Callable[[World], object] | None
    expect: dict[str, object]
    single_use: bool = False
    """Once one caller has used the record (e.g. ended a link), the rest get 404."""


def health(*, patient: object = SERVED, clinician: object = SERVED) -> dict[str, object]:
    """Expectations for a patient's health record: only P and P's clinician get through."""
    return {
        "anonymous": 401,
        "patient": patient,
        "other_patient": 404,
        "linked_clinician": clinician,
        "unlinked_clinician": 404,
        "admin": 404,
    }


def roles(*allowed: str) -> dict[str, object]:
    """Expectations for role-scoped (not patient-scoped) endpoints."""
    table: dict[str, object] = dict.fromkeys(ROLES, 403)
    table["anonymous"] = 401
    for role in allowed:
        table[role] = SERVED
    return table


NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
P = "/api/v1/patients/{patient}"
MATRIX: list[Row] = [
    Row("GET", "/api/v1/me", None, roles(*ROLES[1:])),
    Row(
        "POST",
        "/api/v1/me/password",
        lambda w: {"current_password": "not the password", "new_password": "x" * 12},
        roles(*ROLES[1:]),
    ),
    Row("GET", "/api/v1/admin/users", None, roles("admin")),
    Row(
        "POST",
        "/api/v1/admin/users",
        lambda w: {
            "email": f"new{dt.datetime.now().timestamp()}@example.org",
            "password": PASSWORD,
            "display_name": "New",
            "role": "clinician",
        },
        roles("admin"),
    ),
    Row(
        "PATCH", "/api/v1/admin/users/{admin_target}", lambda w: {"is_active": True}, roles("admin")
    ),
    Row("GET", "/api/v1/clinician/overview", None, roles("linked_clinician", "unlinked_clinician")),
    Row(
        "GET",
        "/api/v1/clinician/invitations",
        None,
        roles("linked_clinician", "unlinked_clinician"),
    ),
    Row(
        "POST",
        "/api/v1/clinician/invitations",
        lambda w: {"note": "x"},
        roles("linked_clinician", "unlinked_clinician"),
    ),
    Row("GET", "/api/v1/links", None, roles(*ROLES[1:5])),
    Row(
        "POST",
        "/api/v1/links",
        lambda w: {"code": "AAAAA-22222"},
        roles("patient", "other_patient"),
    ),
    Row("GET", P + "/profile", None, health()),
    Row("PUT", P + "/profile", lambda w: {"units": "imperial"}, health()),
    Row("POST", P + "/screenings", lambda w: screening_answers(), health()),
    Row("GET", P + "/screenings", None, health()),
    Row("GET", P + "/summary", None, health()),
    Row(
        "GET", P + "/audit", None, health(clinician=403) | {"unlinked_clinician": 403, "admin": 403}
    ),
    Row("GET", P + "/program", None, health()),
    Row("GET", P + "/program/revisions", None, health()),
    Row(
        "PUT", P + "/program/plan", lambda w: {"plan": w.plan, "note": "edit"}, health(patient=403)
    ),
    Row("POST", P + "/program/status", lambda w: {"status": "paused"}, health(patient=SERVED)),
    Row(
        "POST",
        P + "/program",
        lambda w: prescription_json(NOW.date()),
        health(),
    ),
    Row("POST", P + "/sessions", lambda w: session_json(NOW), health()),
    Row("GET", P + "/sessions", None, health()),
    Row("GET", P + "/sessions/{session}", None, health()),
    Row(
        "PUT",
        P + "/sessions/{session}/next-morning-pain",
        lambda w: {"pain_next_morning": 2},
        health(),
    ),
    Row("POST", P + "/outcomes", lambda w: {"instrument": "nprs", "items": [3]}, health()),
    Row("GET", P + "/outcomes", None, health()),
    Row("POST", P + "/flags/{flag}/resolve", None, health(patient=403)),
    # Someone else's record through one's own path: P's session id under Q's patient path.
    Row(
        "GET",
        "/api/v1/patients/{other}/sessions/{session}",
        None,
        dict.fromkeys(ROLES[1:], 404) | {"anonymous": 401, "other_patient": 404},
    ),
    Row(
        "PUT",
        "/api/v1/patients/{other}/sessions/{session}/next-morning-pain",
        lambda w: {"pain_next_morning": 2},
        dict.fromkeys(ROLES[1:], 404) | {"anonymous": 401},
    ),
    Row(
        "GET",
        P + "/sessions/{other_session}",
        None,
        health(patient=404, clinician=404),
    ),
    # Last: ending the link removes the clinician's access (either side may end it, once).
    Row(
        "DELETE",
        "/api/v1/links/{link}",
        None,
        roles()
        | {
            "patient": SERVED,
            "linked_clinician": SERVED,
            "other_patient": 404,
            "unlinked_clinician": 404,
        },
        single_use=True,
    ),
    # last: it signs the other patient (the admin's target) out everywhere
    Row(
        "PUT",
        "/api/v1/admin/users/{admin_target}/password",
        lambda w: {"new_password": PASSWORD},
        roles("admin"),
    ),
]


def _world(runtime: Runtime, make_user: MakeUser) -> tuple[World, dict[str, int]]:
    patient, other = make_user("patient"), make_user("patient")
    clinician, stranger, admin = make_user("clinician"), make_user("clinician"), make_user("admin")
    code = invitations.create_invitation(runtime, Actor(clinician.id, "clinician")).code
    link = invitations.accept_invitation(runtime, Actor(patient.id, "patient"), code)
    profiles.put_profile(runtime, Actor(patient.id, "patient"), patient.id, PatientProfileIn())
    start_program(runtime, patient)
    logged = log(runtime, patient, runtime.now(), safety_events=["near_fall"])
    other_logged = log(runtime, other, runtime.now())
    outcomes.record_outcome(
        runtime, Actor(patient.id, "patient"), patient.id, OutcomeIn(instrument="nprs", items=[4])
    )
    from retrowalk.services.overview import clinician_overview

    (line,) = clinician_overview(runtime, Actor(clinician.id, "clinician"))
    flag_id = next(f.id for f in line.flags if f.id is not None)
    assert logged.program is not None
    world = World(
        patient=patient.id,
        other=other.id,
        session=logged.session.id,
        other_session=other_logged.session.id,
        flag=flag_id,
        link=link.id,
        admin_target=other.id,
        plan=dict(logged.program.plan),
    )
    ids = {
        "patient": patient.id,
        "other_patient": other.id,
        "linked_clinician": clinician.id,
        "unlinked_clinician": stranger.id,
        "admin": admin.id,
    }
    return world, ids


def _path(row: Row, world: World) -> str:
    return row.path.format(
        patient=world.patient,
        other=world.other,
        session=world.session,
        other_session=world.other_session,
        flag=world.flag,
        link=world.link,
        admin_target=world.admin_target,
    )


def _matches(expected: object, status: int) -> bool:
    if expected == SERVED:
        return status not in (401, 403, 404) and status < 500
    return status == expected


def test_every_endpoint_answers_every_role_as_the_rules_say(
    runtime: Runtime, make_user: MakeUser, client: TestClient, client_for: ClientFor
) -> None:
    world, ids = _world(runtime, make_user)
    from retrowalk.services.accounts import all_users

    users = {user.id: user for user in all_users(runtime)}
    callers: dict[str, TestClient] = {"anonymous": client}
    for role, user_id in ids.items():
        callers[role] = client_for(users[user_id])
    mismatches = []
    for row in MATRIX:
        body = row.body(world) if row.body is not None else None
        # Callers who must be refused go first, so an allowed write cannot hide a leak.
        order = sorted(ROLES, key=lambda role: row.expect[role] == SERVED)
        used = False
        for role in order:
            response = callers[role].request(row.method, _path(row, world), json=body)
            expected = 404 if used and row.expect[role] == SERVED else row.expect[role]
            used = used or (row.single_use and expected == SERVED)
            if not _matches(expected, response.status_code):
                mismatches.append(
                    f"{row.method} {row.path} as {role}: {response.status_code}, "
                    f"expected {row.expect[role]}"
                )
    assert mismatches == [], "\n".join(mismatches)


def test_refused_callers_change_nothing_and_see_nothing(
    runtime: Runtime, make_user: MakeUser, client_for: ClientFor
) -> None:
    world, ids = _world(runtime, make_user)
    from retrowalk.services.accounts import all_users

    users = {user.id: user for user in all_users(runtime)}
    stranger = client_for(users[ids["unlinked_clinician"]])
    admin = client_for(users[ids["admin"]])
    owner = client_for(users[ids["patient"]])
    before = owner.get(f"/api/v1/patients/{world.patient}/sessions").json()
    for caller in (stranger, admin):
        response = caller.post(f"/api/v1/patients/{world.patient}/sessions", json=session_json(NOW))
        assert response.status_code == 404
        assert str(world.patient) not in caller.get("/api/v1/clinician/overview").text
    after = owner.get(f"/api/v1/patients/{world.patient}/sessions").json()
    assert after == before
    listed = admin.get("/api/v1/admin/users").json()
    assert all(
        set(user) <= {"id", "email", "display_name", "role", "is_active", "created_at"}
        for user in listed
    )


def test_the_matrix_covers_every_route_of_the_api() -> None:
    covered = {(row.method, row.path.replace("{patient}", "{patient_id}")) for row in MATRIX}
    only_the_api = FastAPI()
    only_the_api.include_router(build_api_router())
    routes = {
        (method.upper(), path)
        for path, operations in only_the_api.openapi()["paths"].items()
        for method, operation in operations.items()
        if "exchange" not in operation.get("tags", [])  # issue 7's routes: its own tests
    }
    normalized = {
        (
            method,
            path.replace("{session_id}", "{session}")
            .replace("{flag_id}", "{flag}")
            .replace("{link_id}", "{link}")
            .replace("{user_id}", "{admin_target}"),
        )
        for method, path in routes
    }
    public = {
        ("POST", "/api/v1/auth/signup"),
        ("POST", "/api/v1/auth/login"),
        ("POST", "/api/v1/auth/tokens"),
        ("POST", "/api/v1/auth/logout"),  # tested in test_auth.py
    }
    missing = normalized - covered - public
    assert missing == set()


@pytest.mark.parametrize(
    "path", ["/api/v1/auth/signup", "/api/v1/auth/login", "/api/v1/auth/tokens"]
)
def test_the_public_endpoints_are_the_sign_up_and_login_ones(client: TestClient, path: str) -> None:
    assert client.post(path, json={}).status_code == 422
