"""Synthetic trunk recordings with known steps, for tests (no real data needed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import scipy.io
from numpy.typing import NDArray
from scipy.spatial.transform import Rotation

from retrowalk.gait.io.retrowalk_csv import write_retrowalk_csv
from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2, Recording
from retrowalk.gait.resample import build_recording


def walking_signal(
    *,
    stand_s: float = 5.0,
    walk_s: float = 20.0,
    cadence_spm: float = 110.0,
    fs: float = 100.0,
    rotation_seed: int | None = 0,
    noise_m_s2: float = 0.05,
    seed: int = 1,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """(acc incl. gravity in a random sensor orientation, gyr, true IC times in s).

    Standing ``stand_s``, walking ``walk_s``, standing ``stand_s``. During walking the vertical
    acceleration is a sinusoid at the step frequency whose steepest rise (phase 0) is the IC.
    """
    rng = np.random.default_rng(seed)
    n = int((2 * stand_s + walk_s) * fs)
    t = np.arange(n) / fs
    walking = (t >= stand_s) & (t < stand_s + walk_s)
    f_step = cadence_spm / 60.0
    phase = 2 * np.pi * f_step * (t - stand_s)
    ramp = np.clip(np.minimum(t - stand_s, stand_s + walk_s - t) / 0.5, 0, 1) * walking
    vertical = 2.0 * np.sin(phase) * ramp
    ap = 1.2 * np.sin(phase + 1.0) * ramp
    ml = 0.6 * np.sin(phase / 2) * ramp
    body = np.column_stack([vertical + STANDARD_GRAVITY_M_S2, ap, ml])
    body += rng.normal(0, noise_m_s2, body.shape)
    gyr_body = np.column_stack(
        [0.1 * np.sin(phase / 2) * ramp, 0.05 * np.sin(phase) * ramp, ml * 0]
    )
    if rotation_seed is None:
        matrix = np.eye(3)
    else:
        matrix = Rotation.random(random_state=rotation_seed).as_matrix()
    acc = body @ matrix.T
    gyr = gyr_body @ matrix.T
    k = np.arange(0, int(walk_s * f_step) + 1)
    ics = stand_s + k / f_step
    ics = ics[ics < stand_s + walk_s]
    return acc, gyr, ics


def walking_recording(**kwargs: float | int | None) -> tuple[Recording, NDArray[np.float64]]:
    fs = float(kwargs.get("fs") or 100.0)
    acc, gyr, ics = walking_signal(**kwargs)  # type: ignore[arg-type]
    t = np.arange(acc.shape[0]) / fs
    return build_recording(t, acc, gyr, source="synthetic"), ics


def write_walking_csv(path: Path, **kwargs: float | int | None) -> NDArray[np.float64]:
    recording, ics = walking_recording(**kwargs)
    write_retrowalk_csv(path, recording)
    return ics


def turning_yaw_rad_s(n: int, seed: int) -> NDArray[np.float64]:
    """Yaw rate (rad/s, 100 Hz) with step sway, noise and turns of random size and length."""
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 100.0
    yaw = np.deg2rad(20.0 * np.sin(2 * np.pi * 0.9 * t) + rng.normal(0.0, 8.0, n))
    for _ in range(max(1, n // 800)):
        start = int(rng.integers(0, n))
        length = int(rng.integers(30, 500))
        yaw[start : start + length] += np.deg2rad(rng.uniform(-120.0, 120.0))
    return yaw


def write_mobilised_mat(
    path: Path, trials: int, *, gyr_columns: int = 3, fs_hz: float = 100.0
) -> None:
    """A Mobilise-D data.mat (TimeMeasure1/Test5/Trial1..n, lower back) of a short walk."""
    acc, gyr, _ = walking_signal(walk_s=5.0, stand_s=1.0, rotation_seed=None)
    su = {
        "LowerBack": {
            "Acc": acc / STANDARD_GRAVITY_M_S2,
            "Gyr": np.rad2deg(gyr)[:, :gyr_columns],
            "Fs": {"Acc": fs_hz, "Gyr": fs_hz},
        }
    }
    test = {f"Trial{i + 1}": {"SU": su} for i in range(trials)}
    scipy.io.savemat(str(path), {"data": {"TimeMeasure1": {"Test5": test}}})


def segment_reader(recording: Recording) -> Callable[[float, float], Recording]:
    """``read_segment`` for ``GaitPipeline.analyze_long`` over an in-memory recording: rows with
    ``start_s <= t < end_s`` (the last call asks past the end), time from ``start_s``."""
    fs = recording.sampling_rate_hz
    gyr = recording.gyr_rad_s

    def segment(start_s: float, end_s: float) -> Recording:
        a, b = round(start_s * fs), round(end_s * fs)
        acc = recording.acc_m_s2[a:b]
        part = gyr[a:b] if gyr is not None else None
        return build_recording(np.arange(len(acc)) / fs, acc, part, source="chunk")

    return segment
