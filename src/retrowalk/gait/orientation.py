"""The body frame: the ONE place where retrowalk defines its axes.

Body frame of a trunk-worn sensor (lower back, waist pouch, belt):

- **vertical** (V): along gravity, positive **up**. Estimated per sample from the low-passed
  accelerometer (gravity dominates below ``gravity_cutoff_hz``), so a phone that shifts in its
  pouch is followed. ``vertical_acc`` is the free vertical acceleration (gravity removed).
- **anterior-posterior** (AP): the horizontal direction with the largest acceleration variance in
  the step band during walking (the trunk accelerates and decelerates along the walking line every
  step; medio-lateral sway has roughly half the frequency and a smaller amplitude at the lower
  back). Its **sign is not known** from the principal axis: which way is "anterior" is exactly the
  walking-direction question, answered by :mod:`retrowalk.gait.direction`, never by an assumed sign.
- **medio-lateral** (ML): completes a right-handed frame, ``ML = V x AP``.

The sensor may be worn in any orientation; nothing here assumes which sensor axis is which.
Recordings whose accelerometer has gravity removed (some phone APIs) have no gravity direction;
:func:`gravity_is_present` detects that and :class:`BodyFrame` then takes the axis of largest
low-frequency variance as vertical (documented, weaker).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from retrowalk.gait.filtering import (
    BlockedFiltfilt,
    WorkMemory,
    band_pass_design,
    low_pass_design,
)
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2

FloatArray = NDArray[np.float64]


def gravity_is_present(acc_m_s2: FloatArray) -> bool:
    """True when the mean acceleration magnitude is near 1 g (the signal includes gravity).

    The column sums are taken over the (n, 3) array viewed as rows of 512 samples (1536
    contiguous values), then folded: ``np.mean(acc, axis=0)`` walks the array in runs of three
    values and took 5.5 ms on 60 min at 100 Hz, this 0.2 ms (and ``ones @ acc``, as fast,
    leaves OpenBLAS threads spinning for tens of milliseconds of CPU time). Only the summation
    order differs (relative 1e-16); the magnitude is compared with 0.5 g as before.
    """
    acc = np.asarray(acc_m_s2, dtype=np.float64)
    n = acc.shape[0]
    if n == 0:
        return False
    return mean_acceleration_m_s2(acc) > 0.5 * STANDARD_GRAVITY_M_S2


def mean_acceleration_m_s2(acc_m_s2: FloatArray) -> float:
    """The length of the mean acceleration vector: about 9.81 for a body-worn sensor that
    records gravity (in any orientation), about 0 without it, and about 1 when the values are
    in g instead of m/s² (a unit mistake the pipeline names)."""
    acc = np.asarray(acc_m_s2, dtype=np.float64)
    n = acc.shape[0]
    if n == 0:
        return 0.0
    return float(np.linalg.norm(_column_sums(acc) / n))


def _column_sums(acc: FloatArray, rows: int = 512) -> FloatArray:
    """``acc.sum(axis=0)`` of an (n, 3) array, added as rows of ``rows`` samples."""
    whole = acc.shape[0] - acc.shape[0] % rows
    if whole == 0 or not acc.flags.c_contiguous:
        return np.asarray(acc.sum(axis=0), dtype=np.float64)
    wide = acc[:whole].reshape(-1, 3 * rows).sum(axis=0)
    return np.asarray(wide.reshape(rows, 3).sum(axis=0) + acc[whole:].sum(axis=0))


def gravity_direction(
    acc_m_s2: FloatArray, *, sampling_rate_hz: float, cutoff_hz: float = 0.25
) -> FloatArray:
    """Unit vector of gravity ("up" as the accelerometer sees it) per sample, shape (n, 3).

    A static accelerometer reads +1 g along the upward axis, so the low-passed signal points up.
    The low-pass runs on block means at about 10 Hz (40 times the cutoff) and is interpolated
    back linearly between block centres: the result is the same to well under a degree and the
    cost is a fraction. The same as the written-out chain (block means, ``sosfiltfilt``,
    ``np.interp``, normalise) to 1e-13 (tested): the low-pass is ``sosfiltfilt`` worked out
    block by block. To project signals onto "up", :func:`vertical_and_yaw` is faster: it never
    builds this (n, 3) array.
    """
    acc = np.asarray(acc_m_s2, dtype=np.float64)
    n = acc.shape[0]
    block = _block_size(sampling_rate_hz, cutoff_hz)
    low = _low_passed_block_means(
        acc, block, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz
    )
    if low is None:
        return np.repeat(_mean_direction(acc)[None, :], n, axis=0)
    unit = np.empty((n, 3), dtype=np.float64)
    for start, stop, chunk in _unit_chunks(low, block, n):
        unit[start:stop] = chunk.T
    return unit


def vertical_and_yaw(
    acc_m_s2: FloatArray,
    gyr_rad_s: FloatArray | None,
    *,
    sampling_rate_hz: float,
    cutoff_hz: float = 0.25,
    memory: WorkMemory | None = None,
) -> tuple[FloatArray, FloatArray | None]:
    """Free vertical acceleration and yaw rate: both signals projected onto "up" per sample.

    ``memory``: the results are written into its array ``"vertical_yaw"`` (valid while the
    caller holds it, :func:`~retrowalk.gait.filtering.work_memory`), not into fresh memory.

    Returns ``(vertical, yaw)``: ``vertical`` (m/s², up positive, gravity removed, shape (n,))
    is ``einsum("ij,ij->i", acc, up) - STANDARD_GRAVITY_M_S2`` and ``yaw`` (rad/s, positive
    counter-clockwise seen from above, shape (n,)) is ``einsum("ij,ij->i", gyr, up)``, with
    ``up = gravity_direction(acc, sampling_rate_hz=..., cutoff_hz=...)``; ``yaw`` is ``None``
    when ``gyr_rad_s`` is ``None``. Equal to those einsums to rounding (tested to 1e-12; on
    the development machine bit for bit: the products are added as einsum adds them there,
    ``(x u_x + z u_z) + y u_y``).

    Faster because ``up`` is never built as an (n, 3) array: the unit vectors are made chunk by
    chunk (about 20 000 samples, :func:`_unit_chunks`) in sample order, channel-major, and used
    at once while the chunk is in cache; the only full-length array is the one holding both
    results (fresh pages of large arrays cost more than the arithmetic on this machine). On the
    60-min 100 Hz benchmark signal, timed inside ``GaitPipeline.analyze`` (CPU time, median of
    11 runs, twice): ``gravity_is_present`` + ``gravity_direction`` + the two einsums of the
    earlier code 32-40 ms, ``gravity_is_present`` + this 8.6-8.8 ms.
    """
    acc = np.asarray(acc_m_s2, dtype=np.float64)
    gyr = None if gyr_rad_s is None else np.asarray(gyr_rad_s, dtype=np.float64)
    n = acc.shape[0]
    block = _block_size(sampling_rate_hz, cutoff_hz)
    low = _low_passed_block_means(
        acc, block, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz
    )
    if low is None:
        up = _mean_direction(acc)
        vertical = _project_rows(acc, np.broadcast_to(up[:, None], (3, n)))
        vertical -= STANDARD_GRAVITY_M_S2
        yaw = None if gyr is None else _project_rows(gyr, np.broadcast_to(up[:, None], (3, n)))
        return vertical, yaw
    # one allocation for both results: the fresh pages of a large array cost more here than
    # the arithmetic, and one array of both is faulted in fewer, larger pages
    shape = (1 if gyr is None else 2, n)
    both = np.empty(shape) if memory is None else memory.array("vertical_yaw", shape)
    vertical = both[0]
    yaw = None if gyr is None else both[1]
    part = np.empty(min(n, _CHUNK_BLOCKS * block), dtype=np.float64)
    for start, stop, unit in _unit_chunks(low, block, n):
        _project_rows(acc[start:stop], unit, out=vertical[start:stop], part=part)
        if gyr is not None and yaw is not None:
            _project_rows(gyr[start:stop], unit, out=yaw[start:stop], part=part)
    vertical -= STANDARD_GRAVITY_M_S2
    return vertical, yaw


# Blocks per chunk of :func:`_unit_chunks` (at 100 Hz and the default cutoff, 20 480 samples):
# a chunk's unit vectors and norms stay in a core's cache while they are used.
_CHUNK_BLOCKS = 2048


def _block_size(sampling_rate_hz: float, cutoff_hz: float) -> int:
    return max(1, int(sampling_rate_hz // (40.0 * cutoff_hz)))


def _mean_direction(acc: FloatArray) -> FloatArray:
    mean = np.mean(acc, axis=0)
    return np.asarray(mean / max(float(np.linalg.norm(mean)), 1e-12), dtype=np.float64)


def _low_passed_block_means(
    acc: FloatArray, block: int, *, sampling_rate_hz: float, cutoff_hz: float
) -> FloatArray | None:
    """Low-passed block means, channel-major (3, n_blocks); ``None`` below 16 blocks.

    The zero-phase low-pass is :class:`retrowalk.gait.filtering.BlockedFiltfilt`
    (``sosfiltfilt`` to rounding, half its time on 3 x 36 000 values).
    """
    n_blocks = acc.shape[0] // block
    if n_blocks < 16:
        return None
    sos = low_pass_design(cutoff_hz, sampling_rate_hz / block)
    means = _block_means(acc, block)
    # in place: each chunk of rows is read before its filtered values are written over it
    return BlockedFiltfilt(sos, means).filtered(out=means)


def _block_means(acc: FloatArray, block: int) -> FloatArray:
    """Means of whole blocks of ``block`` samples, channel-major (3, n // block).

    ``einsum("kjc->ck")`` over the (blocks, block, 3) view adds a block's samples in order, as
    ``mean(axis=1)`` does (bit-identical, tested), in one pass; that strided mean is several
    times slower.
    """
    n_blocks = acc.shape[0] // block
    blocks = acc[: n_blocks * block].reshape(n_blocks, block, 3)
    total = np.asarray(np.einsum("kjc->ck", blocks), dtype=np.float64)
    total /= block
    return total


def _unit_chunks(low: FloatArray, block: int, n: int) -> Iterator[tuple[int, int, FloatArray]]:
    """``(start, stop, unit)``: unit "up" vectors of samples ``start:stop``, shape (3, m).

    ``low`` (3, n_blocks): low-passed block means; block ``k``'s centre is sample
    ``(k + 0.5) block - 0.5``. Every channel is ``np.interp(arange(n), centres, low[axis])``
    (the ends held), then the vector is divided by its norm (at least 1e-12). Sample ``r`` of
    block ``k`` lies at or after the block's centre (``r >= block // 2``: between the centres of
    blocks ``k`` and ``k + 1``, block ``k``'s slope and value) or before it (between ``k - 1``
    and ``k``: block ``k - 1``'s), so a chunk of blocks is one matrix product per channel in
    sample order: rows ``[slope, value of k - 1, slope, value of k]`` times a (4, block) matrix
    of offsets and ones with zeros where a sample uses the other pair. That is np.interp's
    formula and operands, ``slope * offset + value`` (BLAS forms the product, then adds
    ``value * 1`` and the exact zeros), bit for bit np.interp's result on the development
    machine (tested to 1e-13 anywhere). Non-finite values (np.interp has special rules for
    them) go through np.interp itself.
    """
    n_blocks = low.shape[1]
    covered = n_blocks * block
    if not np.isfinite(low).all():
        centres = (np.arange(n_blocks) + 0.5) * block - 0.5
        samples = np.arange(n, dtype=np.float64)
        up = np.vstack([np.interp(samples, centres, values) for values in low])
        yield 0, n, _normalise(up, np.empty(n), np.empty(n))
        return
    weights = _interpolation_weights(block)
    # row k + 1: block k's slope to the next centre (0 for the last: held) and value;
    # row 0: a block "-1" before the first (slope 0, the first value: held)
    slope_value = np.empty((3, n_blocks + 1, 2), dtype=np.float64)
    slope = slope_value[:, 1:n_blocks, 0]
    np.subtract(low[:, 1:], low[:, :-1], out=slope)
    slope /= float(block)  # centres are `block` samples apart
    slope_value[:, 0, 0] = 0.0
    slope_value[:, n_blocks, 0] = 0.0
    slope_value[:, 0, 1] = low[:, 0]
    slope_value[:, 1:, 1] = low
    size = min(n_blocks, _CHUNK_BLOCKS) * block
    unit_buffer = np.empty(3 * size, dtype=np.float64)
    norm_buffer = np.empty(size, dtype=np.float64)
    part_buffer = np.empty(size, dtype=np.float64)
    pairs_buffer = np.empty((3, min(n_blocks, _CHUNK_BLOCKS), 4), dtype=np.float64)
    for k0 in range(0, n_blocks, _CHUNK_BLOCKS):
        k1 = min(k0 + _CHUNK_BLOCKS, n_blocks)
        m = (k1 - k0) * block
        unit = unit_buffer[: 3 * m].reshape(3, m)
        pairs = pairs_buffer[:, : k1 - k0]
        pairs[:, :, :2] = slope_value[:, k0:k1]
        pairs[:, :, 2:] = slope_value[:, k0 + 1 : k1 + 1]
        np.matmul(pairs, weights, out=unit.reshape(3, k1 - k0, block))
        _normalise(unit, norm_buffer[:m], part_buffer[:m])
        yield k0 * block, k1 * block, unit
    if covered < n:
        last = np.repeat(low[:, -1:], n - covered, axis=1)
        yield covered, n, _normalise(last, np.empty(n - covered), np.empty(n - covered))


@lru_cache(maxsize=16)
def _interpolation_weights(block: int) -> FloatArray:
    """(4, block): sample ``r``'s weights on ``[slope, value]`` of blocks ``k - 1`` and ``k``."""
    centre = (block - 1) / 2
    first_after = block // 2  # the first sample at or after the block's centre
    within = np.arange(block, dtype=np.float64)
    weights = np.zeros((4, block), dtype=np.float64)
    weights[0, :first_after] = within[:first_after] + block - centre
    weights[1, :first_after] = 1.0
    weights[2, first_after:] = within[first_after:] - centre
    weights[3, first_after:] = 1.0
    return weights


def _normalise(up: FloatArray, norm: FloatArray, part: FloatArray) -> FloatArray:
    """``up /= max(sqrt(x² + y² + z²), 1e-12)`` in place (3, m), added in that order."""
    np.multiply(up[0], up[0], out=norm)
    np.multiply(up[1], up[1], out=part)
    norm += part
    np.multiply(up[2], up[2], out=part)
    norm += part
    np.sqrt(norm, out=norm)
    np.maximum(norm, 1e-12, out=norm)
    up /= norm
    return up


def _project_rows(
    x: FloatArray,
    unit: FloatArray,
    *,
    out: FloatArray | None = None,
    part: FloatArray | None = None,
) -> FloatArray:
    """Row-wise dot product of ``x`` (m, 3) with channel-major ``unit`` (3, m).

    Added as ``einsum("ij,ij->i")`` adds three products on the development machine:
    ``(x0 u0 + x2 u2) + x1 u1`` (bit-identical there, tested to 1e-12 anywhere).
    """
    m = x.shape[0]
    result = np.empty(m, dtype=np.float64) if out is None else out
    scratch = part[:m] if part is not None and part.size >= m else np.empty(m, dtype=np.float64)
    np.multiply(x[:, 0], unit[0], out=result)
    np.multiply(x[:, 2], unit[2], out=scratch)
    result += scratch
    np.multiply(x[:, 1], unit[1], out=scratch)
    result += scratch
    return result


def vertical_acceleration(
    acc_m_s2: FloatArray, *, sampling_rate_hz: float, cutoff_hz: float = 0.25
) -> FloatArray:
    """Free vertical acceleration (m/s², up positive, gravity removed), shape (n,)."""
    vertical, _ = vertical_and_yaw(
        acc_m_s2, None, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz
    )
    return vertical


@dataclass
class BodyFrame:
    """Rotate a sensor-frame window (one walking bout) into (V, AP, ML).

    Settings: ``step_band_hz`` is the band used to find AP (walking step frequencies).
    Results: ``rotation_`` (3x3, rows = V, AP, ML unit vectors in sensor coordinates),
    ``acc_body_m_s2_`` (n, 3; columns V, AP, ML; gravity removed from V),
    ``gyr_body_rad_s_`` (n, 3 or ``None``), ``gravity_included_``.
    The AP sign is arbitrary (see module docstring).
    """

    step_band_hz: tuple[float, float] = (0.5, 3.0)

    rotation_: FloatArray | None = None
    acc_body_m_s2_: FloatArray | None = None
    gyr_body_rad_s_: FloatArray | None = None
    gravity_included_: bool = True

    def detect(
        self,
        data: FloatArray,
        *,
        sampling_rate_hz: float,
        gyr_rad_s: FloatArray | None = None,
    ) -> Self:
        acc = np.asarray(data, dtype=np.float64)
        self.gravity_included_ = gravity_is_present(acc)
        centred = acc - acc.mean(axis=0)
        band = _bandpass(centred, self.step_band_hz, sampling_rate_hz)
        if self.gravity_included_:
            up = acc.mean(axis=0)
            up = up / np.linalg.norm(up)
        else:
            low = _lowpass(centred, 1.0, sampling_rate_hz)
            up = _principal_axis(low if low.shape[0] > 2 else centred)
        horizontal = band - np.outer(band @ up, up)
        ap = _principal_axis(horizontal)
        ap = ap - (ap @ up) * up
        ap_norm = float(np.linalg.norm(ap))
        if ap_norm < 1e-9:  # no horizontal motion at all: any horizontal unit vector
            helper = np.eye(3)[int(np.argmin(np.abs(up)))]
            ap = helper - (helper @ up) * up
            ap_norm = float(np.linalg.norm(ap))
        ap = ap / ap_norm
        ml = np.cross(up, ap)
        rotation = np.vstack([up, ap, ml])
        body = acc @ rotation.T
        if self.gravity_included_:
            body[:, 0] -= STANDARD_GRAVITY_M_S2
        self.rotation_ = rotation
        self.acc_body_m_s2_ = body
        self.gyr_body_rad_s_ = None if gyr_rad_s is None else np.asarray(gyr_rad_s) @ rotation.T
        return self


def _principal_axis(x: FloatArray) -> FloatArray:
    if x.shape[0] < 2:
        return np.array([1.0, 0.0, 0.0])
    cov = x.T @ x
    values, vectors = np.linalg.eigh(cov)
    return np.asarray(vectors[:, int(np.argmax(values))], dtype=np.float64)


def _bandpass(x: FloatArray, band_hz: tuple[float, float], sampling_rate_hz: float) -> FloatArray:
    if x.shape[0] < 30:
        return x
    sos = band_pass_design(band_hz[0], band_hz[1], sampling_rate_hz).copy()
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def _lowpass(x: FloatArray, cutoff_hz: float, sampling_rate_hz: float) -> FloatArray:
    if x.shape[0] < 30:
        return x
    sos = low_pass_design(cutoff_hz, sampling_rate_hz).copy()
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)
