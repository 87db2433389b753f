"""CSV export of the Sensor Logger phone app (Kelvin Choi; tszheichoi.com/sensorlogger).

Each sensor is one CSV with the columns ``time`` (Unix epoch, ns), ``seconds_elapsed`` (s) and
``z,y,x``; the app's recommended export is a zip of them (read by
:mod:`retrowalk.gait.io.archive`), unpacked it is a folder. Which accelerometer file is read:

- ``TotalAcceleration.csv`` (Android): the accelerometer with gravity (m/s²). Preferred.
- ``Accelerometer.csv`` + ``Gravity.csv`` (iOS logs only these two, Android both): added sample
  by sample, gravity merged onto the accelerometer's timestamps, gives the acceleration with
  gravity ("You may create acceleration with gravity by combining the Accelerometer and Gravity
  sensor readings", the app's units reference, github.com/tszheichoi/awesome-sensor-logger
  UNITS.md), so the vertical comes from gravity as for any other recording.
- ``Accelerometer.csv`` alone: gravity removed by the phone (the vertical is then estimated
  from the signal, see :mod:`retrowalk.gait.orientation`; the direction is less certain).

``Gyroscope.csv`` (rad/s) in the same folder is merged onto the accelerometer's timestamps.

**Sign convention.** On iOS the app reports acceleration and gravity with the opposite sign on
all three axes to Android (iOS: inertial force, a phone flat on a table has gravity along -z;
Android: the accelerating force, +z), unless the app's "Standardise Units & Frames" setting
(off by default) made it use Android's; the gyroscope agrees on both (the app's coordinates
and cross-platform references, COORDINATES.md and CROSSPLATFORM.md). ``Metadata.csv``, when
present, names the ``platform``: an iOS export without standardisation is negated to Android's
convention (the specific force that every other reader returns), and the result's notes say
so. Without ``Metadata.csv`` the values are taken as they are.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from retrowalk.gait.io.table import Table, read_header_line, read_table
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError, build_recording

AXES = ("x", "y", "z")
TOTAL_ACCELERATION = "TotalAcceleration.csv"
ACCELEROMETER = "Accelerometer.csv"
GRAVITY = "Gravity.csv"
GYROSCOPE = "Gyroscope.csv"
METADATA = "Metadata.csv"
ACCELERATION_FILES = (TOTAL_ACCELERATION, ACCELEROMETER)
"""The files a Sensor Logger recording is read from, in order of preference."""
COMPANION_FILES = (GRAVITY, GYROSCOPE, METADATA)
"""Files read only beside an acceleration file, never as a recording of their own."""
_TRUE = frozenset({"1", "true", "yes", "on", "enabled"})


def is_sensor_logger_header(header_line: str) -> bool:
    cells = {c.strip().strip('"') for c in header_line.split(",")}
    return {"seconds_elapsed", "x", "y", "z"} <= cells


def sensor_logger_file(folder: Path) -> Path | None:
    """The acceleration file of an unpacked Sensor Logger export (the first of
    :data:`ACCELERATION_FILES` there, in Sensor Logger's columns), or ``None``."""
    found = next(
        (f for name in ACCELERATION_FILES if (f := _in_folder(folder, name)) is not None), None
    )
    if found is None or not is_sensor_logger_header(read_header_line(found)):
        return None
    return found


def read_sensor_logger_csv(path: Path) -> Recording:
    """Read a Sensor Logger accelerometer CSV (or the export folder that contains one), with
    the gravity, gyroscope and metadata files beside it."""
    if path.is_dir():
        found = sensor_logger_file(path)
        path = found if found is not None else path / TOTAL_ACCELERATION
    acc_table = read_table(path)
    acc_table.require("seconds_elapsed", *AXES)
    time_s = acc_table.column("seconds_elapsed")
    acc = _xyz(acc_table)
    notes: list[str] = []
    gravity_path = _in_folder(path.parent, GRAVITY)
    is_accelerometer = path.name.lower() == ACCELEROMETER.lower()
    if is_accelerometer and gravity_path is not None:
        gravity_table = read_table(gravity_path)
        gravity_table.require("seconds_elapsed", *AXES)
        acc = acc + _merge_onto(
            time_s, gravity_table.column("seconds_elapsed"), _xyz(gravity_table)
        )
        notes.append("Sensor Logger 'Accelerometer' and 'Gravity' added: acceleration with gravity")
    elif is_accelerometer:
        notes.append("Sensor Logger 'Accelerometer' has gravity removed by the phone")
    if _ios_frames(_in_folder(path.parent, METADATA)):
        acc = -acc
        notes.append(
            "iOS export (Metadata.csv): acceleration negated to Android's sign convention "
            "(Sensor Logger's 'Standardise Units & Frames' was off)"
        )
    gyr = None
    gyro_path = _in_folder(path.parent, GYROSCOPE)
    if gyro_path is not None and gyro_path != path:
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


def _in_folder(folder: Path, name: str) -> Path | None:
    """The file ``name`` in ``folder`` whatever its case (``metadata.csv`` or ``Metadata.csv``),
    or ``None``."""
    exact = folder / name
    if exact.is_file():
        return exact
    try:
        return next(
            (f for f in folder.iterdir() if f.name.lower() == name.lower() and f.is_file()), None
        )
    except OSError:
        return None


def _ios_frames(metadata: Path | None) -> bool:
    """Whether ``Metadata.csv`` names an iOS recording without "Standardise Units & Frames"
    (its ``standardisation`` column, when the app wrote one, set to a true value)."""
    if metadata is None:
        return False
    try:
        with metadata.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise RecordingFormatError(
            f"cannot read the metadata: {error}", source=str(metadata)
        ) from None
    if not rows:
        return False
    row = {
        key.strip().lower(): value.strip().lower()
        for key, value in rows[0].items()
        if isinstance(key, str) and isinstance(value, str)  # extra cells come as a list
    }
    return row.get("platform") == "ios" and row.get("standardisation", "") not in _TRUE


def _xyz(table: Table) -> NDArray[np.float64]:
    return np.column_stack([table.column(a) for a in AXES])


def _merge_onto(
    target_s: NDArray[np.float64], time_s: NDArray[np.float64], values: NDArray[np.float64]
) -> NDArray[np.float64]:
    order = np.argsort(time_s, kind="stable")
    time_s, values = time_s[order], values[order]
    return np.column_stack([np.interp(target_s, time_s, values[:, k]) for k in range(3)])
