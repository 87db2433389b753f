"""Recording uploads at the service: the size limit, and what is stored with the analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from retrowalk.errors import InputError
from retrowalk.services import recordings
from retrowalk.services.runtime import Runtime
from retrowalk.storage.recordings import SessionRecording
from tests.services.exchange_setup import imu_csv_bytes, small_history


def _stored(runtime: Runtime) -> int:
    with runtime.db.read() as session:
        return int(session.scalar(select(func.count(SessionRecording.id))) or 0)


def test_an_oversized_recording_is_refused_and_nothing_is_stored(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    data = imu_csv_bytes(tmp_path, walk_s=10)
    with pytest.raises(InputError, match=r"walk\.csv: the file is \d+ bytes; the limit is 1000"):
        recordings.attach_recording(
            runtime,
            history.patient_actor,
            history.patient.id,
            history.sessions[0].id,
            filename="walk.csv",
            data=data,
            max_bytes=1000,
        )
    assert _stored(runtime) == 0


def test_the_stored_analysis_keeps_its_algorithm_source_file_digest_and_plan(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    data = imu_csv_bytes(tmp_path, walk_s=40)
    view = recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[1].id,
        filename="../../etc/walk.csv",
        data=data,
    )
    assert view.filename == "walk.csv"
    assert view.size_bytes == len(data)
    assert len(view.sha256) == 64
    assert view.algorithm["parameters"]["sensor_height_m"] == 1.0
    assert view.algorithm["version"] == view.algorithm_version
    planned = history.sessions[1].planned_session
    assert planned is not None
    assert view.planned_backward_min == planned["backward_min"]
    assert view.summary["plan"]["planned_backward_min"] == planned["backward_min"]
    assert view.backward_min > 0.4
    by_session = recordings.latest_recordings_by_session(
        runtime, history.clinician_actor, history.patient.id
    )
    assert by_session[history.sessions[1].id].id == view.id


def test_directions_are_judged_against_the_sessions_forward_warm_up(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    forward_only = imu_csv_bytes(tmp_path, walk_s=40, backward=False)
    view = recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[1].id,
        filename="walk.csv",
        data=forward_only,
    )
    assert view.algorithm["direction_reference"]["mode"] == "first-bout"
    assert view.backward_min == 0.0
