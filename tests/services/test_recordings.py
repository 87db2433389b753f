"""Recording uploads at the service: the size limit, and what is stored with the analysis."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from retrowalk.errors import InputError
from retrowalk.services import recordings
from retrowalk.services.runtime import Runtime
from retrowalk.storage.recordings import SessionRecording
from tests.services.exchange_setup import (
    History,
    imu_csv_bytes,
    sensor_logger_zip_bytes,
    small_history,
)


def _attach_to_first_session(
    runtime: Runtime, history: History, filename: str, data: bytes
) -> None:
    """The patient attaches ``data`` to their first logged session."""
    recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[0].id,
        filename=filename,
        data=data,
    )


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


def test_control_characters_in_an_uploaded_filename_are_replaced_on_every_database(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    view = recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[1].id,
        filename="a\x00b\nc.csv",
        data=imu_csv_bytes(tmp_path, walk_s=10),
    )
    assert view.filename == "a_b_c.csv"
    with pytest.raises(InputError) as refused:
        _attach_to_first_session(runtime, history, "x.c\x00sv", b"time_s\n")
    assert "\x00" not in str(refused.value)
    assert "x.c_sv" in str(refused.value)


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
    reference = view.algorithm["direction_reference"]
    assert (reference["mode"], reference["source"]) == ("warm-up", "warm-up")
    assert view.backward_min == 0.0


def test_the_sessions_planned_warm_up_is_the_reference_and_is_compared_with_what_was_walked(
    runtime: Runtime, tmp_path: Path
) -> None:
    # 20 s forward, then 40 s backward: all inside the planned 5-min warm-up window (the patient
    # began the backward block early); the forward walking that came first stays the reference
    history = small_history(runtime)
    data = imu_csv_bytes(tmp_path, walk_s=40, warmup_s=20)
    view = recordings.attach_recording(
        runtime,
        history.patient_actor,
        history.patient.id,
        history.sessions[1].id,
        filename="walk.csv",
        data=data,
    )
    planned = history.sessions[1].planned_session
    assert planned is not None
    reference = view.algorithm["direction_reference"]
    assert reference["warmup_window_s"][1] - reference["warmup_window_s"][0] == pytest.approx(
        60.0 * planned["warmup_forward_min"]
    )
    assert len(reference["bouts_s"]) == 1
    assert reference["bouts_s"][0][1] < 30.0
    assert view.backward_min > 0.5
    assert view.forward_min < 0.5
    plan = view.summary["plan"]
    assert plan["planned_warmup_forward_min"] == planned["warmup_forward_min"]
    assert 0.2 < plan["walked_warmup_forward_min"] < 0.5
    assert any("turns both ways" in note for note in view.summary["notes"])


def test_a_sensor_logger_zip_export_is_analysed_like_the_csv(
    runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    session_id = history.sessions[1].id
    actor, patient_id = history.patient_actor, history.patient.id
    from_zip = recordings.attach_recording(
        runtime,
        actor,
        patient_id,
        session_id,
        filename="export.zip",
        data=sensor_logger_zip_bytes(),
    )
    from_csv = recordings.attach_recording(
        runtime, actor, patient_id, session_id, filename="walk.csv", data=imu_csv_bytes(tmp_path)
    )
    assert from_zip.backward_min == pytest.approx(from_csv.backward_min, abs=0.05)
    assert from_zip.backward_steps == pytest.approx(from_csv.backward_steps, abs=3)
    with runtime.db.read() as session:
        stored = session.get(SessionRecording, from_zip.id)
        assert stored is not None
        result = stored.result
    assert result["source"] == "export.zip:2026-11-20_18-03-11/Accelerometer.csv"
    assert "retrowalk-upload-" not in str(result)  # no server path is stored
    assert any("iOS export" in note for note in result["quality"]["notes"])


def test_a_bad_member_of_a_zip_is_named_and_nothing_is_stored(runtime: Runtime) -> None:
    history = small_history(runtime)
    data = sensor_logger_zip_bytes(walk_s=10)
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            text = source.read(info).decode()
            if info.filename.endswith("Gyroscope.csv"):
                lines = text.splitlines()
                lines[5] = "1,0.04,oops,0,0"
                text = "\n".join(lines) + "\n"
            target.writestr(info.filename, text)
    with pytest.raises(InputError) as error:
        _attach_to_first_session(runtime, history, "export.zip", buffer.getvalue())
    message = str(error.value)
    assert "export.zip:2026-11-20_18-03-11/Gyroscope.csv" in message
    assert "line 6" in message
    assert "retrowalk-" not in message
    assert _stored(runtime) == 0


def test_a_zip_that_unpacks_beyond_the_upload_limit_is_refused(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = small_history(runtime)
    monkeypatch.setattr(recordings, "MAX_UNPACKED_RECORDING_BYTES", 100_000)
    with pytest.raises(InputError, match=r"export\.zip: the recording's files unpack to \d+"):
        _attach_to_first_session(runtime, history, "export.zip", sensor_logger_zip_bytes(walk_s=10))
    assert _stored(runtime) == 0
