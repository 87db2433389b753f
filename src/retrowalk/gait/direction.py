"""Walking direction (forward or backward) of one walking bout from a trunk-worn IMU.

First version: the time asymmetry of the vertical acceleration (see docs/gait_direction.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from retrowalk.errors import InputError

Direction = Literal["forward", "backward", "unknown"]

MIN_SAMPLING_RATE_HZ = 20.0
MIN_DURATION_S = 2.0


@dataclass(frozen=True)
class DirectionEstimate:
    """The walking direction of one bout, how sure we are (0..1) and the evidence behind it."""

    direction: Direction
    confidence: float
    features: Mapping[str, float] = field(default_factory=dict)
    reason: str = ""


def _validate(acc: NDArray[np.float64], name: str, sampling_rate_hz: float) -> NDArray[np.float64]:
    array = np.asarray(acc, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 3:
        raise InputError(f"expected an array of shape (n, 3), got {array.shape}", field=name)
    if array.shape[0] > 0 and not np.isfinite(array).any():
        raise InputError("contains no finite values", field=name)
    if not np.isfinite(sampling_rate_hz) or sampling_rate_hz < MIN_SAMPLING_RATE_HZ:
        raise InputError(
            f"sampling rate must be at least {MIN_SAMPLING_RATE_HZ:g} Hz, got {sampling_rate_hz}",
            field="sampling_rate_hz",
        )
    return array


def estimate_direction(
    acc_m_s2: NDArray[np.float64],
    *,
    sampling_rate_hz: float,
    gyr_rad_s: NDArray[np.float64] | None = None,
    gravity_included: bool = True,
) -> DirectionEstimate:
    """acc/gyr of ONE walking bout or window in the SENSOR frame (any orientation), shape (n, 3)."""
    acc = _validate(acc_m_s2, "acc_m_s2", sampling_rate_hz)
    if gyr_rad_s is not None:
        gyr = _validate(gyr_rad_s, "gyr_rad_s", sampling_rate_hz)
        if gyr.shape[0] != acc.shape[0]:
            raise InputError(
                f"has {gyr.shape[0]} samples but acc_m_s2 has {acc.shape[0]}", field="gyr_rad_s"
            )
    if acc.shape[0] < MIN_DURATION_S * sampling_rate_hz:
        return DirectionEstimate("unknown", 0.0, reason="bout shorter than 2 s")
    acc = acc[np.isfinite(acc).all(axis=1)]
    if gravity_included:
        vertical = np.mean(acc, axis=0)
        vertical = vertical / (np.linalg.norm(vertical) or 1.0)
        signal = (acc - acc.mean(axis=0)) @ vertical
    else:
        signal = np.linalg.norm(acc - acc.mean(axis=0), axis=1)
    jerk = np.diff(signal) * sampling_rate_hz
    scale = float(np.std(jerk))
    if scale < 1e-6:
        return DirectionEstimate("unknown", 0.0, reason="no movement")
    asymmetry = float(np.mean((jerk / scale) ** 3))
    confidence = float(min(1.0, abs(asymmetry)))
    direction: Direction = "forward" if asymmetry > 0 else "backward"
    if confidence < 0.2:
        direction = "unknown"
    return DirectionEstimate(direction, confidence, {"jerk_skewness": asymmetry})
