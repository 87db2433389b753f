from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal
from scipy.ndimage import gaussian_filter1d

from retrowalk.gait.contacts import (
    InitialContactDetector,
    _grid_lobe_minima,
    _tiled_argmin,
    lobe_minima,
    segment_argextreme,
)
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


def _whole_recording_contacts(
    vertical: np.ndarray, fs: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The detector's definition computed the plain way, over the whole recording at full
    rate with scipy's filters: (lobes, depths, refined ICs, FCs)."""
    d = InitialContactDetector()
    centred = vertical - vertical.mean()
    sos = signal.butter(2, (0.25, min(3.0, 0.45 * fs)), "band", fs=fs, output="sos")
    band = signal.sosfiltfilt(sos, centred)
    rise = -gaussian_filter1d(band, d.smoothing_sigma_s * fs, order=1) * fs
    rise -= rise.mean()
    lobes, depth = lobe_minima(rise)
    sos = signal.butter(2, (0.25, min(5.0, 0.45 * fs)), "band", fs=fs, output="sos")
    sharp = -gaussian_filter1d(signal.sosfiltfilt(sos, centred), d.refine_sigma_s * fs, order=1)
    window = round(d.refine_window_s * fs)
    ends = np.minimum(lobes + window, np.r_[lobes[1:], vertical.size])
    ics = np.array([s + np.argmin(sharp[s:e]) for s, e in zip(lobes, ends, strict=True)])
    fall = gaussian_filter1d(band, d.final_contact_sigma_s * fs, order=1)
    fcs = np.full(ics.size, -1)
    for k in range(ics.size - 1):
        fcs[k] = ics[k] + np.argmin(fall[ics[k] : ics[k + 1]])
    return lobes, depth, ics.astype(np.int64), fcs


def _smooth_noise(n: int, fs: float, seed: int) -> np.ndarray:
    """Walking-like vertical acceleration: steps at 1.8 Hz with drifting amplitude, shallow
    wobbles (near-zero lobes, two-trough lobes) and noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / fs
    amplitude = 1.0 + 0.8 * np.sin(2 * np.pi * 0.05 * t + seed)
    return (
        amplitude * np.sin(2 * np.pi * 1.8 * t)
        + 0.3 * np.sin(2 * np.pi * 3.7 * t + 1.0)
        + rng.normal(0, 0.4, n)
    )


@pytest.mark.parametrize(("fs", "seed"), [(100.0, 0), (100.0, 1), (50.0, 2), (128.0, 3)])
def test_the_detector_gives_exactly_the_whole_recording_definition(fs: float, seed: int) -> None:
    # The lobe search reads the smoothed derivative on a coarse grid and refines only where
    # needed; its contacts must be those of the plain full-rate computation.
    vertical = _smooth_noise(int(120 * fs), fs, seed)
    lobes, depth, ics, fcs = _whole_recording_contacts(vertical, fs)
    found = InitialContactDetector().detect(vertical, sampling_rate_hz=fs)
    assert found.lobe_indices_.tolist() == lobes.tolist()
    assert np.allclose(found.ic_strength_m_s3_, depth, rtol=1e-9, atol=1e-9)
    assert found.ic_indices_.tolist() == ics.tolist()
    assert found.fc_indices_.tolist() == fcs.tolist()


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_lobes_split_by_a_blip_between_grid_samples_are_found_as_at_full_rate(
    sign: float,
) -> None:
    # A cosine lowered until only ~1-sample tips cross zero: long negative lobes split by
    # positive blips narrower than the 4-sample grid (sign 1), or 1-sample negative lobes
    # (sign -1). The grid search (identity kernel: it reads the signal itself) must find the
    # lobes lobe_minima finds at full rate; the grid alone would merge or miss them.
    n = 4_000
    y = sign * (np.cos(2 * np.pi * np.arange(n) / 202.3) - 0.9999)
    assert np.any(np.diff(np.flatnonzero(np.diff((y < 0).astype(np.int8)))) < 4)
    padded = np.r_[y, np.zeros(8)]
    found, depth = _grid_lobe_minima(padded, np.ones(1), 0.0, n, 4)
    expected, expected_depth = lobe_minima(y)
    assert found.tolist() == expected.tolist()
    assert np.allclose(depth, expected_depth)


def test_a_lobe_with_two_troughs_gets_its_deeper_one_off_the_grid() -> None:
    # The deeper trough lies between grid samples and its grid neighbours read shallower than
    # the other trough's grid sample: every trough of the lobe is refined, not only the
    # grid's deepest.
    i = np.arange(300, dtype=np.float64)
    y = -np.exp(-(((i - 100) / 10) ** 2)) - 1.0005 * np.exp(-(((i - 142) / 10) ** 2)) + 0.01
    padded = np.r_[y, np.zeros(8)]
    found, _ = _grid_lobe_minima(padded, np.ones(1), 0.0, y.size, 4)
    assert found.tolist() == lobe_minima(y)[0].tolist() == [142]


def test_contacts_of_a_subset_equal_those_of_the_whole_detection() -> None:
    vertical = _smooth_noise(6_000, 100.0, 4)
    whole = InitialContactDetector().detect(vertical, sampling_rate_hz=100.0)
    subset = np.arange(3, whole.lobe_indices_.size - 5, 3)
    with_final = np.arange(subset.size) % 4 != 3
    part = InitialContactDetector().find_candidates(vertical, sampling_rate_hz=100.0)
    ics, fcs = part.contacts_of(subset, with_final=with_final)
    assert ics.tolist() == whole.ic_indices_[subset].tolist()
    assert fcs.tolist() == np.where(with_final, whole.fc_indices_[subset], -1).tolist()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=120),
    st.lists(st.integers(0, 12), min_size=1, max_size=12),
    st.booleans(),
)
def test_segment_extremes_match_a_plain_loop(
    values: list[float], cuts: list[int], maximum: bool
) -> None:
    x = np.array(values)
    bounds = np.unique(np.clip(np.cumsum(cuts), 0, x.size))
    starts, ends = bounds[:-1:2], bounds[1::2]
    starts = starts[: ends.size]
    expected = [
        s + int(np.argmax(x[s:e]) if maximum else np.argmin(x[s:e]))
        for s, e in zip(starts, ends, strict=True)
        if e > s
    ]
    assert segment_argextreme(x, starts, ends, maximum=maximum).tolist() == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(-3, 3), min_size=2, max_size=120),
    st.lists(st.integers(1, 9), min_size=1, max_size=12),
    st.lists(st.integers(0, 3), min_size=12, max_size=12),
)
def test_argmin_over_ascending_segments_matches_the_general_one(
    values: list[int], lengths: list[int], gaps: list[int]
) -> None:
    # The FC search reads each step's slope minimum with one reduceat over the slope itself
    # (_tiled_argmin); the first index of each minimum must be segment_argextreme's (small
    # integers: ties are common).
    x = np.array(values, dtype=np.float64)
    bounds = np.cumsum([g + length for g, length in zip(gaps, lengths, strict=False)])
    ends = bounds[bounds <= x.size]
    starts = ends - np.array(lengths[: ends.size])
    expected = segment_argextreme(x, starts, ends, maximum=False)
    assert _tiled_argmin(x, starts, ends).tolist() == expected.tolist()
