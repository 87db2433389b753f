"""Zero-phase Butterworth filtering, and the fast exact-to-rounding forms the pipeline uses,
each tested against ``scipy.signal.sosfiltfilt`` (tests/gait/test_filtering.py).

Every zero-phase filter of the gait pipeline is ``sosfiltfilt``'s: odd extension at both ends,
a forward pass from the steady state of the first extended sample, a backward pass from the
steady state of the last forward output. ``sosfiltfilt``'s two passes are sequential (each
sample waits for the previous one), so each stage uses the form that fits what it reads:

- :func:`zero_phase`: the exact steps of ``sosfiltfilt`` (public ``sosfilt`` twice), for the
  fallbacks (signals too short for a fast form, filters whose poles make one ill-conditioned)
  and short bouts. :func:`band_pass` is it for the 2nd-order band-pass of a centred signal.
- :func:`zero_phase_pieces`: exact, many bouts at once (pieces of similar length share one
  ``sosfilt`` call); the direction estimate's analysis route (146 bouts of the speed
  benchmark: 21 ms, one call per bout 34 ms).
- :func:`zero_phase_layout` (edge-state form): many bouts, each filtered on its own samples
  only, the 2-s padding replaced by linear maps (:func:`_edge_matrices`), bouts of similar
  length in one ``sosfilt`` call; to rounding (about 1e-11 m/s^2). The direction estimate's
  reference route (its filtered bouts are read time-reversed, as the backward pass leaves
  them). Its large work arrays come from :class:`WorkMemory`.
- :class:`BlockedFiltfilt` (one second-order section, block recursion): the signal as rows
  of 32 samples, the section's states at row starts from a recursion over rows, a row's
  output one matrix product; the signal need not be built as a whole (per-row sums, a
  threshold chunk by chunk); to rounding (relative 1e-14). The turn detector's 1.5-Hz
  low-pass of the yaw rate (``TurnDetector.detect`` inside ``GaitPipeline.analyze`` on the
  60-min benchmark: 9.6-9.8 ms with ``sosfiltfilt`` and a cumulative sum, 2.9 ms with it)
  and the gravity low-pass of block means in :mod:`retrowalk.gait.orientation` (half
  ``sosfiltfilt``'s time on 3 x 36 000 values).
- :class:`ZeroPhaseModes` (modal form, any number of sections): the forward and backward
  states are sums over the filter's eigenmodes, evaluated per block; :func:`zero_phase_whole`
  gives the whole signal as one matrix product per 32-sample row (60-min benchmark: 4.0 ms
  against 4.9 ms for :func:`band_pass`, CPU, best of 101, loaded machine) and
  :func:`zero_phase_windows` only short windows (a kernel applied to them: the ~2000 IC
  refinement windows of the 60-min benchmark about 2 ms against 5 ms for the whole signal).
  The IC detector's band-passes (:mod:`retrowalk.gait.contacts`); to rounding (about 1e-11
  of the band's range at 100 Hz), the exact filter above ``_SLOWEST_POLE``.

The three fast forms stay separate algorithms (each is the fastest measured for its stage's
shape of work); they share the filter designs (:func:`low_pass_design`,
:func:`band_pass_design`, cached), the odd extension (:func:`odd_edges`) and the row-chunked
matrix product (:func:`matmul_rows`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray
from scipy import signal

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
ComplexArray = NDArray[np.complex128]

#: Multiply-adds per matrix product of :func:`matmul_rows`: at most OpenBLAS's single-thread
#: limit (65536 x its GEMM_MULTITHREAD_THRESHOLD 4). Larger products woke BLAS threads, which
#: then spin for tens of milliseconds of CPU time after the call (measured: ~80 ms after one
#: (11250, 32) @ (32, 5) product) and on a loaded 2-core machine slowed the whole pipeline
#: (0.32 s -> 0.47 s for 60 min).
MAX_PRODUCT = 1 << 18


# ---------------------------------------------------------------------------------------------
# Designs and shared pieces


@lru_cache(maxsize=32)
def low_pass_design(cutoff_hz: float, rate_hz: float) -> FloatArray:
    """Second-order sections of the 2nd-order Butterworth low-pass (cached; read-only:
    ``sosfilt`` wants a writable copy)."""
    sos = np.asarray(signal.butter(2, cutoff_hz, "low", fs=rate_hz, output="sos"), dtype=np.float64)
    sos.setflags(write=False)
    return sos


@lru_cache(maxsize=32)
def band_pass_design(low_hz: float, high_hz: float, rate_hz: float) -> FloatArray:
    """Second-order sections of the 2nd-order Butterworth band-pass, high edge at most 0.45 of
    the rate (cached: the design costs ~1 ms, more than filtering a short bout; read-only:
    ``sosfilt`` wants a writable copy)."""
    high = min(high_hz, 0.45 * rate_hz)
    sos = np.asarray(
        signal.butter(2, (low_hz, high), "band", fs=rate_hz, output="sos"), dtype=np.float64
    )
    sos.setflags(write=False)
    return sos


@lru_cache(maxsize=32)
def band_pass_zi(low_hz: float, high_hz: float, rate_hz: float) -> FloatArray:
    """``sosfilt_zi`` of :func:`band_pass_design` (the state of unit steady input; read-only)."""
    zi = np.asarray(signal.sosfilt_zi(band_pass_design(low_hz, high_hz, rate_hz).copy()))
    zi.setflags(write=False)
    return zi


def padlen(sos: FloatArray) -> int:
    """``sosfiltfilt``'s default odd-extension length for ``sos``."""
    zeros_b = int((sos[:, 2] == 0).sum())
    zeros_a = int((sos[:, 5] == 0).sum())
    return 3 * (2 * int(sos.shape[0]) + 1 - min(zeros_b, zeros_a))


def odd_edges(x: FloatArray, edge: int) -> tuple[FloatArray, FloatArray]:
    """``sosfiltfilt``'s odd extension of ``x`` along its last axis: the ``edge`` samples
    before (``2 x[0] - x[edge:0:-1]``) and after (``2 x[-1] - x[-2:-edge-2:-1]``)."""
    left = 2.0 * x[..., :1] - x[..., edge:0:-1]
    right = 2.0 * x[..., -1:] - x[..., -2 : -edge - 2 : -1]
    return left, right


def zero_phase(sos: FloatArray, zi: FloatArray, x: FloatArray, edge: int) -> FloatArray:
    """``sosfiltfilt(sos, x, axis=0, padlen=edge)`` (``zi``: ``sosfilt_zi(sos)``), exactly:
    its steps with two public ``sosfilt`` calls, without its checks."""
    sos = np.array(sos)  # sosfilt wants a writable array
    left, right = odd_edges(x.T, edge)
    extended = np.concatenate((left.T, x, right.T))
    steady = zi.reshape(zi.shape + (1,) * (x.ndim - 1))
    forward, _ = signal.sosfilt(sos, extended, axis=0, zi=steady * extended[0])
    backward, _ = signal.sosfilt(sos, forward[::-1], axis=0, zi=steady * forward[-1])
    return np.asarray(backward[::-1][edge : edge + x.shape[0]], dtype=np.float64)


def matmul_rows(
    a: FloatArray, b: FloatArray, out: FloatArray | None = None, *, limit: int = MAX_PRODUCT
) -> FloatArray:
    """``a @ b`` for ``a`` (..., rows, k) as products of at most ``limit`` multiply-adds each
    (into ``out`` if given; a 1-D ``b`` gives a trailing axis of length 1)."""
    b2 = b if b.ndim == 2 else b[:, None]
    *lead, count, width = a.shape
    columns = b2.shape[1]
    if out is None:
        out = np.empty((*lead, count, columns), dtype=np.float64)
    per_product = max(1, limit // max(1, width * columns))
    whole = count - count % per_product
    if whole:
        np.matmul(
            a[..., :whole, :].reshape(*lead, -1, per_product, width),
            b2,
            out=out[..., :whole, :].reshape(*lead, -1, per_product, columns),
        )
    if whole < count:
        np.matmul(a[..., whole:, :], b2, out=out[..., whole:, :])
    return out


# ---------------------------------------------------------------------------------------------
# The modal form: the IC detector's band-passes (retrowalk.gait.contacts)


def band_pass(
    x: FloatArray, low_hz: float, high_hz: float, rate_hz: float, mean: float = 0.0
) -> FloatArray:
    """Zero-phase 2nd-order Butterworth band-pass of ``x - mean`` (``mean``: the signal's;
    high edge at most 0.45 of the rate): exactly ``sosfiltfilt``'s result (:func:`zero_phase`).
    The IC detector's fallback where the modal form does not apply."""
    sos = band_pass_design(low_hz, high_hz, rate_hz)
    edge = padlen(sos)
    centred = x - mean
    if x.shape[0] <= edge:
        return np.asarray(signal.sosfiltfilt(sos.copy(), centred), dtype=np.float64)
    return zero_phase(sos, band_pass_zi(low_hz, high_hz, rate_hz), centred, edge)


@dataclass(frozen=True, eq=False)  # hashed by identity (one per design: cached)
class ZeroPhaseModes:
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


#: Block length of the modal recursions (see :class:`ZeroPhaseModes`).
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
def zero_phase_modes(low_hz: float, high_hz: float, rate_hz: float) -> ZeroPhaseModes | None:
    """The modal form of the band-pass, or None where it is not well-conditioned (then the
    whole-signal filter is used)."""
    sos = np.asarray(band_pass_design(low_hz, high_hz, rate_hz))
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
        return None  # rounding in the modal sums would grow (see ZeroPhaseModes)
    inverse = np.asarray(np.linalg.inv(vectors), dtype=np.complex128)
    keep = poles.imag >= 0  # LAPACK gives conjugate pairs with conjugate vectors
    weight = np.where(poles.imag > 0, 2.0, 1.0)[keep]
    to_mode = inverse[keep]
    return ZeroPhaseModes(
        design=(low_hz, high_hz, rate_hz),
        sos=sos,
        a=a,
        b=b,
        c=c,
        d=d,
        stein=stein,
        zi=np.asarray(signal.sosfilt_zi(sos), dtype=np.float64).ravel(),
        edge=padlen(sos),
        poles=poles[keep],
        to_state=vectors[:, keep] * weight[None, :],
        to_mode=to_mode,
        causal_in=np.asarray(to_mode @ b, dtype=np.complex128),
        anti_in=np.asarray(to_mode @ (b * d + a @ stein @ b), dtype=np.complex128),
    )


def _odd_extended(
    x: FloatArray,
    edge: int,
    front: int,
    length: int,
    mean: float = 0.0,
    out: FloatArray | None = None,
) -> FloatArray:
    """sosfiltfilt's odd extension of ``x - mean`` by ``edge`` samples, after ``front`` zeros
    and zero-padded to ``length`` (into ``out``, of that length, if given)."""
    n = x.shape[0]
    if out is None:
        out = np.empty(length)  # not np.zeros: calloc's fresh zero pages fault on first touch
    out[:front] = 0.0
    out[front + n + 2 * edge :] = 0.0
    middle = out[front + edge : front + edge + n]
    np.subtract(x, mean, out=middle)
    out[front : front + edge], out[front + edge + n : front + n + 2 * edge] = odd_edges(
        middle, edge
    )
    return out


def _interleaved(matrix: ComplexArray) -> FloatArray:
    """The real matrix whose columns are each complex column's real and imaginary parts in
    turn: ``rows @ _interleaved(m)``, viewed as complex, is ``rows @ m``."""
    return np.stack([matrix.real, matrix.imag], axis=-1).reshape(matrix.shape[0], -1)


def _complex_product(rows: FloatArray, matrix: ComplexArray) -> ComplexArray:
    """``rows @ matrix`` for real ``rows`` and a complex ``matrix`` (one real product)."""
    return np.asarray(matmul_rows(rows, _interleaved(matrix)).view(np.complex128))


@lru_cache(maxsize=16)
def _mode_tables(
    modes: ZeroPhaseModes, block: int
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


def _decay(modes: ZeroPhaseModes, exponent: IntArray) -> ComplexArray:
    """``poles ** exponent`` (rows), zero where below e^-50 (an initial or end state's share
    after that many samples is below rounding; skipping them avoids subnormal numbers)."""
    e = exponent[:, None] * np.log(modes.poles)[None, :]
    out = np.zeros(e.shape, dtype=np.complex128)
    live = e.real > -50.0
    out[live] = np.exp(e[live])
    return out


def _mode_boundaries(
    modes: ZeroPhaseModes, rows: FloatArray, front: int, length: int
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
    sums = matmul_rows(rows, matrix).view(np.complex128)  # forward modes, then backward
    forward_at = np.zeros((blocks + 1, k), dtype=np.complex128)
    backward_at = np.zeros((blocks + 1, k), dtype=np.complex128)
    for m in range(k):  # over the blocks: forward, and backward from the end (one call)
        both = np.stack([sums[:, m], sums[::-1, k + m]])
        # the same recursion as one first-order section (lfilter took twice as long)
        section = np.array([[1.0, 0.0, 0.0, 1.0, -powers[block, m], 0.0]])
        out, _ = signal.sosfilt(section, both, axis=-1, zi=np.zeros((1, 2, 2), np.complex128))
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
    modes: ZeroPhaseModes, x: FloatArray, mean: float, firsts: IntArray, stops: IntArray
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


#: Samples per row of the block forms (:func:`zero_phase_whole`'s matrix product and
#: :class:`BlockedFiltfilt`'s blocks).
BLOCK_SAMPLES = 32


@lru_cache(maxsize=16)
def _whole_matrix(modes: ZeroPhaseModes, block: int) -> FloatArray:
    """For :func:`zero_phase_whole`: (block + 4 * modes, block), a row's band-pass from its
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


def zero_phase_whole(
    x: FloatArray,
    low_hz: float,
    high_hz: float,
    rate_hz: float,
    mean: float,
    into: FloatArray | None = None,
) -> FloatArray:
    """``band_pass(x, low_hz, high_hz, rate_hz, mean)`` to rounding, from the filter's modal
    states every ``BLOCK_SAMPLES`` samples (:func:`_mode_boundaries`: one matrix product and
    a recursion over the rows) and one matrix product per row, instead of sosfiltfilt's two
    passes, whose every sample waits for the previous one (60-min benchmark signal: 4.0 ms
    against 4.9 ms for :func:`band_pass`, CPU, best of 101, loaded machine). ``into``: a
    contiguous array of at least ``len(x)`` rounded up to whole rows to write the result to
    (its first ``len(x)`` values are returned)."""
    modes = zero_phase_modes(low_hz, high_hz, rate_hz)
    n = x.shape[0]
    if modes is None or n <= modes.edge:
        band = band_pass(x, low_hz, high_hz, rate_hz, mean)
        if into is None:
            return band
        into[:n] = band
        return into[:n]
    edge, block = modes.edge, BLOCK_SAMPLES
    front = (-edge) % block  # the signal's first sample starts a row
    length = n + 2 * edge
    blocks = -(-(front + length) // block) + 1
    first = (front + edge) // block
    used = -(-n // block)
    k = modes.poles.shape[0]
    matrix = _whole_matrix(modes, block)
    # the extended signal and the states' share are temporaries: kept memory (fresh pages of
    # these few-megabyte arrays cost more in page faults than the arithmetic on them)
    with work_memory() as memory:
        extended = memory.array("whole_extended", (blocks * block,))
        rows = _odd_extended(x, edge, front, blocks * block, mean, extended)
        rows = rows.reshape(blocks, block)
        forward_at, backward_at, _ = _mode_boundaries(modes, rows, front, length)
        states = np.empty(
            (used, 4 * k)
        )  # modal states: forward at the row's start, backward at its end
        states[:, : 2 * k] = forward_at[first : first + used].view(np.float64)
        states[:, 2 * k :] = backward_at[first + 1 : first + used + 1].view(np.float64)
        target = None if into is None else into[: used * block].reshape(used, block)
        out = matmul_rows(rows[first : first + used], matrix[:block], target)
        out += matmul_rows(states, matrix[block:], memory.array("whole_share", (used, block)))
    return out.ravel()[:n]


@lru_cache(maxsize=16)
def _window_matrix(
    low_hz: float, high_hz: float, rate_hz: float, kernel_bytes: bytes, window: int
) -> FloatArray:
    """(inputs, window): ``[x[first : first + p], s[first], R-part at first + p] @ matrix`` are
    the kernel's correlation with the zero-phase band-pass at first + radius + 0 .. window - 1
    (``p = window + kernel size - 1``; see :func:`_mode_states`)."""
    modes = zero_phase_modes(low_hz, high_hz, rate_hz)
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


def zero_phase_windows(
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
    whole-signal ``band_pass(x, ..., mean)``, from the signal in the windows and the filter
    states at their ends (windows inside the signal). For the ~2000 refinement windows of the
    60-min benchmark about 2 ms against 5 ms for filtering the whole signal."""
    modes = zero_phase_modes(low_hz, high_hz, rate_hz)
    assert modes is not None
    width = window + kernel.shape[0] - 1
    firsts = np.asarray(firsts, dtype=np.int64)
    first_state, anti, ext = _mode_states(modes, x, mean, firsts, firsts + width)
    rows = np.concatenate(
        [sliding_window_view(ext, width)[firsts + modes.edge], first_state, anti], axis=1
    )
    matrix = _window_matrix(low_hz, high_hz, rate_hz, kernel.tobytes(), window)
    return matmul_rows(rows, matrix)


# ---------------------------------------------------------------------------------------------
# One second-order section, block by block: the turn detector, the gravity low-pass

#: :class:`BlockedFiltfilt`'s products and row chunks: ``MAX_PRODUCT`` multiply-adds, as
#: everywhere (an earlier 2^19 saved 0.25 ms of the turn detector on one machine; on an AMD
#: EPYC with OpenBLAS 0.3.31 a (512, 32) @ (32, 32) product starts its threads, which then spin
#: through the rest of the pipeline: 2x its CPU time, 60-min benchmark).
_BLOCK_PRODUCT = MAX_PRODUCT


class BlockedFiltfilt:
    """``scale * sosfiltfilt(sos, x, axis=-1)`` for one second-order section, block-wise.

    ``x``: one signal (n,) or several of the same length (channels, n), each filtered on its
    own. ``sosfiltfilt`` pads a signal by odd extension, runs the section forward from the
    steady state of the first padded sample, then backward from the steady state of the last
    output. Here the samples ``x[..., : n_blocks * BLOCK_SAMPLES]`` are viewed as rows of
    ``BLOCK_SAMPLES`` (no copy); the section's two states at every row start, forward and
    backward, come from a recursion over rows (``z[k + 1] = A^B z[k] + u[k]``: an order-2
    filter over ``n_blocks`` values); a row's output is then ``row @ K + states @ W``, with
    ``K`` the forward-then-backward response within a block. The padding and the last partial
    row run sample by sample (``lfilter``, the same recursion as ``sosfilt``), as in
    ``sosfiltfilt``. Short signals (under two blocks) are filtered by ``sosfiltfilt`` itself.
    """

    def __init__(self, sos: FloatArray, x: FloatArray, *, scale: float = 1.0) -> None:
        self.one_signal = x.ndim == 1
        signals = x[None, :] if self.one_signal else x
        n = signals.shape[-1]
        edge = padlen(sos)
        self.n = n
        self.n_blocks = n // BLOCK_SAMPLES if n > edge else 0
        self._matrices = mats = _block_matrices(tuple(float(c) for c in sos[0]), scale)
        channels = signals.shape[0]
        if self.n_blocks < 2:
            self.n_blocks = 0
            self.rows = np.empty((channels, 0, BLOCK_SAMPLES), dtype=np.float64)
            self.states = np.empty((channels, 0, 4), dtype=np.float64)
            self.row_sums = np.empty((channels, 0), dtype=np.float64)
            self.tail = scale * np.asarray(
                signal.sosfiltfilt(sos.copy(), signals), dtype=np.float64
            )
            return
        m = BLOCK_SAMPLES
        nb = self.n_blocks
        num, den = sos[0, :3], sos[0, 3:]  # lfilter runs the same recursion as sosfilt
        left, right = odd_edges(signals, edge)
        _, z_left = signal.lfilter(num, den, left, zi=mats.steady * left[:, :1])
        rows = signals[:, : nb * m].reshape(channels, nb, m)
        per_row = matmul_rows(rows, mats.from_row, limit=_BLOCK_PRODUCT)
        states = np.empty((channels, nb, 4), dtype=np.float64)
        forward = states[:, :, :2]
        _row_states(per_row[:, :, :2], z_left, mats, out=forward)
        z_body_end = forward[:, -1] @ mats.power.T + per_row[:, -1, :2]
        post = np.concatenate([signals[:, nb * m :], right], axis=1)
        y_post, _ = signal.lfilter(num, den, post, zi=z_body_end)
        back_post, z_right = signal.lfilter(
            num, den, y_post[:, ::-1], zi=mats.steady * y_post[:, -1:]
        )
        # the backward pass's inputs per row: the forward output of the row, reversed
        back_inputs = per_row[:, :, 2:4] + matmul_rows(
            forward, mats.state_to_back_state, limit=_BLOCK_PRODUCT
        )
        _row_states(back_inputs[:, ::-1], z_right, mats, out=states[:, ::-1, 2:])
        self.rows = rows
        self.states = states
        self.row_sums = (
            per_row[:, :, 4]
            + matmul_rows(states, mats.from_states_sum, limit=_BLOCK_PRODUCT)[:, :, 0]
        )
        self.tail = scale * back_post[:, ::-1][:, : n - nb * m]

    def values(self, first_row: int, last_row: int) -> FloatArray:
        """The filtered samples of rows ``first_row:last_row``, shape
        (channels, rows, BLOCK_SAMPLES)."""
        mats = self._matrices
        out = matmul_rows(self.rows[:, first_row:last_row], mats.within, limit=_BLOCK_PRODUCT)
        out += matmul_rows(
            self.states[:, first_row:last_row], mats.from_states, limit=_BLOCK_PRODUCT
        )
        return out

    def filtered(self, out: FloatArray | None = None) -> FloatArray:
        """All filtered samples, the shape of ``x`` (into ``out`` when given; ``out`` may be
        ``x`` itself: every chunk of rows is read before its values are written)."""
        channels = self.rows.shape[0]
        shape = (self.n,) if self.one_signal else (channels, self.n)
        result = np.empty(shape, dtype=np.float64) if out is None else out
        every = result.reshape(channels, self.n)
        body = every[:, : self.n_blocks * BLOCK_SAMPLES].reshape(
            channels, self.n_blocks, BLOCK_SAMPLES
        )
        chunk = max(1, _BLOCK_PRODUCT // (BLOCK_SAMPLES * BLOCK_SAMPLES))
        for k0 in range(0, self.n_blocks, chunk):
            k1 = min(k0 + chunk, self.n_blocks)
            body[:, k0:k1] = self.values(k0, k1)
        every[:, self.n_blocks * BLOCK_SAMPLES :] = self.tail
        return result

    def above(self, threshold: float) -> NDArray[np.bool_]:
        """``abs(filtered) >= threshold`` per sample of one signal, filtered chunk by chunk."""
        moving = np.empty(self.n, dtype=bool)
        body = moving[: self.n_blocks * BLOCK_SAMPLES].reshape(self.n_blocks, BLOCK_SAMPLES)
        chunk = max(1, _BLOCK_PRODUCT // (BLOCK_SAMPLES * BLOCK_SAMPLES))
        for k0 in range(0, self.n_blocks, chunk):
            k1 = min(k0 + chunk, self.n_blocks)
            part = self.values(k0, k1)[0]
            np.abs(part, out=part)
            np.greater_equal(part, threshold, out=body[k0:k1])
        moving[self.n_blocks * BLOCK_SAMPLES :] = np.abs(self.tail[0]) >= threshold
        return moving

    def sums(self, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> FloatArray:
        """Sum of one signal's filtered samples ``[start, end)`` per pair (``start <= end``).

        Whole rows are added from per-row sums, the partial rows at both ends from the prefix
        sums of those rows recomputed. The last partial row (the tail) is row ``n_blocks``.
        """
        m = BLOCK_SAMPLES
        tail = self.tail[0]
        row_sums = np.empty(self.n_blocks + 1, dtype=np.float64)
        row_sums[:-1] = self.row_sums[0]
        row_sums[-1] = tail.sum()
        before = np.zeros(self.n_blocks + 2, dtype=np.float64)
        np.cumsum(row_sums, out=before[1:])
        bounds = np.concatenate([starts, ends])
        row = np.minimum(bounds // m, self.n_blocks)
        col = bounds - row * m
        upto = before[row]
        in_body = row < self.n_blocks
        needed, where = np.unique(row[in_body], return_inverse=True)
        if needed.size:
            mats = self._matrices
            prefix = matmul_rows(self.rows[0, needed], mats.within_prefix, limit=_BLOCK_PRODUCT)
            prefix += matmul_rows(
                self.states[0, needed], mats.from_states_prefix, limit=_BLOCK_PRODUCT
            )
            upto[in_body] += prefix[where, col[in_body]]
        if not in_body.all():
            tail_prefix = np.zeros(tail.size + 1, dtype=np.float64)
            np.cumsum(tail, out=tail_prefix[1:])
            upto[~in_body] += tail_prefix[col[~in_body]]
        return np.asarray(upto[starts.size :] - upto[: starts.size], dtype=np.float64)


@dataclass(frozen=True)
class _Matrices:
    """Block matrices of one second-order section (direct form II transposed, as sosfilt).

    State ``z`` (2,): ``y = b0 x + z0``, ``z <- A z + B x``. For a row of ``BLOCK_SAMPLES`` samples:
    ``to_state`` (B, 2) maps the row to its contribution to the state after it, ``power`` is
    ``A^B``; ``within`` (B, B) and ``from_states`` (4, B) give the forward-backward output
    from the row and from its forward and backward states (all outputs times ``scale``); the
    backward pass's row inputs are the forward outputs, mapped to state contributions by
    ``forward_to_back_state`` (from the row) and ``state_to_back_state`` (from its forward
    state); ``from_row`` (B, 5) is ``to_state``, ``forward_to_back_state`` and the row sums of
    ``within`` side by side (one pass over the rows); ``*_sum`` and ``*_prefix``: the same maps
    to a row's sum and to its sums before each sample. ``recursion_*``: the order-2 filter that
    runs the state recursion over rows (Cayley-Hamilton form of ``A^B``); ``steady``: the
    state of unit steady input (``sosfilt_zi``).
    """

    to_state: FloatArray
    from_row: FloatArray
    power: FloatArray
    within: FloatArray
    from_states: FloatArray
    forward_to_back_state: FloatArray
    state_to_back_state: FloatArray
    from_states_sum: FloatArray
    within_prefix: FloatArray
    from_states_prefix: FloatArray
    recursion_feed: FloatArray
    recursion_den: FloatArray
    steady: FloatArray


@lru_cache(maxsize=16)
def _block_matrices(coefs: tuple[float, ...], scale: float) -> _Matrices:
    b0, b1, b2, _, a1, a2 = coefs
    m = BLOCK_SAMPLES
    a = np.array([[-a1, 1.0], [-a2, 0.0]])
    b = np.array([b1 - a1 * b0, b2 - a2 * b0])
    powers = [np.eye(2)]
    for _ in range(m):
        powers.append(a @ powers[-1])
    impulse = np.empty(m)
    impulse[0] = b0
    for t in range(1, m):
        impulse[t] = (powers[t - 1] @ b)[0]
    forward = np.zeros((m, m))  # forward[i, j]: output j of the row from input i
    for i in range(m):
        forward[i, i:] = impulse[: m - i]
    from_state = np.array([p[0] for p in powers[:m]]).T  # (2, m): output j from the row's state
    to_state = np.array([powers[m - 1 - i] @ b for i in range(m)])  # (m, 2)
    backward = forward[::-1, ::-1]  # the same section run on the reversed row
    back_from_state = from_state[:, ::-1]
    within = forward @ backward * scale
    from_states = np.vstack([from_state @ backward, back_from_state]) * scale
    power = powers[m]
    feed = np.array([[-power[1, 1], power[1, 0]], [power[0, 1], -power[0, 0]]])
    den = np.array(
        [1.0, -(power[0, 0] + power[1, 1]), power[0, 0] * power[1, 1] - power[0, 1] * power[1, 0]]
    )
    forward_to_back_state = forward @ to_state[::-1]
    before_column = np.triu(np.ones((m, m + 1)), k=1)  # [i, j] = 1 when sample i is before j
    return _Matrices(
        to_state=to_state,
        from_row=np.hstack([to_state, forward_to_back_state, within.sum(axis=1)[:, None]]),
        power=power,
        within=within,
        from_states=from_states,
        forward_to_back_state=forward_to_back_state,
        state_to_back_state=from_state @ to_state[::-1],
        from_states_sum=from_states.sum(axis=1),
        within_prefix=within @ before_column,
        from_states_prefix=from_states @ before_column,
        recursion_feed=feed,
        recursion_den=den,
        steady=np.asarray(signal.lfilter_zi(coefs[:3], coefs[3:]), dtype=np.float64),
    )


def _row_states(inputs: FloatArray, first: FloatArray, mats: _Matrices, *, out: FloatArray) -> None:
    """States at row starts into ``out`` (..., rows, 2): ``z[0] = first`` (..., 2),
    ``z[k + 1] = power z[k] + inputs[k]``.

    With ``v = (first, inputs[0], inputs[1], ...)`` and ``o[k] = power o[k - 1] + v[k]``,
    ``z[k] = o[k]``; by Cayley-Hamilton each component of ``o`` is the order-2 filter
    ``1 / (1 - tr q + det q^2)`` of ``v[k] + feed^T v[k - 1]`` (``adj(I - power q)``).
    """
    rows = inputs.shape[-2]
    feed = np.empty((*inputs.shape[:-2], 2, rows), dtype=np.float64)
    feed[..., 0] = first
    feed[..., 1:] = np.swapaxes(inputs[..., :-1, :], -1, -2)
    feed[..., 1] += first @ mats.recursion_feed
    feed[..., 2:] += np.swapaxes(inputs[..., :-2, :] @ mats.recursion_feed, -1, -2)
    states = signal.lfilter([1.0], mats.recursion_den, feed, axis=-1)
    out[...] = np.swapaxes(states, -1, -2)


# ---------------------------------------------------------------------------------------------
# Many bouts at once: the direction estimate


#: pieces filtered in one matrix may waste at most this fraction of it on padding (0.05: 21 ms
#: for the 146 bouts of the speed benchmark, 0.25: 32 ms, one call per piece: 34 ms)
_MAX_PADDING_FRACTION = 0.05


def zero_phase_pieces(
    sos: FloatArray,
    zi: FloatArray,
    x: FloatArray,
    offsets: NDArray[np.int64],
    padlens: NDArray[np.int64],
) -> FloatArray:
    """:func:`zero_phase` along axis 0 of every piece ``x[offsets[i]:offsets[i + 1]]`` (padding
    ``padlens[i]``), all pieces at once, the same numbers as one call per piece.

    The oddly extended pieces become rows of zero-padded matrices (pieces of similar length
    share a matrix, so little of it is padding) and each matrix is filtered by one ``sosfilt``
    call per direction, instead of two calls per piece (about 40 % less time for the 146 short
    bouts of the speed benchmark). ``sosfilt``
    filters each row on its own, and the zeros after a row's end never reach the row (the
    filter is causal; the backward pass runs on each row's reversed valid part).
    """
    sos = np.array(sos)  # sosfilt wants a writable array
    channels = x.shape[1]
    lengths = np.diff(offsets)
    extended = lengths + 2 * padlens
    by_channel = np.ascontiguousarray(x.T)  # (channels, samples): pieces copy as contiguous rows
    out = np.empty_like(by_channel)
    order = [int(i) for i in np.argsort(-extended, kind="stable")]
    group_start = 0
    while group_start < len(order):
        width = int(extended[order[group_start]])
        stop, total = group_start, 0
        while stop < len(order) and width * (stop - group_start + 1) <= (
            total + extended[order[stop]]
        ) / (1.0 - _MAX_PADDING_FRACTION):
            total += int(extended[order[stop]])
            stop += 1
        members = order[group_start:stop]
        group_start = stop
        matrix = np.zeros((len(members) * channels, width))  # row: one channel of one piece
        for row, i in zip(range(0, matrix.shape[0], channels), members, strict=True):
            piece = by_channel[:, offsets[i] : offsets[i + 1]]
            pad, n = int(padlens[i]), int(lengths[i])
            rows = matrix[row : row + channels]
            rows[:, :pad], rows[:, pad + n : n + 2 * pad] = odd_edges(piece, pad)
            rows[:, pad : pad + n] = piece
        forward, _ = signal.sosfilt(sos, matrix, axis=-1, zi=zi[:, None, :] * matrix[:, :1][None])
        reversed_ = np.zeros_like(forward)
        last = np.empty(forward.shape[0])
        for row, i in zip(range(0, matrix.shape[0], channels), members, strict=True):
            m = int(extended[i])
            reversed_[row : row + channels, :m] = forward[row : row + channels, m - 1 :: -1]
            last[row : row + channels] = forward[row : row + channels, m - 1]
        backward, _ = signal.sosfilt(
            sos, reversed_, axis=-1, zi=zi[:, None, :] * last[None, :, None]
        )
        for row, i in zip(range(0, matrix.shape[0], channels), members, strict=True):
            pad, n = int(padlens[i]), int(lengths[i])
            out[:, offsets[i] : offsets[i + 1]] = backward[row : row + channels, pad : pad + n][
                :, ::-1
            ]
    return np.ascontiguousarray(out.T)


#: input samples placed before a bout to start the forward filter pass in its padded state
_STEER_SAMPLES = 32
#: work arrays up to this many values (16 MB: 3 channels of 110 min of bouts at 100 Hz) are kept
_MAX_KEPT_VALUES = 2_000_000


class WorkMemory:
    """Named uninitialised float arrays for the work of one call, kept for the next.

    The reference route's few-megabyte work arrays were fresh memory on every call, and the
    first touch of fresh pages (about 2800 page faults per call on the 60-min benchmark) cost
    several milliseconds. An array is valid until the next request of its name from the same
    ``WorkMemory``; arrays of at most ``_MAX_KEPT_VALUES`` values are kept. Get one from
    :func:`work_memory`, which hands the process-wide kept set to one call at a time.
    """

    def __init__(self) -> None:
        self._kept: dict[str, FloatArray] = {}

    def array(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        """An uninitialised float array of ``shape`` (kept memory when large enough)."""
        size = 1
        for extent in shape:
            size *= extent
        kept = self._kept.get(name)
        if kept is None or kept.size < size:
            kept = np.empty(size)
            if size <= _MAX_KEPT_VALUES:
                self._kept[name] = kept
        return kept[:size].reshape(shape)


_KEPT = WorkMemory()
_KEPT_LOCK = threading.RLock()


@contextmanager
def work_memory() -> Iterator[WorkMemory]:
    """The process-wide :class:`WorkMemory` for the duration of the ``with`` block, or a fresh
    one (released with it) when another thread holds it: at most one kept set of arrays per
    process, whatever the number of threads, and no thread waits for another. Re-entrant: a
    ``with`` inside another on the same thread gets the same set (the pipeline holds it for a
    whole analysis and its stages take their own arrays from it), so every use names its
    arrays on its own (a name is one use's, valid until that name is requested again)."""
    if not _KEPT_LOCK.acquire(blocking=False):
        yield WorkMemory()
        return
    try:
        yield _KEPT
    finally:
        _KEPT_LOCK.release()


@lru_cache(maxsize=32)
def _edge_matrices(
    low_hz: float, high_hz: float, sampling_rate_hz: float, padlen: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Linear maps that replace filtering the 2-s odd padding of :func:`zero_phase`.

    The forward pass only uses the padding to reach its state at the bout's first sample, a
    linear function of the first ``padlen + 1`` samples (``start``, (padlen + 1, states)); the
    backward pass starts from a state that is a linear function of the forward state at the
    bout's end and its last ``padlen + 1`` samples (``end``, (states + padlen + 1, states)).
    ``steer`` ((states, _STEER_SAMPLES)) gives inputs that drive the filter from rest to a given
    state (minimum norm), so that bouts of different lengths can share one filter matrix (each
    ends at the matrix's last column; ``sosfilt`` then returns every bout's final state).
    Computed once per filter by running ``sosfilt`` on unit inputs and unit states.
    """
    sos = np.array(band_pass_design(low_hz, high_hz, sampling_rate_hz))
    zi = band_pass_zi(low_hz, high_hz, sampling_rate_hz)
    sections = sos.shape[0]
    states = 2 * sections

    def run(x: FloatArray, state: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        start = np.zeros((sections, x.shape[0], 2))
        if state is not None:
            start = state.reshape(x.shape[0], sections, 2).transpose(1, 0, 2)
        y, final = signal.sosfilt(sos, x, axis=-1, zi=start)
        flat = np.asarray(final).transpose(1, 0, 2).reshape(x.shape[0], states)
        return np.asarray(y, dtype=np.float64), np.asarray(flat, dtype=np.float64)

    unit = np.eye(padlen + 1)
    extended = 2 * unit[:, :1] - unit[:, padlen:0:-1]
    _, start = run(extended, zi.reshape(1, states) * extended[:, :1])
    count = states + padlen + 1
    state = np.zeros((count, states))
    state[:states] = np.eye(states)
    tail = np.zeros((count, padlen + 1))
    tail[states:] = np.eye(padlen + 1)
    padding = 2 * tail[:, padlen:] - tail[:, padlen - 1 :: -1][:, :padlen]
    forward, _ = run(padding, state)
    _, end = run(np.ascontiguousarray(forward[:, ::-1]), zi.reshape(1, states) * forward[:, -1:])
    _, reach = run(np.eye(_STEER_SAMPLES), None)  # (inputs, states): state = inputs @ reach
    return start, end, np.asarray(np.linalg.pinv(reach), dtype=np.float64)


try:  # scipy's sosfilt kernel (private; the public sosfilt calls it on a copy)
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_kernel
except ImportError:  # pragma: no cover - another scipy layout: the public function
    _sosfilt_kernel = None


def _sosfilt_in_place(sos: ComplexArray, rows: ComplexArray, zi: ComplexArray) -> None:
    """``rows, zi = signal.sosfilt(sos, rows, axis=-1, zi=zi)`` for C-contiguous complex rows
    (m, n) and states (m, sections, 2), in place: scipy's own kernel without the public
    function's copies of the rows (fresh megabytes each call, whose page faults cost a third of
    the filtering); the public function where that kernel is not found."""
    if _sosfilt_kernel is not None:
        _sosfilt_kernel(sos, rows, zi)
        return
    filtered, final = signal.sosfilt(sos, rows, axis=-1, zi=zi.transpose(1, 0, 2))
    rows[...] = filtered
    zi[...] = np.asarray(final).transpose(1, 0, 2)


def _paired(rows: FloatArray, packed: ComplexArray) -> ComplexArray:
    """Rows (k, count, n) as complex rows (ceil(k count / 2), n), into ``packed``: flat row
    ``r`` of the first half is the real part of complex row ``r``, of the second half its
    imaginary part (the last imaginary part 0 for an odd number of rows)."""
    k, count, _ = rows.shape
    m = k * count
    half = (m + 1) // 2
    real, imag = packed.real, packed.imag
    for c in range(k):
        lo, hi = c * count, (c + 1) * count
        if lo < half:
            real[lo : min(hi, half)] = rows[c, : min(hi, half) - lo]
        if hi > half:
            imag[max(lo, half) - half : hi - half] = rows[c, max(lo, half) - lo :]
    imag[m - half :] = 0.0
    return packed


def _unpaired(packed: ComplexArray, out: FloatArray) -> None:
    """The inverse of :func:`_paired`: the complex rows written into ``out`` (k, count, n)."""
    k, count, _ = out.shape
    half = packed.shape[0]
    real, imag = packed.real, packed.imag
    for c in range(k):
        lo, hi = c * count, (c + 1) * count
        if lo < half:
            out[c, : min(hi, half) - lo] = real[lo : min(hi, half)]
        if hi > half:
            out[c, max(lo, half) - lo :] = imag[max(lo, half) - half : hi - half]


def zero_phase_layout(
    band: tuple[float, float, float], accs: list[FloatArray], room: int, memory: WorkMemory
) -> tuple[FloatArray, FloatArray, NDArray[np.int64], NDArray[np.int64]]:
    """:func:`zero_phase` of each bout in ``accs`` (padding ``min(n - 1, 2 s)``), many bouts per
    ``sosfilt`` call. Returns ``(raw, reversed_, start, reversed_start)``: the raw samples and the
    filtered samples TIME-REVERSED (as the backward pass leaves them; reversing them back would
    copy everything once more), channel-major, shape (3, columns + room): bout ``i`` of ``n``
    samples is ``raw[:, start[i]:start[i] + n]`` and ``reversed_[:, reversed_start[i]:
    reversed_start[i] + n][:, ::-1]``. The other columns belong to no bout. Both arrays are
    ``memory``'s (valid while the caller holds it).

    Bouts of similar length share a matrix (at most 5 % of it padding). A bout longer than the
    padding is filtered on its own samples only (the padding's effect: :func:`_edge_matrices`):
    forward on a row that ENDS at the matrix's last column, steered into its starting state by
    the inputs just before it (``sosfilt`` then returns each bout's final state), backward on
    the matrix reversed, where each row starts at column 0 with its own state. Same numbers as
    :func:`zero_phase` up to rounding (tested); a bout's numbers do not depend on the others.
    """
    sos = np.array(band_pass_design(*band))  # sosfilt wants a writable array
    zi = band_pass_zi(*band)
    padlen = round(2 * band[2])
    start, end, steer = _edge_matrices(*band, padlen)
    sections = sos.shape[0]
    states = 2 * sections
    steps = _STEER_SAMPLES
    lengths = np.array([a.shape[0] for a in accs], dtype=np.int64)
    full = lengths > padlen
    order = [int(i) for i in np.argsort(-lengths, kind="stable") if full[i]]
    groups: list[tuple[list[int], int, int]] = []  # members, row width, first column
    column = 0
    while order:
        width = int(lengths[order[0]]) + steps
        stop, total = 0, 0
        while stop < len(order) and width * (stop + 1) <= (total + lengths[order[stop]] + steps) / (
            1.0 - _MAX_PADDING_FRACTION
        ):
            total += int(lengths[order[stop]]) + steps
            stop += 1
        groups.append((order[:stop], width, column))
        column += stop * width
        order = order[stop:]
    position = np.empty(lengths.size, dtype=np.int64)
    reversed_position = np.empty(lengths.size, dtype=np.int64)
    for members, width, first in groups:
        row_starts = first + width * np.arange(len(members))
        position[members] = row_starts + width - lengths[members]
        reversed_position[members] = row_starts
    short = np.flatnonzero(~full)
    position[short] = column + np.cumsum(lengths[short]) - lengths[short]
    reversed_position[short] = position[short]
    column += int(lengths[short].sum())
    raw = memory.array("raw", (3, column + room))
    raw.fill(0.0)
    for i, acc in enumerate(accs):
        raw[:, position[i] : position[i] + lengths[i]] = acc.T
    reversed_ = memory.array("filtered", (3, column + room))
    reversed_[:, column:] = 0.0  # every other column is written below
    for i in short.tolist():  # no longer than the padding: the direct way
        reversed_[:, position[i] : position[i] + lengths[i]] = zero_phase(
            sos, zi, accs[i], int(lengths[i]) - 1
        )[::-1].T
    if not groups:
        return raw, reversed_, position, reversed_position
    chosen = np.flatnonzero(full)
    edges = sliding_window_view(raw, padlen + 1, axis=1)
    heads = edges[:, position[chosen]]  # (3, bouts, padlen + 1)
    tails = edges[:, position[chosen] + lengths[chosen] - padlen - 1]
    ahead = position[chosen][:, None] - steps + np.arange(steps)
    # inputs that reach each bout's starting state (einsum, not BLAS: the same numbers for a
    # bout whatever the other bouts)
    states_at_start = np.einsum("cpj,sj->cps", heads, np.ascontiguousarray(start.T))
    raw[:, ahead] = np.einsum("cps,sm->cpm", states_at_start, steer)
    raw_tail = {int(i): k for k, i in enumerate(chosen)}
    complex_sos = np.asarray(sos, dtype=np.complex128)
    end_rows = np.ascontiguousarray(end.T)
    for members, width, first in groups:
        count = len(members)
        rows = raw[:, first : first + count * width].reshape(3, count, width)
        # two rows per complex row (real and imaginary part, :func:`_paired`): the coefficients
        # are real, and ``(c + 0j) (x + iy)`` is ``(c x - 0 y) + i (c y + 0 x)``, so each part is
        # filtered bit for bit as alone, while one pass over the complex rows takes about 3/4
        # of the time of the two real ones (the recursion's latency bounds sosfilt, not its
        # arithmetic)
        half = (3 * count + 1) // 2
        forward = _paired(rows, memory.array("paired", (half, 2 * width)).view(np.complex128))
        final = np.zeros((half, sections, 2), dtype=np.complex128)
        _sosfilt_in_place(complex_sos, forward, final)
        # final states (half, sections, 2) -> (3, count, states), as the rows
        final_rows = np.empty((2 * half, sections, 2))
        final_rows[:half] = final.real
        final_rows[half:] = final.imag
        ends = final_rows[: 3 * count].reshape(3, count, states)
        picked = [raw_tail[i] for i in members]
        backward_start = np.einsum(
            "cpj,sj->cps", np.concatenate((ends, tails[:, picked]), axis=2), end_rows
        )
        start_rows = backward_start.reshape(3 * count, sections, 2)
        state = np.zeros((half, sections, 2), dtype=np.complex128)
        state.real = start_rows[:half]
        state.imag[: 3 * count - half] = start_rows[half:]
        backward = memory.array("paired_back", (half, 2 * width)).view(np.complex128)
        np.copyto(backward, forward[:, ::-1])
        _sosfilt_in_place(complex_sos, backward, state)
        _unpaired(backward, reversed_[:, first : first + count * width].reshape(3, count, width))
    raw[:, ahead] = 0.0  # the steering inputs are no samples
    return raw, reversed_, position, reversed_position
