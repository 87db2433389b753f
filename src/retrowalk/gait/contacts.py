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

Cost: the Gaussian derivatives are evaluated only where they are read, as the same kernels
(``scipy.ndimage.gaussian_filter1d``'s, reflected edges) applied by blocked matrix products.
The lobe search reads the broad derivative on a grid of a quarter of its sigma (4 samples at
100 Hz), plus the full-rate samples wherever a lobe or a gap narrower than the grid could hide
(:func:`_grid_lobe_minima`); each lobe's minimum is then taken at full rate within one grid
step of each trough of its grid samples. The IC refinement reads the sharp derivative only in
its windows after each wanted lobe, and the FC slope only between the wanted contacts
(:meth:`InitialContactDetector.contacts_of`, used by the bout detector for the contacts of its
bouts).

The band-passes avoid sosfiltfilt's two sequential passes (each sample's recursion waits for
the previous one's), using the states of those passes, which are sums over the filter's
eigenmodes (the modal form of :mod:`retrowalk.gait.filtering`): the lobe search's band-pass
is one matrix product per 32-sample row from the row's samples and the states at its ends
(:func:`~retrowalk.gait.filtering.zero_phase_whole`), and the refinement's wider band-pass is
computed only in its windows (:func:`~retrowalk.gait.filtering.zero_phase_windows`). These
equal sosfiltfilt's values to rounding (about 1e-11 of the band's range at 100 Hz for the
whole band, 2e-13 for the refinement's windows), not bit for bit; at rates where the rounding
would grow the exact filter runs. The ICs,
FCs and bouts were the same as with sosfiltfilt on the validation data and the 60-min
benchmark signal, and the tests compare the contacts with the plain full-rate computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from retrowalk.gait.filtering import (
    BLOCK_SAMPLES,
    MAX_PRODUCT,
    WorkMemory,
    band_pass,
    matmul_rows,
    zero_phase_modes,
    zero_phase_whole,
    zero_phase_windows,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: The lobe search grid in units of the smoothing sigma (see the module docstring).
LOBE_GRID_PER_SIGMA = 0.25


@dataclass
class InitialContactDetector:
    """IC detection on free vertical acceleration (m/s², up positive).

    Settings: ``band_hz`` (step band), ``smoothing_sigma_s`` (Gaussian width; 0.16 s equals the
    scale-9 wavelet at 40 Hz of the Mobilise-D implementation). Results of :meth:`detect`:
    ``ic_indices_``, ``ic_strength_m_s3_`` (lobe depth, used by the bout detector),
    ``fc_indices_`` (one per IC where found, else -1), ``filtered_m_s2_`` (band-passed vertical
    acceleration). :meth:`find_candidates` fills only the lobe results (``lobe_indices_``,
    ``ic_strength_m_s3_``, ``filtered_m_s2_``); :meth:`contacts_of` then refines the chosen ones.
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
    _vertical: FloatArray = field(default_factory=lambda: np.zeros(0), init=False, repr=False)
    _mean: float = field(default=0.0, init=False, repr=False)
    _rate_hz: float = field(default=0.0, init=False, repr=False)

    def detect(self, data: FloatArray, *, sampling_rate_hz: float) -> Self:
        """All candidate contacts of ``data``: lobes, refined ICs and their FCs."""
        self.find_candidates(data, sampling_rate_hz=sampling_rate_hz)
        n_lobes = self.lobe_indices_.shape[0]
        with_final = np.arange(n_lobes) < n_lobes - 1
        self.ic_indices_, self.fc_indices_ = self.contacts_of(
            np.arange(n_lobes, dtype=np.int64), with_final=with_final
        )
        return self

    def find_candidates(
        self, data: FloatArray, *, sampling_rate_hz: float, memory: WorkMemory | None = None
    ) -> Self:
        """Candidate lobes (``lobe_indices_``, their depth, ``filtered_m_s2_``) of ``data``.
        ``memory``: ``filtered_m_s2_`` is written into its array ``"contacts_band"`` (valid
        while the caller holds it, :func:`~retrowalk.gait.filtering.work_memory`)."""
        vertical = np.asarray(data, dtype=np.float64)
        n = vertical.shape[0]
        self._vertical, self._rate_hz = vertical, sampling_rate_hz
        self.ic_indices_ = np.zeros(0, dtype=np.int64)
        self.fc_indices_ = np.zeros(0, dtype=np.int64)
        sigma = self.smoothing_sigma_s * sampling_rate_hz
        if n < max(30, int(6 * sigma)):
            self.lobe_indices_ = np.zeros(0, dtype=np.int64)
            self.ic_strength_m_s3_ = np.zeros(0)
            self.filtered_m_s2_ = np.zeros(n)
            return self
        self._mean = float(vertical.mean())
        low, high = self.band_hz
        # -d/dt of the smoothed signal: a steep rise of vertical acceleration -> deep minimum.
        kernel = -_gaussian_derivative_kernel(sigma) * sampling_rate_hz
        radius = (kernel.shape[0] - 1) // 2
        step = max(1, int(LOBE_GRID_PER_SIGMA * sigma))
        extra = _ROW_SAMPLES + 2 * step
        if radius < n:  # the band written straight into _reflect_padded's layout
            rows = -(-n // BLOCK_SAMPLES) * BLOCK_SAMPLES
            size = max(2 * radius + n + extra, radius + rows)
            padded = np.empty(size) if memory is None else memory.array("contacts_band", (size,))
            band = zero_phase_whole(
                vertical, low, high, sampling_rate_hz, self._mean, into=padded[radius:]
            )
            padded[:radius] = band[radius - 1 :: -1]
            padded[radius + n : 2 * radius + n] = band[: n - radius - 1 : -1]
            padded[2 * radius + n :] = 0.0
            padded = padded[: 2 * radius + n + extra]
        else:
            band = zero_phase_whole(vertical, low, high, sampling_rate_hz, self._mean)
            padded = _reflect_padded(band, radius, extra)
        offset = _sum_mean(padded, kernel, n)  # the full-rate signal's mean is subtracted
        self.lobe_indices_, self.ic_strength_m_s3_ = _grid_lobe_minima(
            padded, kernel, offset, n, step
        )
        self.filtered_m_s2_ = band
        return self

    def contacts_of(
        self, candidates: IntArray, *, with_final: BoolArray
    ) -> tuple[IntArray, IntArray]:
        """Refined IC sample indices of the candidate lobes ``candidates`` (ascending
        positions in ``lobe_indices_``) and, where ``with_final``, the FC between each and the
        next candidate lobe's refined IC (else -1), as :meth:`detect` gives them."""
        candidates = np.asarray(candidates, dtype=np.int64)
        lobes = self.lobe_indices_
        fcs = np.full(candidates.shape[0], -1, dtype=np.int64)
        if candidates.size == 0:
            return np.zeros(0, dtype=np.int64), fcs
        with_final = np.asarray(with_final, dtype=bool) & (candidates + 1 < lobes.shape[0])
        flags = np.zeros(lobes.shape[0], dtype=bool)  # sorted union, without a sort
        flags[candidates] = True
        flags[candidates[with_final] + 1] = True
        needed = np.flatnonzero(flags)
        refined = self._refine(needed) if self.refine_window_s > 0 else lobes[needed].copy()
        ics = refined[np.searchsorted(needed, candidates)]
        if with_final.any():
            starts = ics[with_final]
            ends = refined[np.searchsorted(needed, candidates[with_final] + 1)]
            fcs[with_final] = self._final_contacts(starts, ends)
        return ics, fcs

    def _refine(self, which: IntArray) -> IntArray:
        """Move each IC to the steepest rise of a wider-band, lightly smoothed signal.

        The broad lobe (0.16 s smoothing) finds one candidate per step robustly but sits about
        70 ms before the reference IC; the sharper rise (0.25-5 Hz, 0.05 s smoothing) within
        ``refine_window_s`` after it is closer to the event. On the mobgap example data this
        removed most of the stance/double-support bias (settings chosen there, in-sample).
        The band-passed values come from :func:`zero_phase_windows` (windows inside the
        recording) or the whole-signal filter (a window reaching over an edge).
        """
        vertical, mean, fs = self._vertical, self._mean, self._rate_hz
        n = vertical.shape[0]
        lobes = self.lobe_indices_
        kernel = -_gaussian_derivative_kernel(self.refine_sigma_s * fs)
        radius = (kernel.shape[0] - 1) // 2
        window = max(1, round(self.refine_window_s * fs))
        starts = lobes[which]
        following = np.r_[lobes, n][which + 1]
        ends = np.minimum(starts + window, following)
        low, high = self.band_hz[0], self.refine_high_hz
        modes = zero_phase_modes(low, high, fs)
        if modes is not None and starts[0] >= radius and starts[-1] + window + radius <= n:
            values = zero_phase_windows(
                low, high, fs, vertical, kernel, starts - radius, window, mean
            )
        else:  # windows reaching over an edge (ndimage's reflection): the whole-signal filter
            wide = band_pass(vertical, low, high, fs, mean)
            source, shift = _padded_for(wide, radius, int(starts[0]), int(starts[-1]) + window)
            values = _correlate_windows(source, kernel, starts + shift, window)
        values[np.arange(window)[None, :] >= (ends - starts)[:, None]] = np.inf
        return np.asarray(starts + np.argmin(values, axis=1), dtype=np.int64)

    def _final_contacts(self, starts: IntArray, ends: IntArray) -> IntArray:
        """Per segment [start, end) of ascending, disjoint segments, the steepest fall."""
        kernel = _gaussian_derivative_kernel(self.final_contact_sigma_s * self._rate_hz)
        radius = (kernel.shape[0] - 1) // 2
        # Runs of touching segments (a bout's steps) are filtered in one piece each.
        breaks = np.flatnonzero(starts[1:] != ends[:-1]) + 1
        run_first = np.r_[0, breaks]
        run_last = np.r_[breaks, starts.shape[0]] - 1
        source, shift = _padded_for(
            self.filtered_m_s2_, radius, int(starts[0]), int(ends[-1]) + _ROW_SAMPLES
        )
        slope, offsets = _correlate_ranges(
            source, kernel, starts[run_first] + shift, ends[run_last] + shift
        )
        run = np.repeat(np.arange(run_first.shape[0]), np.diff(np.r_[run_first, starts.shape[0]]))
        low = offsets[run] + (starts - starts[run_first][run])
        idx = _tiled_argmin(slope, low, low + (ends - starts))
        return np.asarray(starts + (idx - low), dtype=np.int64)


@lru_cache(maxsize=16)
def _gaussian_derivative_kernel(sigma: float) -> FloatArray:
    """The convolution kernel of ``gaussian_filter1d(x, sigma, order=1)`` (truncate 4),
    reversed, so that ``out[i] = sum_t kernel[t] * x[i - radius + t]``."""
    radius = int(4.0 * sigma + 0.5)
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    phi = np.exp(-0.5 / (sigma * sigma) * x**2)
    phi /= phi.sum()
    kernel = (-x / (sigma * sigma) * phi)[::-1].copy()
    kernel.setflags(write=False)
    return kernel


def _reflect_padded(x: FloatArray, radius: int, extra: int) -> FloatArray:
    """``x`` with ``radius`` samples mirrored on both sides (ndimage's 'reflect':
    d c b a | a b c d | d c b a) and ``extra`` zeros after."""
    n = x.shape[0]
    if radius == 0:
        return np.concatenate([x, np.zeros(extra)])
    if radius >= n:  # reflect repeatedly, as ndimage does
        return np.concatenate([np.pad(x, radius, mode="symmetric"), np.zeros(extra)])
    return np.concatenate([x[radius - 1 :: -1], x, x[: n - radius - 1 : -1], np.zeros(extra)])


def _padded_for(x: FloatArray, radius: int, first: int, stop: int) -> tuple[FloatArray, int]:
    """An array to read ``x[first - radius : stop + radius]`` from with reflected edges, and
    the index shift into it: ``x`` itself when that stays inside it, else a padded copy."""
    if first >= radius and stop + radius <= x.shape[0]:
        return x, -radius
    return _reflect_padded(x, radius, max(0, stop - x.shape[0])), 0


def _sum_mean(padded: FloatArray, kernel: FloatArray, n: int) -> float:
    """Mean over i < n of ``sum_t kernel[t] * padded[i + t]`` without computing it all: the
    window sums ``S_t = sum_(i<n) padded[i + t]`` follow from ``S_0`` and the edges."""
    size = kernel.shape[0]
    sums = np.empty(size)
    sums[0] = padded[:n].sum()
    np.cumsum(padded[n : n + size - 1] - padded[: size - 1], out=sums[1:])
    sums[1:] += sums[0]
    return float(kernel @ sums) / n


#: Outputs per row of the blocked matrix products (a 128-sample row keeps them cache-sized).
_ROW_SAMPLES = 128


@lru_cache(maxsize=32)
def _toeplitz(kernel_bytes: bytes, step: int, outputs: int) -> FloatArray:
    """Column k holds the kernel at rows k * step onwards: ``row @ matrix`` correlates."""
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64)
    size = kernel.shape[0]
    matrix = np.zeros(((outputs - 1) * step + size, outputs))
    for k in range(outputs):
        matrix[k * step : k * step + size, k] = kernel
    matrix.setflags(write=False)
    return matrix


def _correlate_rows(
    padded: FloatArray, kernel: FloatArray, row_starts: IntArray, step: int, outputs: int
) -> FloatArray:
    """Row r, column o: ``sum_t kernel[t] * padded[row_starts[r] + o * step + t]``, as
    matrix products of at most ``MAX_PRODUCT`` multiply-adds (``padded`` is read as if
    zero-extended beyond its end)."""
    matrix = _toeplitz(kernel.tobytes(), step, outputs)
    width = matrix.shape[0]
    count = row_starts.shape[0]
    if count == 0:
        return np.zeros((0, outputs))
    short = int(row_starts.max()) + width - padded.shape[0]
    if short > 0:  # callers pad enough; this copy only guards against a short array
        padded = np.r_[padded, np.zeros(short)]
    per_product = max(1, MAX_PRODUCT // (width * outputs))
    products = -(-count // per_product)
    starts = np.r_[row_starts, np.full(products * per_product - count, row_starts[-1])]
    rows = sliding_window_view(padded, width)[starts].reshape(products, per_product, width)
    return np.asarray((rows @ matrix).reshape(-1, outputs)[:count], dtype=np.float64)


def _correlate_grid(padded: FloatArray, kernel: FloatArray, step: int, count: int) -> FloatArray:
    """``sum_t kernel[t] * padded[i + t]`` for i = 0, step, ..., (count - 1) * step (whole
    rows are computed: ``padded`` should reach ``_ROW_SAMPLES`` beyond, plus the kernel)."""
    per_row = max(1, _ROW_SAMPLES // step)
    rows = -(-count // per_row)
    stride = per_row * step
    matrix = _toeplitz(kernel.tobytes(), step, per_row)
    if matrix.shape[0] > 2 * stride:
        row_starts = np.arange(rows, dtype=np.int64) * stride
        return _correlate_rows(padded, kernel, row_starts, step, per_row).ravel()[:count]
    # Row r reads blocks r and r + 1 of ``stride`` samples: two products of non-overlapping
    # views instead of a gathered copy of overlapping rows.
    blocks = padded[: (rows + 1) * stride]
    if blocks.shape[0] < (rows + 1) * stride:  # callers pad enough; this only guards
        blocks = np.r_[blocks, np.zeros((rows + 1) * stride - blocks.shape[0])]
    blocks = blocks.reshape(rows + 1, stride)
    halves = np.zeros((2 * stride, per_row))
    halves[: matrix.shape[0]] = matrix
    out = matmul_rows(blocks[:-1], halves[:stride])
    out += matmul_rows(blocks[1:], halves[stride:])
    return out.ravel()[:count]


def _correlate_ranges(
    padded: FloatArray, kernel: FloatArray, starts: IntArray, ends: IntArray
) -> tuple[FloatArray, IntArray]:
    """``sum_t kernel[t] * padded[i + t]`` for i in each range [start, end), all ranges at
    once: (values, offset of each range's first value in them). Each range is computed in
    whole rows of ``_ROW_SAMPLES // 4`` values (``padded`` should reach that far beyond)."""
    per_row = _ROW_SAMPLES // 4  # short rows: a bout's steps are a few hundred samples
    blocks = -(-(ends - starts) // per_row)
    first_block = np.r_[0, np.cumsum(blocks)[:-1]]
    within = np.arange(int(blocks.sum())) - np.repeat(first_block, blocks)
    row_starts = np.repeat(starts, blocks) + per_row * within
    values = _correlate_rows(padded, kernel, row_starts, 1, per_row).ravel()
    return values, first_block * per_row


def _correlate_windows(
    padded: FloatArray, kernel: FloatArray, starts: IntArray, width: int
) -> FloatArray:
    """Row k: ``sum_t kernel[t] * padded[i + t]`` for i = starts[k] .. starts[k] + width - 1."""
    return _correlate_rows(padded, kernel, starts, 1, width)


def _grid_lobe_minima(
    padded: FloatArray, kernel: FloatArray, offset: float, n: int, step: int
) -> tuple[IntArray, FloatArray]:
    """:func:`lobe_minima` of ``y[i] = sum_t kernel[t] * padded[i + t] - offset`` (i < n),
    read on a grid of ``step`` samples plus the full-rate samples the grid could miss.

    The signal's sign changes are found on the grid, except where a pair of crossings could
    fall between two grid samples: there a grid sample is a local extremum of the wrong sign
    within its second difference of zero (for a parabola the extremum between the samples
    exceeds the sample by at most half the second difference), and the full-rate samples
    around it are added. Each lobe's minimum is then taken at full rate within one grid step
    of each local minimum of its samples (so a lobe with two near-equal troughs is also right).
    """
    size = kernel.shape[0]
    grid = np.arange(0, n, step, dtype=np.int64)
    if grid[-1] != n - 1:
        grid = np.r_[grid, n - 1]
    values = np.r_[
        _correlate_grid(padded, kernel, step, grid.shape[0] - 1),
        padded[n - 1 : n - 1 + size] @ kernel,
    ]
    values -= offset
    positions = grid
    if step > 1 and values.shape[0] >= 3:
        left, mid, right = values[:-2], values[1:-1], values[2:]
        # the few samples within their second difference of zero, then their shape there
        maybe = np.flatnonzero(np.abs(mid) <= np.abs(left - 2.0 * mid + right))
        low_, mid_, high_ = left[maybe], mid[maybe], right[maybe]
        is_max = (mid_ >= low_) & (mid_ >= high_)
        is_min = (mid_ <= low_) & (mid_ <= high_)
        around = maybe[(is_max & (mid_ < 0)) | (is_min & (mid_ >= 0))]  # around+1: suspect
        if around.size:
            first = grid[around] + 1  # between the suspect's neighbours, grid samples excluded
            extra = _correlate_windows(padded, kernel, first, 2 * step - 1) - offset
            where = first[:, None] + np.arange(2 * step - 1)[None, :]
            valid = (where < grid[around + 2][:, None]) & (where % step != 0)
            added, pick = np.unique(where[valid], return_index=True)  # suspects may overlap
            at = np.searchsorted(grid, added)
            positions = np.insert(grid, at, added)
            values = np.insert(values, at, extra[valid][pick])
    starts, ends = _complete_lobes(values < 0)
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    # local minima of the samples inside complete lobes, with their lobe
    inner = values[1:-1]  # the first and last samples are never inside a complete lobe
    trough = 1 + np.flatnonzero((inner < 0) & (inner <= values[:-2]) & (inner <= values[2:]))
    lobe = np.searchsorted(starts, trough, side="right") - 1
    inside = (lobe >= 0) & (trough < ends[np.maximum(lobe, 0)])
    trough, lobe = trough[inside], lobe[inside]
    # full rate within one grid step, inside the lobe's outer bounds (its non-negative neighbours)
    low = positions[starts[lobe] - 1] + 1
    high = positions[ends[lobe]] - 1
    width = 2 * step - 1
    first = np.maximum(positions[trough] - (step - 1), 0)
    fine = _correlate_windows(padded, kernel, first, width) - offset
    where = first[:, None] + np.arange(width)[None, :]
    fine[(where < low[:, None]) | (where > high[:, None])] = np.inf
    best = np.argmin(fine, axis=1)
    depth = -fine[np.arange(best.shape[0]), best]
    index = first + best
    # per lobe (``lobe`` is sorted): the deepest, the earliest on ties
    head = np.flatnonzero(np.r_[True, lobe[1:] != lobe[:-1]])
    deepest = np.maximum.reduceat(depth, head)
    sizes = np.diff(np.r_[head, lobe.shape[0]])
    at_deepest = np.where(depth == np.repeat(deepest, sizes), index, np.iinfo(np.int64).max)
    return np.minimum.reduceat(at_deepest, head).astype(np.int64), deepest


def _tiled_argmin(x: FloatArray, starts: IntArray, ends: IntArray) -> IntArray:
    """:func:`segment_argextreme` (minimum) for non-empty, ascending, disjoint segments: one
    ``reduceat`` over ``x`` itself (the gaps are segments of their own, ignored), no gathered
    copy of the segments."""
    if starts.size == 0 or np.any(ends <= starts) or np.any(starts[1:] < ends[:-1]):
        return segment_argextreme(x, starts, ends, maximum=False)
    bounds = np.empty(2 * starts.shape[0], dtype=np.int64)
    bounds[0::2], bounds[1::2] = starts, ends
    if bounds[-1] == x.shape[0]:
        bounds = bounds[:-1]
    lowest = np.fmin.reduceat(x, bounds)  # NaN-ignoring, as segment_argextreme
    hits = np.flatnonzero(x[bounds[0] :] == np.repeat(lowest, np.diff(np.r_[bounds, x.shape[0]])))
    first = np.searchsorted(hits, starts - bounds[0])
    found = hits[np.minimum(first, max(hits.size - 1, 0))] + bounds[0] if hits.size else first
    if hits.size == 0 or np.any((first >= hits.size) | (found >= ends)):  # an all-NaN one
        return segment_argextreme(x, starts, ends, maximum=False)
    return np.asarray(found, dtype=np.int64)


def lobe_minima(x: FloatArray) -> tuple[IntArray, FloatArray]:
    """Index and depth (-value) of the minimum of each complete negative lobe of ``x``."""
    negative = x < 0
    if not negative.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    starts, ends = _complete_lobes(negative)
    idx = segment_argextreme(x, starts, ends, maximum=False)
    return idx, -x[idx]


def _complete_lobes(negative: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """``[start, end)`` of each run of ``True`` in a non-empty mask, leaving out a run that
    touches the first or the last sample (a lobe cut by the start or end of the recording)."""
    change = np.diff(negative.astype(np.int8))
    starts = np.flatnonzero(change == 1) + 1
    ends = np.flatnonzero(change == -1) + 1
    if negative[0]:
        ends = ends[1:]
    if negative[-1]:
        starts = starts[:-1]
    return starts, ends


def segment_argextreme(
    x: FloatArray, starts: IntArray, ends: IntArray, *, maximum: bool
) -> IntArray:
    """Index of the min (or max) of ``x`` in each disjoint, ordered segment [start, end)
    (the first one on ties; empty segments are skipped). Work is proportional to the
    segments' total length, not to ``x``'s."""
    keep = ends > starts
    starts, ends = starts[keep].astype(np.int64), ends[keep].astype(np.int64)
    if starts.size == 0:
        return np.zeros(0, dtype=np.int64)
    lengths = ends - starts
    offsets = np.r_[0, np.cumsum(lengths)[:-1]]
    positions = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)
    values = x[positions]
    ufunc = np.fmax if maximum else np.fmin  # NaN-ignoring; an all-NaN segment is skipped
    extremes = ufunc.reduceat(values, offsets)
    hits = np.flatnonzero(values == np.repeat(extremes, lengths))
    first = np.minimum(np.searchsorted(hits, offsets), max(hits.size - 1, 0))
    if hits.size == 0:
        return np.zeros(0, dtype=np.int64)
    found = hits[first]
    return np.asarray(positions[found[(found >= offsets) & (found < offsets + lengths)]])
