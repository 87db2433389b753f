from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from retrowalk.gait.turns import Turn, TurnDetector

from .synthetic import turning_yaw_rad_s


def test_a_90_degree_turn_is_found_with_its_angle() -> None:
    fs = 100.0
    yaw = np.zeros(int(10 * fs))
    yaw[400:600] = np.deg2rad(45.0)  # 45 deg/s for 2 s
    turns = TurnDetector().detect(yaw, sampling_rate_hz=fs).turns_
    assert len(turns) == 1
    assert turns[0].angle_deg == pytest.approx(90.0, abs=8.0)
    assert turns[0].start_s == pytest.approx(4.0, abs=0.3)


def test_small_sways_are_not_turns() -> None:
    t = np.arange(1000) / 100.0
    yaw = np.deg2rad(10.0) * np.sin(2 * np.pi * 1.0 * t)
    assert TurnDetector().detect(yaw, sampling_rate_hz=100.0).turns_ == []


def _reference_turns(detector: TurnDetector, yaw: np.ndarray, fs: float) -> list[Turn]:
    """The written-out method: sosfiltfilt, threshold, merge, cumulative-sum angles."""
    sos = signal.butter(2, detector.low_pass_hz, "low", fs=fs, output="sos")
    rate_deg_s = np.rad2deg(signal.sosfiltfilt(sos, yaw))
    moving = np.abs(rate_deg_s) >= detector.min_rate_deg_s
    change = np.diff(np.r_[False, moving, False].astype(np.int8))
    starts, ends = np.flatnonzero(change == 1), np.flatnonzero(change == -1)
    if starts.size == 0:
        return []
    gap_ok = (starts[1:] - ends[:-1]) / fs > detector.merge_gap_s
    starts, ends = starts[np.r_[True, gap_ok]], ends[np.r_[gap_ok, True]]
    angle_cum = np.r_[0.0, np.cumsum(rate_deg_s) / fs]
    angles = angle_cum[ends] - angle_cum[starts]
    durations = (ends - starts) / fs
    ok = (
        (np.abs(angles) >= detector.min_angle_deg)
        & (durations >= detector.min_duration_s)
        & (durations <= detector.max_duration_s)
    )
    return [
        Turn(float(s / fs), float(e / fs), float(a))
        for s, e, a in zip(starts[ok], ends[ok], angles[ok], strict=True)
    ]


@pytest.mark.parametrize("seed", range(6))
def test_detected_turns_are_those_of_the_written_out_method(seed: int) -> None:
    n = [40, 700, 5000, 20_000, 64_000, 3333][seed]
    yaw = turning_yaw_rad_s(n, seed)
    for detector in (TurnDetector(), TurnDetector(min_angle_deg=20.0, merge_gap_s=0.3)):
        found = detector.detect(yaw, sampling_rate_hz=100.0).turns_
        expected = _reference_turns(detector, yaw, 100.0)
        assert [(t.start_s, t.end_s) for t in found] == [(t.start_s, t.end_s) for t in expected]
        assert np.allclose(
            [t.angle_deg for t in found], [t.angle_deg for t in expected], rtol=0, atol=1e-9
        )
