"""Walking-direction detection: contract, invariance, edge cases, and regression on real data."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from retrowalk.errors import InputError
from retrowalk.gait.direction import (
    MIN_MOVEMENT_M_S2,
    MIN_PERIODICITY,
    DirectionDetector,
    DirectionEstimate,
    ForwardReference,
    _acceleration_loop,
    _lags,
    _loop_windows,
    _prepare,
    _window_features,
    _window_starts,
    _windows_of,
    estimate_direction,
    estimate_directions,
)
from retrowalk.gait.filtering import band_pass_design, band_pass_zi
from tests.gait.benchmark_scripts import load_benchmark

RATE_HZ = 100.0
GRAVITY_M_S2 = 9.80665

FloatArray = NDArray[np.float64]


def synthetic_forward_walk(
    duration_s: float = 12.0, step_hz: float = 1.9, seed: int = 0
) -> tuple[FloatArray, FloatArray]:
    """Body-frame (x anterior, y left, z up) trunk signals of forward walking, gravity included.

    Vertical: per step a slow rise and a sharp drop (positively skewed, negative increment
    skewness); AP acceleration at the step frequency; ML sway at the stride frequency; the trunk
    pitches forward (positive rate about y) while the body brakes (negative AP acceleration), as
    a strapped lower-back sensor shows in forward walking.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0, duration_s, 1 / RATE_HZ)
    phase = (t * step_hz) % 1.0
    vertical = 6.0 * (phase**4 - 0.2)
    ap = 1.5 * np.cos(2 * np.pi * step_hz * t + 0.4)
    ml = 1.0 * np.sin(np.pi * step_hz * t)
    pitch = -0.12 * ap + rng.normal(0, 0.04, t.size)
    acc = np.column_stack([ap, ml, vertical + GRAVITY_M_S2]) + rng.normal(0, 0.1, (t.size, 3))
    gyr = np.column_stack(
        [0.1 * np.sin(np.pi * step_hz * t), pitch, 0.1 * np.cos(np.pi * step_hz * t)]
    )
    return acc, gyr


def synthetic_phone_walk(
    duration_s: float = 12.0, step_hz: float = 1.9, lead_s: float = 0.03, seed: int = 0
) -> FloatArray:
    """Body-frame (x anterior, y left, z up) gravity-free acceleration of a waist phone.

    Each step: a 15-Hz vertical contact transient and, ``lead_s`` later, a horizontal one (a
    heel-first contact: vertical energy leads horizontal energy when ``lead_s`` > 0), on top of
    smooth step- and stride-frequency sway.
    """
    rng = np.random.default_rng(seed)
    t = np.arange(0, duration_s, 1 / RATE_HZ)
    contacts = np.arange(0.1, duration_s, 1 / step_hz)

    def transients(delay_s: float) -> FloatArray:
        since = np.maximum(t[:, None] - (contacts[None, :] + delay_s), 0.0)
        started = t[:, None] >= contacts[None, :] + delay_s
        decaying = np.where(started, np.exp(-since / 0.03) * np.sin(2 * np.pi * 15 * since), 0)
        return np.asarray(decaying.sum(axis=1), dtype=np.float64)

    vertical = 2.0 * np.cos(2 * np.pi * step_hz * t) + 6.0 * transients(0.0)
    ap = 1.0 * np.sin(2 * np.pi * step_hz * t) + 4.0 * transients(lead_s)
    ml = 0.8 * np.sin(np.pi * step_hz * t)
    return np.column_stack([ap, ml, vertical]) + rng.normal(0, 0.2, (t.size, 3))


def time_reversed(acc: FloatArray, gyr: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Time reversal: samples run backwards and angular velocities change sign."""
    return acc[::-1].copy(), -gyr[::-1]


def rotated(acc: FloatArray, gyr: FloatArray, seed: int) -> tuple[FloatArray, FloatArray]:
    turn = Rotation.random(random_state=seed)
    return turn.apply(acc), turn.apply(gyr)


def test_synthetic_forward_walking_is_called_forward() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "forward"
    assert 0.5 < estimate.confidence <= 1.0


def test_time_reversed_walking_is_called_backward() -> None:
    acc, gyr = time_reversed(*synthetic_forward_walk())
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "backward"


def test_the_estimate_carries_its_evidence() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert isinstance(estimate, DirectionEstimate)
    assert estimate.features["pitch_ap_coupling"] < 0
    assert estimate.features["jerk_asymmetry"] < 0
    assert np.isfinite(estimate.features["energy_lead"])
    assert estimate.features["mounting_pouch"] == 0.0
    assert estimate.reason == ""
    with pytest.raises(dataclasses.FrozenInstanceError):
        estimate.direction = "backward"  # type: ignore[misc]


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000), backward=st.booleans())
def test_any_sensor_orientation_gives_the_same_answer(seed: int, backward: bool) -> None:
    acc, gyr = synthetic_forward_walk(seed=seed % 7)
    if backward:
        acc, gyr = time_reversed(acc, gyr)
    upright = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    turned_acc, turned_gyr = rotated(acc, gyr, seed)
    turned = estimate_direction(turned_acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=turned_gyr)
    assert turned.direction == upright.direction == ("backward" if backward else "forward")
    assert turned.confidence == pytest.approx(upright.confidence, abs=0.02)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gravity_removed_trunk_signals_in_any_orientation_are_classified(seed: int) -> None:
    acc, gyr = synthetic_forward_walk(seed=seed)
    linear = acc - np.array([0.0, 0.0, GRAVITY_M_S2])
    turned_acc, turned_gyr = rotated(linear, gyr, seed)
    forward = estimate_direction(
        turned_acc,
        sampling_rate_hz=RATE_HZ,
        gyr_rad_s=turned_gyr,
        gravity_included=False,
        mounting="trunk",
    )
    reversed_acc, reversed_gyr = time_reversed(turned_acc, turned_gyr)
    backward = estimate_direction(
        reversed_acc,
        sampling_rate_hz=RATE_HZ,
        gyr_rad_s=reversed_gyr,
        gravity_included=False,
        mounting="trunk",
    )
    assert (forward.direction, backward.direction) == ("forward", "backward")


def test_gravity_declared_but_absent_falls_back_to_the_gravity_free_frame() -> None:
    acc, gyr = synthetic_forward_walk(seed=2)
    linear = acc - np.array([0.0, 0.0, GRAVITY_M_S2])
    estimate = estimate_direction(linear, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr, mounting="trunk")
    assert estimate.direction == "forward"
    assert estimate.features["vertical_sign_certainty"] < 1.0


def test_gravity_free_recordings_are_judged_as_a_waist_phone_by_default() -> None:
    acc, gyr = synthetic_forward_walk(seed=2)
    linear = acc - np.array([0.0, 0.0, GRAVITY_M_S2])
    estimate = estimate_direction(
        linear, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr, gravity_included=False
    )
    assert estimate.features["mounting_pouch"] == 1.0


# --- the energy lead (waist phone): orientation-free, gyroscope-free, time-odd -----------------


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000), backward=st.booleans())
def test_a_phone_in_any_orientation_is_judged_by_which_energy_comes_first(
    seed: int, backward: bool
) -> None:
    acc = rotated(synthetic_phone_walk(seed=seed % 5), np.zeros((1, 3)), seed)[0]
    if backward:
        acc = acc[::-1].copy()
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gravity_included=False)
    assert estimate.direction == ("backward" if backward else "forward")


def test_horizontal_energy_before_vertical_energy_is_called_backward() -> None:
    acc = synthetic_phone_walk(lead_s=-0.03)
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gravity_included=False)
    assert estimate.direction == "backward"
    assert estimate.features["energy_lead"] < 0


def test_simultaneous_contact_energies_give_no_direction() -> None:
    acc = synthetic_phone_walk(lead_s=0.0)
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gravity_included=False)
    assert estimate.direction == "unknown"
    assert estimate.reason == "weak direction evidence"


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    lead_s=st.floats(min_value=-0.05, max_value=0.05),
    offset_m_s2=st.floats(min_value=-0.5, max_value=0.5),
)
def test_the_energy_lead_is_rotation_invariant_and_flips_under_time_reversal(
    seed: int, lead_s: float, offset_m_s2: float
) -> None:
    acc = synthetic_phone_walk(duration_s=6.0, lead_s=lead_s, seed=seed) + offset_m_s2
    turned = rotated(acc, np.zeros((1, 3)), seed)[0]
    phone = DirectionDetector.waist_bag()

    def lead(signal: FloatArray) -> float:
        estimate = phone.detect(signal, sampling_rate_hz=RATE_HZ, gravity_included=False)
        return estimate.estimate_.features["energy_lead"]

    assert lead(turned) == pytest.approx(lead(acc), abs=1e-6)
    # not bit-exact: the gravity-free vertical axis comes from band-passed data (filter edges);
    # over 804 seeds and leads the reversal changed the size by at most 0.4 % (0.0012 of 0.32)
    assert lead(acc[::-1].copy()) == pytest.approx(-lead(acc), rel=0.01, abs=1e-3)


def test_a_phone_without_a_gyroscope_is_judged_on_the_energy_lead_alone() -> None:
    acc = synthetic_phone_walk()
    estimate = DirectionDetector.waist_bag().detect(
        acc, sampling_rate_hz=RATE_HZ, gravity_included=False
    )
    assert estimate.estimate_.direction == "forward"
    assert "pitch_ap_coupling" not in estimate.estimate_.features


def test_a_swinging_waist_bag_reverses_the_meaning_of_the_pitch_coupling() -> None:
    acc, gyr = synthetic_forward_walk()
    trunk = DirectionDetector.trunk_sensor().detect(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    bag = DirectionDetector.waist_bag().detect(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert trunk.estimate_.direction == "forward"
    assert bag.estimate_.direction != "forward"


def test_a_resampled_recording_gives_the_same_answer() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc[::2], sampling_rate_hz=RATE_HZ / 2, gyr_rad_s=gyr[::2])
    assert estimate.direction == "forward"


def test_detector_settings_name_the_algorithm_version() -> None:
    settings_ = DirectionDetector.waist_bag().settings()
    assert settings_["mounting"] == "pouch"
    assert settings_["version"]


@settings(max_examples=25, deadline=None)
@given(
    step_hz=st.floats(min_value=1.4, max_value=2.4),
    pitch_gain=st.floats(min_value=0.05, max_value=0.2),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_the_direction_statistics_change_sign_when_time_runs_backwards(
    step_hz: float, pitch_gain: float, seed: int
) -> None:
    acc, gyr = synthetic_forward_walk(duration_s=6.0, step_hz=step_hz, seed=seed)
    gyr[:, 1] *= pitch_gain / 0.12
    ahead = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr).features
    back = estimate_direction(
        *time_reversed(acc, gyr)[:1], sampling_rate_hz=RATE_HZ, gyr_rad_s=time_reversed(acc, gyr)[1]
    ).features
    for name in ("pitch_ap_coupling", "jerk_asymmetry", "energy_lead"):
        assert back[name] == pytest.approx(-ahead[name], abs=0.05)
    for name in ("periodicity", "pitch_rate_rms_rad_s", "movement_m_s2"):
        assert back[name] == pytest.approx(ahead[name], rel=0.05)


def test_a_20_hz_recording_is_accepted() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc[::5], sampling_rate_hz=20.0, gyr_rad_s=gyr[::5])
    assert estimate.direction in ("forward", "unknown")


# --- against a forward reference (the session's warm-up) ----------------------------------------


def _reference(acc: FloatArray, gyr: FloatArray | None = None, **kwargs: bool) -> ForwardReference:
    return ForwardReference.from_bout(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr, **kwargs)


def test_a_bout_like_the_forward_reference_is_called_forward() -> None:
    reference = _reference(*synthetic_forward_walk(seed=1))
    acc, gyr = synthetic_forward_walk(seed=2, step_hz=1.7)
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr, reference=reference)
    assert estimate.direction == "forward"
    assert estimate.confidence > 0.8
    assert estimate.features["loop_cosine"] > 0.8


def test_the_same_walk_run_backwards_is_called_backward_against_the_reference() -> None:
    reference = _reference(*synthetic_forward_walk(seed=1))
    acc, gyr = time_reversed(*synthetic_forward_walk(seed=2, step_hz=1.7))
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr, reference=reference)
    assert estimate.direction == "backward"
    assert estimate.confidence > 0.8


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=10_000),
    backward=st.booleans(),
    gravity=st.booleans(),
)
def test_a_fixed_sensor_rotation_of_reference_and_bout_changes_nothing(
    seed: int, backward: bool, gravity: bool
) -> None:
    ref_acc, ref_gyr = synthetic_forward_walk(seed=seed % 5)
    acc, gyr = synthetic_forward_walk(seed=seed % 7 + 5, step_hz=1.8)
    if backward:
        acc, gyr = time_reversed(acc, gyr)
    if not gravity:
        ref_acc = ref_acc - np.array([0.0, 0.0, GRAVITY_M_S2])
        acc = acc - np.array([0.0, 0.0, GRAVITY_M_S2])

    def judge(r_acc: FloatArray, r_gyr: FloatArray, b_acc: FloatArray, b_gyr: FloatArray) -> Any:
        reference = _reference(r_acc, r_gyr, gravity_included=gravity)
        return estimate_direction(
            b_acc,
            sampling_rate_hz=RATE_HZ,
            gyr_rad_s=b_gyr,
            gravity_included=gravity,
            reference=reference,
        )

    upright = judge(ref_acc, ref_gyr, acc, gyr)
    turn = Rotation.random(random_state=seed)
    turned = judge(turn.apply(ref_acc), turn.apply(ref_gyr), turn.apply(acc), turn.apply(gyr))
    assert turned.direction == upright.direction == ("backward" if backward else "forward")
    assert turned.confidence == pytest.approx(upright.confidence, abs=1e-6)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(min_value=0, max_value=10_000), lead_s=st.floats(-0.05, 0.05))
def test_the_loop_vote_flips_exactly_under_time_reversal(seed: int, lead_s: float) -> None:
    reference = _reference(synthetic_phone_walk(seed=seed + 1), gravity_included=False)
    acc = synthetic_phone_walk(duration_s=9.0, lead_s=lead_s, seed=seed)

    def score(signal: FloatArray) -> float:
        estimate = estimate_direction(
            signal, sampling_rate_hz=RATE_HZ, gravity_included=False, reference=reference
        )
        return estimate.features["score"]

    # the loop statistic is exactly odd; the zero-phase band-pass is so up to its edge transients
    assert score(acc[::-1].copy()) == pytest.approx(-score(acc), abs=1e-3)


def test_a_reference_at_another_sampling_rate_still_applies() -> None:
    reference = _reference(*synthetic_forward_walk(seed=1))
    acc, gyr = synthetic_forward_walk(seed=2)
    ahead = estimate_direction(
        acc[::2], sampling_rate_hz=RATE_HZ / 2, gyr_rad_s=gyr[::2], reference=reference
    )
    back_acc, back_gyr = time_reversed(acc[::2], gyr[::2])
    back = estimate_direction(
        back_acc, sampling_rate_hz=RATE_HZ / 2, gyr_rad_s=back_gyr, reference=reference
    )
    assert (ahead.direction, back.direction) == ("forward", "backward")


def test_a_phone_without_gyroscope_is_judged_against_its_reference() -> None:
    reference = _reference(synthetic_phone_walk(seed=3), gravity_included=False)
    ahead = estimate_direction(
        synthetic_phone_walk(seed=4),
        sampling_rate_hz=RATE_HZ,
        gravity_included=False,
        reference=reference,
    )
    back = estimate_direction(
        synthetic_phone_walk(seed=4)[::-1].copy(),
        sampling_rate_hz=RATE_HZ,
        gravity_included=False,
        reference=reference,
    )
    assert (ahead.direction, back.direction) == ("forward", "backward")


def test_a_sensor_that_turned_on_the_body_since_the_reference_gives_unknown() -> None:
    reference = _reference(*synthetic_forward_walk(seed=1))
    tilt = Rotation.from_euler("x", 60, degrees=True)
    acc, gyr = synthetic_forward_walk(seed=2)
    estimate = estimate_direction(
        tilt.apply(acc), sampling_rate_hz=RATE_HZ, gyr_rad_s=tilt.apply(gyr), reference=reference
    )
    assert estimate.direction == "unknown"
    assert "turned on the body" in estimate.reason
    assert estimate.features["tilt_from_reference_deg"] == pytest.approx(60, abs=5)


def test_a_sensor_turned_round_about_the_vertical_is_misread_as_the_other_direction() -> None:
    # the stated assumption: the sensor keeps its place on the trunk; a half turn about the
    # vertical leaves gravity where it was, so nothing reveals it (docs/gait_direction.md)
    reference = _reference(*synthetic_forward_walk(seed=1))
    half_turn = Rotation.from_euler("z", 180, degrees=True)
    acc, gyr = synthetic_forward_walk(seed=2)
    estimate = estimate_direction(
        half_turn.apply(acc),
        sampling_rate_hz=RATE_HZ,
        gyr_rad_s=half_turn.apply(gyr),
        reference=reference,
    )
    assert estimate.direction == "backward"


def test_standing_still_is_unknown_even_with_a_reference() -> None:
    reference = _reference(*synthetic_forward_walk(seed=1))
    rng = np.random.default_rng(4)
    acc = np.array([0.3, -0.2, GRAVITY_M_S2]) + rng.normal(0, 0.02, (1000, 3))
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, reference=reference)
    assert (estimate.direction, estimate.reason) == ("unknown", "no movement")


def test_a_still_reference_bout_is_refused_with_the_field() -> None:
    rng = np.random.default_rng(4)
    acc = np.array([0.3, -0.2, GRAVITY_M_S2]) + rng.normal(0, 0.02, (1000, 3))
    with pytest.raises(InputError) as raised:
        _reference(acc)
    assert raised.value.field == "reference"
    assert "no movement" in str(raised.value)


def test_a_reference_whose_windows_turn_both_ways_is_refused() -> None:
    acc, gyr = synthetic_forward_walk(duration_s=12.0, seed=1)
    back_acc, back_gyr = time_reversed(*synthetic_forward_walk(duration_s=12.0, seed=2))
    with pytest.raises(InputError) as raised:
        _reference(np.vstack((acc, back_acc)), np.vstack((gyr, back_gyr)))
    assert raised.value.field == "reference"


def test_a_declared_placement_needs_a_real_axis() -> None:
    with pytest.raises(InputError) as raised:
        ForwardReference.declared((0.0, 0.0, 0.0))
    assert raised.value.field == "loop_axis"
    reference = ForwardReference.declared((0.0, 2.0, 0.0), up=(0.0, 0.0, 3.0))
    assert reference.loop_axis == (0.0, 1.0, 0.0)
    assert reference.up == (0.0, 0.0, 1.0)


def test_the_reference_settings_can_be_stored() -> None:
    settings_ = ForwardReference.mobilise_d_lower_back().settings()
    assert settings_["source"] == "Mobilise-D lower back"
    assert settings_["loop_axis"] == [0.0, 1.0, 0.0]


# --- edge cases -------------------------------------------------------------------------------


def test_a_strapped_sensor_without_a_gyroscope_is_unknown_with_the_reason() -> None:
    acc, _ = synthetic_forward_walk()
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ)
    assert estimate.direction == "unknown"
    assert "gyroscope" in estimate.reason


def test_the_trunk_preset_without_a_gyroscope_is_unknown_with_the_reason() -> None:
    acc, _ = synthetic_forward_walk()
    estimate = DirectionDetector.trunk_sensor().detect(acc, sampling_rate_hz=RATE_HZ).estimate_
    assert estimate.direction == "unknown"
    assert "gyroscope" in estimate.reason


def test_an_empty_bout_is_unknown() -> None:
    estimate = estimate_direction(np.zeros((0, 3)), sampling_rate_hz=RATE_HZ)
    assert (estimate.direction, estimate.confidence) == ("unknown", 0.0)


def test_a_bout_under_2_s_is_unknown() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc[:150], sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr[:150])
    assert estimate.direction == "unknown"
    assert "too short" in estimate.reason


def test_standing_still_is_unknown() -> None:
    rng = np.random.default_rng(4)
    acc = np.array([0.3, -0.2, GRAVITY_M_S2]) + rng.normal(0, 0.02, (1000, 3))
    gyr = rng.normal(0, 0.01, (1000, 3))
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "unknown"
    assert estimate.reason == "no movement"


def test_a_gyroscope_reading_zeros_does_not_break_the_estimate() -> None:
    acc, gyr = synthetic_forward_walk()
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=np.zeros_like(gyr))
    assert estimate.direction == "unknown"


def test_random_shaking_is_not_called_walking() -> None:
    rng = np.random.default_rng(5)
    acc = np.array([0.0, 0.0, GRAVITY_M_S2]) + rng.normal(0, 3.0, (1200, 3))
    gyr = rng.normal(0, 0.5, (1200, 3))
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "unknown"


def test_nans_in_the_gyroscope_only_are_skipped() -> None:
    acc, gyr = synthetic_forward_walk(duration_s=20.0)
    gyr[1500:1510] = np.nan
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "forward"


def test_scattered_nans_are_skipped() -> None:
    acc, gyr = synthetic_forward_walk(duration_s=20.0)
    acc[30:40] = np.nan
    estimate = estimate_direction(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    assert estimate.direction == "forward"


@pytest.mark.parametrize(
    ("acc", "gyr", "rate_hz", "field"),
    [
        (np.zeros((500, 2)), None, RATE_HZ, "acc_m_s2"),
        (np.zeros(500), None, RATE_HZ, "acc_m_s2"),
        (np.full((500, 3), np.nan), None, RATE_HZ, "acc_m_s2"),
        (np.zeros((500, 3)), np.zeros((400, 3)), RATE_HZ, "gyr_rad_s"),
        (np.zeros((500, 3)), np.zeros((500, 4)), RATE_HZ, "gyr_rad_s"),
        (np.zeros((500, 3)), None, 10.0, "sampling_rate_hz"),
        (np.zeros((500, 3)), None, float("nan"), "sampling_rate_hz"),
        (np.full((500, 3), 1e9), None, RATE_HZ, "acc_m_s2"),
    ],
)
def test_malformed_input_is_refused_with_the_field(
    acc: FloatArray, gyr: FloatArray | None, rate_hz: float, field: str
) -> None:
    with pytest.raises(InputError) as raised:
        estimate_direction(acc, sampling_rate_hz=rate_hz, gyr_rad_s=gyr)
    assert raised.value.field == field


# --- regression on real recordings -------------------------------------------------------------


def _straightforward_loop(acc: FloatArray, lags: tuple[int, ...]) -> FloatArray:
    """The acceleration loop by its definition: per lag, the mean cross product a(t) x a(t+lag)."""
    centred = acc - acc.mean(axis=1, keepdims=True)
    power = np.einsum("wlk,wlk->w", centred, centred) / centred.shape[1]
    total = sum(np.cross(centred[:, :-lag], centred[:, lag:]).mean(axis=1) for lag in lags)
    return np.asarray(total / len(lags) / power[:, None], dtype=np.float64)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_the_fast_acceleration_loop_equals_its_definition(seed: int) -> None:
    windows = np.random.default_rng(seed).normal(0, 1, (5, 400, 3)).cumsum(axis=1)
    lags = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20)
    fast = _acceleration_loop(windows, lags)
    np.testing.assert_allclose(fast, _straightforward_loop(windows, lags), rtol=1e-9, atol=1e-12)


def _bouts_of_many_lengths(rate_hz: float) -> list[FloatArray]:
    """Walking, still and noisy bouts from shorter than the 2-s filter padding to 25 s."""
    rng = np.random.default_rng(7)
    bouts = []
    for k, duration_s in enumerate((0.9, 2.0, 3.3, 4.0, 7.99, 8.0, 12.5, 25.0)):
        n = round(duration_s * rate_hz)
        acc, _ = synthetic_forward_walk(duration_s=30.0, seed=k)
        walk = acc[:: max(1, round(RATE_HZ / rate_hz))][:n]
        if k == 3:
            walk = rng.normal(0.0, 2.0, (n, 3)) + np.array([0.0, 0.0, GRAVITY_M_S2])
        bouts.append(np.ascontiguousarray(walk))
    return bouts


def test_the_windows_of_all_bouts_are_each_bouts_windows() -> None:
    lengths = np.array([200, 399, 400, 799, 800, 801, 1199, 1200, 2246, 5003])
    bout, start, size = _windows_of(lengths, 400)
    for k, n in enumerate(lengths):
        length = n if n < 800 else 400
        np.testing.assert_array_equal(start[bout == k], _window_starts(int(n), int(length)))
        assert set(size[bout == k].tolist()) == {length}


@pytest.mark.parametrize("gravity_included", [True, False])
def test_the_batched_loop_statistics_equal_the_window_features(gravity_included: bool) -> None:
    # the reference route's FFT formulation against the direct per-window computation
    bouts = [b for b in _bouts_of_many_lengths(RATE_HZ) if b.shape[0] >= 200]
    if not gravity_included:
        bouts = [b - b.mean(axis=0) for b in bouts]
    lags = _lags((0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2), RATE_HZ)
    fast = _loop_windows(bouts, gravity_included, (0.3, 10.0), RATE_HZ, 400, lags)
    band = (band_pass_design(0.3, 10.0, RATE_HZ), band_pass_zi(0.3, 10.0, RATE_HZ))
    walking_seen: list[bool] = []
    for k, bout in enumerate(bouts):
        pieces = _prepare([bout], None, gravity_included, band, RATE_HZ)
        n = bout.shape[0]
        length = n if n < 800 else 400
        index = _window_starts(n, length)[:, None] + np.arange(length)
        vertical = pieces.bouts[0].vertical
        windows = _window_features(
            pieces,
            index,
            None if vertical is None else np.tile(vertical, (index.shape[0], 1)),
            np.array([0, index.shape[0]]),
            RATE_HZ,
            3,
            (1, 2, 3, 4, 5),
            lags,
            frozenset({"loop"}),
        )
        rows = slice(int(fast.edges[k]), int(fast.edges[k + 1]))
        movement, periodicity = windows["movement_m_s2"], windows["periodicity"]
        np.testing.assert_allclose(fast.movement[rows], movement, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(fast.periodicity[rows], periodicity, rtol=1e-9, atol=1e-12)
        # the loop only of walking windows (the only ones a decision reads)
        walking = (movement >= MIN_MOVEMENT_M_S2) & (periodicity >= MIN_PERIODICITY)
        loop = np.column_stack([windows[f"loop_{axis}"] for axis in "xyz"])
        np.testing.assert_allclose(fast.loop[rows][walking], loop[walking], rtol=1e-9, atol=1e-12)
        assert np.isnan(fast.loop[rows][~walking]).all()
        walking_seen.append(bool(walking.any()))
        raw_mean = bout[index].mean(axis=1)
        np.testing.assert_allclose(fast.raw_mean[rows], raw_mean, rtol=1e-12, atol=1e-12)
        assert (fast.bouts[k].vertical is None) == (vertical is None)
    assert any(walking_seen) or not gravity_included


def test_the_vectorised_reference_decisions_equal_the_one_bout_classification() -> None:
    acc, gyr, bounds = _many_bouts_recording()
    first = slice(*bounds[1])
    reference = ForwardReference.from_bout(
        acc[first], sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr[first]
    )
    tilted = ForwardReference.declared(reference.loop_axis, up=(0.0, 1.0, 0.0))
    accs = [acc[start:end] for start, end in bounds if end - start >= 200]
    accs = [a for a in accs if np.isfinite(a).all()]
    stats = DirectionDetector()._loop_windows(accs, RATE_HZ, True)
    for ref in (reference, tilted):
        together = ref._classify_windows(stats, gravity_included=True)
        reasons = set()
        for analysis, estimate in zip(stats.analyses(True), together, strict=True):
            alone = (
                analysis
                if isinstance(analysis, DirectionEstimate)
                else ref._classify(analysis, gravity_included=True, describe=False)
            )
            assert (estimate.direction, estimate.reason) == (alone.direction, alone.reason)
            assert estimate.confidence == pytest.approx(alone.confidence, rel=1e-12, abs=1e-15)
            assert _same_features(estimate.features, alone.features, 1e-9)  # tilt: arccos near 1
            assert estimate.features.keys() == alone.features.keys()
            reasons.add(estimate.reason.split(":")[0])
        assert len(reasons) >= 2


def _same_features(lean: Mapping[str, float], full: Mapping[str, float], rtol: float = 0.0) -> bool:
    return all(
        name in full and bool(np.isclose(value, full[name], rtol=rtol, atol=0.0, equal_nan=True))
        for name, value in lean.items()
    )


@pytest.mark.parametrize("with_reference", [False, True])
@pytest.mark.parametrize("with_gyroscope", [False, True])
@pytest.mark.parametrize("kind", ["forward", "backward", "phone", "still"])
def test_the_decision_only_path_decides_exactly_as_the_full_one(
    kind: str, with_gyroscope: bool, with_reference: bool
) -> None:
    # the pipeline calls estimate_direction(describe=False): it must change nothing but speed
    acc, gyr = synthetic_forward_walk(seed=4)
    reference = ForwardReference.from_bout(acc, sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr)
    gravity_included = True
    if kind == "backward":
        acc, gyr = time_reversed(acc, gyr)
    elif kind == "phone":
        acc, gravity_included = synthetic_phone_walk(seed=4), False
        reference = ForwardReference.from_bout(
            acc, sampling_rate_hz=RATE_HZ, gravity_included=False
        )
        acc, gyr = time_reversed(acc, gyr[: acc.shape[0]])
    elif kind == "still":
        acc = np.tile([0.0, 0.0, GRAVITY_M_S2], (acc.shape[0], 1))
    arguments: dict[str, Any] = {
        "sampling_rate_hz": RATE_HZ,
        "gyr_rad_s": gyr if with_gyroscope else None,
        "gravity_included": gravity_included,
        "reference": reference if with_reference else None,
    }
    full = estimate_direction(acc, **arguments)
    lean = estimate_direction(acc, describe=False, **arguments)
    assert (lean.direction, lean.confidence, lean.reason) == (
        full.direction,
        full.confidence,
        full.reason,
    )
    assert _same_features(lean.features, full.features)
    assert set(lean.features) <= set(full.features)


def _validation_module() -> ModuleType:
    return load_benchmark("direction_validation")


@pytest.fixture(scope="module")
def validation_rows(shared_data_dir: Path) -> dict[str, dict[str, object]]:
    rows = _validation_module().evaluate(shared_data_dir)
    return {f"{row['dataset']}: {row['case']}": row for row in rows}


def _count(rows: dict[str, dict[str, object]], key: str, column: str) -> int:
    value = rows[key][column]
    assert isinstance(value, int)
    return value


@pytest.mark.shared_data
def test_forward_lower_back_walking_is_rarely_called_backward(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    shipped = "mobgap lower back: forward bouts, gravity included (auto)"
    assert _count(validation_rows, shipped, "wrong") <= 2
    assert _count(validation_rows, shipped, "correct") >= 13
    trunk = "mobgap lower back: forward bouts, trunk-sensor preset"
    assert _count(validation_rows, trunk, "wrong") <= 1
    assert _count(validation_rows, trunk, "correct") >= 15


@pytest.mark.shared_data
def test_kuhar_forward_and_backward_windows_are_mostly_right_and_rarely_wrong(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    for key in (
        "KU-HAR: forward+backward, estimate_direction (auto)",
        "KU-HAR: forward+backward, leave-one-user-out (signs refitted)",
    ):
        assert _count(validation_rows, key, "correct") >= 17
        assert _count(validation_rows, key, "wrong") <= 1


@pytest.mark.shared_data
def test_the_energy_lead_alone_with_its_sign_from_walking_in_a_circle_separates_kuhar(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    key = next(
        k for k in validation_rows if k.startswith("KU-HAR: energy_lead alone, sign from KU-HAR")
    )
    assert "(10/11 > 0)" in key
    assert _count(validation_rows, key, "correct") >= 20


@pytest.mark.shared_data
def test_kuhar_walking_in_a_circle_is_called_forward(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    key = "KU-HAR: walk-circle (forward) called forward"
    assert _count(validation_rows, key, "correct") >= 10
    assert _count(validation_rows, key, "wrong") <= 1


@pytest.mark.shared_data
def test_kuhar_non_walking_windows_are_rarely_given_a_direction(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    key = "KU-HAR: non-walking: given a direction"
    assert _count(validation_rows, key, "wrong") / _count(validation_rows, key, "n") <= 0.06


@pytest.mark.shared_data
def test_kuhar_against_a_forward_reference_window_every_other_window_is_right(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    row = validation_rows[
        "KU-HAR: reference: one forward window of the same user, all its other windows"
    ]
    assert (row["n"], row["correct"], row["wrong"], row["unknown"]) == (162, 162, 0, 0)
    assert row["references"] == 11
    assert float(str(row["worst_accuracy"])) >= 0.95  # the target, for every reference
    assert row["excluded_windows"] == 2


@pytest.mark.shared_data
def test_kuhar_a_reference_from_another_user_works_too(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    row = validation_rows["KU-HAR: reference: a forward window of ANOTHER user (placement fixed)"]
    assert (row["correct"], row["wrong"]) == (69, 0)


@pytest.mark.shared_data
def test_kuhar_walking_in_a_circle_matches_the_forward_reference(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    row = validation_rows[
        "KU-HAR: reference: walk-circle (forward) called forward, all reference pairs"
    ]
    assert (row["correct"], row["wrong"]) == (121, 0)


@pytest.mark.shared_data
def test_kuhar_non_walking_windows_against_a_reference_rarely_get_a_direction(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    key = "KU-HAR: reference: non-walking given a direction, all reference pairs"
    assert _count(validation_rows, key, "wrong") / _count(validation_rows, key, "n") <= 0.12


@pytest.mark.shared_data
def test_mobgap_later_bouts_match_the_first_bout_and_their_time_reversal_does_not(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    prefix = "mobgap lower back: reference: first bout; later bouts "
    ahead = prefix + "as recorded (forward)"
    back = prefix + "time-reversed (synthetic backward)"
    for key in (ahead, back):
        assert _count(validation_rows, key, "wrong") == 0
        assert _count(validation_rows, key, "correct") >= 11
    declared = "mobgap lower back: declared Mobilise-D frame (no reference bout), all bouts"
    assert _count(validation_rows, declared, "wrong") == 0
    assert _count(validation_rows, declared, "correct") >= 16


@pytest.mark.shared_data
def test_mobgap_any_usable_bout_as_reference_never_calls_another_bout_backward(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    row = validation_rows[
        "mobgap lower back: reference: every bout in turn; the participant's other bouts"
    ]
    assert (row["n"], row["wrong"]) == (100, 0)
    assert isinstance(row["correct"], int)
    assert row["correct"] >= 85


@pytest.mark.shared_data
def test_a_sensor_turned_round_on_the_trunk_is_caught_only_when_gravity_moves(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    # the limit the docs state: 12 of 16 turned bouts are caught by the tilt check, 4 (a sensor
    # whose x axis is almost vertical) are misread; none of them is called forward
    key = next(k for k in validation_rows if "sensor turned 180 deg" in k)
    assert (_count(validation_rows, key, "correct"), _count(validation_rows, key, "unknown")) == (
        0,
        12,
    )


@pytest.mark.shared_data
def test_kuhar_declared_phone_axis_with_its_sign_from_other_users_is_right(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    key = "KU-HAR: declared phone axis y, sign from the other users (leave-one-user-out)"
    assert (_count(validation_rows, key, "correct"), _count(validation_rows, key, "wrong")) == (
        22,
        0,
    )


@pytest.mark.shared_data
@pytest.mark.xfail(
    reason="issue 6 target (>= 95 %) not reached WITHOUT a reference (the fallback): 17 of 22",
    strict=True,
)
def test_kuhar_leave_one_user_out_accuracy_reaches_the_95_percent_target(
    validation_rows: dict[str, dict[str, object]],
) -> None:
    row = validation_rows["KU-HAR: forward+backward, leave-one-user-out (signs refitted)"]
    assert float(str(row["accuracy"])) >= 0.95


def _many_bouts_recording() -> tuple[FloatArray, FloatArray, list[tuple[int, int]]]:
    """Forward, time-reversed and still stretches of several lengths in one recording, with a
    NaN gap, an implausible value and a too-short bout among the bouts."""
    parts_acc, parts_gyr, bounds = [], [], []
    start = 0
    for k, duration_s in enumerate((3.0, 12.0, 5.5, 9.0, 7.99, 16.0, 4.0, 12.0, 2.5, 30.0)):
        acc, gyr = synthetic_forward_walk(duration_s=duration_s, seed=k)
        if k % 3 == 1:
            acc, gyr = time_reversed(acc, gyr)
        if k == 6:  # standing still
            acc = np.tile([0.0, 0.0, GRAVITY_M_S2], (acc.shape[0], 1))
        parts_acc.append(acc)
        parts_gyr.append(gyr)
        bounds.append((start, start + acc.shape[0]))
        start += acc.shape[0]
    acc, gyr = np.vstack(parts_acc), np.vstack(parts_gyr)
    acc[bounds[3][0] + 100 : bounds[3][0] + 120] = np.nan  # longest finite stretch
    gyr[bounds[7][0] + 50, 1] = 5e6  # not physical: that bout alone is refused
    bounds += [(bounds[5][0], bounds[5][0] + 150), (0, acc.shape[0] // 2), (10, 1200)]
    # many overlapping bouts whose windows share a length (evaluated in one array)
    bounds += [(s, s + 800 + 29 * k) for k, s in enumerate(range(0, acc.shape[0] - 1800, 250))]
    return acc, gyr, bounds


@pytest.mark.parametrize("gravity", [True, False])
@pytest.mark.parametrize("with_gyroscope", [True, False])
@pytest.mark.parametrize("with_reference", [True, False])
def test_many_bouts_at_once_give_exactly_what_each_bout_gives_alone(
    gravity: bool, with_gyroscope: bool, with_reference: bool
) -> None:
    acc, gyr, bounds = _many_bouts_recording()
    if not gravity:
        acc = acc - np.array([0.0, 0.0, GRAVITY_M_S2])
    gyr_or_none = gyr if with_gyroscope else None
    reference = None
    if with_reference:
        first = slice(*bounds[1])
        reference = ForwardReference.from_bout(
            acc[first],
            sampling_rate_hz=RATE_HZ,
            gyr_rad_s=None if gyr_or_none is None else gyr[first],
            gravity_included=gravity,
        )
    together = estimate_directions(
        acc,
        sampling_rate_hz=RATE_HZ,
        bounds=bounds,
        gyr_rad_s=gyr_or_none,
        gravity_included=gravity,
        reference=reference,
    )
    assert len(together) == len(bounds)
    for (start, end), estimate in zip(bounds, together, strict=True):
        try:
            alone = estimate_direction(
                acc[start:end],
                sampling_rate_hz=RATE_HZ,
                gyr_rad_s=None if gyr_or_none is None else gyr[start:end],
                gravity_included=gravity,
                reference=reference,
                describe=False,
            )
        except InputError as error:
            alone = DirectionEstimate("unknown", 0.0, reason=error.problem)
        assert (estimate.direction, estimate.confidence, estimate.reason) == (
            alone.direction,
            alone.confidence,
            alone.reason,
        ), (start, end)
        assert estimate.features.keys() == alone.features.keys()
        for name, value in alone.features.items():
            assert np.array_equal(estimate.features[name], value, equal_nan=True), name
    directions = {estimate.direction for estimate in together}
    assert {"forward", "backward", "unknown"} <= directions or not with_gyroscope


@pytest.mark.parametrize("needs", [None, frozenset({"loop"})])
def test_many_bouts_at_once_give_each_bout_the_same_window_statistics(
    needs: frozenset[str] | None,
) -> None:
    """Every window statistic, not only the decision (periodicity, for one, only weighs a vote
    below 0.6 and would hide a last-bit difference in the decision)."""
    acc, gyr, bounds = _many_bouts_recording()
    detector = DirectionDetector()
    together = detector._analyse_many(acc, RATE_HZ, gyr, True, bounds, needs)
    compared = 0
    for (start, end), analysis in zip(bounds, together, strict=True):
        try:
            alone = detector._analyse(acc[start:end], RATE_HZ, gyr[start:end], True, needs)
        except InputError:
            continue
        if isinstance(alone, DirectionEstimate):
            assert analysis == alone
            continue
        assert not isinstance(analysis, DirectionEstimate)
        assert analysis.windows.keys() == alone.windows.keys()
        for name, values in alone.windows.items():
            assert np.array_equal(analysis.windows[name], values, equal_nan=True), name
        compared += 1
    assert compared > 20


def test_the_reference_route_answers_the_same_when_its_work_memory_is_reused() -> None:
    # the batched reference route keeps its large work arrays between calls (process-wide)
    acc, gyr, bounds = _many_bouts_recording()
    first = slice(*bounds[1])
    reference = ForwardReference.from_bout(
        acc[first], sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr[first]
    )
    arguments: dict[str, Any] = {"sampling_rate_hz": RATE_HZ, "reference": reference}
    before = estimate_directions(acc, bounds=bounds, **arguments)
    analyses = DirectionDetector()._analyse_many(
        acc, RATE_HZ, gyr, True, bounds, frozenset({"loop"})
    )
    filtered = [a.bout.linear_acc.copy() for a in analyses if not isinstance(a, DirectionEstimate)]
    estimate_directions(acc[::-1].copy(), bounds=[(0, 2500), (3000, 9000)], **arguments)
    estimate_directions(np.vstack([acc, acc]), bounds=[(0, 2 * acc.shape[0])], **arguments)
    assert estimate_directions(acc, bounds=bounds, **arguments) == before
    kept = [a.bout.linear_acc for a in analyses if not isinstance(a, DirectionEstimate)]
    assert all(np.array_equal(a, b) for a, b in zip(kept, filtered, strict=True))


def test_two_threads_analysing_at_once_get_their_single_thread_answers() -> None:
    # one process-wide set of kept work arrays: a call that finds it in use gets fresh arrays
    acc, gyr, bounds = _many_bouts_recording()
    first = slice(*bounds[1])
    reference = ForwardReference.from_bout(
        acc[first], sampling_rate_hz=RATE_HZ, gyr_rad_s=gyr[first]
    )
    other_acc, other_bounds = acc[::-1].copy(), [(0, 2500), (3000, 9000), (100, 8000)]
    jobs = [(acc, bounds), (other_acc, other_bounds)]
    alone = [
        estimate_directions(a, sampling_rate_hz=RATE_HZ, bounds=b, reference=reference)
        for a, b in jobs
    ]
    rounds = 4
    start = threading.Barrier(len(jobs))
    found: list[list[Any]] = [[] for _ in jobs]

    def analyse(k: int) -> None:
        a, b = jobs[k]
        for _ in range(rounds):
            start.wait()
            found[k].append(
                estimate_directions(a, sampling_rate_hz=RATE_HZ, bounds=b, reference=reference)
            )

    threads = [threading.Thread(target=analyse, args=(k,)) for k in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert found == [[answer] * rounds for answer in alone]


def test_many_bouts_refuse_bad_arrays_clearly() -> None:
    acc, gyr, bounds = _many_bouts_recording()
    with pytest.raises(InputError) as raised:
        estimate_directions(acc[:, :2], sampling_rate_hz=RATE_HZ, bounds=bounds)
    assert raised.value.field == "acc_m_s2"
    with pytest.raises(InputError) as raised:
        estimate_directions(acc, sampling_rate_hz=RATE_HZ, bounds=bounds, gyr_rad_s=gyr[:-1])
    assert raised.value.field == "gyr_rad_s"
    with pytest.raises(InputError) as raised:
        estimate_directions(acc, sampling_rate_hz=10.0, bounds=bounds)
    assert raised.value.field == "sampling_rate_hz"
    for bad in ([(0, acc.shape[0] + 1)], [(-1, 100)], [(500, 400)]):
        with pytest.raises(InputError) as raised:
            estimate_directions(acc, sampling_rate_hz=RATE_HZ, bounds=bad)
        assert raised.value.field == "bounds"
    assert estimate_directions(acc, sampling_rate_hz=RATE_HZ, bounds=[]) == []
