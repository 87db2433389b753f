"""Turns from the rotation rate about the vertical (yaw) at the trunk.

After El-Gohary et al. 2014 (Sensors 14:356-369; our own implementation): low-pass the yaw rate
(1.5 Hz), find stretches where its magnitude exceeds ``min_rate_deg_s``, merge stretches closer
than ``merge_gap_s``, integrate the angle, and keep turns of at least ``min_angle_deg`` lasting
``min_duration_s``..``max_duration_s``. Needs a gyroscope; without one no turns are reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy import signal

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Turn:
    start_s: float
    end_s: float
    angle_deg: float  # positive = counter-clockwise seen from above (right-hand rule about up)


@dataclass
class TurnDetector:
    """Detect turns in the yaw rate (rad/s, positive counter-clockwise about "up")."""

    min_rate_deg_s: float = 15.0
    min_angle_deg: float = 45.0
    merge_gap_s: float = 0.05
    min_duration_s: float = 0.5
    max_duration_s: float = 10.0
    low_pass_hz: float = 1.5

    turns_: list[Turn] = field(default_factory=list)

    def detect(self, data: FloatArray, *, sampling_rate_hz: float) -> Self:
        yaw = np.asarray(data, dtype=np.float64)
        self.turns_ = []
        if yaw.shape[0] < 30:
            return self
        sos = signal.butter(2, self.low_pass_hz, "low", fs=sampling_rate_hz, output="sos")
        rate_deg_s = np.rad2deg(signal.sosfiltfilt(sos, yaw))
        moving = np.abs(rate_deg_s) >= self.min_rate_deg_s
        padded = np.r_[False, moving, False].astype(np.int8)
        change = np.diff(padded)
        starts = np.flatnonzero(change == 1)
        ends = np.flatnonzero(change == -1)
        if starts.size == 0:
            return self
        gap_ok = (starts[1:] - ends[:-1]) / sampling_rate_hz > self.merge_gap_s
        keep_start = np.r_[True, gap_ok]
        keep_end = np.r_[gap_ok, True]
        starts, ends = starts[keep_start], ends[keep_end]
        angle_cum = np.r_[0.0, np.cumsum(rate_deg_s) / sampling_rate_hz]
        angles = angle_cum[ends] - angle_cum[starts]
        durations = (ends - starts) / sampling_rate_hz
        ok = (
            (np.abs(angles) >= self.min_angle_deg)
            & (durations >= self.min_duration_s)
            & (durations <= self.max_duration_s)
        )
        self.turns_ = [
            Turn(float(s / sampling_rate_hz), float(e / sampling_rate_hz), float(a))
            for s, e, a in zip(starts[ok], ends[ok], angles[ok], strict=True)
        ]
        return self
