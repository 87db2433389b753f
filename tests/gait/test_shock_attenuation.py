"""Shock attenuation: peak-ratio and spectral definitions on synthetic two-sensor signals."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from retrowalk.errors import InputError
from retrowalk.gait.shock_attenuation import peak_ratio_attenuation, spectral_attenuation

RATE_HZ = 200.0


def impacts(duration_s: float = 20.0, seed: int = 0) -> NDArray[np.float64]:
    """Three-axis 'tibia' signal: a 50-ms impact every second on x, a little noise, gravity."""
    rng = np.random.default_rng(seed)
    n = round(duration_s * RATE_HZ)
    acc = rng.normal(0.0, 0.05, (n, 3))
    pulse = 30.0 * np.hanning(10)
    for start_s in np.arange(0.5, duration_s - 0.5, 1.0):
        k = round(start_s * RATE_HZ)
        acc[k : k + pulse.size, 0] += pulse
    acc[:, 2] += 9.81
    return acc


def transmitted(distal: NDArray[np.float64], gain: float, delay: int = 4) -> NDArray[np.float64]:
    proximal = np.zeros_like(distal)
    proximal[delay:] = gain * (distal[:-delay] - distal.mean(axis=0))
    return proximal + distal.mean(axis=0)


def test_peak_ratio_of_a_signal_transmitted_at_40_percent_is_60_percent() -> None:
    distal = impacts()
    result = peak_ratio_attenuation(distal, transmitted(distal, 0.4), sampling_rate_hz=RATE_HZ)
    assert result.n_impacts == 19
    assert result.median_percent == pytest.approx(60.0, abs=1.5)


def test_peak_ratio_finds_each_impact_at_its_time() -> None:
    distal = impacts()
    result = peak_ratio_attenuation(distal, transmitted(distal, 0.5), sampling_rate_hz=RATE_HZ)
    assert np.allclose(np.diff(result.impact_times_s), 1.0, atol=0.01)


@settings(max_examples=25, deadline=None)
@given(gain=st.floats(min_value=0.05, max_value=1.0))
def test_peak_ratio_equals_one_minus_the_gain(gain: float) -> None:
    distal = impacts(duration_s=6.0)
    result = peak_ratio_attenuation(distal, transmitted(distal, gain), sampling_rate_hz=RATE_HZ)
    assert result.n_impacts > 0
    assert np.allclose(result.attenuation_percent, (1 - gain) * 100, atol=3.0)


def test_peak_ratio_does_not_depend_on_sensor_orientation() -> None:
    distal = impacts()
    proximal = transmitted(distal, 0.3)
    turn_a, turn_b = Rotation.random(2, random_state=3)
    plain = peak_ratio_attenuation(distal, proximal, sampling_rate_hz=RATE_HZ)
    rotated = peak_ratio_attenuation(
        turn_a.apply(distal), turn_b.apply(proximal), sampling_rate_hz=RATE_HZ
    )
    assert rotated.median_percent == pytest.approx(plain.median_percent, abs=0.5)


def test_no_impacts_gives_an_empty_result() -> None:
    still = np.tile([0.0, 0.0, 9.81], (2000, 1))
    result = peak_ratio_attenuation(still, still, sampling_rate_hz=RATE_HZ)
    assert result.n_impacts == 0
    assert result.median_percent is None


def test_spectral_transfer_function_of_half_amplitude_is_minus_6_db() -> None:
    distal = impacts()
    result = spectral_attenuation(distal, 0.5 * distal, sampling_rate_hz=RATE_HZ)
    assert result.transfer_function_db == pytest.approx(20 * np.log10(0.5), abs=0.05)
    assert result.attenuation_db == pytest.approx(6.02, abs=0.05)


def test_spectral_attenuation_uses_the_impact_band_by_default() -> None:
    distal = impacts()
    result = spectral_attenuation(distal, distal, sampling_rate_hz=RATE_HZ)
    assert result.band_hz == (12.0, 20.0)
    assert min(result.frequencies_hz) >= 12.0
    assert max(result.frequencies_hz) <= 20.0
    assert result.transfer_function_db == pytest.approx(0.0, abs=1e-9)


def test_spectral_attenuation_does_not_depend_on_sensor_orientation() -> None:
    distal = impacts()
    proximal = transmitted(distal, 0.3)
    turn_a, turn_b = Rotation.random(2, random_state=5)
    plain = spectral_attenuation(distal, proximal, sampling_rate_hz=RATE_HZ)
    rotated = spectral_attenuation(
        turn_a.apply(distal), turn_b.apply(proximal), sampling_rate_hz=RATE_HZ
    )
    assert rotated.transfer_function_db == pytest.approx(plain.transfer_function_db, abs=1e-6)


def test_results_serialise_to_json() -> None:
    distal = impacts()
    proximal = transmitted(distal, 0.4)
    peaks = json.loads(peak_ratio_attenuation(distal, proximal, sampling_rate_hz=RATE_HZ).to_json())
    spectral = json.loads(
        spectral_attenuation(distal, proximal, sampling_rate_hz=RATE_HZ).to_json()
    )
    assert peaks["definition"] == "peak_ratio"
    assert len(peaks["attenuation_percent"]) == peaks["n_impacts"]
    assert spectral["band_hz"] == [12.0, 20.0]


def test_single_axis_signals_are_accepted() -> None:
    distal = impacts()[:, 0]
    result = peak_ratio_attenuation(distal, 0.5 * distal, sampling_rate_hz=RATE_HZ)
    assert result.median_percent == pytest.approx(50.0, abs=1.0)


@pytest.mark.parametrize(
    ("distal", "proximal", "field"),
    [
        (np.zeros((100, 2)), np.zeros((100, 2)), "distal_acc_m_s2"),
        (np.zeros((100, 3)), np.zeros((90, 3)), "proximal_acc_m_s2"),
        (np.full((100, 3), np.nan), np.zeros((100, 3)), "distal_acc_m_s2"),
        (np.zeros((0, 3)), np.zeros((0, 3)), "distal_acc_m_s2"),
        (np.zeros((100, 3)), np.full((100, 3), 1e9), "proximal_acc_m_s2"),
    ],
)
def test_malformed_signals_are_refused_with_the_field(
    distal: NDArray[np.float64], proximal: NDArray[np.float64], field: str
) -> None:
    with pytest.raises(InputError) as raised:
        peak_ratio_attenuation(distal, proximal, sampling_rate_hz=RATE_HZ)
    assert raised.value.field == field


def test_a_sampling_rate_under_20_hz_is_refused() -> None:
    with pytest.raises(InputError, match="20 Hz"):
        spectral_attenuation(impacts(), impacts(), sampling_rate_hz=10.0)


def test_a_band_above_nyquist_is_refused() -> None:
    signal = impacts()[::5]  # 40 Hz: Nyquist 20 Hz
    with pytest.raises(InputError, match="band"):
        spectral_attenuation(signal, signal, sampling_rate_hz=40.0)


def test_a_recording_shorter_than_one_segment_is_refused() -> None:
    short = impacts()[:100]
    with pytest.raises(InputError, match="shorter"):
        spectral_attenuation(short, short, sampling_rate_hz=RATE_HZ)
