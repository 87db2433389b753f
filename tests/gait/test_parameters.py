from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.gait.parameters import (
    TURN_COEFFICIENT_PER_RAD,
    InvertedPendulumStepLength,
    bout_parameters,
    step_excursions,
    step_turn_angles_rad,
    turn_factor,
)


def test_the_inverted_pendulum_formula_gives_the_step_length() -> None:
    model = InvertedPendulumStepLength(sensor_height_m=1.0, correction_factor=1.0)
    h = 0.03
    assert model.from_excursion(np.array([h]))[0] == pytest.approx(2 * math.sqrt(2 * h - h * h))


def test_the_presets_carry_their_published_factors() -> None:
    assert (
        InvertedPendulumStepLength.preset("zijlstra_2003", sensor_height_m=1.0).correction_factor
        == 1.25
    )
    mobilise = InvertedPendulumStepLength.preset("mobilise_d", sensor_height_m=1.0)
    assert mobilise.correction_factor == pytest.approx(4.739 / 4)


def test_an_impossible_excursion_gives_no_step_length() -> None:
    model = InvertedPendulumStepLength(sensor_height_m=1.0)
    assert np.isnan(model.from_excursion(np.array([-0.01]))[0])


@settings(max_examples=40, deadline=None)
@given(st.floats(0.3, 1.5), st.integers(4, 60))
def test_regular_steps_give_cadence_sixty_over_step_time(step_s: float, steps: int) -> None:
    ics = np.arange(steps + 1, dtype=np.float64) * step_s
    params = bout_parameters(ics, np.full(ics.size, np.nan), None)
    assert params.steps == steps
    assert params.cadence_spm == pytest.approx(60.0 / step_s)
    assert params.step_time_cv_percent == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(params.speed_m_s)


def test_stance_and_double_support_come_from_final_contacts() -> None:
    ics = np.arange(6, dtype=np.float64) * 0.5
    fcs = ics + 0.1  # the other foot leaves 0.1 s after each initial contact
    params = bout_parameters(ics, fcs, np.full(5, 0.7))
    assert params.stance_time_s == pytest.approx(0.6)
    assert params.double_support_percent == pytest.approx(20.0)
    assert params.speed_m_s == pytest.approx(1.4)


@settings(max_examples=30, deadline=None)
@given(st.floats(0.005, 0.05), st.integers(80, 160), st.floats(-1.0, 1.0))
def test_a_periodic_trunk_motion_gives_its_peak_to_peak_excursion(
    amplitude_m: float, step_samples: int, offset_m_s2: float
) -> None:
    fs = 200.0
    t = np.arange(5 * step_samples + 1) / fs
    omega = 2 * np.pi * fs / step_samples
    acc = -amplitude_m * omega**2 * np.sin(omega * t) + offset_m_s2  # offset: sensor bias
    ics = np.arange(5, dtype=np.int64) * step_samples
    h = step_excursions(acc, ics, sampling_rate_hz=fs)
    assert h == pytest.approx(np.full(4, 2 * amplitude_m), rel=0.03)


def _bobbing_walk(fs: float, step_samples: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    t = np.arange(steps * step_samples + 1) / fs
    omega = 2 * np.pi * fs / step_samples
    acc = -0.02 * omega**2 * np.sin(omega * t)
    return acc, np.arange(steps + 1, dtype=np.int64) * step_samples


def test_without_a_yaw_rate_the_step_length_is_the_plain_pendulum_value() -> None:
    acc, ics = _bobbing_walk(100.0, 55, 6)
    model = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=100.0, ic_indices=ics
    )
    assert model.step_length_m_ == pytest.approx(model.from_excursion(model.excursion_m_))
    assert np.isnan(model.turn_angle_rad_).all()


def test_straight_steps_keep_their_length_and_turning_steps_are_shortened() -> None:
    fs = 100.0
    acc, ics = _bobbing_walk(fs, 55, 6)
    yaw = np.zeros(acc.size)
    turn_start, turn_end = int(ics[3]), int(ics[4])  # a 90-degree turn within the 4th step
    yaw[turn_start:turn_end] = (np.pi / 2) / ((turn_end - turn_start) / fs)
    plain = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=fs, ic_indices=ics
    )
    turned = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=fs, ic_indices=ics, yaw_rate_rad_s=yaw
    )
    straight = np.arange(6) != 3
    assert turned.step_length_m_[straight] == pytest.approx(plain.step_length_m_[straight])
    assert turned.turn_angle_rad_[3] == pytest.approx(np.pi / 2)
    expected = plain.step_length_m_[3] * math.exp(-TURN_COEFFICIENT_PER_RAD * np.pi / 2)
    assert turned.step_length_m_[3] == pytest.approx(expected)


@settings(max_examples=40, deadline=None)
@given(st.floats(-3.0, 3.0), st.integers(20, 150), st.integers(2, 8))
def test_turn_angles_are_the_absolute_integral_of_the_yaw_rate_per_step(
    rate_rad_s: float, step_samples: int, steps: int
) -> None:
    fs = 50.0
    ics = np.arange(steps + 1, dtype=np.int64) * step_samples
    yaw = np.full(int(ics[-1]) + 1, rate_rad_s)
    angles = step_turn_angles_rad(yaw, ics, sampling_rate_hz=fs)
    assert angles == pytest.approx(np.full(steps, abs(rate_rad_s) * step_samples / fs))


def test_fewer_than_two_contacts_have_no_turn_angles() -> None:
    assert step_turn_angles_rad(np.zeros(100), np.array([10]), sampling_rate_hz=100.0).size == 0


@settings(max_examples=60, deadline=None)
@given(st.floats(0.0, 7.0), st.floats(0.0, 7.0), st.floats(0.0, 2.0))
def test_the_turn_factor_is_one_for_straight_steps_and_falls_with_the_angle(
    a_rad: float, b_rad: float, coefficient: float
) -> None:
    assert turn_factor(np.array([0.0]), coefficient)[0] == 1.0
    fa, fb = turn_factor(np.array([a_rad, -b_rad]), coefficient)
    assert 0.0 < fa <= 1.0
    if a_rad <= b_rad:
        assert fa >= fb
