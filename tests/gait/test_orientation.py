from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal
from scipy.spatial.transform import Rotation

from retrowalk.gait.orientation import (
    BodyFrame,
    _block_means,
    _column_sums,
    gravity_direction,
    gravity_is_present,
    vertical_acceleration,
    vertical_and_yaw,
)
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2

from .synthetic import walking_signal


@settings(max_examples=15, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_vertical_acceleration_does_not_depend_on_sensor_orientation(seed: int) -> None:
    upright, _, _ = walking_signal(walk_s=6.0, stand_s=1.0, rotation_seed=None, noise_m_s2=0.0)
    rotated = upright @ Rotation.random(random_state=seed).as_matrix().T
    a = vertical_acceleration(upright, sampling_rate_hz=100.0)
    b = vertical_acceleration(rotated, sampling_rate_hz=100.0)
    assert np.allclose(a, b, atol=1e-6)


def test_the_body_frame_is_orthonormal_and_finds_the_walking_axis() -> None:
    upright, _, _ = walking_signal(walk_s=10.0, stand_s=0.5, rotation_seed=None, noise_m_s2=0.0)
    matrix = Rotation.random(random_state=3).as_matrix()
    frame = BodyFrame().detect(upright @ matrix.T, sampling_rate_hz=100.0)
    assert frame.rotation_ is not None
    assert np.allclose(frame.rotation_ @ frame.rotation_.T, np.eye(3), atol=1e-9)
    # Vertical and AP (up to sign) match the synthetic body axes rotated into the sensor frame.
    assert abs(frame.rotation_[0] @ matrix[:, 0]) > 0.99
    assert abs(frame.rotation_[1] @ matrix[:, 1]) > 0.95


def test_gravity_removed_signals_are_recognised() -> None:
    upright, _, _ = walking_signal(walk_s=5.0, stand_s=0.5)
    assert gravity_is_present(upright)
    assert not gravity_is_present(upright - upright.mean(axis=0))


def _gravity_with_np_interp(acc: np.ndarray, rate_hz: float, cutoff_hz: float) -> np.ndarray:
    """The earlier gravity_direction: block means, low-pass, np.interp, normalise."""
    n = acc.shape[0]
    block = max(1, int(rate_hz // (40.0 * cutoff_hz)))
    n_blocks = n // block
    coarse = acc[: n_blocks * block].reshape(n_blocks, block, 3).mean(axis=1)
    sos = signal.butter(2, cutoff_hz, "low", fs=rate_hz / block, output="sos")
    low = signal.sosfiltfilt(sos, np.ascontiguousarray(coarse.T), axis=-1)
    centres = (np.arange(n_blocks) + 0.5) * block - 0.5
    up = np.column_stack([np.interp(np.arange(n, dtype=float), centres, v) for v in low])
    return up / np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-12)


@pytest.mark.parametrize("rate_hz", [20.0, 33.3, 50.0, 100.0, 200.0])
@pytest.mark.parametrize("n", [400, 4321, 30_007])
def test_gravity_is_the_interpolated_low_pass_of_block_means(rate_hz: float, n: int) -> None:
    acc, _, _ = walking_signal(walk_s=n / rate_hz + 1.0, stand_s=0.5, fs=rate_hz, rotation_seed=4)
    acc = acc[:n]
    for cutoff_hz in (0.25, 0.3, 1.0):
        expected = _gravity_with_np_interp(acc, rate_hz, cutoff_hz)
        found = gravity_direction(acc, sampling_rate_hz=rate_hz, cutoff_hz=cutoff_hz)
        assert found.shape == (n, 3)
        # the same to rounding: the low-pass is sosfiltfilt worked out block by block
        assert np.max(np.abs(found - expected)) <= 1e-13


def _gyroscope(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.cumsum(rng.normal(0.0, 0.05, (n, 3)), axis=0) + rng.normal(0.0, 0.3, (n, 3))


@pytest.mark.parametrize("rate_hz", [20.0, 50.0, 100.0, 128.0])
@pytest.mark.parametrize("n", [35, 400, 4321, 50_003])
def test_vertical_and_yaw_are_the_projections_onto_gravity_direction(
    rate_hz: float, n: int
) -> None:
    acc, _, _ = walking_signal(walk_s=n / rate_hz + 1.0, stand_s=0.5, fs=rate_hz, rotation_seed=7)
    acc = acc[:n]
    gyr = _gyroscope(n, seed=n)
    for cutoff_hz in (0.25, 1.0):
        up = gravity_direction(acc, sampling_rate_hz=rate_hz, cutoff_hz=cutoff_hz)
        vertical, yaw = vertical_and_yaw(acc, gyr, sampling_rate_hz=rate_hz, cutoff_hz=cutoff_hz)
        assert yaw is not None
        expected_vertical = np.einsum("ij,ij->i", acc, up) - STANDARD_GRAVITY_M_S2
        assert np.max(np.abs(vertical - expected_vertical)) <= 1e-12
        assert np.max(np.abs(yaw - np.einsum("ij,ij->i", gyr, up))) <= 1e-12


def test_vertical_and_yaw_without_a_gyroscope_gives_no_yaw() -> None:
    acc, _, _ = walking_signal(walk_s=20.0, stand_s=1.0, rotation_seed=2)
    vertical, yaw = vertical_and_yaw(acc, None, sampling_rate_hz=100.0)
    assert yaw is None
    assert np.array_equal(vertical, vertical_acceleration(acc, sampling_rate_hz=100.0))


def test_vertical_and_yaw_match_the_projection_against_the_np_interp_gravity() -> None:
    """Against the written-out chain (block means, sosfiltfilt, np.interp, normalise, einsum)."""
    acc, _, _ = walking_signal(walk_s=120.0, stand_s=2.0, rotation_seed=9)
    gyr = _gyroscope(acc.shape[0], seed=3)
    up = _gravity_with_np_interp(acc, 100.0, 0.25)
    vertical, yaw = vertical_and_yaw(acc, gyr, sampling_rate_hz=100.0)
    assert yaw is not None
    assert (
        np.max(np.abs(vertical - (np.einsum("ij,ij->i", acc, up) - STANDARD_GRAVITY_M_S2))) < 1e-12
    )
    assert np.max(np.abs(yaw - np.einsum("ij,ij->i", gyr, up))) < 1e-12


@pytest.mark.parametrize("n", [1, 511, 512, 1537, 100_003])
def test_column_sums_are_the_sums_over_samples(n: int) -> None:
    acc = np.random.default_rng(n).normal(3.0, 2.0, (n, 3))
    assert np.allclose(_column_sums(acc), acc.sum(axis=0), rtol=1e-13, atol=0.0)
    assert np.allclose(_column_sums(np.asfortranarray(acc)), acc.sum(axis=0), rtol=1e-13)


@pytest.mark.parametrize("block", [1, 2, 10, 25])
def test_block_means_are_the_means_over_each_block(block: int) -> None:
    acc = np.random.default_rng(block).normal(0.0, 5.0, (10_007, 3))
    n_blocks = acc.shape[0] // block
    expected = acc[: n_blocks * block].reshape(n_blocks, block, 3).mean(axis=1).T
    assert np.array_equal(_block_means(acc, block), expected)
