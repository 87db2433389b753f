from __future__ import annotations

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from retrowalk.gait.bouts import WalkingBoutDetector, _moving_rms_at, _running_median
from retrowalk.gait.contacts import InitialContactDetector
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


def _impact_walk(amplitudes_m_s2: np.ndarray, step_s: float = 0.6) -> tuple[np.ndarray, np.ndarray]:
    """Vertical acceleration of a walk as one impact pulse per step (after 5 s standing):
    (signal at 100 Hz, IC times in s)."""
    fs = 100.0
    ics = 5.0 + step_s * np.arange(amplitudes_m_s2.size)
    t = np.arange(int((ics[-1] + 5.0) * fs)) / fs
    pulses = amplitudes_m_s2[:, None] * np.exp(
        -0.5 * ((t[None, :] - ics[:, None] - 0.08) / 0.06) ** 2
    )
    rng = np.random.default_rng(3)
    return pulses.sum(axis=0) + rng.normal(0, 0.02, t.size), ics


def test_a_weak_step_between_strong_ones_still_counts() -> None:
    # Shuffling daily-life steps have lobes a fraction as deep as their neighbours'
    # (docs/gait_validation.md); a step at a quarter of the impact is still a step.
    amplitudes = np.tile([3.0, 3.0, 3.0, 0.75], 6)
    vertical, ics = _impact_walk(amplitudes)
    detector = WalkingBoutDetector().detect(vertical, sampling_rate_hz=100.0)
    found = detector.ic_indices_ / 100.0
    weak = ics[amplitudes < 1.0]
    nearest = np.min(np.abs(found[:, None] - weak[None, :]), axis=0)
    assert np.all(nearest <= 0.1)


def test_a_wobble_far_shallower_than_the_steps_is_not_a_contact() -> None:
    vertical, ics = _impact_walk(np.full(12, 3.0), step_s=1.2)
    t = np.arange(vertical.size) / 100.0
    wobbles = ics[:-1] + 0.6  # mid-step, a fifth of the impact
    vertical += (0.6 * np.exp(-0.5 * ((t[None, :] - wobbles[:, None]) / 0.06) ** 2)).sum(axis=0)
    detector = WalkingBoutDetector(max_step_time_s=2.0).detect(vertical, sampling_rate_hz=100.0)
    found = detector.ic_indices_ / 100.0
    assert np.all(np.min(np.abs(found[:, None] - wobbles[None, :]), axis=0) > 0.15)
    assert np.all(np.min(np.abs(found[:, None] - ics[None, :]), axis=0) <= 0.1)


@pytest.mark.parametrize("window", [1, 7, 200])
def test_moving_rms_at_contacts_equals_the_filtered_rms(window: int) -> None:
    x = np.random.default_rng(window).normal(0, 1.0, 1_000)
    at = np.array([0, 1, 5, 99, 500, 998, 999])
    expected = np.sqrt(uniform_filter1d(x * x, window, mode="nearest"))[at]
    assert np.allclose(_moving_rms_at(x, window, at), expected, rtol=1e-12, atol=1e-12)


def test_bouts_read_contacts_as_the_contact_detector_gives_them() -> None:
    # The bout detector refines only its own contacts; they must be the detector's own.
    acc, _, _ = walking_signal(stand_s=10.0, walk_s=30.0)
    vertical = vertical_acceleration(acc, sampling_rate_hz=100.0)
    bouts = WalkingBoutDetector().detect(vertical, sampling_rate_hz=100.0)
    whole = InitialContactDetector().detect(vertical, sampling_rate_hz=100.0)
    position = np.searchsorted(whole.ic_indices_, bouts.ic_indices_)
    assert bouts.ic_indices_.size > 20
    assert whole.ic_indices_[position].tolist() == bouts.ic_indices_.tolist()
    last = [span.last_ic for span in bouts.bouts_]
    expected = whole.fc_indices_[position]
    expected[last] = -1
    assert bouts.fc_indices_.tolist() == expected.tolist()


@pytest.mark.parametrize(("size", "n"), [(5, 4_000), (5, 5), (3, 50), (7, 9)])
def test_running_median_equals_the_median_of_each_window(size: int, n: int) -> None:
    x = np.round(np.random.default_rng(n).normal(0, 1.0, n), 1)  # rounded: ties occur
    windows = np.lib.stride_tricks.sliding_window_view(np.pad(x, size // 2, mode="edge"), size)
    assert _running_median(x, size).tolist() == np.median(windows, axis=1).tolist()
