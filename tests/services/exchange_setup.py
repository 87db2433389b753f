"""Set-up shared by the exchange service and API tests: a small history, signed-in clients.

Everything goes through the real use cases (sign-up with a clinician's invitation, profile,
screening, prescription, session logs, outcomes), with the clock set back so the history lies
in the past, as ``retrowalk serve --demo`` builds its data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient

from retrowalk.gait.io.retrowalk_csv import write_retrowalk_csv
from retrowalk.gait.resample import build_recording
from retrowalk.services import accounts, invitations, outcomes, profiles, programs, screenings
from retrowalk.services.demo import _cleared_answers
from retrowalk.services.inputs import OutcomeIn, PatientProfileIn, PrescriptionIn, SessionLogIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.session_logs import log_session
from retrowalk.services.views import SessionLogView, UserView
from tests.gait.synthetic import walking_signal

PASSWORD = "exchange-tests-password"
LOGGED_SESSIONS = 3


@dataclass(frozen=True)
class History:
    clinician: UserView
    patient: UserView
    other_patient: UserView
    sessions: tuple[SessionLogView, ...]

    @property
    def patient_actor(self) -> Actor:
        return Actor(self.patient.id, "patient")

    @property
    def clinician_actor(self) -> Actor:
        return Actor(self.clinician.id, "clinician")


def _patient(rt: Runtime, clinician: UserView, name: str) -> UserView:
    code = invitations.create_invitation(rt, Actor(clinician.id, "clinician"), name).code
    email = f"{name.lower().replace(' ', '.')}@example.org"
    return accounts.sign_up_patient(rt, email, PASSWORD, name, code)


def small_history(rt: Runtime, *, near_fall: bool = False) -> History:
    """A clinician with two linked patients; the first has 2 weeks of program history."""
    clinician = accounts.create_user(
        rt, None, "pt@example.org", PASSWORD, "Dr. Pat Therapist", "clinician"
    )
    patient = _patient(rt, clinician, "Alex Example")
    other = _patient(rt, clinician, "Sam Other")
    actor = Actor(patient.id, "patient")
    profiles.put_profile(
        rt,
        actor,
        patient.id,
        PatientProfileIn(birth_year=1975, sensor_height_m=1.0, time_zone="Europe/Berlin"),
    )
    screenings.screen_patient(rt, actor, patient.id, _cleared_answers(51, 6))
    today = rt.now().date()
    start = today - dt.timedelta(days=14)
    at = [dt.datetime.combine(start, dt.time(8, 0), dt.UTC)]
    past = replace(rt, clock=lambda: at[0])
    programs.prescribe_program(
        past,
        actor,
        patient.id,
        PrescriptionIn(
            sessions_per_week=3, setting="overground", goal_backward_min=20, start_date=start
        ),
    )
    outcomes.record_outcome(past, actor, patient.id, OutcomeIn(instrument="nprs", items=[6.0]))
    plan = programs.get_program(past, actor, patient.id).plan
    logged: list[SessionLogView] = []
    for index, planned in enumerate(plan["sessions"][:LOGGED_SESSIONS]):
        began = dt.datetime.combine(dt.date.fromisoformat(planned["date"]), dt.time(17), dt.UTC)
        at[0] = began + dt.timedelta(minutes=30)
        last = index == LOGGED_SESSIONS - 1
        result = log_session(
            past,
            actor,
            patient.id,
            SessionLogIn(
                planned_session_number=planned["number"],
                started_at=began,
                ended_at=began + dt.timedelta(minutes=planned["backward_min"] + 10),
                backward_min=float(planned["backward_min"]),
                forward_min=10.0,
                setting="overground",
                pain_before=6 - index,
                pain_max=6 - index,
                pain_after=5 - index,
                rpe=4.0,
                heart_rate_bpm=100 + index,
                steps=300 + 10 * index,
                notes="=cmd|' /C calc'!A0" if index == 0 else "went well",
                safety_events=["near_fall"] if near_fall and last else [],
            ),
        )
        logged.append(result.session)
    at[0] = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(9), dt.UTC)
    outcomes.record_outcome(past, actor, patient.id, OutcomeIn(instrument="nprs", items=[3.0]))
    return History(clinician, patient, other, tuple(logged))


def signed_in(app: FastAPI, user: UserView, password: str = PASSWORD) -> TestClient:
    client = TestClient(app, raise_server_exceptions=False)
    response = client.post("/api/v1/auth/tokens", json={"email": user.email, "password": password})
    assert response.status_code == 201, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return client


def imu_csv_bytes(tmp_path: Path, *, walk_s: float = 60.0) -> bytes:
    """A lower-back IMU recording in the retrowalk CSV format (synthetic walking, 100 Hz)."""
    acc, gyr, _ics = walking_signal(walk_s=walk_s)
    recording = build_recording(np.arange(acc.shape[0]) / 100.0, acc, gyr, source="synthetic")
    path = tmp_path / "walk.csv"
    write_retrowalk_csv(path, recording)
    return path.read_bytes()
