from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.gait.contacts import InitialContactDetector, lobe_minima, segment_argextreme
from retrowalk.gait.orientation import vertical_acceleration

from .synthetic import walking_signal


def test_initial_contacts_of_synthetic_walking_are_found_within_50_ms() -> None:
    acc, _, truth = walking_signal(walk_s=20.0)
    vertical = vertical_acceleration(acc, sampling_rate_hz=100.0)
    ics = InitialContactDetector().detect(vertical, sampling_rate_hz=100.0).ic_indices_ / 100.0
    nearest = np.min(np.abs(ics[:, None] - truth[None, :]), axis=0)
    assert np.median(nearest) < 0.05


def test_a_signal_too_short_for_the_filters_gives_no_contacts() -> None:
    detector = InitialContactDetector().detect(np.zeros(10), sampling_rate_hz=100.0)
    assert detector.ic_indices_.size == 0


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-10, 10, allow_nan=False), min_size=3, max_size=200))
def test_each_lobe_minimum_is_the_lowest_point_of_its_complete_negative_lobe(
    values: list[float],
) -> None:
    x = np.array(values)
    idx, depth = lobe_minima(x)
    assert np.all(x[idx] < 0)
    assert np.allclose(depth, -x[idx])
    for i in idx:
        left = i
        while left > 0 and x[left - 1] < 0:
            left -= 1
        right = i
        while right < x.size - 1 and x[right + 1] < 0:
            right += 1
        assert left > 0  # complete lobe
        assert right < x.size - 1
        assert x[i] == x[left : right + 1].min()


def test_segment_extremes_are_per_segment() -> None:
    x = np.array([0.0, 3.0, 1.0, 5.0, 2.0, 9.0])
    idx = segment_argextreme(x, np.array([0, 3]), np.array([3, 6]), maximum=True)
    assert idx.tolist() == [1, 5]
