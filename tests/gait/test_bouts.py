from __future__ import annotations

import numpy as np
import pytest

from retrowalk.gait.bouts import WalkingBoutDetector
from retrowalk.gait.orientation import vertical_acceleration

from .synthetic import walking_signal


def test_walking_between_standing_is_one_bout_with_its_bounds() -> None:
    acc, _, truth = walking_signal(stand_s=10.0, walk_s=20.0)
    vertical = vertical_acceleration(acc, sampling_rate_hz=100.0)
    detector = WalkingBoutDetector().detect(vertical, sampling_rate_hz=100.0)
    assert len(detector.bouts_) == 1
    bout = detector.bouts_[0]
    start_s = detector.ic_indices_[bout.first_ic] / 100.0
    end_s = detector.ic_indices_[bout.last_ic] / 100.0
    assert start_s == pytest.approx(truth[0], abs=0.75)  # within about one step
    assert end_s == pytest.approx(truth[-1], abs=0.75)  # within about one step


def test_standing_still_has_no_bouts() -> None:
    rng = np.random.default_rng(0)
    vertical = rng.normal(0, 0.03, 6000)
    detector = WalkingBoutDetector().detect(vertical, sampling_rate_hz=100.0)
    assert detector.bouts_ == []
    assert detector.ic_indices_.size == 0
