"""What a stored recording analysis becomes in the exchange records (reports, CSV, FHIR)."""

from __future__ import annotations

from typing import Any

import pytest

from retrowalk.services.patient_records import measured_gait
from retrowalk.storage.recordings import SessionRecording


def _row(result: dict[str, Any]) -> SessionRecording:
    return SessionRecording(
        backward_min=10.0,
        backward_steps=900,
        forward_min=5.0,
        forward_steps=500,
        algorithm_version="1.3.0",
        result=result,
    )


BACKWARD = {"bouts": 2, "minutes": 10.0, "steps": 900, "cadence_spm": 90.0, "speed_m_s": 0.55}


def test_the_backward_cadence_and_speed_are_the_analysis_summary() -> None:
    result = {
        "summary": {"by_direction": {"backward": BACKWARD}},
        "bouts": [
            {
                "start_s": 5.0,
                "end_s": 65.0,
                "direction": "backward",
                "steps": 100,
                "cadence_spm": 80.0,
                "speed_m_s": 0.4,
            },
        ],
    }
    gait = measured_gait(_row(result))
    assert gait.backward_cadence_spm == pytest.approx(90.0)
    assert gait.backward_speed_m_s == pytest.approx(0.55)
    assert [(b.direction, b.steps, b.cadence_spm) for b in gait.bouts] == [("backward", 100, 80.0)]


def test_an_analysis_without_backward_walking_or_a_summary_has_none() -> None:
    unmeasured = {**BACKWARD, "cadence_spm": None, "speed_m_s": None}
    gait = measured_gait(_row({"summary": {"by_direction": {"backward": unmeasured}}}))
    assert (gait.backward_cadence_spm, gait.backward_speed_m_s) == (None, None)
    older = measured_gait(_row({}))
    assert (older.backward_cadence_spm, older.backward_speed_m_s, older.bouts) == (None, None, ())
