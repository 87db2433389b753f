"""The Mobilise-D ``data.mat`` format (MATLAB v5, as in mobgap's example data).

Path ``data.<TimeMeasure>.<Test>.<Trial>.SU.<Sensor>`` holds ``Acc`` (n×3, g), ``Gyr`` (n×3,
deg/s) and ``Fs.Acc`` (Hz). Trials are named ``TimeMeasure1/Test11/Trial1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.io

from retrowalk.gait.recording import STANDARD_GRAVITY_M_S2, Recording
from retrowalk.gait.resample import RecordingFormatError, build_recording


def load_mobilised_mat(path: Path) -> dict[str, Any]:
    """The raw ``data`` struct as nested dicts (scipy's ``simplify_cells``)."""
    try:
        raw = scipy.io.loadmat(str(path), simplify_cells=True)
    except (
        OSError,
        ValueError,
        TypeError,
        NotImplementedError,
        scipy.io.matlab.MatReadError,  # e.g. a truncated or damaged file
    ) as error:
        raise RecordingFormatError(
            f"not a readable MATLAB file: {error}", source=str(path)
        ) from None
    data = raw.get("data")
    if not isinstance(data, dict):
        raise RecordingFormatError("no 'data' struct (not a Mobilise-D data.mat)", source=str(path))
    return data


def holds_mobilised_data(path: Path) -> bool:
    """Whether a MATLAB file has the ``data`` struct of Mobilise-D recordings (read from its
    table of contents, not its data), so that a folder's other .mat files (a participant's
    ``infoForAlgo.mat``) are told apart without loading them. An unreadable file raises
    :class:`RecordingFormatError`."""
    try:
        names = [entry[0] for entry in scipy.io.whosmat(str(path))]
    except (
        OSError,
        ValueError,
        TypeError,
        NotImplementedError,
        scipy.io.matlab.MatReadError,
    ) as error:
        raise RecordingFormatError(
            f"not a readable MATLAB file: {error}", source=str(path)
        ) from None
    return "data" in names


def list_mobilised_trials(path: Path, *, sensor: str = "LowerBack") -> list[str]:
    data = load_mobilised_mat(path)
    return [name for name, _ in _trials(data, sensor)]


def read_mobilised_mat(
    path: Path, *, trial: str | None = None, sensor: str = "LowerBack"
) -> Recording:
    """One trial's sensor data; ``trial`` may be omitted when the file holds only one."""
    data = load_mobilised_mat(path)
    trials = dict(_trials(data, sensor))
    if not trials:
        raise RecordingFormatError(f"no trial with a '{sensor}' sensor", source=str(path))
    if trial is None:
        if len(trials) > 1:
            raise RecordingFormatError(
                f"the file holds {len(trials)} trials; name the one to analyse as its trial: "
                f"{', '.join(trials)}",
                source=str(path),
                field="trial",
            )
        trial = next(iter(trials))
    if trial not in trials:
        raise RecordingFormatError(
            f"no trial '{trial}' (available: {', '.join(trials)})", source=str(path), field="trial"
        )
    su = trials[trial]
    try:
        acc = np.asarray(su["Acc"], dtype=np.float64) * STANDARD_GRAVITY_M_S2
        fs = float(su["Fs"]["Acc"])
        gyr_raw = su.get("Gyr")
        gyr = None if gyr_raw is None else np.deg2rad(np.asarray(gyr_raw, dtype=np.float64))
    except (KeyError, TypeError, ValueError) as error:
        raise RecordingFormatError(
            f"trial '{trial}' lacks Acc/Fs ({error})", source=str(path), field="SU"
        ) from None
    if acc.ndim != 2 or acc.shape[1] != 3:
        raise RecordingFormatError(f"Acc of '{trial}' is not n×3", source=str(path), field="Acc")
    if gyr is not None and gyr.shape != acc.shape:
        raise RecordingFormatError(
            f"Gyr of '{trial}' is {'×'.join(map(str, gyr.shape))}; it must be {acc.shape[0]}×3 "
            "like Acc",
            source=str(path),
            field="Gyr",
        )
    if not (np.isfinite(fs) and fs > 0):
        raise RecordingFormatError(
            f"Fs.Acc of '{trial}' must be a positive sampling rate in Hz, not {fs:g}",
            source=str(path),
            field="Fs.Acc",
        )
    time_s = np.arange(acc.shape[0], dtype=np.float64) / fs
    return build_recording(time_s, acc, gyr, source=f"{path}:{trial}")


def _trials(data: dict[str, Any], sensor: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for tm_name, tm in data.items():
        if not isinstance(tm, dict):
            continue
        for test_name, test in tm.items():
            if not isinstance(test, dict):
                continue
            for trial_name, trial in test.items():
                su = trial.get("SU", {}) if isinstance(trial, dict) else {}
                if isinstance(su, dict) and isinstance(su.get(sensor), dict):
                    found.append((f"{tm_name}/{test_name}/{trial_name}", su[sensor]))
    return found
