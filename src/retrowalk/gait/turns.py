"""Turns from the rotation rate about the vertical (yaw) at the trunk.

After El-Gohary et al. 2014 (Sensors 14:356-369; our own implementation): low-pass the yaw rate
(1.5 Hz), find stretches where its magnitude exceeds ``min_rate_deg_s``, merge stretches closer
than ``merge_gap_s``, integrate the angle, and keep turns of at least ``min_angle_deg`` lasting
``min_duration_s``..``max_duration_s``. Needs a gyroscope; without one no turns are reported.

Speed: the zero-phase low-pass is ``scipy.signal.sosfiltfilt`` (one second-order section) worked
out block by block (:class:`_BlockedFiltfilt`): the filter's state is carried from block to
block by a recursion over blocks, and within a block the forward-backward filter is one matrix
product, so the filtered signal is never built as a whole: the threshold is applied chunk by
chunk and each turn's angle is summed from per-block sums and the turn's two end blocks. Same
result as ``sosfiltfilt`` to rounding (relative 1e-14, tested); the same turns on the 60-min
benchmark signal (341, angles within 5e-12 degrees). ``detect`` on its yaw rate, timed inside
``GaitPipeline.analyze`` (CPU time, median of 11 runs): 9.6-9.8 ms with ``sosfiltfilt`` and a
cumulative sum, 2.9 ms now.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy import signal

FloatArray = NDArray[np.float64]

# Samples per block of the blocked filter.
_BLOCK = 32
# Largest matrix product (rows x inner x columns) handed to BLAS in one call: OpenBLAS runs
# larger ones on several threads, which then spin for tens of milliseconds after the call
# (measured here: ~80 ms of extra CPU time after one (11250, 32) @ (32, 5) product, none after
# (512, 32) @ (32, 32)); every product here is split into row chunks below this size.
_MAX_PRODUCT = 2**19


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
        yaw = np.ascontiguousarray(data, dtype=np.float64)
        self.turns_ = []
        if yaw.shape[0] < 30:
            return self
        sos = _lowpass_design(self.low_pass_hz, sampling_rate_hz)
        rate = _BlockedFiltfilt(sos, yaw, scale=float(np.rad2deg(1.0)))  # deg/s, one signal
        moving = rate.above(self.min_rate_deg_s)
        change = np.flatnonzero(moving[1:] != moving[:-1]) + 1
        if moving[0]:
            change = np.r_[0, change]
        if moving[-1]:
            change = np.r_[change, moving.size]
        if change.size == 0:
            return self
        starts, ends = change[0::2], change[1::2]
        gap_ok = (starts[1:] - ends[:-1]) / sampling_rate_hz > self.merge_gap_s
        keep_start = np.r_[True, gap_ok]
        keep_end = np.r_[gap_ok, True]
        starts, ends = starts[keep_start], ends[keep_end]
        durations = (ends - starts) / sampling_rate_hz
        ok = (durations >= self.min_duration_s) & (durations <= self.max_duration_s)
        starts, ends = starts[ok], ends[ok]
        angles = rate.sums(starts, ends) / sampling_rate_hz
        big = np.abs(angles) >= self.min_angle_deg
        self.turns_ = [
            Turn(s, e, a)
            for s, e, a in zip(
                (starts[big] / sampling_rate_hz).tolist(),
                (ends[big] / sampling_rate_hz).tolist(),
                angles[big].tolist(),
                strict=True,
            )
        ]
        return self


@lru_cache(maxsize=16)
def _lowpass_design(cutoff_hz: float, sampling_rate_hz: float) -> FloatArray:
    return np.asarray(
        signal.butter(2, cutoff_hz, "low", fs=sampling_rate_hz, output="sos"), dtype=np.float64
    )


class _BlockedFiltfilt:
    """``scale * sosfiltfilt(sos, x, axis=-1)`` for one second-order section, block-wise.

    ``x``: one signal (n,) or several of the same length (channels, n), each filtered on its
    own. ``sosfiltfilt`` pads a signal by odd extension, runs the section forward from the
    steady state of the first padded sample, then backward from the steady state of the last
    output. Here the samples ``x[..., : n_blocks * _BLOCK]`` are viewed as rows of ``_BLOCK``
    (no copy); the section's two states at every row start, forward and backward, come from a
    recursion over rows (``z[k + 1] = A^B z[k] + u[k]``: an order-2 filter over ``n_blocks``
    values); a row's output is then ``row @ K + states @ W``, with ``K`` the
    forward-then-backward response within a block. The padding and the last partial row run
    sample by sample (``lfilter``, the same recursion as ``sosfilt``), as in ``sosfiltfilt``.
    Short signals (under two blocks) are filtered by ``sosfiltfilt`` itself.
    """

    def __init__(self, sos: FloatArray, x: FloatArray, *, scale: float = 1.0) -> None:
        self.one_signal = x.ndim == 1
        signals = x[None, :] if self.one_signal else x
        n = signals.shape[-1]
        edge = 3 * (3 - min(int(sos[0, 2] == 0), int(sos[0, 5] == 0)))  # sosfiltfilt's padlen
        self.n = n
        self.n_blocks = n // _BLOCK if n > edge else 0
        self._matrices = mats = _block_matrices(tuple(float(c) for c in sos[0]), scale)
        channels = signals.shape[0]
        if self.n_blocks < 2:
            self.n_blocks = 0
            self.rows = np.empty((channels, 0, _BLOCK), dtype=np.float64)
            self.states = np.empty((channels, 0, 4), dtype=np.float64)
            self.row_sums = np.empty((channels, 0), dtype=np.float64)
            self.tail = scale * np.asarray(signal.sosfiltfilt(sos, signals), dtype=np.float64)
            return
        m = _BLOCK
        nb = self.n_blocks
        num, den = sos[0, :3], sos[0, 3:]  # lfilter runs the same recursion as sosfilt
        left = 2 * signals[:, :1] - signals[:, edge:0:-1]
        right = 2 * signals[:, -1:] - signals[:, -2 : -edge - 2 : -1]
        _, z_left = signal.lfilter(num, den, left, zi=mats.steady * left[:, :1])
        rows = signals[:, : nb * m].reshape(channels, nb, m)
        per_row = _matmul_rows(rows, mats.from_row)
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
        back_inputs = per_row[:, :, 2:4] + _matmul_rows(forward, mats.state_to_back_state)
        _row_states(back_inputs[:, ::-1], z_right, mats, out=states[:, ::-1, 2:])
        self.rows = rows
        self.states = states
        self.row_sums = per_row[:, :, 4] + _matmul_rows(states, mats.from_states_sum)[:, :, 0]
        self.tail = scale * back_post[:, ::-1][:, : n - nb * m]

    def values(self, first_row: int, last_row: int) -> FloatArray:
        """The filtered samples of rows ``first_row:last_row``, shape (channels, rows, _BLOCK)."""
        mats = self._matrices
        out = _matmul_rows(self.rows[:, first_row:last_row], mats.within)
        out += _matmul_rows(self.states[:, first_row:last_row], mats.from_states)
        return out

    def filtered(self, out: FloatArray | None = None) -> FloatArray:
        """All filtered samples, the shape of ``x`` (into ``out`` when given; ``out`` may be
        ``x`` itself: every chunk of rows is read before its values are written)."""
        channels = self.rows.shape[0]
        shape = (self.n,) if self.one_signal else (channels, self.n)
        result = np.empty(shape, dtype=np.float64) if out is None else out
        every = result.reshape(channels, self.n)
        body = every[:, : self.n_blocks * _BLOCK].reshape(channels, self.n_blocks, _BLOCK)
        chunk = max(1, _MAX_PRODUCT // (_BLOCK * _BLOCK))
        for k0 in range(0, self.n_blocks, chunk):
            k1 = min(k0 + chunk, self.n_blocks)
            body[:, k0:k1] = self.values(k0, k1)
        every[:, self.n_blocks * _BLOCK :] = self.tail
        return result

    def above(self, threshold: float) -> NDArray[np.bool_]:
        """``abs(filtered) >= threshold`` per sample of one signal, filtered chunk by chunk."""
        moving = np.empty(self.n, dtype=bool)
        body = moving[: self.n_blocks * _BLOCK].reshape(self.n_blocks, _BLOCK)
        chunk = max(1, _MAX_PRODUCT // (_BLOCK * _BLOCK))
        for k0 in range(0, self.n_blocks, chunk):
            k1 = min(k0 + chunk, self.n_blocks)
            part = self.values(k0, k1)[0]
            np.abs(part, out=part)
            np.greater_equal(part, threshold, out=body[k0:k1])
        moving[self.n_blocks * _BLOCK :] = np.abs(self.tail[0]) >= threshold
        return moving

    def sums(self, starts: NDArray[np.intp], ends: NDArray[np.intp]) -> FloatArray:
        """Sum of one signal's filtered samples ``[start, end)`` per pair (``start <= end``).

        Whole rows are added from per-row sums, the partial rows at both ends from the prefix
        sums of those rows recomputed. The last partial row (the tail) is row ``n_blocks``.
        """
        m = _BLOCK
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
            prefix = _matmul_rows(self.rows[0, needed], mats.within_prefix)
            prefix += _matmul_rows(self.states[0, needed], mats.from_states_prefix)
            upto[in_body] += prefix[where, col[in_body]]
        if not in_body.all():
            tail_prefix = np.zeros(tail.size + 1, dtype=np.float64)
            np.cumsum(tail, out=tail_prefix[1:])
            upto[~in_body] += tail_prefix[col[~in_body]]
        return np.asarray(upto[starts.size :] - upto[: starts.size], dtype=np.float64)


def _matmul_rows(a: FloatArray, b: FloatArray) -> FloatArray:
    """``a @ b`` for ``a`` (..., rows, k): row chunks of at most ``_MAX_PRODUCT`` multiply-adds
    per BLAS call (a 1-D ``b`` gives a trailing axis of length 1)."""
    b2 = b if b.ndim == 2 else b[:, None]
    out = np.empty((*a.shape[:-1], b2.shape[1]), dtype=np.float64)
    step = max(1, _MAX_PRODUCT // max(1, a.shape[-1] * b2.shape[1]))
    for r0 in range(0, a.shape[-2], step):
        np.matmul(a[..., r0 : r0 + step, :], b2, out=out[..., r0 : r0 + step, :])
    return out


@dataclass(frozen=True)
class _Matrices:
    """Block matrices of one second-order section (direct form II transposed, as sosfilt).

    State ``z`` (2,): ``y = b0 x + z0``, ``z <- A z + B x``. For a row of ``_BLOCK`` samples:
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
    m = _BLOCK
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
