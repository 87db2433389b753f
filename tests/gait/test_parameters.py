from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.gait.parameters import InvertedPendulumStepLength, bout_parameters, step_excursions


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
    ics = np.arange(steps + 1) * step_s
    params = bout_parameters(ics, np.full(ics.size, np.nan), None)
    assert params.steps == steps
    assert params.cadence_spm == pytest.approx(60.0 / step_s)
    assert params.step_time_cv_percent == pytest.approx(0.0, abs=1e-6)
    assert math.isnan(params.speed_m_s)


def test_stance_and_double_support_come_from_final_contacts() -> None:
    ics = np.arange(6) * 0.5
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
