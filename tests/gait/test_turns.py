from __future__ import annotations

import numpy as np
import pytest

from retrowalk.gait.turns import TurnDetector


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
