"""The measured backward walking speed chart on the progress and clinician pages."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from retrowalk.services.exchange_views import RecordingView
from retrowalk.services.runtime import Runtime
from retrowalk.services.views import SessionLogView
from retrowalk.web.pages.patient_records import PatientRecords, measured_speed_chart
from tests.services.exchange_setup import imu_csv_bytes, small_history
from tests.web.pages.test_exchange_pages import cookie_client, post_recording


def _records(sessions: list[SessionLogView], units: Any = "metric") -> PatientRecords:
    return PatientRecords(
        program=None,
        plan=None,
        sessions=sessions,
        outcomes=[],
        tz=dt.UTC,
        units=units,
        now=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC),
    )


def _session(number: int) -> SessionLogView:
    started = dt.datetime(2026, 11, number, 17, tzinfo=dt.UTC)
    return SessionLogView.model_construct(id=number, started_at=started)


def _measured(speed_m_s: float | None) -> RecordingView:
    backward = {"speed_m_s": speed_m_s, "minutes": 10.0}
    return RecordingView.model_construct(summary={"by_direction": {"backward": backward}})


def test_each_recorded_session_is_a_point_oldest_first() -> None:
    sessions = [_session(5), _session(3), _session(1)]  # newest first, as the pages read them
    measured = {1: _measured(0.5), 5: _measured(0.6)}
    chart = measured_speed_chart(_records(sessions), measured)
    assert chart is not None
    assert chart.rows == (("1 Nov", "1.8"), ("5 Nov", "2.2"))
    assert "1.8 km/h (1 Nov) to 2.2 km/h (5 Nov)" in chart.summary


def test_the_speed_is_in_the_persons_units() -> None:
    chart = measured_speed_chart(_records([_session(1)], "imperial"), {1: _measured(0.5)})
    assert chart is not None
    assert chart.rows == (("1 Nov", "1.1"),)
    assert "mph" in chart.summary


def test_no_chart_without_a_measured_backward_speed() -> None:
    records = _records([_session(1), _session(2)])
    assert measured_speed_chart(records, {}) is None
    assert measured_speed_chart(records, {1: _measured(None)}) is None


def test_the_progress_and_clinician_pages_show_it_after_an_upload(
    app: FastAPI, runtime: Runtime, tmp_path: Path
) -> None:
    history = small_history(runtime)
    patient = cookie_client(app, history.patient)
    title = "Measured backward walking speed (km/h)"
    before = patient.get("/app/progress").text
    assert title not in before
    assert 'href="/app/recordings"' in before  # where to attach one
    upload = post_recording(patient, history.sessions[0].id, "walk.csv", imu_csv_bytes(tmp_path))
    assert upload.status_code == 200, upload.text
    assert title in patient.get("/app/progress").text
    clinician = cookie_client(app, history.clinician)
    assert title in clinician.get(f"/clinic/patients/{history.patient.id}").text
