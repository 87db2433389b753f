"""CSV export of the phyphox app (RWTH Aachen; phyphox.org).

phyphox exports one CSV per sensor, e.g. ``Accelerometer.csv`` with
``"Time (s)","Acceleration x (m/s^2)","Acceleration y (m/s^2)","Acceleration z (m/s^2)"``
(the "Acceleration with g" experiment; "Linear Acceleration" has gravity removed) and
``Gyroscope.csv`` with ``"Gyroscope x (rad/s)"``... The separator may be comma, semicolon or tab
(with a decimal comma when the separator is a semicolon or tab and the export chose it).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from retrowalk.gait.io.table import Table, read_header_line, read_table, split_header
from retrowalk.gait.recording import Recording
from retrowalk.gait.resample import RecordingFormatError, build_recording

_ACC = re.compile(r"^(linear )?acceleration ([xyz]) \(m/s\^2\)$", re.IGNORECASE)
_GYR = re.compile(r"^gyroscope ([xyz]) \(rad/s\)$", re.IGNORECASE)
TIME_COLUMN = "Time (s)"


def is_phyphox_header(header_line: str) -> bool:
    return TIME_COLUMN.lower() in header_line.lower() and (
        "acceleration" in header_line.lower() or "gyroscope" in header_line.lower()
    )


def _header_cells(header_line: str) -> list[str]:
    _, cells = split_header(header_line)
    return list(cells)


def is_phyphox_acceleration_header(header_line: str) -> bool:
    """A phyphox CSV header with the time and the three acceleration columns."""
    cells = _header_cells(header_line) if header_line.strip() else []
    axes = {m.group(2).lower() for c in cells if (m := _ACC.match(c))}
    return TIME_COLUMN in cells and axes == {"x", "y", "z"}


def is_phyphox_gyroscope_header(header_line: str) -> bool:
    """A phyphox CSV header with the time and the three gyroscope columns."""
    cells = _header_cells(header_line) if header_line.strip() else []
    axes = {m.group(1).lower() for c in cells if (m := _GYR.match(c))}
    return TIME_COLUMN in cells and axes == {"x", "y", "z"}


def read_phyphox_csv(path: Path) -> Recording:
    acc_table = _read(path)
    acc_columns = _columns(acc_table, _ACC, "acceleration")
    time_s = acc_table.column(TIME_COLUMN)
    acc = np.column_stack([acc_table.column(c) for c in acc_columns])
    notes: list[str] = []
    if any(c.lower().startswith("linear") for c in acc_columns):
        notes.append("phyphox 'Linear Acceleration' has gravity removed by the phone")
    gyr = None
    gyro_path = path.with_name("Gyroscope.csv")
    if gyro_path.exists() and gyro_path != path:
        gyr_table = _read(gyro_path)
        gyr_columns = _columns(gyr_table, _GYR, "gyroscope")
        gyr_time = gyr_table.column(TIME_COLUMN)
        gyr = np.column_stack(
            [np.interp(time_s, gyr_time, gyr_table.column(c)) for c in gyr_columns]
        )
        notes.append("gyroscope merged from Gyroscope.csv")
    return build_recording(
        time_s,
        acc,
        gyr,
        source=acc_table.source,
        first_data_line=acc_table.first_data_line,
        notes=tuple(notes),
    )


def _read(path: Path) -> Table:
    header = read_header_line(path)
    decimal_comma = (";" in header or "\t" in header) and "," not in header
    table = read_table(path, decimal_comma=decimal_comma)
    table.require(TIME_COLUMN)
    return table


def _columns(table: Table, pattern: re.Pattern[str], what: str) -> list[str]:
    by_axis: dict[str, str] = {}
    for name in table.header:
        match = pattern.match(name)
        if match:
            by_axis[match.group(match.lastindex or 1).lower()] = name
    for axis in "xyz":
        if axis not in by_axis:
            raise RecordingFormatError(
                f"missing the {what} {axis} column (phyphox header expected)",
                source=table.source,
                line=table.first_data_line - 1,
                field=f"{what} {axis}",
            )
    return [by_axis[a] for a in "xyz"]
