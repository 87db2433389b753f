"""Set-up shared by the exchange service and API tests: a small history, signed-in clients.

Everything goes through the real use cases (sign-up with a clinician's invitation, profile,
screening, prescription, session logs, outcomes), with the clock set back so the history lies
in the past, as ``retrowalk serve --demo`` builds its data.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from fastapi import FastAPI
from fastapi.testclient import TestClient
from numpy.typing import NDArray

from retrowalk.gait.io.retrowalk_csv import write_retrowalk_csv
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2
from retrowalk.gait.resample import build_recording
from retrowalk.services import accounts, invitations, outcomes, profiles, programs, screenings
from retrowalk.services.demo import _cleared_answers
from retrowalk.services.demo_recordings import standing, trunk_walk
from retrowalk.services.inputs import OutcomeIn, PatientProfileIn, PrescriptionIn, SessionLogIn
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.services.session_logs import log_session
from retrowalk.services.views import SessionLogView, UserView

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


def trunk_signals(
    *, walk_s: float, stand_s: float = 5.0, step_hz: float = 1.9, backward: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(time_s, acc_m_s2, gyr_rad_s) of a lower-back sensor: stand, walk, stand, at 100 Hz.

    The demo's trunk-motion model (:func:`retrowalk.services.demo_recordings.trunk_walk`):
    forward walking per step a slow vertical rise and a sharp drop, the trunk pitching forward
    while the body brakes; backward walking its time reversal (evidence.md 1.3).
    """
    rng = np.random.default_rng(7)
    rate_hz = 100.0
    pieces = [
        standing(rng, duration_s=stand_s, sampling_rate_hz=rate_hz),
        trunk_walk(walk_s, step_hz=step_hz, backward=backward, rng=rng, sampling_rate_hz=rate_hz),
        standing(rng, duration_s=stand_s, sampling_rate_hz=rate_hz),
    ]
    samples = np.vstack(pieces)
    t = np.arange(samples.shape[0]) / rate_hz
    return t, samples[:, :3], samples[:, 3:]


def imu_csv_bytes(
    tmp_path: Path, *, walk_s: float = 60.0, backward: bool = True, warmup_s: float = 20.0
) -> bytes:
    """A lower-back IMU recording of a session in the retrowalk CSV format (synthetic, 100 Hz).

    Like a guided session it starts with ``warmup_s`` of forward walking (the forward reference
    the analysis judges direction against), then ``walk_s`` of walking (backward by default).
    """
    _, warm_acc, warm_gyr = trunk_signals(walk_s=warmup_s, backward=False)
    _, acc, gyr = trunk_signals(walk_s=walk_s, backward=backward)
    acc, gyr = np.vstack([warm_acc, acc]), np.vstack([warm_gyr, gyr])
    t = np.arange(acc.shape[0]) * 0.01
    recording = build_recording(t, acc, gyr, source="synthetic")
    path = tmp_path / "walk.csv"
    write_retrowalk_csv(path, recording)
    return path.read_bytes()


def sensor_logger_zip_bytes(*, walk_s: float = 60.0, warmup_s: float = 20.0) -> bytes:
    """The session of :func:`imu_csv_bytes` as Sensor Logger's zip export from an iPhone:
    ``Accelerometer.csv`` without gravity and ``Gravity.csv``, both with iOS's sign (opposite to
    Android's), ``Gyroscope.csv`` and ``Metadata.csv``, in the export's dated folder."""
    _, warm_acc, warm_gyr = trunk_signals(walk_s=warmup_s, backward=False)
    _, acc, gyr = trunk_signals(walk_s=walk_s)
    acc, gyr = np.vstack([warm_acc, acc]), np.vstack([warm_gyr, gyr])
    t = np.arange(acc.shape[0]) * 0.01
    gravity = np.tile([0.0, 0.0, STANDARD_GRAVITY_M_S2], (acc.shape[0], 1))

    def sensor_file(values: NDArray[np.float64]) -> str:
        rows = [
            f"{1.7e18 + s * 1e9:.0f},{s:.6f},{v[2]:.7g},{v[1]:.7g},{v[0]:.7g}"
            for s, v in zip(t, values, strict=True)
        ]
        return "time,seconds_elapsed,z,y,x\n" + "\n".join(rows) + "\n"

    folder = "2026-11-20_18-03-11"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{folder}/Accelerometer.csv", sensor_file(-(acc - gravity)))
        archive.writestr(f"{folder}/Gravity.csv", sensor_file(-gravity))
        archive.writestr(f"{folder}/Gyroscope.csv", sensor_file(gyr))
        archive.writestr(
            f"{folder}/Metadata.csv",
            "version,device name,recording time,platform\n3,iPhone,2026-11-20_17-03-11,ios\n",
        )
    return buffer.getvalue()
