from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import scipy.fft
from hypothesis import given, settings
from hypothesis import strategies as st

from retrowalk.errors import InputError
from retrowalk.gait.parameters import (
    EXCURSION_FILTER_MARGIN_S,
    EXCURSION_METHODS,
    MOBILISE_D_ACC_HIGHPASS_HZ,
    MOBILISE_D_VELOCITY_HIGHPASS_HZ,
    TURN_COEFFICIENT_PER_RAD,
    BoutParameters,
    ExcursionMethod,
    InvertedPendulumStepLength,
    _fast_fft_lengths,
    _hampel_segments,
    _nan_median_columns,
    _nan_median_rows,
    bout_parameters,
    bout_step_indices,
    filtered_step_excursions,
    hampel_filter,
    parameters_of_bouts,
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
    pendulum = model.from_excursion(model.excursion_m_)
    assert model.step_length_m_ == pytest.approx(hampel_filter(pendulum))
    inner = slice(1, -1)  # no outliers to replace away from the filters' edge transients
    assert model.step_length_m_[inner] == pytest.approx(pendulum[inner], rel=0.02)
    assert np.isnan(model.turn_angle_rad_).all()


def test_straight_steps_keep_their_length_and_turning_steps_are_shortened() -> None:
    fs = 100.0
    acc, ics = _bobbing_walk(fs, 55, 8)
    yaw = np.zeros(acc.size)
    turn_start, turn_end = int(ics[4]), int(ics[5])  # a 90-degree turn within the 5th step
    yaw[turn_start:turn_end] = (np.pi / 2) / ((turn_end - turn_start) / fs)
    plain = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=fs, ic_indices=ics
    )
    turned = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=fs, ic_indices=ics, yaw_rate_rad_s=yaw
    )
    # the turn is shared over the stride centred on each step: 1/4, 1/2, 1/4 of it
    expected_angle = np.array([0, 0, 0, 1 / 4, 1 / 2, 1 / 4, 0, 0]) * np.pi / 2
    assert turned.turn_angle_rad_ == pytest.approx(expected_angle, abs=1e-9)
    expected = plain.step_length_m_ * np.exp(-TURN_COEFFICIENT_PER_RAD * expected_angle)
    assert turned.step_length_m_ == pytest.approx(expected)
    straight = expected_angle == 0
    assert turned.step_length_m_[straight] == pytest.approx(plain.step_length_m_[straight])
    assert (turned.step_length_m_[~straight] < plain.step_length_m_[~straight]).all()


@settings(max_examples=40, deadline=None)
@given(st.floats(0.02, 0.2), st.integers(30, 80), st.integers(3, 10), st.floats(-1.0, 1.0))
def test_the_pelvis_yawing_back_and_forth_each_step_is_not_a_turn(
    sway_rad: float, step_samples: int, steps: int, turn_rate_rad_s: float
) -> None:
    fs = 100.0
    ics = np.arange(steps + 1, dtype=np.int64) * step_samples
    t = np.arange(int(ics[-1]) + 1) / fs
    step_s = step_samples / fs
    # yaw angle sway_rad * sin(pi t / step): +sway_rad one step, back the next; plus a turn
    sway = sway_rad * (np.pi / step_s) * np.cos(np.pi * t / step_s)
    angles = step_turn_angles_rad(sway + turn_rate_rad_s, ics, sampling_rate_hz=fs)
    # an even number of steps nets the sway out exactly; the ends repeat their step
    inner = angles[1:-1]
    assert inner == pytest.approx(np.full(inner.size, abs(turn_rate_rad_s) * step_s), abs=0.01)


@settings(max_examples=40, deadline=None)
@given(st.floats(-3.0, 3.0), st.integers(20, 150), st.integers(2, 8))
def test_a_steady_turn_gives_each_step_its_integral_of_the_yaw_rate(
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


def _sine_walk(
    step_s: float, amplitude_m: float, steps: int, fs: float = 100.0
) -> tuple[np.ndarray, np.ndarray]:
    """Trunk bobbing once per step (vertical position ``-A cos``) with 5 s of standing around."""
    step_samples = round(step_s * fs)
    quiet = round(5 * fs)
    n = steps * step_samples + 1
    t = np.arange(n) / fs
    omega = 2 * np.pi / step_s
    acc = np.r_[np.zeros(quiet), amplitude_m * omega**2 * np.cos(omega * t), np.zeros(quiet)]
    ics = quiet + np.arange(steps + 1, dtype=np.int64) * step_samples
    return acc, ics


def test_the_mobilise_d_excursion_keeps_normal_steps_and_shrinks_very_slow_ones() -> None:
    acc, ics = _sine_walk(0.55, 0.02, 12)
    h = filtered_step_excursions(acc, ics, sampling_rate_hz=100.0)
    inner = h[2:-2]  # the ends see the filters' transients at the bout's start and stop
    assert inner == pytest.approx(np.full(inner.size, 0.04), rel=0.05)
    slow_acc, slow_ics = _sine_walk(2.0, 0.02, 8)
    slow = filtered_step_excursions(slow_acc, slow_ics, sampling_rate_hz=100.0)
    assert np.median(slow) < 0.5 * 0.04  # 0.5 Hz bobbing is under the 1 Hz drift filter
    # the per-step integration keeps the slow excursion whole
    plain = step_excursions(slow_acc, slow_ics, sampling_rate_hz=100.0)
    assert np.median(plain) == pytest.approx(0.04, rel=0.05)


def test_a_gap_in_the_signal_gives_no_excursions_and_one_contact_gives_no_steps() -> None:
    acc, ics = _sine_walk(0.55, 0.02, 6)
    acc[int(ics[2]) + 10] = np.nan
    h = filtered_step_excursions(acc, ics, sampling_rate_hz=100.0)
    assert h.shape == (6,)
    assert np.isnan(h).all()
    assert filtered_step_excursions(acc, ics[:1], sampling_rate_hz=100.0).size == 0


@settings(max_examples=30, deadline=None)
@given(st.floats(0.4, 0.8), st.floats(0.01, 0.04), st.integers(8, 20), st.floats(-0.5, 0.5))
def test_the_excursion_ignores_a_constant_offset_and_matches_regular_bobbing(
    step_s: float, amplitude_m: float, steps: int, offset_m_s2: float
) -> None:
    acc, ics = _sine_walk(step_s, amplitude_m, steps)
    h = filtered_step_excursions(acc + offset_m_s2, ics, sampling_rate_hz=100.0)
    # the two zero-phase high-passes (0.1 and 1 Hz, 4th order) keep |H(f)|^2 of each
    x = [(1 / step_s / cutoff) ** 8 for cutoff in (0.1, 1.0)]
    gain = (x[0] / (1 + x[0])) * (x[1] / (1 + x[1]))
    inner = h[2:-2]  # away from the abrupt start and stop of the bobbing
    assert inner == pytest.approx(np.full(inner.size, 2 * amplitude_m * gain), rel=0.05)
    assert h == pytest.approx(filtered_step_excursions(acc, ics, sampling_rate_hz=100.0), rel=1e-6)


def test_the_default_model_uses_the_mobilise_d_excursion_and_the_old_one_stays_available() -> None:
    acc, ics = _sine_walk(0.55, 0.02, 8)
    default = InvertedPendulumStepLength(sensor_height_m=1.0).detect(
        acc, sampling_rate_hz=100.0, ic_indices=ics
    )
    assert default.excursion_m_ == pytest.approx(
        filtered_step_excursions(acc, ics, sampling_rate_hz=100.0)
    )
    old = InvertedPendulumStepLength(sensor_height_m=1.0, excursion="per_step").detect(
        acc, sampling_rate_hz=100.0, ic_indices=ics
    )
    assert old.excursion_m_ == pytest.approx(step_excursions(acc, ics, sampling_rate_hz=100.0))


def test_an_unknown_excursion_method_is_refused() -> None:
    with pytest.raises(InputError) as info:
        InvertedPendulumStepLength(sensor_height_m=1.0, excursion="zupt")  # type: ignore[arg-type]
    assert info.value.field == "excursion"


def test_a_step_made_twice_as_long_by_a_missed_contact_is_replaced_by_its_neighbours() -> None:
    lengths = np.array([0.60, 0.62, 0.61, 1.25, 0.63, 0.60, 0.62])
    cleaned = hampel_filter(lengths)
    assert cleaned[3] == pytest.approx(0.62)
    keep = np.arange(lengths.size) != 3
    assert cleaned[keep] == pytest.approx(lengths[keep])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0.2, 1.0), min_size=0, max_size=30))
def test_the_outlier_filter_keeps_the_length_and_never_widens_the_range(
    values: list[float],
) -> None:
    x = np.array(values)
    cleaned = hampel_filter(x)
    assert cleaned.shape == x.shape
    if x.size:
        assert cleaned.min() >= x.min()
        assert cleaned.max() <= x.max()
    if x.size < 5:
        assert cleaned == pytest.approx(x)


def _hampel_by_definition(x: np.ndarray, k: int = 2, n_sigmas: float = 3.0) -> np.ndarray:
    """mobgap's loop: truncated windows at the ends, NaNs ignored."""
    out = x.copy()
    for i in range(x.size):
        window = x[max(0, i - k) : i + k + 1]
        if np.isnan(window).all():
            continue
        med = np.nanmedian(window)
        mad = np.nanmedian(np.abs(window - med))
        if np.abs(x[i] - med) > n_sigmas * 1.4826 * mad:
            out[i] = med
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.floats(0.2, 1.2), st.just(float("nan"))), min_size=5, max_size=30))
def test_the_outlier_filter_matches_its_definition_with_and_without_gaps(
    values: list[float],
) -> None:
    x = np.array(values)
    np.testing.assert_allclose(hampel_filter(x), _hampel_by_definition(x), equal_nan=True)


def _bout_parameters_with_numpy_medians(
    ic_s: np.ndarray, fc_s: np.ndarray, lengths: np.ndarray
) -> tuple[float, float, float]:
    """Stance, double support and step length as first written, with numpy's medians."""
    stance_values = fc_s[1:-1] - ic_s[:-2]
    ok = np.isfinite(stance_values) & (stance_values > 0)
    stance = float(np.median(stance_values[ok])) if ok.any() else math.nan
    initial_ds = fc_s[:-1] - ic_s[:-1]
    ok_ds = np.isfinite(initial_ds) & (initial_ds > 0)
    ratio = initial_ds[ok_ds] / np.diff(ic_s)[ok_ds]
    double_support = float(100.0 * np.median(ratio)) if ok_ds.any() else math.nan
    length = float(np.nanmedian(lengths)) if np.isfinite(lengths).any() else math.nan
    return stance, double_support, length


@settings(max_examples=200, deadline=None)
@given(
    steps=st.integers(min_value=2, max_value=40),
    seed=st.integers(min_value=0, max_value=10_000),
    missing=st.floats(min_value=0.0, max_value=0.9),
)
def test_bout_medians_are_exactly_numpys(steps: int, seed: int, missing: float) -> None:
    rng = np.random.default_rng(seed)
    ic_s = np.cumsum(rng.uniform(0.3, 1.2, steps + 1))
    fc_s = ic_s + rng.uniform(-0.05, 0.6, steps + 1)
    fc_s[rng.random(steps + 1) < missing] = np.nan
    lengths = rng.uniform(0.2, 0.9, steps)
    lengths[rng.random(steps) < missing] = np.nan
    found = bout_parameters(ic_s, fc_s, lengths)
    stance, double_support, length = _bout_parameters_with_numpy_medians(ic_s, fc_s, lengths)
    assert found.stance_time_s == stance or (math.isnan(found.stance_time_s) and math.isnan(stance))
    assert found.double_support_percent == double_support or (
        math.isnan(found.double_support_percent) and math.isnan(double_support)
    )
    assert found.step_length_m == length or (math.isnan(found.step_length_m) and math.isnan(length))


def _per_bout(
    model: InvertedPendulumStepLength,
    data: np.ndarray,
    bouts: list[np.ndarray],
    yaw: np.ndarray | None,
    fs: float = 100.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excursions, lengths and turn angles of one ``detect`` call per bout, one after the other."""
    parts: list[list[np.ndarray]] = [[np.zeros(0)], [np.zeros(0)], [np.zeros(0)]]
    for ics in bouts:
        model.detect(data, sampling_rate_hz=fs, ic_indices=ics, yaw_rate_rad_s=yaw)
        for part, value in zip(
            parts, (model.excursion_m_, model.step_length_m_, model.turn_angle_rad_), strict=True
        ):
            part.append(value.copy())
    excursion, length, angle = (np.concatenate(p) for p in parts)
    return excursion, length, angle


def _edge_case_walk() -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Bobbing with turns and noise; bouts at the recording's first and last sample, a bout of
    two contacts, one of one contact, two of the same length (one FFT length), one over a gap
    in the signal and one whose excursions are too large for the pendulum (NaN lengths)."""
    fs = 100.0
    rng = np.random.default_rng(7)
    n = 6000
    t = np.arange(n) / fs
    acc = 3.0 * np.sin(2 * np.pi * t / 0.55) + rng.normal(0, 0.5, n)
    acc[4000:4400] *= 400.0  # metres of excursion: no pendulum of 1 m gives them
    acc[3300] = np.nan
    yaw = 0.8 * np.sin(2 * np.pi * t / 1.1) + np.where((t > 20) & (t < 23), 1.2, 0.0)
    step = 55

    def bout(first: int, steps: int) -> np.ndarray:
        return first + step * np.arange(steps + 1, dtype=np.int64)

    bouts = [
        bout(0, 9),  # starts at the first sample: the filter margin is cut
        bout(700, 1),  # two contacts, one step
        bout(900, 12),
        bout(1900, 12),  # same span as the previous bout
        np.array([2700], dtype=np.int64),  # one contact: no steps
        bout(3100, 8),  # over the NaN sample
        bout(4000, 6),  # NaN lengths
        np.r_[bout(4500, 20), n - 1],  # ends at the last sample
    ]
    return acc, yaw, bouts


@pytest.mark.parametrize("excursion", EXCURSION_METHODS)
@pytest.mark.parametrize("with_yaw", [True, False])
def test_all_bouts_in_one_call_give_exactly_the_per_bout_numbers(
    excursion: ExcursionMethod, with_yaw: bool
) -> None:
    acc, yaw, bouts = _edge_case_walk()
    yaw_rate = yaw if with_yaw else None
    model = InvertedPendulumStepLength(sensor_height_m=1.0, excursion=excursion)
    batched = InvertedPendulumStepLength(sensor_height_m=1.0, excursion=excursion).detect_bouts(
        acc, sampling_rate_hz=100.0, bout_ic_indices=bouts, yaw_rate_rad_s=yaw_rate
    )
    excursion_m, length_m, angle_rad = _per_bout(model, acc, bouts, yaw_rate)
    np.testing.assert_array_equal(batched.excursion_m_, excursion_m)
    np.testing.assert_array_equal(batched.step_length_m_, length_m)
    np.testing.assert_array_equal(batched.turn_angle_rad_, angle_rad)
    steps = [max(b.size - 1, 0) for b in bouts]
    assert batched.bout_step_offsets_.tolist() == np.r_[0, np.cumsum(steps)].tolist()
    # the edge cases are there: NaN excursions over the gap, NaN lengths, finite elsewhere
    gap = slice(batched.bout_step_offsets_[5], batched.bout_step_offsets_[6])
    too_large = slice(batched.bout_step_offsets_[6], batched.bout_step_offsets_[7])
    if excursion == "mobilise_d":
        assert np.isnan(batched.excursion_m_[gap]).all()
    assert np.isnan(batched.step_length_m_[too_large]).all()
    assert np.isfinite(batched.step_length_m_[: batched.bout_step_offsets_[2]]).all()


def _plain_excursions(acc: np.ndarray, ics: np.ndarray, fs: float) -> np.ndarray:
    """The Mobilise-D excursion of one bout written out step by step (as first implemented)."""
    margin = round(EXCURSION_FILTER_MARGIN_S * fs)
    start, stop = max(0, int(ics[0]) - margin), min(acc.size, int(ics[-1]) + 1 + margin)
    segment = acc[start:stop]
    if not np.isfinite(segment).all():
        return np.full(ics.size - 1, np.nan)
    n_fft = scipy.fft.next_fast_len(segment.size + margin, real=True)
    f = scipy.fft.rfftfreq(n_fft, 1.0 / fs)
    acc_hp, vel_hp = (
        (f / MOBILISE_D_ACC_HIGHPASS_HZ) ** 8,
        (f / MOBILISE_D_VELOCITY_HIGHPASS_HZ) ** 8,
    )
    gain = acc_hp / (1 + acc_hp) * vel_hp / (1 + vel_hp)
    spectrum = scipy.fft.rfft(segment - segment.mean(), n_fft) * gain
    velocity = np.cumsum(scipy.fft.irfft(spectrum, n_fft)[: segment.size]) / fs
    position = np.cumsum(velocity - velocity.mean()) / fs
    at = ics - start
    return np.array([np.ptp(position[a:b]) for a, b in itertools.pairwise(at)])


def _plain_turn_angles(yaw: np.ndarray, ics: np.ndarray, fs: float) -> np.ndarray:
    """The stride-centred turn angle of one bout written out (as first implemented)."""
    angle = np.r_[0.0, np.cumsum(yaw[ics[0] : ics[-1]])] / fs
    per_step = np.diff(angle[ics - ics[0]])
    padded = np.r_[per_step[:1], per_step, per_step[-1:]]
    return np.abs(0.25 * padded[:-2] + 0.5 * padded[1:-1] + 0.25 * padded[2:])


def test_the_batched_call_gives_the_excursion_and_turn_angle_written_out() -> None:
    # to rounding: the excursion's filters and integrations run in the frequency domain and
    # the turn angles are sums per step, where the written-out forms use running sums
    acc, yaw, bouts = _edge_case_walk()
    batched = InvertedPendulumStepLength(sensor_height_m=1.0).detect_bouts(
        acc, sampling_rate_hz=100.0, bout_ic_indices=bouts, yaw_rate_rad_s=yaw
    )
    with_steps = [b for b in bouts if b.size >= 2]
    plain = np.concatenate([_plain_excursions(acc, b, 100.0) for b in with_steps])
    np.testing.assert_allclose(batched.excursion_m_, plain, rtol=1e-12, atol=0.0)
    assert np.isnan(batched.excursion_m_).sum() == 8  # the bout over the gap
    angles = np.concatenate([_plain_turn_angles(yaw, b, 100.0) for b in with_steps])
    np.testing.assert_allclose(batched.turn_angle_rad_, angles, rtol=0.0, atol=1e-13)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_ics=st.integers(2, 40),
    span=st.integers(10, 3000),
    offset_m_s2=st.floats(-2.0, 2.0),
)
def test_the_frequency_domain_excursion_matches_the_time_domain_chain(
    seed: int, n_ics: int, span: int, offset_m_s2: float
) -> None:
    # anywhere in the signal (margins cut at either end or not), any step lengths, any offset
    rng = np.random.default_rng(seed)
    n = 3000
    acc = rng.normal(offset_m_s2, 2.0, n)
    first = int(rng.integers(0, n - span + 1))
    ics = np.unique(rng.integers(first, first + span, n_ics)).astype(np.int64)
    if ics.size < 2:
        return
    found = filtered_step_excursions(acc, ics, sampling_rate_hz=100.0)
    np.testing.assert_allclose(found, _plain_excursions(acc, ics, 100.0), rtol=1e-9, atol=1e-14)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n_ics=st.integers(2, 40))
def test_the_turn_angle_as_sums_per_step_matches_the_running_sum(seed: int, n_ics: int) -> None:
    rng = np.random.default_rng(seed)
    yaw = rng.normal(0, 1.5, 2000)
    ics = np.unique(rng.integers(0, 2000, n_ics)).astype(np.int64)
    if ics.size < 2:
        return
    found = step_turn_angles_rad(yaw, ics, sampling_rate_hz=100.0)
    np.testing.assert_allclose(found, _plain_turn_angles(yaw, ics, 100.0), rtol=0.0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_bouts=st.integers(0, 6),
    nan_at=st.one_of(st.none(), st.integers(0, 2999)),
)
def test_any_set_of_bouts_gives_the_per_bout_numbers(
    seed: int, n_bouts: int, nan_at: int | None
) -> None:
    rng = np.random.default_rng(seed)
    n = 3000
    acc = rng.normal(0, 2.0, n)
    yaw = rng.normal(0, 1.0, n)
    if nan_at is not None:
        acc[nan_at] = np.nan
    bouts = []
    for _ in range(n_bouts):  # anywhere, any length, possibly overlapping one another
        ics = np.unique(rng.integers(0, n, int(rng.integers(1, 25))))
        bouts.append(ics.astype(np.int64))
    model = InvertedPendulumStepLength(sensor_height_m=1.0)
    batched = InvertedPendulumStepLength(sensor_height_m=1.0).detect_bouts(
        acc, sampling_rate_hz=100.0, bout_ic_indices=bouts, yaw_rate_rad_s=yaw
    )
    excursion_m, length_m, angle_rad = _per_bout(model, acc, bouts, yaw)
    np.testing.assert_array_equal(batched.excursion_m_, excursion_m)
    np.testing.assert_array_equal(batched.step_length_m_, length_m)
    np.testing.assert_array_equal(batched.turn_angle_rad_, angle_rad)


def test_the_fft_lengths_are_scipys_next_fast_lengths() -> None:
    table = _fast_fft_lengths()
    targets = np.r_[np.arange(1, 20_000), 1_000_003, 123_456_789, 2**33 + 1]
    found = table[np.searchsorted(table, targets)]
    assert found.tolist() == [scipy.fft.next_fast_len(int(n), real=True) for n in targets]


def _same(a: BoutParameters, b: BoutParameters) -> bool:
    """Field by field identical, NaN equal to NaN."""
    return all(
        x == y or (isinstance(x, float) and math.isnan(x) and math.isnan(y))
        for x, y in zip(vars(a).values(), vars(b).values(), strict=True)
    )


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_ics=st.integers(1, 300),
    missing=st.floats(0.0, 1.0),
    with_lengths=st.booleans(),
)
def test_all_bouts_parameters_at_once_are_bit_for_bit_one_bout_parameters_each(
    seed: int, n_ics: int, missing: float, with_lengths: bool
) -> None:
    # bouts of one contact (no steps), of one or two steps, and long ones (numpy's pairwise
    # sums change form past 8 and 128 values); missing final contacts and step lengths
    rng = np.random.default_rng(seed)
    ic_s = np.cumsum(rng.uniform(0.3, 1.2, n_ics))
    fc_s = ic_s + rng.uniform(-0.05, 0.6, n_ics)
    fc_s[rng.random(n_ics) < missing] = np.nan
    lengths = rng.uniform(0.2, 0.9, n_ics - 1)
    lengths[rng.random(n_ics - 1) < missing] = np.nan
    cuts = np.unique(np.r_[0, rng.integers(0, n_ics, int(rng.integers(0, 6)))])
    first = cuts
    last = np.r_[cuts[1:] - 1, n_ics - 1]
    last = np.where(rng.random(first.size) < 0.2, first, np.maximum(last, first))
    step_length = lengths if with_lengths else None
    found = parameters_of_bouts(ic_s, fc_s, first, last, step_length)
    assert len(found) == first.size
    for f, params, l_ in zip(first.tolist(), found, last.tolist(), strict=True):
        expected = bout_parameters(
            ic_s[f : l_ + 1], fc_s[f : l_ + 1], None if step_length is None else lengths[f:l_]
        )
        assert _same(params, expected), (f, l_, params, expected)


def test_no_bouts_have_no_parameters_and_no_steps() -> None:
    empty = np.zeros(0, dtype=np.int64)
    assert parameters_of_bouts(np.zeros(0), np.zeros(0), empty, empty, None) == []
    assert bout_step_indices(empty, empty).size == 0
    assert bout_step_indices(np.array([2, 9]), np.array([5, 11])).tolist() == [2, 3, 4, 9, 10]


@settings(max_examples=100, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    rows=st.integers(1, 60),
    width=st.integers(1, 9),
    missing=st.floats(0.0, 1.0),
    ties=st.booleans(),
)
def test_the_median_network_gives_the_sorted_rows_median(
    seed: int, rows: int, width: int, missing: float, ties: bool
) -> None:
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.2, 1.2, (rows, width))
    if ties:
        values = np.round(values, 1)
    values[rng.random(values.shape) < missing] = np.nan
    found = _nan_median_columns(values.T.copy())
    np.testing.assert_array_equal(found, _nan_median_rows(values))


def test_the_outlier_filter_of_wide_windows_sorts_the_windows() -> None:
    # above the network's width the windows are sorted row by row: the same filter
    x = np.r_[np.full(8, 0.6), 1.5, np.full(8, 0.61)]
    found = _hampel_segments(x, np.array([0, x.size]), half_window=5)
    assert found[8] == pytest.approx(0.61)
    assert found[np.arange(x.size) != 8] == pytest.approx(np.delete(x, 8))
