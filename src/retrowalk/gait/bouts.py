"""Walking bouts: runs of regular steps.

A candidate contact (see :mod:`retrowalk.gait.contacts`) is a step of walking when the trunk
moves enough around it (RMS of the band-passed vertical acceleration over ``activity_window_s``
at least ``min_activity_m_s2``) and its lobe is deep enough. Consecutive walking contacts are
linked when the step time lies in [``min_step_time_s``, ``max_step_time_s``]; a bout is a run of
at least ``min_steps`` linked steps and spans first to last initial contact (the Mobilise-D
walking-bout convention; Kluge et al. 2021, Sensors 21:6786, use at least two strides, i.e.
four steps, and breaks longer than 3 s end a bout -- the step-time limit here is stricter, so
one of our bouts is a Mobilise-D "micro" walking bout).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Self

import numpy as np
from numpy.typing import NDArray

from retrowalk.gait.contacts import InitialContactDetector
from retrowalk.gait.filtering import WorkMemory

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class BoutSpan:
    """Positions in the contact list: contacts ``first_ic`` .. ``last_ic`` (inclusive)."""

    first_ic: int
    last_ic: int

    @property
    def n_steps(self) -> int:
        return self.last_ic - self.first_ic


@dataclass
class WalkingBoutDetector:
    """Find walking bouts in free vertical acceleration (m/s²).

    Results: ``ic_indices_`` (all walking ICs, sample indices), ``fc_indices_`` (per IC, -1 if
    none), ``bouts_`` (list of :class:`BoutSpan` into ``ic_indices_``).

    ``min_relative_depth``: a candidate lobe shallower than this fraction of the running median
    (5 lobes) of lobe depths is a wobble, not a step. 0.1 was chosen on the mobgap example data
    (grid 0-0.4; IC F1 over all 19 reference bouts 0.886 in-sample vs 0.879 at the earlier 0.2,
    0.884 leave-one-participant-out; ``benchmarks/gait_validation.py``, docs/gait_validation.md):
    slow, shuffling daily-life steps have shallow lobes next to deep ones.
    """

    min_steps: int = 4
    min_step_time_s: float = 0.25
    max_step_time_s: float = 1.5
    min_activity_m_s2: float = 0.25
    min_relative_depth: float = 0.1
    activity_window_s: float = 2.0
    contact_detector: InitialContactDetector = field(default_factory=InitialContactDetector)

    ic_indices_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fc_indices_: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    bouts_: list[BoutSpan] = field(default_factory=list)

    def detect(
        self,
        data: FloatArray,
        *,
        sampling_rate_hz: float,
        gaps: Sequence[tuple[int, int]] = (),
        memory: WorkMemory | None = None,
    ) -> Self:
        """Find the bouts. ``gaps``: ``[first, last]`` sample indices of stretches the recording
        did not have (filled by interpolation, :mod:`retrowalk.gait.resample`); a step across
        one is not a step, so no bout spans a gap. ``memory``: the contact detector's filtered
        signal in it (:meth:`InitialContactDetector.find_candidates`)."""
        detector = self.contact_detector.find_candidates(
            data, sampling_rate_hz=sampling_rate_hz, memory=memory
        )
        # Linking uses the robust lobe positions; the reported ICs are the refined ones, which
        # (with their final contacts) are computed only for the contacts of the bouts.
        ics, depth = detector.lobe_indices_, detector.ic_strength_m_s3_
        self.ic_indices_ = np.zeros(0, dtype=np.int64)
        self.fc_indices_ = np.zeros(0, dtype=np.int64)
        self.bouts_ = []
        if ics.size < self.min_steps + 1:
            return self
        window = max(1, round(self.activity_window_s * sampling_rate_hz))
        rms = _moving_rms_at(detector.filtered_m_s2_, window, ics)
        active = rms >= self.min_activity_m_s2
        # A lobe much shallower than its neighbours is a wobble between steps, not a step.
        local = _running_median(depth, 5)
        active &= depth >= self.min_relative_depth * local
        candidates = np.flatnonzero(active)
        ics = ics[candidates]
        if ics.size < self.min_steps + 1:
            return self
        step_s = np.diff(ics) / sampling_rate_hz
        linked = (step_s >= self.min_step_time_s) & (step_s <= self.max_step_time_s)
        for gap_first, gap_last in gaps:
            # the steps from the last contact before the gap to the first one after it
            before = max(int(np.searchsorted(ics, gap_first, side="left")) - 1, 0)
            after = int(np.searchsorted(ics, gap_last, side="right"))
            linked[before : min(after, linked.size)] = False
        # Runs of True in `linked`: bout k covers contacts run_start..run_end (inclusive).
        padded = np.r_[False, linked, False].astype(np.int8)
        change = np.diff(padded)
        run_starts = np.flatnonzero(change == 1)
        run_ends = np.flatnonzero(change == -1)  # exclusive in `linked` = last contact index
        long_enough = (run_ends - run_starts) >= self.min_steps
        spans = [
            BoutSpan(int(s), int(e))
            for s, e in zip(run_starts[long_enough], run_ends[long_enough], strict=True)
        ]
        # Keep only contacts inside bouts; re-index the spans.
        keep = np.zeros(ics.size, dtype=bool)
        last = np.zeros(ics.size, dtype=bool)
        for span in spans:
            keep[span.first_ic : span.last_ic + 1] = True
            last[span.last_ic] = True
        new_index = np.cumsum(keep) - 1
        # A bout's last contact has no final contact: the next step is not the bout's.
        self.ic_indices_, self.fc_indices_ = detector.contacts_of(
            candidates[keep], with_final=~last[keep]
        )
        self.bouts_ = [
            BoutSpan(int(new_index[s.first_ic]), int(new_index[s.last_ic])) for s in spans
        ]
        return self


#: Block length of :func:`_moving_rms_at`'s prefix sums.
_RMS_BLOCK = 16


def _moving_rms_at(x: FloatArray, window: int, at: IntArray) -> FloatArray:
    """``sqrt(uniform_filter1d(x * x, window, mode="nearest"))`` at the indices ``at`` only
    (window ``[i - window // 2, i - window // 2 + window)``, edges repeated).

    Each window sum is a difference of two prefix sums of the edge-extended squares, taken
    from per-block sums (``_RMS_BLOCK`` samples, one matrix-vector product) and the partial
    block at each end, instead of a cumulative sum over the whole signal (60-min benchmark,
    4608 candidates: 1.4 -> 1.0 ms CPU on a loaded machine). The sums agree with that one's
    to rounding (both differ from exact sums by the rounding of the running total)."""
    half, n = window // 2, x.shape[0]
    block = _RMS_BLOCK
    blocks = -(-(n + window) // block)
    squares = np.empty(blocks * block)  # the edge-extended squares, zero-padded
    squares[n + window :] = 0.0
    squares[:half] = x[0] * x[0]
    np.multiply(x, x, out=squares[half : half + n])
    squares[half + n : n + window] = x[-1] * x[-1]
    rows = squares.reshape(blocks, block)
    prefix = np.zeros(blocks + 1)
    np.cumsum(rows @ np.ones(block), out=prefix[1:])
    ends = np.concatenate([at, at + window])  # prefix sums up to these (exclusive)
    full = ends // block
    partial = rows[np.minimum(full, blocks - 1)] * (
        np.arange(block)[None, :] < (ends - full * block)[:, None]
    )
    sums = prefix[full] + partial @ np.ones(block)
    count = at.shape[0]
    mean_square = np.maximum((sums[count:] - sums[:count]) / window, 0.0)
    return np.asarray(np.sqrt(mean_square), dtype=np.float64)


def _running_median(x: FloatArray, size: int) -> FloatArray:
    """Median of each ``size`` window centred on each sample (edges repeated), ``size`` odd:
    the middle of the windows sorted by a network of elementwise min/max (the same value as
    ``np.median`` of each window, without its per-window partition: 0.36 -> 0.07 ms for the
    4608 candidates of the 60-min benchmark)."""
    if x.size < size:
        return np.full(x.size, float(np.median(x)) if x.size else 0.0)
    half = size // 2
    padded = np.pad(x, half, mode="edge")
    lanes = [padded[i : i + x.size] for i in range(size)]
    for end in range(size - 1, half - 1, -1):  # bubble the largest up to lane ``end``
        for i in range(end):
            low, high = np.minimum(lanes[i], lanes[i + 1]), np.maximum(lanes[i], lanes[i + 1])
            lanes[i], lanes[i + 1] = low, high
    return np.asarray(lanes[half], dtype=np.float64)
