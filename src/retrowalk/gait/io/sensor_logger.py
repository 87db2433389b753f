"""CSV export of the Sensor Logger phone app (Kelvin Choi; tszheichoi.com/sensorlogger).

Each sensor is one CSV with the columns ``time`` (Unix epoch, ns), ``seconds_elapsed`` (s) and
``z,y,x``. ``TotalAcceleration.csv`` includes gravity (m/s²) and is preferred;
``Accelerometer.csv`` has gravity removed by the phone (then the vertical is estimated from the
signal, see :mod:`retrowalk.gait.orientation`). ``Gyroscope.csv`` (rad/s) in the same folder is
read when present and merged onto the accelerometer's timestamps.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from retrowalk.gait.io.table import Table, read_table
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import build_recording

AXES = ("x", "y", "z")


def is_sensor_logger_header(header_line: str) -> bool:
    cells = {c.strip().strip('"') for c in header_line.split(",")}
    return {"seconds_elapsed", "x", "y", "z"} <= cells


def read_sensor_logger_csv(path: Path) -> Recording:
    """Read a Sensor Logger accelerometer CSV (or the export folder that contains one)."""
    if path.is_dir():
        candidates = [path / "TotalAcceleration.csv", path / "Accelerometer.csv"]
        path = next((c for c in candidates if c.exists()), candidates[0])
    acc_table = read_table(path)
    acc_table.require("seconds_elapsed", *AXES)
    time_s = acc_table.column("seconds_elapsed")
    acc = _xyz(acc_table)
    notes: list[str] = []
    if path.name == "Accelerometer.csv":
        notes.append("Sensor Logger 'Accelerometer' has gravity removed by the phone")
    gyr = None
    gyro_path = path.with_name("Gyroscope.csv")
    if gyro_path.exists() and gyro_path != path:
        gyr_table = read_table(gyro_path)
        gyr_table.require("seconds_elapsed", *AXES)
        gyr = _merge_onto(time_s, gyr_table.column("seconds_elapsed"), _xyz(gyr_table))
        notes.append("gyroscope merged from Gyroscope.csv")
    return build_recording(
        time_s,
        acc,
        gyr,
        source=acc_table.source,
        first_data_line=acc_table.first_data_line,
        notes=tuple(notes),
    )


def _xyz(table: Table) -> np.ndarray:
    return np.column_stack([table.column(a) for a in AXES])


def _merge_onto(target_s: np.ndarray, time_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    order = np.argsort(time_s, kind="stable")
    time_s, values = time_s[order], values[order]
    return np.column_stack([np.interp(target_s, time_s, values[:, k]) for k in range(3)])
