"""Walking direction (forward or backward) of one walking bout from a trunk- or waist-worn IMU.

Why it can work (evidence.md §1.3): the hip and knee kinematics of backward walking resemble
time-reversed forward walking (Winter 1989; Lee 2013). A statistic of the trunk signals that
changes sign when time runs backwards (a *time-odd* statistic) should therefore change sign
between the two directions, while the muscle drive and the toe-first contact of backward walking
(also §1.3) make the match imperfect. The evidence used:

``pitch_ap_coupling`` (main evidence, needs the gyroscope)
    correlation of the pitch rate (angular velocity about the medio-lateral axis) with the
    anterior-posterior (AP) acceleration. The angular velocity is odd under time reversal, the
    acceleration even, so the correlation flips sign. The medio-lateral axis is ``V x AP``, so the
    unknown sign of the AP axis cancels; the sign of the vertical axis does not.
    Its sign in *forward* walking depends on how the sensor moves with the trunk:

    - strapped to the trunk (lower-back IMU): the trunk is an inverted pendulum over the hips and
      pitches forward while the body brakes after each contact, so the coupling is negative
      (18 of 19 reference bouts of the mobgap lower-back data, INDIP-labelled forward walking);
    - phone in a hanging waist bag: the bag is a pendulum *below* its strap and swings the other
      way, so the coupling is positive (KU-HAR "Walk" windows).

    ``mounting="auto"`` tells the two apart by the pitch-rate amplitude (a loose bag swings with
    well over 0.35 rad/s RMS, a strapped trunk sensor below it); this threshold is a heuristic set
    on the two data sets above, not a published constant.
``jerk_asymmetry`` (supporting evidence, needs only the accelerometer)
    skewness of the 30-ms increments of the vertical acceleration: positive when the vertical
    acceleration rises faster than it falls; reversing time swaps rises and falls. Weak on its
    own; an answer is withheld when it strongly contradicts the main evidence.

The body frame is built without assuming how the sensor is worn: vertical from gravity (sign known)
when gravity is included, with the step-by-step tilt corrected by the gyroscope (small-angle
integration); with gravity removed by the phone (KU-HAR "linear acceleration") the vertical is the
principal axis of the band-passed acceleration and its sign the one that makes the vertical
acceleration positively skewed (sharp upward peaks at contact; positive in all 19 reference bouts
of the mobgap data). That sign is the weak point of the gravity-free case and limits the
confidence. AP is the horizontal principal axis that repeats every step (medio-lateral sway
repeats every stride).

Without a gyroscope, or when the evidence is weak, conflicting, too short, still or not periodic,
the answer is ``unknown``. Validation numbers and limits: docs/gait_direction.md.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt

from retrowalk.errors import InputError

Direction = Literal["forward", "backward", "unknown"]
Mounting = Literal["auto", "trunk", "pouch"]
FloatArray = NDArray[np.float64]

ALGORITHM_VERSION = "2.0"
STANDARD_GRAVITY_M_S2 = 9.80665
MIN_SAMPLING_RATE_HZ = 20.0
MIN_DURATION_S = 2.0
#: below this RMS of the band-passed acceleration the body is taken to be still
MIN_MOVEMENT_M_S2 = 0.3
#: minimum normalised autocorrelation at the step or stride lag to call a bout walking-like
MIN_PERIODICITY = 0.3
BAND_HZ = (0.3, 10.0)
JERK_LAG_S = 0.03
#: pitch-rate RMS separating a strapped trunk sensor from a swinging waist bag (heuristic)
POUCH_PITCH_RMS_RAD_S = 0.35
#: sign of the pitch-AP coupling in forward walking, per mounting (see module docstring)
FORWARD_COUPLING_SIGN: Mapping[str, float] = {"trunk": -1.0, "pouch": 1.0}
#: sign of the vertical jerk asymmetry in forward walking (mobgap healthy adults and KU-HAR)
FORWARD_JERK_SIGN = -1.0
#: coupling magnitude that counts as full evidence (about one between-window SD)
FULL_COUPLING = 0.35
FULL_JERK_ASYMMETRY = 0.5
#: weight of the vertical jerk asymmetry relative to the pitch-AP coupling
JERK_WEIGHT = 0.5
#: when both statistics exceed this (as votes in -1..1) with opposite signs, a window abstains
CONTRADICTION = 0.5
MIN_CONFIDENCE = 0.2


@dataclass(frozen=True)
class DirectionEstimate:
    """The walking direction of one bout, how sure we are (0..1) and the evidence behind it."""

    direction: Direction
    confidence: float
    features: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""


def _as_samples(array: FloatArray, name: str) -> FloatArray:
    values = np.asarray(array, dtype=np.float64)
    if values.ndim != 2 or values.shape[1] != 3:
        raise InputError(f"expected an array of shape (n, 3), got {values.shape}", field=name)
    if values.shape[0] > 0 and not np.isfinite(values).any():
        raise InputError("contains no finite values", field=name)
    return values


def _validate_rate(sampling_rate_hz: float) -> None:
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz < MIN_SAMPLING_RATE_HZ:
        raise InputError(
            f"sampling rate must be at least {MIN_SAMPLING_RATE_HZ:g} Hz, got {sampling_rate_hz}",
            field="sampling_rate_hz",
        )


def _zscore(x: FloatArray) -> FloatArray:
    sd = float(np.std(x))
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x)


def _skewness(x: FloatArray) -> float:
    return float(np.mean(_zscore(x) ** 3))


def _increment_skewness(x: FloatArray, lag: int) -> float:
    return _skewness(x[lag:] - x[:-lag])


def _autocorrelation(x: FloatArray, *, unbiased: bool = True) -> FloatArray:
    """Normalised autocorrelation for lags 0..n-1 (FFT, O(n log n)).

    The biased form (divided by n at every lag) shrinks long lags, so noise in a short window
    cannot look periodic; the unbiased form compares shapes at one lag.
    """
    centred = x - np.mean(x)
    n = centred.size
    spectrum = np.fft.rfft(centred, 2 * n)
    auto = np.fft.irfft(spectrum * np.conj(spectrum), 2 * n)[:n]
    if auto[0] <= 0:
        return np.zeros(n)
    scale = n / (n - np.arange(n)) if unbiased else np.ones(n)
    return np.asarray(auto / auto[0] * scale, dtype=np.float64)


def _longest_finite_stretch(
    acc: FloatArray, gyr: FloatArray | None
) -> tuple[FloatArray, FloatArray | None]:
    finite = np.isfinite(acc).all(axis=1)
    if gyr is not None:
        finite &= np.isfinite(gyr).all(axis=1)
    if finite.all():
        return acc, gyr
    edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    if starts.size == 0:
        return acc[:0], None if gyr is None else gyr[:0]
    longest = int(np.argmax(ends - starts))
    keep = slice(int(starts[longest]), int(ends[longest]))
    return acc[keep], None if gyr is None else gyr[keep]


@dataclass(frozen=True)
class _Evidence:
    """What one analysis window says: a vote in -1..1 (positive = forward) and its weight."""

    vote: float
    weight: float
    features: dict[str, float]
    reason: str = ""


@dataclass(frozen=True)
class _Bout:
    """Bout-level preprocessing shared by the windows (filters run once per bout)."""

    linear_acc: FloatArray  # band-passed, gravity-free, sensor frame
    gyr: FloatArray | None  # band-passed
    up: FloatArray | None  # per-sample "up" in the sensor frame, when gravity is included
    vertical: FloatArray | None  # bout-level vertical axis, when gravity was removed
    vertical_sign_certainty: float


def _prepare(
    acc: FloatArray,
    gyr: FloatArray | None,
    sampling_rate_hz: float,
    gravity_included: bool,
    band: FloatArray,
) -> _Bout:
    gyr_band = sosfiltfilt(band, gyr, axis=0) if gyr is not None else None
    if gravity_included:
        lowpass = butter(2, BAND_HZ[0], btype="low", fs=sampling_rate_hz, output="sos")
        slow = sosfiltfilt(lowpass, acc, axis=0)
        up = slow / np.maximum(np.linalg.norm(slow, axis=1, keepdims=True), 1e-9)
        if gyr is not None:
            # step-by-step tilt of "up" in the sensor frame (small angles): d(up)/dt = -w x up
            highpass = butter(2, BAND_HZ[0], btype="high", fs=sampling_rate_hz, output="sos")
            angle = np.cumsum(gyr - gyr.mean(axis=0), axis=0) / sampling_rate_hz
            up = up - np.cross(sosfiltfilt(highpass, angle, axis=0), up)
            up /= np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-9)
        linear = sosfiltfilt(band, acc - STANDARD_GRAVITY_M_S2 * up, axis=0)
        return _Bout(linear, gyr_band, up, None, 1.0)
    centred = acc - acc.mean(axis=0)
    linear = sosfiltfilt(band, centred, axis=0)
    _, vectors = np.linalg.eigh(np.cov(linear.T))
    vertical = vectors[:, -1]
    skewness = _skewness(centred @ vertical)  # unfiltered: the contact peaks are sharp
    if skewness < 0:
        vertical = -vertical
    certainty = float(np.tanh(abs(skewness) / 0.3))
    return _Bout(linear, gyr_band, None, vertical, certainty)


def _window_evidence(
    bout: _Bout, window: slice, sampling_rate_hz: float, jerk_lag: int
) -> _Evidence:
    """Frame, periodicity and direction statistics of one analysis window."""
    linear = bout.linear_acc[window]
    if bout.vertical is not None:
        vertical = bout.vertical
    else:
        mean_up = bout.up[window].mean(axis=0) if bout.up is not None else np.array([0, 0, 1.0])
        vertical = mean_up / (np.linalg.norm(mean_up) or 1.0)
    vertical_signal = linear @ vertical
    movement = float(np.sqrt(np.sum(np.var(linear, axis=0))))
    features = {"movement_m_s2": movement}
    if movement < MIN_MOVEMENT_M_S2:
        return _Evidence(0.0, 0.0, features, "no movement")
    auto = _autocorrelation(vertical_signal, unbiased=False)
    lo = int(0.3 * sampling_rate_hz)
    hi = min(int(1.5 * sampling_rate_hz), auto.size // 2)
    periodicity = float(np.max(auto[lo:hi])) if hi > lo else 0.0
    features["periodicity"] = periodicity
    if periodicity < MIN_PERIODICITY:
        return _Evidence(0.0, 0.0, features, "not periodic: no steady walking")
    features["jerk_asymmetry"] = _increment_skewness(vertical_signal, jerk_lag)
    if bout.gyr is None:
        return _Evidence(0.0, 0.0, features, "no gyroscope: the pitch-AP coupling is needed")
    # AP: of the two horizontal principal axes, the one that repeats every step (medio-lateral
    # sway repeats every stride); ML = V x AP makes the pitch sign independent of the AP sign
    step_lag = int(0.25 * sampling_rate_hz) + int(
        np.argmax(auto[int(0.25 * sampling_rate_hz) : int(0.7 * sampling_rate_hz)])
    )
    horizontal = linear - np.outer(vertical_signal, vertical)
    _, vectors = np.linalg.eigh(np.cov(horizontal.T))
    candidates = (vectors[:, -1], vectors[:, -2])
    repeats = [float(_autocorrelation(horizontal @ c)[step_lag]) for c in candidates]
    ap = candidates[int(np.argmax(repeats))]
    pitch = bout.gyr[window] @ np.cross(vertical, ap)
    features["pitch_ap_coupling"] = float(np.mean(_zscore(pitch) * _zscore(horizontal @ ap)))
    features["pitch_rate_rms_rad_s"] = float(np.std(pitch))
    return _Evidence(0.0, min(1.0, periodicity / 0.6), features)


def _windows(n: int, length: int) -> list[slice]:
    """Non-overlapping windows of ``length`` samples; the remainder joins the last window."""
    if n < 2 * length:
        return [slice(0, n)]
    starts = list(range(0, n - length + 1, length))
    slices = [slice(start, start + length) for start in starts]
    slices[-1] = slice(starts[-1], n)
    return slices


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


class DirectionDetector:
    """Direction of one bout, in the project's signal-algorithm form.

    Settings (physical units) in ``__init__``; :meth:`detect` returns ``self`` and leaves the
    answer in ``estimate_``. Bouts longer than two analysis windows are judged window by window
    (``window_s``) and the windows' weighted votes are summed. Presets: :meth:`trunk_sensor`
    (strapped lower-back IMU) and :meth:`waist_bag` (phone in a hanging bag); the default infers
    the mounting from the pitch-rate amplitude.
    """

    def __init__(
        self,
        *,
        mounting: Mounting = "auto",
        window_s: float = 4.0,
        min_duration_s: float = MIN_DURATION_S,
        jerk_lag_s: float = JERK_LAG_S,
        band_hz: tuple[float, float] = BAND_HZ,
        pouch_pitch_rms_rad_s: float = POUCH_PITCH_RMS_RAD_S,
        min_confidence: float = MIN_CONFIDENCE,
        forward_coupling_sign: Mapping[str, float] | None = None,
    ) -> None:
        self.mounting = mounting
        self.window_s = window_s
        self.min_duration_s = min_duration_s
        self.jerk_lag_s = jerk_lag_s
        self.band_hz = band_hz
        self.pouch_pitch_rms_rad_s = pouch_pitch_rms_rad_s
        self.min_confidence = min_confidence
        self.forward_coupling_sign = dict(
            FORWARD_COUPLING_SIGN if forward_coupling_sign is None else forward_coupling_sign
        )

    @classmethod
    def trunk_sensor(cls) -> DirectionDetector:
        """Preset for an IMU strapped to the lower back or trunk."""
        return cls(mounting="trunk")

    @classmethod
    def waist_bag(cls) -> DirectionDetector:
        """Preset for a phone carried in a bag hanging from the waist."""
        return cls(mounting="pouch")

    def settings(self) -> dict[str, object]:
        """The settings, for storing with results (algorithm version included)."""
        return {
            "algorithm": "retrowalk.gait.direction",
            "version": ALGORITHM_VERSION,
            "mounting": self.mounting,
            "window_s": self.window_s,
            "min_duration_s": self.min_duration_s,
            "jerk_lag_s": self.jerk_lag_s,
            "band_hz": list(self.band_hz),
            "pouch_pitch_rms_rad_s": self.pouch_pitch_rms_rad_s,
            "min_confidence": self.min_confidence,
            "forward_coupling_sign": dict(self.forward_coupling_sign),
        }

    def detect(
        self,
        acc_m_s2: FloatArray,
        *,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None = None,
        gravity_included: bool = True,
    ) -> DirectionDetector:
        self.estimate_ = self._estimate(acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included)
        return self

    def _estimate(
        self,
        acc_m_s2: FloatArray,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None,
        gravity_included: bool,
    ) -> DirectionEstimate:
        acc = _as_samples(acc_m_s2, "acc_m_s2")
        _validate_rate(sampling_rate_hz)
        gyr: FloatArray | None = None
        if gyr_rad_s is not None:
            gyr = _as_samples(gyr_rad_s, "gyr_rad_s")
            if gyr.shape[0] != acc.shape[0]:
                raise InputError(
                    f"has {gyr.shape[0]} samples but acc_m_s2 has {acc.shape[0]}",
                    field="gyr_rad_s",
                )
        acc, gyr = _longest_finite_stretch(acc, gyr)
        if acc.shape[0] < max(self.min_duration_s * sampling_rate_hz, 16):
            return DirectionEstimate("unknown", 0.0, reason="too short: under 2 s of finite data")

        high = min(self.band_hz[1], 0.45 * sampling_rate_hz)
        band = butter(2, (self.band_hz[0], high), btype="band", fs=sampling_rate_hz, output="sos")
        bout = _prepare(acc, gyr, sampling_rate_hz, gravity_included, band)
        jerk_lag = max(1, round(self.jerk_lag_s * sampling_rate_hz))
        length = max(16, round(self.window_s * sampling_rate_hz))
        evidence = [
            _window_evidence(bout, window, sampling_rate_hz, jerk_lag)
            for window in _windows(acc.shape[0], length)
        ]
        usable = [e for e in evidence if e.weight > 0]
        features: dict[str, float] = {
            "vertical_sign_certainty": bout.vertical_sign_certainty,
            "n_windows": float(len(evidence)),
            "n_windows_walking": float(len(usable)),
        }
        for name in ("movement_m_s2", "periodicity", "jerk_asymmetry", "pitch_ap_coupling"):
            values = [e.features[name] for e in evidence if name in e.features]
            if values:
                features[name] = _median(values)
        if not usable:
            reason = Counter(e.reason for e in evidence).most_common(1)[0][0]
            return DirectionEstimate("unknown", 0.0, features, reason)

        pitch_rms = _median([e.features["pitch_rate_rms_rad_s"] for e in usable])
        features["pitch_rate_rms_rad_s"] = pitch_rms
        mounting = self.mounting
        mounting_certainty = 1.0
        if mounting == "auto":
            ratio = pitch_rms / self.pouch_pitch_rms_rad_s
            mounting = "pouch" if ratio > 1 else "trunk"
            mounting_certainty = float(np.clip(abs(np.log(ratio)) / np.log(1.3), 0, 1))
        features["mounting_pouch"] = 1.0 if mounting == "pouch" else 0.0
        features["mounting_certainty"] = mounting_certainty
        sign = self.forward_coupling_sign[mounting]

        total = 0.0
        votes = {"forward": 0, "backward": 0}
        for e in usable:
            coupling = float(np.clip(sign * e.features["pitch_ap_coupling"] / FULL_COUPLING, -1, 1))
            jerk = float(
                np.clip(
                    FORWARD_JERK_SIGN * e.features["jerk_asymmetry"] / FULL_JERK_ASYMMETRY, -1, 1
                )
            )
            if np.sign(jerk) != np.sign(coupling) and min(abs(jerk), abs(coupling)) > CONTRADICTION:
                continue  # both statistics are clear and disagree: this window does not vote
            vote = (coupling + JERK_WEIGHT * jerk) / (1 + JERK_WEIGHT)
            total += vote * e.weight
            votes["forward" if vote > 0 else "backward"] += 1
        features["n_windows_forward"] = float(votes["forward"])
        features["n_windows_backward"] = float(votes["backward"])
        score = total / len(usable)
        features["score"] = score
        confidence = float(min(1.0, abs(score)) * bout.vertical_sign_certainty * mounting_certainty)
        if votes["forward"] + votes["backward"] == 0:
            return DirectionEstimate(
                "unknown", 0.0, features, "the vertical asymmetry contradicts the pitch coupling"
            )
        if confidence < self.min_confidence:
            return DirectionEstimate("unknown", confidence, features, "weak direction evidence")
        direction: Direction = "forward" if score > 0 else "backward"
        return DirectionEstimate(direction, confidence, features, "")


def estimate_direction(
    acc_m_s2: FloatArray,
    *,
    sampling_rate_hz: float,
    gyr_rad_s: FloatArray | None = None,
    gravity_included: bool = True,
) -> DirectionEstimate:
    """acc/gyr of ONE walking bout or window in the SENSOR frame (any orientation), shape (n, 3).

    Returns ``unknown`` with a reason when the bout is shorter than 2 s, still, not periodic,
    recorded without a gyroscope, or when the evidence is weak or conflicting. Raises
    :class:`InputError` for arrays of the wrong shape, all-NaN arrays, mismatched lengths or a
    sampling rate under 20 Hz.
    """
    detector = DirectionDetector().detect(
        acc_m_s2,
        sampling_rate_hz=sampling_rate_hz,
        gyr_rad_s=gyr_rad_s,
        gravity_included=gravity_included,
    )
    return detector.estimate_
