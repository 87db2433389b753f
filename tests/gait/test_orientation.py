from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.transform import Rotation

from retrowalk.gait.orientation import BodyFrame, gravity_is_present, vertical_acceleration

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
