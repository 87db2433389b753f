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

from dataclasses import dataclass
from functools import lru_cache
from typing import Self

import numpy as np
from numpy.typing import NDArray
from scipy import signal

from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2

FloatArray = NDArray[np.float64]


def gravity_is_present(acc_m_s2: FloatArray) -> bool:
    """True when the mean acceleration magnitude is near 1 g (the signal includes gravity)."""
    if acc_m_s2.shape[0] == 0:
        return False
    magnitude = float(np.linalg.norm(np.mean(acc_m_s2, axis=0)))
    return magnitude > 0.5 * STANDARD_GRAVITY_M_S2


def gravity_direction(
    acc_m_s2: FloatArray, *, sampling_rate_hz: float, cutoff_hz: float = 0.25
) -> FloatArray:
    """Unit vector of gravity ("up" as the accelerometer sees it) per sample, shape (n, 3).

    A static accelerometer reads +1 g along the upward axis, so the low-passed signal points up.
    The low-pass runs on block means at about 10 Hz (40 times the cutoff) and is interpolated
    back linearly between block centres: the result is the same to well under a degree and the
    cost is a fraction. (The interpolation is written out on the regular block grid; it gives
    exactly what ``np.interp`` gives, several times faster on a long recording.)
    """
    n = acc_m_s2.shape[0]
    block = max(1, int(sampling_rate_hz // (40.0 * cutoff_hz)))
    n_blocks = n // block
    if n_blocks < 16:
        mean = np.mean(acc_m_s2, axis=0, keepdims=True)
        unit = mean / max(float(np.linalg.norm(mean)), 1e-12)
        return np.repeat(unit, n, axis=0)
    blocks = np.asarray(acc_m_s2[: n_blocks * block], dtype=np.float64).reshape(n_blocks, block, 3)
    total = blocks[:, 0, :].copy()
    for j in range(1, block):  # in order, as the mean over the block axis adds
        total += blocks[:, j, :]
    coarse = total / block
    coarse_rate_hz = sampling_rate_hz / block
    sos = _lowpass_design(cutoff_hz, coarse_rate_hz)
    low = signal.sosfiltfilt(sos, np.ascontiguousarray(coarse.T), axis=-1)
    up = np.empty((3, n), dtype=np.float64)
    for axis in range(3):
        up[axis] = _interpolate_block_centres(low[axis], block, n)
    norm = np.sqrt(up[0] * up[0] + up[1] * up[1] + up[2] * up[2])
    np.maximum(norm, 1e-12, out=norm)
    unit = np.empty((n, 3), dtype=np.float64)
    for axis in range(3):
        np.divide(up[axis], norm, out=unit[:, axis])
    return unit


@lru_cache(maxsize=16)
def _lowpass_design(cutoff_hz: float, sampling_rate_hz: float) -> FloatArray:
    return np.asarray(
        signal.butter(2, cutoff_hz, "low", fs=sampling_rate_hz, output="sos"), dtype=np.float64
    )


def _interpolate_block_centres(values: FloatArray, block: int, n: int) -> FloatArray:
    """``np.interp(arange(n), centres, values)`` with ``centres = (k + 0.5) block - 0.5``.

    Sample ``r`` of block ``k`` lies after the centre of block ``k`` (``r >= (block - 1) / 2``)
    or before it (then between the centres of blocks ``k - 1`` and ``k``), so the whole
    interpolation is two broadcasts of ``slope * offset + value`` over (blocks, samples) with
    np.interp's own formula and operands (bit-identical, tested); the ends are held.
    """
    if not np.isfinite(values).all():  # np.interp has special rules for non-finite values
        centres = (np.arange(values.size) + 0.5) * block - 0.5
        return np.asarray(np.interp(np.arange(n, dtype=np.float64), centres, values))
    n_blocks = values.size
    centre = (block - 1) / 2
    first_after = block // 2  # the first sample at or after the block's centre
    within = np.arange(block, dtype=np.float64)
    slope = (values[1:] - values[:-1]) / float(block)  # centres are `block` samples apart
    out = np.empty(n, dtype=np.float64)
    grid = out[: n_blocks * block].reshape(n_blocks, block)
    after = within[first_after:] - centre
    grid[:-1, first_after:] = slope[:, None] * after + values[:-1, None]
    grid[-1, first_after:] = values[-1]
    before = within[:first_after] + block - centre
    grid[1:, :first_after] = slope[:, None] * before + values[:-1, None]
    grid[0, :first_after] = values[0]
    out[n_blocks * block :] = values[-1]
    return out


def vertical_acceleration(
    acc_m_s2: FloatArray, *, sampling_rate_hz: float, cutoff_hz: float = 0.25
) -> FloatArray:
    """Free vertical acceleration (m/s², up positive, gravity removed), shape (n,)."""
    up = gravity_direction(acc_m_s2, sampling_rate_hz=sampling_rate_hz, cutoff_hz=cutoff_hz)
    return np.asarray(np.einsum("ij,ij->i", acc_m_s2, up) - STANDARD_GRAVITY_M_S2)


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
    high = min(band_hz[1], 0.45 * sampling_rate_hz)
    if x.shape[0] < 30:
        return x
    sos = signal.butter(2, (band_hz[0], high), "band", fs=sampling_rate_hz, output="sos")
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)


def _lowpass(x: FloatArray, cutoff_hz: float, sampling_rate_hz: float) -> FloatArray:
    if x.shape[0] < 30:
        return x
    sos = signal.butter(2, cutoff_hz, "low", fs=sampling_rate_hz, output="sos")
    return np.asarray(signal.sosfiltfilt(sos, x, axis=0), dtype=np.float64)
