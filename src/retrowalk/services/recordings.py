"""Attach an IMU recording to a logged session: read it, run the gait analysis, store the result.

The file is read with the gait readers (retrowalk CSV, Sensor Logger, phyphox, Mobilise-D
``.mat``), analysed with the backward-walking preset of :class:`GaitPipeline` (the patient's
sensor height from their profile; the session's planned minutes for the comparison and its
planned forward warm-up as the direction reference), and the result is stored with the
algorithm's version and parameters. The upload itself is not kept.

Bad input (too large, empty, an unknown or corrupt format) is an :class:`InputError` naming the
file, and nothing is stored. Analysis runs outside any database transaction.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from scipy.io.matlab import MatReadError
from sqlalchemy import select
from sqlalchemy.orm import Session

from retrowalk.errors import InputError, NotFoundError
from retrowalk.gait.io import read_recording
from retrowalk.gait.pipeline import GaitPipeline, GaitResult, PlannedSession
from retrowalk.gait.recording import Recording
from retrowalk.services import audit
from retrowalk.services.exchange_views import RecordingView
from retrowalk.services.policy import lock_patient, require_patient_access
from retrowalk.services.runtime import Actor, Runtime
from retrowalk.storage.profiles import PatientProfile
from retrowalk.storage.recordings import SessionRecording
from retrowalk.storage.session_logs import SessionLog

#: Largest recording accepted: an hour at 100 Hz with gyroscope as CSV is about 30 MB.
MAX_RECORDING_BYTES = 40 * 1024 * 1024
#: Most a zip export may unpack to (the files read from it), so that a small upload cannot make
#: the server parse gigabytes: about five hours of one phone's accelerometer, gravity and
#: gyroscope files at 100 Hz.
MAX_UNPACKED_RECORDING_BYTES = 4 * MAX_RECORDING_BYTES
ALLOWED_SUFFIXES = (".csv", ".mat", ".zip")


def _planned(row: SessionLog) -> PlannedSession | None:
    planned: dict[str, Any] | None = row.planned_session
    if planned is None:
        return None
    forward_blocks = sum(
        block["duration_min"] for block in planned["blocks"] if block["direction"] == "forward"
    )
    forward = planned["warmup_forward_min"] + forward_blocks + planned["cooldown_forward_min"]
    return PlannedSession(
        backward_min=float(planned["backward_min"]),
        forward_min=float(forward),
        warmup_forward_min=float(planned["warmup_forward_min"]),
    )


def _read(filename: str, data: bytes, max_bytes: int, *, trial: str | None = None) -> Recording:
    if len(data) > max_bytes:
        raise InputError(
            f"the file is {len(data)} bytes; the limit is {max_bytes} bytes", source=filename
        )
    if not data:
        raise InputError("the file is empty", source=filename)
    suffix = Path(filename).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise InputError(
            "expected a .csv (retrowalk, Sensor Logger or phyphox), the .zip that Sensor Logger "
            "or phyphox exports, or a Mobilise-D .mat file",
            source=filename,
        )
    with tempfile.TemporaryDirectory(prefix="retrowalk-upload-") as folder:
        path = Path(folder) / f"recording{suffix}"
        path.write_bytes(data)
        try:
            recording = read_recording(
                path, trial=trial, max_unpacked_bytes=MAX_UNPACKED_RECORDING_BYTES
            )
        except InputError as error:
            raise InputError(
                error.problem,
                source=_uploaded_name(error.location.source, path, filename),
                field=error.field,
                line=error.location.line,
                column=error.location.column,
            ) from None
        except (ValueError, OSError, KeyError, IndexError, MatReadError) as error:
            # The .mat reader lets scipy's MatReadError through for a corrupt file.
            raise InputError(f"the recording cannot be read: {error}", source=filename) from None
        return replace(recording, source=_uploaded_name(recording.source, path, filename))


def stored_filename(filename: str | None) -> str:
    """The uploaded file's own name, as stored and shown: no folders (``../`` or a client's
    path), control characters (a NUL, which PostgreSQL cannot store, a newline) replaced by
    ``_``, at most 255 characters."""
    name = Path(filename or "recording").name
    return "".join(ch if ch.isprintable() else "_" for ch in name)[:255] or "recording"


def _uploaded_name(source: str | None, path: Path, filename: str) -> str:
    """``source`` with the temporary file's name replaced by the uploaded one (a zip's member
    stays: ``export.zip:Gyroscope.csv``); no server path reaches the user or the database."""
    inner = source or ""
    return filename + inner[len(str(path)) :] if inner.startswith(str(path)) else filename


def _view(row: SessionRecording, log: SessionLog) -> RecordingView:
    planned = _planned(log)
    return RecordingView(
        id=row.id,
        patient_id=row.patient_id,
        session_log_id=row.session_log_id,
        filename=row.filename,
        file_format=row.file_format,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        algorithm_version=row.algorithm_version,
        algorithm=row.algorithm,
        duration_min=row.duration_min,
        backward_min=row.backward_min,
        backward_steps=row.backward_steps,
        forward_min=row.forward_min,
        forward_steps=row.forward_steps,
        planned_backward_min=planned.backward_min if planned is not None else None,
        logged_backward_min=log.backward_min,
        summary=row.result.get("summary", {}),
        bouts=list(row.result.get("bouts", [])),
        created_at=row.created_at,
    )


def _log(session: Session, patient_id: int, session_log_id: int) -> SessionLog:
    log = session.get(SessionLog, session_log_id)
    if log is None or log.patient_id != patient_id:
        raise NotFoundError(f"session {session_log_id} not found")
    return log


def session_pipeline(
    sensor_height_m: float | None, plan: PlannedSession | None = None
) -> GaitPipeline:
    """The gait pipeline for a recording of a guided session.

    Every guided session starts with a forward warm-up, so the walking in the session's planned
    warm-up (``plan.warmup_forward_min`` from the first walking bout) is the forward reference
    against which each bout's direction is judged (``warm-up``; without a plan or a planned
    warm-up, the first walking bout, noted; :mod:`retrowalk.gait.reference`). A reference gives
    100 % on KU-HAR against 77 % without one (docs/gait_direction.md). The backward-walking
    preset allows the slower, gentler steps of backward walking.
    """
    return GaitPipeline.backward_walking(
        sensor_height_m=sensor_height_m, reference="warm-up"
    ).with_plan(plan)


def attach_recording(
    rt: Runtime,
    actor: Actor,
    patient_id: int,
    session_log_id: int,
    *,
    filename: str,
    data: bytes,
    max_bytes: int = MAX_RECORDING_BYTES,
    trial: str | None = None,
) -> RecordingView:
    """Analyse an uploaded recording of a logged session and store the result. ``trial``
    chooses one trial of a Mobilise-D data.mat that holds several."""
    filename = stored_filename(filename)
    with rt.db.read() as session:
        require_patient_access(session, actor, patient_id)
        log = _log(session, patient_id, session_log_id)
        plan = _planned(log)
        profile = session.get(PatientProfile, patient_id)
        sensor_height_m = profile.sensor_height_m if profile is not None else None
    recording = _read(filename, data, max_bytes, trial=trial or None)
    result: GaitResult = session_pipeline(sensor_height_m, plan).analyze(recording)
    summary = result.summary()
    algorithm = result.algorithm
    with rt.db.write() as session:
        lock_patient(session, patient_id)
        require_patient_access(session, actor, patient_id)
        log = _log(session, patient_id, session_log_id)
        row = SessionRecording(
            patient_id=patient_id,
            session_log_id=log.id,
            filename=filename,
            file_format=Path(filename).suffix.lower().lstrip("."),
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            algorithm_version=str(algorithm["version"]),
            algorithm=algorithm,
            result=result.as_dict(),
            duration_min=round(result.duration_s / 60.0, 3),
            backward_min=float(summary["backward_min"]),
            backward_steps=int(summary["backward_steps"]),
            forward_min=float(summary["forward_min"]),
            forward_steps=int(summary["forward_steps"]),
            created_by=actor.user_id,
            created_at=rt.now(),
        )
        session.add(row)
        session.flush()
        audit.record(session, actor, patient_id, "create", "recording", row.id)
        return _view(row, log)


def list_recordings(
    rt: Runtime, actor: Actor, patient_id: int, session_log_id: int
) -> list[RecordingView]:
    """The recordings of one logged session, oldest first."""
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        log = _log(session, patient_id, session_log_id)
        rows = session.scalars(
            select(SessionRecording)
            .where(SessionRecording.session_log_id == log.id)
            .order_by(SessionRecording.id)
        ).all()
        audit.record(session, actor, patient_id, "read", "recording")
        return [_view(row, log) for row in rows]


def latest_recordings_by_session(
    rt: Runtime, actor: Actor, patient_id: int
) -> dict[int, RecordingView]:
    """The newest recording of each of the patient's logged sessions, by session id."""
    with rt.db.write() as session:
        require_patient_access(session, actor, patient_id)
        rows = session.scalars(
            select(SessionRecording)
            .where(SessionRecording.patient_id == patient_id)
            .order_by(SessionRecording.id)
        ).all()
        logs = {
            log.id: log
            for log in session.scalars(
                select(SessionLog).where(SessionLog.id.in_({row.session_log_id for row in rows}))
            )
        }
        audit.record(session, actor, patient_id, "read", "recording")
        return {row.session_log_id: _view(row, logs[row.session_log_id]) for row in rows}
