"""Initial and final foot contacts from the vertical acceleration of the trunk.

Method (after McCamley et al. 2012, Gait Posture 36:316-318, as modified by Paraschiv-Ionescu
et al. 2020, EMBC 4596-4599; our own implementation): at each initial contact (IC) the body's
downward motion is stopped by the new stance leg, so the free vertical acceleration of the trunk
rises steeply. After band-passing the vertical acceleration to the step band, the first
derivative of a Gaussian-smoothed copy (equivalent to McCamley's integrate-then-Gaussian-wavelet
step) has one negative lobe per step; the IC is that lobe's extreme.

The final contact (FC: toe-off of the other foot, ending the double support) is the steepest
fall of the vertical acceleration between an IC and the next one (Gaussian derivative with
``final_contact_sigma_s``): once the trailing foot leaves, the single stance leg no longer
decelerates the trunk. This is our variant of McCamley's FC rule, chosen on the mobgap example
data (median error 0.08 s vs the INDIP reference, in-sample, see docs/gait.md); trunk FCs are
less reliable than ICs.

The detector runs on a whole recording at once (vectorised, no per-sample loop); which
contacts belong to walking is decided by :mod:`retrowalk.gait.bouts`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy import signal
from scipy.ndimage import gaussian_filter1d

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class InitialContactDetector:
    """IC detection on free vertical acceleration (m/s², up positive).

    Settings: ``band_hz`` (step band), ``smoothing_sigma_s`` (Gaussian width; 0.16 s equals the
    scale-9 wavelet at 40 Hz of the Mobilise-D implementation). Results: ``ic_indices_``,
    ``ic_strength_m_s3_`` (lobe depth, used by the bout detector), ``fc_indices_`` (one per IC
    where found, else -1), ``filtered_m_s2_`` (band-passed vertical acceleration).
    """

    band_hz: tuple[float, float] = (0.25, 3.0)
    smoothing_sigma_s: float = 0.16
    final_contact_sigma_s: float = 0.1
    refine_window_s: float = 0.15
    refine_sigma_s: float = 0.05
    refine_high_hz: float = 5.0

    ic_indices_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    lobe_indices_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ic_strength_m_s3_: FloatArray = field(default_factory=lambda: np.zeros(0))
    fc_indices_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    filtered_m_s2_: FloatArray = field(default_factory=lambda: np.zeros(0))

    def detect(self, data: FloatArray, *, sampling_rate_hz: float) -> Self:
        vertical = np.asarray(data, dtype=np.float64)
        n = vertical.shape[0]
        sigma = self.smoothing_sigma_s * sampling_rate_hz
        if n < max(30, int(6 * sigma)):
            self.ic_indices_ = np.zeros(0, dtype=np.int64)
            self.lobe_indices_ = np.zeros(0, dtype=np.int64)
            self.ic_strength_m_s3_ = np.zeros(0)
            self.fc_indices_ = np.zeros(0, dtype=np.int64)
            self.filtered_m_s2_ = np.zeros(n)
            return self
        high = min(self.band_hz[1], 0.45 * sampling_rate_hz)
        sos = signal.butter(2, (self.band_hz[0], high), "band", fs=sampling_rate_hz, output="sos")
        band = signal.sosfiltfilt(sos, vertical - vertical.mean())
        # -d/dt of the smoothed signal: a steep rise of vertical acceleration -> deep minimum.
        rise = -gaussian_filter1d(band, sigma, order=1) * sampling_rate_hz
        rise -= rise.mean()
        lobes, depth = lobe_minima(rise)
        ics = lobes
        if self.refine_window_s > 0 and ics.size:
            ics = self._refine(vertical, lobes, sampling_rate_hz)
        self.lobe_indices_ = lobes
        self.ic_indices_ = ics
        self.ic_strength_m_s3_ = depth
        self.filtered_m_s2_ = band
        fall = gaussian_filter1d(band, self.final_contact_sigma_s * sampling_rate_hz, order=1)
        self.fc_indices_ = _final_contacts(fall, ics)
        return self

    def _refine(self, vertical: FloatArray, ics: IntArray, sampling_rate_hz: float) -> IntArray:
        """Move each IC to the steepest rise of a wider-band, lightly smoothed signal.

        The broad lobe (0.16 s smoothing) finds one candidate per step robustly but sits about
        70 ms before the reference IC; the sharper rise (0.25-5 Hz, 0.05 s smoothing) within
        ``refine_window_s`` after it is closer to the event. On the mobgap example data this
        removed most of the stance/double-support bias (settings chosen there, in-sample).
        """
        high = min(self.refine_high_hz, 0.45 * sampling_rate_hz)
        sos = signal.butter(2, (self.band_hz[0], high), "band", fs=sampling_rate_hz, output="sos")
        wide = signal.sosfiltfilt(sos, vertical - vertical.mean())
        sharp_rise = -gaussian_filter1d(wide, self.refine_sigma_s * sampling_rate_hz, order=1)
        window = max(1, round(self.refine_window_s * sampling_rate_hz))
        ends = np.minimum(ics + window, np.r_[ics[1:], vertical.shape[0]])
        return segment_argextreme(sharp_rise, ics, ends, maximum=False)


def lobe_minima(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """Index and depth (-value) of the minimum of each complete negative lobe of ``x``."""
    negative = x < 0
    if not negative.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    change = np.diff(negative.astype(np.int8))
    starts = np.flatnonzero(change == 1) + 1
    ends = np.flatnonzero(change == -1) + 1
    if negative[0]:
        ends = ends[1:]  # the first lobe touches the start of the recording: incomplete
    if negative[-1]:
        starts = starts[:-1]  # the last lobe touches the end: incomplete
    idx = segment_argextreme(x, starts, ends, maximum=False)
    return idx, -x[idx]


def segment_argextreme(
    x: FloatArray, starts: IntArray, ends: IntArray, *, maximum: bool
) -> IntArray:
    """Index of the min (or max) of ``x`` in each disjoint, ordered segment [start, end)."""
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    bounds = np.column_stack([starts, ends]).ravel()
    ufunc = np.maximum if maximum else np.minimum
    tail = bounds[-1] >= x.shape[0]
    padded = np.r_[x, x[-1]] if tail else x
    extremes = ufunc.reduceat(padded, bounds)[::2]
    marks = np.zeros(padded.shape[0] + 1, dtype=np.int64)
    np.add.at(marks, starts, 1)
    np.add.at(marks, ends, -1)
    inside = np.cumsum(marks)[: x.shape[0]] > 0
    start_marks = np.zeros(x.shape[0], dtype=np.int64)
    start_marks[starts] = 1
    segment = np.cumsum(start_marks) - 1
    hit = np.zeros(x.shape[0], dtype=bool)
    hit[inside] = x[inside] == extremes[segment[inside]]
    idx = np.flatnonzero(hit)
    seg = segment[idx]
    first = np.r_[True, seg[1:] != seg[:-1]]
    return idx[first].astype(np.int64)


def _final_contacts(slope: FloatArray, ics: IntArray) -> IntArray:
    """Per IC, the index of the steepest fall before the next IC (-1 for the last IC)."""
    fcs = np.full(ics.shape[0], -1, dtype=np.int64)
    if ics.shape[0] < 2:
        return fcs
    fcs[:-1] = segment_argextreme(slope, ics[:-1], ics[1:], maximum=False)
    return fcs
