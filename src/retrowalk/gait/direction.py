"""Walking direction (forward or backward) of one walking bout from a trunk- or waist-worn IMU.

WITH A FORWARD REFERENCE (:class:`ForwardReference`; use it whenever there is one). A guided
session starts with a forward warm-up, and a phone in a waist pouch or a strapped lower-back IMU
does not turn round on the body during a session. :meth:`ForwardReference.from_bout` takes the
warm-up (or any bout the caller knows to be forward); ``estimate_direction(..., reference=ref)``
then calls a bout forward when its *acceleration loop* turns the same way as the reference's and
backward when it turns the other way. The loop, ``mean over 20-200 ms lags of E[a(t) x a(t+lag)]``
of the band-passed acceleration, is a vector in the sensor frame along the axis about which the
acceleration vector circles (medio-lateral in walking: the sagittal loop); it is exactly odd under
time reversal and rotates with the sensor, so no body frame, gravity, gyroscope or mounting-specific
sign is needed. KU-HAR: 162 of 162 windows right, for every choice of reference window; a sensor
tilted more than 30 degrees from the reference's gravity direction gives ``unknown``; a sensor
turned round about the vertical is not detectable (docs/gait_direction.md).

WITHOUT A REFERENCE (the fallback). Why it can work (evidence.md §1.3): the hip and knee
kinematics of backward walking resemble
time-reversed forward walking (Winter 1989; Lee 2013), but contact is toe-first instead of
heel-first and the muscle drive differs. A statistic of the trunk signals that changes sign when
time runs backwards (a *time-odd* statistic) should therefore change sign between the two
directions, though not exactly. Three such statistics are measured in every analysis window:

``energy_lead`` (accelerometer only, independent of orientation and of every axis sign)
    does vertical acceleration energy lead or follow horizontal acceleration energy within
    10-50 ms? With ``v2 = a_v**2`` and ``h2 = |a|**2 - a_v**2`` (each z-scored in the window),
    the odd part of their cross-correlation ``E[v2(t) h2(t+lag)] - E[h2(t) v2(t+lag)]``,
    averaged over the lags. Squares make it blind to the sign of the vertical axis, the norm to
    the rest of the orientation; reversing time swaps the two terms. Positive when vertical
    energy comes first, which we read as a heel-first contact (vertical impact, then braking).
    KU-HAR waist phone: positive in 10 of 11 "Walk" windows, negative in 10 of 11
    "Walk-backward" windows, and positive in 10 of 11 each of the other forward classes
    "Walk-circle" and "Stair-up"; negative in 10 of 11 "Stair-down" windows, where the foot also
    lands toe-first. At the strapped lower back (mobgap) it is small and its sign is not
    consistent (positive in 9 of 19 forward bouts: 7 of 11 of the healthy adults, 2 of 8 of the
    person with multiple sclerosis), so it is evidence only for a phone carried at the waist.
``pitch_ap_coupling`` (needs the gyroscope)
    correlation of the pitch rate (angular velocity about the medio-lateral axis) with the
    anterior-posterior (AP) acceleration. The angular velocity is odd under time reversal, the
    acceleration even. ML = V x AP cancels the unknown AP sign; the sign of V does not cancel,
    so this vote is scaled by the certainty of the vertical sign. Forward sign per mounting:
    strapped trunk sensor negative (17 of 19 mobgap forward bouts: the trunk pitches forward
    while the body brakes after contact); phone in a waist bag positive (KU-HAR labels; a bag
    hanging below its strap swings the other way - plausible, not verified).
``jerk_asymmetry`` (reported, not voting)
    skewness of the 30-ms increments of the vertical acceleration (rises faster than falls).
    Negative in 9 of 11 forward and positive in 8 of 11 backward KU-HAR windows, but its sign
    flips for another KU-HAR user and is not consistent in the mobgap bouts, and it needs the
    vertical sign, which a gravity-free recording does not give; with it in the vote the
    leave-one-user-out result fell from 17 to 15 of 22 correct.

Evidence per mounting (``EVIDENCE_WEIGHTS``; the sign of a weight is the feature's sign in forward
walking): phone at the waist ("pouch") ``2 x energy_lead + pitch_ap_coupling`` (the energy lead
counts double: it needs neither gyroscope nor vertical sign and is the only statistic confirmed
on other forward classes), strapped trunk sensor ``-pitch_ap_coupling`` alone (the only
statistic consistent in mobgap). Each feature is scaled to a vote in -1..1 by ``FULL_EVIDENCE``.
``mounting="auto"``: gravity removed by the device means a phone's linear-acceleration export, so
"pouch"; with gravity the pitch-rate amplitude decides (a loose bag swings with over 0.35 rad/s
RMS, a strapped sensor less). Both rules are heuristics chosen on the two data sets, not
published constants. Without a gyroscope a phone is judged on the energy lead alone.

The body frame is built without assuming how the sensor is worn: vertical from gravity (mean of the
raw acceleration in each window) when gravity is included; otherwise the principal axis of the
band-passed acceleration, its sign chosen so the vertical acceleration is positively skewed (sharp
upward peaks at contact), which limits the confidence of the pitch-coupling vote. AP is the
horizontal principal axis that repeats every step (medio-lateral sway repeats every stride).

Without the evidence a mounting needs, or when it is weak, too short, still or not periodic, the
answer is ``unknown`` with the reason. Validation numbers and limits: docs/gait_direction.md.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy.fft import next_fast_len

from retrowalk.errors import InputError
from retrowalk.gait.filtering import (
    WorkMemory,
    band_pass_design,
    band_pass_zi,
    work_memory,
    zero_phase_layout,
    zero_phase_pieces,
)

Direction = Literal["forward", "backward", "unknown"]
Mounting = Literal["auto", "trunk", "pouch"]
FloatArray = NDArray[np.float64]

ALGORITHM_VERSION = "4.0"
STANDARD_GRAVITY_M_S2 = 9.80665
#: below this pitch-rate RMS the gyroscope is taken as absent (e.g. exported as zeros)
MIN_PITCH_RMS_RAD_S = 1e-3
#: beyond this magnitude (m/s^2 or rad/s) a value cannot come from a body-worn sensor
IMPLAUSIBLE_MAGNITUDE = 1e6
MIN_SAMPLING_RATE_HZ = 20.0
MIN_DURATION_S = 2.0
#: below this RMS of the band-passed acceleration the body is taken to be still
MIN_MOVEMENT_M_S2 = 0.3
#: minimum normalised autocorrelation at the step or stride lag to call a bout walking-like
MIN_PERIODICITY = 0.3
BAND_HZ = (0.3, 10.0)
JERK_LAG_S = 0.03
#: lags over which the vertical/horizontal energy lead is averaged (10-50 ms: within a contact)
ENERGY_LEAD_LAGS_S = (0.01, 0.02, 0.03, 0.04, 0.05)
#: pitch-rate RMS separating a strapped trunk sensor from a swinging waist bag (heuristic)
POUCH_PITCH_RMS_RAD_S = 0.35
#: feature magnitude that counts as a full vote (about one between-window SD in KU-HAR/mobgap)
FULL_EVIDENCE: Mapping[str, float] = {
    "energy_lead": 0.2,
    "pitch_ap_coupling": 0.35,
    "jerk_asymmetry": 0.5,
}
#: weight of each feature per mounting; the sign is the feature's sign in FORWARD walking
EVIDENCE_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "pouch": {"energy_lead": 2.0, "pitch_ap_coupling": 1.0},
    "trunk": {"pitch_ap_coupling": -1.0},
}
#: votes that depend on the sign of the vertical axis (scaled by its certainty)
NEEDS_VERTICAL_SIGN = frozenset({"pitch_ap_coupling", "jerk_asymmetry"})
#: votes that need the gyroscope
NEEDS_GYROSCOPE = frozenset({"pitch_ap_coupling"})
MIN_CONFIDENCE = 0.2
# Why a direction is unknown (``DirectionEstimate.reason``; the pipeline's ``direction_reason``).
# Pages turn them into plain words (retrowalk.web.pages.formatting.direction_reason_text).
REASON_TOO_SHORT = "too short: under 2 s of finite data"
REASON_NO_MOVEMENT = "no movement"
REASON_NOT_PERIODIC = "not periodic: no steady walking"
REASON_WEAK_EVIDENCE = "weak direction evidence"
REASON_LOOP_MISMATCH = "the loop does not match the reference's axis"
REASON_SENSOR_MOVED = "the sensor turned on the body since the reference"
"""The start of the reason; the rest says how far gravity moved."""
#: lags over which the acceleration loop E[a(t) x a(t+lag)] is averaged: 20-200 ms, within half
#: a step at up to 2.5 steps/s, where the loop keeps turning one way
LOOP_LAGS_S = (0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.18, 0.2)
#: a gravity direction further than this from the reference's means the sensor moved on the body
MAX_TILT_DEG = 30.0
#: with a reference: below this |mean vote| the answer is unknown (chosen a priori, not fitted)
MIN_REFERENCE_CONFIDENCE = 0.3
#: a reference bout whose windows' loops agree less than this (mean cosine) is refused
MIN_REFERENCE_AGREEMENT = 0.5


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
    finite = values[np.isfinite(values)]
    if finite.size and float(np.max(np.abs(finite))) > IMPLAUSIBLE_MAGNITUDE:
        raise InputError(
            f"values up to {float(np.max(np.abs(finite))):.3g} are not physical for a body-worn "
            "sensor; check the units",
            field=name,
        )
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
class _Bout:
    """Bout-level preprocessing shared by the analysis windows (filters run once per bout)."""

    linear_acc: FloatArray  # band-passed (gravity's constant part removed), sensor frame
    gyr: FloatArray | None  # band-passed
    raw_acc: FloatArray
    vertical: FloatArray | None  # bout-level vertical axis, when gravity was removed
    vertical_sign_certainty: float


@dataclass(frozen=True)
class _Pieces:
    """Bouts preprocessed together: band-passed and raw signals concatenated (bout ``i`` at
    ``offsets[i]:offsets[i + 1]``), and each bout's :class:`_Bout` (views into them)."""

    linear_acc: FloatArray
    gyr: FloatArray | None
    raw_acc: FloatArray
    offsets: NDArray[np.int64]
    bouts: list[_Bout]


def _vertical_without_gravity(linear: FloatArray, raw: FloatArray) -> tuple[FloatArray, float]:
    """A bout's vertical axis when the signal holds no gravity, and how sure its sign is.

    The axis of largest band-passed variance (``linear``, (n, 3)); its sign makes the raw
    (unfiltered) acceleration along it positively skewed: sharp upward peaks at contact.
    Certainty ``tanh(|skewness| / 0.3)``.
    """
    _, vectors = np.linalg.eigh(np.cov(linear.T))
    vertical = vectors[:, -1]
    skewness = _skewness((raw - raw.mean(axis=0)) @ vertical)  # unfiltered: contact peaks
    if skewness < 0:
        vertical = -vertical
    return vertical, float(np.tanh(abs(skewness) / 0.3))


def _prepare(
    accs: list[FloatArray],
    gyrs: list[FloatArray] | None,
    gravity_included: bool,
    band: tuple[FloatArray, FloatArray],
    sampling_rate_hz: float,
) -> _Pieces:
    """Band-pass each bout (zero phase, on its own: the same numbers as one bout at a time) and
    find its vertical axis when gravity is not in the signal."""
    offsets = np.concatenate(([0], np.cumsum([a.shape[0] for a in accs]))).astype(np.int64)
    raw = accs[0] if len(accs) == 1 else np.concatenate(accs)
    signal = raw if gyrs is None else np.hstack((raw, np.concatenate(gyrs)))
    padlens = np.minimum(np.diff(offsets) - 1, round(2 * sampling_rate_hz))
    filtered = zero_phase_pieces(*band, signal, offsets, padlens)
    linear, gyr_band = filtered[:, :3], (None if gyrs is None else filtered[:, 3:])
    bouts = []
    for start, end in itertools.pairwise(offsets):
        acc = raw[start:end]
        bout_linear = linear[start:end]
        bout_gyr = None if gyr_band is None else gyr_band[start:end]
        if gravity_included and np.linalg.norm(acc.mean(axis=0)) > 0.5 * STANDARD_GRAVITY_M_S2:
            bouts.append(_Bout(bout_linear, bout_gyr, acc, None, 1.0))
            continue
        # gravity removed (or declared present but absent: then there is no "up" to read)
        vertical, certainty = _vertical_without_gravity(bout_linear, acc)
        bouts.append(_Bout(bout_linear, bout_gyr, acc, vertical, certainty))
    return _Pieces(linear, gyr_band, raw, offsets, bouts)


def _window_starts(n: int, length: int) -> NDArray[np.int64]:
    """Starts of equal windows covering ``n`` samples, spread evenly from the first to the last
    sample (neighbours may overlap), so a time-reversed bout is cut into the mirrored windows."""
    if n < length:
        return np.zeros(0, dtype=np.int64)
    count = -(-n // length)
    if count == 1:
        return np.zeros(1, dtype=np.int64)
    return np.asarray(np.rint(np.linspace(0, n - length, count)), dtype=np.int64)


def _blockwise_autocorrelation(
    x: FloatArray, blocks: NDArray[np.int64], *, unbiased: bool
) -> FloatArray:
    """:func:`_rowwise_autocorrelation`, with the rows ``blocks[i]:blocks[i + 1]`` (one bout's
    windows) as if each block were computed alone. Only the spectrum's complex square is taken
    block by block: numpy rounds a complex product differently depending on where the element
    falls in the array (vectorised body or scalar tail), so one product over several bouts'
    windows would differ from each bout alone in the last bit; the transforms and the rest are
    row by row anyway."""
    return _rowwise_autocorrelation(x, unbiased=unbiased, blocks=blocks)


def _rowwise_autocorrelation(
    x: FloatArray, *, unbiased: bool, blocks: NDArray[np.int64] | None = None
) -> FloatArray:
    """Normalised autocorrelation of each row of a (windows, samples) array."""
    length = x.shape[1]
    centred = x - x.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred, 2 * length, axis=1)
    if blocks is None or blocks.size == 2:
        power = spectrum * np.conj(spectrum)
    else:
        power = np.concatenate(
            [spectrum[lo:hi] * np.conj(spectrum[lo:hi]) for lo, hi in itertools.pairwise(blocks)]
        )
    auto = np.fft.irfft(power, 2 * length, axis=1)[:, :length]
    zero = auto[:, :1]
    auto = np.divide(auto, zero, out=np.zeros_like(auto), where=zero > 0)
    if unbiased:
        auto *= length / (length - np.arange(length))
    return np.asarray(auto, dtype=np.float64)


def _rowwise_zscore(x: FloatArray) -> FloatArray:
    sd = x.std(axis=1, keepdims=True)
    centred = x - x.mean(axis=1, keepdims=True)
    return np.asarray(np.divide(centred, sd, out=np.zeros_like(x), where=sd > 0))


def _energy_lead(raw: FloatArray, vertical: FloatArray, lags: tuple[int, ...]) -> FloatArray:
    """Per window: mean over ``lags`` of E[v2(t) h2(t+lag)] - E[h2(t) v2(t+lag)] (z-scored).

    ``raw`` (windows, samples, 3) is the UNFILTERED acceleration: the statistic lives at 10-50 ms,
    where a 10-Hz low-pass would erase it. Each window's mean is removed, which takes out gravity
    or a linear-acceleration offset; both energies are even in every axis sign and the norm is
    rotation invariant, so only the vertical *axis* (not its sign) is needed.
    """
    centred = raw - raw.mean(axis=1, keepdims=True)
    v2 = np.einsum("wlk,wk->wl", centred, vertical) ** 2
    h2 = np.maximum(np.einsum("wlk,wlk->wl", centred, centred) - v2, 0.0)
    v2, h2 = _rowwise_zscore(v2), _rowwise_zscore(h2)
    length = v2.shape[1]
    leads = [
        (
            np.einsum("wl,wl->w", v2[:, :-lag], h2[:, lag:])
            - np.einsum("wl,wl->w", h2[:, :-lag], v2[:, lag:])
        )
        / (length - lag)
        for lag in lags  # at most 50 ms: always shorter than a window (at least 2 s)
    ]
    return np.asarray(np.mean(leads, axis=0), dtype=np.float64)


def _acceleration_loop(acc: FloatArray, lags: tuple[int, ...]) -> FloatArray:
    """Per window: mean over ``lags`` of E[a(t) x a(t+lag)] / E[|a|^2], a (windows, 3) vector.

    ``acc`` (windows, samples, 3) is band-passed (gravity removed). The cross product of the
    acceleration now and a moment later points along the axis about which the acceleration vector
    turns, with a length that grows with how much it turns; averaged over a walking window it is
    the *rotation sense of the acceleration loop*. Forward walking traces its sagittal-plane loop
    (anterior-posterior against vertical acceleration) one way round, so the vector lies close to
    the medio-lateral axis. Reversing time turns every loop the other way: the vector is exactly
    odd under time reversal. It is a proper vector: rotating the sensor rotates it with the
    sensor, so comparing it with a reference vector from the same sensor frame needs no frame.
    """
    centred = acc - acc.mean(axis=1, keepdims=True)
    return _centred_loop(
        centred, np.einsum("wlk,wlk->w", centred, centred) / centred.shape[1], lags
    )


def _centred_loop(centred: FloatArray, power: FloatArray, lags: tuple[int, ...]) -> FloatArray:
    """:func:`_acceleration_loop` of window-centred acceleration with its power (mean |a|^2).

    mean over lags of E[a(t) x a(t+lag)] = E[a(t) x d(t)], d(t) = sum over lags of
    a(t+lag) / (len(lags) (n - lag)) (zero past the window's end): a few shifted additions and one
    batched matrix product instead of a cross product per lag.
    """
    length = centred.shape[1]
    ahead = np.zeros_like(centred)
    for first in range(0, centred.shape[0], 32):  # 32 windows at a time stay in the cache
        block, source = ahead[first : first + 32], centred[first : first + 32]
        for lag in lags:
            block[:, :-lag] += source[:, lag:] / (length - lag)
    products = centred.transpose(0, 2, 1) @ ahead  # (windows, 3, 3): sum_t a_i(t) d_j(t)
    # the cross product a x d is the antisymmetric part of the outer products
    loop = np.column_stack(
        (
            products[:, 1, 2] - products[:, 2, 1],
            products[:, 2, 0] - products[:, 0, 2],
            products[:, 0, 1] - products[:, 1, 0],
        )
    ) / len(lags)
    return np.asarray(
        np.divide(loop, power[:, None], out=np.zeros_like(loop), where=power[:, None] > 0),
        dtype=np.float64,
    )


def _window_features(
    pieces: _Pieces,
    index: NDArray[np.int64],
    bout_vertical: FloatArray | None,
    blocks: NDArray[np.int64],
    sampling_rate_hz: float,
    jerk_lag: int,
    lead_lags: tuple[int, ...],
    loop_lags: tuple[int, ...],
    needs: frozenset[str] | None = None,
) -> dict[str, FloatArray]:
    """Frame, periodicity and direction statistics of every window at once (vectorised).

    ``index`` (windows, samples): each window's positions in the concatenated ``pieces``
    (windows of several bouts may be evaluated together: every statistic is computed per
    window). ``bout_vertical`` (windows, 3): the window's bout-level vertical axis, NaN where
    gravity gives it (``None``: gravity gives every window's). ``blocks``: where each bout's
    windows start in ``index``, and the end (see :func:`_blockwise_autocorrelation`). ``needs``:
    the statistics a
    decision uses (:data:`_DECISION_NEEDS`); ``None`` computes all. Each statistic is computed
    the same way either way, so leaving some out changes no other.
    """
    n_windows, length = index.shape
    acc = pieces.linear_acc[index]  # (windows, samples, 3)
    raw = pieces.raw_acc[index]
    raw_mean = raw.mean(axis=1)  # the specific force's mean: gravity, when recorded
    vertical = raw_mean / np.maximum(np.linalg.norm(raw_mean, axis=1, keepdims=True), 1e-12)
    from_gravity = np.ones(n_windows, dtype=bool)
    if bout_vertical is not None:
        from_gravity = np.isnan(bout_vertical[:, 0])
        vertical = np.where(from_gravity[:, None], vertical, bout_vertical)
    v_signal = np.einsum("wlk,wk->wl", acc, vertical)
    centred_acc = acc - acc.mean(axis=1, keepdims=True)
    power = np.einsum("wlk,wlk->w", centred_acc, centred_acc) / length  # summed variance
    features = {"movement_m_s2": np.sqrt(power)}
    biased = _blockwise_autocorrelation(v_signal, blocks, unbiased=False)
    lo, hi = int(0.3 * sampling_rate_hz), max(int(0.3 * sampling_rate_hz) + 1, length // 2)
    hi = min(hi, int(1.5 * sampling_rate_hz))
    features["periodicity"] = biased[:, lo:hi].max(axis=1) if hi > lo else np.zeros(n_windows)
    if needs is None or "jerk_asymmetry" in needs:
        increments = _rowwise_zscore(v_signal[:, jerk_lag:] - v_signal[:, :-jerk_lag])
        features["jerk_asymmetry"] = np.mean(increments**3, axis=1)
    if needs is None or "energy_lead" in needs:
        features["energy_lead"] = _energy_lead(raw, vertical, lead_lags)
    if needs is None or "loop" in needs:
        loop = _centred_loop(centred_acc, power, loop_lags)
        for axis, name in enumerate(("loop_x", "loop_y", "loop_z")):
            features[name] = loop[:, axis]
        features["gravity_x"], features["gravity_y"], features["gravity_z"] = np.where(
            from_gravity, raw_mean.T, np.nan
        )
    if pieces.gyr is None or (needs is not None and "pitch_ap_coupling" not in needs):
        return features
    # AP: of the two horizontal principal axes, the one that repeats every step (medio-lateral
    # sway repeats every stride); ML = V x AP makes the pitch sign independent of the AP sign
    unbiased = biased * length / (length - np.arange(length))
    step_lo = int(0.25 * sampling_rate_hz)
    step_hi = max(step_lo + 1, min(int(0.7 * sampling_rate_hz), length // 2))
    step_lag = step_lo + np.argmax(unbiased[:, step_lo:step_hi], axis=1)
    horizontal = acc - v_signal[:, :, None] * vertical[:, None, :]
    centred = horizontal - horizontal.mean(axis=1, keepdims=True)
    _, vectors = np.linalg.eigh(np.einsum("wli,wlj->wij", centred, centred))
    rows = np.arange(n_windows)
    repeats = [
        _blockwise_autocorrelation(
            np.einsum("wlk,wk->wl", horizontal, vectors[:, :, column]), blocks, unbiased=True
        )[rows, step_lag]
        for column in (2, 1)
    ]
    ap = np.where((repeats[0] >= repeats[1])[:, None], vectors[:, :, 2], vectors[:, :, 1])
    pitch = np.einsum("wlk,wk->wl", pieces.gyr[index], np.cross(vertical, ap))
    ap_signal = np.einsum("wlk,wk->wl", horizontal, ap)
    features["pitch_ap_coupling"] = np.mean(
        _rowwise_zscore(pitch) * _rowwise_zscore(ap_signal), axis=1
    )
    features["pitch_rate_rms_rad_s"] = pitch.std(axis=1)
    return features


#: the window statistics each route's decision uses (``describe=False`` computes only these)
_DECISION_NEEDS: Mapping[str, frozenset[str]] = {
    "reference": frozenset({"loop"}),
    "fallback": frozenset({"energy_lead", "pitch_ap_coupling"}),
}


def _needs(reference: ForwardReference | None, describe: bool) -> frozenset[str] | None:
    """The statistics a decision needs (``None``: all, to describe the bout)."""
    return None if describe else _DECISION_NEEDS["fallback" if reference is None else "reference"]


def _lags(lags_s: tuple[float, ...], sampling_rate_hz: float) -> tuple[int, ...]:
    return tuple(sorted({max(1, round(lag * sampling_rate_hz)) for lag in lags_s}))


@dataclass(frozen=True)
class _Analysis:
    """A bout's preprocessing and per-window statistics, before any decision."""

    bout: _Bout
    has_gyroscope: bool
    windows: dict[str, FloatArray]
    usable: NDArray[np.bool_]
    features: dict[str, float]

    def loops(self) -> FloatArray:
        """Acceleration-loop vectors of the walking windows, shape (windows, 3)."""
        columns = [self.windows[name][self.usable] for name in ("loop_x", "loop_y", "loop_z")]
        return np.column_stack(columns)

    def gravity(self) -> FloatArray | None:
        """Unit gravity ("up") directions of the walking windows, or None without gravity."""
        if self.bout.vertical is not None:
            return None
        up = np.column_stack(
            [self.windows[name][self.usable] for name in ("gravity_x", "gravity_y", "gravity_z")]
        )
        return np.asarray(
            up / np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-12), dtype=np.float64
        )


# ---------------------------------------------------------------------------------------------
# The reference route, fast: only what a decision against a ForwardReference reads (movement,
# periodicity, the acceleration loop and the gravity direction of each window), computed for
# many bouts at once. The numbers are those of :func:`~retrowalk.gait.filtering.zero_phase` /
# :func:`_window_features` up to rounding (about 1e-11 m/s^2 in the filtered signal, tested);
# the decisions are the same. The bouts are filtered by
# :func:`~retrowalk.gait.filtering.zero_phase_layout` into work memory that the caller holds
# (:func:`~retrowalk.gait.filtering.work_memory`) until the filtered bouts are read or copied.


def _windows_of(lengths: NDArray[np.int64], window: int) -> tuple[NDArray[np.int64], ...]:
    """:func:`_window_starts` of every bout at once: (bout, start in the bout, length) per
    window, bout by bout (the same starts: ``np.linspace`` is ``j * step``, its last value the
    stop)."""
    size = np.where(lengths < 2 * window, lengths, window)
    count = -(-lengths // size)
    bout = np.repeat(np.arange(lengths.size), count)
    first = np.cumsum(count) - count
    j = np.arange(bout.size) - np.repeat(first, count)
    span = np.repeat((lengths - size).astype(np.float64), count)
    each = np.repeat(np.maximum(count - 1, 1), count)
    starts = np.rint(j * (span / each))
    last = j == np.repeat(count - 1, count)
    starts = np.where(last & (np.repeat(count, count) > 1), span, starts)
    return bout, starts.astype(np.int64), np.repeat(size, count)


@dataclass(frozen=True)
class _LoopWindows:
    """The reference route's statistics of several bouts: per window (rows ``edges[i]:edges[i +
    1]`` are bout ``i``'s) and per bout."""

    edges: NDArray[np.int64]
    movement: FloatArray
    periodicity: FloatArray
    loop: FloatArray  # (windows, 3)
    raw_mean: FloatArray  # (windows, 3): the specific force's mean (gravity, when recorded)
    bouts: list[_Bout]

    def analyses(self, has_gyroscope: bool) -> list[_Analysis | DirectionEstimate]:
        """Per bout: its walking windows and statistics (as :meth:`DirectionDetector._walking`
        with ``needs={"loop"}``), or ``unknown``."""
        results: list[_Analysis | DirectionEstimate] = []
        for k, bout in enumerate(self.bouts):
            lo, hi = int(self.edges[k]), int(self.edges[k + 1])
            gravity = (
                self.raw_mean[lo:hi].T if bout.vertical is None else np.full((3, hi - lo), np.nan)
            )
            windows = {
                "movement_m_s2": self.movement[lo:hi],
                "periodicity": self.periodicity[lo:hi],
                "loop_x": self.loop[lo:hi, 0],
                "loop_y": self.loop[lo:hi, 1],
                "loop_z": self.loop[lo:hi, 2],
                "gravity_x": gravity[0],
                "gravity_y": gravity[1],
                "gravity_z": gravity[2],
            }
            own = replace(bout, linear_acc=np.array(bout.linear_acc))  # out of scratch memory
            results.append(
                DirectionDetector._walking(own, has_gyroscope, windows, frozenset({"loop"}))
            )
        return results


def _loop_windows(
    accs: list[FloatArray],
    gravity_included: bool,
    band_hz: tuple[float, float],
    sampling_rate_hz: float,
    window: int,
    loop_lags: tuple[int, ...],
    memory: WorkMemory | None = None,
) -> _LoopWindows:
    """Movement, periodicity, acceleration loop and gravity of every analysis window of the
    validated, finite ``accs`` (each at least 16 samples): what :func:`_window_features`
    computes with ``needs={"loop"}``, for all bouts together, the same numbers up to rounding.
    The bouts' filtered signals (``linear_acc``) are views into ``memory`` (fresh memory when
    ``None``): valid while the caller holds it.

    The periodicity comes from one real FFT of each window's vertical projection (its
    autocorrelation). The loop only of walking windows (moving and periodic: the only ones a
    decision reads; NaN elsewhere), from one real FFT per channel: its mean cross product over
    the lags is the odd part of the channels' cross-correlations, a weighted sum of the
    imaginary parts of their cross-spectra. The filtered windows are read time-reversed (as
    :func:`~retrowalk.gait.filtering.zero_phase_layout` leaves them), which only flips the
    loop's sign. Windows of the analysis window's length are evaluated together, all others
    (one window per short bout) together at one FFT size, zero beyond their end (sizes fixed by
    the settings, so a bout's numbers do not depend on the other bouts: tested).
    """
    lengths = np.array([a.shape[0] for a in accs], dtype=np.int64)
    bout, starts, size = _windows_of(lengths, window)
    lo = int(0.3 * sampling_rate_hz)
    cap = int(1.5 * sampling_rate_hz)
    longest_lag = max(loop_lags) + 1

    def fft_size(length: int) -> int:
        top = min(max(lo + 1, length // 2), cap, length)
        return int(next_fast_len(length + max(top, longest_lag), real=True))

    exact = size == window
    mixed_size = fft_size(2 * window - 1)
    room = max(fft_size(window), mixed_size)
    high = min(band_hz[1], 0.45 * sampling_rate_hz)
    raw, reversed_, position, reversed_position = zero_phase_layout(
        (band_hz[0], high, sampling_rate_hz), accs, room, WorkMemory() if memory is None else memory
    )
    ranges = np.argsort(position)
    bounds = np.column_stack((position[ranges], position[ranges] + lengths[ranges])).ravel()
    sums = np.empty((3, lengths.size))
    sums[:, ranges] = np.add.reduceat(raw, bounds, axis=1)[:, ::2]
    count = bout.size
    raw_mean = np.empty((count, 3))
    where = position[bout] + starts
    # raw means: windows with an even (odd) index in their bout never overlap, so each half is
    # summed by one reduceat over the raw samples (each window's own sum, no gathered copy)
    edges = np.concatenate(([0], np.cumsum(np.bincount(bout, minlength=lengths.size))))
    parity = (np.arange(count) - edges[bout]) % 2
    for half in (0, 1):
        chosen = np.flatnonzero(parity == half)
        chosen = chosen[np.argsort(where[chosen], kind="stable")]
        ranges = np.column_stack((where[chosen], where[chosen] + size[chosen])).ravel()
        if chosen.size:
            raw_mean[chosen] = (np.add.reduceat(raw, ranges, axis=1)[:, ::2] / size[chosen]).T
    del raw  # not needed any more: less memory in use for what follows
    bout_means = sums / lengths
    with_gravity = (
        np.sqrt(np.einsum("cb,cb->b", bout_means, bout_means)) > 0.5 * STANDARD_GRAVITY_M_S2
    ) & (gravity_included)
    bouts: list[_Bout] = []
    verticals = np.full((lengths.size, 3), np.nan)
    for k, (acc, at, gravity) in enumerate(
        zip(accs, reversed_position.tolist(), with_gravity.tolist(), strict=True)
    ):
        linear = reversed_[:, at : at + acc.shape[0]][:, ::-1].T
        if gravity:
            bouts.append(_Bout(linear, None, acc, None, 1.0))
            continue
        # gravity removed (or declared present but absent: then there is no "up" to read)
        vertical, certainty = _vertical_without_gravity(linear, acc)
        bouts.append(_Bout(linear, None, acc, vertical, certainty))
        verticals[k] = vertical
    movement, periodicity, loop = np.empty(count), np.empty(count), np.empty((count, 3))
    # the filtered windows time-reversed: the loop changes sign (exactly odd), nothing else
    mirrored = reversed_position[bout] + lengths[bout] - starts - size
    lags = np.asarray(loop_lags, dtype=np.float64)
    for members, n_fft in (
        (np.flatnonzero(exact), fft_size(window)),
        (np.flatnonzero(~exact), mixed_size),
    ):
        if not members.size:
            continue
        length = size[members]
        # short bouts' windows: as wide as the longest, rounded to 8 values (rows equally aligned)
        width = window if exact[members[0]] else -(-(2 * window - 1) // 8) * 8
        acc = sliding_window_view(reversed_, width, axis=1)[:, mirrored[members]]
        inside = None
        if not exact[members[0]]:  # each window zero beyond its end
            inside = np.arange(width) < length[:, None]
            acc *= inside
        means = raw_mean[members].T  # (3, windows)
        centred = acc  # a copy already (gathered or masked): centred in place
        centred -= (acc.sum(axis=-1) / length)[:, :, None]
        if inside is not None:
            centred *= inside
        power = np.einsum("cwt,cwt->w", centred, centred) / length
        movement[members] = np.sqrt(power)
        own = verticals[bout[members]]
        up = means / np.maximum(np.sqrt(np.einsum("cw,cw->w", means, means)), 1e-12)
        vertical = np.where(np.isnan(own[:, 0]), up, own.T)  # (3, windows)
        projected = np.fft.rfft(np.einsum("cw,cwt->wt", vertical, centred), n_fft, axis=-1)
        tops = np.minimum(np.minimum(np.maximum(lo + 1, length // 2), cap), length)
        top = int(tops.max())
        periodicity[members] = 0.0
        if top > lo:
            auto = np.fft.irfft(projected.real**2 + projected.imag**2, n_fft, axis=-1)[:, :top]
            lagged = auto[:, lo:top]
            if int(tops.min()) != top:
                lagged = np.where(np.arange(lo, top) < tops[:, None], lagged, -np.inf)
            zero = auto[:, 0]
            fine = (zero > 0) & (tops > lo)
            periodicity[members[fine]] = lagged[fine].max(axis=1) / zero[fine]
        # the loop only where a decision reads it: walking windows (NaN elsewhere)
        walking = (movement[members] >= MIN_MOVEMENT_M_S2) & (
            periodicity[members] >= MIN_PERIODICITY
        )
        loop[members] = np.nan
        if not walking.any():
            continue
        chosen = members[walking]
        spectra = np.fft.rfft(centred[:, walking], n_fft, axis=-1)  # (3, windows, frequencies)
        frequencies = np.arange(n_fft // 2 + 1)
        sines = np.sin((2 * np.pi / n_fft) * np.outer(lags, frequencies))  # (lags, frequencies)
        scale = 4.0 / n_fft / len(loop_lags)  # -4 / n_fft, times -1: time-reversed windows
        each = np.einsum("wl,lf->wf", scale / (size[chosen][:, None] - lags[None, :]), sines)
        for axis, (i, j) in enumerate(((1, 2), (2, 0), (0, 1))):
            cross = np.conj(spectra[i]) * spectra[j]
            loop[chosen, axis] = (
                np.einsum("wf,f->w", cross.imag, each[0])
                if inside is None
                else np.einsum("wf,wf->w", cross.imag, each)
            )
        strength = power[walking][:, None]
        loop[chosen] = np.divide(
            loop[chosen], strength, out=np.zeros((chosen.size, 3)), where=strength > 0
        )
    return _LoopWindows(edges, movement, periodicity, loop, raw_mean, bouts)


def _unit(vector: FloatArray | tuple[float, ...], name: str) -> FloatArray:
    values = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(values)) if values.shape == (3,) else float("nan")
    if not np.isfinite(norm) or norm == 0:
        raise InputError("must be a finite, non-zero 3-vector", field=name)
    return values / norm


@dataclass(frozen=True)
class ForwardReference:
    """How forward walking looks in THIS sensor frame, for comparing the other bouts with it.

    Without a reference, "forward with the sensor one way round" and "backward with it the other
    way round" differ only through subtle gait asymmetries (module docstring). A reference fixes
    the sensor's orientation on the body: the loop axis of a bout known to be forward (a guided
    session's forward warm-up) or of a declared placement. Every other bout of the same recording
    is then forward when its acceleration loop turns the same way, backward when it turns the
    other way (``estimate_direction(..., reference=...)``). Assumes the sensor does not turn
    relative to the trunk between the reference and the bout; when gravity is recorded, a tilt of
    more than ``max_tilt_deg`` makes a window ``unknown``.

    ``loop_axis``: unit vector (sensor frame) of the forward acceleration loop (see
    :func:`_acceleration_loop`); ``up``: unit gravity direction ("up", the mean specific force) in
    the reference, when recorded; ``loop_strength``: median loop length of the reference's walking
    windows (a bout whose loop is under half of it votes with less weight), NaN when declared;
    ``agreement``: mean cosine of the reference windows with ``loop_axis`` (1 = every window turns
    the same way).
    """

    loop_axis: tuple[float, float, float]
    up: tuple[float, float, float] | None
    loop_strength: float
    agreement: float
    source: str
    max_tilt_deg: float = MAX_TILT_DEG
    min_confidence: float = MIN_REFERENCE_CONFIDENCE

    @classmethod
    def from_bout(
        cls,
        acc_m_s2: FloatArray,
        *,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None = None,
        gravity_included: bool = True,
    ) -> ForwardReference:
        """The reference from a bout the caller knows to be FORWARD walking (e.g. the warm-up).

        Same input as :func:`estimate_direction`. Raises :class:`InputError` (field
        ``reference``) when the bout cannot serve: too short, still, not periodic, or its
        windows' loops do not agree (mean cosine under 0.5: not steady straight walking).
        """
        analysis = DirectionDetector()._analyse(
            acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included, _DECISION_NEEDS["reference"]
        )
        if isinstance(analysis, DirectionEstimate):
            raise InputError(
                f"the reference bout cannot serve: {analysis.reason}", field="reference"
            )
        loops = analysis.loops()
        total = loops.sum(axis=0)
        norm = float(np.linalg.norm(total))
        lengths = np.linalg.norm(loops, axis=1)
        if norm == 0 or not np.isfinite(norm):
            raise InputError("the reference bout has no acceleration loop", field="reference")
        axis = total / norm
        agreement = float(np.mean(loops @ axis / np.maximum(lengths, 1e-12)))
        if agreement < MIN_REFERENCE_AGREEMENT:
            raise InputError(
                f"the reference bout's windows disagree (mean cosine {agreement:.2f} < "
                f"{MIN_REFERENCE_AGREEMENT}): not steady straight walking",
                field="reference",
            )
        gravity = analysis.gravity()
        up = None
        if gravity is not None:
            mean_up = gravity.mean(axis=0)
            up = _as_triple(mean_up / np.linalg.norm(mean_up))
        return cls(_as_triple(axis), up, float(np.median(lengths)), agreement, "bout")

    @classmethod
    def declared(
        cls,
        loop_axis: tuple[float, float, float],
        *,
        up: tuple[float, float, float] | None = None,
        source: str = "declared",
    ) -> ForwardReference:
        """A reference from a declared placement: the sensor-frame axis of the forward loop."""
        up_axis = None if up is None else _as_triple(_unit(up, "up"))
        return cls(_as_triple(_unit(loop_axis, "loop_axis")), up_axis, float("nan"), 1.0, source)

    @classmethod
    def mobilise_d_lower_back(cls) -> ForwardReference:
        """The Mobilise-D lower-back frame (x up, y medio-lateral, z anterior-posterior).

        The forward loop axis +y is MEASURED, not derived from a documented axis convention: it
        is the loop direction of the first bout of each of the three mobgap example participants
        (docs/gait_direction.md). Only for sensors exported in that frame.
        """
        return cls.declared((0.0, 1.0, 0.0), up=(1.0, 0.0, 0.0), source="Mobilise-D lower back")

    def settings(self) -> dict[str, object]:
        """The reference, for storing with results."""
        return {
            "source": self.source,
            "loop_axis": list(self.loop_axis),
            "up": None if self.up is None else list(self.up),
            "loop_strength": self.loop_strength,
            "agreement": self.agreement,
            "max_tilt_deg": self.max_tilt_deg,
            "min_confidence": self.min_confidence,
        }

    def _window_votes(
        self, loops: FloatArray, along_axis: FloatArray
    ) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per window: the loop's length, its cosine with the reference axis (``along_axis``:
        the loop's component along it) and its vote, cosine x min(1, length / half the
        reference's loop strength) (every window's full vote for a declared reference)."""
        lengths = np.linalg.norm(loops, axis=1)
        cosines = np.divide(along_axis, lengths, out=np.zeros(lengths.size), where=lengths > 0)
        strength = (
            np.ones(lengths.size)
            if not np.isfinite(self.loop_strength) or self.loop_strength <= 0
            else np.minimum(1.0, lengths / (0.5 * self.loop_strength))
        )
        return lengths, cosines, cosines * strength

    def _classify(
        self, analysis: _Analysis, *, gravity_included: bool, describe: bool = True
    ) -> DirectionEstimate:
        """Forward when the bout's loops turn like the reference's, backward when opposite.

        Per walking window: vote = cosine(loop, reference loop axis) x min(1, loop length /
        half the reference's); the score is the mean vote, the confidence its size; under
        ``min_confidence`` the answer is ``unknown``. Windows whose gravity direction moved more
        than ``max_tilt_deg`` from the reference's are left out (the sensor moved on the body).
        """
        features = dict(analysis.features)
        features["reference_agreement"] = self.agreement
        loops = analysis.loops()
        gravity = analysis.gravity() if gravity_included else None
        if gravity is not None and self.up is not None:
            cosine = np.clip(gravity @ np.asarray(self.up), -1.0, 1.0)
            tilt_deg = np.degrees(np.arccos(cosine))
            features["tilt_from_reference_deg"] = float(np.median(tilt_deg))
            steady = tilt_deg <= self.max_tilt_deg
            if not steady.any():
                return DirectionEstimate(
                    "unknown",
                    0.0,
                    features,
                    f"{REASON_SENSOR_MOVED}: gravity moved by "
                    f"{float(np.median(tilt_deg)):.0f} deg (over {self.max_tilt_deg:g})",
                )
            loops = loops[steady]
        lengths, cosines, votes = self._window_votes(loops, loops @ np.asarray(self.loop_axis))
        score = float(np.mean(votes))
        if describe:
            features["loop_cosine"] = float(np.median(cosines))
            features["loop_strength_ratio"] = (
                float(np.median(lengths) / self.loop_strength)
                if np.isfinite(self.loop_strength) and self.loop_strength > 0
                else float("nan")
            )
            features["n_windows_forward"] = float(np.count_nonzero(votes > 0))
            features["n_windows_backward"] = float(np.count_nonzero(votes < 0))
        features["score"] = score
        confidence = min(1.0, abs(score))
        if confidence < self.min_confidence:
            return DirectionEstimate("unknown", confidence, features, REASON_LOOP_MISMATCH)
        direction: Direction = "forward" if score > 0 else "backward"
        return DirectionEstimate(direction, confidence, features, "")

    def _classify_windows(
        self, stats: _LoopWindows, *, gravity_included: bool
    ) -> list[DirectionEstimate]:
        """:meth:`_classify` (``describe=False``) of every bout of ``stats``, after its walking
        windows are found as :meth:`DirectionDetector._walking` finds them, all bouts at once
        (the same decisions, reasons and features; the score is the mean vote)."""
        count = len(stats.bouts)
        bout = np.repeat(np.arange(count), np.diff(stats.edges))
        moving = stats.movement >= MIN_MOVEMENT_M_S2
        usable = moving & (stats.periodicity >= MIN_PERIODICITY)
        n_windows = np.diff(stats.edges)
        n_moving = np.bincount(bout, weights=moving, minlength=count)
        n_walking = np.bincount(bout, weights=usable, minlength=count)
        has_gravity = np.array([b.vertical is None for b in stats.bouts], dtype=bool)
        checks_tilt = gravity_included and self.up is not None
        steady = np.ones(bout.size, dtype=bool)
        tilt_median = np.full(count, np.nan)
        if checks_tilt:
            up = stats.raw_mean / np.maximum(
                np.linalg.norm(stats.raw_mean, axis=1, keepdims=True), 1e-12
            )
            reference_up = np.asarray(self.up)
            tilt = np.degrees(np.arccos(np.clip(_dot3(up, reference_up), -1.0, 1.0)))
            steady = ~has_gravity[bout] | (tilt <= self.max_tilt_deg)
            counted = np.flatnonzero(usable & has_gravity[bout])
            order = counted[np.lexsort((tilt[counted], bout[counted]))]
            per_bout = np.bincount(bout[order], minlength=count)
            first = np.cumsum(per_bout) - per_bout
            middle_lo = first + (per_bout - 1) // 2
            middle_hi = first + per_bout // 2
            ok = per_bout > 0
            ordered = tilt[order]
            tilt_median[ok] = (ordered[middle_lo[ok]] + ordered[middle_hi[ok]]) / 2
        voting = usable & steady
        _, _, window_votes = self._window_votes(
            stats.loop, _dot3(stats.loop, np.asarray(self.loop_axis))
        )
        votes = np.where(voting, window_votes, 0.0)
        n_voting = np.bincount(bout, weights=voting, minlength=count)
        scores = np.bincount(bout, weights=votes, minlength=count) / np.maximum(n_voting, 1)
        results: list[DirectionEstimate] = []
        for k, (windows, moved, walked, score, tilt_k, gravity_k, voted) in enumerate(
            zip(
                n_windows.tolist(),
                n_moving.tolist(),
                n_walking.tolist(),
                scores.tolist(),
                tilt_median.tolist(),
                has_gravity.tolist(),
                n_voting.tolist(),
                strict=True,
            )
        ):
            features = {
                "vertical_sign_certainty": stats.bouts[k].vertical_sign_certainty,
                "n_windows": float(windows),
                "n_windows_walking": float(walked),
            }
            if not moved:
                results.append(DirectionEstimate("unknown", 0.0, features, REASON_NO_MOVEMENT))
                continue
            if not walked:
                results.append(DirectionEstimate("unknown", 0.0, features, REASON_NOT_PERIODIC))
                continue
            features["reference_agreement"] = self.agreement
            if checks_tilt and gravity_k:
                features["tilt_from_reference_deg"] = tilt_k
                if not voted:
                    results.append(
                        DirectionEstimate(
                            "unknown",
                            0.0,
                            features,
                            f"{REASON_SENSOR_MOVED}: gravity moved "
                            f"by {tilt_k:.0f} deg (over {self.max_tilt_deg:g})",
                        )
                    )
                    continue
            features["score"] = score
            confidence = min(1.0, abs(score))
            if confidence < self.min_confidence:
                results.append(
                    DirectionEstimate(
                        "unknown",
                        confidence,
                        features,
                        REASON_LOOP_MISMATCH,
                    )
                )
                continue
            direction: Direction = "forward" if score > 0 else "backward"
            results.append(DirectionEstimate(direction, confidence, features, ""))
        return results


def _dot3(rows: FloatArray, vector: FloatArray) -> FloatArray:
    """``rows @ vector`` for (n, 3) rows, element by element (the same numbers for a row
    whatever the number of rows, unlike a BLAS product)."""
    return np.asarray(
        rows[:, 0] * vector[0] + rows[:, 1] * vector[1] + rows[:, 2] * vector[2],
        dtype=np.float64,
    )


def _as_triple(vector: FloatArray) -> tuple[float, float, float]:
    return (float(vector[0]), float(vector[1]), float(vector[2]))


def _median(values: FloatArray) -> float:
    return float(np.median(values)) if values.size else float("nan")


class DirectionDetector:
    """Direction of one bout, in the project's signal-algorithm form.

    Settings (physical units) in ``__init__``; :meth:`detect` returns ``self`` and leaves the
    answer in ``estimate_``. Bouts longer than two analysis windows are judged window by window
    (``window_s``) and the windows' weighted votes are averaged. Presets: :meth:`trunk_sensor`
    (strapped lower-back IMU) and :meth:`waist_bag` (phone at the waist); the default infers the
    mounting (module docstring). ``evidence_weights`` replaces :data:`EVIDENCE_WEIGHTS` (the
    validation refits its signs leave-one-user-out).
    """

    def __init__(
        self,
        *,
        mounting: Mounting = "auto",
        window_s: float = 4.0,
        min_duration_s: float = MIN_DURATION_S,
        jerk_lag_s: float = JERK_LAG_S,
        energy_lead_lags_s: tuple[float, ...] = ENERGY_LEAD_LAGS_S,
        loop_lags_s: tuple[float, ...] = LOOP_LAGS_S,
        band_hz: tuple[float, float] = BAND_HZ,
        pouch_pitch_rms_rad_s: float = POUCH_PITCH_RMS_RAD_S,
        min_confidence: float = MIN_CONFIDENCE,
        evidence_weights: Mapping[str, Mapping[str, float]] | None = None,
    ) -> None:
        self.mounting = mounting
        self.window_s = window_s
        self.min_duration_s = min_duration_s
        self.jerk_lag_s = jerk_lag_s
        self.energy_lead_lags_s = tuple(energy_lead_lags_s)
        self.loop_lags_s = tuple(loop_lags_s)
        self.band_hz = band_hz
        self.pouch_pitch_rms_rad_s = pouch_pitch_rms_rad_s
        self.min_confidence = min_confidence
        weights = EVIDENCE_WEIGHTS if evidence_weights is None else evidence_weights
        self.evidence_weights = {mount: dict(w) for mount, w in weights.items()}

    @classmethod
    def trunk_sensor(cls) -> DirectionDetector:
        """Preset for an IMU strapped to the lower back or trunk."""
        return cls(mounting="trunk")

    @classmethod
    def waist_bag(cls) -> DirectionDetector:
        """Preset for a phone carried at the waist (in a bag or pouch, as in KU-HAR)."""
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
            "energy_lead_lags_s": list(self.energy_lead_lags_s),
            "loop_lags_s": list(self.loop_lags_s),
            "band_hz": list(self.band_hz),
            "pouch_pitch_rms_rad_s": self.pouch_pitch_rms_rad_s,
            "min_confidence": self.min_confidence,
            "evidence_weights": {m: dict(w) for m, w in self.evidence_weights.items()},
            "full_evidence": dict(FULL_EVIDENCE),
        }

    def detect(
        self,
        acc_m_s2: FloatArray,
        *,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None = None,
        gravity_included: bool = True,
        reference: ForwardReference | None = None,
        describe: bool = True,
    ) -> DirectionDetector:
        """Judge one bout; with ``reference``, against it (see :class:`ForwardReference`).

        ``describe=False`` computes only the statistics the decision uses: the same direction,
        confidence and reason, fewer ``features`` (the pipeline's per-bout call; faster).
        """
        self.estimate_ = self._estimate(
            acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included, reference, describe
        )
        return self

    def _mounting(
        self, features: Mapping[str, float], gravity_free: bool, has_gyroscope: bool
    ) -> tuple[str | None, float]:
        """(mounting, certainty 0..1); ``None`` when it cannot be inferred."""
        if self.mounting != "auto":
            return self.mounting, 1.0
        if gravity_free:
            return "pouch", 1.0  # gravity removed by the device: a phone's linear acceleration
        if not has_gyroscope:
            return None, 0.0
        ratio = max(features["pitch_rate_rms_rad_s"] / self.pouch_pitch_rms_rad_s, 1e-9)
        certainty = float(np.clip(abs(np.log(ratio)) / np.log(1.3), 0, 1))
        return ("pouch" if ratio > 1 else "trunk"), certainty

    def _finite_bout(
        self, acc_m_s2: FloatArray, sampling_rate_hz: float, gyr_rad_s: FloatArray | None
    ) -> tuple[FloatArray, FloatArray | None] | DirectionEstimate:
        """Validated samples of one bout, cut to their longest finite stretch, or ``unknown``
        when that is too short. Raises :class:`InputError` for unusable arrays."""
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
            return DirectionEstimate("unknown", 0.0, reason=REASON_TOO_SHORT)
        return acc, gyr

    def _analyse(
        self,
        acc_m_s2: FloatArray,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None,
        gravity_included: bool,
        needs: frozenset[str] | None = None,
    ) -> _Analysis | DirectionEstimate:
        """Validated input, per-window statistics and the walking windows, or ``unknown``.

        ``needs`` (see :func:`_window_features`): only these statistics, and only the medians
        a decision reads; ``None``: everything, for the estimate's ``features``.
        """
        bout = self._finite_bout(acc_m_s2, sampling_rate_hz, gyr_rad_s)
        if isinstance(bout, DirectionEstimate):
            return bout
        acc, gyr = bout
        gyrs = None if gyr is None else [gyr]
        return self._analyse_bouts([acc], gyrs, sampling_rate_hz, gravity_included, needs)[0]

    def _loop_windows(
        self,
        accs: list[FloatArray],
        sampling_rate_hz: float,
        gravity_included: bool,
        memory: WorkMemory | None = None,
    ) -> _LoopWindows:
        """:func:`_loop_windows` with this detector's settings (its filtered bouts in
        ``memory``, fresh memory when ``None``: read them while the caller holds it)."""
        return _loop_windows(
            accs,
            gravity_included,
            self.band_hz,
            sampling_rate_hz,
            round(self.window_s * sampling_rate_hz),
            _lags(self.loop_lags_s, sampling_rate_hz),
            memory,
        )

    def _bout_pieces(
        self,
        acc_m_s2: FloatArray,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None,
        bounds: Sequence[tuple[int, int]],
        values_checked: bool = False,
    ) -> list[tuple[FloatArray, FloatArray | None] | DirectionEstimate]:
        """The samples each bout ``acc_m_s2[start:end]`` (``bounds``) is analysed on: the bout
        itself when it is clean (finite, plausible values) and long enough, otherwise what
        :meth:`_finite_bout` makes of it (``unknown`` with the problem where that raises
        :class:`InputError`). ``values_checked``: the caller has checked that every value is
        finite and plausible (the pipeline's check is stricter), so they are not read again."""
        acc = np.asarray(acc_m_s2, dtype=np.float64)
        gyr = None if gyr_rad_s is None else np.asarray(gyr_rad_s, dtype=np.float64)
        if acc.ndim != 2 or acc.shape[1] != 3:
            raise InputError(
                f"expected an array of shape (n, 3), got {acc.shape}", field="acc_m_s2"
            )
        if gyr is not None and gyr.shape != acc.shape:
            raise InputError(
                f"has shape {gyr.shape} but acc_m_s2 has {acc.shape}", field="gyr_rad_s"
            )
        _validate_rate(sampling_rate_hz)
        for start, end in bounds:
            if not 0 <= start <= end <= acc.shape[0]:
                raise InputError(
                    f"bout ({start}, {end}) is not a sample range of the {acc.shape[0]} samples",
                    field="bounds",
                )
        signals = [acc] if gyr is None else [acc, gyr]
        bad = np.zeros(acc.shape[0], dtype=bool)  # a NaN, inf or implausible value in the row
        for values in [] if values_checked else signals:
            # cheap tests first (no temporary array; a NaN or inf fails them): a sum of squares
            # within the limit's square bounds every value, then the extremes themselves
            flat = values.reshape(-1)
            if flat.size and not (
                float(np.einsum("i,i->", flat, flat)) <= IMPLAUSIBLE_MAGNITUDE**2
                or (flat.max() <= IMPLAUSIBLE_MAGNITUDE and flat.min() >= -IMPLAUSIBLE_MAGNITUDE)
            ):
                with np.errstate(invalid="ignore"):
                    bad |= ~(np.abs(values) <= IMPLAUSIBLE_MAGNITUDE).all(axis=1)
        bad_before = np.concatenate(([0], np.cumsum(bad))) if bad.any() else None
        shortest = max(self.min_duration_s * sampling_rate_hz, 16)
        pieces: list[tuple[FloatArray, FloatArray | None] | DirectionEstimate] = []
        for start, end in bounds:
            if end - start >= shortest and (
                bad_before is None or bad_before[end] - bad_before[start] == 0
            ):
                pieces.append((acc[start:end], None if gyr is None else gyr[start:end]))
                continue
            try:  # unusual or short: as one bout alone
                pieces.append(
                    self._finite_bout(
                        acc[start:end], sampling_rate_hz, None if gyr is None else gyr[start:end]
                    )
                )
            except InputError as error:
                pieces.append(DirectionEstimate("unknown", 0.0, reason=error.problem))
        return pieces

    def _analyse_many(
        self,
        acc_m_s2: FloatArray,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None,
        gravity_included: bool,
        bounds: Sequence[tuple[int, int]],
        needs: frozenset[str] | None,
    ) -> list[_Analysis | DirectionEstimate]:
        """:meth:`_analyse` of each bout ``acc_m_s2[start:end]`` (``bounds``), the same result
        per bout, with all bouts preprocessed together; a bout whose own analysis raises
        :class:`InputError` gets ``unknown`` with the problem."""
        pieces = self._bout_pieces(acc_m_s2, sampling_rate_hz, gyr_rad_s, bounds)
        kept = [piece for piece in pieces if not isinstance(piece, DirectionEstimate)]
        analysed: list[_Analysis | DirectionEstimate] = []
        if kept:
            accs = [acc for acc, _ in kept]
            gyrs = None if gyr_rad_s is None else [gyr for _, gyr in kept if gyr is not None]
            analysed = self._analyse_bouts(accs, gyrs, sampling_rate_hz, gravity_included, needs)
        done = iter(analysed)
        return [piece if isinstance(piece, DirectionEstimate) else next(done) for piece in pieces]

    def _analyse_bouts(
        self,
        accs: list[FloatArray],
        gyrs: list[FloatArray] | None,
        sampling_rate_hz: float,
        gravity_included: bool,
        needs: frozenset[str] | None,
    ) -> list[_Analysis | DirectionEstimate]:
        """Per-window statistics and walking windows of validated, finite bouts of at least
        the minimum duration. Bouts are filtered together and windows of the same length are
        evaluated together, whatever bout they come from (each window's statistics are its
        own: the numbers are those of one bout at a time)."""
        if needs == _DECISION_NEEDS["reference"]:
            with work_memory() as memory:
                stats = self._loop_windows(accs, sampling_rate_hz, gravity_included, memory)
                return stats.analyses(gyrs is not None)  # copies the filtered bouts out
        high = min(self.band_hz[1], 0.45 * sampling_rate_hz)
        band = (
            band_pass_design(self.band_hz[0], high, sampling_rate_hz),
            band_pass_zi(self.band_hz[0], high, sampling_rate_hz),
        )
        # the loop route never reads the gyroscope: leave it out of the filtering
        filtered = None if needs is not None and "pitch_ap_coupling" not in needs else gyrs
        pieces = _prepare(accs, filtered, gravity_included, band, sampling_rate_hz)
        jerk_lag = max(1, round(self.jerk_lag_s * sampling_rate_hz))
        lead_lags = _lags(self.energy_lead_lags_s, sampling_rate_hz)
        loop_lags = _lags(self.loop_lags_s, sampling_rate_hz)
        window = round(self.window_s * sampling_rate_hz)
        by_length: dict[int, list[int]] = {}
        starts: list[NDArray[np.int64]] = []
        for k, acc in enumerate(accs):
            n = acc.shape[0]
            length = n if n < 2 * window else window
            by_length.setdefault(length, []).append(k)
            starts.append(_window_starts(n, length))
        windows: list[dict[str, FloatArray]] = [{} for _ in accs]
        for length, members in by_length.items():
            first = np.concatenate([pieces.offsets[k] + starts[k] for k in members])
            counts = [starts[k].size for k in members]
            verticals = [pieces.bouts[k].vertical for k in members]
            bout_vertical = None
            if any(v is not None for v in verticals):
                bout_vertical = np.concatenate(
                    [
                        np.tile(np.full(3, np.nan) if v is None else v, (count, 1))
                        for v, count in zip(verticals, counts, strict=True)
                    ]
                )
            edges = np.concatenate(([0], np.cumsum(counts)))
            values = _window_features(
                pieces,
                first[:, None] + np.arange(length),
                bout_vertical,
                edges,
                sampling_rate_hz,
                jerk_lag,
                lead_lags,
                loop_lags,
                needs,
            )
            for k, lo, hi in zip(members, edges[:-1], edges[1:], strict=True):
                windows[k] = {name: column[lo:hi] for name, column in values.items()}
        return [
            self._walking(bout, gyrs is not None, bout_windows, needs)
            for bout, bout_windows in zip(pieces.bouts, windows, strict=True)
        ]

    @staticmethod
    def _walking(
        bout: _Bout,
        has_gyroscope: bool,
        windows: dict[str, FloatArray],
        needs: frozenset[str] | None,
    ) -> _Analysis | DirectionEstimate:
        """The walking windows of a bout and its summary features, or ``unknown``."""
        moving = windows["movement_m_s2"] >= MIN_MOVEMENT_M_S2
        usable = moving & (windows["periodicity"] >= MIN_PERIODICITY)
        features: dict[str, float] = {
            "vertical_sign_certainty": bout.vertical_sign_certainty,
            "n_windows": float(usable.size),
            "n_windows_walking": float(np.count_nonzero(usable)),
        }
        for name, values in windows.items():
            if not name.startswith(("loop_", "gravity_")) and (
                needs is None or name == "pitch_rate_rms_rad_s"  # the mounting reads it
            ):
                features[name] = _median(values[usable] if usable.any() else values)
        if not moving.any():
            return DirectionEstimate("unknown", 0.0, features, REASON_NO_MOVEMENT)
        if not usable.any():
            return DirectionEstimate("unknown", 0.0, features, REASON_NOT_PERIODIC)
        return _Analysis(bout, has_gyroscope, windows, usable, features)

    def _estimate(
        self,
        acc_m_s2: FloatArray,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None,
        gravity_included: bool,
        reference: ForwardReference | None = None,
        describe: bool = True,
    ) -> DirectionEstimate:
        if reference is not None:  # decided as one bout of estimate_many
            bout = self._finite_bout(acc_m_s2, sampling_rate_hz, gyr_rad_s)
            if isinstance(bout, DirectionEstimate):
                return bout
            with work_memory() as memory:
                stats = self._loop_windows([bout[0]], sampling_rate_hz, gravity_included, memory)
                decided = reference._classify_windows(stats, gravity_included=gravity_included)[0]
            if not describe:
                return decided
            # the description (every statistic's median, the loop's agreement) the full way
            acc, gyr = bout
            analysis = self._analyse_bouts(
                [acc], None if gyr is None else [gyr], sampling_rate_hz, gravity_included, None
            )[0]
            described = self._decide(analysis, gravity_included, reference, True)
            features = {**described.features, **decided.features}
            return DirectionEstimate(
                decided.direction, decided.confidence, features, decided.reason
            )
        needs = _needs(reference, describe)
        analysis = self._analyse(acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included, needs)
        return self._decide(analysis, gravity_included, reference, describe)

    def estimate_many(
        self,
        acc_m_s2: FloatArray,
        *,
        sampling_rate_hz: float,
        bounds: Sequence[tuple[int, int]],
        gyr_rad_s: FloatArray | None = None,
        gravity_included: bool = True,
        reference: ForwardReference | None = None,
        values_checked: bool = False,
    ) -> list[DirectionEstimate]:
        """The decision (as ``describe=False``) for each bout ``acc_m_s2[start:end]`` of one
        recording (``bounds``, sample ranges), computed together; see
        :func:`estimate_directions`."""
        if reference is None:
            analyses = self._analyse_many(
                acc_m_s2, sampling_rate_hz, gyr_rad_s, gravity_included, bounds, _needs(None, False)
            )
            return [self._decide(a, gravity_included, None, False) for a in analyses]
        pieces = self._bout_pieces(acc_m_s2, sampling_rate_hz, gyr_rad_s, bounds, values_checked)
        accs = [piece[0] for piece in pieces if not isinstance(piece, DirectionEstimate)]
        classified: list[DirectionEstimate] = []
        if accs:
            with work_memory() as memory:
                classified = reference._classify_windows(
                    self._loop_windows(accs, sampling_rate_hz, gravity_included, memory),
                    gravity_included=gravity_included,
                )
        decided = iter(classified)
        return [
            piece if isinstance(piece, DirectionEstimate) else next(decided) for piece in pieces
        ]

    def _decide(
        self,
        analysis: _Analysis | DirectionEstimate,
        gravity_included: bool,
        reference: ForwardReference | None,
        describe: bool,
    ) -> DirectionEstimate:
        """The direction from a bout's analysis: against ``reference``, or reference-free."""
        if isinstance(analysis, DirectionEstimate):
            return analysis
        if reference is not None:
            return reference._classify(
                analysis, gravity_included=gravity_included, describe=describe
            )
        windows, usable, features = analysis.windows, analysis.usable, analysis.features
        gyr = analysis.bout.gyr if analysis.has_gyroscope else None
        bout = analysis.bout
        has_gyroscope = gyr is not None and features["pitch_rate_rms_rad_s"] >= MIN_PITCH_RMS_RAD_S
        mounting, mounting_certainty = self._mounting(
            features, bout.vertical is not None, has_gyroscope
        )
        if mounting is None:
            return DirectionEstimate(
                "unknown",
                0.0,
                features,
                "no gyroscope signal: the mounting (strapped or waist bag) cannot be inferred",
            )
        features["mounting_pouch"] = 1.0 if mounting == "pouch" else 0.0
        features["mounting_certainty"] = mounting_certainty

        weights = {
            name: weight
            for name, weight in self.evidence_weights[mounting].items()
            if has_gyroscope or name not in NEEDS_GYROSCOPE
        }
        if not weights:
            return DirectionEstimate(
                "unknown",
                0.0,
                features,
                f"no gyroscope signal: the {mounting} evidence (pitch-AP coupling) needs it",
            )
        votes = np.zeros(int(usable.sum()))
        for name, weight in weights.items():
            vote = np.clip(windows[name][usable] / FULL_EVIDENCE[name], -1.0, 1.0)
            if name in NEEDS_VERTICAL_SIGN:
                vote *= bout.vertical_sign_certainty
            votes += weight * vote
        votes /= sum(abs(weight) for weight in weights.values())
        periodicity_weights = np.minimum(1.0, windows["periodicity"][usable] / 0.6)
        score = float(np.mean(votes * periodicity_weights))
        features["n_windows_forward"] = float(np.count_nonzero(votes > 0))
        features["n_windows_backward"] = float(np.count_nonzero(votes < 0))
        features["score"] = score
        confidence = min(1.0, abs(score)) * mounting_certainty
        if confidence < self.min_confidence:
            return DirectionEstimate("unknown", confidence, features, REASON_WEAK_EVIDENCE)
        direction: Direction = "forward" if score > 0 else "backward"
        return DirectionEstimate(direction, confidence, features, "")


def estimate_direction(
    acc_m_s2: FloatArray,
    *,
    sampling_rate_hz: float,
    gyr_rad_s: FloatArray | None = None,
    gravity_included: bool = True,
    mounting: Mounting = "auto",
    reference: ForwardReference | None = None,
    describe: bool = True,
) -> DirectionEstimate:
    """acc/gyr of ONE walking bout or window in the SENSOR frame (any orientation), shape (n, 3).

    ``mounting``: "trunk" (strapped lower-back IMU), "pouch" (phone at the waist) or "auto"
    (inferred; see the module docstring). Returns ``unknown`` with a reason when the bout is
    shorter than 2 s, still, not periodic, lacks the gyroscope its mounting's evidence needs, or
    when the evidence is weak. Raises :class:`InputError` for arrays of the wrong shape, all-NaN
    arrays, mismatched lengths or a sampling rate under 20 Hz. ``describe=False``: only the
    statistics the decision uses are computed (same direction, confidence and reason; fewer
    ``features``), for callers that need the decision alone, such as the gait pipeline.
    """
    detector = DirectionDetector(mounting=mounting).detect(
        acc_m_s2,
        sampling_rate_hz=sampling_rate_hz,
        gyr_rad_s=gyr_rad_s,
        gravity_included=gravity_included,
        reference=reference,
        describe=describe,
    )
    return detector.estimate_


def estimate_directions(
    acc_m_s2: FloatArray,
    *,
    sampling_rate_hz: float,
    bounds: Sequence[tuple[int, int]],
    gyr_rad_s: FloatArray | None = None,
    gravity_included: bool = True,
    mounting: Mounting = "auto",
    reference: ForwardReference | None = None,
    values_checked: bool = False,
) -> list[DirectionEstimate]:
    """The direction of many bouts of ONE recording at once, for callers that need only the
    decisions (the gait pipeline).

    ``values_checked``: the caller has already checked that every value of the recording is
    finite and within ±1e6 (the pipeline's own check is stricter); with a ``reference`` the
    values are then not read again for it (a pass over the whole recording).

    ``acc_m_s2``/``gyr_rad_s``: the whole recording, sensor frame, shape (n, 3); ``bounds``:
    each bout's sample range ``(start, end)``. Bout ``k`` gets exactly
    ``estimate_direction(acc_m_s2[start:end], ..., gyr_rad_s=gyr_rad_s[start:end],
    describe=False)``, or ``unknown`` with the problem as its reason where that call would raise
    :class:`InputError`. The bouts are band-passed together (a few filter calls instead of two
    per bout) and their windows evaluated together, which is what makes a daily-life recording
    with hundreds of short bouts fast; each bout is still filtered on its own, so the numbers
    are the same (tested). With a ``reference`` only what the decision reads is computed
    (:func:`_loop_windows`; ``estimate_direction`` with a reference decides the same way), the
    filter's 2-s padding replaced by equivalent linear maps: the statistics equal the direct
    computation up to rounding (about 1e-12 relative), the decisions are the same. Raises
    :class:`InputError` for arrays of the wrong shape or a sampling rate under 20 Hz.
    """
    return DirectionDetector(mounting=mounting).estimate_many(
        acc_m_s2,
        sampling_rate_hz=sampling_rate_hz,
        bounds=bounds,
        gyr_rad_s=gyr_rad_s,
        gravity_included=gravity_included,
        reference=reference,
        values_checked=values_checked,
    )
