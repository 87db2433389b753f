"""Walking direction (forward or backward) of one walking bout from a trunk-worn IMU.

Why this can work (evidence.md §1.3): the hip and knee kinematics of backward walking resemble
time-reversed forward walking (Winter 1989; Lee 2013), so statistics of the trunk signals that
change sign when time runs backwards ("time-odd" statistics) should change sign between the two
directions. Two such statistics are measured in a body frame that is built without assuming how
the sensor is worn:

``jerk_asymmetry``
    skewness of the increments (30 ms) of the vertical acceleration: positive when the vertical
    acceleration rises faster than it falls. Reversing time swaps rises and falls, so the sign
    flips. Needs the *sign* of the vertical axis.
``pitch_ap_coupling``
    correlation of the trunk pitch rate (gyroscope about the medio-lateral axis) with the
    anterior-posterior acceleration. The pitch rate is odd under time reversal, the acceleration
    is even, so the correlation flips sign. The medio-lateral axis is the cross product of the
    vertical and the anterior-posterior axis, so the unknown sign of the AP axis cancels; the sign
    of the vertical axis does not.

The vertical axis is the mean of the signal when gravity is included (its sign is then known)
and the gyroscope, when given, corrects the step-by-step tilt (small-angle integration). With
gravity removed by the phone (KU-HAR "linear acceleration"), the vertical is the principal axis of
the band-passed acceleration and its sign is taken from the positive skewness of vertical trunk
acceleration (sharp upward peaks at foot contact, broad troughs in single support: positive in all
19 reference bouts of the mobgap lower-back data). That sign is the weak point of the
gravity-free case and limits the confidence (see docs/gait_direction.md, which also gives the
validation numbers and the limits).

The signs that mean "forward" were set from labelled data (KU-HAR forward and backward windows,
waist phone) and are checked leave-one-user-out in ``benchmarks/direction_validation.py``. When
the two statistics disagree, are small, or the bout is short, still or not periodic, the answer
is ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy.signal import butter, sosfiltfilt

from retrowalk.errors import InputError

Direction = Literal["forward", "backward", "unknown"]

ALGORITHM_VERSION = "1.0"
STANDARD_GRAVITY_M_S2 = 9.80665
MIN_SAMPLING_RATE_HZ = 20.0
MIN_DURATION_S = 2.0
#: below this standard deviation of the band-passed acceleration the body is taken to be still
MIN_MOVEMENT_M_S2 = 0.3
#: minimum normalised autocorrelation at the step or stride lag for "walking-like"
MIN_PERIODICITY = 0.3
BAND_HZ = (0.3, 10.0)
JERK_LAG_S = 0.03
#: sign of each statistic in forward walking (from KU-HAR labels; see module docstring)
FORWARD_SIGN = {"jerk_asymmetry": -1.0, "pitch_ap_coupling": 1.0}
#: statistic magnitudes that count as full evidence (about one between-window SD in KU-HAR)
FULL_EVIDENCE = {"jerk_asymmetry": 0.5, "pitch_ap_coupling": 0.4}
MIN_CONFIDENCE = 0.35


@dataclass(frozen=True)
class DirectionEstimate:
    """The walking direction of one bout, how sure we are (0..1) and the evidence behind it."""

    direction: Direction
    confidence: float
    features: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""


def _as_samples(array: NDArray[np.float64], name: str) -> NDArray[np.float64]:
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


def _zscore(x: NDArray[np.float64]) -> NDArray[np.float64]:
    sd = float(np.std(x))
    return (x - np.mean(x)) / sd if sd > 0 else np.zeros_like(x)


def _increment_skewness(x: NDArray[np.float64], lag: int) -> float:
    steps = x[lag:] - x[:-lag]
    sd = float(np.std(steps))
    return float(np.mean((steps - np.mean(steps)) ** 3) / sd**3) if sd > 0 else 0.0


def _periodicity(x: NDArray[np.float64], sampling_rate_hz: float) -> float:
    """Largest normalised autocorrelation at a step or stride lag (0.3 s .. 1.5 s)."""
    centred = x - np.mean(x)
    n = centred.size
    spectrum = np.fft.rfft(centred, 2 * n)
    auto = np.fft.irfft(spectrum * np.conj(spectrum))[:n]
    if auto[0] <= 0:
        return 0.0
    auto = auto / auto[0] * n / (n - np.arange(n))  # unbiased
    lo, hi = int(0.3 * sampling_rate_hz), min(int(1.5 * sampling_rate_hz), n // 2)
    return float(np.max(auto[lo:hi])) if hi > lo else 0.0


@dataclass(frozen=True)
class _Frame:
    vertical: NDArray[np.float64]
    ap: NDArray[np.float64]
    ml: NDArray[np.float64]
    vertical_sign_certainty: float
    linear_acc: NDArray[np.float64]


def _body_frame(
    acc: NDArray[np.float64],
    gyr: NDArray[np.float64] | None,
    sampling_rate_hz: float,
    gravity_included: bool,
    band: NDArray[np.float64],
) -> _Frame:
    if gravity_included:
        mean = acc.mean(axis=0)
        vertical = mean / (np.linalg.norm(mean) or 1.0)
        if gyr is not None:
            # small-angle tilt of the gravity direction in the sensor frame: dg/dt = -w x g
            highpass = butter(2, BAND_HZ[0], btype="high", fs=sampling_rate_hz, output="sos")
            angle = np.cumsum(gyr - gyr.mean(axis=0), axis=0) / sampling_rate_hz
            angle = sosfiltfilt(highpass, angle, axis=0)
            up = vertical - np.cross(angle, vertical)
        else:
            up = np.broadcast_to(vertical, acc.shape)
        linear = acc - STANDARD_GRAVITY_M_S2 * up
        filtered = sosfiltfilt(band, linear, axis=0)
        certainty = 1.0
    else:
        filtered = sosfiltfilt(band, acc - acc.mean(axis=0), axis=0)
        _, vectors = np.linalg.eigh(np.cov(filtered.T))
        vertical = vectors[:, -1]
        skewness = float(np.mean(_zscore(filtered @ vertical) ** 3))
        if skewness < 0:
            vertical = -vertical
        certainty = float(np.tanh(abs(skewness) / 0.3))
    vertical_signal = filtered @ vertical
    horizontal = filtered - np.outer(vertical_signal, vertical)
    _, vectors = np.linalg.eigh(np.cov(horizontal.T))
    # AP: of the two horizontal principal axes, the one whose acceleration follows the vertical
    # at the step period (AP and vertical repeat every step, medio-lateral every stride)
    candidates = (vectors[:, -1], vectors[:, -2])
    coupling = [
        abs(float(np.mean(_zscore(horizontal @ c) * _zscore(vertical_signal**2))))
        + abs(float(np.mean(_zscore(horizontal @ c) * _zscore(vertical_signal))))
        for c in candidates
    ]
    ap = candidates[int(np.argmax(coupling))]
    ml = np.cross(vertical, ap)
    return _Frame(vertical, ap, ml, certainty, filtered)


class DirectionDetector:
    """Direction of one bout, in the project's signal-algorithm form.

    Settings (physical units) in ``__init__``; :meth:`detect` returns ``self`` and leaves the
    answer in ``estimate_``. ``forward_sign`` maps each statistic to its sign in forward walking
    (defaults: :data:`FORWARD_SIGN`); the validation refits it leave-one-user-out.
    """

    def __init__(
        self,
        *,
        min_duration_s: float = MIN_DURATION_S,
        jerk_lag_s: float = JERK_LAG_S,
        band_hz: tuple[float, float] = BAND_HZ,
        min_confidence: float = MIN_CONFIDENCE,
        forward_sign: Mapping[str, float] | None = None,
    ) -> None:
        self.min_duration_s = min_duration_s
        self.jerk_lag_s = jerk_lag_s
        self.band_hz = band_hz
        self.min_confidence = min_confidence
        self.forward_sign = dict(FORWARD_SIGN if forward_sign is None else forward_sign)

    def detect(
        self,
        acc_m_s2: NDArray[np.float64],
        *,
        sampling_rate_hz: float,
        gyr_rad_s: NDArray[np.float64] | None = None,
        gravity_included: bool = True,
    ) -> DirectionDetector:
        self.estimate_ = self._estimate(acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included)
        return self

    def _estimate(
        self,
        acc_m_s2: NDArray[np.float64],
        sampling_rate_hz: float,
        gyr_rad_s: NDArray[np.float64] | None,
        gravity_included: bool,
    ) -> DirectionEstimate:

        acc = _as_samples(acc_m_s2, "acc_m_s2")
        _validate_rate(sampling_rate_hz)
        gyr: NDArray[np.float64] | None = None
        if gyr_rad_s is not None:
            gyr = _as_samples(gyr_rad_s, "gyr_rad_s")
            if gyr.shape[0] != acc.shape[0]:
                raise InputError(
                    f"has {gyr.shape[0]} samples but acc_m_s2 has {acc.shape[0]}", field="gyr_rad_s"
                )
        finite = np.isfinite(acc).all(axis=1)
        if gyr is not None:
            finite &= np.isfinite(gyr).all(axis=1)
        if np.count_nonzero(finite) < self.min_duration_s * sampling_rate_hz:
            return DirectionEstimate(
                "unknown", 0.0, reason="too short: fewer than 2 s of finite samples"
            )
        if not finite.all():
            # keep the longest finite stretch: filters must not run across gaps
            edges = np.flatnonzero(np.diff(np.concatenate(([0], finite.astype(np.int8), [0]))))
            starts, ends = edges[::2], edges[1::2]
            longest = int(np.argmax(ends - starts))
            keep = slice(int(starts[longest]), int(ends[longest]))
            acc = acc[keep]
            gyr = gyr[keep] if gyr is not None else None
            if acc.shape[0] < self.min_duration_s * sampling_rate_hz:
                return DirectionEstimate("unknown", 0.0, reason="no finite stretch of 2 s")

        high = min(self.band_hz[1], 0.45 * sampling_rate_hz)
        band = butter(2, (self.band_hz[0], high), btype="band", fs=sampling_rate_hz, output="sos")
        frame = _body_frame(acc, gyr, sampling_rate_hz, gravity_included, band)
        vertical = frame.linear_acc @ frame.vertical
        movement = float(np.sqrt(np.sum(np.var(frame.linear_acc, axis=0))))
        features: dict[str, float] = {
            "movement_m_s2": movement,
            "vertical_sign_certainty": frame.vertical_sign_certainty,
        }
        if movement < MIN_MOVEMENT_M_S2:
            return DirectionEstimate("unknown", 0.0, features, "no movement")
        periodicity = _periodicity(vertical, sampling_rate_hz)
        features["periodicity"] = periodicity
        if periodicity < MIN_PERIODICITY:
            return DirectionEstimate("unknown", 0.0, features, "not periodic (no steady walking)")

        lag = max(1, round(self.jerk_lag_s * sampling_rate_hz))
        features["jerk_asymmetry"] = _increment_skewness(vertical, lag)
        if gyr is not None:
            pitch = sosfiltfilt(band, gyr, axis=0) @ frame.ml
            ap = frame.linear_acc @ frame.ap
            features["pitch_ap_coupling"] = float(np.mean(_zscore(pitch) * _zscore(ap)))

        votes = [
            float(
                np.clip(self.forward_sign[name] * features[name] / FULL_EVIDENCE[name], -1.0, 1.0)
            )
            for name in self.forward_sign
            if name in features
        ]
        score = float(np.mean(votes))
        features["score"] = score
        agreement = 1.0 if len(votes) == 1 or np.sign(votes[0]) == np.sign(votes[1]) else 0.0
        confidence = float(
            abs(score) * agreement * frame.vertical_sign_certainty * min(1.0, periodicity / 0.6)
        )
        if agreement == 0.0 and min(abs(v) for v in votes) > 0.25:
            return DirectionEstimate("unknown", 0.0, features, "the direction statistics disagree")
        if confidence < self.min_confidence:
            return DirectionEstimate("unknown", confidence, features, "weak direction evidence")
        direction: Direction = "forward" if score > 0 else "backward"
        return DirectionEstimate(direction, confidence, features, "")


def estimate_direction(
    acc_m_s2: NDArray[np.float64],
    *,
    sampling_rate_hz: float,
    gyr_rad_s: NDArray[np.float64] | None = None,
    gravity_included: bool = True,
) -> DirectionEstimate:
    """acc/gyr of ONE walking bout or window in the SENSOR frame (any orientation), shape (n, 3).

    Returns ``unknown`` with a reason when the bout is shorter than 2 s, still, not periodic, or
    when the time-odd statistics are weak or disagree. Raises :class:`InputError` for arrays of
    the wrong shape, all-NaN arrays, mismatched lengths or a sampling rate under 20 Hz.
    """
    detector = DirectionDetector().detect(
        acc_m_s2,
        sampling_rate_hz=sampling_rate_hz,
        gyr_rad_s=gyr_rad_s,
        gravity_included=gravity_included,
    )
    return detector.estimate_
