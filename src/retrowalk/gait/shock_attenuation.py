"""Shock attenuation between a distal and a proximal accelerometer (two-sensor recordings).

Typical pairs: tibia (distal) with head or lower back/sacrum (proximal). Both signals must be
synchronised and share one sampling rate; each may be one axis, shape (n,), or three axes,
shape (n, 3). Three-axis data are used orientation-free: the peak definition uses the resultant
of the gravity-free acceleration, the spectral definition the sum of the three axis spectra (the
power spectrum of the acceleration vector, unchanged by any rotation of the sensor).

Two definitions, both documented in docs/gait_direction.md:

**Peak ratio** (per impact): ``SA = (1 - proximal peak / distal peak) x 100 %``. The formula is
widely used but its sourcing is NOT confirmed in our evidence (evidence.md §2.1, [NC]); Dufek
2011's exact formula and sensor sites are also [NC]. Impacts are the distal peaks; the proximal
peak is searched in a short window after each (transmission to head or sacrum takes tens of ms).

**Spectral transfer function**: power spectral densities (Welch) of proximal and distal
acceleration, ``TF(f) = 10 log10(P_proximal(f) / P_distal(f))`` in dB, averaged over the impact
band; attenuation is ``-TF`` (positive = attenuated). Impact band ≈ 12-20 Hz and active band
≈ 5-8 Hz for the tibia (Shorten & Winslow treadmill running, evidence.md §2.1 [C-abs]); other
studies used 9-20 Hz (tibial tuberosity + sacrum). Band limits are a setting, not a fact.

Limits: walking impacts are far smaller than running impacts (the published bands come from
running); a loosely fixed sensor adds its own resonance; the sampling rate must exceed twice the
band's upper edge (>= 100 Hz recommended).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, find_peaks, sosfiltfilt, welch

from retrowalk.errors import InputError

FloatArray = NDArray[np.float64]

#: impact band of tibial acceleration (Hz), evidence.md §2.1 [C-abs]
IMPACT_BAND_HZ = (12.0, 20.0)
#: active (voluntary movement) band (Hz), evidence.md §2.1 [C-abs]
ACTIVE_BAND_HZ = (5.0, 8.0)
MIN_SAMPLING_RATE_HZ = 20.0
#: beyond this an acceleration cannot come from a body-worn sensor (wrong units or corruption)
IMPLAUSIBLE_M_S2 = 1e6


def _as_signal(values: FloatArray, name: str) -> FloatArray:
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] not in (1, 3):
        raise InputError(f"expected shape (n,) or (n, 3), got {np.shape(values)}", field=name)
    if array.shape[0] == 0:
        raise InputError("is empty", field=name)
    if not np.isfinite(array).all():
        raise InputError("contains NaN or infinite values", field=name)
    largest = float(np.max(np.abs(array)))
    if largest > IMPLAUSIBLE_M_S2:
        raise InputError(
            f"values up to {largest:.3g} m/s^2 are not physical for a body-worn sensor; "
            "check the units",
            field=name,
        )
    return array


def _validate_pair(
    distal: FloatArray, proximal: FloatArray, sampling_rate_hz: float
) -> tuple[FloatArray, FloatArray]:
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz < MIN_SAMPLING_RATE_HZ:
        raise InputError(
            f"sampling rate must be at least {MIN_SAMPLING_RATE_HZ:g} Hz, got {sampling_rate_hz}",
            field="sampling_rate_hz",
        )
    d, p = _as_signal(distal, "distal_acc_m_s2"), _as_signal(proximal, "proximal_acc_m_s2")
    if d.shape[0] != p.shape[0]:
        raise InputError(
            f"has {p.shape[0]} samples but the distal signal has {d.shape[0]}; the two sensors "
            "must be synchronised and share one sampling rate",
            field="proximal_acc_m_s2",
        )
    return d, p


def _dynamic_magnitude(acc: FloatArray, sampling_rate_hz: float, cutoff_hz: float) -> FloatArray:
    """Resultant of the acceleration with its slow part (gravity, posture) removed."""
    if acc.shape[0] > 15:
        sos = butter(2, cutoff_hz, btype="high", fs=sampling_rate_hz, output="sos")
        acc = sosfiltfilt(sos, acc, axis=0)
    else:
        acc = acc - acc.mean(axis=0)
    return np.asarray(np.linalg.norm(acc, axis=1), dtype=np.float64)


@dataclass(frozen=True)
class PeakRatioAttenuation:
    """Per-impact peak-ratio shock attenuation (percent; positive = attenuated)."""

    impact_times_s: tuple[float, ...]
    distal_peaks_m_s2: tuple[float, ...]
    proximal_peaks_m_s2: tuple[float, ...]
    attenuation_percent: tuple[float, ...]
    settings: dict[str, float]

    @property
    def n_impacts(self) -> int:
        return len(self.impact_times_s)

    @property
    def median_percent(self) -> float | None:
        return float(np.median(self.attenuation_percent)) if self.attenuation_percent else None

    @property
    def mean_percent(self) -> float | None:
        return float(np.mean(self.attenuation_percent)) if self.attenuation_percent else None

    @property
    def sd_percent(self) -> float | None:
        if len(self.attenuation_percent) < 2:
            return None
        return float(np.std(self.attenuation_percent, ddof=1))

    def to_dict(self) -> dict[str, object]:
        return {
            "definition": "peak_ratio",
            "formula": "(1 - proximal_peak / distal_peak) * 100",
            "formula_status": "NC (evidence.md 2.1)",
            "n_impacts": self.n_impacts,
            "median_percent": self.median_percent,
            "mean_percent": self.mean_percent,
            "sd_percent": self.sd_percent,
            "impact_times_s": list(self.impact_times_s),
            "distal_peaks_m_s2": list(self.distal_peaks_m_s2),
            "proximal_peaks_m_s2": list(self.proximal_peaks_m_s2),
            "attenuation_percent": list(self.attenuation_percent),
            "settings": dict(self.settings),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def peak_ratio_attenuation(
    distal_acc_m_s2: FloatArray,
    proximal_acc_m_s2: FloatArray,
    *,
    sampling_rate_hz: float,
    min_impact_interval_s: float = 0.4,
    transmission_window_s: float = 0.08,
    min_impact_m_s2: float = 2.0,
    highpass_hz: float = 0.5,
) -> PeakRatioAttenuation:
    """Peak-ratio shock attenuation of every distal impact.

    Impacts are peaks of the distal dynamic acceleration magnitude at least
    ``min_impact_interval_s`` apart (one foot strikes about once per second when walking) and at
    least ``min_impact_m_s2`` high and half the 90th-percentile peak height (so swing-phase wiggles
    are not taken as impacts). The proximal peak is the maximum in the
    ``transmission_window_s`` after the distal peak. No impact gives an empty result.
    """
    distal, proximal = _validate_pair(distal_acc_m_s2, proximal_acc_m_s2, sampling_rate_hz)
    d = _dynamic_magnitude(distal, sampling_rate_hz, highpass_hz)
    p = _dynamic_magnitude(proximal, sampling_rate_hz, highpass_hz)
    settings = {
        "min_impact_interval_s": min_impact_interval_s,
        "transmission_window_s": transmission_window_s,
        "min_impact_m_s2": min_impact_m_s2,
        "highpass_hz": highpass_hz,
        "sampling_rate_hz": sampling_rate_hz,
    }
    distance = max(1, round(min_impact_interval_s * sampling_rate_hz))
    candidates, _ = find_peaks(d, height=min_impact_m_s2, distance=distance)
    if candidates.size:
        floor = 0.5 * float(np.percentile(d[candidates], 90))
        candidates = candidates[d[candidates] >= floor]
    window = max(1, round(transmission_window_s * sampling_rate_hz))
    ends = np.minimum(candidates + window + 1, d.size)
    proximal_peaks = np.array([p[s:e].max() for s, e in zip(candidates, ends, strict=True)])
    distal_peaks = d[candidates]
    percent = (1.0 - proximal_peaks / distal_peaks) * 100.0 if candidates.size else np.array([])
    return PeakRatioAttenuation(
        impact_times_s=tuple(float(t) for t in candidates / sampling_rate_hz),
        distal_peaks_m_s2=tuple(float(x) for x in distal_peaks),
        proximal_peaks_m_s2=tuple(float(x) for x in proximal_peaks),
        attenuation_percent=tuple(float(x) for x in percent),
        settings=settings,
    )


@dataclass(frozen=True)
class SpectralAttenuation:
    """Transfer function proximal/distal (dB) over the impact band; attenuation = -TF."""

    band_hz: tuple[float, float]
    transfer_function_db: float
    frequencies_hz: tuple[float, ...]
    transfer_function_db_per_frequency: tuple[float, ...]
    distal_band_power_m2_s4: float
    proximal_band_power_m2_s4: float
    settings: dict[str, float]

    @property
    def attenuation_db(self) -> float:
        return -self.transfer_function_db

    def to_dict(self) -> dict[str, object]:
        return {
            "definition": "spectral_transfer_function",
            "formula": "TF = 10*log10(PSD_proximal / PSD_distal) averaged over the band; "
            "attenuation = -TF",
            "band_hz": list(self.band_hz),
            "transfer_function_db": self.transfer_function_db,
            "attenuation_db": self.attenuation_db,
            "distal_band_power_m2_s4": self.distal_band_power_m2_s4,
            "proximal_band_power_m2_s4": self.proximal_band_power_m2_s4,
            "frequencies_hz": list(self.frequencies_hz),
            "transfer_function_db_per_frequency": list(self.transfer_function_db_per_frequency),
            "settings": dict(self.settings),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def spectral_attenuation(
    distal_acc_m_s2: FloatArray,
    proximal_acc_m_s2: FloatArray,
    *,
    sampling_rate_hz: float,
    band_hz: tuple[float, float] = IMPACT_BAND_HZ,
    segment_s: float = 2.0,
) -> SpectralAttenuation:
    """Shock attenuation as the proximal/distal PSD transfer function over ``band_hz``.

    Welch PSDs with segments of ``segment_s`` (2 s gives 0.5 Hz resolution); three-axis signals
    use the sum of the axis PSDs (orientation-free). Raises :class:`InputError` when the band is
    not inside (0, Nyquist), the recording is shorter than one segment, or the distal signal has
    no power in the band.
    """
    distal, proximal = _validate_pair(distal_acc_m_s2, proximal_acc_m_s2, sampling_rate_hz)
    low, high = band_hz
    nyquist = sampling_rate_hz / 2
    if not 0 < low < high < nyquist:
        raise InputError(
            f"band {low:g}-{high:g} Hz must lie inside 0-{nyquist:g} Hz (half the sampling rate)",
            field="band_hz",
        )
    segment = round(segment_s * sampling_rate_hz)
    if distal.shape[0] < segment:
        raise InputError(
            f"recording of {distal.shape[0] / sampling_rate_hz:.1f} s is shorter than one "
            f"{segment_s:g}-s analysis segment",
            field="distal_acc_m_s2",
        )
    freqs, pd = welch(distal, fs=sampling_rate_hz, nperseg=segment, axis=0, detrend="linear")
    _, pp = welch(proximal, fs=sampling_rate_hz, nperseg=segment, axis=0, detrend="linear")
    pd_total, pp_total = pd.sum(axis=1), pp.sum(axis=1)
    in_band = (freqs >= low) & (freqs <= high)
    if not in_band.any() or np.any(pd_total[in_band] <= 0):
        raise InputError("the distal signal has no power in the band", field="distal_acc_m_s2")
    tiny = np.finfo(np.float64).tiny
    per_frequency = 10 * np.log10(np.maximum(pp_total[in_band], tiny) / pd_total[in_band])
    return SpectralAttenuation(
        band_hz=(float(low), float(high)),
        transfer_function_db=float(np.mean(per_frequency)),
        frequencies_hz=tuple(float(f) for f in freqs[in_band]),
        transfer_function_db_per_frequency=tuple(float(x) for x in per_frequency),
        distal_band_power_m2_s4=float(np.trapezoid(pd_total[in_band], freqs[in_band])),
        proximal_band_power_m2_s4=float(np.trapezoid(pp_total[in_band], freqs[in_band])),
        settings={"segment_s": segment_s, "sampling_rate_hz": sampling_rate_hz},
    )
