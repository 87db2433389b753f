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
eigenmodes (:class:`_ZeroPhaseModes`): the lobe search's band-pass is one matrix product per
32-sample row from the row's samples and the states at its ends (:func:`_zero_phase_whole`),
and the refinement's wider band-pass is computed only in its windows
(:func:`_zero_phase_windows`). These equal sosfiltfilt's values to rounding (about 1e-11 of the
band's range at 100 Hz for the whole band, 2e-13 for the refinement's windows), not bit for
bit; at rates where the rounding would grow (``_SLOWEST_POLE``) the exact filter runs. The ICs,
FCs and bouts were the same as with sosfiltfilt on the validation data and the 60-min
benchmark signal, and the tests compare the contacts with the plain full-rate computation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy import signal

try:  # scipy's section filter behind sosfilt (in place, no checks); sosfilt where absent
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_in_place
except ImportError:  # pragma: no cover
    _sosfilt_in_place = None

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
ComplexArray = NDArray[np.complex128]

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

    def find_candidates(self, data: FloatArray, *, sampling_rate_hz: float) -> Self:
        """Candidate lobes (``lobe_indices_``, their depth, ``filtered_m_s2_``) of ``data``."""
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
            rows = -(-n // _WHOLE_BLOCK) * _WHOLE_BLOCK
            padded = np.empty(max(2 * radius + n + extra, radius + rows))
            band = _zero_phase_whole(
                vertical, low, high, sampling_rate_hz, self._mean, into=padded[radius:]
            )
            padded[:radius] = band[radius - 1 :: -1]
            padded[radius + n : 2 * radius + n] = band[: n - radius - 1 : -1]
            padded[2 * radius + n :] = 0.0
            padded = padded[: 2 * radius + n + extra]
        else:
            band = _zero_phase_whole(vertical, low, high, sampling_rate_hz, self._mean)
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
        The band-passed values come from :func:`_zero_phase_windows` (windows inside the
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
        modes = _zero_phase_modes(low, high, fs)
        if modes is not None and starts[0] >= radius and starts[-1] + window + radius <= n:
            values = _zero_phase_windows(
                low, high, fs, vertical, kernel, starts - radius, window, mean
            )
        else:  # windows reaching over an edge (ndimage's reflection): the whole-signal filter
            wide = _band_pass(vertical, low, high, fs, mean)
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


def _band_pass(
    x: FloatArray, low_hz: float, high_hz: float, rate_hz: float, mean: float = 0.0
) -> FloatArray:
    """Zero-phase 2nd-order Butterworth band-pass of ``x - mean`` (``mean``: the signal's;
    high edge at most 0.45 of the rate): exactly ``sosfiltfilt``'s result (odd extension, its
    initial conditions), with scipy's section filter run in place on one extended copy: on the
    60-min benchmark signal 6.6 ms instead of sosfiltfilt's 9.2 ms (a loaded machine), whose
    checks and copies are left out."""
    sos = _band_pass_design(low_hz, high_hz, rate_hz).copy()
    n = x.shape[0]
    edge = 3 * (
        2 * sos.shape[0] + 1 - min(int((sos[:, 2] == 0).sum()), int((sos[:, 5] == 0).sum()))
    )
    if _sosfilt_in_place is None or n <= edge:
        return np.asarray(signal.sosfiltfilt(sos, x - mean), dtype=np.float64)
    zi = _sosfilt_zi(low_hz, high_hz, rate_hz)
    ext = _odd_extended(x, edge, 0, n + 2 * edge, mean)[None, :]
    _sosfilt_in_place(sos, ext, (zi * ext[0, 0])[None])
    back = ext[:, ::-1].copy()
    _sosfilt_in_place(sos, back, (zi * ext[0, -1])[None])
    return np.asarray(back[0, ::-1][edge : edge + n], dtype=np.float64)


@lru_cache(maxsize=16)
def _sosfilt_zi(low_hz: float, high_hz: float, rate_hz: float) -> FloatArray:
    """``sosfilt_zi`` of the band-pass (read-only)."""
    zi = np.asarray(signal.sosfilt_zi(_band_pass_design(low_hz, high_hz, rate_hz).copy()))
    zi.setflags(write=False)
    return zi


@lru_cache(maxsize=16)
def _band_pass_design(low_hz: float, high_hz: float, rate_hz: float) -> FloatArray:
    """Second-order sections of the band-pass (cached: the design costs ~1 ms; read-only,
    scipy's sosfilt wants a writable copy)."""
    high = min(high_hz, 0.45 * rate_hz)
    sos = np.asarray(signal.butter(2, (low_hz, high), "band", fs=rate_hz, output="sos"))
    sos.setflags(write=False)
    return sos


@dataclass(frozen=True, eq=False)  # hashed by identity (one per design: cached)
class _ZeroPhaseModes:
    """``sosfiltfilt(sos, x)`` in state-space form, to evaluate it row by row or in short
    windows (equal to sosfiltfilt to rounding; see ``_SLOWEST_POLE``).

    The cascade of second-order sections (as scipy runs it, transposed direct form II) is
    ``s[k+1] = A s[k] + B x[k]``, ``y[k] = C s[k] + D x[k]``. In a window [a, b) the
    zero-phase output needs only ``x`` there, the forward pass's state ``s[a]`` and the
    backward pass's state at ``b``, which is ``T[b] = M s[b] + R[b]`` with ``M = sum_j A^j B
    C A^j`` (so ``M = B C + A M A``) and ``R[b] = sum_(k >= b) A^(k-b) G x[k]`` plus the decayed
    end condition, ``G = B D + A M B``. Both states are sums over the eigenmodes of ``A``
    (first-order recursions), evaluated per block of samples by one matrix product and over
    the blocks as a first-order section (:func:`_mode_boundaries`). One mode of each
    conjugate pair is kept (``to_state`` carries the factor 2).
    """

    design: tuple[float, float, float]  # low_hz, high_hz, rate_hz
    sos: FloatArray
    a: FloatArray
    b: FloatArray
    c: FloatArray
    d: float
    stein: FloatArray  # M
    zi: FloatArray  # sosfilt_zi, flattened like the state
    edge: int  # sosfiltfilt's odd extension
    poles: ComplexArray
    to_state: ComplexArray  # (state, mode)
    to_mode: ComplexArray  # (mode, state)
    causal_in: ComplexArray  # to_mode @ B
    anti_in: ComplexArray  # to_mode @ G


#: Block length of the modal recursions (see :class:`_ZeroPhaseModes`).
_MODE_BLOCK = 64

#: The modal form is used up to this pole radius (0.25-3 Hz at 128 Hz: 0.9916). Its rounding
#: grows as the slowest pole nears 1 (the two state parts cancel more): largest difference to
#: sosfiltfilt over a 200-s noise signal, relative to the band's range, 5e-11 at 100 and
#: 128 Hz, 4e-10 at 200 Hz, 2e-7 at 1000 Hz. Above it the exact filter runs.
_SLOWEST_POLE = 0.992


def _section_step(sos: FloatArray, state: FloatArray, x: float) -> tuple[FloatArray, float]:
    """One sample through the cascade as scipy's sosfilt computes it: (next state, output)."""
    z = state.reshape(-1, 2).copy()
    for i, (b0, b1, b2, _, a1, a2) in enumerate(sos):
        y = b0 * x + z[i, 0]
        z[i, 0] = b1 * x - a1 * y + z[i, 1]
        z[i, 1] = b2 * x - a2 * y
        x = y
    return z.ravel(), float(x)


@lru_cache(maxsize=16)
def _zero_phase_modes(low_hz: float, high_hz: float, rate_hz: float) -> _ZeroPhaseModes | None:
    """The modal form of the band-pass, or None where it is not well-conditioned (then the
    whole-signal filter is used)."""
    sos = np.asarray(_band_pass_design(low_hz, high_hz, rate_hz))
    size = 2 * sos.shape[0]
    a = np.empty((size, size))
    c = np.empty(size)
    for j in range(size):
        a[:, j], c[j] = _section_step(sos, np.eye(size)[j], 0.0)
    b, d = _section_step(sos, np.zeros(size), 1.0)
    stein = np.linalg.solve(
        np.eye(size * size) - np.kron(a.T, a), np.outer(b, c).ravel(order="F")
    ).reshape(size, size, order="F")
    poles_, vectors_ = np.linalg.eig(a)
    poles = np.asarray(poles_, dtype=np.complex128)
    vectors = np.asarray(vectors_, dtype=np.complex128)
    if np.max(np.abs(poles)) > _SLOWEST_POLE or np.linalg.cond(vectors) > 1e4:
        return None  # rounding in the modal sums would grow (see _ZeroPhaseModes)
    inverse = np.asarray(np.linalg.inv(vectors), dtype=np.complex128)
    keep = poles.imag >= 0  # LAPACK gives conjugate pairs with conjugate vectors
    weight = np.where(poles.imag > 0, 2.0, 1.0)[keep]
    to_mode = inverse[keep]
    zeros_b = int((sos[:, 2] == 0).sum())
    zeros_a = int((sos[:, 5] == 0).sum())
    return _ZeroPhaseModes(
        design=(low_hz, high_hz, rate_hz),
        sos=sos,
        a=a,
        b=b,
        c=c,
        d=d,
        stein=stein,
        zi=np.asarray(signal.sosfilt_zi(sos), dtype=np.float64).ravel(),
        edge=3 * (2 * sos.shape[0] + 1 - min(zeros_b, zeros_a)),
        poles=poles[keep],
        to_state=vectors[:, keep] * weight[None, :],
        to_mode=to_mode,
        causal_in=np.asarray(to_mode @ b, dtype=np.complex128),
        anti_in=np.asarray(to_mode @ (b * d + a @ stein @ b), dtype=np.complex128),
    )


def _odd_extended(
    x: FloatArray, edge: int, front: int, length: int, mean: float = 0.0
) -> FloatArray:
    """sosfiltfilt's odd extension of ``x - mean`` by ``edge`` samples, after ``front`` zeros
    and zero-padded to ``length``."""
    n = x.shape[0]
    out = np.empty(length)  # not np.zeros: calloc's fresh zero pages fault on first touch
    out[:front] = 0.0
    out[front + n + 2 * edge :] = 0.0
    middle = out[front + edge : front + edge + n]
    np.subtract(x, mean, out=middle)
    out[front : front + edge] = 2.0 * middle[0] - middle[edge:0:-1]
    out[front + edge + n : front + n + 2 * edge] = 2.0 * middle[-1] - middle[-2 : -edge - 2 : -1]
    return out


def _product(rows: FloatArray, matrix: FloatArray, out: FloatArray | None = None) -> FloatArray:
    """``rows @ matrix`` as products of at most ``_PRODUCT_SIZE`` multiply-adds each (into
    ``out`` if given)."""
    count, width = rows.shape
    if out is None:
        out = np.empty((count, matrix.shape[1]))
    per_product = max(1, _PRODUCT_SIZE // (width * matrix.shape[1]))
    whole = count - count % per_product
    if whole:
        np.matmul(
            rows[:whole].reshape(-1, per_product, width),
            matrix,
            out=out[:whole].reshape(-1, per_product, matrix.shape[1]),
        )
    if whole < count:
        np.matmul(rows[whole:], matrix, out=out[whole:])
    return out


def _interleaved(matrix: ComplexArray) -> FloatArray:
    """The real matrix whose columns are each complex column's real and imaginary parts in
    turn: ``rows @ _interleaved(m)``, viewed as complex, is ``rows @ m``."""
    return np.stack([matrix.real, matrix.imag], axis=-1).reshape(matrix.shape[0], -1)


def _complex_product(rows: FloatArray, matrix: ComplexArray) -> ComplexArray:
    """``rows @ matrix`` for real ``rows`` and a complex ``matrix`` (one real product)."""
    return np.asarray(_product(rows, _interleaved(matrix)).view(np.complex128))


@lru_cache(maxsize=16)
def _mode_tables(
    modes: _ZeroPhaseModes, block: int
) -> tuple[ComplexArray, ComplexArray, FloatArray]:
    """Per block length: the poles' powers 0 .. block, their inverses, and the real matrix
    of the blocks' forward and backward contributions (see :func:`_mode_boundaries`)."""
    exponents = np.arange(block + 1)[:, None] * np.log(modes.poles)[None, :]
    powers, inverse = np.exp(exponents), np.exp(-exponents)
    offsets = np.arange(block)
    sums = np.concatenate(
        [powers[block - 1 - offsets] * modes.causal_in, powers[offsets] * modes.anti_in], axis=1
    )
    matrix = _interleaved(sums)
    for table in (powers, inverse, matrix):
        table.setflags(write=False)
    return powers, inverse, matrix


def _decay(modes: _ZeroPhaseModes, exponent: IntArray) -> ComplexArray:
    """``poles ** exponent`` (rows), zero where below e^-50 (an initial or end state's share
    after that many samples is below rounding; skipping them avoids subnormal numbers)."""
    e = exponent[:, None] * np.log(modes.poles)[None, :]
    out = np.zeros(e.shape, dtype=np.complex128)
    live = e.real > -50.0
    out[live] = np.exp(e[live])
    return out


def _mode_boundaries(
    modes: _ZeroPhaseModes, rows: FloatArray, front: int, length: int
) -> tuple[ComplexArray, ComplexArray, Callable[[IntArray], ComplexArray]]:
    """Modal states at every block start of ``rows`` (the odd-extended signal from ``front``,
    ``length`` samples, zero-padded, as (blocks, block)): the forward pass's, with
    sosfiltfilt's initial state at ``front``, and the backward pass's ``R`` part, with its end
    condition at ``front + length`` (both as if the zeros around were filtered too); and a
    function giving the forward modal state at any positions."""
    blocks, block = rows.shape
    k = modes.poles.shape[0]
    powers, inverse, matrix = _mode_tables(modes, block)
    offsets = np.arange(block)
    # per block: its input's share of the forward state at its end, of the backward at its start
    sums = _product(rows, matrix).view(np.complex128)  # forward modes, then backward
    forward_at = np.zeros((blocks + 1, k), dtype=np.complex128)
    backward_at = np.zeros((blocks + 1, k), dtype=np.complex128)
    for m in range(k):  # over the blocks: forward, and backward from the end (one call)
        both = np.stack([sums[:, m], sums[::-1, k + m]])
        if _sosfilt_in_place is None:  # pragma: no cover
            out = signal.lfilter([1.0], np.array([1.0, -powers[block, m]]), both, axis=-1)
        else:  # the same recursion as one first-order section (lfilter took twice as long)
            section = np.array([[1.0, 0.0, 0.0, 1.0, -powers[block, m], 0.0]])
            _sosfilt_in_place(section, both, np.zeros((2, 1, 2), dtype=np.complex128))
            out = both
        forward_at[1:, m] = out[0]
        backward_at[:-1, m] = out[1, ::-1]
    flat = rows.ravel()
    start = modes.to_mode @ (modes.zi * flat[front])  # sosfiltfilt's forward initial state
    boundaries = np.arange(blocks + 1) * block
    reach = int(50.0 / float(np.min(-np.log(np.abs(modes.poles))))) + 1  # see _decay
    near = np.searchsorted(boundaries, front + reach)
    forward_at[:near] += _decay(modes, boundaries[:near] - front) * start
    head_weights = inverse[1:] * modes.causal_in  # p^(-1-j) B

    def forward(at: IntArray) -> ComplexArray:
        """p^into * (state at the block start + sum_(j < into) p^(-1-j) B x_j)."""
        blk = at // block
        into = at - blk * block
        head = rows[np.minimum(blk, blocks - 1)] * (offsets[None, :] < into[:, None])
        inner = _complex_product(head, head_weights)
        return np.asarray(powers[into] * (forward_at[blk] + inner))

    stop = front + length
    last = np.asarray((forward(np.array([stop - 1]))[0] @ modes.to_state.T).real)
    x_last = flat[stop - 1]
    y_last = float(modes.c @ last) + modes.d * x_last
    end_state = modes.a @ last + modes.b * x_last
    # backward initial state zi * y_last at the end, less the M s the sum beyond would add
    end = modes.to_mode @ (modes.zi * y_last - modes.stein @ end_state)
    near = np.searchsorted(boundaries, stop - reach)
    backward_at[near:] += _decay(modes, stop - boundaries[near:]) * end
    return forward_at, backward_at, forward


def _mode_states(
    modes: _ZeroPhaseModes, x: FloatArray, mean: float, firsts: IntArray, stops: IntArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For windows [first, stop) of ``x - mean`` (the unextended signal): the forward state at
    each first and the backward state at each stop less its ``M s[stop]`` part, as rows; and
    the odd-extended signal (``x - mean`` from ``modes.edge`` on)."""
    edge, block = modes.edge, _MODE_BLOCK
    length = x.shape[0] + 2 * edge
    blocks = -(-length // block)
    ext = _odd_extended(x, edge, 0, blocks * block, mean)
    rows = ext.reshape(blocks, block)
    _, backward_at, forward = _mode_boundaries(modes, rows, 0, length)
    powers, inverse, _ = _mode_tables(modes, block)
    offsets = np.arange(block)
    at = np.asarray(stops, dtype=np.int64) + edge
    blk = at // block
    into = at - blk * block
    tail = rows[np.minimum(blk, blocks - 1)] * (offsets[None, :] >= into[:, None])
    inner = _complex_product(tail, powers[:block] * modes.anti_in)
    anti = inverse[into] * inner + powers[block - into] * backward_at[blk + 1]
    firsts_state = forward(np.asarray(firsts, dtype=np.int64) + edge) @ modes.to_state.T
    return (
        np.asarray(firsts_state.real, dtype=np.float64),
        np.asarray((anti @ modes.to_state.T).real, dtype=np.float64),
        ext,
    )


#: Row length of :func:`_zero_phase_whole`'s matrix product.
_WHOLE_BLOCK = 32


@lru_cache(maxsize=16)
def _whole_matrix(modes: _ZeroPhaseModes, block: int) -> FloatArray:
    """For :func:`_zero_phase_whole`: (block + 4 * modes, block), a row's band-pass from its
    samples and then the real and imaginary parts of the forward modes at its start and of
    the backward modes at its end."""
    low, high, rate = modes.design
    matrix = _window_matrix(low, high, rate, np.ones(1).tobytes(), block)
    size = modes.a.shape[0]
    to_state = modes.to_state.T  # (modes, state): state = Re(q @ to_state)
    parts = [matrix[:block]]
    for rows in (matrix[block : block + size], matrix[block + size :]):
        # rows for Re q_m and Im q_m in turn (the states' layout as floats)
        pairs = np.stack([to_state.real @ rows, -(to_state.imag @ rows)], axis=1)
        parts.append(pairs.reshape(-1, block))
    whole = np.ascontiguousarray(np.concatenate(parts, axis=0))
    whole.setflags(write=False)
    return whole


def _zero_phase_whole(
    x: FloatArray,
    low_hz: float,
    high_hz: float,
    rate_hz: float,
    mean: float,
    into: FloatArray | None = None,
) -> FloatArray:
    """``_band_pass(x, low_hz, high_hz, rate_hz, mean)`` to rounding, from the filter's modal
    states every ``_WHOLE_BLOCK`` samples (:func:`_mode_boundaries`: one matrix product and
    a recursion over the rows) and one matrix product per row, instead of sosfiltfilt's two
    passes, whose every sample waits for the previous one (60-min benchmark signal: 4.0 ms
    against 4.9 ms for :func:`_band_pass`, CPU, best of 101, loaded machine). ``into``: a
    contiguous array of at least ``len(x)`` rounded up to whole rows to write the result to
    (its first ``len(x)`` values are returned)."""
    modes = _zero_phase_modes(low_hz, high_hz, rate_hz)
    n = x.shape[0]
    if modes is None or n <= modes.edge:
        band = _band_pass(x, low_hz, high_hz, rate_hz, mean)
        if into is None:
            return band
        into[:n] = band
        return into[:n]
    edge, block = modes.edge, _WHOLE_BLOCK
    front = (-edge) % block  # the signal's first sample starts a row
    length = n + 2 * edge
    blocks = -(-(front + length) // block) + 1
    rows = _odd_extended(x, edge, front, blocks * block, mean).reshape(blocks, block)
    forward_at, backward_at, _ = _mode_boundaries(modes, rows, front, length)
    first = (front + edge) // block
    used = -(-n // block)
    k = modes.poles.shape[0]
    states = np.empty(
        (used, 4 * k)
    )  # modal states: forward at the row's start, backward at its end
    states[:, : 2 * k] = forward_at[first : first + used].view(np.float64)
    states[:, 2 * k :] = backward_at[first + 1 : first + used + 1].view(np.float64)
    matrix = _whole_matrix(modes, block)
    target = None if into is None else into[: used * block].reshape(used, block)
    out = _product(rows[first : first + used], matrix[:block], target)
    out += _product(states, matrix[block:])
    return out.ravel()[:n]


@lru_cache(maxsize=16)
def _window_matrix(
    low_hz: float, high_hz: float, rate_hz: float, kernel_bytes: bytes, window: int
) -> FloatArray:
    """(inputs, window): ``[x[first : first + p], s[first], R-part at first + p] @ matrix`` are
    the kernel's correlation with the zero-phase band-pass at first + radius + 0 .. window - 1
    (``p = window + kernel size - 1``; see :func:`_mode_states`)."""
    modes = _zero_phase_modes(low_hz, high_hz, rate_hz)
    assert modes is not None
    kernel = np.frombuffer(kernel_bytes, dtype=np.float64)
    width = window + kernel.shape[0] - 1
    size = modes.a.shape[0]
    sections = modes.sos.shape[0]
    basis = np.eye(width + 2 * size)
    inputs, first_state, anti = (
        basis[:, :width],
        basis[:, width : width + size],
        basis[:, width + size :],
    )

    def as_zi(state: FloatArray) -> FloatArray:
        return np.ascontiguousarray(state.reshape(-1, sections, 2).transpose(1, 0, 2))

    forward, final = signal.sosfilt(modes.sos.copy(), inputs, axis=-1, zi=as_zi(first_state))
    final_state = np.asarray(final).transpose(1, 0, 2).reshape(-1, size)
    backward_state = final_state @ modes.stein.T + anti
    out, _ = signal.sosfilt(modes.sos.copy(), forward[:, ::-1], axis=-1, zi=as_zi(backward_state))
    band = np.asarray(out)[:, ::-1]  # (inputs, width): the band-pass of each basis input
    taps = sliding_window_view(band, kernel.shape[0], axis=1)  # (inputs, window, taps)
    matrix = np.ascontiguousarray(taps @ kernel)
    matrix.setflags(write=False)
    return matrix


def _zero_phase_windows(
    low_hz: float,
    high_hz: float,
    rate_hz: float,
    x: FloatArray,
    kernel: FloatArray,
    firsts: IntArray,
    window: int,
    mean: float = 0.0,
) -> FloatArray:
    """Row k: ``sum_t kernel[t] * band[firsts[k] + i + t]`` for i < window, ``band`` the
    whole-signal ``_band_pass(x, ..., mean)``, from the signal in the windows and the filter
    states at their ends (windows inside the signal). For the ~2000 refinement windows of the
    60-min benchmark about 2 ms against 5 ms for filtering the whole signal."""
    modes = _zero_phase_modes(low_hz, high_hz, rate_hz)
    assert modes is not None
    width = window + kernel.shape[0] - 1
    firsts = np.asarray(firsts, dtype=np.int64)
    first_state, anti, ext = _mode_states(modes, x, mean, firsts, firsts + width)
    rows = np.concatenate(
        [sliding_window_view(ext, width)[firsts + modes.edge], first_state, anti], axis=1
    )
    matrix = _window_matrix(low_hz, high_hz, rate_hz, kernel.tobytes(), window)
    return _product(rows, matrix)


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

#: Multiply-adds per matrix product: at most OpenBLAS's single-thread limit (65536 x its
#: GEMM_MULTITHREAD_THRESHOLD 4). Larger products woke BLAS threads, which on a loaded
#: 2-core machine slowed the whole pipeline (measured: 0.32 s -> 0.47 s for 60 min).
_PRODUCT_SIZE = 1 << 18


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
    matrix products of at most ``_PRODUCT_SIZE`` multiply-adds (``padded`` is read as if
    zero-extended beyond its end)."""
    matrix = _toeplitz(kernel.tobytes(), step, outputs)
    width = matrix.shape[0]
    count = row_starts.shape[0]
    if count == 0:
        return np.zeros((0, outputs))
    short = int(row_starts.max()) + width - padded.shape[0]
    if short > 0:  # callers pad enough; this copy only guards against a short array
        padded = np.r_[padded, np.zeros(short)]
    per_product = max(1, _PRODUCT_SIZE // (width * outputs))
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
    out = _product(blocks[:-1], halves[:stride])
    out += _product(blocks[1:], halves[stride:])
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
